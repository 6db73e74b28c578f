import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why a message was not handed over to the relay.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered `code` to `command` (4xx: try again later; 5xx: refused for good).
    case reply(code: Int, text: String, command: String)
    /// The connection failed, timed out or broke, TLS failed, or the server did not speak SMTP.
    case connection(String)
    /// The message cannot be written (an invalid address, a line break in a header).
    case invalidMessage(String)

    /// True when sending again cannot help: a 5xx reply, or a message that cannot be written.
    public var isPermanent: Bool {
        switch self {
        case .reply(let code, _, _): code >= 500
        case .connection: false
        case .invalidMessage: true
        }
    }

    public var description: String {
        switch self {
        case .reply(let code, let text, let command): "\(code) \(text) (after \(command))"
        case .connection(let reason): reason
        case .invalidMessage(let reason): "the message cannot be sent: \(reason)"
        }
    }
}

/// A reply of the server: its code and the text of each line.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]

    var text: String { lines.joined(separator: " ").trimmingCharacters(in: .whitespaces) }
}

/// Assembles replies from lines: `250-first`, `250-second`, `250 last` (RFC 5321 §4.2.1).
struct SMTPReplyParser {
    static let maximumLineBytes = 4096
    static let maximumLines = 100

    private var code: Int?
    private var lines: [String] = []

    /// True while a multi-line reply is incomplete.
    var isInsideReply: Bool { code != nil }

    /// Takes one line without its line ending; returns the reply it completes, if any.
    mutating func take(_ line: String) throws(SMTPError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (0x30...0x39).contains($0) }),
            (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(bytes[0]),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            throw .connection("the server does not speak SMTP (it sent '\(MailAddress.printable(String(line.prefix(80))))')")
        }
        let code = Int(String(decoding: bytes[0...2], as: UTF8.self))!
        if let current = self.code, current != code {
            throw .connection("the server sent a reply mixing codes \(current) and \(code)")
        }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maximumLines else { throw .connection("the server sent a reply of over \(Self.maximumLines) lines") }
        if bytes.count > 3, bytes[3] == UInt8(ascii: "-") {
            self.code = code
            return nil
        }
        defer {
            self.code = nil
            lines = []
        }
        return SMTPReply(code: code, lines: lines)
    }
}

/// Reads the server's replies on the channel's event loop and hands them out one at a time.
private final class SMTPReplyReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var buffer = ByteBuffer()
    private var parser = SMTPReplyParser()
    private var replies = CircularBuffer<SMTPReply>()
    /// Why the connection cannot be used any more (a TLS handshake failure, say), once known.
    private(set) var failure: SMTPError?
    private var waiting: (promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>)?

    /// Bytes or replies received and not yet handed out (none may be pending at STARTTLS).
    var hasUnreadInput: Bool { buffer.readableBytes > 0 || !replies.isEmpty || parser.isInsideReply }

    /// The next reply, or a failure at `deadline`.
    func next(on eventLoop: any EventLoop, deadline: NIODeadline, timeoutMessage: String) -> EventLoopFuture<SMTPReply> {
        if let reply = replies.popFirst() { return eventLoop.makeSucceededFuture(reply) }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        let timeout = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in self.fail(.connection(timeoutMessage)) }
        waiting = (promise, timeout)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        buffer.writeBuffer(&bytes)
        do {
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = buffer.readableBytesView.distance(from: buffer.readableBytesView.startIndex, to: newline) + 1
                var line = buffer.readString(length: length)!
                while line.last == "\n" || line.last == "\r" || line.last == "\r\n" { line.removeLast() }
                guard line.utf8.count <= SMTPReplyParser.maximumLineBytes else {
                    throw SMTPError.connection("the server sent an over-long line")
                }
                if let reply = try parser.take(line) { replies.append(reply) }
            }
            if buffer.readableBytes > SMTPReplyParser.maximumLineBytes { throw SMTPError.connection("the server sent an over-long line") }
            buffer.discardReadBytes()
        } catch {
            fail(error as? SMTPError ?? .connection("\(error)"))
            context.close(promise: nil)
        }
        deliver()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.connection(Self.describe(error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connection("the server closed the connection"))
        context.fireChannelInactive()
    }

    private func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        deliver()
    }

    private func deliver() {
        guard let waiting else { return }
        if let reply = replies.popFirst() {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.succeed(reply)
        } else if let failure {
            self.waiting = nil
            waiting.timeout.cancel()
            waiting.promise.fail(failure)
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOSSLError: "TLS failed: \(error)"
        case let error as BoringSSLError: "TLS failed: \(error)"
        case let error as NIOSSLExtraError: "TLS failed: \(error)"
        default: "\(error)"
        }
    }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: one connection per message, with EHLO, STARTTLS or
