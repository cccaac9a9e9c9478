/// How many pages a lower tier holds against its capacity, and how many of those pages its
/// storage turned out not to have: a PMEM file system out of space, no memory for a pool chunk.
/// After the first refusal the tier counts as full at what it holds, at once, instead of being
/// asked (and failing, expensively) for every page. Not thread-safe: each tier keeps it under
/// its own lock.
struct TierOccupancy {
    let capacityPages: Int
    private(set) var storedPages = 0
    /// Pages of `capacityPages` the storage could not give.
    private(set) var shortfallPages = 0

    init(capacityPages: Int) { self.capacityPages = capacityPages }

    var hasRoom: Bool { storedPages < capacityPages - shortfallPages }

    /// Counts one more page, if there is room.
    mutating func take() -> Bool {
        guard hasRoom else { return false }
        storedPages += 1
        return true
    }

    mutating func release() { storedPages -= 1 }

    /// The storage refused a page that `take` counted: uncounts it, and the tier is full here.
    mutating func storageRefused() {
        storedPages -= 1
        shortfallPages = max(shortfallPages, capacityPages - storedPages)
    }
}
