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

    /// Decodes text column `column` as a value of `T` (a status, a kind), throwing on an
    /// unknown value.
    public func decode<T: RawRepresentable<String>>(_ column: String, as type: T.Type = T.self) throws(DatabaseError) -> T {
        let raw: String = try decode(column)
        guard let value = T(rawValue: raw) else { throw .backend("unknown \(column) '\(raw)'") }
        return value
    }
}
