/// The MCP protocol revisions this server speaks, in two eras (see docs/compatibility.md):
/// legacy revisions open a session with `initialize`; modern ones (2026-07-28 on) are
/// stateless, every request carrying its version in `MCP-Protocol-Version` and `_meta`.
public enum ProtocolVersion {
    /// How a revision is served.
    enum Era: Sendable, Equatable {
        /// Sessions opened by `initialize` (2025-11-25 and earlier).
        case legacy
        /// Stateless, no handshake (2026-07-28 and later).
        case modern
    }

    /// Legacy revisions, newest first: what `initialize` can negotiate.
    public static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26"]

    /// Modern revisions, newest first.
    public static let modern = ["2026-07-28"]

    /// Every revision we speak, newest first: `server/discover`'s `supportedVersions` and the
    /// `supported` list of an unsupported-version error.
    public static let supported = modern + legacy

    /// The newest legacy revision: what `initialize` answers when it cannot give the client the
    /// revision it asked for (modern revisions have no `initialize`).
    public static let latest = legacy[0]

    /// The era of `version`; nil for revisions we don't speak.
    static func era(of version: String) -> Era? {
        if modern.contains(version) { return .modern }
        return legacy.contains(version) ? .legacy : nil
    }

    static func isModern(_ version: String) -> Bool {
        era(of: version) == .modern
    }

    /// The revision to use for a client that asked for `requested` in `initialize`: the same one
    /// when it is a legacy revision we speak, otherwise our newest legacy one (the client then
    /// decides whether to continue). A client asking for a modern revision in `initialize` gets
    /// the newest legacy one too: modern revisions are not negotiated by a handshake.
    public static func negotiate(_ requested: String) -> String {
        legacy.contains(requested) ? requested : latest
    }

    /// Whether JSON-RPC batches (arrays) are allowed: only in 2025-03-26.
    static func allowsBatches(_ version: String) -> Bool {
        version == "2025-03-26"
    }

    /// Methods that 2026-07-28 removed (changelog, major changes 4 and 5): answered as unknown
    /// methods on modern requests even though legacy sessions still have them.
    static let removedInModern: Set<String> = ["ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"]
}
