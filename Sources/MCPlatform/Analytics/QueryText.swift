/// Normalizes search queries so that wordings of one question count together ("How do I
/// configure webhooks?" and "configure webhooks" are one content gap).
enum QueryText {
    /// Lowercased words (letters and digits), stop words dropped, each word once, sorted; the
    /// lowercased text itself when nothing else is left. At most 200 characters.
    static func key(_ query: String) -> String {
        let words = query.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        let kept = Set(words.filter { !stopWords.contains($0) })
        let key = kept.isEmpty ? words.joined(separator: " ") : kept.sorted().joined(separator: " ")
        return String(key.prefix(200))
    }

    /// Words that don't change what is asked.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "in", "is", "it", "me", "my",
        "of", "on", "or", "the", "to", "what", "when", "where", "which", "why", "with", "you", "your",
    ]
}
