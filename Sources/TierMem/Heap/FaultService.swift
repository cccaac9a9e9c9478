import CTierLinux
import Foundation
import Glibc

/// The thread that serves the arena's userfaultfd: it polls the descriptor, reads fault
/// messages in batches of up to 64 and hands each to the arena. A pipe wakes it to stop.
/// A fault costs here one poll wake-up, one read per batch, and the arena's resolution
/// (UFFDIO_CONTINUE, or a page read plus UFFDIO_COPY), which also wakes the faulting thread.
final class FaultService: @unchecked Sendable {
    typealias Handler = @Sendable (_ address: UInt64, _ flags: UInt32) -> Void

    private let userfaultfd: Userfaultfd
    private let stopPipe: (read: CInt, write: CInt)
    private let finished = DispatchSemaphore(value: 0)
    private var stopped = false

    /// `spinNanoseconds`: how long to keep polling without sleeping after a fault (0: sleep at once).
    init(userfaultfd: Userfaultfd, spinNanoseconds: UInt64 = 0, handler: @escaping Handler) throws {
        self.userfaultfd = userfaultfd
        var ends: [CInt] = [0, 0]
        guard pipe(&ends) == 0 else { throw LiveArenaError.system(SystemError("pipe")) }
        stopPipe = (ends[0], ends[1])
        let descriptor = userfaultfd.descriptor
        let stopDescriptor = ends[0]
        let finished = self.finished
        try RuntimeThread.start(name: "tiermem-faults") {
            Self.serve(descriptor: descriptor, stopDescriptor: stopDescriptor, spinNanoseconds: spinNanoseconds, handler: handler)
            finished.signal()
        }
    }

    /// Stops the thread and waits for it. Idempotent.
    func stop() {
        guard !stopped else { return }
        stopped = true
        var byte: UInt8 = 1
        _ = write(stopPipe.write, &byte, 1)
        finished.wait()
        close(stopPipe.read)
        close(stopPipe.write)
    }

    private static func serve(descriptor: CInt, stopDescriptor: CInt, spinNanoseconds: UInt64, handler: Handler) {
        var addresses = [UInt64](repeating: 0, count: 64)
        var flags = [UInt32](repeating: 0, count: 64)
        var fds = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        var previousFault: UInt64 = 0
        while true {
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                fatalError("tiermem fault service: poll: \(String(cString: strerror(errno)))")
            }
            if fds[1].revents != 0 { return }
            // Faults come in bursts (a scan, a phase change): inside a burst, keep reading for
            // `spinNanoseconds` after the last fault before sleeping in poll, so the burst's next
            // fault needs no wake-up. A burst is a fault within that time of the previous one, or
            // a second batch queued right behind the first. A lone fault sleeps at once, so
            // sporadic faults cost no spinning (and, on a shared core, no delay to the faulter).
            var lastFault = monotonicNanoseconds()
            var spinning = lastFault - previousFault < spinNanoseconds
            var batches = 0
            while true {
                let count = ctl_uffd_read_faults(descriptor, &addresses, &flags, 64)
                if count < 0 {
                    if errno == EINTR { continue }
                    fatalError("tiermem fault service: read(userfaultfd): \(String(cString: strerror(errno)))")
                }
                if count == 0 {
                    if !spinning || monotonicNanoseconds() - lastFault > spinNanoseconds { break }
                    continue
                }
                for index in 0..<Int(count) { handler(addresses[index], flags[index]) }
                batches += 1
                if batches > 1 { spinning = spinning || spinNanoseconds > 0 }
                lastFault = monotonicNanoseconds()
            }
            previousFault = lastFault
        }
    }
}
