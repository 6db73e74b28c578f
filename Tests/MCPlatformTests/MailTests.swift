import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MCPlatform

@Suite struct MailFormattingTests {
    let from = try! MailAddress(name: "MCPlatform", address: "no-reply@mcp.example.com")
    let to = try! MailAddress(address: "ada@example.com")
    let date = Date(timeIntervalSince1970: 1_796_000_000)  // Mon, 30 Nov 2026 00:53:20 UTC

    func message(subject: String = "Reset your MCPlatform password", body: String = "Hello\n") -> MailMessage {
        MailMessage(from: from, to: to, subject: subject, body: body, date: date, messageID: "abc123@mcp.example.com")
    }

    /// The header lines of a rendered message, unfolded, by name.
    func headers(_ rendered: String) -> [String: String] {
        let head = rendered.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        var headers: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[String(parts[0])] = String(parts[1].dropFirst())
        }
        return headers
    }

    @Test func headersOfAPlainMessage() throws {
        let rendered = try message(body: "Hello,\n\nopen https://mcp.example.com/password/reset/abc\n").rendered()
        #expect(
            rendered.hasPrefix(
                """
                Date: \(MailMessage.dateHeader(date))\r
                From: MCPlatform <no-reply@mcp.example.com>\r
                To: ada@example.com\r
                Subject: Reset your MCPlatform password\r
                Message-ID: <abc123@mcp.example.com>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: 7bit\r
                \r
                Hello,\r
                \r
                open https://mcp.example.com/password/reset/abc\r

                """))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
    }

    @Test func dateHeaderIsRFC5322InUTC() {
        #expect(MailMessage.dateHeader(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailMessage.dateHeader(Date(timeIntervalSince1970: 1_796_000_000)) == "Mon, 30 Nov 2026 00:53:20 +0000")
    }

    @Test func messageIDDefaultsToTheSendersDomain() {
        let message = MailMessage(from: from, to: to, subject: "s", body: "b")
        #expect(message.messageID.hasSuffix("@mcp.example.com"))
        #expect(message.messageID != MailMessage(from: from, to: to, subject: "s", body: "b").messageID)
    }

    @Test func nonASCIISubjectIsEncodedAsRFC2047Words() throws {
        let subject = "Réinitialisez votre mot de passe — 日本語のテキストも含む、かなり長い件名です 🔑"
        let rendered = try message(subject: subject).rendered()
        let raw = rendered.components(separatedBy: "\r\n\r\n")[0]
        #expect(raw.unicodeScalars.allSatisfy { $0.isASCII }, "headers are ASCII")
        for line in raw.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "folded: \(line)") }
        let value = try #require(headers(rendered)["Subject"])
        let words = value.split(separator: " ")
        #expect(words.count > 1)
        var decoded = Data()
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            decoded += try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            // Each word holds whole characters.
            #expect(String(data: try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))), encoding: .utf8) != nil)
        }
        #expect(String(decoding: decoded, as: UTF8.self) == subject)
    }

    @Test func asciiSubjectThatLooksEncodedIsEncoded() throws {
        let value = try #require(headers(try message(subject: "=?UTF-8?B?aGk=?=").rendered())["Subject"])
        #expect(value.hasPrefix("=?UTF-8?B?") && value != "=?UTF-8?B?aGk=?=")
    }

    @Test func longASCIISubjectIsFolded() throws {
        let subject = Array(repeating: "password", count: 20).joined(separator: " ")
        let rendered = try message(subject: subject).rendered()
        #expect(rendered.contains("Subject: password"))
        #expect(rendered.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(headers(rendered)["Subject"] == subject)
    }

    @Test(arguments: [
        "Hello\r\nBcc: victim@example.com", "Hello\nBcc: victim@example.com", "Hello\rX-Evil: 1", "Nul\u{0}", "Line\u{2028}separator",
    ])
    func headerInjectionInTheSubjectIsRefused(subject: String) {
        #expect(throws: MailFormatError.self) { try message(subject: subject).rendered() }
    }

    @Test func headerInjectionInAddressesAndNamesIsRefused() {
        #expect(throws: MailFormatError.self) { try MailAddress(address: "ada@example.com\r\nBcc: victim@example.com") }
        #expect(throws: MailFormatError.self) { try MailAddress(address: "ada@example.com>\r\nBcc: <victim@example.com") }
        #expect(throws: MailFormatError.self) { try MailAddress(name: "Ada\nBcc: victim@example.com", address: "ada@example.com") }
        #expect(throws: MailFormatError.self) { try MailAddress(parsing: "Ada\r\nBcc: x <ada@example.com>") }
        #expect(throws: MailFormatError.self) { try MailAddress(parsing: "Ada <ada@example.com\r\n>") }
        var message = message()
        message.messageID = "x@y>\r\nBcc: victim@example.com"
        #expect(throws: MailFormatError.self) { try message.rendered() }
    }

    @Test(arguments: [
        "", "ada", "@example.com", "ada@", "a b@example.com", "ada@exa mple.com", "ada@@example.com", "ada@example..com", "adá@example.com",
        "<ada@example.com>",
    ])
    func invalidAddressesAreRefused(address: String) {
        #expect(throws: MailFormatError.self) { try MailAddress(address: address) }
    }

    @Test func displayNames() throws {
        #expect(try MailAddress(parsing: "MCPlatform <no-reply@x.dev>").headerValue == "MCPlatform <no-reply@x.dev>")
        #expect(try MailAddress(parsing: "no-reply@x.dev") == (try MailAddress(address: "no-reply@x.dev")))
        #expect(try MailAddress(parsing: "\"Acme, Inc.\" <no-reply@x.dev>").name == "Acme, Inc.")
        #expect(try MailAddress(name: "Acme, Inc. \"Docs\"", address: "a@x.dev").headerValue == "\"Acme, Inc. \\\"Docs\\\"\" <a@x.dev>")
        let encoded = try MailAddress(name: "Zoë", address: "a@x.dev").headerValue
        #expect(encoded == "=?UTF-8?B?\(Data("Zoë".utf8).base64EncodedString())?= <a@x.dev>")
    }

    @Test func dataIsDotStuffedWithCRLFLineEndings() {
        let payload = String(decoding: SMTPClient.dataPayload("Subject: x\r\n\r\n.hidden\nline\r..two\r\n.\r\nend"), as: UTF8.self)
        #expect(payload == "Subject: x\r\n\r\n..hidden\r\nline\r\n...two\r\n..\r\nend\r\n.\r\n")
        #expect(String(decoding: SMTPClient.dataPayload("a\r\n"), as: UTF8.self) == "a\r\n.\r\n")
    }

    @Test func nonASCIIBodyIsQuotedPrintable() throws {
        let line = "Grüße, " + String(repeating: "résumé ", count: 20) + "= done "
        let body = "\(line)\n.starts with a dot\nplain"
        let rendered = try message(body: body).rendered()
        #expect(headers(rendered)["Content-Transfer-Encoding"] == "quoted-printable")
        let encoded = rendered.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 && $0.unicodeScalars.allSatisfy(\.isASCII) })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") }, "no trailing whitespace")
        #expect(Self.decodeQuotedPrintable(encoded) == body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func longASCIILinesAreQuotedPrintable() throws {
        let body = String(repeating: "x", count: 1200)
        let rendered = try message(body: body).rendered()
        #expect(headers(rendered)["Content-Transfer-Encoding"] == "quoted-printable")
        #expect(rendered.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
    }

    /// Decodes quoted-printable text with CRLF hard breaks (for checking the encoder).
    static func decodeQuotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "="), index + 2 < input.count,
                let byte = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Suite struct SMTPReplyParserTests {
    @Test func multiLineReplies() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.take("250-mail.example.com greets you") == nil)
        #expect(parser.isInsideReply)
        #expect(try parser.take("250-STARTTLS") == nil)
        let reply = try #require(try parser.take("250 AUTH PLAIN LOGIN"))
        #expect(reply == SMTPReply(code: 250, lines: ["mail.example.com greets you", "STARTTLS", "AUTH PLAIN LOGIN"]))
        #expect(!parser.isInsideReply)
        #expect(try parser.take("354") == SMTPReply(code: 354, lines: [""]))
        #expect(try parser.take("451 4.7.1 Try again later")?.text == "4.7.1 Try again later")
    }

    @Test(arguments: ["HTTP/1.1 400 Bad Request", "25", "250x", "999 nope", "", "abc def"])
    func nonSMTPIsRefused(line: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPError.self) { try parser.take(line) }
    }

    @Test func codesMayNotChangeWithinAReply() throws {
        var parser = SMTPReplyParser()
        _ = try parser.take("250-one")
        #expect(throws: SMTPError.self) { try parser.take("550 two") }
    }

    @Test func transientAndPermanentErrors() {
        #expect(!SMTPError.reply(code: 451, text: "later", command: "RCPT TO").isPermanent)
        #expect(SMTPError.reply(code: 550, text: "no such user", command: "RCPT TO").isPermanent)
        #expect(!SMTPError.connection("refused").isPermanent)
        #expect(SMTPError.invalidMessage("bad").isPermanent)
        #expect(SMTPError.reply(code: 550, text: "no such user", command: "RCPT TO").description == "550 no such user (after RCPT TO)")
    }
}

