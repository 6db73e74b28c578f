/// Errors raised by the storage layer, independent of the backend.
public enum DatabaseError: Error, Sendable, CustomStringConvertible {
    /// A `UNIQUE` or primary-key constraint rejected the write.
    case uniqueViolation(String)
    /// A foreign-key or check constraint rejected the write.
    case constraintViolation(String)
    /// The database could not be reached or refused the connection.
    case unavailable(String)
    /// A column held a value of another type than the one asked for.
    case typeMismatch(expected: String, found: SQLValue)
    /// A column that the query was expected to return is missing.
    case missingColumn(String)
    /// The database URL could not be understood.
    case invalidURL(String)
    /// Any other failure reported by the backend.
    case backend(String)

    public var description: String {
        switch self {
        case .uniqueViolation(let detail): "unique constraint violated: \(detail)"
        case .constraintViolation(let detail): "constraint violated: \(detail)"
        case .unavailable(let detail): "database unavailable: \(detail)"
        case .typeMismatch(let expected, let found): "expected \(expected), found \(found)"
        case .missingColumn(let name): "missing column '\(name)'"
        case .invalidURL(let detail): "invalid database URL: \(detail)"
        case .backend(let detail): detail
        }
    }
}
