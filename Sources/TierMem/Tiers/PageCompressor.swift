import CLZ4
import CZstd
import Glibc
import TierMemCore

/// Compresses and decompresses single pages with LZ4 (fast, the default) or zstd (smaller, for
/// the coldest pages). Stateless for LZ4; zstd keeps a few reusable contexts, because creating
/// one per page costs more than compressing the page.
final class PageCompressor: @unchecked Sendable {
    /// Bytes a compressed page may need in the worst case (both codecs' bound for one page).
    let scratchCapacity: Int
    let zstdLevel: CInt
    private var zstdContexts: [OpaquePointer] = []
    private var lock = pthread_mutex_t()

    init(pageSize: Int, zstdLevel: CInt = 3) {
        scratchCapacity = max(Int(LZ4_compressBound(CInt(pageSize))), ZSTD_compressBound(pageSize))
        self.zstdLevel = zstdLevel
        pthread_mutex_init(&lock, nil)
    }

    deinit {
        for context in zstdContexts { ZSTD_freeCCtx(context) }
        pthread_mutex_destroy(&lock)
    }

    /// Compresses `page` into `output` (at least `scratchCapacity` bytes); returns the compressed
    /// length, or nil when the codec failed.
    func compress(_ page: UnsafeRawBufferPointer, codec: CompressionCodec, into output: UnsafeMutableRawPointer) -> Int? {
        switch codec {
        case .lz4:
            let length = LZ4_compress_default(
                page.baseAddress!.assumingMemoryBound(to: CChar.self), output.assumingMemoryBound(to: CChar.self),
                CInt(page.count), CInt(scratchCapacity))
            return length > 0 ? Int(length) : nil
        case .zstd:
            let context = takeZstdContext()
            defer { returnZstdContext(context) }
            let length = ZSTD_compressCCtx(context, output, scratchCapacity, page.baseAddress, page.count, zstdLevel)
            return ZSTD_isError(length) == 0 ? length : nil
        }
    }

    /// Decompresses `compressed` into `page`; true when exactly a page came out.
    func decompress(_ compressed: UnsafeRawBufferPointer, codec: CompressionCodec, into page: UnsafeMutableRawBufferPointer) -> Bool {
        switch codec {
        case .lz4:
            let length = LZ4_decompress_safe(
                compressed.baseAddress!.assumingMemoryBound(to: CChar.self),
                page.baseAddress!.assumingMemoryBound(to: CChar.self), CInt(compressed.count), CInt(page.count))
            return Int(length) == page.count
        case .zstd:
            let length = ZSTD_decompress(page.baseAddress, page.count, compressed.baseAddress, compressed.count)
            return ZSTD_isError(length) == 0 && length == page.count
        }
    }

    private func takeZstdContext() -> OpaquePointer {
        pthread_mutex_lock(&lock)
        let context = zstdContexts.popLast()
        pthread_mutex_unlock(&lock)
        return context ?? ZSTD_createCCtx()
    }

    private func returnZstdContext(_ context: OpaquePointer) {
        pthread_mutex_lock(&lock)
        zstdContexts.append(context)
        pthread_mutex_unlock(&lock)
    }
}

/// Whether every byte of a page is zero (such pages are kept as a flag, with no storage).
func isZeroPage(_ page: UnsafeRawPointer, byteCount: Int) -> Bool {
    let words = page.assumingMemoryBound(to: UInt64.self)
    var any: UInt64 = 0
    for index in 0..<(byteCount / 8) { any |= words[index] }
    return any == 0
}
