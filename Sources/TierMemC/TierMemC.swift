// The C ABI (include/tiermem.h): thin @_cdecl wrappers over TieredHeap. Errors become status
// codes, errno and a per-thread message; programmer errors trap as in Swift.
//
// Sizes arrive as C's size_t, which is Swift's `UInt`: taking them as `Int` made SIZE_MAX read as
// -1, so overflow checks passed and huge sizes tripped the Swift API's preconditions. Every size
// is checked here before it reaches the heap.
import Glibc
import TierMem
import TierMemCore

private let statusOK: CInt = 0, statusInvalid: CInt = 1, statusNoMemory: CInt = 2
private let statusUnavailable: CInt = 3, statusSystem: CInt = 4

/// The calling thread's last error message, a malloc'd C string behind a pthread key.
private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()
private let emptyMessage: StaticString = ""

private func fail(_ status: CInt, _ message: String) -> CInt {
    free(pthread_getspecific(lastErrorKey))
    pthread_setspecific(lastErrorKey, strdup(message))
    return status
}

private func status(of error: Error) -> CInt {
    switch error {
    case is TierSpecError: return fail(statusInvalid, "\(error)")
    case is TieredHeapError: return fail(statusNoMemory, "\(error)")
    case LiveArenaError.userfaultfdUnavailable: return fail(statusUnavailable, "\(error)")
    case LiveArenaError.configuration: return fail(statusInvalid, "\(error)")
    default: return fail(statusSystem, "\(error)")
    }
}

/// An allocation that failed: NULL, errno ENOMEM (as glibc's malloc), and the message.
private func allocationFailed(_ message: String) -> UnsafeMutableRawPointer? {
    _ = fail(statusNoMemory, message)
    errno = ENOMEM
    return nil
}

private func allocationFailed(_ error: Error) -> UnsafeMutableRawPointer? {
    _ = status(of: error)
    errno = ENOMEM
    return nil
}

/// A size_t the heap can be asked for: at most Int.max (no heap holds more), else nil.
private func byteCount(_ size: UInt) -> Int? { size <= UInt(Int.max) ? Int(size) : nil }

/// Heaps created and not yet destroyed, so that a second destroy is caught instead of freeing
/// freed memory. Only create and destroy consult it; the allocation calls stay lock-free.
private let liveHeaps = LiveHeapRegistry()

private final class LiveHeapRegistry: @unchecked Sendable {  // guarded by `lock`
    private var handles: Set<UInt> = []
    private var lock = pthread_mutex_t()
    init() { pthread_mutex_init(&lock, nil) }

    func insert(_ handle: OpaquePointer) {
        pthread_mutex_lock(&lock)
        handles.insert(UInt(bitPattern: UnsafeRawPointer(handle)))
        pthread_mutex_unlock(&lock)
    }

    func remove(_ handle: OpaquePointer) -> Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return handles.remove(UInt(bitPattern: UnsafeRawPointer(handle))) != nil
    }
}

