import CTierLinux
import Glibc

/// A thread's own stock of free small objects, one bin per (size class, group): the fast path
/// of `allocate` and `deallocate` is a bin pop or push with no lock (one atomic bitmap update
/// for double-free detection). An empty bin refills `batch` objects from the heap's central
/// lists; a full one gives half back. The bins go back to the heap when the thread exits.
final class ThreadCache {
    static let binCapacity = 64
    static let batch = 32

    let binCount: Int
    /// binCapacity addresses per bin.
    let slots: UnsafeMutablePointer<UInt>
    let counts: UnsafeMutablePointer<Int>
    /// The heap this cache belongs to; nil once the heap is gone.
    weak var heap: TieredHeap?

    init(heap: TieredHeap, binCount: Int) {
        self.heap = heap
        self.binCount = binCount
        slots = .allocate(capacity: binCount * Self.binCapacity)
        counts = .allocate(capacity: binCount)
        counts.initialize(repeating: 0, count: binCount)
    }

    deinit {
        slots.deallocate()
        counts.deallocate()
    }

    @inline(__always)
    func pop(_ bin: Int) -> UInt? {
        let count = counts[bin]
        guard count > 0 else { return nil }
        counts[bin] = count - 1
        return slots[bin * Self.binCapacity + count - 1]
    }

    /// False when the bin is full (the caller flushes and pushes again).
    @inline(__always)
    func push(_ address: UInt, _ bin: Int) -> Bool {
        let count = counts[bin]
        guard count < Self.binCapacity else { return false }
        slots[bin * Self.binCapacity + count] = address
        counts[bin] = count + 1
        return true
    }

    /// Removes up to `limit` addresses from the bottom of a bin (the least recently freed).
    func take(_ bin: Int, limit: Int) -> [UInt] {
        let count = counts[bin], taken = min(limit, count)
        let base = slots + bin * Self.binCapacity
        let result = Array(UnsafeBufferPointer(start: base, count: taken))
        base.update(from: base + taken, count: count - taken)
        counts[bin] = count - taken
        return result
    }
}

/// The per-thread cache of one heap, found through a pthread key (one key per heap), created on
/// a thread's first allocation and flushed back to the heap when the thread exits. When the heap
/// goes first, the caches of threads still running are released then (`InstalledCaches`).
final class ThreadCacheKey: @unchecked Sendable {
    /// A `let`, so reading it needs no exclusivity check on the fast path.
    private let key: pthread_key_t
    /// This key's number in `InstalledCaches` (never reused, unlike an object's address).
    let id = InstalledCaches.shared.newKeyID()

    init() throws {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            // The heap may be ending on another thread: whoever claims the cache releases it.
            guard let raw, InstalledCaches.shared.claim(raw) else { return }
            let cache = Unmanaged<ThreadCache>.fromOpaque(raw).takeRetainedValue()
            // A call into the heap: what it allocates must not come from the heap (LD_PRELOAD).
            ctl_runtime_enter()
            cache.heap?.flush(cache)
            ctl_runtime_exit()
        }
        guard status == 0 else { throw LiveArenaError.system(SystemError("pthread_key_create", errno: status)) }
        self.key = key
    }

    deinit {
        // After the key is deleted no thread's exit runs its destructor, so the caches of threads
        // still alive would never be released.
        pthread_key_delete(key)
        for raw in InstalledCaches.shared.claimAll(of: id) {
            Unmanaged<ThreadCache>.fromOpaque(raw).release()
        }
    }

    @inline(__always)
    func current() -> ThreadCache? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<ThreadCache>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `body` with this thread's cache without retaining it (the pthread value holds a
    /// reference for the thread's lifetime): no reference counting on the fast path.
    @inline(__always)
    func withCurrent<T>(_ body: (ThreadCache?) throws -> T) rethrows -> T {
        guard let raw = pthread_getspecific(key) else { return try body(nil) }
        return try Unmanaged<ThreadCache>.fromOpaque(raw)._withUnsafeGuaranteedRef { try body($0) }
    }

    func install(_ cache: ThreadCache) {
        let raw = Unmanaged.passRetained(cache).toOpaque()
        InstalledCaches.shared.add(raw, key: id)
        pthread_setspecific(key, raw)
    }
}

/// Every installed cache's thread-local reference and the key it hangs on, so that exactly one
/// of two parties releases it: the thread's exit, or the end of its heap. Each claims it under
/// one lock first; the loser leaves it alone (and never touches it: it may be gone).
final class InstalledCaches: @unchecked Sendable {
    static let shared = InstalledCaches()
    private let mutex = PosixMutex()
    private var keys: [UnsafeMutableRawPointer: UInt64] = [:]
    private var lastKeyID: UInt64 = 0

    private init() {}

    func newKeyID() -> UInt64 {
        mutex.withLock {
            lastKeyID += 1
            return lastKeyID
        }
    }

    func add(_ raw: UnsafeMutableRawPointer, key: UInt64) {
        mutex.withLock { keys[raw] = key }
    }

    /// True once for a cache: the caller now owns its reference.
    func claim(_ raw: UnsafeMutableRawPointer) -> Bool {
        mutex.withLock { keys.removeValue(forKey: raw) != nil }
    }

    /// Claims every cache still installed on `key`.
    func claimAll(of key: UInt64) -> [UnsafeMutableRawPointer] {
        mutex.withLock {
            let claimed = keys.filter { $0.value == key }.map(\.key)
            for raw in claimed { keys[raw] = nil }
            return claimed
        }
    }

    /// Caches installed on `key` and not yet released.
    func count(of key: UInt64) -> Int {
        mutex.withLock { keys.values.filter { $0 == key }.count }
    }
}
