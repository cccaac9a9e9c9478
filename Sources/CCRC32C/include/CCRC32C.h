// CRC-32C with the CPU's own instruction (SSE4.2 `crc32` on x86-64, the CRC extension on
// AArch64), for TierMemTrace's chunk checks. Swift cannot name these instructions, so this is C.
#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 if this CPU has a CRC-32C instruction `tm_crc32c_hardware_update` may use, else 0.
int tm_crc32c_hardware_available(void);

/// Continues a CRC-32C over `length` bytes at `bytes` (the same convention as
/// `CRC32C.update`: pass 0 to start). Only when `tm_crc32c_hardware_available()` returns 1.
uint32_t tm_crc32c_hardware_update(uint32_t crc, const void *bytes, size_t length);

#endif
