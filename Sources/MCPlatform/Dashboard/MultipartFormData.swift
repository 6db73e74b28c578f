import Foundation
import NIOCore

/// A `multipart/form-data` body (RFC 7578), parsed whole once it has been collected: the
/// dashboard's file uploads. Parts keep slices of the body, not copies.
struct MultipartFormData {
    /// One field or file.
    struct Part {
        let name: String
        /// The file name the browser sent (with `webkitdirectory`, the path inside the chosen
        /// folder); nil for a plain field.
        let filename: String?
        let body: ByteBuffer
    }

    /// Why a body cannot be read as a form.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
        /// More parts than allowed: a well-formed but too large form.
        var tooManyParts = false
    }

    let parts: [Part]

    /// The boundary of a `multipart/form-data` content type, or nil for any other type.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// Parses `body`; at most `maximumParts` parts, each with at most 16 KiB of headers.
    init(body: ByteBuffer, boundary: String, maximumParts: Int) throws(Malformed) {
        let body = body.getSlice(at: body.readerIndex, length: body.readableBytes) ?? ByteBuffer()
        let delimiter = Array("--\(boundary)".utf8)
        let parsed = body.withUnsafeReadableBytes { bytes in
            Result { () throws(Malformed) in try Self.ranges(of: bytes, delimiter: delimiter, maximumParts: maximumParts) }
        }
        var parts: [Part] = []
        for (headers, content) in try parsed.get() {
            let headerText = body.getString(at: headers.lowerBound, length: headers.count) ?? ""
            guard let disposition = Self.header("content-disposition", in: headerText) else {
                throw Malformed(description: "a part has no Content-Disposition")
            }
            let parameters = Self.parameters(disposition)
            guard let name = parameters["name"] else { throw Malformed(description: "a part has no name") }
            parts.append(
                Part(name: name, filename: parameters["filename"], body: body.getSlice(at: content.lowerBound, length: content.count)!))
        }
        self.parts = parts
    }

    /// The text of the first field `name` (at most 64 KiB), or nil.
    func field(_ name: String) -> String? {
        guard let part = parts.first(where: { $0.name == name && $0.filename == nil }), part.body.readableBytes <= 64 << 10 else {
            return nil
        }
        return String(buffer: part.body)
    }

    /// The files sent as `name`, without the empty part a browser sends for an empty file input.
    func files(_ name: String) -> [Part] {
        parts.filter { $0.name == name && $0.filename != nil && !($0.filename!.isEmpty && $0.body.readableBytes == 0) }
    }

    // MARK: Parsing

    /// The header and content byte ranges of every part.
    private static func ranges(
        of bytes: UnsafeRawBufferPointer, delimiter: [UInt8], maximumParts: Int
    ) throws(Malformed) -> [(Range<Int>, Range<Int>)] {
        let crlf: [UInt8] = [13, 10]
        // The first delimiter starts the body or follows a preamble and a line break.
        guard var position = find(delimiter, in: bytes, from: 0), position == 0 || position >= 2 && bytes[position - 2] == 13 else {
            throw Malformed(description: "the boundary does not occur")
        }
        var ranges: [(Range<Int>, Range<Int>)] = []
        while true {
            position += delimiter.count
            guard position + 2 <= bytes.count else { throw Malformed(description: "the body ends early") }
            if bytes[position] == 45, bytes[position + 1] == 45 { return ranges }  // "--": the last part is done
            while position < bytes.count, bytes[position] == 32 || bytes[position] == 9 { position += 1 }
            guard position + 2 <= bytes.count, bytes[position] == 13, bytes[position + 1] == 10 else {
                throw Malformed(description: "a boundary is not followed by a line break")
            }
            position += 2
            guard ranges.count < maximumParts else { throw Malformed(description: "too many parts", tooManyParts: true) }
            let headersEnd: Int
            if position + 2 <= bytes.count, bytes[position] == 13, bytes[position + 1] == 10 {
                headersEnd = position - 2
            } else {
                guard let end = find(crlf + crlf, in: bytes, from: position), end - position <= 16 << 10 else {
                    throw Malformed(description: "a part's headers do not end")
                }
                headersEnd = end
            }
            let contentStart = headersEnd + 4
            guard let next = find(crlf + delimiter, in: bytes, from: contentStart) else {
                throw Malformed(description: "a part does not end")
            }
            ranges.append((position..<max(position, headersEnd), contentStart..<next))
            position = next + 2
        }
    }

    /// The first index of `needle` in `bytes` at or after `start`.
    static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, !needle.isEmpty, start >= 0 else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            guard let hit = memchr(base + index, Int32(needle[0]), bytes.count - needle.count + 1 - index) else { return nil }
            index = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + index, needle, needle.count) == 0 { return index }
            index += 1
        }
        return nil
    }

    /// The value of header `name` (lowercase) in a part's header block.
    private static func header(_ name: String, in block: String) -> String? {
        for line in block.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name {
                return pair[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// The parameters of `form-data; name="files"; filename="a.md"`. Browsers escape `"`, CR
    /// and LF in names as `%22`, `%0D` and `%0A` (HTML's form encoding), and nothing else.
    static func parameters(_ disposition: String) -> [String: String] {
        var parameters: [String: String] = [:]
        var characters = Substring(disposition)
        guard let first = characters.firstIndex(of: ";") else { return [:] }
        characters = characters[characters.index(after: first)...]
        while !characters.isEmpty {
            characters = characters.drop { $0 == " " || $0 == ";" || $0 == "\t" }
            let key = characters.prefix { $0 != "=" && $0 != ";" }
            characters = characters.dropFirst(key.count)
            guard characters.first == "=" else { continue }
            characters = characters.dropFirst()
            var value = ""
            if characters.first == "\"" {
                // No backslash escapes: browsers send `\` as it is (a folder upload on Windows).
                characters = characters.dropFirst()
                value = String(characters.prefix { $0 != "\"" })
                characters = characters.dropFirst(value.count + 1)
            } else {
                value = String(characters.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces)
                characters = characters.drop { $0 != ";" }
            }
            let name = key.trimmingCharacters(in: .whitespaces).lowercased()
            if parameters[name] == nil {
                parameters[name] = value.replacingOccurrences(of: "%22", with: "\"").replacingOccurrences(of: "%0D", with: "\r")
                    .replacingOccurrences(of: "%0A", with: "\n")
            }
        }
        return parameters
    }
}
