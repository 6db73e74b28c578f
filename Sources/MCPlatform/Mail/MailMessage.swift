import Foundation

/// Why a message cannot be written as an email (the sender and recipient addresses, header values).
public struct MailFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// An email address with an optional display name: `MCPlatform <no-reply@example.com>`.
///
/// Addresses are plain ASCII `local@domain` (dot-atoms, no quoted local parts, no SMTPUTF8);
/// display names may be any text without control characters.
public struct MailAddress: Sendable, Equatable, CustomStringConvertible {
    public let name: String?
    public let address: String

    public init(name: String? = nil, address: String) throws(MailFormatError) {
        guard Self.isValid(address: address) else {
            throw MailFormatError(description: "'\(Self.printable(address))' is not an email address")
        }
        if let name, name.unicodeScalars.contains(where: Self.isControl) {
            throw MailFormatError(description: "the display name contains a line break or control character")
        }
        self.name = name.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        self.address = address
    }

    /// Parses `someone@example.com`, `Display Name <someone@example.com>` or `"Name, Inc." <someone@example.com>`.
    public init(parsing text: String) throws(MailFormatError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.hasSuffix(">"), let open = text.lastIndex(of: "<") else {
            try self.init(address: text)
            return
        }
        var name = text[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(
                of: "\\\\", with: "\\")
        }
        try self.init(name: name, address: String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
    }

    public var description: String { name.map { "\($0) <\(address)>" } ?? address }

    /// The domain part: `example.com`.
    var domain: String { String(address[address.index(after: address.lastIndex(of: "@")!)...]) }

    /// The form of a From or To header: `MCPlatform <a@b>`, `"Acme, Inc." <a@b>`, `=?UTF-8?B?…?= <a@b>`, or `a@b`.
    var headerValue: String {
        guard let name else { return address }
        let phrase: String
        if !name.unicodeScalars.allSatisfy(\.isASCII) {
            phrase = MailMessage.encodedWords(name).joined(separator: " ")
        } else if name.unicodeScalars.allSatisfy({ Self.atext.contains($0) || $0 == " " }) {
            phrase = name
        } else {
            phrase = "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "\(phrase) <\(address)>"
    }

    /// Characters of an RFC 5322 atom.
    private static let atext = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")

    static func isValid(address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, address.utf8.count <= 254 else { return false }
        let local = parts[0]
        let domain = parts[1]
        let isDotAtom = { (text: Substring, allowed: CharacterSet) -> Bool in
            !text.isEmpty
                && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                    !$0.isEmpty && $0.unicodeScalars.allSatisfy { allowed.contains($0) }
                }
        }
        return local.utf8.count <= 64 && isDotAtom(local, atext)
            && isDotAtom(domain, CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"))
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// `text` with control characters shown as `\u{…}`, for error messages.
    static func printable(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars.prefix(100) {
            if isControl(scalar) { shown += "\\u{\(String(scalar.value, radix: 16))}" } else { shown.unicodeScalars.append(scalar) }
        }
        return shown
    }
}

/// A plain-text email, written as RFC 5322 text with MIME headers for UTF-8.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var body: String
    public var date: Date
    /// Without angle brackets: `<uuid>@<domain of from>` by default.
    public var messageID: String

    public init(from: MailAddress, to: MailAddress, subject: String, body: String, date: Date = Date(), messageID: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID ?? "\(UUID().uuidString.lowercased())@\(from.domain)"
    }

    /// The message as sent after DATA (before dot-stuffing): headers, a blank line and the body,
    /// every line ending in CRLF. The body is 7bit when it is short-lined ASCII, else quoted-printable.
    ///
    /// - Throws: when the subject or the Message-ID contains a line break or control character
    ///   (header injection); addresses were checked when they were made.
    public func rendered() throws(MailFormatError) -> String {
        if subject.unicodeScalars.contains(where: MailAddress.isControl) {
            throw MailFormatError(description: "the subject contains a line break or control character")
        }
        guard !messageID.isEmpty, messageID.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" })
        else {
            throw MailFormatError(description: "the Message-ID contains spaces, brackets or non-ASCII characters")
        }
        let lines = Self.lines(of: body)
        let isSevenBit = lines.allSatisfy { line in
            line.utf8.count <= 998 && line.unicodeScalars.allSatisfy { $0.isASCII && !MailAddress.isControl($0) }
        }
        var headers = [
            Self.header("Date", Self.dateHeader(date)),
            Self.header("From", from.headerValue),
            Self.header("To", to.headerValue),
            Self.header("Subject", Self.encodedSubject(subject)),
            Self.header("Message-ID", "<\(messageID)>"),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
        ]
        headers.append("Content-Transfer-Encoding: " + (isSevenBit ? "7bit" : "quoted-printable"))
        let text = isSevenBit ? lines : lines.map(Self.quotedPrintable)
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + text.joined(separator: "\r\n") + "\r\n"
    }

    /// `text` cut into lines at CRLF, CR or LF.
    static func lines(of text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
    }

    /// `Name: value`, folded at spaces so that lines stay within 78 characters where words allow.
    static func header(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var line = name + ":"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if line.utf8.count + 1 + word.utf8.count > 78, line != name + ":" {
                lines.append(line)
                line = ""
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\r\n")
    }

    /// The subject as is when it is plain ASCII, else as RFC 2047 encoded words.
    static func encodedSubject(_ subject: String) -> String {
        let plain =
            subject.unicodeScalars.allSatisfy(\.isASCII) && !subject.contains("=?")
            && subject.split(separator: " ").allSatisfy { $0.utf8.count <= 900 }
        return plain ? subject : encodedWords(subject).joined(separator: " ")
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 60 characters (so that `Subject: ` and the first
    /// word fit in 78), split between characters.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 36, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words
    }

    /// One line of text as quoted-printable (RFC 2045), with soft line breaks every 76 characters.
    static func quotedPrintable(_ line: String) -> String {
        let bytes = Array(line.utf8)
        var output = ""
        var length = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let token: String
            if (33...126).contains(byte) && byte != UInt8(ascii: "=") || (byte == 0x20 || byte == 0x09) && !isLast {
                token = String(UnicodeScalar(byte))
            } else {
                token = "=" + String(format: "%02X", byte)
            }
            // A soft break ("=") must fit in the 76 characters, except after the line's last token.
            if length + token.count > (isLast ? 76 : 75) {
                output += "=\r\n"
                length = 0
            }
            output += token
            length += token.count
        }
        return output
    }

    /// `Tue, 01 Dec 2026 09:30:00 +0000` (RFC 5322, in UTC).
    static func dateHeader(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ number: Int?) -> String { String(format: "%02d", number ?? 0) }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
