import Foundation

/// The walkthrough file: what export writes and import reads (JSON, documented in
/// docs/walkthroughs.md). `format_version` says which revision of the format a file uses;
/// a file exported and imported again gives back the same content.
public struct WalkthroughDocument: Sendable, Equatable, Codable {
    /// The format revision this platform writes and the newest it reads.
    public static let formatVersion = 1
    /// Largest file accepted for import.
    public static let maximumBytes = 1 << 20

    public var slug: String
    public var content: WalkthroughContent
    /// The version the file was exported from (informational; imports make a new draft).
    public var version: Int?

    public init(slug: String, content: WalkthroughContent, version: Int? = nil) {
        self.slug = slug
        self.content = content
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version", slug, version
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let format = try container.decodeWholeNumberIfPresent(forKey: .formatVersion) else {
            throw WalkthroughProblems(["format_version": "required: this file format is version \(Self.formatVersion)"])
        }
        guard format >= 1, format <= Self.formatVersion else {
            throw WalkthroughProblems([
                "format_version": "version \(format) is not supported (this platform reads version \(Self.formatVersion))"
            ])
        }
        if let slug = try container.decodeIfPresent(String.self, forKey: .slug) {
            self.slug = slug
        } else if let slug = decoder.userInfo[Self.fallbackSlugKey] as? String {
            self.slug = slug
        } else {
            throw WalkthroughProblems(["slug": "required"])
        }
        version = try container.decodeWholeNumberIfPresent(forKey: .version)
        content = try WalkthroughContent(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatVersion, forKey: .formatVersion)
        try container.encode(slug, forKey: .slug)
        try container.encodeIfPresent(version, forKey: .version)
        try content.encode(to: encoder)
    }

    /// The file's JSON: pretty-printed with sorted keys, so exports diff well in git.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Where a file without a `slug` gets its slug (the walkthrough it is saved to).
    private static let fallbackSlugKey = CodingUserInfoKey(rawValue: "walkthroughFallbackSlug")!

    /// Reads a JSON file; every problem is reported by field. A file without a `slug` gets
    /// `fallbackSlug` when there is one.
    public static func decode(json data: some Collection<UInt8>, fallbackSlug: String? = nil) throws(WalkthroughProblems)
        -> WalkthroughDocument
    {
        guard data.count <= maximumBytes else { throw WalkthroughProblems(["file": "larger than 1 MiB"]) }
        do {
            let decoder = JSONDecoder()
            if let fallbackSlug { decoder.userInfo[Self.fallbackSlugKey] = fallbackSlug }
            return try decoder.decode(WalkthroughDocument.self, from: Data(data))
        } catch let problems as WalkthroughProblems {
            throw problems
        } catch let error as DecodingError {
            throw WalkthroughProblems(decoding: error)
        } catch {
            throw WalkthroughProblems(["file": "not a walkthrough JSON file"])
        }
    }

    /// Reads a Markdown file: the first-level heading is the title, the text before the first
    /// second-level heading the description, and each second-level heading a step. Inside a
    /// step, third-level headings named Introduction, Context, Operations, Check or Content
    /// fill those fields; other text is the step's content for the user. Frontmatter may set
    /// `slug`, `type`, `estimated_minutes`, `title` and `description`.
    public static func decode(markdown text: String, fallbackSlug: String?) throws(WalkthroughProblems) -> WalkthroughDocument {
        guard text.utf8.count <= maximumBytes else { throw WalkthroughProblems(["file": "larger than 1 MiB"]) }
        let (frontmatter, body) = DocumentParser.splitFrontmatter(text.replacingOccurrences(of: "\r\n", with: "\n"))
        var problems: [String: String] = [:]
        var title = frontmatter["title"]
        var sawTitleHeading = false
        var description: [Substring] = []
        var steps: [WalkthroughStep] = []
        var field: WritableKeyPath<WalkthroughStep, String> = \.content
        var fieldLines: [Substring] = []

        func closeField() {
            guard !steps.isEmpty else { return }
            let text = fieldLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            steps[steps.count - 1][keyPath: field] = [steps[steps.count - 1][keyPath: field], text].filter { !$0.isEmpty }
                .joined(separator: "\n\n")
            fieldLines = []
        }
        for line in MarkdownLine.lines(of: body) {
            guard case .text(let text) = line, let (level, heading) = DocumentParser.atxHeading(text), level <= 3 else {
                if steps.isEmpty { description.append(line.line) } else { fieldLines.append(line.line) }
                continue
            }
            switch level {
            case 1 where !sawTitleHeading && steps.isEmpty:
                // The frontmatter's title, when there is one, wins over the heading.
                sawTitleHeading = true
                title = title ?? DocumentParser.plainText(heading)
            case 2:
                closeField()
                steps.append(WalkthroughStep(title: DocumentParser.plainText(heading)))
                field = \.content
            case 3 where !steps.isEmpty && Self.stepFields[heading.lowercased()] != nil:
                closeField()
                field = Self.stepFields[heading.lowercased()]!
            default:
                if steps.isEmpty { description.append(line.line) } else { fieldLines.append(line.line) }
            }
        }
        closeField()
        let kindName = frontmatter["type"] ?? Walkthrough.Kind.quickstart.rawValue
        let kind = Walkthrough.Kind(rawValue: kindName)
        if kind == nil { problems["type"] = Walkthrough.Kind.problem }
        let minutes = frontmatter["estimated_minutes"].map { Int($0) }
        if case .some(nil) = minutes { problems["estimated_minutes"] = "must be a whole number of minutes" }
        if title == nil { problems["title"] = "the file needs a first-level heading (# Title) or a title in its frontmatter" }
        if steps.isEmpty { problems["steps"] = "the file needs at least one second-level heading (## Step title): each one is a step" }
        guard problems.isEmpty, let title, let kind else { throw WalkthroughProblems(problems) }
        let content = WalkthroughContent(
            title: title,
            description: frontmatter["description"] ?? description.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines),
            kind: kind, estimatedMinutes: minutes ?? nil, steps: steps)
        return WalkthroughDocument(slug: frontmatter["slug"] ?? fallbackSlug ?? Self.suggestedSlug(for: title), content: content)
    }

    private static var stepFields: [String: WritableKeyPath<WalkthroughStep, String>] {
        ["introduction": \.introduction, "context": \.context, "operations": \.operations, "check": \.check, "content": \.content]
    }

    /// A slug made from a title: lowercase ASCII letters and digits joined by `-`.
    public static func suggestedSlug(for title: String) -> String {
        let words = title.lowercased().folding(options: .diacriticInsensitive, locale: nil)
            .split(whereSeparator: { !(("a"..."z").contains($0) || ("0"..."9").contains($0)) })
        let slug = String(words.joined(separator: "-").prefix(60))
        return slug.count >= 2 ? slug.trimmingCharacters(in: CharacterSet(charactersIn: "-")) : "walkthrough"
    }
}