@Suite struct MailConfigurationTests {
    @Test(arguments: [
        (
            "smtp://user:pass@mail.example.com:587",
            SMTPConfiguration(host: "mail.example.com", port: 587, security: .startTLSWhenOffered, username: "user", password: "pass")
        ),
        (
            "smtps://user:pass@mail.example.com",
            SMTPConfiguration(host: "mail.example.com", port: 465, security: .implicitTLS, username: "user", password: "pass")
        ),
        ("smtp://relay.internal", SMTPConfiguration(host: "relay.internal", port: 25, security: .startTLSWhenOffered)),
        ("smtp://relay.internal:2525?starttls=never", SMTPConfiguration(host: "relay.internal", port: 2525, security: .none)),
        ("SMTP://h:587/?STARTTLS=Require", SMTPConfiguration(host: "h", port: 587, security: .startTLSRequired)),
        (
            "smtp://ada%40example.com:p%3As%40ss@h:587",
            SMTPConfiguration(host: "h", port: 587, security: .startTLSWhenOffered, username: "ada@example.com", password: "p:s@ss")
        ),
        (
            "smtp://u:p@127.0.0.1:2525?starttls=never",
            SMTPConfiguration(host: "127.0.0.1", port: 2525, security: .none, username: "u", password: "p")
        ),
        ("smtp://[::1]:25", SMTPConfiguration(host: "::1", port: 25, security: .startTLSWhenOffered)),
    ])
    func smtpURLs(url: String, expected: SMTPConfiguration) throws {
        let configuration = try AppConfiguration(flags: [.smtpURL: url], environment: [:])
        #expect(configuration.smtp == expected)
    }

