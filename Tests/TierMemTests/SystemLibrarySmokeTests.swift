// One smoke test per C library the runtime moves bytes with: each really calls the library.
import CLZ4
import CMemkind
import CPmem
import CZstd
import Foundation
import Testing
import TierMem

/// A 4 KiB page with some structure (compressible) and some noise (not trivially so).
private func samplePage() -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<4096).map { i in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return i % 64 < 48 ? UInt8(i % 251) : UInt8(truncatingIfNeeded: state >> 56)
    }
}

private func makeTempDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/tiermem-test-XXXXXX").utf8CString)
    guard let dir = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return String(cString: dir)
}

@Suite("C libraries, really called")
struct SystemLibrarySmokeTests {
    @Test("memkind: a PMEM kind in a temp directory allocates, holds bytes and frees")
    func memkindPmemKind() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var kind: memkind_t? = nil
        let created = memkind_create_pmem(dir, ctm_memkind_pmem_min_size(), &kind)
        #expect(created == 0, "memkind_create_pmem returned \(created)")
        let pmemKind = try #require(kind)
        defer { memkind_destroy_kind(pmemKind) }

        let page = samplePage()
        let raw = try #require(memkind_malloc(pmemKind, 4096))
        raw.copyMemory(from: page, byteCount: 4096)
        let back = Array(UnsafeRawBufferPointer(start: raw, count: 4096))
        #expect(back == page)
        #expect(memkind_detect_kind(raw) == pmemKind)
        memkind_free(pmemKind, raw)
    }

    @Test("libpmem: pmem_map_file, pmem_memcpy_persist, read back after unmap")
    func libpmemMapAndPersist() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/pool"
        var mappedLength = 0
        var isPmem: Int32 = -1
        let base = try #require(pmem_map_file(path, 4096, PMEM_FILE_CREATE, 0o600, &mappedLength, &isPmem))
        #expect(mappedLength == 4096)
        #expect(isPmem == 0 || isPmem == 1)
        let page = samplePage()
        page.withUnsafeBytes { _ = pmem_memcpy_persist(base, $0.baseAddress, 4096) }
        #expect(pmem_unmap(base, mappedLength) == 0)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(onDisk == page)
    }

    @Test("LZ4: a 4 KiB page round-trips and shrinks")
    func lz4RoundTrip() {
        let page = samplePage()
        var compressed = [UInt8](repeating: 0, count: Int(LZ4_compressBound(4096)))
        let size = page.withUnsafeBufferPointer { src in
            compressed.withUnsafeMutableBufferPointer { dst in
                LZ4_compress_default(
                    UnsafeRawPointer(src.baseAddress!).assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self),
                    4096, Int32(dst.count))
            }
        }
        #expect(size > 0 && size < 4096)
        var restored = [UInt8](repeating: 0, count: 4096)
        let n = compressed.withUnsafeBufferPointer { src in
            restored.withUnsafeMutableBufferPointer { dst in
                LZ4_decompress_safe(
                    UnsafeRawPointer(src.baseAddress!).assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self),
                    size, 4096)
            }
        }
        #expect(n == 4096)
        #expect(restored == page)
    }

    @Test("zstd: a 4 KiB page round-trips and shrinks")
    func zstdRoundTrip() {
        let page = samplePage()
        var compressed = [UInt8](repeating: 0, count: ZSTD_compressBound(4096))
        let size = ZSTD_compress(&compressed, compressed.count, page, 4096, 3)
        #expect(ZSTD_isError(size) == 0)
        #expect(size < 4096)
        var restored = [UInt8](repeating: 0, count: 4096)
        let n = ZSTD_decompress(&restored, 4096, compressed, size)
        #expect(ZSTD_isError(n) == 0)
        #expect(n == 4096)
        #expect(restored == page)
    }

    @Test("userfaultfd: the probe reports a mode and, as root, full mode with shmem MISSING faults")
    func userfaultfdProbe() {
        let report = UserfaultfdProbe.run()
        print(report)
        if getuid() == 0 {
            #expect(report.mode == .full, "root should get full userfaultfd: \(report)")
            #expect(report.missingShmem, "the live heap needs shmem MISSING faults: \(report)")
        } else {
            #expect(report.mode != .full || report.advice.isEmpty)
            #expect(report.mode == .full || !report.advice.isEmpty, "a degraded mode must say how to fix it")
        }
    }
}
