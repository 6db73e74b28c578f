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
        guard limit > 0, let versionNumber = versions.firstIndex(of: version) else { return [] }
        let lists = postings.lists(of: terms, version: Int32(versionNumber))
        guard !lists.isEmpty else { return [] }
        return postings.ordinals.withUnsafeBufferPointer { ordinals in
            postings.scores.withUnsafeBufferPointer { scores in
                Self.maxScore(lists, ordinals: ordinals, scores: scores, limit: limit)
            }
        }
    }

    /// MaxScore over `lists` (in the order their scores add up), whose ranges index `ordinals` and `scores`.
    private static func maxScore(
        _ lists: [PostingLists.List], ordinals: UnsafeBufferPointer<Ordinal>, scores: UnsafeBufferPointer<Double>, limit: Int
    ) -> [TopChunks.Entry] {
        // Slots: the lists by ascending bound (slot s is list order[s]); `bounds[s]`: the most slots 0...s add together.
        let order = lists.indices.sorted { lists[$0].maximum < lists[$1].maximum }
        var bounds: [Double] = []
        for list in order { bounds.append((bounds.last ?? 0) + lists[list].maximum) }
        var positions = order.map { Int(lists[$0].range.lowerBound) }
        let ends = order.map { Int(lists[$0].range.upperBound) }
        let margin = 1 + 1e-9
        // Per list, its score in the current chunk (0 if absent), added in list order at the end.
        var contributions = [Double](repeating: 0, count: lists.count)
        var top = TopChunks(capacity: limit)
        var firstEssential = 0
        while true {
            var chunk = Ordinal.max
            var found = false
            for slot in firstEssential..<order.count where positions[slot] < ends[slot] {
                chunk = min(chunk, ordinals[positions[slot]])
                found = true
            }
            guard found else { break }
            var partial = 0.0
            for slot in firstEssential..<order.count {
                let position = positions[slot]
                guard position < ends[slot], ordinals[position] == chunk else { continue }
                contributions[order[slot]] = scores[position]
                partial += scores[position]
                positions[slot] = position + 1
            }
            var skipped = false
            for slot in stride(from: firstEssential - 1, through: 0, by: -1) {
                if (partial + bounds[slot]) * margin <= top.threshold {
                    skipped = true
                    break
                }
                let position = firstPosition(in: ordinals, from: positions[slot], to: ends[slot], atLeast: chunk)
                positions[slot] = position
                if position < ends[slot], ordinals[position] == chunk {
                    contributions[order[slot]] = scores[position]
                    partial += scores[position]
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

    /// The first position in `start..<end` of `ordinals` (ascending there) holding `target` or
    /// more, else `end`: galloping, then binary search.
    private static func firstPosition(in ordinals: UnsafeBufferPointer<Ordinal>, from start: Int, to end: Int, atLeast target: Ordinal)
        -> Int
    {
        guard start < end, ordinals[start] < target else { return start }
        var low = start
        var step = 1
        var high = start + 1
        while high < end, ordinals[high] < target {
            low = high
            step *= 2
            high = start + step
        }
        high = min(high, end)
        while low + 1 < high {
            let middle = (low + high) / 2
            if ordinals[middle] < target { low = middle } else { high = middle }
        }
        return high
    }
}
