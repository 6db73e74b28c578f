import Foundation

/// Storage of walkthroughs and their versions. Every query is scoped by server, so another
/// tenant's walkthrough is simply not found.
public struct WalkthroughStore: Sendable {
    let database: any Database

    /// Most walkthroughs one server may have.
    public static let maximumPerServer = 200

    /// Slugs that would collide with the dashboard's paths.
    static let reservedSlugs: Set<String> = ["new", "import"]

    public init(database: any Database) {
        self.database = database
    }

    /// Writes to walkthroughs on this instance that may change ``hasLive(serverID:)`` or
    /// ``hasPublished(serverID:)``, for the caches of those (``Platform/walkthroughPresence``).
    static let changes = ChangeCounter()

    /// A walkthrough with its newest version (the draft, when there is one) and its newest
    /// published version.
    public struct Entry: Sendable, Equatable {
        public let walkthrough: Walkthrough
        public let latest: WalkthroughVersion
        public let published: WalkthroughVersion?

        /// The version being edited, if any.
        public var draft: WalkthroughVersion? { latest.isDraft ? latest : nil }
        /// What agents get: the published version, while the walkthrough is published.
        public var live: WalkthroughVersion? { walkthrough.status == .published ? published : nil }
    }

    // MARK: Reading

    /// The server's walkthroughs, by slug.
    public func list(serverID: Int64) async throws -> [Entry] {
        try await entries(where: "w.server_id = \(serverID)")
    }

    /// The published walkthroughs agents can see, by slug.
    public func live(serverID: Int64) async throws -> [Entry] {
        try await entries(where: "w.server_id = \(serverID) AND w.status = 'published'").filter { $0.published != nil }
    }

    /// The walkthrough `slug` of the server, if it exists.
    public func entry(slug: String, serverID: Int64) async throws -> Entry? {
        guard slug.utf8.count <= 63 else { return nil }
        return try await entries(where: "w.server_id = \(serverID) AND w.slug = \(slug)").first
    }

    /// A server's ``hasLive(serverID:)`` or ``hasPublished(serverID:)``, as cached for MCP
    /// requests (``Platform/walkthroughPresence``).
    enum Presence: Hashable, Sendable {
        case live(serverID: Int64)
        case published(serverID: Int64)
    }

    /// `presence` as of at most a second ago (``ExpiringCache``).
    func has(_ presence: Presence, cache: ExpiringCache<Presence, Bool>) async throws -> Bool {
        try await cache.value(for: presence) {
            switch presence {
            case .live(let serverID): try await hasLive(serverID: serverID)
            case .published(let serverID): try await hasPublished(serverID: serverID)
            }
        }
    }

    /// Whether agents of the server see any walkthrough (the walkthrough tools are listed then).
    public func hasLive(serverID: Int64) async throws -> Bool {
        try await database.first(
            """
            SELECT 1 AS present FROM walkthroughs w
            WHERE w.server_id = \(serverID) AND w.status = 'published'
              AND EXISTS (SELECT 1 FROM walkthrough_versions v WHERE v.walkthrough_id = w.id AND v.published_at IS NOT NULL)
            LIMIT 1
            """) != nil
    }

    /// Whether the server ever published a walkthrough (its agents may hold runs of it).
    public func hasPublished(serverID: Int64) async throws -> Bool {
        try await database.first(
            """
            SELECT 1 AS present FROM walkthroughs w
            WHERE w.server_id = \(serverID)
              AND EXISTS (SELECT 1 FROM walkthrough_versions v WHERE v.walkthrough_id = w.id AND v.published_at IS NOT NULL)
            LIMIT 1
            """) != nil
    }

    /// Every version of a walkthrough, newest first.
    public func versions(of walkthrough: Walkthrough) async throws -> [WalkthroughVersion] {
        try await database.query(
            "SELECT * FROM walkthrough_versions WHERE walkthrough_id = \(walkthrough.id) ORDER BY number DESC"
        ).map(WalkthroughVersion.init)
    }

    /// Version `number` of a walkthrough, if there is one.
    public func version(number: Int, of walkthrough: Walkthrough) async throws -> WalkthroughVersion? {
        try await database.first(
            "SELECT * FROM walkthrough_versions WHERE walkthrough_id = \(walkthrough.id) AND number = \(Int64(number))"
        ).map(WalkthroughVersion.init)
    }

    /// The version `id` of the server's walkthroughs (a run's version).
    public func version(id: Int64, serverID: Int64) async throws -> WalkthroughVersion? {
        try await database.first(
            """
            SELECT v.* FROM walkthrough_versions v JOIN walkthroughs w ON w.id = v.walkthrough_id
            WHERE v.id = \(id) AND w.server_id = \(serverID)
            """
        ).map(WalkthroughVersion.init)
    }

