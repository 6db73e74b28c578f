extension Sequence {
    /// The elements that satisfy an async `predicate`, in order (checked one after the other).
    func asyncFilter(_ predicate: (Element) async throws -> Bool) async rethrows -> [Element] {
        var kept: [Element] = []
        for element in self where try await predicate(element) { kept.append(element) }
        return kept
    }
}
