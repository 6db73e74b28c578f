import Foundation
import NIOCore
import Testing

@testable import MCPlatform

/// The zip reader and the multipart parser on their own: real archives from other tools, and
/// broken or hostile ones.
@Suite struct ZipArchiveTests {
    /// Made by Info-ZIP 3.0 (`zip -r -y -fz`): ZIP64 end records and sizes, Unix modes, a link.
    static let infoZip = Array(
        Data(
            base64Encoded: [
                "UEsDBC0AAAAAADyHeV0AAAAA//////////8FADAAc2l0ZS9VVAkAA5QTB2uUEwdrdXgLAAEEAAAAAAQAAAAAAQAQAAAAAAAAAAAA",
                "AAAAAAAAAABQSwMELQAAAAAAPId5XaY44pH//////////wwAMABzaXRlL2xpbmsubWRVVAkAA5QTB2uUEwdrdXgLAAEEAAAAAAQA",
                "AAAAAQAQABAAAAAAAAAAEAAAAAAAAABndWlkZS9pbnN0YWxsLm1kUEsDBC0AAAAIADyHeV21FCkk//////////8OADAAc2l0ZS9p",
                "bmRleC5yc3RVVAkAA5QTB2uUEwdrdXgLAAEEAAAAAAQAAAAAAQAQACkAAAAAAAAAJQAAAAAAAADzL0stKstMLeeyhQIurpCMVIXy",
                "zJT01BKFotS01KLUvORUPS4AUEsDBC0AAAAAADyHeV0AAAAA//////////8LADAAc2l0ZS9ndWlkZS9VVAkAA5QTB2uUEwdrdXgL",
                "AAEEAAAAAAQAAAAAAQAQAAAAAAAAAAAAAAAAAAAAAABQSwMELQAAAAgAPId5XYByCpr//////////xUAMABzaXRlL2d1aWRlL2lu",
                "c3RhbGwubWRVVAkAA5QTB2uUEwdrdXgLAAEEAAAAAAQAAAAAAQAQACsAAAAAAAAAKQAAAAAAAABTVvDMKy5JzMnh4goqzVMoyUhV",
                "SCvKT8rLTE4syS9SKMlXyITI63EBAFBLAQIeAwoAAAAAADyHeV0AAAAAAAAAAP////8FACQAAAAAAAAAEADtQQAAAABzaXRlL1VU",
                "BQADlBMHa3V4CwABBAAAAAAEAAAAAAEACAAAAAAAAAAAAFBLAQIeAy0AAAAAADyHeV2mOOKREAAAAP////8MACQAAAAAAAAAAAD/",
                "oVMAAABzaXRlL2xpbmsubWRVVAUAA5QTB2t1eAsAAQQAAAAABAAAAAABAAgAEAAAAAAAAABQSwECHgMtAAAACAA8h3ldtRQpJCUA",
                "AAD/////DgAkAAAAAAABAAAApIG9AAAAc2l0ZS9pbmRleC5yc3RVVAUAA5QTB2t1eAsAAQQAAAAABAAAAAABAAgAKQAAAAAAAABQ",
                "SwECHgMKAAAAAAA8h3ldAAAAAAAAAAD/////CwAkAAAAAAAAABAA7UE+AQAAc2l0ZS9ndWlkZS9VVAUAA5QTB2t1eAsAAQQAAAAA",
                "BAAAAAABAAgAAAAAAAAAAABQSwECHgMtAAAACAA8h3ldgHIKmikAAAD/////FQAkAAAAAAABAAAApIGXAQAAc2l0ZS9ndWlkZS9p",
                "bnN0YWxsLm1kVVQFAAOUEwdrdXgLAAEEAAAAAAQAAAAAAQAIACsAAAAAAAAAUEsGBiwAAAAAAAAAHgMtAAAAAAAAAAAABQAAAAAA",
                "AAAFAAAAAAAAANkBAAAAAAAAIwIAAAAAAABQSwYHAAAAAPwDAAAAAAAAAQAAAFBLBQYAAAAABQAFANkBAAD/////AAA=",
            ].joined())!)

