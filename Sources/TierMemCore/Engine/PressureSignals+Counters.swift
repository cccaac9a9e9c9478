import TierMemModel

extension PressureSignals {
    /// The signals of one window from the controller's counters at its start and end: the same
    /// mapping for training windows (`PressureWindowRecorder`) and for the predictive policy, so
    /// a model sees the same features offline and online. Allocations are counted at page level
    /// (first touches); frees as pages freed.
    public init(window counters: EngineCounters, since previous: EngineCounters, workingSet: Int, dramOccupancy: Double) {
        self.init()
        pageIns = Double((counters.newPages + counters.demandPromotions + counters.promotions)
            &- (previous.newPages + previous.demandPromotions + previous.promotions))
        self.workingSet = Double(workingSet)
        allocs = Double(counters.newPages &- previous.newPages)
        frees = Double(counters.freedPages &- previous.freedPages)
        writes = Double(counters.writes &- previous.writes)
        reads = Double(counters.accesses &- previous.accesses) - writes
        self.dramOccupancy = dramOccupancy
        directReclaimStalls = Double(counters.directReclaimStalls &- previous.directReclaimStalls)
        psiSomeAvg10 = counters.psiSomeAvg10
    }
}
