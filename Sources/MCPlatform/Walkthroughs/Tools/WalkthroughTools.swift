import Foundation
import MCP

/// `list_walkthroughs`: the published walkthroughs, with the caller's progress in each.
struct ListWalkthroughsTool: WalkthroughTool {
    let definition = Tool(
        name: "list_walkthroughs",
        title: "List walkthroughs",
        description: """
            List the step-by-step walkthroughs (quickstarts, installers, integration guides, troubleshooting paths, courses) \
            that this product offers, with the user's progress in each. When the user wants to set something up or learn \
            the product and a walkthrough fits, offer it and start it with start_walkthrough.
            """,
        inputSchema: ["type": "object", "properties": [:], "additionalProperties": false],
        annotations: .init(title: "List walkthroughs", readOnlyHint: true, idempotentHint: true, openWorldHint: false),
        outputSchema: [
            "type": "object",
            "properties": [
                "walkthroughs": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "slug": ["type": "string"], "title": ["type": "string"], "type": ["type": "string"],
                            "description": ["type": "string"], "steps": ["type": "integer"], "version": ["type": "integer"],
                            "estimatedMinutes": ["type": "integer"],
                            "progress": ["type": "string", "enum": ["not_started", "in_progress", "finished"]],
                            "stepsCompleted": ["type": "integer"],
                        ],
                        "required": ["slug", "title", "type", "description", "steps", "version", "progress", "stepsCompleted"],
                    ],
                ]
            ],
            "required": ["walkthroughs"],
        ]
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let guide = WalkthroughGuide(context)
        let entries = try await guide.store.live(serverID: context.server.id)
        let runs = try await guide.runs.current(serverID: context.server.id, participant: guide.participant)
        var listed: [Listed] = []
        var lines = ["Walkthroughs on \(context.server.name):"]
        for entry in entries {
            guard let version = entry.published else { continue }
            let content = version.content
            let run = runs[entry.walkthrough.id]
            let progress = run.map { $0.isFinished ? "finished" : "in_progress" } ?? "not_started"
            listed.append(
                Listed(
                    slug: entry.walkthrough.slug, title: content.title, type: content.kind.rawValue, description: content.description,
                    steps: content.steps.count, version: version.number, estimatedMinutes: content.estimatedMinutes, progress: progress,
                    stepsCompleted: run?.stepsCompleted ?? 0))
            var line = "- \(entry.walkthrough.slug): \(content.title) (\(content.kind.rawValue), \(content.steps.count) steps"
            if let minutes = content.estimatedMinutes { line += ", about \(minutes) min" }
            line += ")"
            if !content.description.isEmpty { line += ". \(content.description)" }
            switch run {
            case let run? where run.isFinished: line += " [finished]"
            case let run?:
                // The run may follow an older version, with another number of steps.
                let runVersion =
                    run.versionID == version.id ? version : try await guide.store.version(id: run.versionID, serverID: context.server.id)
                line += " [in progress: step \(run.stepsCompleted + 1) of \(runVersion?.content.steps.count ?? content.steps.count)]"
            case nil: break
            }
            lines.append(line)
        }
        lines.append("\nStart or resume one with start_walkthrough {\"slug\": …}.")
        return try CallTool.Result(
            content: [.text(text: lines.joined(separator: "\n"), annotations: nil, _meta: nil)], structuredContent: ["walkthroughs": listed]
        )
    }

    private struct Listed: Codable {
        let slug, title, type, description: String
        let steps, version: Int
        let estimatedMinutes: Int?
        let progress: String
        let stepsCompleted: Int
    }
}

/// `start_walkthrough`: starts a walkthrough, or resumes the caller's run, and returns the step to do.
struct StartWalkthroughTool: WalkthroughTool {
    let definition = Tool(
        name: "start_walkthrough",
        title: "Start a walkthrough",
        description: """
            Start a walkthrough, or resume it where the user left off (from any session), and get the step to do now with \
            instructions for you and content for the user. Pass restart: true to begin again from step 1 with the latest version.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "slug": WalkthroughGuide.slugProperty,
                "restart": ["type": "boolean", "default": false, "description": "Begin again from step 1, dropping the current progress."],
            ],
            "required": ["slug"],
            "additionalProperties": false,
        ],
        annotations: .init(
            title: "Start a walkthrough", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false),
        outputSchema: WalkthroughGuide.outputSchema
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let arguments = ToolArguments(arguments)
        let slug = try arguments.string("slug", maximumLength: 63)
        let restart = try arguments.boolean("restart", default: false)
        let guide = WalkthroughGuide(context)
        let entry = try await guide.liveEntry(slug: slug)
        let published = entry.published!
        if !restart, let run = try await guide.runs.current(walkthroughID: entry.walkthrough.id, participant: guide.participant),
            let version = try await guide.store.version(id: run.versionID, serverID: context.server.id)
        {
            if run.isFinished {
                throw ToolError(
                    "The user already finished '\(slug)'. To go through it again, call start_walkthrough {\"slug\": \"\(slug)\", \"restart\": true}."
                )
            }
            var preface = "Resuming: \(run.stepsCompleted) of \(version.content.steps.count) steps are done."
            if published.number > version.number {
                preface += " (Version \(published.number) has been published since; restart: true switches to it.)"
            }
            return try guide.stepResult(run.stepsCompleted + 1, of: version, entry: entry, run: run, preface: preface)
        }
        let run: WalkthroughRun
        do {
            run = try await guide.runs.start(published, serverID: context.server.id, participant: guide.participant)
        } catch is WalkthroughRunStore.Conflict {
            throw ToolError("Another session of this user started '\(slug)' at the same moment. Call start_walkthrough again to resume it.")
        }
        var preface = "Started."
        if !published.content.description.isEmpty { preface += " \(published.content.description)" }
        if let minutes = published.content.estimatedMinutes { preface += " It takes about \(minutes) minutes." }
        return try guide.stepResult(1, of: published, entry: entry, run: run, preface: preface)
    }
}

/// `get_walkthrough_step`: shows the current step again, or any step of the caller's run.
struct GetWalkthroughStepTool: WalkthroughTool {
    let definition = Tool(
        name: "get_walkthrough_step",
        title: "Get a walkthrough step",
        description: """
            Get the current step of a walkthrough the user has started (or step N, to look back or ahead), with instructions \
            for you, content for the user, and how to check it worked.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "slug": WalkthroughGuide.slugProperty,
                "step": ["type": "integer", "minimum": 1, "description": "Step number (default: the current step)."],
            ],
            "required": ["slug"],
            "additionalProperties": false,
        ],
        annotations: .init(title: "Get a walkthrough step", readOnlyHint: true, idempotentHint: true, openWorldHint: false),
        outputSchema: WalkthroughGuide.outputSchema
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let arguments = ToolArguments(arguments)
        let slug = try arguments.string("slug", maximumLength: 63)
        let guide = WalkthroughGuide(context)
        let entry = try await guide.liveEntry(slug: slug)
        let (run, version) = try await guide.currentRun(of: entry)
        let total = version.content.steps.count
        guard arguments.values["step"] != nil || !run.isFinished else {
            throw ToolError(
                "The user finished '\(slug)'; there is no current step. Pass \"step\" to read one again, or restart with start_walkthrough {\"slug\": \"\(slug)\", \"restart\": true}."
            )
        }
        let number = try arguments.integer("step", default: run.stepsCompleted + 1, in: 1...total)
        return try guide.stepResult(number, of: version, entry: entry, run: run)
    }
}