    /// Made by Python's zipfile on a stream: data descriptors, a UTF-8 name, a ZIP64 local header.
    static let python = Array(
        Data(
            base64Encoded: [
                "UEsDBBQACAAIAESHeV0AAAAAAAAAAAAAAAAFAAAAZG9jcy8DAFBLBwgAAAAAAgAAAAAAAABQSwMELQAICAgAAAAhAAAAAAD/////",
                "/////w0AFABkb2NzL2NhZsOpLm1kAQAQAAAAAAAAAAAAAAAAAAAAAABTVnBOTDu8kosrJCNVIbW4oCi1uDhfIa0oPykvMzmxJL9I",
                "jwsAUEsHCEZG1ZYlAAAAAAAAACMAAAAAAAAAUEsDBBQACAAIAAAAIQAAAAAAAAAAAAAAAAAOAAAAZG9jcy9ub3Rlcy50eHQLyEnM",
                "zFPIyy9JLVZITMovLVEoz0xJTy0p1uMKIEsKAFBLBwg4LUd9IAAAAFEAAABQSwECFAMUAAgACABEh3ldAAAAAAIAAAAAAAAABQAA",
                "AAAAAAAAABAA/UEAAAAAZG9jcy9QSwECLQMtAAgICAAAACEARkbVliUAAAAjAAAADQAAAAAAAAAAAAAAgAE1AAAAZG9jcy9jYWbD",
                "qS5tZFBLAQIUAxQACAAIAAAAIQA4LUd9IAAAAFEAAAAOAAAAAAAAAAAAAACAAbEAAABkb2NzL25vdGVzLnR4dFBLBQYAAAAAAwAD",
                "AKoAAAANAQAAAAA=",
            ].joined())!)

    static func archive(_ bytes: [UInt8]) throws -> ZipArchive {
        try ZipArchive(ByteBuffer(bytes: bytes), maximumEntries: 100)
    }

    @Test func readsArchivesOfInfoZIP() throws {
        let archive = try Self.archive(Self.infoZip)
        #expect(archive.entries.map(\.name) == ["site/", "site/link.md", "site/index.rst", "site/guide/", "site/guide/install.md"])
        #expect(archive.entries.map(\.kind) == [.directory, .symbolicLink, .file, .directory, .file])
        let install = try #require(archive.entries.last)
        #expect(String(decoding: try archive.contents(of: install), as: UTF8.self) == "# Install\n\nRun the frobnicator to install.\n")
    }

    @Test func readsArchivesOfPython() throws {
        let archive = try Self.archive(Self.python)
        #expect(archive.entries.map(\.name) == ["docs/", "docs/café.md", "docs/notes.txt"])
        #expect(archive.entries.map(\.kind) == [.directory, .file, .file])
        #expect(String(decoding: try archive.contents(of: archive.entries[1]), as: UTF8.self) == "# Café\n\nThe espresso frobnicator.\n")
        #expect(try archive.contents(of: archive.entries[2]) == Array(String(repeating: "Plain notes about widgets.\n", count: 3).utf8))
    }

    @Test func readsItsOwnTestArchives() throws {
        let zip = TestZip([.init("a.md", "# A"), .init("b.md", "stored", deflate: false), .init("c/", "", deflate: false)])
        let archive = try Self.archive(zip.bytes)
        #expect(archive.entries.map(\.kind) == [.file, .file, .directory])
        #expect(try archive.entries.prefix(2).map { String(decoding: try archive.contents(of: $0), as: UTF8.self) } == ["# A", "stored"])
    }

    @Test(arguments: [[UInt8](), Array("not a zip at all, just text".utf8), [UInt8](repeating: 0, count: 100)])
    func whatIsNotAZipIsSaid(bytes: [UInt8]) {
        #expect(throws: ZipArchive.Failure.notAZip) { try Self.archive(bytes) }
    }

