import Foundation

/// One server's BM25 index in memory, with what a search shows of each chunk: the index
/// ``DocsSearch`` ranks with (``SearchIndex``, in the database, is what it is built to equal).
///
/// Built by ``LexicalIndexLoader`` from the server's chunks, tokenized as ingestion tokenizes
/// them, and scored with exactly the formula of FTS5's `bm25()` (the SQL both backends run):
/// over all of the server's chunks (every version) N, average length, and per term
/// IDF = ln((N − df + 0.5) / (df + 0.5)) (at least 1e-6); per chunk of the searched version
/// Σ IDF × f × (k1 + 1) / (f + k1 × (1 − b + b × length / avgdl)), k1 = 1.2, b = 0.75,
/// f the field-weighted frequency, length the tokens of all fields, the terms added in the
/// order SQLite adds them (sorted) so scores are equal to the last bit. The top chunks come
/// from MaxScore (``search(terms:version:limit:)``): lists of common terms are only probed
/// for chunks that can still enter the top, so latency follows the rare terms, not the corpus.
///
/// Immutable once built; searches share it without locks.
final class LexicalIndex: Sendable {
    /// A chunk's place in the index: its ordinal in ``chunks``, ascending by chunk id.
    typealias Ordinal = UInt32

    /// What a search shows of a chunk.
    struct Chunk: Sendable {
        let id: Int64
        let pageID: Int64
        /// Index into ``pages``.
        let page: Int32
        let anchor: String?
        let headingPath: String
        let text: String
    }

    /// The page of chunks.
    struct Page: Sendable {
        let id: Int64
        let url: String
        let title: String
    }

    /// The chunks of one version holding one term, ascending, each with its term-frequency part
    /// of the score (f × (k1 + 1) / (f + k1 × (…))): the score is IDF × that.
    struct Postings: Sendable {
        var ordinals: [Ordinal] = []
        var weights: [Double] = []
        /// The largest of ``weights``.
        var maximum = 0.0
    }

    static let k1 = 1.2
    static let b = 0.75

    /// Version labels, newest first (as ``DocsStore/versions(serverID:)``).
    let versions: [String]
    let chunks: [Chunk]
    let pages: [Page]
    /// Every indexed term, sorted by UTF-8 bytes (as SQLite orders them).
    let vocabulary: [String]
    /// Per term: its IDF, and per version its postings.
    private let terms: [String: (idf: Double, postings: [String: Postings])]
    private let ordinals: [Int64: Ordinal]
    /// Approximate memory taken, for the cache's budget.
    let bytes: Int

    init(versions: [String], chunks: [Chunk], pages: [Page], terms: [String: (idf: Double, postings: [String: Postings])]) {
        self.versions = versions
        self.chunks = chunks
        self.pages = pages
        self.terms = terms
        self.vocabulary = terms.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var ordinals: [Int64: Ordinal] = [:]
        ordinals.reserveCapacity(chunks.count)
        for (ordinal, chunk) in chunks.enumerated() { ordinals[chunk.id] = Ordinal(ordinal) }
        self.ordinals = ordinals
        var bytes = 256 + chunks.count * (MemoryLayout<Chunk>.stride + 40) + pages.count * (MemoryLayout<Page>.stride + 32)
        for chunk in chunks { bytes += chunk.text.utf8.count + chunk.headingPath.utf8.count + (chunk.anchor?.utf8.count ?? 0) }
        for page in pages { bytes += page.url.utf8.count + page.title.utf8.count }
        for (term, entry) in terms {
            bytes += 2 * (term.utf8.count + 48) + 64
            for (_, postings) in entry.postings { bytes += 96 + postings.ordinals.count * 12 }
        }
        self.bytes = bytes
    }

    /// The chunk with database id `id`, if indexed.
    func chunk(id: Int64) -> Chunk? {
        ordinals[id].map { chunks[Int($0)] }
    }

    /// The indexed terms starting with `prefix`, at most `limit`, in order (for `prefix*` queries).
    func terms(startingWith prefix: String, limit: Int) -> [String] {
        var low = 0
        var high = vocabulary.count
        while low < high {
            let middle = (low + high) / 2
            if vocabulary[middle].utf8.lexicographicallyPrecedes(prefix.utf8) { low = middle + 1 } else { high = middle }
        }
        return Array(vocabulary[low...].prefix { $0.utf8.starts(with: prefix.utf8) }.prefix(limit))
    }

    /// The postings and IDF of each of `terms` in `version` that has any, in the order the score adds them.
    func postings(of terms: [String], version: String) -> [(idf: Double, postings: Postings)] {
        Array(Set(terms)).sorted().compactMap { term in
            guard let entry = self.terms[term], let postings = entry.postings[version] else { return nil }
            return (entry.idf, postings)
        }
    }
}
