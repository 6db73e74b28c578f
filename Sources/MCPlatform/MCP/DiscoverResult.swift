import MCP

/// The answer to `server/discover` (2026-07-28 server/discover): the revisions we speak, our
/// capabilities and instructions. ``ModernResult`` adds `resultType`, serverInfo and the cache hint.
struct DiscoverResult: Encodable, Sendable {
    let supportedVersions: [String]
    let capabilities: Server.Capabilities
    let instructions: String
}
