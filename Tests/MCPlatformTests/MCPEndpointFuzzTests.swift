import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PropertyBased
import Testing

@testable import MCPlatform

/// Arbitrary bodies POSTed to the MCP endpoint through the router (random JSON-RPC traffic,
/// mutated corpus messages, random bytes), in a session, without one, and on the stateless
/// revision: the answer is always a well-formed HTTP answer, 2xx or 4xx with a JSON-RPC error,
/// within a time bound.
@Suite struct MCPEndpointFuzzTests {
    static var bodies: Generator<[UInt8], AnySequence<(index: Int, value: [UInt8])>> {
        Gen.oneOf(
            JSONRPCFuzzMessages.bodies.eraseToAnySequence(), FuzzInputs(.jsonRPC).mutated.eraseToAnySequence(),
            Gen.latin1.string(of: 0...64).map { Array($0.utf8) }.eraseToAnySequence())
    }

    @Test func anyBodyGetsAWellFormedAnswer() async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let (session, _) = try await client.initialize()
            let headers: [(session: String?, version: String?)] = [
                (session, ProtocolVersion.latest), (nil, nil), ("no-such-session", nil), (nil, ProtocolVersion.modern[0]),
                (session, "1999-01-01"),
            ]
            var round = 0
            await propertyCheck(count: 100, input: Self.bodies) { body in
                round += 1
                let (session, version) = headers[round % headers.count]
                var fields: HTTPFields = [.accept: round % 3 == 0 ? "text/event-stream" : "application/json, text/event-stream"]
                fields[.contentType] = "application/json"
                fields[HTTPField.Name("Mcp-Session-Id")!] = session
                fields[HTTPField.Name("MCP-Protocol-Version")!] = version
                let request = fields
                let outcome = await Result {
                    try await withDeadline(.seconds(10), expired: { TimeoutError() }) {
                        try await client.client.execute(uri: "/mcp/guide", method: .post, headers: request, body: ByteBuffer(bytes: body))
                    }
                }
                let text = String(decoding: body, as: UTF8.self)
                guard case .success(let response) = outcome else {
                    Issue.record("no answer within 10 s to \(text.debugDescription): \(outcome)")
                    return
                }
                Self.expectWellFormed(response, to: text)
            }
        }
    }

    /// Found by fuzzing: `Value`'s decoder read strings shaped like `data:` URLs as bytes, so
    /// such an id was refused ("'id' must be a string") and such an argument was no string.
    @Test func stringsShapedLikeDataURLsStayStrings() async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let (session, _) = try await client.initialize()
            let ping = try await client.post(#"{"jsonrpc":"2.0","id":"data:,1","method":"ping"}"#, session: session)
            #expect(ping.status == .ok)
            #expect(ping.json["id"] as? String == "data:,1")
            let call = try await client.post(
                #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search_docs","arguments":{"query":"data:,x"}}}"#,
                session: session)
            let result = try #require(call.json["result"] as? [String: Any])
            let text = (result["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
            #expect(result["isError"] as? Bool != true, "\(text)")
        }
    }

    /// 2xx with JSON, an SSE stream of JSON or nothing (202); or 4xx with a JSON-RPC error.
    static func expectWellFormed(_ response: TestResponse, to body: String) {
        let status = response.status.code
        let contentType = response.headers[.contentType] ?? ""
        let payload = Data(response.body.readableBytesView)
        switch status {
        case 202:
            #expect(payload.isEmpty, "a 202 with a body, for \(body.debugDescription)")
        case 200..<300 where contentType.hasPrefix("text/event-stream"):
            let events = String(decoding: payload, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("data: ") }
            #expect(!events.isEmpty, "an empty stream, for \(body.debugDescription)")
            for event in events {
                #expect((try? JSONSerialization.jsonObject(with: Data(event.dropFirst(6).utf8))) != nil, "event \(event) is not JSON")
            }
        case 200..<300:
            #expect((try? JSONSerialization.jsonObject(with: payload)) != nil, "a \(status) without JSON, for \(body.debugDescription)")
        case 400..<500:
            let reply = (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any]
            #expect(reply?["jsonrpc"] as? String == "2.0", "a \(status) that is not JSON-RPC, for \(body.debugDescription)")
            #expect((reply?["error"] as? [String: Any])?["code"] is Int, "a \(status) without an error code, for \(body.debugDescription)")
        default:
            Issue.record("status \(status) (\(String(decoding: payload, as: UTF8.self))) for \(body.debugDescription)")
        }
    }

    @Test(arguments: [
        String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 20_000),
        String(repeating: "[", count: 500) + String(repeating: "]", count: 500),
        "{\"jsonrpc\":\"2.0\",\"id\":" + String(repeating: "9", count: 100_000) + "}",
        "{\"a\":\"data:" + String(repeating: "x", count: 500_000) + "\"}", "[" + String(repeating: "\"data:,\",", count: 100_000) + "0]",
    ])
    func pathologicalBodiesAreAnsweredInTime(body: String) async throws {
        try await MCPEndpointTests.withEndpoint { client, _ in
            let (session, _) = try await client.initialize()
            let started = ContinuousClock.now
            let outcome = await Result {
                try await withDeadline(.seconds(20), expired: { TimeoutError() }) { try await client.post(body, session: session) }
            }
            guard case .success(let response) = outcome else {
                Issue.record("no answer within 20 s to \(body.prefix(40))…: \(outcome)")
                return
            }
            Self.expectWellFormed(response, to: String(body.prefix(40)))
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }
}
