/// A validated tenant identifier: a DNS label, so that `<slug>.<base-domain>` is a valid host.
public struct Slug: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// Names that would collide with the platform's own hosts and paths (`new`: the dashboard's
    /// `/orgs/new` and `/orgs/<org>/servers/new`).
    public static let reserved: Set<String> = [
        "admin", "api", "app", "assets", "auth", "dashboard", "docs", "mcp", "new", "oauth", "static", "status", "www",
    ]

    /// Validates `value`: 2–63 characters of `a-z`, `0-9` and `-`, not starting or ending with
    /// `-`, and not one of `reserved`.
    public init(_ value: String, reserved: Set<String> = Slug.reserved) throws(SlugError) {
        guard (2...63).contains(value.utf8.count) else { throw .length(value) }
        guard value.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }),
            value.first != "-", value.last != "-"
        else { throw .characters(value) }
        guard !reserved.contains(value) else { throw .reserved(value) }
        self.value = value
    }

    public var description: String { value }
}

/// Why a slug was refused.
public enum SlugError: Error, Sendable, CustomStringConvertible {
    case length(String)
    case characters(String)
    case reserved(String)

    public var description: String {
        switch self {
        case .length(let slug): "slug '\(slug)' must be 2 to 63 characters long"
        case .characters(let slug):
            "slug '\(slug)' may contain only lowercase letters, digits and '-', and may not start or end with '-'"
        case .reserved(let slug): "slug '\(slug)' is reserved"
        }
    }
}
