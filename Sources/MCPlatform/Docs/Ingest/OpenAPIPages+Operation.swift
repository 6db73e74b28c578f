import Foundation

extension OpenAPIPages {
    /// Writes the Markdown of operation pages and of the overview page.
    struct OperationRenderer {
        /// Largest example rendered; bigger ones are replaced by a note.
        static let maxExampleBytes = 20_000

        let root: Value
        let references: References
        let schemas: SchemaRenderer

        init(root: Value) {
            self.root = root
            references = References(root: root)
            schemas = SchemaRenderer(references: references)
        }

        /// The page of one operation.
        func page(for operation: Operation) -> String {
            var writer = PageWriter()
            writeHeader(operation, into: &writer)
            writeParameters(operation, into: &writer)
            writeRequestBody(operation, into: &writer)
            writeResponses(operation, into: &writer)
            writeSecurity(operation, into: &writer)
            return writer.page
        }

        // MARK: Header

        private func writeHeader(_ operation: Operation, into writer: inout PageWriter) {
            writer.paragraph("# \(operation.title)")
            writer.paragraph(OpenAPIPages.code(operation.signature))
            var facts: [String] = []
            if let operationId = operation.operation["operationId"]?.text {
                facts.append("Operation ID: \(OpenAPIPages.code(operationId))")
            }
            let tags = operation.operation["tags"]?.array?.compactMap(\.text) ?? []
            if !tags.isEmpty { facts.append("Tags: \(tags.joined(separator: ", "))") }
            if let api = apiName { facts.append("API: \(api)") }
            let servers = operation.operation["servers"] ?? operation.pathItem["servers"] ?? root["servers"]
            if let server = servers?.array?.first?["url"]?.text { facts.append("Server: \(OpenAPIPages.code(server))") }
            if !facts.isEmpty { writer.paragraph(facts.map { OpenAPIPages.listItem($0, level: 0) }.joined(separator: "\n")) }
            if operation.operation["deprecated"]?.isTrue == true {
                writer.paragraph("> **Deprecated:** this operation is deprecated and may be removed.")
            }
            for description in [operation.pathItem["description"], operation.operation["description"]].compactMap({ $0?.nonEmptyString }) {
                writer.paragraph(description)
            }
        }

        /// `title version` from `info`.
        private var apiName: String? {
            let parts = [root["info"]?["title"]?.nonEmptyString, root["info"]?["version"]?.text].compactMap { $0 }
            return parts.isEmpty ? nil : parts.joined(separator: " ")
        }

        // MARK: Parameters

        private func writeParameters(_ operation: Operation, into writer: inout PageWriter) {
            let parameters = mergedParameters(operation)
            guard !parameters.isEmpty else { return }
            writer.paragraph("## Parameters")
            for parameter in parameters {
                switch references.resolve(parameter) {
                case .unresolved(let marker): writer.line(OpenAPIPages.listItem(marker, level: 0))
                case .resolved(let resolved, _): writeParameter(resolved, into: &writer)
                }
            }
            writer.line("")
        }

        /// Path-level parameters overridden by operation-level ones with the same name and location.
        private func mergedParameters(_ operation: Operation) -> [Value] {
            let pathLevel = operation.pathItem["parameters"]?.array ?? []
            let operationLevel = operation.operation["parameters"]?.array ?? []
            let overridden = Set(operationLevel.map(parameterKey))
            return pathLevel.filter { !overridden.contains(parameterKey($0)) } + operationLevel
        }

        private func parameterKey(_ parameter: Value) -> String {
            guard let resolved = references.resolvedValue(parameter) else { return parameter["$ref"]?.text ?? "" }
            return "\(resolved["in"]?.text ?? "")/\(resolved["name"]?.text ?? "")"
        }

