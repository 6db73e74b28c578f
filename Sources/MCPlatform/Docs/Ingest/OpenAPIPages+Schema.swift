import Foundation

extension OpenAPIPages {
    /// Resolves local `$ref`s (`#/components/schemas/Pet`) against the whole document.
    struct References: Sendable {
        /// The longest `$ref` → `$ref` chain followed.
        static let maxHops = 16

        let root: Value

        /// The outcome of following a value's `$ref`s.
        enum Resolution {
            /// The value itself, or the referenced one; `name` is the last reference's final segment.
            case resolved(Value, name: String?)
            /// Why the reference could not be followed, ready to render.
            case unresolved(String)
        }

        /// Follows `value`'s `$ref` chain; a value without `$ref` resolves to itself.
        func resolve(_ value: Value) -> Resolution {
            var current = value
            var name: String?
            var seen: Set<String> = []
            while case .string(let ref)? = current["$ref"] {
                guard seen.insert(ref).inserted, seen.count <= Self.maxHops else {
                    return .unresolved("(circular $ref \(OpenAPIPages.code(ref)))")
                }
                guard let target = target(of: ref) else { return .unresolved("(unresolved $ref \(OpenAPIPages.code(ref)))") }
                current = target
                name = ref.split(separator: "/").last.map { Self.unescape(String($0)) }
            }
            return .resolved(current, name: name)
        }

        /// The value at a local JSON pointer, or nil when it is missing or points into another document.
        func target(of ref: String) -> Value? {
            guard ref.hasPrefix("#") else { return nil }
            let fragment = String(ref.dropFirst())
            let pointer = fragment.contains("%") ? fragment.removingPercentEncoding ?? fragment : fragment
            var current = root
            for segment in pointer.split(separator: "/", omittingEmptySubsequences: true) {
                let key = Self.unescape(String(segment))
                if let array = current.array {
                    guard let index = Int(key), array.indices.contains(index) else { return nil }
                    current = array[index]
                } else {
                    guard let next = current[key] else { return nil }
                    current = next
                }
            }
            return current
        }

