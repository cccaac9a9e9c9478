import TierMemCore
import TierMemModel
import TierMemTrace

/// Cuts a replay into windows of page accesses and records each window's pressure signals: the
/// forecaster's training data. Attached to `ReplayRunner.run` as its window recorder.
public final class PressureWindowRecorder {
    public let windowAccesses: Int
    public private(set) var windows: [PressureSignals] = []
    private var index = PageIndex()
    private var stamps: [UInt32] = []
    private var window: UInt32 = 1
    private var workingSet = 0
    private var untilClose: Int
    private var previous = EngineCounters()

    public init(windowAccesses: Int) {
        precondition(windowAccesses > 0)
        self.windowAccesses = windowAccesses
        untilClose = windowAccesses
    }

    @inline(__always)
    func access(page: UInt64) {
        let (id, inserted) = index.findOrInsert(page, nextID: stamps.count)
        if inserted { stamps.append(0) }
        if stamps[Int(id)] != window {
            stamps[Int(id)] = window
            workingSet += 1
        }
    }

    /// After each page access: closes the window when it is full.
    @inline(__always)
    func tick(counters: EngineCounters, dramPages: Int, dramCapacity: Int) {
        untilClose -= 1
        guard untilClose == 0 else { return }
        untilClose = windowAccesses
        let s = PressureSignals(window: counters, since: previous, workingSet: workingSet,
                                dramOccupancy: Double(dramPages) / Double(max(dramCapacity, 1)))
        windows.append(s)
        previous = counters
        window += 1
        workingSet = 0
    }
}
