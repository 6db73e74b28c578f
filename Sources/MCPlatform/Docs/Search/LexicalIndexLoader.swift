import Foundation

/// Builds a server's ``LexicalIndex`` from the database: one pass over its sources, pages and
/// chunks (in batches, so a large corpus is never all in rows at once), tokenizing each chunk
/// exactly as ingestion did (``DocsStore/savePage(_:fetched:contentHash:source:)``: page title,
/// heading path, prose and code of the stored text), so term frequencies and lengths are the
/// ones the database index holds.
struct LexicalIndexLoader {
    let database: any Database
    let serverID: Int64

    /// Chunks read per query.
    static let batchSize = 1000

    /// A term's postings while loading: per version, chunks with their weighted frequency.
    private typealias RawPostings = [String: (ordinals: [LexicalIndex.Ordinal], frequencies: [Double])]

    func load() async throws -> LexicalIndex {
        let versions = DocsStore.newestFirst(
            try await database.query("SELECT DISTINCT version FROM doc_sources WHERE server_id = \(serverID)").map {
                try $0.decode("version", as: String.self)
            })
        var pages: [LexicalIndex.Page] = []
        var pageOrdinals: [Int64: Int32] = [:]
        var titleTerms: [[String]] = []
        for row in try await database.query("SELECT id, url, title FROM doc_pages WHERE server_id = \(serverID) ORDER BY id") {
            let page = LexicalIndex.Page(id: try row.decode("id"), url: try row.decode("url"), title: try row.decode("title"))
            pageOrdinals[page.id] = Int32(pages.count)
            pages.append(page)
            titleTerms.append(SearchTokenizer.terms(page.title))
        }
        var chunks: [LexicalIndex.Chunk] = []
        var lengths: [Int] = []
        var raw: [String: RawPostings] = [:]
        for version in versions {
            var after: Int64 = 0
            while true {
                let rows = try await database.query(
                    """
                    SELECT id, page_id, anchor, heading_path, text FROM doc_chunks
                    WHERE server_id = \(serverID) AND version = \(version) AND id > \(after) ORDER BY id LIMIT \(Self.batchSize)
                    """
                )
                for row in rows {
                    let pageID: Int64 = try row.decode("page_id")
                    guard let page = pageOrdinals[pageID] else { continue }  // saved after the pages were read
                    let chunk = LexicalIndex.Chunk(
                        id: try row.decode("id"), pageID: pageID, page: page, anchor: try row.decode("anchor"),
                        headingPath: try row.decode("heading_path"), text: try row.decode("text"))
                    let (prose, code) = Chunker.separateCode(chunk.text)
                    let terms = ChunkTerms(
                        title: titleTerms[Int(page)], headings: SearchTokenizer.terms(chunk.headingPath),
                        body: SearchTokenizer.terms(prose), code: SearchTokenizer.terms(code))
                    let ordinal = LexicalIndex.Ordinal(chunks.count)
                    for (term, frequency) in terms.weightedFrequencies {
                        raw[term, default: [:]][version, default: ([], [])].ordinals.append(ordinal)
                        raw[term]![version]!.frequencies.append(frequency)
                    }
                    chunks.append(chunk)
                    lengths.append(terms.count)
                }
                guard let last = rows.last else { break }
                after = try last.decode("id")
                await Task.yield()  // tokenizing is CPU-bound: let requests run between batches
            }
        }
        return LexicalIndex(versions: versions, chunks: chunks, pages: pages, terms: Self.scored(raw, lengths: lengths))
    }

    /// IDF per term and the term-frequency part of each posting's score, from the statistics of
    /// all chunks (FTS5's `bm25()`, term for term).
    private static func scored(_ raw: [String: RawPostings], lengths: [Int]) -> [String: (
        idf: Double, postings: [String: LexicalIndex.Postings]
    )] {
        let count = Double(lengths.count)
        let averageLength = Double(lengths.reduce(0, +)) / count
        let (k1, b) = (LexicalIndex.k1, LexicalIndex.b)
        var terms: [String: (idf: Double, postings: [String: LexicalIndex.Postings])] = [:]
        terms.reserveCapacity(raw.count)
        for (term, versions) in raw {
            let hits = Double(versions.values.reduce(0) { $0 + $1.ordinals.count })
            let idf = log((count - hits + 0.5) / (hits + 0.5))
            var postings: [String: LexicalIndex.Postings] = [:]
            for (version, list) in versions {
                var scored = LexicalIndex.Postings(ordinals: list.ordinals, weights: [], maximum: 0)
                scored.weights.reserveCapacity(list.ordinals.count)
                for (ordinal, frequency) in zip(list.ordinals, list.frequencies) {
                    let length = Double(lengths[Int(ordinal)])
                    let weight = (frequency * (k1 + 1.0)) / (frequency + k1 * (1 - b + b * length / averageLength))
                    scored.weights.append(weight)
                    scored.maximum = max(scored.maximum, weight)
                }
                postings[version] = scored
            }
            terms[term] = (idf <= 0 ? 1e-6 : idf, postings)
        }
        return terms
    }
}
