import CLZ4
import CZstd
import Glibc
import TierMemCore

/// Compresses and decompresses single pages with LZ4 (fast, the default) or zstd (smaller, for
/// the coldest pages). Stateless for LZ4; zstd keeps a few reusable contexts each way, because
/// creating one per page (as `ZSTD_compress` and `ZSTD_decompress` do) costs more than the page.
final class PageCompressor: @unchecked Sendable {
    /// Bytes a compressed page may need in the worst case (both codecs' bound for one page).
    let scratchCapacity: Int
    let zstdLevel: CInt
    private let compressionContexts = ContextPool(create: { ZSTD_createCCtx() }, free: { ZSTD_freeCCtx($0) })
    private let decompressionContexts = ContextPool(create: { ZSTD_createDCtx() }, free: { ZSTD_freeDCtx($0) })

    init(pageSize: Int, zstdLevel: CInt = 3) {
        scratchCapacity = max(Int(LZ4_compressBound(CInt(pageSize))), ZSTD_compressBound(pageSize))
        self.zstdLevel = zstdLevel
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
            let context = compressionContexts.take()
            defer { compressionContexts.give(context) }
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
            let context = decompressionContexts.take()
            defer { decompressionContexts.give(context) }
            let length = ZSTD_decompressDCtx(context, page.baseAddress, page.count, compressed.baseAddress, compressed.count)
            return ZSTD_isError(length) == 0 && length == page.count
        }
    }

}

/// Reusable codec contexts shared by threads: take one, use it alone, give it back.
private final class ContextPool: @unchecked Sendable {
    private let create: () -> OpaquePointer?
    private let free: (OpaquePointer) -> Int
    private var idle: [OpaquePointer] = []
    private let lock = PosixMutex()

    init(create: @escaping () -> OpaquePointer?, free: @escaping (OpaquePointer) -> Int) {
        self.create = create
        self.free = free
    }

    deinit {
        for context in idle { _ = free(context) }
    }

    func take() -> OpaquePointer {
        lock.lock()
        let context = idle.popLast()
        lock.unlock()
        guard let context = context ?? create() else { fatalError("zstd: out of memory for a codec context") }
        return context
    }

    func give(_ context: OpaquePointer) {
        lock.lock()
        idle.append(context)
        lock.unlock()
    }
}

/// Whether every byte of a page is zero (such pages are kept as a flag, with no storage).
func isZeroPage(_ page: UnsafeRawPointer, byteCount: Int) -> Bool {
    let words = page.assumingMemoryBound(to: UInt64.self)
    var any: UInt64 = 0
    for index in 0..<(byteCount / 8) { any |= words[index] }
    return any == 0
}