        private func writeParameter(_ parameter: Value, into writer: inout PageWriter) {
            let schema = parameter["schema"] ?? firstMediaType(of: parameter["content"])?.value["schema"]
            let resolvedSchema = references.resolvedValue(schema) ?? .null
            var attributes = [parameter["in"]?.text ?? "location unknown"]
            if let schema { attributes.append(schemas.label(of: schema)) }
            if parameter["required"]?.isTrue == true { attributes.append("required") }
            if parameter["deprecated"]?.isTrue == true { attributes.append("deprecated") }
            let name = parameter["name"]?.text ?? "(unnamed)"
            var line = "\(OpenAPIPages.code(name)) (\(attributes.joined(separator: ", ")))"
            var details = [parameter["description"]?.nonEmptyString ?? resolvedSchema["description"]?.nonEmptyString].compactMap { $0 }
            let constraints = schemas.constraints(of: resolvedSchema)
            if !constraints.isEmpty { details.append(constraints) }
            if let example = parameter["example"]?.text { details.append("Example: \(OpenAPIPages.code(example)).") }
            if !details.isEmpty { line += " — " + details.joined(separator: " ") }
            writer.line(OpenAPIPages.listItem(line, level: 0))
            if let schema { schemas.writeFields(of: schema, level: 1, trail: [], into: &writer) }
        }

        // MARK: Request body

        private func writeRequestBody(_ operation: Operation, into writer: inout PageWriter) {
            guard let body = operation.operation["requestBody"] else { return }
            writer.paragraph("## Request body")
            let resolved: Value
            switch references.resolve(body) {
            case .unresolved(let marker):
                writer.paragraph(marker)
                return
            case .resolved(let value, _):
                resolved = value
            }
            let lead = [resolved["required"]?.isTrue == true ? "Required." : "Optional.", resolved["description"]?.nonEmptyString]
            writer.paragraph(lead.compactMap { $0 }.joined(separator: " "))
            for (mediaType, media) in resolved["content"]?.object?.entries ?? [] {
                writer.paragraph("### \(OpenAPIPages.code(mediaType))")
                writeMedia(mediaType, media, into: &writer)
            }
        }

        /// A media type's schema label and fields, then its examples.
        private func writeMedia(_ mediaType: String, _ media: Value, into writer: inout PageWriter) {
            if let schema = media["schema"] {
                writer.paragraph("Schema: \(schemas.label(of: schema))")
                let before = writer.text.utf8.count
                schemas.writeFields(of: schema, level: 0, trail: [], into: &writer)
                if writer.text.utf8.count > before { writer.line("") }
            }
            writeExamples(of: media, mediaType: mediaType, into: &writer)
        }

        private func writeExamples(of media: Value, mediaType: String, into writer: inout PageWriter) {
            if let example = media["example"] {
                writer.paragraph("Example:")
                writer.paragraph(exampleBlock(example, mediaType: mediaType))
            } else if let examples = media["examples"]?.object, !examples.keys.isEmpty {
                for (name, example) in examples.entries { writeNamedExample(name, example, mediaType: mediaType, into: &writer) }
            } else if let example = references.resolvedValue(media["schema"])?["example"] {
                writer.paragraph("Example:")
                writer.paragraph(exampleBlock(example, mediaType: mediaType))
            }
        }

        private func writeNamedExample(_ name: String, _ example: Value, mediaType: String, into writer: inout PageWriter) {
            guard case .resolved(let resolved, _) = references.resolve(example) else {
                writer.paragraph(
                    "Example \(OpenAPIPages.code(name)): \(example["$ref"]?.text.map { "(unresolved $ref \(OpenAPIPages.code($0)))" } ?? "")"
                )
                return
            }
            let summary = resolved["summary"]?.nonEmptyString.map { " — \($0)" } ?? ""
            writer.paragraph("Example \(OpenAPIPages.code(name))\(summary):")
            if let description = resolved["description"]?.nonEmptyString { writer.paragraph(description) }
            if let value = resolved["value"] {
                writer.paragraph(exampleBlock(value, mediaType: mediaType))
            } else if let external = resolved["externalValue"]?.text {
                writer.paragraph("See \(external)")
            }
        }

        /// A fenced block: strings verbatim (language from the media type), other values as JSON.
        private func exampleBlock(_ example: Value, mediaType: String) -> String {
            let (code, language) =
                if case .string(let text) = example { (text, language(of: mediaType)) } else { (OpenAPIPages.json(example), "json") }
            guard code.utf8.count <= Self.maxExampleBytes else {
                return "*(example omitted: larger than \(Self.maxExampleBytes / 1000) KB)*"
            }
            return OpenAPIPages.fenced(code, language: language)
        }

