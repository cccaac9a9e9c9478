import TierMemCore
import TierMemModel

extension TieredHeap {
    /// Starts the tiering daemon with `policy` (any `PlacementPolicy`, built from the heap's
    /// tiers and `configuration.policyOptions`; the predictive policy warm-starts from
    /// `configuration.model` when given). Replaces a running daemon.
    public func startDaemon<Policy: PlacementPolicy>(_ policy: Policy.Type, configuration: DaemonConfiguration = DaemonConfiguration()) throws {
        var options = configuration.policyOptions
        if Policy.self == PredictivePolicy.self {
            // A live fault has brought the page into DRAM before the daemon hears of it: leaving it
            // out (the replay's bypass) is not possible here.
            if let bypass = options.values["bypass"], bypass != 0 {
                throw LiveArenaError.configuration("policy predictive: option bypass=\(bypass) is for replays; a live fault has already brought the page into DRAM (use 0)")
            }
            options.values["bypass"] = 0
        }
        stopDaemon()
        let stats = arena.stats()
        let layout = TierLayout(
            pageSize: arena.pageSize, dramPages: arena.dramCapacityPages, pmemPages: stats.pmemCapacityPages,
            compressedBytes: UInt64(stats.compressedCapacityPages * arena.pageSize), codec: arena.defaultCodec, pmemAccess: .paged)
        let instance: Policy
        do {
            if let model = configuration.model, Policy.self == PredictivePolicy.self {
                instance = try PredictivePolicy(layout: layout, options: options, model: model) as! Policy
            } else {
                instance = try Policy(layout: layout, options: options)
            }
        } catch {
            throw LiveArenaError.configuration("policy \(Policy.name): \(error)")
        }
        let daemon = try TieringDaemon(arena: arena, policy: instance, configuration: configuration)
        daemonLock.withLock {
            runningDaemon = daemon
            restartDaemon = { [unowned self] in try self.startDaemon(Policy.self, configuration: configuration) }
        }
    }

    /// Changes the heap's DRAM budget at run time (a balloon): shrinking demotes pages before it
    /// returns, growing lets page-ins use the room. A running daemon restarts with the new size
    /// (its watermarks follow DRAM), relearning page hotness from the next samples. Bytes.
    public func setDRAMBudget(bytes: Int) throws {
        try arena.setDRAMCapacity(pages: max(1, bytes / arena.pageSize))
        let restart = daemonLock.withLock { runningDaemon == nil ? nil : restartDaemon }
        try restart?()
    }

    /// Starts the daemon as a tuning profile says (`tiermem tune`'s output): its policy, policy
    /// options and controller settings (watermarks, promotion rate limit, epoch) on top of
    /// `configuration`. The profile's tiers are not applied: the heap's own sizes stand.
    public func startDaemon(profile: TuningProfile, configuration: DaemonConfiguration = DaemonConfiguration()) throws {
        guard let policy = PolicyRegistry.policy(named: profile.policy) else {
            throw LiveArenaError.configuration("profile policy '\(profile.policy)' is unknown")
        }
        var tuned = configuration
        tuned.policyOptions = PolicyOptions(profile.policyOptions)
        tuned.controller = profile.controller.applied(to: configuration.controller)
        try startDaemon(policy, configuration: tuned)
    }

    /// Stops the daemon, if one runs; the pages stay where they are.
    public func stopDaemon() {
        let daemon = daemonLock.withLock { () -> DaemonHandle? in
            defer { runningDaemon = nil; restartDaemon = nil }
            return runningDaemon
        }
        daemon?.stop()
    }

    /// Pauses the daemon, if one runs: returns once its current epoch is done; until
    /// `resumeDaemon()` it moves no page, and the time paused does not count as time to it (its
    /// page-in budget, forecaster windows and CPU share see none; the page-ins of the pause are
    /// left out of the budget, and its accesses reach the controller as one epoch's). Pages
    /// still fault in and, with DRAM full, the arena still reclaims directly. Pauses do not nest
    /// (one resume ends them), and a daemon started anew (`startDaemon`, `setDRAMBudget`) is not
    /// paused. For measuring several heaps in turns (`tiermem demo`), or for a window in which a
    /// service wants no migrations.
    public func pauseDaemon() {
        daemonLock.withLock { runningDaemon }?.pause()
    }

    /// Lets a paused daemon go on.
    public func resumeDaemon() {
        daemonLock.withLock { runningDaemon }?.resume()
    }

    /// The running daemon's statistics (nil without one).
    public var daemonStats: DaemonStats? { daemonLock.withLock { runningDaemon }?.stats }
}