        private static func unescape(_ segment: String) -> String {
            guard segment.contains("~") else { return segment }
            return segment.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// Renders JSON Schemas as short type labels and nested Markdown field lists.
    struct SchemaRenderer {
        /// Levels of nested fields rendered below a body, parameter or response.
        static let maxDepth = 4
        /// Deepest `allOf` / `items` / label nesting followed without a named reference.
        static let maxStructuralDepth = 8
        /// Variants named in a `one of:` label (nested unnamed variants multiply).
        static let maxVariantLabels = 6

        let references: References

        // MARK: Labels

        /// A short type label: `string`, `array of Pet`, `Pet`, `one of: Cat | Dog`, `integer | null`.
        func label(of schema: Value, depth: Int = 0) -> String {
            guard depth < Self.maxDepth else { return "…" }
            switch references.resolve(schema) {
            case .unresolved(let marker): return marker
            case .resolved(let resolved, let name): return label(of: resolved, name: name, depth: depth)
            }
        }

        private func label(of schema: Value, name: String?, depth: Int) -> String {
            let types = typeNames(of: schema)
            var base: String
            if let const = schema["const"] {
                base = "constant \(OpenAPIPages.code(const.text ?? OpenAPIPages.json(const)))"
            } else if types.contains("array") || (types.isEmpty && schema["items"] != nil) {
                base = "array of " + (schema["items"].map { label(of: $0, depth: depth + 1) } ?? "any")
            } else if let variants = (schema["oneOf"] ?? schema["anyOf"])?.array, !variants.isEmpty {
                base =
                    name ?? "one of: "
                    + variants.prefix(Self.maxVariantLabels).map { label(of: $0, depth: depth + 1) }.joined(separator: " | ")
            } else if isObjectLike(schema, types: types) {
                base = name ?? mapLabel(of: schema, depth: depth) ?? "object"
            } else if let type = types.first(where: { $0 != "null" }) {
                base = name.map { "\(type) (\($0))" } ?? type
            } else {
                base = name ?? "any"
            }
            if let format = schema["format"]?.nonEmptyString { base += ", format: \(format)" }
            return isNullable(schema) ? base + " | null" : base
        }

        /// `map of string to X` for an object whose only shape is `additionalProperties`.
        private func mapLabel(of schema: Value, depth: Int) -> String? {
            guard schema["properties"] == nil, let additional = schema["additionalProperties"], additional.object != nil else { return nil }
            return "map of string to " + label(of: additional, depth: depth + 1)
        }

        /// `type` as a list (OpenAPI 3.1 allows `type: [string, "null"]`).
        func typeNames(of schema: Value) -> [String] {
            switch schema["type"] {
            case .string(let type)?: [type]
            case .array(let types)?: types.compactMap(\.text)
            default: []
            }
        }

        /// 3.0 `nullable: true`, a 3.1 `null` type, or a `{type: null}` variant.
        func isNullable(_ schema: Value) -> Bool {
            let variants = (schema["oneOf"] ?? schema["anyOf"])?.array ?? []
            return schema["nullable"]?.isTrue == true || typeNames(of: schema).contains("null")
                || variants.contains { $0["type"]?.text == "null" }
        }

        private func isObjectLike(_ schema: Value, types: [String]) -> Bool {
            types.contains("object") || schema["properties"] != nil || schema["allOf"] != nil
                || schema["additionalProperties"]?.object != nil
        }

        // MARK: Field lists

        /// Writes the fields of `schema` (object properties, array items' properties, variants) as a list at `level`.
        /// `trail` holds the named schemas being expanded, to stop at cycles.
        func writeFields(of schema: Value, level: Int, trail: [String], into writer: inout PageWriter) {
            guard case .resolved(let resolved, let name) = references.resolve(schema) else { return }
            let expandable = itemsSchema(of: resolved, name: name)
            guard case .resolved(let target, let targetName) = references.resolve(expandable.schema), hasFields(target) else { return }
            let trail = trail + [targetName ?? expandable.name].compactMap { $0 }
            guard level < Self.maxDepth else {
                writer.line(OpenAPIPages.listItem("*(nested fields not shown: depth limit of \(Self.maxDepth) levels)*", level: level))
                return
            }
            let shape = shape(of: target, trail: trail, depth: 0)
            for (property, propertySchema) in shape.properties {
                guard !writer.isFull else { return }
                writeField(property, propertySchema, required: shape.required.contains(property), level: level, trail: trail, into: &writer)
            }
            for (index, variant) in shape.variants.enumerated() {
                writer.line(OpenAPIPages.listItem("Option \(index + 1): \(label(of: variant))", level: level))
                writeNested(variant, level: level + 1, trail: trail, into: &writer)
            }
            if let additional = shape.additional {
                writer.line(OpenAPIPages.listItem("*any other key* (\(label(of: additional)))", level: level))
                writeNested(additional, level: level + 1, trail: trail, into: &writer)
            }
            for marker in shape.unresolved { writer.line(OpenAPIPages.listItem(marker, level: level)) }
        }

        private func writeField(
            _ property: String, _ schema: Value, required: Bool, level: Int, trail: [String], into writer: inout PageWriter
        ) {
            var attributes = [label(of: schema)]
            let resolved: Value
            switch references.resolve(schema) {
            case .unresolved: resolved = schema
            case .resolved(let value, _): resolved = value
            }
            if required { attributes.append("required") }
            if resolved["readOnly"]?.isTrue == true { attributes.append("read-only") }
            if resolved["writeOnly"]?.isTrue == true { attributes.append("write-only") }
            if resolved["deprecated"]?.isTrue == true { attributes.append("deprecated") }
            var line = "\(OpenAPIPages.code(property)) (\(attributes.joined(separator: ", ")))"
            let details = self.details(of: schema, resolved: resolved)
            if !details.isEmpty { line += " — " + details }
            writer.line(OpenAPIPages.listItem(line, level: level))
            writeNested(schema, level: level + 1, trail: trail, into: &writer)
        }

        /// Nested fields of a property or variant, or a marker when its schema is already being expanded.
        private func writeNested(_ schema: Value, level: Int, trail: [String], into writer: inout PageWriter) {
            guard case .resolved(let resolved, let name) = references.resolve(schema) else { return }
            let expandable = itemsSchema(of: resolved, name: name)
            if let name = expandable.name, trail.contains(name) {
                let marker = "*(recursive reference to \(OpenAPIPages.code(name)); its fields are listed above)*"
                writer.line(OpenAPIPages.listItem(marker, level: level))
                return
            }
            writeFields(of: schema, level: level, trail: trail, into: &writer)
        }

        /// Description, allowed values, default and example of a schema, as one paragraph.
        func details(of schema: Value, resolved: Value) -> String {
            let description = (schema["description"] ?? resolved["description"])?.nonEmptyString
            return [description, constraints(of: resolved)].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        }

        /// Allowed values, default and example of a resolved schema, as sentences.
        func constraints(of schema: Value) -> String {
            var parts: [String] = []
            if let values = enumValues(of: schema) { parts.append("Allowed values: \(values).") }
            if let fallback = schema["default"] { parts.append("Default: \(inline(fallback)).") }
            if let example = schema["example"] ?? schema["examples"]?.array?.first { parts.append("Example: \(inline(example)).") }
            return parts.joined(separator: " ")
        }

        /// `enum` values (also those of array items) as inline code.
        private func enumValues(of schema: Value) -> String? {
            let values = schema["enum"]?.array ?? references.resolvedValue(schema["items"])?["enum"]?.array
            guard let values, !values.isEmpty else { return nil }
            return values.map(inline).joined(separator: ", ")
        }

        private func inline(_ value: Value) -> String {
            let text = value.text ?? (value.array == nil && value.object == nil ? "null" : OpenAPIPages.json(value))
            let flattened = text.replacingOccurrences(of: "\n", with: " ")
            return OpenAPIPages.code(flattened.count > 200 ? String(flattened.prefix(200)) + "…" : flattened)
        }

        // MARK: Shapes

        /// The schema whose fields describe `schema`: array items are followed down to a non-array schema.
        private func itemsSchema(of schema: Value, name: String?) -> (schema: Value, name: String?) {
            var current = (schema: schema, name: name)
            for _ in 0..<Self.maxStructuralDepth {
                guard let items = current.schema["items"], case .resolved(let resolved, let itemsName) = references.resolve(items) else {
                    break
                }
                current = (resolved, itemsName)
            }
            return current
        }

        private func hasFields(_ schema: Value) -> Bool {
            schema["properties"]?.object != nil || schema["allOf"] != nil || schema["oneOf"] != nil || schema["anyOf"] != nil
                || schema["additionalProperties"]?.object != nil
        }

        /// An object schema's properties, with `allOf` members merged in.
        private struct Shape {
            var properties: [(String, Value)] = []
            var required: Set<String> = []
            var variants: [Value] = []
            var additional: Value?
            var unresolved: [String] = []

            /// Adds `other`'s members; a property defined again keeps its first position and takes the later schema.
            mutating func merge(_ other: Self) {
                var positions = Dictionary(properties.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { first, _ in first })
                for (name, schema) in other.properties {
                    if let index = positions[name] {
                        properties[index].1 = schema
                    } else {
                        positions[name] = properties.count
                        properties.append((name, schema))
                    }
                }
                required.formUnion(other.required)
                variants += other.variants
                additional = other.additional ?? additional
                unresolved += other.unresolved
            }
        }

        private func shape(of schema: Value, trail: [String], depth: Int) -> Shape {
            var shape = Shape()
            for member in schema["allOf"]?.array ?? [] where depth < Self.maxStructuralDepth {
                switch references.resolve(member) {
                case .unresolved(let marker):
                    shape.unresolved.append(marker)
                case .resolved(let resolved, let name):
                    if let name, trail.contains(name) { continue }
                    let memberShape = self.shape(of: resolved, trail: trail + [name].compactMap { $0 }, depth: depth + 1)
                    shape.merge(memberShape)
                }
            }
            shape.merge(ownShape(of: schema))
            return shape
        }

        private func ownShape(of schema: Value) -> Shape {
            var shape = Shape()
            shape.properties = schema["properties"]?.object?.entries.map { ($0.key, $0.value) } ?? []
            shape.required = Set(schema["required"]?.array?.compactMap(\.text) ?? [])
            shape.variants = ((schema["oneOf"] ?? schema["anyOf"])?.array ?? []).filter { $0["type"]?.text != "null" }
            shape.additional = schema["additionalProperties"].flatMap { $0.object == nil ? nil : $0 }
            return shape
        }
    }
}

extension OpenAPIPages.References {
    /// The value after following its `$ref`s, or nil when absent or unresolved.
    func resolvedValue(_ value: OpenAPIPages.Value?) -> OpenAPIPages.Value? {
        guard let value, case .resolved(let resolved, _) = resolve(value) else { return nil }
        return resolved
    }
}
