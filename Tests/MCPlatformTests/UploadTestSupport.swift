import CZlib
import Foundation
import NIOCore

/// A `multipart/form-data` body as a browser sends it: fields, then files.
struct MultipartBody: Sendable {
    var boundary = "----MCPlatformTestBoundary7MA4YWxkTrZu0gW"
    var fields: [(String, String)] = []
    var files: [(name: String, filename: String, content: [UInt8])] = []

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    var buffer: ByteBuffer {
        var buffer = ByteBuffer()
        for (name, value) in fields {
            buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        for file in files {
            let filename = file.filename.replacingOccurrences(of: "\"", with: "%22")
            buffer.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(filename)\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n")
            buffer.writeBytes(file.content)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return buffer
    }

    /// The upload form: `_csrf`, name and version, and `files`.
    static func upload(csrf: String?, files: [(String, [UInt8])], name: String = "", version: String = "") -> MultipartBody {
        var body = MultipartBody()
        if let csrf { body.fields.append(("_csrf", csrf)) }
        body.fields += [("name", name), ("version", version)]
        body.files = files.map { ("files", $0.0, $0.1) }
        return body
    }
}

/// Zip archives written by hand, so that tests can make hostile ones: names that leave the
/// folder, links, sizes that lie, high compression ratios.
struct TestZip {
    struct Entry {
        var name: String
        var content: [UInt8]
        var deflate = true
        /// A Unix mode (`0o120777` for a link); nil: made on MS-DOS, no mode.
        var unixMode: Int?
        /// The uncompressed size the headers claim, when not the real one.
        var declaredSize: Int?

        init(_ name: String, _ text: String, deflate: Bool = true, unixMode: Int? = nil, declaredSize: Int? = nil) {
            self.init(name, Array(text.utf8), deflate: deflate, unixMode: unixMode, declaredSize: declaredSize)
        }

        init(_ name: String, _ content: [UInt8], deflate: Bool = true, unixMode: Int? = nil, declaredSize: Int? = nil) {
            self.name = name
            self.content = content
            self.deflate = deflate
            self.unixMode = unixMode
            self.declaredSize = declaredSize
        }
    }

    var entries: [Entry]

    init(_ entries: [Entry]) {
        self.entries = entries
    }

    var bytes: [UInt8] {
        var archive: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let data = entry.deflate ? Self.deflate(entry.content) : entry.content
            let crc = entry.content.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, UInt32($0.count))) }
            let name = Array(entry.name.utf8)
            let size = UInt32(entry.declaredSize ?? entry.content.count)
            let offset = UInt32(archive.count)
            func common(_ bytes: inout [UInt8]) {
                bytes.append(le: UInt16(20))  // version needed
                bytes.append(le: UInt16(0x800))  // UTF-8 names
                bytes.append(le: UInt16(entry.deflate ? 8 : 0))
                bytes.append(le: UInt16(0))  // time
                bytes.append(le: UInt16(0x21))  // date: 1980-01-01
                bytes.append(le: crc)
                bytes.append(le: UInt32(data.count))
                bytes.append(le: size)
                bytes.append(le: UInt16(name.count))
                bytes.append(le: UInt16(0))  // extra
            }
            archive.append(le: UInt32(0x0403_4b50))
            common(&archive)
            archive += name + data
            directory.append(le: UInt32(0x0201_4b50))
            directory.append(le: UInt16(entry.unixMode == nil ? 20 : 3 << 8 | 20))
            common(&directory)
            directory.append(le: UInt16(0))  // comment
            directory.append(le: UInt16(0))  // disk
            directory.append(le: UInt16(0))  // internal attributes
            directory.append(le: UInt32((entry.unixMode ?? 0) << 16))
            directory.append(le: offset)
            directory += name
        }
        let directoryOffset = UInt32(archive.count)
        archive += directory
        archive.append(le: UInt32(0x0605_4b50))
        archive.append(le: UInt16(0))
        archive.append(le: UInt16(0))
        archive.append(le: UInt16(entries.count))
        archive.append(le: UInt16(entries.count))
        archive.append(le: UInt32(directory.count))
        archive.append(le: directoryOffset)
        archive.append(le: UInt16(0))
        return archive
    }

    /// Raw deflate, as zip entries hold it.
    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(czlib_deflate_init_raw(&stream, 9) == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 16)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                stream.next_in = input.baseAddress
                stream.avail_in = UInt32(input.count)
                stream.next_out = output.baseAddress
                stream.avail_out = UInt32(output.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END)
        return Array(output.prefix(Int(stream.total_out)))
    }
}

extension [UInt8] {
    fileprivate mutating func append<T: FixedWidthInteger>(le value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