    @Test func truncatedDeflateStreamsFailAndDoNotHang() throws {
        var bytes = TestZip([.init("a.md", String(repeating: "lorem ipsum dolor ", count: 500))]).bytes
        // The central directory says the stream is half as long as it is.
        let central = try #require(Self.offsets(of: [0x50, 0x4B, 1, 2], in: bytes).first)
        let half = (Int(bytes[central + 20]) | Int(bytes[central + 21]) << 8) / 2
        bytes[central + 20] = UInt8(half & 0xFF)
        bytes[central + 21] = UInt8(half >> 8)
        let archive = try Self.archive(bytes)
        #expect(throws: ZipArchive.Failure.corrupt("a.md is truncated or not deflate data")) {
            try archive.contents(of: archive.entries[0])
        }
    }

    @Test func aHeaderThatUnderstatesTheSizeIsCaughtAfterOneByte() throws {
        let archive = try Self.archive(TestZip([.init("a.md", String(repeating: "x", count: 100_000), declaredSize: 1000)]).bytes)
        #expect(throws: ZipArchive.Failure.corrupt("a.md is larger than its header says")) { try archive.contents(of: archive.entries[0]) }
    }

    @Test func aBadChecksumIsCaught() throws {
        var bytes = TestZip([.init("a.md", "checksummed text", deflate: false)]).bytes
        bytes[30 + 4] ^= 0xFF  // a byte of the stored content
        let archive = try Self.archive(bytes)
        #expect(throws: ZipArchive.Failure.corrupt("a.md fails its checksum")) { try archive.contents(of: archive.entries[0]) }
    }

    @Test func entriesSharingDataAreRefused() throws {
        var bytes = TestZip([.init("a.md", "one"), .init("b.md", "two")]).bytes
        // Point the second central-directory entry at the first local header.
        let second = try #require(Self.offsets(of: [0x50, 0x4B, 1, 2], in: bytes).last)
        bytes.replaceSubrange((second + 42)..<(second + 46), with: [0, 0, 0, 0])
        #expect(throws: ZipArchive.Failure.corrupt("two entries share the same data")) { try Self.archive(bytes) }
    }

    @Test func tooManyEntriesAreRefusedBeforeReadingThem() {
        let zip = TestZip((0..<12).map { .init("\($0).md", "x") })
        #expect(throws: ZipArchive.Failure.tooManyEntries(12)) { try ZipArchive(ByteBuffer(bytes: zip.bytes), maximumEntries: 10) }
    }

    static func offsets(of signature: [UInt8], in bytes: [UInt8]) -> [Int] {
        (0...(bytes.count - signature.count)).filter { Array(bytes[$0..<$0 + signature.count]) == signature }
    }

    // MARK: Multipart

    @Test func multipartPartsAndFileNames() throws {
        var body = ByteBuffer(string: "preamble\r\n")
        body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\ntoken\r\n")
        body.writeString("--XyZ\r\ncontent-disposition: form-data; name=\"files\"; filename=\"docs/a %22b%22.md\"\r\n\r\n# A\r\n\r\n")
        body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"..\\evil.md\"\r\n\r\n\r\n")
        body.writeString("--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\"\r\n\r\n\r\n--XyZ--\r\n")
        let form = try MultipartFormData(body: body, boundary: "XyZ", maximumParts: 10)
        #expect(form.field("_csrf") == "token")
        #expect(form.files("files").map(\.filename) == ["docs/a \"b\".md", "..\\evil.md"])
        #expect(form.files("files").map { String(buffer: $0.body) } == ["# A\r\n", ""])
        #expect(MultipartFormData.boundary(contentType: "multipart/form-data; boundary=\"XyZ\"") == "XyZ")
        #expect(MultipartFormData.boundary(contentType: "application/x-www-form-urlencoded") == nil)
    }

    @Test(arguments: [
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
        "no boundary here",
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
        String(repeating: "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n", count: 11) + "--XyZ--",
    ])
    func malformedMultipartIsRefused(body: String) {
        #expect(throws: MultipartFormData.Malformed.self) {
            try MultipartFormData(body: ByteBuffer(string: body), boundary: "XyZ", maximumParts: 10)
        }
    }
}
