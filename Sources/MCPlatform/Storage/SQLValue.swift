import Foundation

/// A value bound to, or read from, a SQL statement, in the types both backends share.
///
/// The schema keeps to these four storage classes (plus `NULL`) so that every query is written
/// once and runs unchanged on SQLite and PostgreSQL. Booleans are stored as `0`/`1` integers and
/// timestamps as Unix milliseconds.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift type that can be bound as a statement parameter.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

/// A Swift type that can be read from a result column.
public protocol SQLDecodable {
    init(sqlValue: SQLValue) throws(DatabaseError)
}

extension Int64: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .integer(self) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        switch sqlValue {
        case .integer(let value): self = value
        case .double(let value) where value.rounded() == value: self = Int64(value)
        default: throw .typeMismatch(expected: "integer", found: sqlValue)
        }
    }
}

extension Int: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        self = Int(try Int64(sqlValue: sqlValue))
    }
}

extension Double: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .double(self) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        switch sqlValue {
        case .double(let value): self = value
        case .integer(let value): self = Double(value)
        default: throw .typeMismatch(expected: "double", found: sqlValue)
        }
    }
}

extension Bool: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        self = try Int64(sqlValue: sqlValue) != 0
    }
}

extension String: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .text(self) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        guard case .text(let value) = sqlValue else { throw .typeMismatch(expected: "text", found: sqlValue) }
        self = value
    }
}

extension [UInt8]: SQLBindable, SQLDecodable {
    public var sqlValue: SQLValue { .blob(self) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        guard case .blob(let value) = sqlValue else { throw .typeMismatch(expected: "blob", found: sqlValue) }
        self = value
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        if case .null = sqlValue { self = nil } else { self = try Wrapped(sqlValue: sqlValue) }
    }
}

extension SQLValue: SQLBindable {
    public var sqlValue: SQLValue { self }
}

extension Date: SQLBindable, SQLDecodable {
    /// Stored as Unix milliseconds.
    public var sqlValue: SQLValue { .integer(Int64((timeIntervalSince1970 * 1000).rounded())) }
    public init(sqlValue: SQLValue) throws(DatabaseError) {
        self = Date(timeIntervalSince1970: Double(try Int64(sqlValue: sqlValue)) / 1000)
    }
}

extension Encodable {
    /// The value as a JSON object for a `TEXT` settings column, keys sorted (`{}` if it cannot
    /// be encoded).
    var jsonColumn: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