    @Test(arguments: [
        "http://mail.example.com", "smtp://", "smtp://user:secret-pw@", "smtp://h:0", "smtp://h:70000", "smtp://h/path",
        "smtp://h?starttls=maybe",
        "smtp://h?tls=1", "smtps://h?starttls=require", "smtp://user@h", "smtp://:secret-pw@h",
        "smtp://u:secret-pw@mail.example.com?starttls=never",
        "mail.example.com:587",
    ])
    func invalidSMTPURLsAreExplainedWithoutThePassword(url: String) {
        do {
            _ = try AppConfiguration(flags: [:], environment: ["MCPLATFORM_SMTP_URL": url])
            Issue.record("accepted \(url)")
        } catch {
            #expect(error.setting == .smtpURL)
            #expect(error.description.hasPrefix("invalid --smtp-url / MCPLATFORM_SMTP_URL '"))
            #expect(!error.description.contains("secret-pw"), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func redactedURLHidesThePassword() throws {
        let smtp = try SMTPConfiguration(url: "smtp://ada%40example.com:secret-pw@mail.example.com:587?starttls=require")
        #expect(smtp.redactedURL == "smtp://ada%40example.com:****@mail.example.com:587?starttls=require")
        #expect(try SMTPConfiguration(url: "smtps://h").redactedURL == "smtps://h:465")
        #expect(SMTPConfiguration.redact("smtp://u:secret-pw@h:x") == "smtp://u:****@h:x")
        #expect(SMTPConfiguration.redact("smtp://h:25") == "smtp://h:25")
    }

    @Test func mailFrom() throws {
        #expect(try AppConfiguration(flags: [:], environment: [:]).mailSender.headerValue == "MCPlatform <no-reply@localhost>")
        let configured = try AppConfiguration(
            flags: [.baseDomain: "mcp.example.com"], environment: ["MCPLATFORM_MAIL_FROM": "Acme Docs <docs@acme.dev>"])
        #expect(configured.mailSender == (try MailAddress(name: "Acme Docs", address: "docs@acme.dev")))
        #expect(
            try AppConfiguration(flags: [.baseDomain: "mcp.example.com"], environment: [:]).mailSender.address == "no-reply@mcp.example.com"
        )
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration(flags: [.baseDomain: "bad_domain", .smtpURL: "smtp://h"], environment: [:])
        }
        for bad in ["not an address", "Ada <ada@example.com>\r\nBcc: x@y.z", "<>"] {
            #expect(throws: ConfigurationError.self) { try AppConfiguration(flags: [.mailFrom: bad], environment: [:]) }
        }
    }
}

