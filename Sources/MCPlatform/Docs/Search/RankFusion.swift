/// Reciprocal rank fusion (Cormack et al., 2009): an item scores Σ 1 / (k + rank) over the
/// rankings it appears in (rank from 1), so agreement between rankings counts, and the raw
/// scores, which are not comparable across BM25 and cosine similarity, do not.
enum RankFusion {
    static let k = 60.0

    /// The fused ranking, best first; ties by id.
    static func fuse<ID: Hashable & Comparable>(_ rankings: [[ID]]) -> [(id: ID, score: Double)] {
        var scores: [ID: Double] = [:]
        for ranking in rankings {
            for (index, id) in ranking.enumerated() { scores[id, default: 0] += 1 / (k + Double(index + 1)) }
        }
        return scores.map { (id: $0.key, score: $0.value) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
    }
}
