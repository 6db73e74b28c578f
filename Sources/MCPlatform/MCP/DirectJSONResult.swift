import MCP
import NIOCore

/// A result object that writes itself with ``JSONWriter`` rather than through `JSONEncoder`: the
/// results of the methods on every client's hot path (`tools/list`, `tools/call`, `ping`). Its
/// `_meta` is kept apart so that ``ModernResult`` can extend it without encoding twice.
protocol DirectJSONResult: Sendable {
    /// Writes the object's members except `_meta`, leaving out those named in `except`.
    func writeMembers(to object: inout JSONWriter.Object, _ writer: inout JSONWriter, except: Set<String>) throws

    /// The result's own `_meta` fields, if any.
    var metaFields: [String: Value]? { get }
}

extension DirectJSONResult {
    /// The whole object, `_meta` included.
    func writeJSON(to writer: inout JSONWriter) throws {
        var object = writer.beginObject()
        try writeMembers(to: &object, &writer, except: [])
        if let meta = metaFields { object.member("_meta", &writer) { $0.write(.object(meta)) } }
        writer.endObject()
    }
}

extension Value: DirectJSONResult {
    /// An object's members; nothing for other values (which are written whole, see
    /// ``JSONRPCResponse/write(to:)``).
    func writeMembers(to object: inout JSONWriter.Object, _ writer: inout JSONWriter, except: Set<String>) {
        for (key, member) in objectValue ?? [:] where key != "_meta" && !except.contains(key) {
            object.member(key, &writer) { $0.write(member) }
        }
    }

    var metaFields: [String: Value]? { objectValue?["_meta"]?.objectValue }
}

extension CallTool.Result: DirectJSONResult {
    func writeMembers(to object: inout JSONWriter.Object, _ writer: inout JSONWriter, except: Set<String>) throws {
        try object.member("content", &writer) { writer in
            writer.buffer.writeInteger(UInt8(ascii: "["))
            for (index, item) in content.enumerated() {
                if index > 0 { writer.buffer.writeInteger(UInt8(ascii: ",")) }
                if case .text(let text, nil, nil) = item {
                    var fields = writer.beginObject()
                    fields.member("type", &writer) { $0.write("text") }
                    fields.member("text", &writer) { $0.write(text) }
                    writer.endObject()
                } else {
                    try writer.writeEncoded(item)
                }
            }
            writer.buffer.writeInteger(UInt8(ascii: "]"))
        }
        if let structuredContent, !except.contains("structuredContent") {
            object.member("structuredContent", &writer) { $0.write(structuredContent) }
        }
        if let isError, !except.contains("isError") { object.member("isError", &writer) { $0.write(.bool(isError)) } }
    }

    var metaFields: [String: Value]? { _meta?.fields }
}