@Suite struct OutboxTests {
    @Test(arguments: Backend.available)
    func claimsLeasesRetriesAndGivesUp(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let outbox = Outbox(database: database, relay: "smtp://h:25")
            let now = Date(timeIntervalSince1970: 2_000_000_000)
            try await outbox.enqueue(to: "ada@example.com", subject: "Hi", body: "Body", logger: .quiet, now: now)
            let first = try #require(try await outbox.claimNext(now: now))
            #expect(first.attempts == 1 && first.to == "ada@example.com")
            #expect(try await outbox.claimNext(now: now) == nil, "claimed messages are leased")
            #expect(try await outbox.claimNext(now: now.addingTimeInterval(Outbox.lease + 1))?.attempts == 2, "an abandoned claim expires")

            let retry = try await outbox.markFailed(first, error: "451 later", permanent: false, now: now)
            #expect(retry == now.addingTimeInterval(60))
            #expect(try await outbox.claimNext(now: now.addingTimeInterval(59)) == nil)
            let second = try #require(try await outbox.claimNext(now: now.addingTimeInterval(60)))
            #expect(second.lastError == "451 later")
            try await outbox.markSent(id: second.id, now: now.addingTimeInterval(61))
            #expect(try await outbox.unsent().isEmpty)
            let sent = try await database.one("SELECT body FROM outbox_emails WHERE id = \(second.id)")
            #expect(try sent.decode("body", as: String.self) == "", "a sent message keeps no sign-in link")
            #expect(try await outbox.claimNext(now: now.addingTimeInterval(100_000)) == nil)

            try await outbox.enqueue(to: "bob@example.com", subject: "Hi", body: "Body", logger: .quiet, now: now)
            let third = try #require(try await outbox.claimNext(now: now))
            #expect(try await outbox.markFailed(third, error: "550 no such user", permanent: true, now: now) == nil)
            let failed = try #require(try await outbox.unsent().first)
            #expect(failed.failedAt == now && failed.lastError == "550 no such user" && failed.nextAttemptAt == nil)
            #expect(try await outbox.claimNext(now: now.addingTimeInterval(100_000)) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func givesUpAfterTenAttempts(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let outbox = Outbox(database: database, relay: "smtp://h:25")
            var now = Date(timeIntervalSince1970: 2_000_000_000)
            try await outbox.enqueue(to: "ada@example.com", subject: "Hi", body: "Body", logger: .quiet, now: now)
            var delays: [TimeInterval] = []
            while let message = try await outbox.claimNext(now: now) {
                guard let retry = try await outbox.markFailed(message, error: "451 later", permanent: false, now: now) else {
                    #expect(message.attempts == Outbox.maximumAttempts)
                    break
                }
                delays.append(retry.timeIntervalSince(now))
                now = retry
            }
            #expect(delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
            #expect(try await outbox.unsent().first?.failedAt != nil)
        }
    }
}

