import Foundation
import NIOCore

/// Documentation uploaded in the dashboard, as a `.zip` archive or as files chosen one by one
/// or as a whole folder: checked, unpacked and reduced to the files worth ingesting.
///
/// Design:
/// - **Stored in the database, not on disk.** Instances share one database, and any instance's
///   worker may claim the ingestion job, so the accepted files go to `doc_upload_files`
///   (source, path, bytes, hash) and ``UploadSource`` reads them from there like
///   ``FolderSource`` reads a folder. Uploading again under the same name and version replaces
///   the files in one transaction with queuing the job; unchanged pages are skipped by hash.
/// - **Nothing from an archive touches the file system.** Entry names only become page URLs,
///   yet a name that leaves the folder (`..`, an absolute path, a drive letter) refuses the
///   whole upload: such an archive is broken or hostile. Symbolic links and device files are
///   skipped, never followed; `__MACOSX/`, dotfiles and `node_modules/` are ignored.
/// - **Bounded work for any input.** The request body is capped (``Limits/maximumBytes`` plus
///   room for the form) before parsing; an archive may list at most ``Limits/maximumFiles``
///   entries; declared sizes are checked against the per-file limit and the per-upload cap
///   before anything is inflated (the server's quota once the files are read); an entry that expands more than
///   ``Limits/maximumRatio`` times (past 1 MiB) refuses the upload as a zip bomb; and each entry
///   is inflated into a buffer of exactly its declared size, so a header that lies is caught
///   after one byte, and entries sharing data are refused.
/// - **Only documentation.** Markdown, MDX, reST, HTML and text by extension, plus YAML/JSON
///   files that are OpenAPI 3 documents; files that are binary or not UTF-8 are skipped. Every
///   skipped file is reported with its reason. When every file sits in one folder (a zipped or
///   chosen folder), that folder is dropped from the page URLs and names the source.
struct DocumentUpload: Sendable {
    struct Limits: Sendable {
        /// Total bytes of the files, uncompressed (and, with form overhead, of the request).
        var maximumBytes = 100 << 20
        var maximumFiles = 20_000
        /// Largest page (`--max-page-kb`); OpenAPI documents may be larger, as for URL sources.
        var maximumPageBytes = 4 << 20
        /// Expansion beyond which an entry of 1 MiB or more is taken for a zip bomb.
        static let maximumRatio = 100
    }

    /// One file to ingest, its path relative to the upload.
    struct File: Sendable {
        let path: String
        let content: [UInt8]
    }

    /// Why an upload is refused as a whole.
    struct Problem: Error, Equatable, CustomStringConvertible {
        let description: String
        /// Too large for a limit or the quota (413), rather than unusable (422).
        var tooLarge = false
    }

    /// A file from the form: its name (a path with `webkitdirectory`) and bytes.
    struct Upload: Sendable {
        let filename: String
        let body: ByteBuffer
    }

    private(set) var files: [File] = []
    private(set) var skipped: [UploadSkippedFile] = []
    /// A name for the source: the folder the files were in, or the archive's name.
    private(set) var suggestedName = "Uploaded files"

    var bytes: Int { files.reduce(0) { $0 + $1.content.count } }

    /// Reads the form's files: one `.zip` archive, or documentation files.
    init(_ uploads: [Upload], limits: Limits) throws(Problem) {
        guard !uploads.isEmpty else { throw Problem(description: "Choose a .zip archive, files or a folder to upload.") }
        guard uploads.count <= limits.maximumFiles else {
            throw Problem(
                description: "\(uploads.count) files is too many: an upload may hold at most \(limits.maximumFiles).", tooLarge: true)
        }
        var candidates: [Candidate] = []
        var archiveName: String?
        if uploads.count == 1, let upload = uploads.first, Self.isZip(upload) {
            archiveName = upload.filename
            candidates = try Self.entries(of: upload, limits: limits)
        } else {
            for upload in uploads {
                let zipped = upload.filename.lowercased().hasSuffix(".zip")
                candidates.append(
                    Candidate(
                        name: upload.filename, size: upload.body.readableBytes,
                        unreadable: zipped ? "a .zip archive is only unpacked when uploaded on its own" : nil,
                        read: { Array(upload.body.readableBytesView) }))
            }
        }
        try select(candidates, limits: limits, archiveName: archiveName)
    }

    // MARK: Archives

    /// A file of the upload before it is accepted: an archive entry or a file of the form.
    private struct Candidate {
        let name: String
        let size: Int
        /// Why the file cannot be read at all (a link, encryption…).
        var unreadable: String?
        let read: () throws(Problem) -> [UInt8]
    }

