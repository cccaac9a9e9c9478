// The C ABI (include/tiermem.h): thin @_cdecl wrappers over TieredHeap. Errors become status
// codes and a per-thread message; programmer errors trap as in Swift.
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

private func heap(_ handle: OpaquePointer?) -> TieredHeap {
    guard let handle else { preconditionFailure("tiermem: NULL heap") }
    return Unmanaged<TieredHeap>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

@_cdecl("tm_heap_create")
public func tm_heap_create(_ tiers: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> CInt {
    guard let out else { return fail(statusInvalid, "tm_heap_create: the heap argument is NULL") }
    do {
        let created = try tiers.map {
            try TieredHeap(tiers: String(cString: $0), faultHandling: try .fromEnvironment())
        } ?? TieredHeap.fromEnvironment()
        out.pointee = OpaquePointer(Unmanaged.passRetained(created).toOpaque())
        return statusOK
    } catch {
        out.pointee = nil
        return status(of: error)
    }
}

@_cdecl("tm_heap_destroy")
public func tm_heap_destroy(_ handle: OpaquePointer?) {
    guard let handle else { return }
    Unmanaged<TieredHeap>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@_cdecl("tm_malloc_hint")
public func tm_malloc_hint(_ handle: OpaquePointer?, _ size: Int, _ hint: CInt) -> UnsafeMutableRawPointer? {
    guard let chosen = TieredHeap.Hint(rawValue: Int(hint)) else {
        _ = fail(statusInvalid, "tm_malloc_hint: unknown hint \(hint); expected TM_HINT_NONE, TM_HINT_HOT or TM_HINT_COLD")
        return nil
    }
    do { return try heap(handle).allocate(byteCount: size, hint: chosen) } catch {
        _ = status(of: error)
        return nil
    }
}

@_cdecl("tm_malloc")
public func tm_malloc(_ handle: OpaquePointer?, _ size: Int) -> UnsafeMutableRawPointer? {
    tm_malloc_hint(handle, size, 0)
}

@_cdecl("tm_calloc")
public func tm_calloc(_ handle: OpaquePointer?, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
    let (total, overflow) = count.multipliedReportingOverflow(by: size)
    guard !overflow else {
        _ = fail(statusInvalid, "tm_calloc: \(count) × \(size) bytes overflows")
        return nil
    }
    do { return try heap(handle).allocateZeroed(byteCount: total) } catch {
        _ = status(of: error)
        return nil
    }
}

@_cdecl("tm_realloc")
public func tm_realloc(_ handle: OpaquePointer?, _ pointer: UnsafeMutableRawPointer?, _ size: Int) -> UnsafeMutableRawPointer? {
    do { return try heap(handle).reallocate(pointer, byteCount: size) } catch {
        _ = status(of: error)
        return nil
    }
}

@_cdecl("tm_free")
public func tm_free(_ handle: OpaquePointer?, _ pointer: UnsafeMutableRawPointer?) {
    guard let pointer else { return }
    heap(handle).deallocate(pointer)
}

@_cdecl("tm_stats")
public func tm_stats(_ handle: OpaquePointer?, _ out: UnsafeMutablePointer<UInt64>?) -> CInt {
    guard let out else { return fail(statusInvalid, "tm_stats: the output argument is NULL") }
    let stats = heap(handle).stats()
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
