import Foundation

/// An OpenAPI 3 document rendered as one Markdown page per operation (plus an overview page).
///
/// Each operation page (`<name>#<operationId or method-path>`) carries the method and path, parameters,
/// request body fields, responses and security under their own headings, so that each becomes a search
/// chunk. Local `$ref`s are resolved; cycles, missing targets and deep nesting are marked in the text.
enum OpenAPIPages {
    /// Largest spec accepted.
    static let maxSpecBytes = 20 * 1024 * 1024
    /// Most operation pages produced; later operations are listed in the overview only.
    static let maxOperationPages = 5_000
    /// Most Markdown produced for one spec, across all pages.
    static let maxTotalBytes = 64 * 1024 * 1024

    /// HTTP methods an OpenAPI path item can hold, in the order the specification lists them.
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `data`: the spec, JSON or YAML. `name`: the spec's file name, used in page URLs.
    /// Throws IngestError.sourceUnavailable with a clear reason when the data is not an OpenAPI 3 document
    /// (e.g. "not JSON or YAML", "missing 'openapi' field", "Swagger 2.0 is not supported; convert it to OpenAPI 3", "no paths").
    static func pages(from data: Data, name: String) throws(IngestError) -> [FetchedDocument] {
        guard data.count <= maxSpecBytes else {
            throw .sourceUnavailable("the spec is larger than \(maxSpecBytes / 1024 / 1024) MB")
        }
        let root = try validatedRoot(load(data))
        let operations = try collectOperations(root)
        let renderer = OperationRenderer(root: root)
        var documents: [FetchedDocument] = []
        var totalBytes = 0
        var slugs = SlugSet()
        for operation in operations.prefix(maxOperationPages) {
            let markdown = renderer.page(for: operation)
            totalBytes += markdown.utf8.count
            guard totalBytes <= maxTotalBytes else { break }
            let url = "\(name)#\(slugs.unique(operation.slug))"
            documents.append(FetchedDocument(url: url, format: .markdown, data: Data(markdown.utf8), fallbackTitle: operation.title))
        }
        let overview = renderer.overview(operations: operations, renderedCount: documents.count)
        let title = root["info"]?["title"]?.nonEmptyString ?? name
        return [FetchedDocument(url: name, format: .markdown, data: Data(overview.utf8), fallbackTitle: title)] + documents
    }

    /// The document's root object, once it is known to be OpenAPI 3 with paths.
    static func validatedRoot(_ value: Value) throws(IngestError) -> Value {
        guard value.object != nil else {
            throw .sourceUnavailable("not an OpenAPI document: the top level is not a JSON/YAML object")
        }
        if value["swagger"] != nil {
            throw .sourceUnavailable("Swagger 2.0 is not supported; convert it to OpenAPI 3")
        }
        guard let version = value["openapi"]?.text else { throw .sourceUnavailable("missing 'openapi' field") }
        guard version.hasPrefix("3.") else {
            throw .sourceUnavailable("OpenAPI version \(version) is not supported; only OpenAPI 3.x is")
        }
        switch value["paths"] {
        case .object(let paths)? where !paths.keys.isEmpty: return value
        case .array?: throw .sourceUnavailable("no paths: 'paths' is a list, not an object")
        default: throw .sourceUnavailable("no paths")
        }
    }

    /// Every operation under `paths`, in document order.
    static func collectOperations(_ root: Value) throws(IngestError) -> [Operation] {
        let references = References(root: root)
        var operations: [Operation] = []
        for (path, item) in root["paths"]?.object?.entries ?? [] {
            guard let pathItem = references.resolvedValue(item)?.object else { continue }
            for method in pathItem.keys where methods.contains(method.lowercased()) {
                guard let operation = pathItem[method], operation.object != nil else { continue }
                operations.append(Operation(method: method.uppercased(), path: path, pathItem: .object(pathItem), operation: operation))
            }
        }
        guard !operations.isEmpty else { throw .sourceUnavailable("no operations under 'paths'") }
        return operations
    }

    /// One operation: a method on a path, with the path item it belongs to.
    struct Operation {
        let method: String
        let path: String
        let pathItem: Value
        let operation: Value

        /// `METHOD /path`.
        var signature: String { "\(method) \(path)" }

        var summary: String? {
            operation["summary"]?.nonEmptyString.map { $0.replacingOccurrences(of: "\n", with: " ") }
        }

        /// The page title: the summary, or `METHOD /path`.
        var title: String { summary ?? signature }

        /// The sanitized operationId, else `method-path` (`get-users-id` for `GET /users/{id}`).
        var slug: String {
            if let operationId = operation["operationId"]?.text {
                let sanitized = OpenAPIPages.slug(operationId, lowercased: false)
                if !sanitized.isEmpty { return sanitized }
            }
            return OpenAPIPages.slug("\(method) \(path)", lowercased: true)
        }
    }

    /// Runs of characters outside `[A-Za-z0-9_-]` become one `-`; leading and trailing `-` are dropped.
    static func slug(_ text: String, lowercased: Bool) -> String {
        var slug = ""
        for scalar in (lowercased ? text.lowercased() : text).unicodeScalars {
            let allowed = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-")
            if allowed {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("-") {
                slug += "-"
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug
    }

    /// Page anchors handed out so far, to make each one unique.
    struct SlugSet {
        private var used: Set<String> = []
        private var lastSuffix: [String: Int] = [:]

        /// `slug`, or `slug-2`, `slug-3`, … when already taken.
        mutating func unique(_ slug: String) -> String {
            var candidate = slug
            while !used.insert(candidate).inserted {
                let suffix = (lastSuffix[slug] ?? 1) + 1
                lastSuffix[slug] = suffix
                candidate = "\(slug)-\(suffix)"
            }
            return candidate
        }
    }
}
