import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import MCPlatform

/// Semantic ranking: vector coding, cosine ranking, rank fusion, ingestion of vectors, the
/// vector cache, and the fallback to BM25 when the embedding endpoint is down.
@Suite struct SemanticSearchTests {
    @Test func vectorsRoundTripAsLittleEndianFloat32() throws {
        let vector: [Float] = [1, -0.5, 0.25, .leastNonzeroMagnitude, 3.4e38]
        let bytes = VectorCoding.encode(vector)
        #expect(bytes.count == 20)
        #expect(Array(bytes[0..<4]) == [0x00, 0x00, 0x80, 0x3F])  // 1.0f, least significant byte first
        #expect(VectorCoding.decode(bytes) == vector)
        #expect(VectorCoding.decode([1, 2, 3]) == nil)
        let normalized = VectorCoding.normalized([3, 4])
        #expect(normalized == [0.6, 0.8])
        #expect(VectorCoding.normalized([0, 0]) == [0, 0])
    }

    @Test func nearestRanksByCosineSimilarity() {
        var index = VectorIndex(dimension: 2)
        for (id, vector) in [(1, [1, 0]), (2, [0, 1]), (3, [0.6, 0.8]), (4, [-1, 0]), (5, [0.8, 0.6])] as [(Int64, [Float])] {
            let added = index.add(chunkID: id, vector: vector)
            #expect(added)
        }
        let refused = !index.add(chunkID: 6, vector: [1, 0, 0])
        #expect(refused, "a vector of another dimension is refused")
        let nearest = index.nearest(to: [1, 0], limit: 3)
        #expect(nearest.map(\.chunkID) == [1, 5, 3])
        #expect(abs(nearest[1].score - 0.8) < 1e-6)
        #expect(index.nearest(to: [0, 1], limit: 10).map(\.chunkID) == [2, 3, 5, 1, 4])
        #expect(index.nearest(to: [1, 0, 0], limit: 3).isEmpty)
    }

    @Test func reciprocalRankFusionSumsOneOverSixtyPlusRank() {
        let fused = RankFusion.fuse([[10, 20, 30], [30, 40, 10]] as [[Int64]])
        let scores = Dictionary(uniqueKeysWithValues: fused.map { ($0.id, $0.score) })
        let expected: [Int64: Double] = [10: 1.0 / 61 + 1.0 / 63, 30: 1.0 / 63 + 1.0 / 61, 20: 1.0 / 62, 40: 1.0 / 62]
        #expect(Set(scores.keys) == Set(expected.keys))
        for (id, score) in expected {
            let difference = abs(scores[id, default: 0] - score)
            #expect(difference < 1e-12, "item \(id)")
        }
        // Equal scores rank by id.
        #expect(fused.map(\.id) == [10, 30, 20, 40])
        #expect(RankFusion.fuse([[3, 1, 2]] as [[Int64]]).map(\.id) == [3, 1, 2])
    }

    @Test func aPageRanksByItsBestSectionInTheSemanticRanking() {
        // Page 1 has the nearest chunk; page 2 has the next three. Without support, page 1 leads.
        func chunk(_ id: Int64, page: Int64) -> LexicalIndex.Chunk {
            LexicalIndex.Chunk(id: id, pageID: page, page: Int32(page - 1), anchor: nil, headingPath: "", text: "")
        }
        let chunks = [chunk(1, page: 1), chunk(2, page: 2), chunk(3, page: 2), chunk(4, page: 2)]
        let matches: [TopChunks.Entry] = [(0, 0.9), (1, 0.85), (2, 0.84), (3, 0.83)]
        #expect(DocsSearch.rankPages(matches, chunks: chunks, supportWeight: 0).map(\.pageID) == [1, 2])
        #expect(DocsSearch.rankPages(matches, chunks: chunks, supportWeight: 0.3).map(\.pageID) == [2, 1])
    }

    static let accountPage = """
        # Deleting a user account

        Call `DELETE /users/{id}` to delete the user and everything they own.
        """

