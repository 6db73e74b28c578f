import Foundation

/// One server's BM25 index in memory, with what a search shows of each chunk: the index
/// ``DocsSearch`` ranks with (``SearchIndex``, in the database, is what it is built to equal).
///
/// Built by ``LexicalIndexLoader`` from the server's chunks, tokenized as ingestion tokenizes
/// them, and scored with exactly the formula of FTS5's `bm25()` (the SQL both backends run):
/// over all of the server's chunks (every version) N, average length, and per term
/// IDF = ln((N − df + 0.5) / (df + 0.5)) (at least 1e-6); per chunk of the searched version
/// Σ IDF × (f × (k1 + 1) / (f + k1 × (1 − b + b × length / avgdl))), k1 = 1.2, b = 0.75,
/// f the field-weighted frequency, length the tokens of all fields, the terms added in the
/// order SQLite adds them (sorted) so scores are equal to the last bit.
///
/// Immutable once built; searches share it without locks.
final class LexicalIndex: Sendable {
    /// A chunk's place in the index: its ordinal in ``chunks``, ascending by chunk id within a version.
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

    static let k1 = 1.2
    static let b = 0.75

    /// Version labels, newest first (as ``DocsStore/versions(serverID:)``).
    let versions: [String]
    /// Per version, its chunks: those of a version are consecutive in ``chunks``.
    let versionChunks: [Range<Ordinal>]
    let chunks: [Chunk]
    let pages: [Page]
    /// Every indexed term, sorted by UTF-8 bytes (as SQLite orders them).
    let vocabulary: [String]
    let postings: PostingLists
    private let ordinals: [Int64: Ordinal]
    /// Approximate memory taken, for the cache's budget.
    let bytes: Int

    init(versions: [String], versionChunks: [Range<Ordinal>], chunks: [Chunk], pages: [Page], postings: PostingLists) {
        self.versions = versions
        self.versionChunks = versionChunks
        self.chunks = chunks
        self.pages = pages
        self.postings = postings
        self.vocabulary = postings.terms.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var ordinals: [Int64: Ordinal] = [:]
        ordinals.reserveCapacity(chunks.count)
        for (ordinal, chunk) in chunks.enumerated() { ordinals[chunk.id] = Ordinal(ordinal) }
        self.ordinals = ordinals
        var bytes = 256 + chunks.count * (MemoryLayout<Chunk>.stride + 40) + pages.count * (MemoryLayout<Page>.stride + 32)
        for chunk in chunks { bytes += chunk.text.utf8.count + chunk.headingPath.utf8.count + (chunk.anchor?.utf8.count ?? 0) }
        for page in pages { bytes += page.url.utf8.count + page.title.utf8.count }
        self.bytes = bytes + postings.bytes + vocabulary.count * 16
    }

