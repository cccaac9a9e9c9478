/// The small-object size classes: 24 classes from 16 to 2048 bytes, spaced so that no more than
/// 25% of an object is rounding (as jemalloc and TCMalloc space theirs). Larger objects are page
/// runs. A slab is one page of one class.
enum SizeClasses {
    static let sizes: [Int] = [
        16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
        320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048,
    ]
    static let count = sizes.count
    static let largest = 2048

    /// The class for each size in 16-byte steps: `bySixteenths[(size + 15) / 16]`.
    private static let bySixteenths: [UInt8] = {
        var table = [UInt8](repeating: 0, count: largest / 16 + 1)
        var sizeClass = 0
        for step in 0...(largest / 16) {
            while sizes[sizeClass] < step * 16 { sizeClass += 1 }
            table[step] = UInt8(sizeClass)
        }
        return table
    }()

    /// The smallest class that holds `byteCount` bytes at `alignment` (objects in a slab sit at
    /// multiples of the class size from a page boundary, so the class size must be a multiple of
    /// the alignment). Nil: the object is a page run.
    @inline(__always)
    static func index(for byteCount: Int, alignment: Int) -> Int? {
        let needed = max(byteCount, 1)
        guard needed <= largest else { return nil }
        var sizeClass = Int(bySixteenths[(needed + 15) >> 4])
        if alignment > 16 {
            while sizeClass < count, sizes[sizeClass] % alignment != 0 { sizeClass += 1 }
            if sizeClass == count { return nil }
        }
        return sizeClass
    }
}