extension OutboxTests {
    /// Claimers racing for the same messages (as instances sharing the database do) each get a
    /// different message: every message is claimed exactly once.
    @Test(arguments: Backend.available)
    func concurrentClaimsTakeEachMessageOnce(backend: Backend) async throws {
        try await backend.withDatabase { database in
            let outbox = Outbox(database: database, relay: "smtp://h:25")
            let now = Date(timeIntervalSince1970: 2_000_000_000)
            for index in 0..<12 {
                try await outbox.enqueue(to: "user\(index)@example.com", subject: "Hi", body: "Body", logger: .quiet, now: now)
            }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        var mine: [Int64] = []
                        while let message = try await outbox.claimNext(now: now) { mine.append(message.id) }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 12)
            #expect(Set(claimed).count == 12)
        }
    }
}

extension Outbox.Message: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id && lhs.attempts == rhs.attempts }
}

// MARK: - The client against a scripted server

/// An SMTP server on 127.0.0.1 that speaks just enough for the client, answering from a script,
/// and records what it received (AUTH lines decoded).
final class ScriptedSMTPServer: Sendable {
    struct Script: Sendable {
        var greeting = "220 fake.test ESMTP"
        var extensions = ["PIPELINING", "AUTH LOGIN"]
        /// Replies that replace the normal ones, by command verb (`MAIL`, `RCPT`, `DATA`, `EHLO`, `.` for the end of data).
        var overrides: [String: String] = [:]
        /// Never answer (for timeouts).
        var silent = false
    }

    /// What the server received, shared with its connections.
    final class Recorder: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    let channel: any Channel
    let received: Recorder

    var port: Int { channel.localAddress!.port! }
    var transcript: [String] { received.lines.withLock { $0 } }

    init(script: Script) async throws {
        let received = Recorder()
        self.received = received
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, received: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let script: Script
        let received: Recorder
        var buffer = ByteBuffer()
        var inData = false
        var data: [String] = []
        var authStep = 0

        init(script: Script, received: Recorder) {
            self.script = script
            self.received = received
        }

        func channelActive(context: ChannelHandlerContext) {
            if !script.silent { send(script.greeting, context) }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer.writeBuffer(&bytes)
            while let index = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = buffer.readableBytesView.distance(from: buffer.readableBytesView.startIndex, to: index) + 1
                let line = buffer.readString(length: length)!.trimmingCharacters(in: .newlines)
                handle(line, context)
            }
        }

        func send(_ reply: String, _ context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply + "\r\n")), promise: nil)
        }

        func handle(_ line: String, _ context: ChannelHandlerContext) {
            if script.silent { return }
            if inData {
                guard line == "." else {
                    data.append(line)
                    return
                }
                inData = false
                received.append("DATA:" + data.joined(separator: "\n"))
                send(script.overrides["."] ?? "250 2.0.0 queued", context)
                return
            }
            if authStep > 0 {
                let decoded = Data(base64Encoded: line).map { String(decoding: $0, as: UTF8.self) } ?? "?"
                received.append("AUTH:" + decoded)
                authStep -= 1
                send(authStep == 1 ? "334 UGFzc3dvcmQ6" : "235 2.7.0 ok", context)
                return
            }
            received.append(line)
            let verb = String(line.prefix { $0 != " " && $0 != ":" }).uppercased()
            if let override = script.overrides[verb] {
                send(override, context)
                return
            }
            switch verb {
            case "EHLO":
                let lines = ["fake.test hello"] + script.extensions
                send(
                    lines.enumerated().map { "250\($0.offset == lines.count - 1 ? " " : "-")\($0.element)" }.joined(separator: "\r\n"),
                    context)
            case "AUTH":
                authStep = 2
                send("334 VXNlcm5hbWU6", context)
            case "MAIL", "RCPT", "RSET": send("250 2.1.0 ok", context)
            case "DATA":
                inData = true
                data = []
                send("354 go ahead", context)
            case "QUIT":
                send("221 bye", context)
                context.close(promise: nil)
            default: send("502 5.5.2 unknown command", context)
            }
        }
    }
}

@Suite struct SMTPClientTests {
    let message = MailMessage(
        from: try! MailAddress(name: "MCPlatform", address: "no-reply@mcp.test"), to: try! MailAddress(address: "ada@example.com"),
        subject: "Reset", body: "Open this:\n.dot line\nbye")

