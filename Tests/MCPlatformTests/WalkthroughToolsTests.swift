import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MCPlatform

/// The walkthrough tools through the MCP endpoint: visibility, a whole run, errors as tool
/// results, and versions.
@Suite struct WalkthroughToolsTests {
    static let content = WalkthroughContent(
        title: "Get started", description: "Install the CLI and make a first call.", kind: .quickstart, estimatedMinutes: 10,
        steps: [
            WalkthroughStep(
                title: "Install", introduction: "Say hello.", operations: "Run `brew install acme`.", check: "`acme --version` prints 2.x"),
            WalkthroughStep(title: "Sign in", content: "Run **acme login**."),
            WalkthroughStep(title: "First call", operations: "Run `acme ping`."),
        ])

    /// The endpoint of server `guide`, whose walkthrough `start` is published when `publish`.
    static func withWalkthrough(
        _ backend: Backend = .sqlite, publish: Bool = true,
        _ body: @escaping @Sendable (MCPClient, Platform, WalkthroughStore.Entry) async throws -> Void
    ) async throws {
        try await MCPEndpointTests.withEndpoint(backend) { client, platform in
            let server = try #require(try await platform.tenancy.server(slug: "guide"))
            let store = WalkthroughStore(database: platform.database)
            var entry = try await store.create(slug: "start", content: content, serverID: server.id)
            if publish { entry = try await store.publish(entry) }
            try await body(client, platform, entry)
        }
    }

