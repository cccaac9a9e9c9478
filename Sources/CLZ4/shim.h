// LZ4 block compression (per-page compression of the compressed tier).
#pragma once
#include <lz4.h>
