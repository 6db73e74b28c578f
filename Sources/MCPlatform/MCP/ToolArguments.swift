import Foundation
import MCP

/// Typed access to a tool call's arguments, with errors the model can act on.
struct ToolArguments {
    let values: [String: Value]

    init(_ values: [String: Value]) {
        self.values = values
    }

    func string(_ name: String, maximumLength: Int) throws -> String {
        guard let value = try optionalString(name, maximumLength: maximumLength), !value.isEmpty else {
            throw ToolError("'\(name)' is required.")
        }
        return value
    }

    func optionalString(_ name: String, maximumLength: Int) throws -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let value)?:
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= maximumLength else { throw ToolError("'\(name)' is longer than \(maximumLength) characters.") }
            return trimmed
        default: throw ToolError("'\(name)' must be a string.")
        }
    }

    /// A required integer argument.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard values[name] != nil, values[name] != .null else { throw ToolError("'\(name)' is required.") }
        return try integer(name, default: range.lowerBound, in: range)
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        switch values[name] {
        case nil, .null?: return fallback
        case .int(let value)? where range.contains(value): return value
        case .double(let value)? where value.rounded() == value && range.contains(Int(value)): return Int(value)
        default: throw ToolError("'\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
    }

    func boolean(_ name: String, default fallback: Bool) throws -> Bool {
        switch values[name] {
        case nil, .null?: return fallback
        case .bool(let value)?: return value
        default: throw ToolError("'\(name)' must be true or false.")
        }
    }
}
