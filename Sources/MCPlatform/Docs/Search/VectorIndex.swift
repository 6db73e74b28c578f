/// The vectors of one server's docs version in one contiguous array, searched exhaustively by
/// cosine similarity (a few milliseconds for ten thousand 384-dimension chunks).
struct VectorIndex: Sendable {
    let dimension: Int
    private(set) var chunkIDs: [Int64] = []
    /// `chunkIDs.count × dimension` components, row by row.
    private var components: [Float] = []

    init(dimension: Int) {
        self.dimension = dimension
    }

    var count: Int { chunkIDs.count }
    /// Memory taken by the vectors, for the cache's budget.
    var bytes: Int { components.count * MemoryLayout<Float>.size + chunkIDs.count * MemoryLayout<Int64>.size }

    /// Adds a normalized vector; one of another dimension is ignored (and reported false).
    @discardableResult
    mutating func add(chunkID: Int64, vector: [Float]) -> Bool {
        guard vector.count == dimension else { return false }
        chunkIDs.append(chunkID)
        components += vector
        return true
    }

    /// The `limit` chunks most similar to `query` (normalized), most similar first; ties by chunk id.
    func nearest(to query: [Float], limit: Int) -> [SearchIndex.Match] {
        guard query.count == dimension, limit > 0 else { return [] }
        var scored: [SearchIndex.Match] = []
        scored.reserveCapacity(count)
        components.withUnsafeBufferPointer { components in
            query.withUnsafeBufferPointer { query in
                for row in 0..<count {
                    var similarity: Float = 0
                    let base = row * dimension
                    for column in 0..<dimension { similarity += components[base + column] * query[column] }
                    scored.append(SearchIndex.Match(chunkID: chunkIDs[row], score: Double(similarity)))
                }
            }
        }
        return Array(scored.sorted { $0.score != $1.score ? $0.score > $1.score : $0.chunkID < $1.chunkID }.prefix(limit))
    }
}