    /// The ordinal of the chunk with database id `id`, if indexed in `version`.
    func ordinal(of id: Int64, version: String) -> Ordinal? {
        guard let ordinal = ordinals[id], let number = versions.firstIndex(of: version), versionChunks[number].contains(ordinal) else {
            return nil
        }
        return ordinal
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

    /// The best `limit` chunks of `version` for `terms` (any of them), best first, ties by
    /// ascending chunk id: exactly the chunks and scores of ``SearchIndex/search(serverID:version:terms:limit:in:)``.
    ///
    /// Term at a time: each term's list adds its scores into a total per chunk, the terms in the
    /// order SQLite adds them (sorted), so totals are equal bit for bit; the chunks are then
    /// offered to the top in ascending order. Totals are an array over the version's chunks
    /// (sequential, direct), or a dictionary when the postings are fewer than an eighth of the
    /// chunks (a rare term in a large version reads its postings, not the whole version). This
    /// beat MaxScore's skipping (document at a time, with per-candidate probes) by 14% of a
    /// search's CPU on the Django docs and 11% on 20 times them, for the long questions agents
    /// ask (bench/README.md).
    func search(terms: [String], version: String, limit: Int) -> [TopChunks.Entry] {
        guard limit > 0, let versionNumber = versions.firstIndex(of: version) else { return [] }
        let lists = postings.lists(of: terms, version: versionNumber)
        guard !lists.isEmpty else { return [] }
        let chunks = versionChunks[versionNumber]
        let postingCount = lists.reduce(0) { $0 + $1.range.count }
        var top = TopChunks(capacity: limit)
        if postingCount < chunks.count / 8 {
            var totals: [Ordinal: Double] = [:]
            totals.reserveCapacity(postingCount)
            postings.forEachPosting(in: lists) { ordinal, score in totals[ordinal, default: 0] += score }
            for (ordinal, total) in totals.sorted(by: { $0.key < $1.key }) { top.offer(ordinal, score: total) }
        } else {
            var totals = [Double](repeating: 0, count: chunks.count)
            let first = Int(chunks.lowerBound)
            totals.withUnsafeMutableBufferPointer { totals in
                postings.forEachPosting(in: lists) { ordinal, score in totals[Int(ordinal) - first] += score }
            }
            for (offset, total) in totals.enumerated() where total > 0 && total > top.threshold {
                top.offer(chunks.lowerBound + Ordinal(offset), score: total)
            }
        }
        return top.sorted()
    }
}

extension LexicalIndex {
    /// Every term's postings in three flat arrays, a term's lists being ranges of them: no array
    /// per term, so a search reads them without reference counting and a small index stays small.
    struct PostingLists: Sendable {
        /// The chunks of one version holding one term: ``ordinals`` and ``scores`` in `range`,
        /// ascending by ordinal.
        struct List: Sendable {
            /// Index into ``LexicalIndex/versions``.
            let version: Int
            let range: Range<Int>
        }

        /// Per term, its lists (one per version holding it): a range of ``lists``.
        private(set) var terms: [String: Range<Int>] = [:]
        private(set) var lists: [List] = []
        private(set) var ordinals: [Ordinal] = []
        /// Per posting, the term's score in the chunk: IDF × (f × (k1 + 1) / (f + k1 × (…))),
        /// grouped so (as the SQL computes it, and bit-equal only so).
        private(set) var scores: [Double] = []

        /// Adds `term`'s postings, one list per version, each ascending by ordinal.
        mutating func add(term: String, versions: [(version: Int, ordinals: [Ordinal], scores: [Double])]) {
            let first = lists.count
            for list in versions {
                let start = ordinals.count
                ordinals += list.ordinals
                scores += list.scores
                lists.append(List(version: list.version, range: start..<ordinals.count))
            }
            terms[term] = first..<lists.count
        }

        /// The lists of each of `terms` in `version` that has one, in the order the score adds them (sorted).
        func lists(of terms: [String], version: Int) -> [List] {
            Array(Set(terms)).sorted().compactMap { term in
                self.terms[term].flatMap { range in lists[range].first { $0.version == version } }
            }
        }

        /// Calls `body` with every posting of `lists`, list after list.
        func forEachPosting(in lists: [List], _ body: (Ordinal, Double) -> Void) {
            ordinals.withUnsafeBufferPointer { ordinals in
                scores.withUnsafeBufferPointer { scores in
                    for list in lists {
                        for position in list.range { body(ordinals[position], scores[position]) }
                    }
                }
            }
        }

        /// Approximate memory taken.
        var bytes: Int {
            var bytes = lists.count * MemoryLayout<List>.stride + ordinals.count * 12 + terms.count * 40
            for term in terms.keys where term.utf8.count > 15 { bytes += term.utf8.count + 32 }
            return bytes
        }

        /// Sizes the arrays for `postings` postings over `lists` lists of `terms` terms.
        mutating func reserve(terms: Int, lists: Int, postings: Int) {
            self.terms.reserveCapacity(terms)
            self.lists.reserveCapacity(lists)
            ordinals.reserveCapacity(postings)
            scores.reserveCapacity(postings)
        }
    }
}
