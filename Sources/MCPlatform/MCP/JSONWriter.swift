import Foundation
import MCP
import NIOCore

/// Writes JSON straight into a `ByteBuffer`: the answers of the hot MCP methods (``DirectJSONResult``)
/// skip Foundation's `JSONEncoder`, which builds a tree of boxed values and walks it through
/// `Encodable` for every `Value` a result holds.
///
/// The text matches `JSONEncoder` with `.withoutEscapingSlashes` up to key order and number
/// spelling: strings escape `"`, `\` and control characters, everything else is raw UTF-8.
/// Non-finite numbers (which `JSONEncoder` refuses) are written as `null`.
struct JSONWriter {
    var buffer: ByteBuffer

    init(buffer: ByteBuffer = ByteBuffer()) {
        self.buffer = buffer
    }

    mutating func write(_ value: Value) {
        switch value {
        case .null: buffer.writeStaticString("null")
        case .bool(let flag): buffer.writeStaticString(flag ? "true" : "false")
        case .int(let number): buffer.writeString(String(number))
        case .double(let number): write(number)
        case .string(let text): write(text)
        case .data(let mimeType, let data): write(data.dataURLEncoded(mimeType: mimeType))
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                write(element)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case .object(let members):
            var object = beginObject()
            for (key, member) in members { object.member(key, &self) { $0.write(member) } }
            endObject()
        }
    }

    mutating func write(_ number: Double) {
        guard number.isFinite else {
            buffer.writeStaticString("null")
            return
        }
        if number == number.rounded(.towardZero), abs(number) < 1e15 {
            buffer.writeString(String(Int64(number)))
        } else {
            buffer.writeString(number.description)
        }
    }

    /// A JSON string literal, escaped as `JSONEncoder` does (slashes left alone).
    mutating func write(_ text: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0xF)])
                }
                start = index + 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Bytes that already are JSON (encoded once, written many times).
    mutating func writeRaw(_ json: ByteBuffer) {
        var json = json
        buffer.writeBuffer(&json)
    }

    /// `value` through `JSONEncoder`: for the rare parts of a result without a direct form.
    mutating func writeEncoded(_ value: some Encodable) throws {
        buffer.writeBytes(try Self.encoder.encode(value))
    }

    /// The encoder for what has no direct form, shared (it is safe to use concurrently).
    static let encoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()

    /// Opens an object; write its members through the returned ``Object``, then ``endObject()``.
    mutating func beginObject() -> Object {
        buffer.writeInteger(UInt8(ascii: "{"))
        return Object()
    }

    mutating func endObject() {
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// The members of an open object, comma-separated.
    struct Object {
        private var empty = true

        /// Writes `"key":` and the value `body` writes.
        mutating func member(_ key: String, _ writer: inout JSONWriter, _ body: (inout JSONWriter) throws -> Void) rethrows {
            if !empty { writer.buffer.writeInteger(UInt8(ascii: ",")) }
            empty = false
            writer.write(key)
            writer.buffer.writeInteger(UInt8(ascii: ":"))
            try body(&writer)
        }
    }
}
