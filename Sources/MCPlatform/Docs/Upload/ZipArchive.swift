import CZlib
import NIOCore

/// A zip archive held in memory, read defensively: every offset and size is checked against
/// the bytes, an entry is inflated into a buffer of exactly its declared size (one byte more
/// means the header lied, and it is refused), and its CRC-32 is checked. Nothing is written to
/// disk, so entry names are only ever page URLs.
///
/// Supported: stored and deflated entries, ZIP64 sizes and offsets, Unix modes (symbolic links
/// and special files are told apart). Not supported: encryption, other compression methods,
/// archives split over several files, data prepended to the archive (self-extracting).
struct ZipArchive {
    /// One entry of the central directory.
    struct Entry: Sendable {
        /// The name as stored (UTF-8, or Latin-1 when it is not valid UTF-8).
        let name: String
        let kind: Kind
        /// Encrypted entries cannot be read.
        let isEncrypted: Bool
        /// 0 stored, 8 deflated; other methods cannot be read.
        let method: Int
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int

        var isReadable: Bool { !isEncrypted && (method == 0 || method == 8) }
    }

    enum Kind: Sendable {
        case file, directory, symbolicLink, special
    }

    /// Why the archive or an entry cannot be read.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// No end-of-central-directory record: not a zip archive.
        case notAZip
        /// More entries than allowed (the count is the archive's own).
        case tooManyEntries(Int)
        /// Offsets or sizes that do not fit the bytes, a bad checksum, a lying size.
        case corrupt(String)

        var description: String {
            switch self {
            case .notAZip: "not a zip archive"
            case .tooManyEntries(let count): "the archive has \(count) entries"
            case .corrupt(let reason): "the archive is damaged: \(reason)"
            }
        }
    }

    let entries: [Entry]
    private let data: ByteBuffer

    /// Reads the central directory of `buffer`; refuses more than `maximumEntries` entries
    /// before reading any.
    init(_ buffer: ByteBuffer, maximumEntries: Int) throws(Failure) {
        let data = buffer.getSlice(at: buffer.readerIndex, length: buffer.readableBytes) ?? ByteBuffer()
        self.data = data
        let reader = Reader(data: data)
        let directory = try reader.centralDirectory()
        guard directory.count <= maximumEntries else { throw .tooManyEntries(directory.count) }
        var entries: [Entry] = []
        entries.reserveCapacity(directory.count)
        var position = directory.offset
        let end = directory.offset + directory.size
        for _ in 0..<directory.count {
            let (entry, next) = try reader.entry(at: position, end: end)
            entries.append(entry)
            position = next
        }
        // Entries sharing data (overlapping local headers) are a known way to multiply the
        // work of a small archive.
        var offsets = Set<Int>()
        for entry in entries where entry.kind == .file && !offsets.insert(entry.localHeaderOffset).inserted {
            throw .corrupt("two entries share the same data")
        }
        self.entries = entries
    }

    /// The bytes of a readable file entry, checked against its declared size and CRC-32.
    /// The caller bounds `entry.uncompressedSize` first: that is all that is ever allocated.
    func contents(of entry: Entry) throws(Failure) -> [UInt8] {
        let reader = Reader(data: data)
        let start = try reader.dataStart(of: entry)
        guard entry.compressedSize <= data.readableBytes - start else { throw .corrupt("\(entry.name) extends past the archive") }
        let bytes: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else { throw .corrupt("\(entry.name) has inconsistent sizes") }
            bytes = data.getBytes(at: start, length: entry.compressedSize) ?? []
        case 8:
            let inflated = data.withUnsafeReadableBytes { raw in
                Result { () throws(Failure) in
                    try Self.inflate(
                        UnsafeRawBufferPointer(rebasing: raw[start..<start + entry.compressedSize]), size: entry.uncompressedSize,
                        name: entry.name)
                }
            }
            bytes = try inflated.get()
        default:
            throw .corrupt("\(entry.name) uses compression method \(entry.method)")
        }
        let checksum = bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
        guard checksum == entry.crc32 else { throw .corrupt("\(entry.name) fails its checksum") }
        return bytes
    }

    /// Inflates a raw deflate stream into exactly `size` bytes: a stream that is longer (a
    /// header that understates it) or shorter is refused.
    private static func inflate(_ input: UnsafeRawBufferPointer, size: Int, name: String) throws(Failure) -> [UInt8] {
        guard input.count < UInt32.max, size < UInt32.max - 1 else { throw .corrupt("\(name) is too large") }
        var stream = z_stream()
        guard czlib_inflate_init_raw(&stream) == Z_OK else { throw .corrupt("cannot inflate \(name)") }
        defer { inflateEnd(&stream) }
        // One byte more than declared, to notice a stream that does not stop there.
        var output = [UInt8](repeating: 0, count: size + 1)
        var status = Z_OK
        output.withUnsafeMutableBufferPointer { output in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            stream.next_out = output.baseAddress
            stream.avail_out = UInt32(output.count)
            status = CZlib.inflate(&stream, Z_FINISH)
        }
        let produced = size + 1 - Int(stream.avail_out)
        guard produced <= size else { throw .corrupt("\(name) is larger than its header says") }
        guard status == Z_STREAM_END, produced == size else { throw .corrupt("\(name) is truncated or not deflate data") }
        output.removeLast()
        return output
    }
}

/// Little-endian fields of the archive, every read bounds-checked.
private struct Reader {
    let data: ByteBuffer

    typealias Failure = ZipArchive.Failure

