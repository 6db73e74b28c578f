/// The MCP protocol revisions this server speaks, and how a client's request is negotiated.
public enum ProtocolVersion {
    /// Supported revisions, newest first.
    public static let supported = ["2025-11-25", "2025-06-18", "2025-03-26"]

    /// The newest revision we speak, offered when a client asks for one we don't.
    public static let latest = supported[0]

    /// The revision to use for a client that asked for `requested` in `initialize`: the same one
    /// when we speak it, otherwise our latest (the client then decides whether to continue).
    public static func negotiate(_ requested: String) -> String {
        supported.contains(requested) ? requested : latest
    }

    /// Whether JSON-RPC batches (arrays) are allowed: only in 2025-03-26.
    static func allowsBatches(_ version: String) -> Bool {
        version == "2025-03-26"
    }
}
