import Foundation
import MCP
import NIOCore
import Testing

@testable import MCPlatform

/// The direct JSON writer of MCP answers: the same JSON as `JSONEncoder` (compared as parsed
/// values), for every kind of value and for the results written directly.
@Suite struct JSONWriterTests {
    static let sample: Value = .object([
        "s": .string("a\"\\/\u{0}\u{1f}\u{8}\u{c}\n\r\t\u{7f}é😀</script>"), "i": .int(-12), "d": .double(2.5), "whole": .double(3),
        "big": .double(1e20), "t": .bool(true), "f": .bool(false), "n": .null, "a": .array([.int(1), .array([]), .object([:])]),
        "o": .object(["nested": .object(["k": .string("v")])]), "data": .data(mimeType: "image/png", Data([1, 2, 3])),
    ])

    /// Both texts, parsed: `JSONEncoder`'s and the writer's.
    static func parsed(direct: (inout JSONWriter) throws -> Void, encoded: some Encodable) throws -> (NSDictionary, NSDictionary) {
        var writer = JSONWriter()
        try direct(&writer)
        let written = try #require(try JSONSerialization.jsonObject(with: Data(writer.buffer.readableBytesView)) as? NSDictionary)
        let reference = try #require(try JSONSerialization.jsonObject(with: JSONWriter.encoder.encode(encoded)) as? NSDictionary)
        return (written, reference)
    }

    @Test func writesValuesAsJSONEncoderDoes() throws {
        let (written, reference) = try Self.parsed(direct: { $0.write(Self.sample) }, encoded: Self.sample)
        #expect(written == reference)
        var writer = JSONWriter()
        writer.write(.string("a/b\u{1}\"\\"))
        #expect(String(buffer: writer.buffer) == #""a/b\u0001\"\\""#, "slashes unescaped, control characters as \\u00XX")
        writer = JSONWriter()
        writer.write(.array([.double(.nan), .double(.infinity), .double(-0.5), .double(42)]))
        #expect(String(buffer: writer.buffer) == "[null,null,-0.5,42]")
    }

    @Test func writesRepliesAsJSONEncoderDoes() throws {
        let call = CallTool.Result(
            content: [
                .text(text: "hello \"world\"\n", annotations: nil, _meta: nil),
                .image(data: "aGk=", mimeType: "image/png", annotations: nil, _meta: nil),
                .text(text: "with meta", annotations: nil, _meta: Metadata(additionalFields: ["k": .int(1)])),
            ],
            structuredContent: .some(Self.sample), isError: false, _meta: Metadata(additionalFields: ["trace": .string("t")]))
        let tools = ToolList(tools: ([SearchDocsTool(), AboutTool()] as [any MCPTool]).map(RegisteredTool.init), nextCursor: "abc")
        let info = Server.Info(name: "guide", version: "1", title: "Guide", description: "d", icons: [Icon(src: "https://x/i.png")])
        let results: [any Encodable & Sendable] = [
            call, tools, Value.object([:]), ModernResult(result: call, serverInfo: info, cache: nil),
            ModernResult(result: tools, serverInfo: info, cache: .init(ttlMilliseconds: 60_000, scope: "public")),
            ModernResult(result: Value.object(["ttlMs": .int(1), "_meta": .object(["own": .bool(true)])]), serverInfo: info, cache: nil),
        ]
        for (index, result) in results.enumerated() {
            let reply = JSONRPCResponse(id: index.isMultiple(of: 2) ? .number(index) : .string("r\(index)"), outcome: .result(result))
            #expect(reply.isDirect)
            let (written, reference) = try Self.parsed(direct: { try reply.write(to: &$0) }, encoded: reply)
            #expect(written == reference, "result \(index)")
        }
        let error = JSONRPCResponse(id: nil, outcome: .error(.unsupportedProtocolVersion("1999-01-01")))
        let (written, reference) = try Self.parsed(direct: { try error.write(to: &$0) }, encoded: error)
        #expect(written == reference)
        #expect(!JSONRPCResponse(id: nil, outcome: .result(ListPrompts.Result(prompts: []))).isDirect, "others go through JSONEncoder")
    }
}
