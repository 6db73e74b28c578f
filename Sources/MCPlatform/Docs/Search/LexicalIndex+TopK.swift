extension LexicalIndex {
    /// The best `limit` chunks of `version` for `terms` (any of them), best first, ties by
    /// ascending chunk id: exactly the chunks and scores of ``SearchIndex/search(serverID:version:terms:limit:in:)``.
    ///
    /// MaxScore, document at a time: terms ordered by their largest possible contribution; once
    /// the top is full, the terms whose bounds together cannot beat its last score are
    /// "non-essential": chunks are only taken from the other terms' lists, and the
    /// non-essential lists are probed (skipping ahead) only while the chunk can still beat it.
    /// Bounds carry a 1e-9 relative margin, far above rounding, so no chunk that belongs in the
    /// top is skipped. Scores are added in the order SQLite adds them, so they are equal bit for bit.
    func search(terms: [String], version: String, limit: Int) -> [TopChunks.Entry] {
        let lists = postings(of: terms, version: version)
        guard !lists.isEmpty, limit > 0 else { return [] }
        // The lists' parts apart, so that the loop reads them without copying a list (and retaining its arrays).
        let ordinals = lists.map(\.postings.ordinals)
        let weights = lists.map(\.postings.weights)
        let idfs = lists.map(\.idf)
        // Lists by ascending bound; `bounds[i]`: the most lists order[0...i] can add together.
        let order = lists.indices.sorted { lists[$0].idf * lists[$0].postings.maximum < lists[$1].idf * lists[$1].postings.maximum }
        var bounds: [Double] = []
        for list in order { bounds.append((bounds.last ?? 0) + lists[list].idf * lists[list].postings.maximum) }
        let margin = 1 + 1e-9
        var positions = [Int](repeating: 0, count: lists.count)
        var contributions = [Double](repeating: 0, count: lists.count)
        var top = TopChunks(capacity: limit)
        var firstEssential = 0
        while true {
            var chunk = Ordinal.max
            var found = false
            for list in order[firstEssential...] where positions[list] < ordinals[list].count {
                chunk = min(chunk, ordinals[list][positions[list]])
                found = true
            }
            guard found else { break }
            var partial = 0.0
            for list in order[firstEssential...] {
                let position = positions[list]
                guard position < ordinals[list].count, ordinals[list][position] == chunk else { continue }
                contributions[list] = idfs[list] * weights[list][position]
                partial += contributions[list]
                positions[list] = position + 1
            }
            var skipped = false
            for rank in stride(from: firstEssential - 1, through: 0, by: -1) {
                if (partial + bounds[rank]) * margin <= top.threshold {
                    skipped = true
                    break
                }
                let list = order[rank]
                let position = Self.firstPosition(in: ordinals[list], from: positions[list], atLeast: chunk)
                positions[list] = position
                if position < ordinals[list].count, ordinals[list][position] == chunk {
                    contributions[list] = idfs[list] * weights[list][position]
                    partial += contributions[list]
                }
            }
            if !skipped {
                var score = 0.0
                for contribution in contributions { score += contribution }
                top.offer(chunk, score: score)
                while firstEssential < order.count, bounds[firstEssential] * margin <= top.threshold { firstEssential += 1 }
            }
            for list in contributions.indices { contributions[list] = 0 }
        }
        return top.sorted()
    }

    /// The first position at or after `start` in `ordinals` (ascending) holding `target` or more:
    /// galloping, then binary search.
    static func firstPosition(in ordinals: [Ordinal], from start: Int, atLeast target: Ordinal) -> Int {
        guard start < ordinals.count, ordinals[start] < target else { return start }
        var low = start
        var step = 1
        var high = start + 1
        while high < ordinals.count, ordinals[high] < target {
            low = high
            step *= 2
            high = start + step
        }
        high = min(high, ordinals.count)
        while low + 1 < high {
            let middle = (low + high) / 2
            if ordinals[middle] < target { low = middle } else { high = middle }
        }
        return high
    }
}
