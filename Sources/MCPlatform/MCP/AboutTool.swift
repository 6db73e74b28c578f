import MCP

/// `about`: tells the agent what this MCP server is, who runs it and what it can do.
struct AboutTool: MCPTool {
    let definition = Tool(
        name: "about",
        title: "About this server",
        description:
            "Describes this documentation server: whose docs it serves, its endpoint, and the tools it offers. Call it when unsure what this server can help with.",
        inputSchema: ["type": "object", "properties": [:], "additionalProperties": false],
        annotations: .init(title: "About this server", readOnlyHint: true, openWorldHint: false),
        outputSchema: [
            "type": "object",
            "properties": [
                "server": [
                    "type": "object",
                    "properties": [
                        "slug": ["type": "string"], "name": ["type": "string"], "organization": ["type": "string"],
                        "endpoint": ["type": "string"], "authMode": ["type": "string"], "description": ["type": "string"],
                    ],
                    "required": ["slug", "name", "organization", "endpoint", "authMode"],
                ],
                "protocolVersion": ["type": "string"],
                "tools": ["type": "array", "items": ["type": "string"]],
                "signedInAs": [
                    "type": "object", "description": "The end user, on servers that require sign-in",
                    "properties": ["subject": ["type": "string"], "email": ["type": "string"], "name": ["type": "string"]],
                ],
            ],
            "required": ["server", "protocolVersion", "tools"],
        ]
    )

    func call(arguments: [String: Value], context: ToolContext) async throws -> CallTool.Result {
        let server = context.server
        let toolNames = try await context.platform.tools.tools(for: server, platform: context.platform).map(\.definition.name)
        let endpoint = context.platform.configuration.endpointURL(for: server.slug)
        var serverInfo: [String: Value] = [
            "slug": .string(server.slug),
            "name": .string(server.name),
            "organization": .string(server.organizationName),
            "endpoint": .string(endpoint),
            "authMode": .string(server.authMode.rawValue),
        ]
        var text = """
            \(server.name) is the MCP documentation server of \(server.organizationName), hosted on MCPlatform.
            Endpoint: \(endpoint)
            Sign-in: \(server.authMode == .oauth ? "OAuth (the organization's identity provider)" : "none (anonymous)")
            Tools: \(toolNames.joined(separator: ", "))
            """
        if let description = server.settings.description {
            serverInfo["description"] = .string(description)
            text += "\n\n\(description)"
        }
        var structured: [String: Value] = [
            "server": .object(serverInfo),
            "protocolVersion": .string(context.session.protocolVersion),
            "tools": .array(toolNames.map(Value.string)),
        ]
        if let id = context.session.endUserID,
            let user = try await EndUserStore(database: context.platform.database).find(id: id, serverID: server.id)
        {
            var signedIn: [String: Value] = ["subject": .string(user.subject)]
            signedIn["email"] = user.email.map(Value.string)
            signedIn["name"] = user.name.map(Value.string)
            structured["signedInAs"] = .object(signedIn)
            text += "\nSigned in as: \(user.name ?? user.email ?? user.subject)"
        }
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: .object(structured))
    }
}
