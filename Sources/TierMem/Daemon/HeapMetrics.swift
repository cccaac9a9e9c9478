import CoreMetrics

/// The heap's figures as swift-metrics counters and gauges, so a service that bootstraps a
/// metrics backend (a Prometheus exporter, say) sees them with no glue. The daemon updates them
/// every epoch; without a bootstrapped backend they go to swift-metrics' no-op handlers.
///
/// Labels (all with the dimension `heap`): counters `tiermem_faults` (`kind`: missing, minor),
/// `tiermem_promotions` (`reason`: demand, ahead), `tiermem_demotions` (`to`: compressed, pmem,
/// zero), `tiermem_direct_reclaims`; gauges `tiermem_pages` (`tier`: dram, pmem, compressed),
/// `tiermem_compressed_bytes`, `tiermem_compression_ratio`, `tiermem_daemon_cpu_share`,
/// `tiermem_forecast_page_ins`, `tiermem_psi_some_avg10`.
final class HeapMetrics {
    private let missingFaults, minorFaults, demandPromotions, aheadPromotions: Counter
    private let toCompressed, toPMEM, toZero, directReclaims: Counter
    private let dramPages, pmemPages, compressedPages, compressedBytes, compressionRatio: Gauge
    private let daemonCPU, forecast, psi: Gauge
    private var last: LiveArenaStats?

    init(heapName: String, factory: MetricsFactory) {
        let heap = ("heap", heapName)
        func counter(_ label: String, _ extra: (String, String)? = nil) -> Counter {
            Counter(label: label, dimensions: [heap] + (extra.map { [$0] } ?? []), factory: factory)
        }
        func gauge(_ label: String, _ extra: (String, String)? = nil) -> Gauge {
            Gauge(label: label, dimensions: [heap] + (extra.map { [$0] } ?? []), factory: factory)
        }
        missingFaults = counter("tiermem_faults", ("kind", "missing"))
        minorFaults = counter("tiermem_faults", ("kind", "minor"))
        demandPromotions = counter("tiermem_promotions", ("reason", "demand"))
        aheadPromotions = counter("tiermem_promotions", ("reason", "ahead"))
        toCompressed = counter("tiermem_demotions", ("to", "compressed"))
        toPMEM = counter("tiermem_demotions", ("to", "pmem"))
        toZero = counter("tiermem_demotions", ("to", "zero"))
        directReclaims = counter("tiermem_direct_reclaims")
        dramPages = gauge("tiermem_pages", ("tier", "dram"))
        pmemPages = gauge("tiermem_pages", ("tier", "pmem"))
        compressedPages = gauge("tiermem_pages", ("tier", "compressed"))
        compressedBytes = gauge("tiermem_compressed_bytes")
        compressionRatio = gauge("tiermem_compression_ratio")
        daemonCPU = gauge("tiermem_daemon_cpu_share")
        forecast = gauge("tiermem_forecast_page_ins")
        psi = gauge("tiermem_psi_some_avg10")
    }

    /// Counters advance by what happened since the last update; gauges take the values now.
    func update(_ stats: LiveArenaStats, daemon: DaemonStats?) {
        let previous = last
        func advance(_ counter: Counter, _ value: KeyPath<LiveArenaStats, Int>) {
            let delta = stats[keyPath: value] - (previous?[keyPath: value] ?? 0)
            if delta > 0 { counter.increment(by: Int64(delta)) }
        }
        advance(missingFaults, \.missingFaults)
        advance(minorFaults, \.minorFaults)
        advance(demandPromotions, \.demandPromotions)
        advance(aheadPromotions, \.aheadPromotions)
        advance(toCompressed, \.demotionsToCompressed)
        advance(toPMEM, \.demotionsToPMEM)
        advance(toZero, \.demotionsToZero)
        advance(directReclaims, \.directReclaims)
        last = stats
        dramPages.record(stats.dramPages)
        pmemPages.record(stats.pmemPages)
        compressedPages.record(stats.compressedPages)
        compressedBytes.record(stats.compressedBytes)
        compressionRatio.record(stats.compressionRatio)
        if let daemon {
            daemonCPU.record(daemon.cpuShare)
            if let value = daemon.forecast { forecast.record(value) }
            if let value = daemon.psiSomeAvg10 { psi.record(value) }
        }
    }
}
