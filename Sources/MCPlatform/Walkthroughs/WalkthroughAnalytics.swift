import Foundation

/// How end users fare with one version of a walkthrough: starts, completions, and per step how
/// many reached it, finished it and how long it took (the drop-off funnel).
public struct WalkthroughFunnel: Sendable, Equatable {
    public let versionNumber: Int
    public let starts: Int
    public let completions: Int
    public let steps: [Step]
    /// Outcomes reported by agents, over all steps.
    public let outcomes: [WalkthroughOutcome: Int]
    /// The latest notes agents left, newest first.
    public let notes: [Note]

    /// Completions per start, 0…1 (0 when nobody started).
    public var completionRate: Double { starts == 0 ? 0 : Double(completions) / Double(starts) }

    public struct Step: Sendable, Equatable {
        public let number: Int
        public let title: String
        /// Runs that got to this step.
        public let reached: Int
        /// Runs that finished it (done or skipped).
        public let completed: Int
        public let outcomes: [WalkthroughOutcome: Int]
        /// Median time from the step's start to its completion.
        public let medianSeconds: Double?

        /// Runs that stopped at this step.
        public var droppedOff: Int { reached - completed }
    }

    public struct Note: Sendable, Equatable {
        public let step: Int
        public let outcome: WalkthroughOutcome
        public let text: String
        public let at: Date
    }
}

/// Starts and completions per walkthrough, over all versions (the list's figures).
public struct WalkthroughTotals: Sendable, Equatable {
    public var starts = 0
    public var completions = 0
}

/// Reads the walkthrough analytics from runs and step events.
public struct WalkthroughAnalytics: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// Starts and completions of each of the server's walkthroughs, by walkthrough id.
    public func totals(serverID: Int64) async throws -> [Int64: WalkthroughTotals] {
        let rows = try await database.query(
            """
            SELECT walkthrough_id, COUNT(*) AS starts, SUM(CASE WHEN finished_at IS NULL THEN 0 ELSE 1 END) AS completions
            FROM walkthrough_runs WHERE server_id = \(serverID) GROUP BY walkthrough_id
            """)
        var totals: [Int64: WalkthroughTotals] = [:]
        for row in rows {
            totals[try row.decode("walkthrough_id")] = WalkthroughTotals(
                starts: Int(try row.decode("starts", as: Int64.self)), completions: Int(try row.decode("completions", as: Int64?.self) ?? 0)
            )
        }
        return totals
    }

    /// The funnel of one version.
    public func funnel(of version: WalkthroughVersion) async throws -> WalkthroughFunnel {
        // Runs by how far they got: a run reached step n when it completed n - 1 steps.
        var runsByProgress: [Int: Int] = [:]
        for row in try await database.query(
            "SELECT steps_completed, COUNT(*) AS runs FROM walkthrough_runs WHERE version_id = \(version.id) GROUP BY steps_completed")
        {
            runsByProgress[Int(try row.decode("steps_completed", as: Int64.self))] = Int(try row.decode("runs", as: Int64.self))
        }
        func runs(atLeast steps: Int) -> Int { runsByProgress.filter { $0.key >= steps }.values.reduce(0, +) }

        var outcomesByStep: [Int: [WalkthroughOutcome: Int]] = [:]
        var durationsByStep: [Int: [Int64]] = [:]
        for row in try await database.query(
            """
            SELECT e.step, e.outcome, e.duration_ms FROM walkthrough_step_events e JOIN walkthrough_runs r ON r.id = e.run_id
            WHERE r.version_id = \(version.id) ORDER BY e.id DESC LIMIT 100000
            """)
        {
            let step = Int(try row.decode("step", as: Int64.self))
            guard let outcome = WalkthroughOutcome(rawValue: try row.decode("outcome")) else { continue }
            outcomesByStep[step, default: [:]][outcome, default: 0] += 1
            if outcome != .failed { durationsByStep[step, default: []].append(try row.decode("duration_ms")) }
        }
        let steps = version.content.steps.enumerated().map { index, step in
            let number = index + 1
            return WalkthroughFunnel.Step(
                number: number, title: step.title, reached: runs(atLeast: number - 1), completed: runs(atLeast: number),
                outcomes: outcomesByStep[number] ?? [:], medianSeconds: Self.median(durationsByStep[number] ?? []).map { $0 / 1000 })
        }
        var outcomes: [WalkthroughOutcome: Int] = [:]
        for byOutcome in outcomesByStep.values { outcomes.merge(byOutcome, uniquingKeysWith: +) }
        let notes = try await database.query(
            """
            SELECT e.step, e.outcome, e.note, e.created_at FROM walkthrough_step_events e JOIN walkthrough_runs r ON r.id = e.run_id
            WHERE r.version_id = \(version.id) AND e.note IS NOT NULL ORDER BY e.id DESC LIMIT 20
            """
        ).compactMap { row -> WalkthroughFunnel.Note? in
            guard let outcome = WalkthroughOutcome(rawValue: try row.decode("outcome")) else { return nil }
            return WalkthroughFunnel.Note(
                step: Int(try row.decode("step", as: Int64.self)), outcome: outcome, text: try row.decode("note"),
                at: try row.decode("created_at"))
        }
        return WalkthroughFunnel(
            versionNumber: version.number, starts: runs(atLeast: 0), completions: runs(atLeast: version.content.steps.count), steps: steps,
            outcomes: outcomes, notes: notes)
    }

    static func median(_ values: [Int64]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? Double(sorted[middle - 1] + sorted[middle]) / 2 : Double(sorted[middle])
    }
}
