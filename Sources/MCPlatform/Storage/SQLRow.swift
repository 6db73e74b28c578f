/// One result row, with its columns addressable by name.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of `column`.
    public subscript(column: String) -> SQLValue? {
        columns.firstIndex(of: column).map { values[$0] }
    }

    /// Decodes `column` as `T`, throwing when it is missing or of another type.
    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws(DatabaseError) -> T {
        guard let value = self[column] else { throw .missingColumn(column) }
        return try T(sqlValue: value)
    }
}
