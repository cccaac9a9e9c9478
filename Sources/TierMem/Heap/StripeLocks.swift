import Glibc

/// Mutexes that serialise work on a page: page `p` is guarded by lock `p % count`. Every
/// operation on a page (fault, demotion, promotion, sampling, discard) holds its stripe for the
/// whole move, so a page is never seen half-moved. A thread holding one stripe only ever
/// *tries* another (`tryLock`), so two movers cannot deadlock.
final class StripeLocks: @unchecked Sendable {
    let count: Int
    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>

    init(count: Int) {
        self.count = count
        mutexes = .allocate(capacity: count)
        for index in 0..<count { pthread_mutex_init(mutexes + index, nil) }
    }

    deinit {
        for index in 0..<count { pthread_mutex_destroy(mutexes + index) }
        mutexes.deallocate()
    }

    func stripe(of page: Int) -> Int { page % count }

    func lock(_ stripe: Int) { pthread_mutex_lock(mutexes + stripe) }
    func unlock(_ stripe: Int) { pthread_mutex_unlock(mutexes + stripe) }
    func tryLock(_ stripe: Int) -> Bool { pthread_mutex_trylock(mutexes + stripe) == 0 }

    func withLock<T>(page: Int, _ body: () throws -> T) rethrows -> T {
        let stripe = stripe(of: page)
        lock(stripe)
        defer { unlock(stripe) }
        return try body()
    }
}
