import Foundation
import Testing

@testable import MCPlatform

/// The in-memory search index: the same chunks and scores as the database's index, prefix
/// expansion, and the cache's freshness, single build and memory budget.
@Suite struct LexicalIndexTests {
    typealias Folder = DocsIngestionTests.Folder

    /// Pages of words drawn with a skew (a few words in most chunks, many rare ones), several
    /// sections each, some code: enough chunks that a common term matches far more than the
    /// top 100. Deterministic.
    static func corpus(pages: Int, seed: UInt64) -> [String: String] {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func word() -> String {
            let rank = min(next(40), next(40)) * 10 + next(10)  // low ranks far more often
            return "w\(rank)" + (rank % 7 == 0 ? "ing" : rank % 5 == 0 ? "s" : "")
        }
        var files: [String: String] = [:]
        for page in 0..<pages {
            var text = "# Page \(word()) \(page)\n\n"
            for section in 0..<(2 + next(6)) {
                text += "## \(word()) \(word()) \(section)\n\n"
                text += (0..<(5 + next(120))).map { _ in word() }.joined(separator: " ") + "\n\n"
                if next(3) == 0 { text += "```python\n\(word())(\(word()), \(word())_\(word()))\n```\n\n" }
            }
            files["p\(page).md"] = text
        }
        return files
    }

    static func queries(count: Int) -> [[String]] {
        (0..<count).map { query in
            let terms = (0..<(1 + query % 6)).map { term in "w\((query * 37 + term * 101) % (query % 3 == 0 ? 30 : 400))" }
            return SearchTokenizer.terms(terms.joined(separator: " "))
        }
    }

