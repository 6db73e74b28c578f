import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import MCPlatform

/// The connection-level limits on NIO's embedded channel, on virtual time: long URLs (414),
/// oversized heads (431), and bodies that trickle in (408), each closing the connection (after
/// a moment of lingering, so the client reads the answer).
@Suite struct ConnectionGuardTests {
    static let limits = ConnectionGuard.Limits(maximumURLBytes: 100, readTimeout: .seconds(10), minimumBodyBytesPerSecond: 1000)

    /// A channel with the guard, and what came out of it.
    struct Connection {
        let channel = EmbeddedChannel()
        let loop: EmbeddedEventLoop

        init() throws {
            loop = channel.embeddedEventLoop
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(limits: ConnectionGuardTests.limits, logger: .quiet))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        }

        func send(_ part: HTTPRequestPart) throws { try channel.writeInbound(part) }

        func head(path: String = "/mcp/acme") throws {
            try send(.head(HTTPRequest(method: .post, scheme: nil, authority: "localhost", path: path)))
        }

        func body(_ bytes: Int) throws { try send(.body(ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes))) }

        /// The request parts the application received.
        func received() throws -> [HTTPRequestPart] {
            var parts: [HTTPRequestPart] = []
            while let part = try channel.readInbound(as: HTTPRequestPart.self) { parts.append(part) }
            return parts
        }

        /// The status of the response the guard wrote, if any (head and end).
        func answered() throws -> HTTPResponse.Status? {
            guard case .head(let head)? = try channel.readOutbound(as: HTTPResponsePart.self) else { return nil }
            guard case .end? = try channel.readOutbound(as: HTTPResponsePart.self) else { return nil }
            #expect(head.headerFields[.connection] == "close")
            #expect(head.headerFields[.requestID]?.isEmpty == false)
            return head.status
        }
    }

    @Test func aLongURLGets414AndNeverReachesTheApplication() throws {
        let connection = try Connection()
        try connection.head(path: "/mcp/acme?q=" + String(repeating: "a", count: 100))
        try connection.body(10)
        #expect(try connection.answered() == .uriTooLong)
        #expect(try connection.received().isEmpty)
        connection.loop.advanceTime(by: ConnectionGuard.lingering)
        #expect(!connection.channel.isActive)
    }

    @Test func aURLWithinTheLimitPasses() throws {
        let connection = try Connection()
        try connection.head(path: "/mcp/" + String(repeating: "a", count: 95))
        try connection.send(.end(nil))
        #expect(try connection.received().count == 2)
        #expect(try connection.answered() == nil)
        #expect(connection.channel.isActive)
    }

    @Test func anOversizedHeadGets431() throws {
        let connection = try Connection()
        connection.channel.pipeline.fireErrorCaught(HTTPParserError.headerOverflow)
        #expect(try connection.answered() == .requestHeaderFieldsTooLarge)
        connection.loop.advanceTime(by: ConnectionGuard.lingering)
        #expect(!connection.channel.isActive)
    }

    @Test func otherParserErrorsAreLeftToTheServer() throws {
        let connection = try Connection()
        connection.channel.pipeline.fireErrorCaught(HTTPParserError.invalidMethod)
        #expect(throws: HTTPParserError.invalidMethod) { try connection.channel.throwIfErrorCaught() }
        #expect(try connection.answered() == nil)
        #expect(connection.channel.isActive)
    }

    @Test func aBodyTricklingInGets408AfterTheReadTimeout() throws {
        let connection = try Connection()
        try connection.head()
        for _ in 0..<9 {
            connection.loop.advanceTime(by: .seconds(1))
            try connection.body(1)
        }
        #expect(connection.channel.isActive)
        connection.loop.advanceTime(by: .seconds(1))
        #expect(try connection.answered() == .requestTimeout)
        connection.loop.advanceTime(by: ConnectionGuard.lingering)
        #expect(!connection.channel.isActive)
    }

    @Test func aLargeBodyAtAReasonableRateGetsThrough() throws {
        let connection = try Connection()
        try connection.head()
        // 1,500 bytes a second against a minimum of 1,000: a minute of it is fine.
        for _ in 0..<60 {
            connection.loop.advanceTime(by: .seconds(1))
            try connection.body(1500)
        }
        try connection.send(.end(nil))
        connection.loop.advanceTime(by: .seconds(600))
        #expect(connection.channel.isActive)
        #expect(try connection.answered() == nil)
        #expect(try connection.received().count == 62)
    }

    @Test func theTimeoutRestartsWithEachRequest() throws {
        let connection = try Connection()
        for _ in 0..<3 {
            try connection.head()
            connection.loop.advanceTime(by: .seconds(8))
            try connection.send(.end(nil))
            try connection.channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try connection.channel.writeOutbound(HTTPResponsePart.end(nil))
            _ = try connection.channel.readOutbound(as: HTTPResponsePart.self)
            _ = try connection.channel.readOutbound(as: HTTPResponsePart.self)
        }
        #expect(connection.channel.isActive)
    }

    @Test func aRefusalDuringAnEarlierResponseOnlyCloses() throws {
        let connection = try Connection()
        try connection.head()
        try connection.send(.end(nil))
        // The first request is still being answered when a pipelined second one is too long.
        try connection.head(path: "/" + String(repeating: "b", count: 200))
        #expect(try connection.answered() == nil)
        connection.loop.advanceTime(by: ConnectionGuard.lingering)
        #expect(!connection.channel.isActive)
    }
}
