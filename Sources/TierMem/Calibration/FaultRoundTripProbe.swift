import Glibc

/// The floor under every fault-in: a userfaultfd fault on a memfd page served by the same kind
/// of handler thread as the arena's (`FaultService`) with one UFFDIO_COPY of a page that is
/// already prepared — no page state, no tier, no decompression.
enum FaultRoundTripProbe {
    /// Touches `pageCount` fresh pages and returns each touch's latency in nanoseconds.
    /// `spinNanoseconds` as `LiveArenaConfiguration.faultSpinNanoseconds`.
    static func measure(pageCount: Int, spinNanoseconds: UInt64) throws -> [UInt64] {
        let mapping = try ArenaMapping(pageCount: pageCount, name: "tiermem-fault-probe")
        let userfaultfd = try Userfaultfd(mode: .full)
        try userfaultfd.register(mapping.userView, length: mapping.byteCount)
        let pageSize = ArenaMapping.pageSize
        let ready = UnsafeMutableRawPointer.allocate(byteCount: pageSize, alignment: pageSize)
        ready.initializeMemory(as: UInt8.self, repeating: 0xA5, count: pageSize)
        defer { ready.deallocate() }
        let readyAddress = UInt(bitPattern: ready)
        let service = try FaultService(userfaultfd: userfaultfd, spinNanoseconds: spinNanoseconds) { address, _ in
            let page = address & ~UInt64(pageSize - 1)
            _ = userfaultfd.copy(
                to: UnsafeMutableRawPointer(bitPattern: UInt(page))!,
                from: UnsafeRawPointer(bitPattern: readyAddress)!, length: pageSize)
        }
        defer { service.stop() }
        var latencies: [UInt64] = []
        latencies.reserveCapacity(pageCount)
        var sum: UInt64 = 0
        for page in 0..<pageCount {
            let start = monotonicNanoseconds()
            sum &+= UInt64(mapping.userPage(page).load(as: UInt8.self))
            latencies.append(monotonicNanoseconds() - start)
        }
        precondition(sum == UInt64(pageCount) * 0xA5, "the probe's pages did not hold the copied bytes")
        return latencies
    }
}
