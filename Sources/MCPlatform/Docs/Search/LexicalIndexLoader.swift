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

    /// A term's chunks in one version while loading, with the term's weighted frequency in each.
    private struct RawList {
        let version: Int
        var ordinals: [LexicalIndex.Ordinal] = []
        var frequencies: [Double] = []
    }

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
        var raw: [String: [RawList]] = [:]
        var versionChunks: [Range<LexicalIndex.Ordinal>] = []
        for (versionNumber, version) in versions.enumerated() {
            let first = LexicalIndex.Ordinal(chunks.count)
            defer { versionChunks.append(first..<LexicalIndex.Ordinal(chunks.count)) }
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
                        Self.append(ordinal, frequency, version: versionNumber, to: &raw[term, default: []])
                    }
                    chunks.append(chunk)
                    lengths.append(terms.count)
                }
                guard let last = rows.last else { break }
                after = try last.decode("id")
                await Task.yield()  // tokenizing is CPU-bound: let requests run between batches
            }
        }
        return LexicalIndex(
            versions: versions, versionChunks: versionChunks, chunks: chunks, pages: pages, postings: Self.scored(raw, lengths: lengths))
    }

    /// Adds a posting to a term's lists (versions are loaded one after the other).
    private static func append(_ ordinal: LexicalIndex.Ordinal, _ frequency: Double, version: Int, to lists: inout [RawList]) {
        if lists.last?.version != version { lists.append(RawList(version: version)) }
        lists[lists.count - 1].ordinals.append(ordinal)
        lists[lists.count - 1].frequencies.append(frequency)
    }

    /// Each posting's score from the statistics of all chunks (FTS5's `bm25()`, term for term):
    /// IDF × (f × (k1 + 1) / (f + k1 × (1 − b + b × length / average length))), grouped as
    /// written: another grouping rounds differently and scores would no longer equal the SQL's.
    private static func scored(_ raw: [String: [RawList]], lengths: [Int]) -> LexicalIndex.PostingLists {
        let count = Double(lengths.count)
        let averageLength = Double(lengths.reduce(0, +)) / count
        let (k1, b) = (LexicalIndex.k1, LexicalIndex.b)
        var postings = LexicalIndex.PostingLists()
        postings.reserve(
            terms: raw.count, lists: raw.values.reduce(0) { $0 + $1.count },
            postings: raw.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.ordinals.count } })
        for (term, lists) in raw {
            let hits = Double(lists.reduce(0) { $0 + $1.ordinals.count })
            let logarithm = log((count - hits + 0.5) / (hits + 0.5))
            let idf = logarithm <= 0 ? 1e-6 : logarithm
            postings.add(
                term: term,
                versions: lists.map { list in
                    let scores = zip(list.ordinals, list.frequencies).map { ordinal, frequency in
                        let length = Double(lengths[Int(ordinal)])
                        return idf * ((frequency * (k1 + 1.0)) / (frequency + k1 * (1 - b + b * length / averageLength)))
                    }
                    return (list.version, list.ordinals, scores)
                })
        }
        return postings
    }
}