        private func language(of mediaType: String) -> String {
            let type = mediaType.lowercased()
            return ["json", "xml", "yaml", "html", "csv"].first { type.contains($0) } ?? ""
        }

        private func firstMediaType(of content: Value?) -> (key: String, value: Value)? {
            content?.object?.entries.first
        }

        // MARK: Responses

        private func writeResponses(_ operation: Operation, into writer: inout PageWriter) {
            guard let responses = operation.operation["responses"]?.object, !responses.keys.isEmpty else { return }
            writer.paragraph("## Responses")
            for (status, response) in responses.entries {
                switch references.resolve(response) {
                case .unresolved(let marker):
                    writer.paragraph("### \(status)")
                    writer.paragraph(marker)
                case .resolved(let resolved, _):
                    writeResponse(status, resolved, into: &writer)
                }
            }
        }

        private func writeResponse(_ status: String, _ response: Value, into writer: inout PageWriter) {
            let description = response["description"]?.nonEmptyString
            if let description, !description.contains("\n"), description.count <= 120 {
                writer.paragraph("### \(status) — \(description)")
            } else {
                writer.paragraph("### \(status)")
                if let description { writer.paragraph(description) }
            }
            for (mediaType, media) in response["content"]?.object?.entries ?? [] {
                writer.paragraph("Content \(OpenAPIPages.code(mediaType)):")
                writeMedia(mediaType, media, into: &writer)
            }
            writeHeaders(of: response, into: &writer)
        }

        private func writeHeaders(of response: Value, into writer: inout PageWriter) {
            guard let headers = response["headers"]?.object, !headers.keys.isEmpty else { return }
            writer.paragraph("Headers:")
            for (name, header) in headers.entries {
                let resolved = references.resolvedValue(header) ?? .null
                let label = resolved["schema"].map { schemas.label(of: $0) } ?? "string"
                let description = resolved["description"]?.nonEmptyString.map { " — \($0)" } ?? ""
                writer.line(OpenAPIPages.listItem("\(OpenAPIPages.code(name)) (\(label))\(description)", level: 0))
            }
            writer.line("")
        }

        // MARK: Security

        private func writeSecurity(_ operation: Operation, into writer: inout PageWriter) {
            guard let requirements = (operation.operation["security"] ?? root["security"])?.array else { return }
            let alternatives = requirements.compactMap(\.object)
            guard !alternatives.isEmpty else { return }
            writer.paragraph("## Security")
            if alternatives.contains(where: { $0.keys.isEmpty }) { writer.paragraph("Authentication is optional.") }
            let described = alternatives.filter { !$0.keys.isEmpty }.map { requirement in
                requirement.entries.map { describeRequirement(scheme: $0.key, scopes: $0.value) }.joined(separator: " and ")
            }
            if described.count > 1 { writer.paragraph("Any one of:") }
            for line in described { writer.line(OpenAPIPages.listItem(line, level: 0)) }
            writer.line("")
        }

        private func describeRequirement(scheme: String, scopes: Value) -> String {
            let scopeList = scopes.array?.compactMap(\.text) ?? []
            let scopeText = scopeList.isEmpty ? "" : " (scopes: \(scopeList.map(OpenAPIPages.code).joined(separator: ", ")))"
            return "\(OpenAPIPages.code(scheme)): \(describeScheme(named: scheme))\(scopeText)"
        }

