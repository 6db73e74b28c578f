import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Uploading documentation: a `.zip` archive, files, or a folder (`webkitdirectory`), posted
/// as `multipart/form-data` to `…/docs/uploads`. See ``DocumentUpload`` for what is accepted
/// and why the files are stored in the database.
///
/// The route reads its own body, up to `--max-upload-mb` plus room for the form, rather than
/// the global `--max-body-bytes`: the role is checked before any of it is read, and a declared
/// `Content-Length` over the limit is refused at once. Every refusal is the documentation page
/// with the reason on the upload form (413 when too large, 422 when unusable), never a 500.
extension DocumentationPages {
    /// Room for the form around the files: a part's headers for each of up to 20,000 files.
    static let uploadFormOverhead = 8 << 20

    func upload(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (visitor, membership, server) = try await dashboard.serverScope(request, context)
        try dashboard.require(membership.role.canManageServers, visitor, membership, what: "upload documentation")
        let configuration = platform.configuration
        var fields: [String: String] = [:]
        func refuse(_ message: String, status: HTTPResponse.Status) async throws -> Response {
            try await sourcesPage(visitor, membership, server, form: fields, errors: ["upload": message], status: status)
        }
        let tooLarge =
            "The upload is larger than \(DocumentUpload.megabytes(configuration.maxUploadBytes)). Leave out what is not documentation (images, builds), or split it into several uploads."
        let maximumBody = configuration.maxUploadBytes + Self.uploadFormOverhead
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBody {
            return try await refuse(tooLarge, status: .contentTooLarge)
        }
        guard let boundary = request.headers[.contentType].flatMap(MultipartFormData.boundary(contentType:)) else {
            // A plain form still has its CSRF token checked first, as every dashboard POST does.
            _ = try await dashboard.form(request, visitor: visitor)
            return try await refuse("The form was not sent as multipart/form-data: choose files with the form below.", status: .badRequest)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBody)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            // NIO's NIOTooManyBytesError, for a body without Content-Length (chunked).
            return try await refuse(tooLarge, status: .contentTooLarge)
        }
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: body, boundary: boundary, maximumParts: DocumentUpload.Limits().maximumFiles + 16)
        } catch let error where error.tooManyParts {
            return try await refuse(
                "An upload may hold at most \(DocumentUpload.Limits().maximumFiles) files: zip the folder, or upload it in parts.",
                status: .contentTooLarge)
        } catch {
            return try await refuse("The upload could not be read (\(error)). Reload the page and try again.", status: .badRequest)
        }
        guard let csrf = form.field("_csrf"), csrf == visitor.csrfToken else { throw dashboard.csrfFailure() }
        fields["uploadName"] = form.field("name") ?? ""
        fields["uploadVersion"] = form.field("version") ?? ""
        let version = fields["uploadVersion"]!.trimmingCharacters(in: .whitespaces)
        guard version.count <= 100, !version.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            return try await refuse("The version must be at most 100 characters.", status: .unprocessableContent)
        }

        let uploads = form.files("files").map { DocumentUpload.Upload(filename: $0.filename ?? "", body: $0.body) }
        let store = UploadStore(database: platform.database)
        let docs = DocsStore(database: platform.database)
        let upload: DocumentUpload
        var name = fields["uploadName"]!.trimmingCharacters(in: .whitespaces)
        do {
            guard name.isEmpty || Self.isUsableUploadName(name) else {
                return try await refuse(
                    "The name must be at most 100 characters, without '/', '\\' or ':'.", status: .unprocessableContent)
            }
            var limits = DocumentUpload.Limits()
            limits.maximumBytes = configuration.maxUploadBytes
            limits.maximumPageBytes = configuration.ingestLimits.maximumPageBytes
            // The quota counts stored pages; those of the source this upload replaces are about to go.
            let provisional = try DocumentUpload(uploads, limits: limits)
            if name.isEmpty { name = provisional.suggestedName }
            let replaced = try await store.source(serverID: server.id, location: name, version: version.isEmpty ? "latest" : version)
            var used = try await docs.totalBytes(serverID: server.id)
            if let replaced { used -= try await docs.sourceStatistics(serverID: server.id)[replaced.id]?.bytes ?? 0 }
            let quota = configuration.ingestLimits.maximumServerBytes - used
            guard provisional.bytes <= quota else {
                throw DocumentUpload.Problem(
                    description:
                        "The files add up to \(DocumentUpload.megabytes(provisional.bytes)), more than the \(DocumentUpload.megabytes(max(quota, 0))) left in this server's documentation quota of \(DocumentUpload.megabytes(configuration.ingestLimits.maximumServerBytes)).",
                    tooLarge: true)
            }
            upload = provisional
        } catch let problem as DocumentUpload.Problem {
            return try await refuse(problem.description, status: problem.tooLarge ? .contentTooLarge : .unprocessableContent)
        }
        let job: IngestJob
        do {
            (_, job) = try await store.replace(
                serverID: server.id, location: name, version: version.isEmpty ? "latest" : version, upload: upload)
        } catch let taken as UploadStore.NameTaken {
            fields["uploadName"] = name
            return try await refuse(
                "A \(taken.kind.rawValue) source is already called \(name) for this version: choose another name.",
                status: .unprocessableContent)
        }
        context.logger.info(
            "documentation uploaded in the dashboard",
            metadata: [
                "tenant": .string(server.slug), "files": "\(upload.files.count)", "bytes": "\(upload.bytes)",
                "skipped": "\(upload.skipped.count)",
            ])
        return PageResponse.redirect("/orgs/\(membership.organization.slug)/servers/\(server.slug)/docs/jobs/\(job.id)").response
    }

    /// A name for an upload source: at most 100 characters, no control characters and nothing
    /// that reads as a path or a URL (`/`, `\`, `:`).
    static func isUsableUploadName(_ name: String) -> Bool {
        name.count <= 100 && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || "/\\:".unicodeScalars.contains($0) }
    }
}