    private func entries(where condition: SQLStatement) async throws -> [Entry] {
        let walkthroughs = try await database.query(
            "SELECT w.* FROM walkthroughs w WHERE \(condition) ORDER BY w.slug"
        ).map(Walkthrough.init)
        guard !walkthroughs.isEmpty else { return [] }
        // Each walkthrough's draft and newest published version: at most two rows each.
        let versions = try await database.query(
            """
            SELECT v.* FROM walkthrough_versions v JOIN walkthroughs w ON w.id = v.walkthrough_id
            WHERE \(condition) AND (v.published_at IS NULL OR v.number = (
                SELECT MAX(p.number) FROM walkthrough_versions p WHERE p.walkthrough_id = v.walkthrough_id AND p.published_at IS NOT NULL))
            """
        ).map(WalkthroughVersion.init)
        let byWalkthrough = Dictionary(grouping: versions, by: \.walkthroughID)
        return walkthroughs.compactMap { walkthrough in
            let versions = byWalkthrough[walkthrough.id] ?? []
            guard let latest = versions.max(by: { $0.number < $1.number }) else { return nil }
            return Entry(walkthrough: walkthrough, latest: latest, published: versions.filter { !$0.isDraft }.max { $0.number < $1.number })
        }
    }

    // MARK: Writing

    /// Creates a draft walkthrough. Problems: an invalid or taken slug, invalid content, or the
    /// server already has ``maximumPerServer``.
    public func create(slug: String, content: WalkthroughContent, serverID: Int64, now: Date = Date()) async throws -> Entry {
        // Every problem at once: the slug's and the content's.
        var problems: [String: String] = [:]
        var validated: WalkthroughContent?
        do {
            validated = try content.validated()
        } catch {
            problems = error.fields
        }
        do {
            _ = try Slug(slug, reserved: Self.reservedSlugs)
        } catch {
            problems["slug"] = error.description
        }
        guard problems.isEmpty, let content = validated else { throw WalkthroughProblems(problems) }
        let count = try await database.one("SELECT COUNT(*) AS n FROM walkthroughs WHERE server_id = \(serverID)").decode(
            "n", as: Int64.self)
        guard count < Self.maximumPerServer else {
            throw WalkthroughProblems(["slug": "this server already has \(Self.maximumPerServer) walkthroughs; delete some first"])
        }
        do {
            return try await database.transaction { db in
                let walkthrough = try Walkthrough(
                    row: try await db.one(
                        """
                        INSERT INTO walkthroughs (server_id, slug, status, created_at, updated_at)
                        VALUES (\(serverID), \(slug), 'draft', \(now), \(now)) RETURNING *
                        """))
                let version = try await Self.insertVersion(number: 1, content: content, walkthroughID: walkthrough.id, now: now, on: db)
                return Entry(walkthrough: walkthrough, latest: version, published: nil)
            }
        } catch DatabaseError.uniqueViolation {
            throw WalkthroughProblems(["slug": "this server already has a walkthrough '\(slug)'"])
        }
    }

    /// Replaces the draft's content; when the walkthrough has no draft, makes one (the next
    /// version number), leaving published versions as they are.
    @discardableResult
    public func saveDraft(_ content: WalkthroughContent, of walkthrough: Walkthrough, now: Date = Date()) async throws -> WalkthroughVersion
    {
        let content = try content.validated()
        let save = {
            try await database.transaction { db in
                if let row = try await db.first(
                    """
                    UPDATE walkthrough_versions SET content = \(content.jsonColumn), updated_at = \(now)
                    WHERE walkthrough_id = \(walkthrough.id) AND published_at IS NULL RETURNING *
                    """)
                {
                    return try WalkthroughVersion(row: row)
                }
                let next = try await db.one(
                    "SELECT COALESCE(MAX(number), 0) + 1 AS next FROM walkthrough_versions WHERE walkthrough_id = \(walkthrough.id)"
                ).decode("next", as: Int64.self)
                return try await Self.insertVersion(number: Int(next), content: content, walkthroughID: walkthrough.id, now: now, on: db)
            }
        }
        let version: WalkthroughVersion
        do {
            version = try await save()
        } catch DatabaseError.uniqueViolation {
            // A concurrent save made the draft first: this one replaces its content.
            version = try await save()
        }
        try await touch(walkthrough, now: now)
        return version
    }

