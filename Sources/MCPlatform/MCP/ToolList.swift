import MCP
import NIOCore

/// The result of `tools/list`: the tools' definitions as JSON encoded once at start-up
/// (``ToolRegistry``), spliced into each answer.
struct ToolList: Encodable, DirectJSONResult {
    let tools: [RegisteredTool]
    let nextCursor: String?

    func writeMembers(to object: inout JSONWriter.Object, _ writer: inout JSONWriter, except: Set<String>) {
        object.member("tools", &writer) { writer in
            writer.buffer.writeInteger(UInt8(ascii: "["))
            for (index, tool) in tools.enumerated() {
                if index > 0 { writer.buffer.writeInteger(UInt8(ascii: ",")) }
                writer.writeRaw(tool.json)
            }
            writer.buffer.writeInteger(UInt8(ascii: "]"))
        }
        if let nextCursor { object.member("nextCursor", &writer) { $0.write(nextCursor) } }
    }

    var metaFields: [String: Value]? { nil }

    /// The same object through `Encodable` (SSE events, tests).
    func encode(to encoder: any Encoder) throws {
        try ListTools.Result(tools: tools.map(\.tool.definition), nextCursor: nextCursor).encode(to: encoder)
    }
}

/// A tool with its definition encoded as JSON, once.
public struct RegisteredTool: Sendable {
    public let tool: any MCPTool
    let json: ByteBuffer

    init(_ tool: any MCPTool) {
        self.tool = tool
        var writer = JSONWriter()
        // A definition that cannot be encoded is a programming error, caught by every test.
        try! writer.writeEncoded(tool.definition)
        json = writer.buffer
    }
}
