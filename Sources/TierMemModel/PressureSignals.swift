/// What the engine measures in one window of time: the inputs of the forecaster. Offline a
/// window is a number of page accesses of a replay; live, a slice of the clock.
public struct PressureSignals: Codable, Equatable, Sendable {
    /// Pages brought into DRAM: first touches plus promotions (demand and optional).
    public var pageIns: Double = 0
    /// Distinct pages touched in the window.
    public var workingSet: Double = 0
    public var allocs: Double = 0
    public var frees: Double = 0
    public var reads: Double = 0
    public var writes: Double = 0
    /// Share of DRAM in use at the window's end, 0 to 1.
    public var dramOccupancy: Double = 0
    public var directReclaimStalls: Double = 0
    /// The kernel's PSI `some avg10` for memory, live only (0 offline).
    public var psiSomeAvg10: Double = 0

    public init() {}

    public static let names = ["page_ins", "working_set", "allocs", "frees", "reads", "writes",
                               "dram_occupancy", "direct_reclaim_stalls", "psi_some_avg10"]

    public var values: [Double] { Self.names.indices.map(value) }

    /// The signal named `Self.names[index]`.
    @inline(__always)
    public func value(_ index: Int) -> Double {
        switch index {
        case 0: return pageIns
        case 1: return workingSet
        case 2: return allocs
        case 3: return frees
        case 4: return reads
        case 5: return writes
        case 6: return dramOccupancy
        case 7: return directReclaimStalls
        default: return psiSomeAvg10
        }
    }
}
