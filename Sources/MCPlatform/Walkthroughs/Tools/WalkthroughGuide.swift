import Foundation
import MCP

/// A walkthrough tool: listed while the server has a published walkthrough, and callable once
/// it ever had one, so that agents in the middle of a walkthrough that was archived or
/// unpublished learn why they cannot go on (rather than "unknown tool").
protocol WalkthroughTool: MCPTool {}

extension WalkthroughTool {
    func isAvailable(for server: TenantServer, platform: Platform) async throws -> Bool {
        try await WalkthroughStore(database: platform.database).has(.live(serverID: server.id), cache: platform.walkthroughPresence)
    }

    func isCallable(for server: TenantServer, platform: Platform) async throws -> Bool {
        try await WalkthroughStore(database: platform.database).has(.published(serverID: server.id), cache: platform.walkthroughPresence)
    }
}

/// What the walkthrough tools share: finding a walkthrough agents may use, the caller's run
/// through it, and the step as the agent reads it.
struct WalkthroughGuide {
    let context: ToolContext
    let store: WalkthroughStore
    let runs: WalkthroughRunStore
    let participant: Participant

    init(_ context: ToolContext) {
        self.context = context
        store = WalkthroughStore(database: context.platform.database)
        runs = WalkthroughRunStore(database: context.platform.database)
        participant = Participant(session: context.session)
    }

    /// The published walkthrough `slug`; a tool error naming the ones that exist otherwise.
    func liveEntry(slug: String) async throws -> WalkthroughStore.Entry {
        let entry = try await store.entry(slug: slug, serverID: context.server.id)
        switch entry?.walkthrough.status {
        case .published? where entry?.published != nil:
            return entry!
        case .archived?:
            throw ToolError("The walkthrough '\(slug)' was archived by \(context.server.organizationName) and is no longer available.")
        case .draft? where entry?.published != nil:
            throw ToolError("The walkthrough '\(slug)' is not available at the moment: \(context.server.organizationName) unpublished it.")
        default:
            let slugs = try await store.live(serverID: context.server.id).map(\.walkthrough.slug)
            throw ToolError(
                "There is no walkthrough '\(slug)' on this server. Available: \(slugs.joined(separator: ", ")). Call list_walkthroughs for details."
            )
        }
    }

    /// The caller's run of the walkthrough with the version it follows; a tool error when they
    /// have not started it.
    func currentRun(of entry: WalkthroughStore.Entry) async throws -> (WalkthroughRun, WalkthroughVersion) {
        guard let run = try await runs.current(walkthroughID: entry.walkthrough.id, participant: participant),
            let version = try await store.version(id: run.versionID, serverID: context.server.id)
        else {
            throw ToolError(
                "You have not started '\(entry.walkthrough.slug)'. Call start_walkthrough {\"slug\": \"\(entry.walkthrough.slug)\"} first.")
        }
        return (run, version)
    }

    /// Step `number` of the run's version, rendered for the agent with what to do next.
    func stepResult(
        _ number: Int, of version: WalkthroughVersion, entry: WalkthroughStore.Entry, run: WalkthroughRun, preface: String? = nil
    ) throws -> CallTool.Result {
        let content = version.content
        let step = content.steps[number - 1]
        let slug = entry.walkthrough.slug
        let current = run.stepsCompleted + 1
        var next: String
        if run.isFinished || number < current {
            next = "This step is already done (you are \(run.isFinished ? "finished" : "on step \(current)")). Nothing to complete here."
        } else if number > current {
            next = "This step comes later: finish step \(current) first (get_walkthrough_step {\"slug\": \"\(slug)\"})."
        } else {
            next =
                "When the step is done and its check passes, call complete_step {\"slug\": \"\(slug)\", \"step\": \(number)}. "
                + "If the user wants to skip it, pass \"outcome\": \"skipped\"; if it cannot be done, pass \"outcome\": \"failed\" "
                + "and a \"note\" saying why: that keeps you on this step, so you can try again, search the docs, or skip."
        }
        var sections = ["Walkthrough: \(content.title) (\(content.kind.rawValue), version \(version.number))"]
        if let preface { sections.append(preface) }
        sections.append("# Step \(number) of \(content.steps.count): \(step.title)")
        for (heading, text) in [
            ("Introduce the step to the user", step.introduction), ("Context for you", step.context), ("Do this", step.operations),
            ("Show the user", step.content), ("Check that it worked", step.check),
        ] where !text.isEmpty {
            sections.append("## \(heading)\n\(text)")
        }
        sections.append("## Next\n\(next)")
        let output = Output(
            walkthrough: .init(entry: entry, version: version), progress: .init(run: run, totalSteps: content.steps.count),
            step: .init(number: number, step: step), next: next)
        return try CallTool.Result(
            content: [.text(text: sections.joined(separator: "\n\n"), annotations: nil, _meta: nil)], structuredContent: output)
    }