    @Test(arguments: Backend.available)
    func ingestionEmbedsChunksOnceAndSearchFindsSynonyms(backend: Backend) async throws {
        let embedder = FakeEmbedder()
        try await embedder.serve { configuration in
            var files = DocsIngestionTests.corpus
            files["accounts.md"] = Self.accountPage
            try await DocsIngestionTests.withDocs(backend, files: files) { platform, server, folder in
                let first = try await Self.ingest(folder, into: server, platform: platform, embeddings: configuration)
                let chunks: Int = try await platform.database.one("SELECT count(*) AS n FROM doc_chunks").decode("n")
                #expect(first.chunksEmbedded == chunks && chunks > 0)
                #expect(first.embeddingError == nil)
                let stored = try await platform.database.query("SELECT vector, model FROM doc_embeddings")
                #expect(stored.count == chunks)
                #expect(try stored.allSatisfy { try $0.decode("model", as: String.self) == "fake-model" })
                let vector = try #require(VectorCoding.decode(try stored[0].decode("vector")))
                #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5, "stored vectors are normalized")
                #expect(await embedder.roles == ["passage"], "passages are marked as such (input_type field)")

                // No lexical overlap with the page: BM25 alone finds nothing, the fusion finds it.
                let query = "erase a customer"
                #expect(try await DocsIngestionTests.topURLs(query, server: server, platform: platform).isEmpty)
                let semantic = SemanticSearch(
                    client: EmbeddingClient(configuration: configuration), cache: platform.vectors, logger: .quiet)
                let search = DocsSearch(database: platform.database, semantic: semantic, indexes: SearchIndexCache())
                let found = try await search.search(serverID: server.id, query: query, version: nil, limit: 3, offset: 0).results
                #expect(found.first?.url == "accounts.md#deleting-a-user-account", "\(found)")
                #expect(await embedder.roles.last == "query")

                // Unchanged pages are not embedded again.
                let requests = await embedder.texts
                let second = try await Self.ingest(folder, into: server, platform: platform, embeddings: configuration)
                #expect(second.chunksEmbedded == 0 && second.pagesUnchanged > 0)
                #expect(await embedder.texts == requests)

                // A changed page is re-embedded, alone, and every cached copy sees it.
                try folder.write("accounts.md", "# Billing\n\nInvoices are sent every month.")
                let third = try await Self.ingest(folder, into: server, platform: platform, embeddings: configuration)
                #expect(third.chunksEmbedded == 1)
                let current = try await platform.database.query("SELECT chunk_id FROM doc_embeddings").map {
                    try $0.decode("chunk_id", as: Int64.self)
                }
                let cached = try await platform.vectors.vectors(
                    serverID: server.id, version: "latest", model: "fake-model", store: EmbeddingStore(database: platform.database))
                #expect(Set(cached.chunkIDs) == Set(current))
                let after = try await search.search(serverID: server.id, query: query, version: nil, limit: 3, offset: 0).results
                #expect(!after.contains { $0.title == "Deleting a user account" })
            }
        }
    }

    @Test(arguments: Backend.available)
    func searchFallsBackToBM25WhenTheEndpointIsUnreachable(backend: Backend) async throws {
        try await DocsIngestionTests.withDocs(backend) { platform, server, folder in
            _ = try await DocsIngestionTests.ingest(folder, into: server, platform: platform)
            let source = try #require(try await DocsStore(database: platform.database).sources(serverID: server.id).first)
            // Vectors exist for the version, so the search does try to embed the query.
            let store = EmbeddingStore(database: platform.database)
            let pending = try await store.chunksWithoutVectors(serverID: server.id, sourceID: source.id, pageID: nil, model: "default")
            try await store.save(pending.map { _ in [1, 0] }, of: pending, serverID: server.id, model: "default")

            let unreachable = EmbeddingClient(configuration: .init(baseURL: URL(string: "http://127.0.0.1:1")!))
            let semantic = SemanticSearch(client: unreachable, cache: platform.vectors, logger: .quiet)
            let fallback = try await DocsSearch(database: platform.database, semantic: semantic, indexes: SearchIndexCache()).search(
                serverID: server.id, query: "retries timeout", version: nil, limit: 5, offset: 0)
            let keywords = try await DocsSearch(database: platform.database, indexes: SearchIndexCache()).search(
                serverID: server.id, query: "retries timeout", version: nil, limit: 5, offset: 0)
            #expect(!fallback.results.isEmpty)
            #expect(fallback.results == keywords.results)

            // Ingestion with the endpoint down indexes every page and reports why it embedded nothing.
            try folder.write("new.md", "# New page\n\nFresh content.")
            let job = try await Self.ingest(folder, into: server, platform: platform, embeddings: unreachable.configuration)
            #expect(job.status == .succeeded && job.pagesIndexed == 1 && job.pagesFailed == 0)
            #expect(job.chunksEmbedded == 0)
            #expect(job.embeddingError?.contains("unreachable") == true)
        }
    }