    /// The top chunks and their scores equal those of `SearchIndex.search` (the SQL of each
    /// backend), for every limit: bit for bit on SQLite (FTS5's own arithmetic, in its order);
    /// on PostgreSQL to 1e-9 (its sum() adds in any order), with the same chunks above the cut.
    @Test(arguments: Backend.available)
    func rankingEqualsTheDatabaseIndex(backend: Backend) async throws {
        try await DocsIngestionTests.withDocs(backend, files: Self.corpus(pages: 80, seed: 1)) { platform, server, folder in
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform, version: "1.0")
            let other = try Folder(Self.corpus(pages: 30, seed: 2))
            defer { try? FileManager.default.removeItem(at: other.url) }
            _ = try await DocsIngestionTests.ingest(other, into: server, platform: platform, version: "2.0")
            let index = try await LexicalIndexLoader(database: platform.database, serverID: server.id).load()
            #expect(index.chunks.count > 300)
            #expect(index.versions == ["2.0", "1.0"])
            var compared = 0
            for terms in Self.queries(count: 40) {
                for version in ["1.0", "2.0"] {
                    for limit in [1, 7, 100] {
                        let expected = try await SearchIndex.search(
                            serverID: server.id, version: version, terms: terms, limit: limit, in: platform.database)
                        let found = index.search(terms: terms, version: version, limit: limit).map {
                            SearchIndex.Match(chunkID: index.chunks[Int($0.ordinal)].id, score: $0.score)
                        }
                        compared += expected.count
                        switch backend {
                        case .sqlite:
                            #expect(found == expected, "\(terms) \(version) limit \(limit)")
                        case .postgres:
                            #expect(found.count == expected.count, "\(terms) \(version) limit \(limit)")
                            for (mine, theirs) in zip(found, expected) {
                                #expect(abs(mine.score - theirs.score) <= 1e-9 * theirs.score, "\(terms) \(version)")
                            }
                            let cut = (expected.last?.score ?? 0) * (1 + 1e-9)
                            #expect(
                                Set(found.filter { $0.score > cut }.map(\.chunkID))
                                    == Set(expected.filter { $0.score > cut }.map(\.chunkID)))
                        }
                    }
                }
            }
            #expect(compared > 2000)
            for prefix in ["w1", "w2", "w33", "page", "zzz"] {
                #expect(
                    index.terms(startingWith: prefix, limit: 50)
                        == (try await SearchIndex.expand(prefixes: [prefix], serverID: server.id, in: platform.database)))
            }
        }
    }

    /// On hand-made postings, ranking equals scoring every chunk of the version one by one (its
    /// terms' scores added in sorted-term order), bit for bit and ties by ordinal: three versions,
    /// one without chunks, terms only some versions hold, rare terms (few postings: totals in a
    /// dictionary) and common ones (totals over the whole version).
    @Test func rankingEqualsScoringEveryChunk() {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        func term() -> String { next(2) == 0 ? "t\(next(8))" : "t\(100 + next(800))" }
        let versions = ["3.0", "2.0", "1.0"]
        var compared = 0
        for _ in 0..<100 {
            var chunks: [LexicalIndex.Chunk] = []
            var versionChunks: [Range<LexicalIndex.Ordinal>] = []
            var scores: [[String: Double]] = []  // per chunk, each of its terms' score
            for version in versions.indices {
                let first = LexicalIndex.Ordinal(chunks.count)
                for _ in 0..<(version == 1 ? 0 : 40 + next(300)) {
                    scores.append(Dictionary((0..<(1 + next(6))).map { _ in (term(), Double(1 + next(50)) / 7) }) { $1 })
                    chunks.append(
                        LexicalIndex.Chunk(id: Int64(3 * chunks.count + 1), pageID: 1, page: 0, anchor: nil, headingPath: "", text: ""))
                }
                versionChunks.append(first..<LexicalIndex.Ordinal(chunks.count))
            }
            var postings = LexicalIndex.PostingLists()
            for term in Set(scores.flatMap(\.keys)) {
                postings.add(
                    term: term,
                    versions: versionChunks.enumerated().compactMap { version, range in
                        let holding = range.filter { scores[Int($0)][term] != nil }
                        return holding.isEmpty ? nil : (version, holding, holding.map { scores[Int($0)][term]! })
                    })
            }
            let index = LexicalIndex(versions: versions, versionChunks: versionChunks, chunks: chunks, pages: [], postings: postings)
            for _ in 0..<20 {
                let terms = (0..<(1 + next(4))).map { _ in term() }
                let (version, limit) = (next(3), 1 + next(40))
                let expected = versionChunks[version].compactMap { ordinal -> TopChunks.Entry? in
                    let held = Set(terms).sorted().compactMap { scores[Int(ordinal)][$0] }
                    return held.isEmpty ? nil : (ordinal, held.reduce(0, +))
                }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.ordinal < $1.ordinal }.prefix(limit)
                let found = index.search(terms: terms, version: versions[version], limit: limit)
                #expect(found.map(\.ordinal) == expected.map(\.ordinal), "\(terms) in \(versions[version])")
                #expect(found.map(\.score.bitPattern) == expected.map(\.score.bitPattern))
                compared += expected.count
            }
        }
        #expect(compared > 10_000)
    }

    /// Search results come from the cache's index; another instance's ingestion is seen within
    /// the recheck interval plus one rebuild.
    @Test(arguments: Backend.available)
    func anotherInstancesChangesAreSeen(backend: Backend) async throws {
        let first = try Folder(["a.md": "# Alpha\n\nThe quokka lives on Rottnest."])
        let second = try Folder(["b.md": "# Beta\n\nA quokka quokka smiles."])
        defer {
            try? FileManager.default.removeItem(at: first.url)
            try? FileManager.default.removeItem(at: second.url)
        }
        try await backend.withTwoPools(poolSize: 2) { one, two in
            let platform = Platform.test(database: one)
            let organization = try await platform.tenancy.createOrganization(slug: Slug("acme"), name: "Acme")
            let server = try await platform.tenancy.createServer(slug: Slug("acme-docs"), name: "Acme Docs", organization: organization)
            _ = try await DocsIngestionTests.ingest(first, into: server, platform: platform)
            let cache = SearchIndexCache(recheckInterval: .milliseconds(200))
            let search = DocsSearch(database: one, indexes: cache)
            func urls() async throws -> [String] {
                try await search.search(serverID: server.id, query: "quokka", version: nil, limit: 5, offset: 0).results.map(\.url)
            }
            #expect(try await urls() == ["a.md#alpha"])
            _ = try await DocsIngestionTests.ingest(second, into: server, platform: Platform.test(database: two))
            let deadline = ContinuousClock.now + .seconds(20)
            var seen = try await urls()
            while seen.count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                seen = try await urls()
            }
            #expect(Set(seen) == ["a.md#alpha", "b.md#beta"])
            // Unchanged docs are not rebuilt.
            try await Task.sleep(for: .milliseconds(300))
            let builds = await cache.builds
            _ = try await urls()
            try await Task.sleep(for: .milliseconds(100))
            #expect(await cache.builds == builds)
        }
    }

    /// The first search after this instance ingested new docs finds them: it waits for the
    /// rebuild its change started (a small corpus's takes milliseconds).
    @Test(arguments: Backend.available)
    func aSearchRightAfterAnIngestionFindsIt(backend: Backend) async throws {
        let second = try Folder(["b.md": "# Beta\n\nA quokka quokka smiles."])
        defer { try? FileManager.default.removeItem(at: second.url) }
        try await DocsIngestionTests.withDocs(backend) { platform, server, folder in
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform)
            let search = DocsSearch(
                database: platform.database, indexes: SearchIndexCache(recheckInterval: .seconds(3600), rebuildWait: .seconds(60)))
            #expect(try await search.search(serverID: server.id, query: "quokka", version: nil, limit: 5, offset: 0).results.isEmpty)
            _ = try await DocsIngestionTests.ingest(second, into: server, platform: platform)
            let found = try await search.search(serverID: server.id, query: "quokka", version: nil, limit: 5, offset: 0).results
            #expect(found.map(\.url) == ["b.md#beta"])
        }
    }

    /// SQLite gives a deleted server's id to the next server created: an index cached under that
    /// id is not the new server's (a new server has a stamp of its own).
    @Test(arguments: Backend.available)
    func aServerThatReusesAnIdDoesNotSeeTheOldIndex(backend: Backend) async throws {
        try await DocsIngestionTests.withDocs(backend) { platform, server, folder in
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform)
            let search = DocsSearch(
                database: platform.database, indexes: SearchIndexCache(recheckInterval: .seconds(3600), rebuildWait: .seconds(60)))
            #expect(try await !search.search(serverID: server.id, query: "timeout", version: nil, limit: 5, offset: 0).results.isEmpty)
            #expect(try await platform.tenancy.deleteServer(slug: server.slug))
            let organization = try #require(try await platform.tenancy.organization(slug: "acme"))
            let next = try await platform.tenancy.createServer(slug: Slug("next"), name: "Next", organization: organization)
            if backend == .sqlite { #expect(next.id == server.id, "SQLite reuses the id") }
            #expect(try await search.search(serverID: next.id, query: "timeout", version: nil, limit: 5, offset: 0).results.isEmpty)
        }
    }

    /// Concurrent first searches share one build; beyond the memory budget the least recently
    /// used index is dropped and rebuilt when searched again.
    @Test func oneBuildForConcurrentSearchesAndABudget() async throws {
        try await DocsIngestionTests.withDocs(.sqlite) { platform, server, folder in
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform)
            let organization = try #require(try await platform.tenancy.organization(slug: "acme"))
            let other = try await platform.tenancy.createServer(slug: Slug("other"), name: "Other", organization: organization)
            _ = try await DocsIngestionTests.ingest(folder, into: other, platform: platform)
            let cache = SearchIndexCache(maximumBytes: 1)
            let search = DocsSearch(database: platform.database, indexes: cache)
            let results = try await withThrowingTaskGroup(of: [SearchResult].self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        try await search.search(serverID: server.id, query: "timeout", version: nil, limit: 5, offset: 0).results
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(await cache.builds == 1)
            #expect(Set(results.map { $0.map(\.url) }).count == 1 && !results[0].isEmpty)
            let size = await cache.usage
            #expect(size.indexes == 1 && size.bytes > 0)

            _ = try await search.search(serverID: other.id, query: "timeout", version: nil, limit: 5, offset: 0)
            #expect(await cache.usage.indexes == 1)
            _ = try await search.search(serverID: server.id, query: "timeout", version: nil, limit: 5, offset: 0)
            #expect(await cache.builds == 3)
        }
    }
}