    func client(_ server: ScriptedSMTPServer, url: String? = nil) throws -> SMTPClient {
        try SMTPClient(configuration: try SMTPConfiguration(url: url ?? "smtp://127.0.0.1:\(server.port)"), caFile: nil)
    }

    @Test func deliversWithAuthLoginOnLoopback() async throws {
        let server = try await ScriptedSMTPServer(script: .init())
        defer { Task { await server.stop() } }
        try await client(server, url: "smtp://ada%40example.com:s3cret@127.0.0.1:\(server.port)").send(message)
        let transcript = server.transcript
        #expect(
            Array(transcript.prefix(6)) == [
                "EHLO mcp.test", "AUTH LOGIN", "AUTH:ada@example.com", "AUTH:s3cret", "MAIL FROM:<no-reply@mcp.test>",
                "RCPT TO:<ada@example.com>",
            ])
        #expect(transcript[6] == "DATA")
        #expect(transcript[7].hasPrefix("DATA:Date: "))
        #expect(transcript[7].hasSuffix("\n\nOpen this:\n..dot line\nbye"), "dot-stuffed: \(transcript[7])")
        #expect(transcript.last == "QUIT")
    }

    @Test func prefersAuthPlain() async throws {
        let server = try await ScriptedSMTPServer(script: .init(extensions: ["AUTH LOGIN PLAIN"], overrides: ["AUTH": "235 2.7.0 ok"]))
        defer { Task { await server.stop() } }
        try await client(server, url: "smtp://ada:s3cret@127.0.0.1:\(server.port)").send(message)
        #expect(server.transcript[1] == "AUTH PLAIN " + Data("\0ada\0s3cret".utf8).base64EncodedString())
    }

    @Test func transientAndPermanentRefusals() async throws {
        for (reply, permanent) in [("451 4.7.1 greylisted, try again", false), ("550 5.1.1 no such user", true)] {
            let server = try await ScriptedSMTPServer(script: .init(overrides: ["RCPT": reply]))
            defer { Task { await server.stop() } }
            let client = try client(server)
            do {
                try await client.send(message)
                Issue.record("sent despite \(reply)")
            } catch {
                let expected = SMTPError.reply(code: Int(reply.prefix(3))!, text: String(reply.dropFirst(4)), command: "RCPT TO")
                #expect(error == expected)
                #expect(error.isPermanent == permanent)
            }
            #expect(!server.transcript.contains("DATA"))
        }
    }

    @Test func requiredSTARTTLSThatIsNotOfferedFails() async throws {
        let server = try await ScriptedSMTPServer(script: .init())
        defer { Task { await server.stop() } }
        await #expect(throws: SMTPError.self) {
            try await client(server, url: "smtp://127.0.0.1:\(server.port)?starttls=require").send(message)
        }
        #expect(!server.transcript.contains { $0.hasPrefix("MAIL") })
    }

    @Test func serversWithoutEHLOGetHELO() async throws {
        let server = try await ScriptedSMTPServer(script: .init(overrides: ["EHLO": "500 5.5.1 what?", "HELO": "250 hi"]))
        defer { Task { await server.stop() } }
        try await client(server).send(message)
        #expect(Array(server.transcript.prefix(3)) == ["EHLO mcp.test", "HELO mcp.test", "MAIL FROM:<no-reply@mcp.test>"])
    }

    @Test func silentServerTimesOut() async throws {
        let server = try await ScriptedSMTPServer(script: .init(silent: true))
        defer { Task { await server.stop() } }
        var client = try client(server)
        client.replyTimeout = .milliseconds(300)
        let started = ContinuousClock.now
        do {
            try await client.send(message)
            Issue.record("sent to a silent server")
        } catch {
            #expect(error.description.contains("did not answer"), "\(error)")
            #expect(!error.isPermanent)
        }
        // It gives up rather than waiting for the server forever (a generous bound: the machine is shared).
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func refusedConnectionIsTransient() async throws {
        let server = try await ScriptedSMTPServer(script: .init())
        let port = server.port
        await server.stop()
        let client = try SMTPClient(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port)"), caFile: nil)
        do {
            try await client.send(message)
            Issue.record("sent to a closed port")
        } catch {
            #expect(!error.isPermanent)
            #expect(error.description.contains("127.0.0.1:\(port)"))
        }
    }
}