    /// Deletes the draft of a walkthrough that has a published version (back to what is live).
    /// Returns false when there is no such draft.
    public func discardDraft(of walkthrough: Walkthrough) async throws -> Bool {
        try await !database.query(
            """
            DELETE FROM walkthrough_versions WHERE walkthrough_id = \(walkthrough.id) AND published_at IS NULL
              AND EXISTS (SELECT 1 FROM walkthrough_versions p WHERE p.walkthrough_id = \(walkthrough.id) AND p.published_at IS NOT NULL)
            RETURNING id
            """
        ).isEmpty
    }

    /// Publishes the draft, if there is one (it becomes immutable), and shows the walkthrough to
    /// agents. Throws the problems that keep the draft from being published.
    @discardableResult
    public func publish(_ entry: Entry, now: Date = Date()) async throws -> Entry {
        if let draft = entry.draft {
            _ = try draft.content.validated(forPublishing: true)
            // Only the content just validated is published: a draft saved since is validated anew.
            let published = try await database.query(
                """
                UPDATE walkthrough_versions SET published_at = \(now)
                WHERE id = \(draft.id) AND published_at IS NULL AND updated_at = \(draft.updatedAt) RETURNING id
                """)
            Self.changes.bump()
            if published.isEmpty, let current = try await self.entry(slug: entry.walkthrough.slug, serverID: entry.walkthrough.serverID),
                let newer = current.draft, newer != draft
            {
                return try await publish(current, now: now)
            }
        }
        try await setStatus(.published, of: entry.walkthrough, now: now)
        return try await self.entry(slug: entry.walkthrough.slug, serverID: entry.walkthrough.serverID) ?? entry
    }

    /// Unpublishes (`draft`), archives, or (`published`) shows again a walkthrough with a published version.
    public func setStatus(_ status: Walkthrough.Status, of walkthrough: Walkthrough, now: Date = Date()) async throws {
        try await database.query(
            """
            UPDATE walkthroughs SET status = \(status.rawValue), updated_at = \(now)
            WHERE id = \(walkthrough.id) AND server_id = \(walkthrough.serverID)
            """)
        Self.changes.bump()
    }

    /// Takes a walkthrough out of the archive (or back from unpublished): shown to agents again
    /// when it has a published version, otherwise a draft.
    public func restore(_ entry: Entry, now: Date = Date()) async throws {
        try await setStatus(entry.published == nil ? .draft : .published, of: entry.walkthrough, now: now)
    }

    /// Deletes a walkthrough with its versions, runs and their history.
    public func delete(_ walkthrough: Walkthrough) async throws {
        try await database.query("DELETE FROM walkthroughs WHERE id = \(walkthrough.id) AND server_id = \(walkthrough.serverID)")
        Self.changes.bump()
    }

    /// Copies the newest version into a new draft walkthrough, `<slug>-copy` (or `-copy-2`…).
    public func duplicate(_ entry: Entry, now: Date = Date()) async throws -> Entry {
        let taken = Set(try await list(serverID: entry.walkthrough.serverID).map(\.walkthrough.slug))
        let base = String(entry.walkthrough.slug.prefix(50)) + "-copy"
        let slug = ([base] + (2...Self.maximumPerServer + 1).map { "\(base)-\($0)" }).first { !taken.contains($0) } ?? base
        var content = entry.latest.content
        content.title = String(("Copy of " + content.title).prefix(WalkthroughContent.maximumTitleLength))
        return try await create(slug: slug, content: content, serverID: entry.walkthrough.serverID, now: now)
    }

    /// Imports a walkthrough file: a new draft walkthrough, or the new draft of the existing
    /// walkthrough with its slug. Returns the entry and whether it was created.
    public func importDocument(_ document: WalkthroughDocument, serverID: Int64, now: Date = Date()) async throws -> (Entry, created: Bool)
    {
        if let existing = try await entry(slug: document.slug, serverID: serverID) {
            try await saveDraft(document.content, of: existing.walkthrough, now: now)
            return (try await entry(slug: document.slug, serverID: serverID) ?? existing, false)
        }
        return (try await create(slug: document.slug, content: document.content, serverID: serverID, now: now), true)
    }

    private func touch(_ walkthrough: Walkthrough, now: Date) async throws {
        try await database.query("UPDATE walkthroughs SET updated_at = \(now) WHERE id = \(walkthrough.id)")
    }

    private static func insertVersion(
        number: Int, content: WalkthroughContent, walkthroughID: Int64, now: Date, on db: any SQLExecutor
    ) async throws -> WalkthroughVersion {
        try WalkthroughVersion(
            row: try await db.one(
                """
                INSERT INTO walkthrough_versions (walkthrough_id, number, content, created_at, updated_at)
                VALUES (\(walkthroughID), \(Int64(number)), \(content.jsonColumn), \(now), \(now)) RETURNING *
                """))
    }
}
