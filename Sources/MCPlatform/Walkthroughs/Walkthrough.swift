import Foundation

/// A step-by-step tutorial that an end user's coding agent leads them through. Its content lives
/// in numbered ``WalkthroughVersion``s: a published version never changes, edits go to a draft.
public struct Walkthrough: Sendable, Equatable {
    public let id: Int64
    public let serverID: Int64
    /// Unique within the server; what agents pass to the walkthrough tools.
    public let slug: String
    public let status: Status
    public let createdAt: Date
    public let updatedAt: Date

    /// Whether agents can see and start the walkthrough.
    public enum Status: String, Sendable, CaseIterable {
        /// Not visible to agents: never published, or unpublished.
        case draft
        /// Agents see its newest published version.
        case published
        /// Retired: hidden, and runs in progress end with a clear message.
        case archived
    }

    /// What the walkthrough is, which sets the agent's and the user's expectations.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case quickstart, installer, integration, troubleshooting, course

        /// What an unknown kind is told.
        static var problem: String { "must be one of \(allCases.map(\.rawValue).joined(separator: ", "))" }
    }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        serverID = try row.decode("server_id")
        slug = try row.decode("slug")
        status = try row.decode("status")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// One version of a walkthrough's content. Versions are numbered from 1; at most one, the
/// newest, is a draft.
public struct WalkthroughVersion: Sendable, Equatable {
    public let id: Int64
    public let walkthroughID: Int64
    public let number: Int
    public let content: WalkthroughContent
    public let createdAt: Date
    public let updatedAt: Date
    /// When the version was published; nil for the draft.
    public let publishedAt: Date?

    public var isDraft: Bool { publishedAt == nil }

    init(row: SQLRow) throws {
        id = try row.decode("id")
        walkthroughID = try row.decode("walkthrough_id")
        number = Int(try row.decode("number", as: Int64.self))
        let json: String = try row.decode("content")
        content = try JSONDecoder().decode(WalkthroughContent.self, from: Data(json.utf8))
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
        publishedAt = try row.decode("published_at")
    }
}

/// What authors write: the walkthrough's title, description and steps.
public struct WalkthroughContent: Sendable, Equatable, Codable {
    public var title: String
    public var description: String
    public var kind: Walkthrough.Kind
    /// How long the walkthrough takes, as the author estimates it.
    public var estimatedMinutes: Int?
    public var steps: [WalkthroughStep]

    public init(
        title: String, description: String = "", kind: Walkthrough.Kind = .quickstart, estimatedMinutes: Int? = nil,
        steps: [WalkthroughStep] = []
    ) {
        self.title = title
        self.description = description
        self.kind = kind
        self.estimatedMinutes = estimatedMinutes
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case title, description, kind = "type", estimatedMinutes = "estimated_minutes", steps
    }

    /// Reads a file's content: only the title is required (no description, type `quickstart`,
    /// no steps otherwise).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        let kindName = try container.decodeIfPresent(String.self, forKey: .kind) ?? Walkthrough.Kind.quickstart.rawValue
        guard let kind = Walkthrough.Kind(rawValue: kindName) else {
            throw WalkthroughProblems(["type": Walkthrough.Kind.problem])
        }
        self.kind = kind
        estimatedMinutes = try container.decodeWholeNumberIfPresent(forKey: .estimatedMinutes)
        steps = try container.decodeIfPresent([WalkthroughStep].self, forKey: .steps) ?? []
    }
}

extension KeyedDecodingContainer {
    /// A whole number, if present. JSONDecoder reports a fraction (or a number too large) as
    /// invalid JSON without a path (its internal error becomes that at the top): here it is a
    /// type mismatch at `key`.
    func decodeWholeNumberIfPresent(forKey key: Key) throws -> Int? {
        do {
            return try decodeIfPresent(Int.self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: codingPath + [key], debugDescription: "not a whole number"))
        }
    }
}

/// One step: instructions for the agent, Markdown for the user, and how to check it worked.
/// Empty fields are simply left out when the step is shown to the agent.
public struct WalkthroughStep: Sendable, Equatable, Codable {
    public var title: String
    /// How the agent introduces the step to the user.
    public var introduction: String
    /// Background the agent needs (what the user has by now, why the step matters).
    public var context: String
    /// What the agent does: commands to run, files to edit.
    public var operations: String
    /// Markdown the agent shows the user.
    public var content: String
    /// How the agent verifies that the step worked.
    public var check: String

    public init(
        title: String, introduction: String = "", context: String = "", operations: String = "", content: String = "", check: String = ""
    ) {
        self.title = title
        self.introduction = introduction
        self.context = context
        self.operations = operations
        self.content = content
        self.check = check
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String { try container.decodeIfPresent(String.self, forKey: key) ?? "" }
        title = try text(.title)
        introduction = try text(.introduction)
        context = try text(.context)
        operations = try text(.operations)
        content = try text(.content)
        check = try text(.check)
    }
}