    @Test func embeddingSettingsAreReadFromFlagsAndEnvironment() throws {
        let configuration = try AppConfiguration(
            flags: [.embeddingsURL: "http://127.0.0.1:8000", .embeddingsInputType: "field"],
            environment: ["MCPLATFORM_EMBEDDINGS_MODEL": "e5", "MCPLATFORM_EMBEDDINGS_API_KEY": "secret"]
        )
        let embeddings = try #require(configuration.embeddings)
        #expect(embeddings.baseURL.absoluteString == "http://127.0.0.1:8000")
        #expect(embeddings.model == "e5" && embeddings.apiKey == "secret" && embeddings.inputType == .field)
        #expect(try AppConfiguration(flags: [:], environment: [:]).embeddings == nil)
        #expect(throws: ConfigurationError.self) { try AppConfiguration(flags: [.embeddingsURL: "ftp://x"], environment: [:]) }
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration(flags: [.embeddingsURL: "http://x", .embeddingsInputType: "both"], environment: [:])
        }
    }

    static func ingest(
        _ folder: DocsIngestionTests.Folder, into server: TenantServer, platform: Platform, embeddings: EmbeddingClient.Configuration
    ) async throws -> IngestJob {
        let source = try await DocsStore(database: platform.database).source(
            serverID: server.id, kind: .folder, location: folder.url.path, version: "latest")
        let job = try await IngestJobStore(database: platform.database).create(source: source, running: true)
        return try await IngestRunner(
            database: platform.database, embeddings: embeddings, cacheDirectory: DocsIngestionTests.cacheDirectory, logger: .quiet
        ).run(job)
    }
}

/// An OpenAI-compatible embeddings endpoint whose vectors know a few synonyms: words of one
/// concept share a dimension, every other word hashes to one of the rest. It records requests.
actor FakeEmbedder {
    static let concepts: [Set<String>] = [
        ["remove", "delete", "deleting", "erase"], ["customer", "user", "users", "account"],
    ]
    static let dimension = 32

    private(set) var texts: [String] = []
    private(set) var roles: [String] = []

    static func vector(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) {
            if let concept = concepts.firstIndex(where: { $0.contains(String(word)) }) {
                vector[concept] += 3
            } else {
                vector[concepts.count + word.unicodeScalars.reduce(0) { $0 + Int($1.value) } % (dimension - concepts.count)] += 1
            }
        }
        return vector
    }

    private func record(_ request: Request) {
        texts += request.input
        if roles.last != request.input_type { roles.append(request.input_type ?? "none") }
    }

    struct Request: Decodable {
        let input: [String]
        let model: String?
        let input_type: String?
    }

    struct Response: ResponseEncodable {
        struct Item: Encodable {
            let index: Int
            let embedding: [Float]
        }
        let data: [Item]
    }

    /// Runs the endpoint on a loopback port while `body` runs with its configuration.
    func serve(_ body: @escaping @Sendable (EmbeddingClient.Configuration) async throws -> Void) async throws {
        let router = Router()
        router.post("/v1/embeddings") { request, context in
            let decoded = try await request.decode(as: Request.self, context: context)
            await self.record(decoded)
            return Response(data: decoded.input.enumerated().map { .init(index: $0.offset, embedding: Self.vector($0.element)) })
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .quiet)
            .test(.live) { client in
                var configuration = EmbeddingClient.Configuration(baseURL: URL(string: "http://127.0.0.1:\(client.port!)")!)
                configuration.model = "fake-model"
                configuration.inputType = .field
                try await body(configuration)
            }
    }
}