    static func text(_ result: [String: Any]) -> String {
        ((result["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
    }

    static func toolNames(_ client: MCPClient, session: String) async throws -> [String] {
        let tools = try await client.call("tools/list", [:], session: session)["tools"] as? [[String: Any]]
        return tools?.compactMap { $0["name"] as? String } ?? []
    }

    static let walkthroughTools = ["list_walkthroughs", "start_walkthrough", "get_walkthrough_step", "complete_step"]

    @Test func toolsAppearOnlyWhileAWalkthroughIsPublished() async throws {
        try await Self.withWalkthrough(publish: false) { client, platform, entry in
            let (session, initialized) = try await client.initialize()
            #expect((initialized["instructions"] as? String)?.contains("list_walkthroughs") == false)
            #expect(Set(try await Self.toolNames(client, session: session)).isDisjoint(with: Self.walkthroughTools))
            let hidden = try await client.post(
                #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"start_walkthrough","arguments":{"slug":"start"}}}"#,
                session: session)
            #expect(hidden.errorCode == -32602, "an unavailable tool is unknown")

            let store = WalkthroughStore(database: platform.database)
            try await store.publish(entry)
            #expect(
                try await Self.toolNames(client, session: session).filter { Self.walkthroughTools.contains($0) } == Self.walkthroughTools)
            #expect((try await client.initialize().1["instructions"] as? String)?.contains("call `list_walkthroughs`") == true)

            try await store.setStatus(.archived, of: entry.walkthrough)
            #expect(Set(try await Self.toolNames(client, session: session)).isDisjoint(with: Self.walkthroughTools))
            let archived = try await client.tool("start_walkthrough", ["slug": "start"], session: session)
            #expect(archived["isError"] as? Bool == true, "unlisted, but still answering agents that hold the old list")
            #expect(Self.text(archived).contains("was archived"))
        }
    }

    @Test(arguments: Backend.available)
    func aWholeRunWithAFailureAndARestart(backend: Backend) async throws {
        try await Self.withWalkthrough(backend) { client, _, _ in
            let (session, _) = try await client.initialize()
            let list = try await client.tool("list_walkthroughs", [:], session: session)
            let listed = try #require((list["structuredContent"] as? [String: Any])?["walkthroughs"] as? [[String: Any]])
            #expect(listed.count == 1)
            #expect(listed.first?["slug"] as? String == "start")
            #expect(listed.first?["progress"] as? String == "not_started")
            #expect(listed.first?["steps"] as? Int == 3)

            let started = try await client.tool("start_walkthrough", ["slug": "start"], session: session)
            #expect(started["isError"] as? Bool != true)
            let text = Self.text(started)
            for expected in [
                "Step 1 of 3: Install", "## Introduce the step to the user\nSay hello.", "## Do this\nRun `brew install acme`.",
                "## Check that it worked", "complete_step {\"slug\": \"start\", \"step\": 1}", "about 10 minutes",
            ] {
                #expect(text.contains(expected), "\(expected) in \(text)")
            }
            #expect(!text.contains("## Show the user"), "empty sections are left out")
            let structured = try #require(started["structuredContent"] as? [String: Any])
            #expect((structured["step"] as? [String: Any])?["number"] as? Int == 1)
            #expect((structured["walkthrough"] as? [String: Any])?["version"] as? Int == 1)

            let second = try await client.tool("complete_step", ["slug": "start", "step": 1], session: session)
            #expect(Self.text(second).contains("Step 2 of 3: Sign in"))
            #expect(Self.text(second).contains("## Show the user\nRun **acme login**."))

            let failed = try await client.tool(
                "complete_step", ["slug": "start", "step": 2, "outcome": "failed", "note": "no browser"], session: session)
            #expect(failed["isError"] as? Bool != true)
            #expect(Self.text(failed).contains("still on step 2"))
            #expect(Self.text(try await client.tool("get_walkthrough_step", ["slug": "start"], session: session)).contains("Step 2 of 3"))

            let outOfOrder = try await client.tool("complete_step", ["slug": "start", "step": 3], session: session)
            #expect(outOfOrder["isError"] as? Bool == true)
            #expect(Self.text(outOfOrder).contains("the current step is 2"))
            let again = try await client.tool("complete_step", ["slug": "start", "step": 1], session: session)
            #expect(Self.text(again).contains("already completed"))

            _ = try await client.tool("complete_step", ["slug": "start", "step": 2, "outcome": "skipped"], session: session)
            let finished = try await client.tool("complete_step", ["slug": "start", "step": 3], session: session)
            #expect(Self.text(finished).contains("Walkthrough complete"))
            #expect(((finished["structuredContent"] as? [String: Any])?["progress"] as? [String: Any])?["finished"] as? Bool == true)

            for (name, arguments): (String, [String: Any]) in [
                ("start_walkthrough", ["slug": "start"]), ("complete_step", ["slug": "start", "step": 3]),
                ("get_walkthrough_step", ["slug": "start"]),
            ] {
                let result = try await client.tool(name, arguments, session: session)
                #expect(result["isError"] as? Bool == true, "\(name)")
                #expect(Self.text(result).contains("finished"), "\(name): \(Self.text(result))")
            }
            #expect(
                Self.text(try await client.tool("get_walkthrough_step", ["slug": "start", "step": 2], session: session)).contains(
                    "already done"))
            let listedAfter = try await client.tool("list_walkthroughs", [:], session: session)
            #expect(Self.text(listedAfter).contains("[finished]"))

            let restarted = try await client.tool("start_walkthrough", ["slug": "start", "restart": true], session: session)
            #expect(Self.text(restarted).contains("Step 1 of 3"))
        }
    }

    @Test func anonymousProgressBelongsToTheSession() async throws {
        try await Self.withWalkthrough { client, _, _ in
            let (first, _) = try await client.initialize()
            _ = try await client.tool("start_walkthrough", ["slug": "start"], session: first)
            _ = try await client.tool("complete_step", ["slug": "start", "step": 1], session: first)
            let resumed = try await client.tool("start_walkthrough", ["slug": "start"], session: first)
            #expect(Self.text(resumed).contains("Resuming: 1 of 3 steps are done."))
            #expect(Self.text(resumed).contains("Step 2 of 3"))

            let (second, _) = try await client.initialize()
            let notStarted = try await client.tool("get_walkthrough_step", ["slug": "start"], session: second)
            #expect(notStarted["isError"] as? Bool == true)
            #expect(Self.text(notStarted).contains("have not started"))
        }
    }

    @Test func runsKeepTheirVersionUntilRestarted() async throws {
        try await Self.withWalkthrough { client, platform, entry in
            let (session, _) = try await client.initialize()
            _ = try await client.tool("start_walkthrough", ["slug": "start"], session: session)

            let store = WalkthroughStore(database: platform.database)
            var edited = Self.content
            edited.steps[0].title = "Install the CLI"
            edited.steps.append(WalkthroughStep(title: "Deploy", operations: "Run `acme deploy`."))
            try await store.saveDraft(edited, of: entry.walkthrough)
            let draftOnly = try await client.tool("get_walkthrough_step", ["slug": "start"], session: session)
            #expect(Self.text(draftOnly).contains("Step 1 of 3: Install\n"), "a draft changes nothing for agents")

            try await store.publish(try #require(try await store.entry(slug: "start", serverID: entry.walkthrough.serverID)))
            let resumed = try await client.tool("start_walkthrough", ["slug": "start"], session: session)
            #expect(Self.text(resumed).contains("Step 1 of 3: Install\n"))
            #expect(Self.text(resumed).contains("Version 2 has been published since"))

            let restarted = try await client.tool("start_walkthrough", ["slug": "start", "restart": true], session: session)
            #expect(Self.text(restarted).contains("Step 1 of 4: Install the CLI"))
            #expect(((restarted["structuredContent"] as? [String: Any])?["walkthrough"] as? [String: Any])?["version"] as? Int == 2)
        }
    }

    @Test func badInputIsAToolError() async throws {
        try await Self.withWalkthrough { client, platform, entry in
            let (session, _) = try await client.initialize()
            let unknown = try await client.tool("start_walkthrough", ["slug": "nope"], session: session)
            #expect(unknown["isError"] as? Bool == true)
            #expect(Self.text(unknown).contains("no walkthrough 'nope'"))
            #expect(Self.text(unknown).contains("Available: start"))
            _ = try await client.tool("start_walkthrough", ["slug": "start"], session: session)
            for arguments: [String: Any] in [
                ["slug": "start"], ["slug": "start", "step": 0], ["slug": "start", "step": 4], ["slug": "start", "step": "one"],
                ["slug": "start", "step": 1, "outcome": "maybe"],
                ["slug": "start", "step": 1, "note": String(repeating: "n", count: 2001)],
                ["slug": String(repeating: "s", count: 64), "step": 1], ["step": 1],
            ] {
                let result = try await client.tool("complete_step", arguments, session: session)
                #expect(result["isError"] as? Bool == true, "\(arguments)")
            }
            let restart = try await client.tool("start_walkthrough", ["slug": "start", "restart": "yes"], session: session)
            #expect(Self.text(restart).contains("'restart' must be true or false"))

            // Another walkthrough stays published, so the tools stay listed.
            let store = WalkthroughStore(database: platform.database)
            try await store.publish(try await store.create(slug: "other", content: Self.content, serverID: entry.walkthrough.serverID))
            try await store.setStatus(.draft, of: entry.walkthrough)
            let unpublished = try await client.tool("get_walkthrough_step", ["slug": "start"], session: session)
            #expect(Self.text(unpublished).contains("unpublished it"))
            try await store.setStatus(.archived, of: entry.walkthrough)
            let archived = try await client.tool("get_walkthrough_step", ["slug": "start"], session: session)
            #expect(archived["isError"] as? Bool == true)
            #expect(Self.text(archived).contains("archived"))
        }
    }
}
