/// A property a ``FuzzTarget`` broke, with what was seen.
public struct FuzzViolation: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// Throws `description` unless `condition` holds.
    static func require(_ condition: Bool, _ description: @autoclosure () -> String) throws(FuzzViolation) {
        if !condition { throw FuzzViolation(description()) }
    }
}
