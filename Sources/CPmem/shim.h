// libpmem (PMDK): persistent-memory copies and flushes.
#pragma once
#include <libpmem.h>