    /// A `.zip`, or a file without extension that starts like one (not a `.docx` or `.jar`,
    /// which are zip archives too).
    private static func isZip(_ upload: Upload) -> Bool {
        let fileExtension = (upload.filename as NSString).pathExtension.lowercased()
        let magic = upload.body.getBytes(at: upload.body.readerIndex, length: 4) ?? []
        return fileExtension == "zip" || fileExtension.isEmpty && (magic == [0x50, 0x4B, 3, 4] || magic == [0x50, 0x4B, 5, 6])
    }

    /// The entries of an archive, after the checks that refuse it as a whole.
    private static func entries(of upload: Upload, limits: Limits) throws(Problem) -> [Candidate] {
        let name = (upload.filename as NSString).lastPathComponent
        let archive: ZipArchive
        do {
            archive = try ZipArchive(upload.body, maximumEntries: limits.maximumFiles)
        } catch .notAZip {
            throw Problem(description: "\(name) is not a zip archive.")
        } catch .tooManyEntries(let count) {
            throw Problem(
                description: "\(name) holds \(count) entries: an upload may hold at most \(limits.maximumFiles) files.", tooLarge: true)
        } catch {
            throw Problem(description: "\(name) cannot be read: \(error).")
        }
        guard archive.entries.contains(where: { $0.kind != .directory }) else { throw Problem(description: "\(name) is empty.") }
        for entry in archive.entries where entry.kind == .file && entry.uncompressedSize >= 1 << 20 {
            guard entry.uncompressedSize / max(entry.compressedSize, 1) <= Limits.maximumRatio else {
                throw Problem(
                    description:
                        "\(name) looks like a zip bomb: \(entry.name) would expand \(entry.uncompressedSize / max(entry.compressedSize, 1)) times. It was not unpacked."
                )
            }
        }
        return archive.entries.filter { $0.kind != .directory }.map { entry in
            var unreadable: String?
            switch entry.kind {
            case .symbolicLink: unreadable = "a symbolic link (links are not followed)"
            case .special: unreadable = "not a regular file"
            case .file, .directory:
                if entry.isEncrypted {
                    unreadable = "encrypted"
                } else if !entry.isReadable {
                    unreadable = "compressed with an unsupported method (\(entry.method)); use deflate"
                }
            }
            return Candidate(
                name: entry.name, size: entry.uncompressedSize, unreadable: unreadable,
                read: { () throws(Problem) in
                    do {
                        return try archive.contents(of: entry)
                    } catch {
                        throw Problem(description: "\(name) cannot be read: \(error).")
                    }
                })
        }
    }

    // MARK: Selection

    /// Keeps the documentation files within the limits, and notes why the others are skipped.
    private mutating func select(_ candidates: [Candidate], limits: Limits, archiveName: String?) throws(Problem) {
        // First the names and sizes, which can refuse the upload before anything is read.
        var chosen: [(path: [String], candidate: Candidate)] = []
        var paths = Set<String>()
        var total = 0
        for candidate in candidates {
            let components: [String]
            switch try Self.name(candidate.name) {
            case .ignored: continue
            case .unusable(let shown):
                skip(shown, "control characters or an overlong path in the name")
                continue
            case .path(let path): components = path
            }
            let path = components.joined(separator: "/")
            if let reason = candidate.unreadable ?? Self.unsupportedReason(path) {
                skip(path, reason)
                continue
            }
            let limit = Self.isSpec(path) ? max(limits.maximumPageBytes, OpenAPIPages.maxSpecBytes) : limits.maximumPageBytes
            guard candidate.size <= limit else {
                skip(path, "larger than the \(limit >> 10) KiB page limit (\(candidate.size >> 10) KiB)")
                continue
            }
            guard candidate.size > 0 else {
                skip(path, "empty")
                continue
            }
            guard paths.insert(path).inserted else {
                skip(path, "another file has the same path")
                continue
            }
            total += candidate.size
            chosen.append((components, candidate))
        }
        guard total <= limits.maximumBytes else {
            throw Problem(
                description:
                    "The files add up to \(Self.megabytes(total)); an upload may hold at most \(Self.megabytes(limits.maximumBytes)).",
                tooLarge: true)
        }
        // Then the contents.
        var kept: [(path: [String], content: [UInt8])] = []
        for (components, candidate) in chosen {
            let path = components.joined(separator: "/")
            let content = try candidate.read()
            if let reason = Self.unusableContent(content, path: path) {
                skip(path, reason)
                continue
            }
            kept.append((components, content))
        }
        guard !kept.isEmpty else {
            let reasons = Set(skipped.map(\.reason)).sorted().prefix(3).joined(separator: "; ")
            throw Problem(
                description: skipped.isEmpty
                    ? "The upload holds no files to ingest, only folders or hidden files."
                    : "Nothing to ingest: none of the \(skipped.count) files is documentation (\(reasons)). Accepted: .md, .mdx, .rst, .html, .txt and OpenAPI .yaml/.json."
            )
        }
        // One folder around everything (a zipped or chosen folder) is not part of the pages' URLs.
        var common = kept.first.flatMap { $0.path.count > 1 ? $0.path[0] : nil }
        if let folder = common, !kept.allSatisfy({ $0.path.count > 1 && $0.path[0] == folder }) { common = nil }
        files = kept.map { File(path: $0.path.dropFirst(common == nil ? 0 : 1).joined(separator: "/"), content: $0.content) }
        let named = archiveName.map { ($0 as NSString).lastPathComponent } ?? common
        if let named { suggestedName = Self.sourceName(from: named) }
    }

