/// A growable array of plain values indexed by page id, with reference semantics: copies share
/// the same storage, and writing an element needs no uniqueness check.
///
/// Why not `Array`: the engine keeps a dozen per-page arrays inside nested structs, and every
/// element write to an `Array` there pays a copy-on-write uniqueness check (a runtime call);
/// on the replay's hot path those checks cost more than the work. The storage's bookkeeping sits
/// behind a pointer held in a `let`, so neither does an access pay a dynamic exclusivity check.
/// Indices are still checked (one compare). Only for trivial element types (integers, floats,
/// Bool, plain structs of them).
public struct PageArray<Element> {
    @usableFromInline
    struct Header {
        @usableFromInline var base: UnsafeMutablePointer<Element>
        @usableFromInline var count: Int
        @usableFromInline var capacity: Int
    }

    @usableFromInline
    final class Storage {
        @usableFromInline let header: UnsafeMutablePointer<Header>

        @usableFromInline
        init(capacity: Int) {
            let capacity = max(capacity, 16)
            header = .allocate(capacity: 1)
            header.initialize(to: Header(base: .allocate(capacity: capacity), count: 0, capacity: capacity))
        }

        deinit {
            header.pointee.base.deinitialize(count: header.pointee.count)
            header.pointee.base.deallocate()
            header.deallocate()
        }

        @usableFromInline
        func grow(to minimum: Int) {
            // Doubling for appends one at a time; exactly `minimum` for a jump past that (a
            // table sized for a whole page range at once).
            let capacity = max(header.pointee.capacity * 2, minimum)
            let fresh = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
            fresh.moveInitialize(from: header.pointee.base, count: header.pointee.count)
            header.pointee.base.deallocate()
            header.pointee.base = fresh
            header.pointee.capacity = capacity
        }
    }

    @usableFromInline let storage: Storage

    public init(reserving capacity: Int = 0) {
        storage = Storage(capacity: capacity)
    }

    /// `count` copies of `value`.
    public init(repeating value: Element, count: Int) {
        storage = Storage(capacity: count)
        storage.header.pointee.base.initialize(repeating: value, count: count)
        storage.header.pointee.count = count
    }

    @inlinable public var count: Int { storage.header.pointee.count }
    @inlinable public var isEmpty: Bool { storage.header.pointee.count == 0 }

    @inlinable
    public subscript(index: Int) -> Element {
        get {
            let h = storage.header
            precondition(UInt(bitPattern: index) < UInt(bitPattern: h.pointee.count), "page index out of range")  // one compare: a negative index is huge unsigned
            return h.pointee.base[index]
        }
        nonmutating set {
            let h = storage.header
            precondition(UInt(bitPattern: index) < UInt(bitPattern: h.pointee.count), "page index out of range")  // one compare: a negative index is huge unsigned
            h.pointee.base[index] = newValue
        }
    }

    /// The elements as one buffer, for a hot path that makes several accesses: the storage is
    /// read once, not at every access and again after every store (which, to the compiler, might
    /// have changed it). Valid until the array next grows. Its subscript checks indices in debug
    /// builds only: the caller checks the ones it did not make itself.
    @inlinable @inline(__always)
    public var buffer: UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(start: storage.header.pointee.base, count: storage.header.pointee.count)
    }

    @inlinable
    public func append(_ value: Element) {
        let h = storage.header
        if h.pointee.count == h.pointee.capacity { storage.grow(to: h.pointee.count + 1) }
        (h.pointee.base + h.pointee.count).initialize(to: value)
        h.pointee.count += 1
    }

    /// Removes and returns the last element.
    @inlinable
    @discardableResult
    public func removeLast() -> Element {
        let h = storage.header
        precondition(h.pointee.count > 0, "removeLast on an empty page array")
        h.pointee.count -= 1
        return (h.pointee.base + h.pointee.count).move()
    }

    /// Keeps the first `count` elements.
    public func truncate(to count: Int) {
        let h = storage.header
        guard count < h.pointee.count else { return }
        (h.pointee.base + count).deinitialize(count: h.pointee.count - count)
        h.pointee.count = count
    }

    /// Appends `value` until there are `count` elements.
    public func extend(to count: Int, with value: Element) {
        let h = storage.header
        guard count > h.pointee.count else { return }
        if count > h.pointee.capacity { storage.grow(to: count) }
        (h.pointee.base + h.pointee.count).initialize(repeating: value, count: count - h.pointee.count)
        h.pointee.count = count
    }

    /// Every element, for a whole-array pass.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.header.pointee.base, count: storage.header.pointee.count))
    }

    public var memoryBytes: Int { storage.header.pointee.capacity * MemoryLayout<Element>.stride }
}
