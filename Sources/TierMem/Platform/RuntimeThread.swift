import CTierLinux

/// The runtime's own threads (the fault service, the daemon): inside the runtime from their
/// first instruction, so that under the LD_PRELOAD allocator nothing they allocate comes from the
/// heap they serve, and named for the kernel (top, perf, /proc). `ctl_start_runtime_thread` says why
/// not Foundation's `Thread`.
enum RuntimeThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread named `name` (15 bytes at most).
    static func start(name: String, _ body: @escaping () -> Void) throws {
        let box = Unmanaged.passRetained(Body(body))
        let status = ctl_start_runtime_thread(name, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
        }, box.toOpaque())
        guard status == 0 else {
            box.release()
            throw LiveArenaError.system(SystemError("starting the \(name) thread", errno: status))
        }
    }
}