/// implicit TLS, AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO, DATA and QUIT.
///
/// Connecting is bounded by `connectTimeout`, each reply by `replyTimeout`, and a whole delivery
/// by `deliveryTimeout`. Cancelling the task closes the connection.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    /// Client TLS with the system's roots, plus the operator's extra CA file.
    let tls: NIOSSLContext
    var connectTimeout: TimeAmount = .seconds(10)
    var replyTimeout: TimeAmount = .seconds(30)
    var deliveryTimeout: TimeAmount = .seconds(120)

    /// - Parameter caFile: PEM of extra certificate authorities trusted besides the system's (`--outbound-ca-file`).
    public init(configuration: SMTPConfiguration, caFile: String?) throws {
        self.configuration = configuration
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        self.tls = try NIOSSLContext(configuration: tls)
    }

    /// Hands `message` to the relay; returns once the relay accepted it (250 after DATA).
    public func send(_ message: MailMessage) async throws(SMTPError) {
        let data: [UInt8]
        do {
            data = Self.dataPayload(try message.rendered())
        } catch {
            throw .invalidMessage(error.description)
        }
        let deadline = NIODeadline.now() + deliveryTimeout
        let session = try await connect(deadline: deadline)
        do {
            try await session.deliver(from: message.from, to: message.to, data: data, heloName: message.from.domain)
            await session.quit()
        } catch {
            session.channel.close(promise: nil)
            throw error
        }
    }

    private func connect(deadline: NIODeadline) async throws(SMTPError) -> SMTPSession {
        let configuration = configuration
        let tls = tls
        let serverName = Self.isIPAddress(configuration.host) ? nil : configuration.host
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if configuration.security == .implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyReader())
                }
            }
        do {
            let channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
            let reader = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyReader.self), eventLoop: channel.eventLoop)
            }.get()
            return SMTPSession(
                channel: channel, reader: reader, configuration: configuration, tls: tls, serverName: serverName,
                replyTimeout: replyTimeout, deadline: deadline)
        } catch ChannelError.connectTimeout {
            throw .connection(
                "\(configuration.host):\(configuration.port) did not answer within \(connectTimeout.nanoseconds / 1_000_000_000) s")
        } catch {
            throw .connection("cannot connect to \(configuration.host):\(configuration.port) (\(error))")
        }
    }

    /// The DATA payload of a rendered message: line endings made CRLF, lines starting with a dot
    /// doubled (RFC 5321 §4.5.2), and the final `.` line.
    static func dataPayload(_ text: String) -> [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(text.utf8.count + 64)
        var lines = MailMessage.lines(of: text)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            if line.hasPrefix(".") { payload.append(UInt8(ascii: ".")) }
            payload += line.utf8
            payload += [13, 10]
        }
        payload += Array(".\r\n".utf8)
        return payload
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || (host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
    }
}

/// One connection to the relay, from its greeting to QUIT.
private struct SMTPSession {
    let channel: any Channel
    let reader: NIOLoopBound<SMTPReplyReader>
    let configuration: SMTPConfiguration
    let tls: NIOSSLContext
    let serverName: String?
    let replyTimeout: TimeAmount
    let deadline: NIODeadline

    /// The whole dialogue up to the relay's acceptance of the message.
    func deliver(from: MailAddress, to: MailAddress, data: [UInt8], heloName: String) async throws(SMTPError) {
        try expect(try await reply(), in: 220...220, after: "connecting")
        var extensions = try await hello(heloName)
        var secure = configuration.security == .implicitTLS
        if !secure,
            configuration.security == .startTLSRequired || configuration.security == .startTLSWhenOffered && extensions["STARTTLS"] != nil
        {
            guard extensions["STARTTLS"] != nil else {
                throw .connection("\(configuration.host) does not offer STARTTLS (?starttls=require)")
            }
            try await command("STARTTLS", expect: 220...220)
            try await startTLS()
            secure = true
            extensions = try await hello(heloName)
        }
        if let username = configuration.username, let password = configuration.password {
            guard secure || configuration.isLoopback else {
                throw .connection("\(configuration.host) does not offer STARTTLS: the password is not sent in clear")
            }
            try await authenticate(username: username, password: password, mechanisms: Set(extensions["AUTH"] ?? []))
        }
        try await command("MAIL FROM:<\(from.address)>", name: "MAIL FROM", expect: 250...250)
        try await command("RCPT TO:<\(to.address)>", name: "RCPT TO", expect: 250...251)
        try await command("DATA", expect: 354...354)
        try await write(data)
        try expect(try await reply(), in: 250...250, after: "the message")
    }