        /// A security scheme from `components.securitySchemes` in words.
        func describeScheme(named name: String) -> String {
            guard let scheme = references.resolvedValue(root["components"]?["securitySchemes"]?[name]) else {
                return "(security scheme not defined in components)"
            }
            var text: String
            switch scheme["type"]?.text {
            case "apiKey":
                text = "API key in \(scheme["in"]?.text ?? "?") \(OpenAPIPages.code(scheme["name"]?.text ?? "?"))"
            case "http":
                let httpScheme = scheme["scheme"]?.text ?? "?"
                text = "HTTP \(httpScheme) authentication" + (scheme["bearerFormat"]?.text.map { " (\($0))" } ?? "")
            case "oauth2":
                text = "OAuth 2.0" + oauthFlows(scheme["flows"])
            case "openIdConnect":
                text = "OpenID Connect" + (scheme["openIdConnectUrl"]?.text.map { " (\($0))" } ?? "")
            case let other:
                text = other ?? "unknown scheme type"
            }
            if let description = scheme["description"]?.nonEmptyString {
                text += ". " + description.replacingOccurrences(of: "\n", with: " ")
            }
            return text
        }

        private func oauthFlows(_ flows: Value?) -> String {
            let described = flows?.object?.entries.map { flow, details in
                let urls = ["authorizationUrl", "tokenUrl"].compactMap { key in details[key]?.text.map { "\(key): \($0)" } }
                return urls.isEmpty ? "\(flow) flow" : "\(flow) flow, \(urls.joined(separator: ", "))"
            }
            return described.map { $0.isEmpty ? "" : " (\($0.joined(separator: "; ")))" } ?? ""
        }

        // MARK: Overview

        /// The overview page: title, description, servers, authentication and every operation by tag.
        func overview(operations: [Operation], renderedCount: Int) -> String {
            var writer = PageWriter()
            writer.paragraph("# \(apiName ?? "API")")
            if let description = root["info"]?["description"]?.nonEmptyString { writer.paragraph(description) }
            writeServers(into: &writer)
            writeSchemes(into: &writer)
            if renderedCount < operations.count {
                writer.paragraph("*Only the first \(renderedCount) of \(operations.count) operations have their own page (size limits).*")
            }
            for (tag, tagged) in groupedByTag(operations) {
                writer.paragraph(tag.map { "## Operations: \($0)" } ?? "## Operations")
                if let tag, let description = tagDescription(tag) { writer.paragraph(description) }
                for operation in tagged {
                    let summary = operation.summary.map { " — \($0)" } ?? ""
                    writer.line(OpenAPIPages.listItem("\(OpenAPIPages.code(operation.signature))\(summary)", level: 0))
                }
                writer.line("")
            }
            return writer.page
        }

        private func writeServers(into writer: inout PageWriter) {
            let servers = root["servers"]?.array?.compactMap { server in
                server["url"]?.text.map { url in
                    OpenAPIPages.code(url) + (server["description"]?.nonEmptyString.map { " — \($0)" } ?? "")
                }
            }
            guard let servers, !servers.isEmpty else { return }
            writer.paragraph("## Servers")
            writer.paragraph(servers.map { OpenAPIPages.listItem($0, level: 0) }.joined(separator: "\n"))
        }

        private func writeSchemes(into writer: inout PageWriter) {
            guard let names = root["components"]?["securitySchemes"]?.object?.keys, !names.isEmpty else { return }
            writer.paragraph("## Authentication")
            writer.paragraph(
                names.map { OpenAPIPages.listItem("\(OpenAPIPages.code($0)): \(describeScheme(named: $0))", level: 0) }.joined(
                    separator: "\n"))
        }

        /// Operations grouped by their first tag: declared tags first, then others as met, untagged last.
        private func groupedByTag(_ operations: [Operation]) -> [(tag: String?, operations: [Operation])] {
            var order = root["tags"]?.array?.compactMap { $0["name"]?.text } ?? []
            var groups: [String: [Operation]] = [:]
            var untagged: [Operation] = []
            for operation in operations {
                guard let tag = operation.operation["tags"]?.array?.first?.text else {
                    untagged.append(operation)
                    continue
                }
                if groups[tag] == nil, !order.contains(tag) { order.append(tag) }
                groups[tag, default: []].append(operation)
            }
            let tagged = order.compactMap { tag in groups[tag].map { (tag: Optional(tag), operations: $0) } }
            return untagged.isEmpty ? tagged : tagged + [(tag: nil, operations: untagged)]
        }

        private func tagDescription(_ tag: String) -> String? {
            root["tags"]?.array?.first { $0["name"]?.text == tag }?["description"]?.nonEmptyString
        }
    }
}