    private mutating func skip(_ path: String, _ reason: String) {
        skipped.append(UploadSkippedFile(path: path, reason: reason))
    }

    /// What an entry's name is.
    private enum Name {
        /// Folders, hidden files, `__MACOSX`, `node_modules`.
        case ignored
        case path([String])
        /// A name that cannot be a page's URL: control characters, or overlong.
        case unusable(String)
    }

    /// The components of an entry's path. A path that leaves the upload refuses it.
    private static func name(_ name: String) throws(Problem) -> Name {
        let normalized = name.replacingOccurrences(of: "\\", with: "/")
        let components = normalized.split(separator: "/").map(String.init).filter { $0 != "." }
        let drive = components.first.map { $0.count == 2 && $0.hasSuffix(":") && $0.first!.isLetter } ?? false
        guard !normalized.hasPrefix("/"), !drive, !components.contains("..") else {
            throw Problem(description: "The upload was refused: \(name) points outside the folder (an absolute path or '..').")
        }
        guard !components.isEmpty, !normalized.hasSuffix("/"),
            !components.contains(where: { $0.hasPrefix(".") || $0 == "__MACOSX" || $0 == "node_modules" })
        else { return .ignored }
        guard normalized.utf8.count <= 1024, !normalized.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .unusable(
                String(String.UnicodeScalarView(normalized.unicodeScalars.prefix(200).filter { $0.value >= 0x20 && $0.value != 0x7F })))
        }
        return .path(components)
    }

    /// Why a path is not read as documentation, from its extension.
    private static func unsupportedReason(_ path: String) -> String? {
        if DocumentFormat(path: path) != nil || isSpec(path) { return nil }
        let fileExtension = (path as NSString).pathExtension.lowercased()
        if ["zip", "tar", "gz", "tgz", "7z", "rar"].contains(fileExtension) { return "an archive inside the upload (not unpacked)" }
        return fileExtension.isEmpty ? "not a documentation file" : "not a documentation file (.\(fileExtension))"
    }

    static func isSpec(_ path: String) -> Bool {
        ["yaml", "yml", "json"].contains((path as NSString).pathExtension.lowercased())
    }

    /// Why a file's bytes cannot be a page: binary, not UTF-8, or (YAML/JSON) not OpenAPI 3.
    private static func unusableContent(_ content: [UInt8], path: String) -> String? {
        guard !content.prefix(8192).contains(0), String(validating: content, as: UTF8.self) != nil else {
            return "binary or not UTF-8 text"
        }
        guard isSpec(path) else { return nil }
        let head = String(decoding: content.prefix(64 << 10), as: UTF8.self)
        guard head.contains("openapi") || head.contains("swagger") else { return "YAML or JSON that is not an OpenAPI document" }
        do {
            _ = try OpenAPIPages.validatedRoot(try OpenAPIPages.load(Data(content)))
            return nil
        } catch {
            return "not a usable OpenAPI document: \(error)"
        }
    }

    /// A source name from a file or folder name: without `.zip`, separators and control
    /// characters, at most 100 characters.
    static func sourceName(from name: String) -> String {
        var name = name
        if name.lowercased().hasSuffix(".zip") { name = String(name.dropLast(4)) }
        let cleaned = String(name.unicodeScalars.map { $0.value < 0x20 || "/\\:".unicodeScalars.contains($0) ? "-" : Character($0) })
            .trimmingCharacters(in: .whitespaces)
        return cleaned.isEmpty ? "Uploaded files" : String(cleaned.prefix(100))
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes < 1 << 20 ? "\(max(bytes >> 10, bytes > 0 ? 1 : 0)) KiB" : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}