    /// EHLO (HELO when the server does not know EHLO); the extensions offered, by keyword.
    private func hello(_ name: String) async throws(SMTPError) -> [String: [String]] {
        try await write(Array("EHLO \(name)\r\n".utf8))
        let reply = try await reply()
        guard reply.code == 250 else {
            guard reply.code >= 500 else { throw .reply(code: reply.code, text: reply.text, command: "EHLO") }
            try await command("HELO \(name)", name: "HELO", expect: 250...250)
            return [:]
        }
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ").map(String.init)
            if let keyword = words.first { extensions[keyword] = Array(words.dropFirst()) }
        }
        return extensions
    }

    /// Puts TLS under the connection after the server's 220 to STARTTLS. Anything the server sent
    /// before the handshake would be unprotected, so it ends the session (RFC 3207 §4.2).
    private func startTLS() async throws(SMTPError) {
        let reader = reader
        let channel = channel
        let tls = tls
        let serverName = serverName
        do {
            try await channel.eventLoop.submit {
                guard !reader.value.hasUnreadInput else { throw SMTPError.connection("the server sent data before the TLS handshake") }
                try channel.pipeline.syncOperations.addHandler(
                    NIOSSLClientHandler(context: tls, serverHostname: serverName), position: .first)
            }.get()
        } catch {
            channel.close(promise: nil)
            throw error as? SMTPError ?? .connection("TLS failed: \(error)")
        }
    }

    /// AUTH PLAIN, or AUTH LOGIN when the server offers only that.
    private func authenticate(username: String, password: String, mechanisms: Set<String>) async throws(SMTPError) {
        let base64 = { (text: String) in Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            try await command("AUTH PLAIN " + base64("\0\(username)\0\(password)"), name: "AUTH PLAIN", expect: 235...235)
        } else if mechanisms.contains("LOGIN") {
            try await command("AUTH LOGIN", expect: 334...334)
            try await command(base64(username), name: "AUTH LOGIN (user)", expect: 334...334)
            try await command(base64(password), name: "AUTH LOGIN (password)", expect: 235...235)
        } else {
            throw .connection(
                "\(configuration.host) offers no AUTH PLAIN or LOGIN (it offers: \(mechanisms.sorted().joined(separator: " ")))")
        }
    }

    /// QUIT, politely and briefly; the message was already accepted.
    func quit() async {
        try? await write(Array("QUIT\r\n".utf8))
        _ = try? await reply(timeout: .seconds(2))
        try? await channel.close()
    }

    @discardableResult
    private func command(_ line: String, name: String? = nil, expect codes: ClosedRange<Int>) async throws(SMTPError) -> SMTPReply {
        try await write(Array((line + "\r\n").utf8))
        let reply = try await reply()
        try expect(reply, in: codes, after: name ?? line)
        return reply
    }

    private func expect(_ reply: SMTPReply, in codes: ClosedRange<Int>, after command: String) throws(SMTPError) {
        guard codes.contains(reply.code) else { throw .reply(code: reply.code, text: reply.text, command: command) }
    }

    private func write(_ bytes: [UInt8]) async throws(SMTPError) {
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        } catch {
            // The reason the connection broke (a failed TLS handshake) rather than "closed channel".
            let reader = reader
            if let failure = try? await channel.eventLoop.submit({ reader.value.failure }).get() { throw failure }
            throw .connection("the connection broke while sending (\(error))")
        }
    }

    private func reply(timeout: TimeAmount? = nil) async throws(SMTPError) -> SMTPReply {
        let reader = reader
        let channel = channel
        let deadline = min(NIODeadline.now() + (timeout ?? replyTimeout), self.deadline)
        let message = "\(configuration.host) did not answer within \((timeout ?? replyTimeout).nanoseconds / 1_000_000_000) s"
        let future = channel.eventLoop.flatSubmit { reader.value.next(on: channel.eventLoop, deadline: deadline, timeoutMessage: message) }
        do {
            return try await withTaskCancellationHandler {
                try await future.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            channel.close(promise: nil)
            throw error as? SMTPError ?? .connection("\(error)")
        }
    }
}
