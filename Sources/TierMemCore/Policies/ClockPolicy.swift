/// CLOCK (second chance): DRAM pages sit on a ring with a reference bit; the hand clears set
/// bits and demotes the first page whose bit is clear. A hit only sets a bit, which is why
/// kernels use it: no list to reorder on the hot path.
public struct ClockPolicy: PlacementPolicy {
    public static let name = "clock"
    public static let summary = "CLOCK second chance, a reference bit per page"
    @usableFromInline static let emptySlot = PageID.max
    @usableFromInline var ring: PageArray<PageID>
    @usableFromInline let slotOf = PageArray<UInt32>()
    @usableFromInline let referenced = PageArray<Bool>()
    @usableFromInline var freeSlots: [UInt32] = []
    @usableFromInline var hand = 0

    public init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        try options.allow(only: [], policy: Self.name)
        ring = PageArray(reserving: layout.dramPages)
    }

    @inlinable
    public mutating func pagesExist(_ count: Int) {
        slotOf.extend(to: count, with: UInt32.max)
        referenced.extend(to: count, with: false)
    }

    @inlinable
    public mutating func admitted(_ id: PageID, _ access: AccessContext) {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            ring[slot] = id
        } else {
            slot = ring.count
            ring.append(id)
        }
        slotOf[Int(id)] = UInt32(slot)
        referenced[Int(id)] = false
    }

    @inlinable
    public mutating func hit(_ id: PageID, _ access: AccessContext) { referenced[Int(id)] = true }

    @inlinable
    public mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? {
        guard ring.count > freeSlots.count else { return nil }
        while true {
            if hand >= ring.count { hand = 0 }
            let id = ring[hand]
            hand += 1
            if id == Self.emptySlot { continue }
            if referenced[Int(id)] {
                referenced[Int(id)] = false
            } else {
                return id
            }
        }
    }

    @inlinable
    public mutating func removed(_ id: PageID) {
        let slot = slotOf[Int(id)]
        guard slot != UInt32.max else { return }
        ring[Int(slot)] = Self.emptySlot
        freeSlots.append(slot)
        slotOf[Int(id)] = UInt32.max
    }

    @inlinable
    public mutating func freed(_ id: PageID) { removed(id) }

    public var memoryBytes: Int { ring.memoryBytes + slotOf.memoryBytes + referenced.memoryBytes + freeSlots.capacity * 4 }
}
