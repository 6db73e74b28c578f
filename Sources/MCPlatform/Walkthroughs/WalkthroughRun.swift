import Foundation

/// One participant's pass through one version of a walkthrough. Starting again replaces the
/// run with a new one; the old one stays for the analytics.
public struct WalkthroughRun: Sendable, Equatable {
    public let id: Int64
    public let walkthroughID: Int64
    public let versionID: Int64
    /// Steps done (or skipped) so far; the next step's number is one more.
    public let stepsCompleted: Int
    public let startedAt: Date
    /// When the run last moved on: the current step's start.
    public let updatedAt: Date
    public let finishedAt: Date?

    public var isFinished: Bool { finishedAt != nil }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        walkthroughID = try row.decode("walkthrough_id")
        versionID = try row.decode("version_id")
        stepsCompleted = Int(try row.decode("steps_completed", as: Int64.self))
        startedAt = try row.decode("started_at")
        updatedAt = try row.decode("updated_at")
        finishedAt = try row.decode("finished_at")
    }
}

/// How a step ended, as the agent reports it.
public enum WalkthroughOutcome: String, Sendable, CaseIterable {
    /// The step worked (and its check passed): the run moves on.
    case done
    /// The user chose to skip it: the run moves on.
    case skipped
    /// It could not be done: recorded, and the run stays on the step.
    case failed
}

/// Storage of runs and of each step's outcome, scoped by server.
public struct WalkthroughRunStore: Sendable {
    let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// The run is not where the caller thought: another session of the same user moved it on
    /// first, or the step is not the current one. The caller re-reads the run.
    public struct Conflict: Error {}

    /// The participant's current run of a walkthrough.
    public func current(walkthroughID: Int64, participant: Participant) async throws -> WalkthroughRun? {
        try await database.first(
            """
            SELECT * FROM walkthrough_runs
            WHERE walkthrough_id = \(walkthroughID) AND participant = \(participant.key) AND replaced_at IS NULL
            """
        ).map(WalkthroughRun.init)
    }

    /// The participant's current runs on a server, by walkthrough.
    public func current(serverID: Int64, participant: Participant) async throws -> [Int64: WalkthroughRun] {
        try await current(serverID: serverID, participantKey: participant.key)
    }

    /// The current runs on a server of the participant stored as `participantKey` (a ticket's
    /// `participant`), by walkthrough.
    public func current(serverID: Int64, participantKey: String) async throws -> [Int64: WalkthroughRun] {
        let runs = try await database.query(
            """
            SELECT * FROM walkthrough_runs
            WHERE server_id = \(serverID) AND participant = \(participantKey) AND replaced_at IS NULL
            """
        ).map(WalkthroughRun.init)
        return Dictionary(runs.map { ($0.walkthroughID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Starts a run of `version`, replacing the participant's current run of the walkthrough.
    public func start(
        _ version: WalkthroughVersion, serverID: Int64, participant: Participant, now: Date = Date()
    ) async throws -> WalkthroughRun {
        do {
            return try await database.transaction { db in
                try await db.query(
                    """
                    UPDATE walkthrough_runs SET replaced_at = \(now)
                    WHERE walkthrough_id = \(version.walkthroughID) AND participant = \(participant.key) AND replaced_at IS NULL
                    """)
                return try WalkthroughRun(
                    row: try await db.one(
                        """
                        INSERT INTO walkthrough_runs (server_id, walkthrough_id, version_id, participant, end_user_id, started_at, updated_at)
                        VALUES (\(serverID), \(version.walkthroughID), \(version.id), \(participant.key), \(participant.endUserID), \(now), \(now))
                        RETURNING *
                        """))
            }
        } catch DatabaseError.uniqueViolation {
            throw Conflict()
        }
    }

    /// Records the outcome of step `step` (1-based) of `run`, which must be its current step, and
    /// returns the run as it is now. `totalSteps` tells when the run is finished.
    public func complete(
        _ run: WalkthroughRun, step: Int, totalSteps: Int, outcome: WalkthroughOutcome, note: String?, now: Date = Date()
    ) async throws -> WalkthroughRun {
        guard step == run.stepsCompleted + 1, step <= totalSteps, !run.isFinished else { throw Conflict() }
        let duration = Int64(max(0, now.timeIntervalSince(run.updatedAt)) * 1000)
        return try await database.transaction { db in
            let finishedAt: Date? = step == totalSteps ? now : nil
            // A failure leaves the run on its step, which must still be the run's current one.
            let row =
                outcome == .failed
                ? try await db.first(
                    """
                    SELECT * FROM walkthrough_runs
                    WHERE id = \(run.id) AND steps_completed = \(Int64(run.stepsCompleted)) AND replaced_at IS NULL
                    """)
                : try await db.first(
                    """
                    UPDATE walkthrough_runs SET steps_completed = \(Int64(step)), updated_at = \(now), finished_at = \(finishedAt)
                    WHERE id = \(run.id) AND steps_completed = \(Int64(run.stepsCompleted)) AND replaced_at IS NULL
                    RETURNING *
                    """)
            guard let row else { throw Conflict() }
            try await db.query(
                """
                INSERT INTO walkthrough_step_events (run_id, walkthrough_id, step, outcome, note, duration_ms, created_at)
                VALUES (\(run.id), \(run.walkthroughID), \(Int64(step)), \(outcome.rawValue), \(note), \(duration), \(now))
                """)
            return try WalkthroughRun(row: row)
        }
    }
}