/// Problems with a walkthrough's input, by field (`title`, `steps`, `steps.2.title`…), so that
/// forms show each next to its field and the API returns them all at once.
public struct WalkthroughProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var fields: [String: String]

    public init(_ fields: [String: String]) {
        self.fields = fields
    }

    init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { String($0 + 1) } ?? $0.stringValue }
            return keys.isEmpty ? "file" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            self.init([parent == "file" ? key.stringValue : "\(parent).\(key.stringValue)": "required"])
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let expected =
                switch ObjectIdentifier(type) {
                case ObjectIdentifier(String.self): "a string"
                case ObjectIdentifier(Int.self): "a whole number"
                case ObjectIdentifier([Any].self): "a list"
                case ObjectIdentifier([String: Any].self): "an object"
                default: "of another type"
                }
            self.init([path(context): "must be \(expected)"])
        case .dataCorrupted(let context) where context.codingPath.last?.stringValue == "type":
            self.init([path(context): "must be one of \(Walkthrough.Kind.allCases.map(\.rawValue).joined(separator: ", "))"])
        case .dataCorrupted(let context):
            self.init([path(context): context.codingPath.isEmpty ? "not valid JSON" : "invalid value"])
        @unknown default:
            self.init(["file": "not a walkthrough JSON file"])
        }
    }

    /// One line per problem, sorted by field.
    public var description: String {
        fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
    }
}

extension WalkthroughContent {
    /// Size limits, checked on every save.
    static let maximumTitleLength = 200
    static let maximumDescriptionLength = 2_000
    static let maximumFieldLength = 20_000
    static let maximumSteps = 100

    /// The content with surrounding whitespace trimmed, or every problem with it. Drafts may
    /// have no steps yet; `forPublishing` requires at least one.
    public func validated(forPublishing: Bool = false) throws(WalkthroughProblems) -> WalkthroughContent {
        var problems: [String: String] = [:]
        func clean(_ text: String, _ field: String, maximum: Int, required: Bool = false, singleLine: Bool = false) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if required, trimmed.isEmpty {
                problems[field] = "required"
            } else if trimmed.count > maximum {
                problems[field] = "at most \(maximum) characters (this has \(trimmed.count))"
            } else if singleLine, trimmed.contains(where: \.isNewline) {
                problems[field] = "must be a single line"
            }
            return trimmed
        }
        var result = self
        result.title = clean(title, "title", maximum: Self.maximumTitleLength, required: true, singleLine: true)
        result.description = clean(description, "description", maximum: Self.maximumDescriptionLength)
        if let minutes = estimatedMinutes, !(1...1440).contains(minutes) {
            problems["estimated_minutes"] = "between 1 and 1440 minutes"
        }
        if steps.count > Self.maximumSteps {
            problems["steps"] = "at most \(Self.maximumSteps) steps (this has \(steps.count))"
        } else if forPublishing, steps.isEmpty {
            problems["steps"] = "add at least one step before publishing"
        }
        result.steps = steps.enumerated().map { index, step in
            let prefix = "steps.\(index + 1)."
            return WalkthroughStep(
                title: clean(step.title, prefix + "title", maximum: Self.maximumTitleLength, required: true, singleLine: true),
                introduction: clean(step.introduction, prefix + "introduction", maximum: Self.maximumFieldLength),
                context: clean(step.context, prefix + "context", maximum: Self.maximumFieldLength),
                operations: clean(step.operations, prefix + "operations", maximum: Self.maximumFieldLength),
                content: clean(step.content, prefix + "content", maximum: Self.maximumFieldLength),
                check: clean(step.check, prefix + "check", maximum: Self.maximumFieldLength))
        }
        if forPublishing, let index = result.steps.firstIndex(where: { $0.operations.isEmpty && $0.content.isEmpty }) {
            problems["steps.\(index + 1).content"] = "a step needs content for the user or operations for the agent"
        }
        guard problems.isEmpty else { throw WalkthroughProblems(problems) }
        return result
    }
}