    func u16(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, let value = data.getInteger(at: offset, endianness: .little, as: UInt16.self) else {
            throw .corrupt("a record extends past the archive")
        }
        return Int(value)
    }

    func u32(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, let value = data.getInteger(at: offset, endianness: .little, as: UInt32.self) else {
            throw .corrupt("a record extends past the archive")
        }
        return Int(value)
    }

    func u64(_ offset: Int) throws(Failure) -> Int {
        guard offset >= 0, let value = data.getInteger(at: offset, endianness: .little, as: UInt64.self), value <= 1 << 48 else {
            throw .corrupt("a ZIP64 field is out of range")
        }
        return Int(value)
    }

    /// Where the central directory is and how many entries it has, from the end-of-central-
    /// directory record (and its ZIP64 version when the counts overflow).
    func centralDirectory() throws(Failure) -> (offset: Int, size: Int, count: Int) {
        let length = data.readableBytes
        guard length >= 22 else { throw .notAZip }
        // The record is 22 bytes followed by a comment of at most 65535.
        var record = length - 22
        while (try? u32(record)) != 0x0605_4b50 {
            record -= 1
            guard record >= 0, record >= length - 22 - 0xFFFF else { throw .notAZip }
        }
        guard try u16(record + 4) == 0, try u16(record + 6) == 0 else {
            throw .corrupt("archives split over several files are not supported")
        }
        var count = try u16(record + 10)
        var size = try u32(record + 12)
        var offset = try u32(record + 16)
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = record - 20
            guard locator >= 0, try u32(locator) == 0x0706_4b50 else { throw .corrupt("missing ZIP64 locator") }
            let zip64 = try u64(locator + 8)
            guard try u32(zip64) == 0x0606_4b50 else { throw .corrupt("missing ZIP64 end record") }
            count = try u64(zip64 + 32)
            size = try u64(zip64 + 40)
            offset = try u64(zip64 + 48)
        }
        guard offset <= length, size <= length - offset, count <= size / 46 else {
            throw .corrupt("the central directory does not fit the archive")
        }
        return (offset, size, count)
    }

    /// The central-directory entry at `position`, and where the next one starts.
    func entry(at position: Int, end: Int) throws(Failure) -> (ZipArchive.Entry, Int) {
        guard try u32(position) == 0x0201_4b50 else { throw .corrupt("bad central directory entry") }
        let madeBy = try u16(position + 4)
        let flags = try u16(position + 8)
        let method = try u16(position + 10)
        let crc32 = UInt32(try u32(position + 16))
        var compressedSize = try u32(position + 20)
        var uncompressedSize = try u32(position + 24)
        let nameLength = try u16(position + 28)
        let extraLength = try u16(position + 30)
        let commentLength = try u16(position + 32)
        let external = try u32(position + 38)
        var localHeaderOffset = try u32(position + 42)
        let next = position + 46 + nameLength + extraLength + commentLength
        guard next <= end, let nameBytes = data.getBytes(at: position + 46, length: nameLength) else {
            throw .corrupt("a central directory entry extends past the directory")
        }
        // ZIP64 extended information: the 64-bit values of the fields that are all ones, in order.
        var extra = position + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let id = try u16(extra)
            let fieldLength = try u16(extra + 2)
            guard extra + 4 + fieldLength <= extraEnd else { break }
            if id == 0x0001 {
                var field = extra + 4
                if uncompressedSize == 0xFFFF_FFFF, field + 8 <= extra + 4 + fieldLength {
                    uncompressedSize = try u64(field)
                    field += 8
                }
                if compressedSize == 0xFFFF_FFFF, field + 8 <= extra + 4 + fieldLength {
                    compressedSize = try u64(field)
                    field += 8
                }
                if localHeaderOffset == 0xFFFF_FFFF, field + 8 <= extra + 4 + fieldLength {
                    localHeaderOffset = try u64(field)
                }
            }
            extra += 4 + fieldLength
        }
        let name = String(validating: nameBytes, as: UTF8.self) ?? String(nameBytes.map { Character(Unicode.Scalar($0)) })
        let entry = ZipArchive.Entry(
            name: name, kind: Self.kind(name: name, madeBy: madeBy, external: external), isEncrypted: flags & 1 != 0, method: method,
            crc32: crc32, compressedSize: compressedSize, uncompressedSize: uncompressedSize, localHeaderOffset: localHeaderOffset)
        return (entry, next)
    }

    /// Where an entry's data starts, after its local header.
    func dataStart(of entry: ZipArchive.Entry) throws(Failure) -> Int {
        let header = entry.localHeaderOffset
        guard try u32(header) == 0x0403_4b50 else { throw .corrupt("\(entry.name) has no local header") }
        return header + 30 + (try u16(header + 26)) + (try u16(header + 28))
    }

    /// The kind of entry: Unix modes (archives made on Unix or macOS) tell links and special
    /// files apart; otherwise a trailing `/` or the MS-DOS directory bit marks a directory.
    static func kind(name: String, madeBy: Int, external: Int) -> ZipArchive.Kind {
        let host = madeBy >> 8
        let mode = external >> 16
        if host == 3 || host == 19, mode != 0 {
            switch mode & 0o170000 {
            case 0o040000: return .directory
            case 0o120000: return .symbolicLink
            case 0o010000, 0o020000, 0o060000, 0o140000: return .special  // FIFO, devices, socket
            default: return name.hasSuffix("/") ? .directory : .file  // regular, or permissions only (Python's zipfile)
            }
        }
        return name.hasSuffix("/") || external & 0x10 != 0 ? .directory : .file
    }
}
