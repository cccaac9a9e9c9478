// zstd compression (the coldest compressed pages).
#pragma once
#include <zstd.h>