private func heap(_ handle: OpaquePointer?, _ function: StaticString) -> TieredHeap {
    guard let handle else { preconditionFailure("tiermem: \(function) called with a NULL heap") }
    return Unmanaged<TieredHeap>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

@_cdecl("tm_heap_create")
public func tm_heap_create(_ tiers: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> CInt {
    guard let out else { return fail(statusInvalid, "tm_heap_create: the heap argument is NULL") }
    do {
        let created = try tiers.map {
            try TieredHeap(tiers: String(cString: $0), faultHandling: try .fromEnvironment())
        } ?? TieredHeap.fromEnvironment()
        let handle = OpaquePointer(Unmanaged.passRetained(created).toOpaque())
        liveHeaps.insert(handle)
        out.pointee = handle
        return statusOK
    } catch {
        out.pointee = nil
        return status(of: error)
    }
}

@_cdecl("tm_heap_destroy")
public func tm_heap_destroy(_ handle: OpaquePointer?) {
    guard let handle else { return }
    precondition(liveHeaps.remove(handle), "tiermem: tm_heap_destroy(\(handle)): not a live heap (destroyed already, or never created)")
    Unmanaged<TieredHeap>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@_cdecl("tm_malloc_hint")
public func tm_malloc_hint(_ handle: OpaquePointer?, _ size: UInt, _ hint: CInt) -> UnsafeMutableRawPointer? {
    let heap = heap(handle, "tm_malloc")
    guard let chosen = TieredHeap.Hint(rawValue: Int(hint)) else {
        _ = fail(statusInvalid, "tm_malloc_hint: unknown hint \(hint); expected TM_HINT_NONE, TM_HINT_HOT or TM_HINT_COLD")
        errno = EINVAL
        return nil
    }
    guard let bytes = byteCount(size) else { return allocationFailed("tm_malloc: \(size) bytes is more than any heap holds") }
    do { return try heap.allocate(byteCount: bytes, hint: chosen) } catch { return allocationFailed(error) }
}

@_cdecl("tm_malloc")
public func tm_malloc(_ handle: OpaquePointer?, _ size: UInt) -> UnsafeMutableRawPointer? {
    tm_malloc_hint(handle, size, 0)
}

@_cdecl("tm_calloc")
public func tm_calloc(_ handle: OpaquePointer?, _ count: UInt, _ size: UInt) -> UnsafeMutableRawPointer? {
    let heap = heap(handle, "tm_calloc")
    let (total, overflow) = count.multipliedReportingOverflow(by: size)
    guard !overflow, let bytes = byteCount(total) else {
        return allocationFailed("tm_calloc: \(count) × \(size) bytes overflows or is more than any heap holds")
    }
    do { return try heap.allocateZeroed(byteCount: bytes) } catch { return allocationFailed(error) }
}

@_cdecl("tm_realloc")
public func tm_realloc(_ handle: OpaquePointer?, _ pointer: UnsafeMutableRawPointer?, _ size: UInt) -> UnsafeMutableRawPointer? {
    let heap = heap(handle, "tm_realloc")
    guard let bytes = byteCount(size) else { return allocationFailed("tm_realloc: \(size) bytes is more than any heap holds") }
    do { return try heap.reallocate(pointer, byteCount: bytes) } catch { return allocationFailed(error) }
}

@_cdecl("tm_free")
public func tm_free(_ handle: OpaquePointer?, _ pointer: UnsafeMutableRawPointer?) {
    let heap = heap(handle, "tm_free")
    guard let pointer else { return }
    heap.deallocate(pointer)
}

@_cdecl("tm_malloc_usable_size")
public func tm_malloc_usable_size(_ handle: OpaquePointer?, _ pointer: UnsafeMutableRawPointer?) -> UInt {
    let heap = heap(handle, "tm_malloc_usable_size")
    guard let pointer else { return 0 }
    return UInt(heap.usableSize(pointer))
}

@_cdecl("tm_heap_bounds")
public func tm_heap_bounds(_ handle: OpaquePointer?, _ start: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                           _ length: UnsafeMutablePointer<UInt>?) -> CInt {
    let heap = heap(handle, "tm_heap_bounds")
    guard let start, let length else { return fail(statusInvalid, "tm_heap_bounds: an output argument is NULL") }
    start.pointee = heap.arena.baseAddress
    length.pointee = UInt(heap.arena.byteCount)
    return statusOK
}

@_cdecl("tm_heap_start_daemon")
public func tm_heap_start_daemon(_ handle: OpaquePointer?, _ policy: UnsafePointer<CChar>?, _ record: UnsafePointer<CChar>?) -> CInt {
    let heap = heap(handle, "tm_heap_start_daemon")
    guard let policy else { return fail(statusInvalid, "tm_heap_start_daemon: the policy is NULL") }
    let name = String(cString: policy)
    guard let type = PolicyRegistry.policy(named: name) else {
        return fail(statusInvalid, "tm_heap_start_daemon: unknown policy '\(name)'; expected one of \(PolicyRegistry.names.joined(separator: ", "))")
    }
    var configuration = DaemonConfiguration()
    configuration.recordPath = record.map { String(cString: $0) }
    do {
        try heap.startDaemon(type, configuration: configuration)
        return statusOK
    } catch {
        return status(of: error)
    }
}

@_cdecl("tm_heap_stop_daemon")
public func tm_heap_stop_daemon(_ handle: OpaquePointer?) {
    heap(handle, "tm_heap_stop_daemon").stopDaemon()
}

@_cdecl("tm_stats")
public func tm_stats(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<UInt64>?) -> CInt {
    let heap = heap(handle, "tm_stats")
    guard let out else { return fail(statusInvalid, "tm_stats: the output argument is NULL") }
    let stats = heap.stats()
    let arena = stats.arena
    // The order of tm_stats_t's fields, all uint64_t.
    let fields = [
        arena.pageSize, arena.dramPages, arena.dramCapacityPages,
        arena.pmemPages, arena.compressedPages, arena.compressedBytes,
        arena.missingFaults, arena.minorFaults,
        arena.demandPromotions + arena.aheadPromotions,
        arena.demotionsToPMEM + arena.demotionsToCompressed + arena.demotionsToZero, arena.directReclaims,
        stats.slabPages, stats.runPages, stats.freePages, stats.smallObjects,
    ]
    for (index, value) in fields.enumerated() { out[index] = UInt64(value) }
    return statusOK
}

@_cdecl("tm_last_error")
public func tm_last_error() -> UnsafePointer<CChar> {
    if let message = pthread_getspecific(lastErrorKey) { return UnsafePointer(message.assumingMemoryBound(to: CChar.self)) }
    return UnsafeRawPointer(emptyMessage.utf8Start).assumingMemoryBound(to: CChar.self)
}