/// `complete_step`: records how the current step went and returns the next one.
struct CompleteStepTool: WalkthroughTool {
    static let maximumNoteLength = 2000

    let definition = Tool(
        name: "complete_step",
        title: "Complete a walkthrough step",
        description: """
            Report that the current step of a walkthrough is done (after its check passed), skipped by the user, or failed \
            (with a note saying why; the user stays on the step). Returns the next step, or tells you the walkthrough is finished.
            """,
        inputSchema: [
            "type": "object",
            "properties": [
                "slug": WalkthroughGuide.slugProperty,
                "step": ["type": "integer", "minimum": 1, "description": "The number of the step being completed (the current step)."],
                "outcome": [
                    "type": "string", "enum": .array(WalkthroughOutcome.allCases.map { .string($0.rawValue) }), "default": "done",
                    "description": "done: it worked; skipped: the user chose to skip it; failed: it could not be done.",
                ],
                "note": ["type": "string", "maxLength": .int(maximumNoteLength), "description": "What happened, in a sentence or two."],
            ],
            "required": ["slug", "step"],
            "additionalProperties": false,
        ],
        annotations: .init(
            title: "Complete a walkthrough step", readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false),
        outputSchema: WalkthroughGuide.outputSchema
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let arguments = ToolArguments(arguments)
        let slug = try arguments.string("slug", maximumLength: 63)
        let outcomeName = try arguments.optionalString("outcome", maximumLength: 20) ?? WalkthroughOutcome.done.rawValue
        guard let outcome = WalkthroughOutcome(rawValue: outcomeName) else {
            throw ToolError("'outcome' must be one of: \(WalkthroughOutcome.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let note = try arguments.optionalString("note", maximumLength: Self.maximumNoteLength).flatMap { $0.isEmpty ? nil : $0 }
        let guide = WalkthroughGuide(context)
        let entry = try await guide.liveEntry(slug: slug)
        let (run, version) = try await guide.currentRun(of: entry)
        let total = version.content.steps.count
        let step = try arguments.integer("step", in: 1...total)
        if run.isFinished {
            throw ToolError(
                "The user already finished '\(slug)'. To go through it again, call start_walkthrough {\"slug\": \"\(slug)\", \"restart\": true}."
            )
        }
        let current = run.stepsCompleted + 1
        guard step == current else {
            throw ToolError(
                step < current
                    ? "Step \(step) is already completed; the current step is \(current). Call get_walkthrough_step {\"slug\": \"\(slug)\"} to see it."
                    : "Step \(step) cannot be completed yet: the current step is \(current). Finish it first (get_walkthrough_step {\"slug\": \"\(slug)\"})."
            )
        }
        let updated: WalkthroughRun
        do {
            updated = try await guide.runs.complete(run, step: step, totalSteps: total, outcome: outcome, note: note)
        } catch is WalkthroughRunStore.Conflict {
            throw ToolError(
                "Step \(step) was completed in another session of this user meanwhile. Call get_walkthrough_step {\"slug\": \"\(slug)\"} to see where they are."
            )
        }
        if updated.isFinished {
            return try guide.finishedResult(of: version, entry: entry, run: updated)
        }
        let preface =
            outcome == .failed
            ? "Recorded that step \(step) failed. The user is still on step \(step): fix the problem and try again (search_docs can help), or complete it with \"outcome\": \"skipped\"."
            : "Step \(step) \(outcome == .done ? "done" : "skipped"). Now step \(updated.stepsCompleted + 1):"
        return try guide.stepResult(updated.stepsCompleted + 1, of: version, entry: entry, run: updated, preface: preface)
    }
}