    /// The result when the run is finished.
    func finishedResult(of version: WalkthroughVersion, entry: WalkthroughStore.Entry, run: WalkthroughRun) throws -> CallTool.Result {
        let minutes = Int((run.finishedAt ?? Date()).timeIntervalSince(run.startedAt) / 60)
        let next =
            "Tell the user they completed \"\(version.content.title)\" and summarize what they set up. "
            + "For further questions, use search_docs."
        let text =
            "Walkthrough complete: all \(version.content.steps.count) steps of \(version.content.title) are done (in \(minutes) min).\n\n## Next\n\(next)"
        let output = Output(
            walkthrough: .init(entry: entry, version: version), progress: .init(run: run, totalSteps: version.content.steps.count),
            step: nil,
            next: next)
        return try CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: output)
    }

    /// The structured result of start_walkthrough, get_walkthrough_step and complete_step.
    struct Output: Codable {
        let walkthrough: WalkthroughSummary
        let progress: Progress
        let step: Step?
        let next: String

        struct WalkthroughSummary: Codable {
            let slug, title, type: String
            let version, totalSteps: Int

            init(entry: WalkthroughStore.Entry, version: WalkthroughVersion) {
                slug = entry.walkthrough.slug
                title = version.content.title
                type = version.content.kind.rawValue
                self.version = version.number
                totalSteps = version.content.steps.count
            }
        }

        struct Progress: Codable {
            let stepsCompleted, totalSteps: Int
            let finished: Bool

            init(run: WalkthroughRun, totalSteps: Int) {
                stepsCompleted = run.stepsCompleted
                self.totalSteps = totalSteps
                finished = run.isFinished
            }
        }

        struct Step: Codable {
            let number: Int
            let title, introduction, context, operations, content, check: String

            init(number: Int, step: WalkthroughStep) {
                self.number = number
                (title, introduction, context, operations) = (step.title, step.introduction, step.context, step.operations)
                (content, check) = (step.content, step.check)
            }
        }
    }

    /// The output schema of the step tools.
    static let outputSchema: Value = [
        "type": "object",
        "properties": [
            "walkthrough": [
                "type": "object",
                "properties": [
                    "slug": ["type": "string"], "title": ["type": "string"], "type": ["type": "string"], "version": ["type": "integer"],
                    "totalSteps": ["type": "integer"],
                ],
                "required": ["slug", "title", "type", "version", "totalSteps"],
            ],
            "progress": [
                "type": "object",
                "properties": ["stepsCompleted": ["type": "integer"], "totalSteps": ["type": "integer"], "finished": ["type": "boolean"]],
                "required": ["stepsCompleted", "totalSteps", "finished"],
            ],
            "step": [
                "type": "object",
                "description": "The step to do (absent once the walkthrough is finished)",
                "properties": [
                    "number": ["type": "integer"], "title": ["type": "string"], "introduction": ["type": "string"],
                    "context": ["type": "string"], "operations": ["type": "string"], "content": ["type": "string"],
                    "check": ["type": "string"],
                ],
                "required": ["number", "title"],
            ],
            "next": ["type": "string", "description": "What the agent should do next"],
        ],
        "required": ["walkthrough", "progress", "next"],
    ]

    static let slugProperty: Value = ["type": "string", "description": "The walkthrough's slug, from list_walkthroughs.", "maxLength": 63]
}
