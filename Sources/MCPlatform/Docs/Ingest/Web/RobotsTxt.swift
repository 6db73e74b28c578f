import Foundation

/// The rules of a site's `robots.txt` that apply to one user agent.
///
/// Follows RFC 9309: the group naming our agent (by product token, case-insensitive) wins over
/// `*`; the longest matching `Allow`/`Disallow` path decides (ties favour `Allow`); `*` and `$`
/// wildcards are honoured. `Crawl-delay` and `Sitemap` lines are collected too.
struct RobotsTxt: Sendable, Equatable {
    private(set) var rules: [(allow: Bool, pattern: String)] = []
    private(set) var crawlDelay: Double?
    private(set) var sitemaps: [String] = []

    static func == (lhs: RobotsTxt, rhs: RobotsTxt) -> Bool {
        lhs.rules.map { "\($0.allow)\($0.pattern)" } == rhs.rules.map { "\($0.allow)\($0.pattern)" }
            && lhs.crawlDelay == rhs.crawlDelay && lhs.sitemaps == rhs.sitemaps
    }

    /// Everything allowed (no robots.txt, or one that could not be read).
    init() {}

    init(_ text: String, userAgent: String) {
        let agent = userAgent.lowercased()
        var groups: [(agents: [String], rules: [(Bool, String)], delay: Double?)] = []
        var collectingAgents = false
        for rawLine in text.split(whereSeparator: \.isNewline).prefix(10_000) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "user-agent":
                if !collectingAgents || groups.isEmpty { groups.append(([], [], nil)) }
                groups[groups.count - 1].agents.append(value.lowercased())
                collectingAgents = true
            case "allow", "disallow":
                collectingAgents = false
                guard !groups.isEmpty, !value.isEmpty || field == "allow" else { continue }
                groups[groups.count - 1].rules.append((field == "allow", value))
            case "crawl-delay":
                collectingAgents = false
                if !groups.isEmpty { groups[groups.count - 1].delay = Double(value) }
            case "sitemap":
                sitemaps.append(value)
            default:
                collectingAgents = false
            }
        }
        let ours = groups.filter { $0.agents.contains { $0 != "*" && agent.contains($0) } }
        let chosen = ours.isEmpty ? groups.filter { $0.agents.contains("*") } : ours
        rules = chosen.flatMap { $0.rules.map { (allow: $0.0, pattern: $0.1) } }
        crawlDelay = chosen.compactMap(\.delay).first
    }

    /// Whether `path` (with its query) may be fetched.
    func allows(_ path: String) -> Bool {
        var best: (length: Int, allow: Bool)?
        for rule in rules where Self.matches(rule.pattern, path) {
            let length = rule.pattern.count
            if best == nil || length > best!.length || (length == best!.length && rule.allow) { best = (length, rule.allow) }
        }
        return best?.allow ?? true
    }

    /// `*` matches any run of characters; a trailing `$` anchors the end.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        var pattern = Substring(pattern)
        let anchored = pattern.hasSuffix("$")
        if anchored { pattern = pattern.dropLast() }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard let first = pieces.first, path.hasPrefix(first) else { return false }
        var rest = path.dropFirst(first.count)
        guard pieces.count > 1 else { return !anchored || rest.isEmpty }
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        let last = pieces[pieces.count - 1]
        return anchored ? rest.hasSuffix(last) : (last.isEmpty || rest.contains(last))
    }
}
