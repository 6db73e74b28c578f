/// A ranked chunk, as far as grouping chunks into pages needs it (``DocsSearch/rankPages(_:chunks:supportWeight:holdingPhrases:)``).
protocol PageChunk {
    /// The id of the chunk's page.
    var pageID: Int64 { get throws }
}
