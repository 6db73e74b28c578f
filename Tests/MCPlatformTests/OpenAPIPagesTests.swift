import Foundation
import Testing

@testable import MCPlatform

/// A petstore-like OpenAPI 3.0 spec exercising refs, parameters, bodies, enums, arrays, nesting, examples and security.
private let petstoreYAML = """
    openapi: 3.0.3
    info:
      title: Petstore API
      version: 1.2.0
      description: Manage the pets and users of a pet store.
    servers:
      - url: https://api.petstore.example/v1
        description: Production
    security:
      - api_key: []
    tags:
      - name: pets
        description: Everything about pets.
    paths:
      /pets:
        get:
          operationId: listPets
          summary: List pets
          tags: [pets]
          parameters:
            - name: limit
              in: query
              description: How many pets to return.
              schema: { type: integer, format: int32, default: 20 }
            - name: status
              in: query
              schema:
                type: array
                items: { type: string, enum: [available, pending, sold] }
          responses:
            '200':
              description: A page of pets.
              headers:
                X-Next-Page:
                  description: Cursor of the next page.
                  schema: { type: string }
              content:
                application/json:
                  schema:
                    type: array
                    items: { $ref: '#/components/schemas/Pet' }
            default:
              $ref: '#/components/responses/Error'
        post:
          operationId: createPet
          summary: Create a pet
          description: |
            Adds a pet to the store.

            ```bash
            curl -X POST https://api.petstore.example/v1/pets -d '{"name":"Rex"}'
            ```
          tags: [pets]
          requestBody:
            $ref: '#/components/requestBodies/PetBody'
          responses:
            '201':
              description: The created pet.
              content:
                application/json:
                  schema: { $ref: '#/components/schemas/Pet' }
          security:
            - oauth: [write:pets]
      /pets/{petId}:
        parameters:
          - $ref: '#/components/parameters/PetId'
        get:
          summary: Get a pet
          deprecated: true
          responses:
            '200':
              description: The pet.
              content:
                application/json:
                  schema: { $ref: '#/components/schemas/Pet' }
                  examples:
                    rex:
                      summary: A dog
                      value: { id: 1, name: Rex, status: available }
            '404':
              $ref: '#/components/responses/Missing'
        delete:
          operationId: createPet
          responses:
            '204': { description: Deleted. }
      /users:
        post:
          summary: Create a user
          requestBody:
            required: true
            content:
              application/json:
                schema: { $ref: '#/components/schemas/User' }
                example: { email: a@example.com, address: { city: Oslo } }
          responses:
            '201': { description: Created. }
    components:
      parameters:
        PetId:
          name: petId
          in: path
          required: true
          description: The pet's id.
          schema: { type: integer, format: int64 }
      requestBodies:
        PetBody:
          required: true
          description: The pet to add.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/NewPet' }
      responses:
        Error:
          description: Unexpected error.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Error' }
      schemas:
        NewPet:
          type: object
          required: [name]
          properties:
            name: { type: string, description: The pet's name. }
            status: { type: string, enum: [available, pending, sold], description: Sale status. }
            tags:
              type: array
              items: { $ref: '#/components/schemas/Tag' }
            owner: { $ref: '#/components/schemas/User' }
        Pet:
          allOf:
            - $ref: '#/components/schemas/NewPet'
            - type: object
              required: [id]
              properties:
                id: { type: integer, format: int64, readOnly: true }
                parent: { $ref: '#/components/schemas/Pet' }
        Tag:
          type: object
          properties:
            label: { type: string }
        User:
          type: object
          required: [email]
          properties:
            email: { type: string, format: email }
            address:
              type: object
              properties:
                city: { type: string, description: City name. }
                geo:
                  type: object
                  properties:
                    point:
                      type: object
                      properties:
                        lat: { type: number }
                        deeper:
                          type: object
                          properties:
                            tooDeep: { type: string }
        Error:
          type: object
          properties:
            code: { type: integer }
            message: { type: string }
      securitySchemes:
        api_key: { type: apiKey, in: header, name: X-API-Key }
        oauth:
          type: oauth2
          flows:
            clientCredentials:
              tokenUrl: https://auth.petstore.example/token
              scopes: { write:pets: Modify pets }
    """

private func pages(_ text: String, name: String = "petstore.yaml") throws -> [FetchedDocument] {
    try OpenAPIPages.pages(from: Data(text.utf8), name: name)
}

private func markdown(_ page: FetchedDocument) -> String {
    String(decoding: page.data, as: UTF8.self)
}

private func page(_ pages: [FetchedDocument], _ url: String) throws -> String {
    try markdown(#require(pages.first { $0.url == url }))
}

/// The reason of an `IngestError.sourceUnavailable`, or nil when the spec was accepted.
private func rejection(_ text: String) -> String? {
    do {
        _ = try OpenAPIPages.pages(from: Data(text.utf8), name: "spec")
        return nil
    } catch .sourceUnavailable(let reason) {
        return reason
    } catch {
        return "unexpected \(error)"
    }
}

@Suite struct OpenAPIPagesTests {
    @Test func urlsTitlesAndCollisions() throws {
        let result = try pages(petstoreYAML)
        #expect(
            result.map(\.url) == [
                "petstore.yaml", "petstore.yaml#listPets", "petstore.yaml#createPet", "petstore.yaml#get-pets-petid",
                "petstore.yaml#createPet-2", "petstore.yaml#post-users",
            ])
        #expect(
            result.map(\.fallbackTitle) == [
                "Petstore API", "List pets", "Create a pet", "Get a pet", "DELETE /pets/{petId}", "Create a user",
            ])
        #expect(result.allSatisfy { $0.format == .markdown })
    }

    @Test func operationPageHasHeaderParametersAndResponses() throws {
        let list = try page(pages(petstoreYAML), "petstore.yaml#listPets")
        #expect(list.hasPrefix("# List pets\n\n`GET /pets`\n"))
        #expect(list.contains("Tags: pets"))
        #expect(list.contains("Server: `https://api.petstore.example/v1`"))
        #expect(list.contains("## Parameters"))
        #expect(list.contains("- `limit` (query, integer, format: int32) — How many pets to return. Default: `20`."))
        #expect(list.contains("- `status` (query, array of string) — Allowed values: `available`, `pending`, `sold`."))
        #expect(list.contains("### 200 — A page of pets."))
        #expect(list.contains("Schema: array of Pet"))
        #expect(list.contains("- `X-Next-Page` (string) — Cursor of the next page."))
        #expect(list.contains("### default — Unexpected error."))
        #expect(list.contains("- `message` (string)"))
        #expect(list.contains("## Security\n\n- `api_key`: API key in header `X-API-Key`"))
    }

    @Test func requestBodyFieldsResolveRefsAndKeepCodeBlocks() throws {
        let create = try page(pages(petstoreYAML), "petstore.yaml#createPet")
        #expect(create.contains("## Request body\n\nRequired. The pet to add."))
        #expect(create.contains("### `application/json`\n\nSchema: NewPet"))
        #expect(create.contains("- `name` (string, required) — The pet's name."))
        #expect(create.contains("- `status` (string) — Sale status. Allowed values: `available`, `pending`, `sold`."))
        #expect(create.contains("- `tags` (array of Tag)\n  - `label` (string)"))
        #expect(create.contains("- `owner` (User)\n  - `email` (string, format: email, required)"))
        #expect(create.contains("```bash\ncurl -X POST https://api.petstore.example/v1/pets -d '{\"name\":\"Rex\"}'\n```"))
        #expect(
            create.contains(
                "`oauth`: OAuth 2.0 (clientCredentials flow, tokenUrl: https://auth.petstore.example/token) (scopes: `write:pets`)"))
        #expect(!create.contains("api_key"))
    }

    @Test func allOfMergesAndCyclicRefTerminatesWithMarker() throws {
        let get = try page(pages(petstoreYAML), "petstore.yaml#get-pets-petid")
        #expect(get.contains("- `petId` (path, integer, format: int64, required) — The pet's id."))
        #expect(get.contains("> **Deprecated:**"))
        #expect(get.contains("- `name` (string, required)"))
        #expect(get.contains("- `id` (integer, format: int64, required, read-only)"))
        #expect(get.contains("- `parent` (Pet)\n  - *(recursive reference to `Pet`; its fields are listed above)*"))
        #expect(
            get.contains("Example `rex` — A dog:\n\n```json\n{\n  \"id\": 1,\n  \"name\": \"Rex\",\n  \"status\": \"available\"\n}\n```"))
        #expect(get.contains("### 404\n\n(unresolved $ref `#/components/responses/Missing`)"))
    }

    @Test func depthLimitMarksTruncatedFields() throws {
        let createUser = try page(pages(petstoreYAML), "petstore.yaml#post-users")
        #expect(createUser.contains("- `city` (string) — City name."))
        #expect(createUser.contains("- `lat` (number)"))
        #expect(createUser.contains("*(nested fields not shown: depth limit of 4 levels)*"))
        #expect(!createUser.contains("tooDeep"))
        #expect(createUser.contains("Example:\n\n```json\n{\n  \"email\": \"a@example.com\""))
    }

    @Test func overviewListsServersAuthenticationAndOperations() throws {
        let overview = try page(pages(petstoreYAML), "petstore.yaml")
        #expect(overview.hasPrefix("# Petstore API 1.2.0\n\nManage the pets and users of a pet store."))
        #expect(overview.contains("## Servers\n\n- `https://api.petstore.example/v1` — Production"))
        #expect(overview.contains("## Authentication"))
        #expect(
            overview.contains("## Operations: pets\n\nEverything about pets.\n\n- `GET /pets` — List pets\n- `POST /pets` — Create a pet"))
        #expect(
            overview.contains(
                "## Operations\n\n- `GET /pets/{petId}` — Get a pet\n- `DELETE /pets/{petId}`\n- `POST /users` — Create a user"))
    }

    @Test func jsonSpecRendersLikeYAML() throws {
        let json = """
            {"openapi": "3.0.0", "info": {"title": "Users", "version": "2"},
             "paths": {"/users/{id}": {"get": {"summary": "Get a user",
               "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
               "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}}}}},
             "components": {"schemas": {"User": {"type": "object", "required": ["id"],
               "properties": {"id": {"type": "string"}, "roles": {"type": "array", "items": {"type": "string", "enum": ["admin", "member"]}}}}}}}
            """
        let result = try pages(json, name: "users.json")
        #expect(result.map(\.url) == ["users.json", "users.json#get-users-id"])
        let get = try page(result, "users.json#get-users-id")
        #expect(get.contains("- `id` (path, string, format: uuid, required)"))
        #expect(get.contains("- `roles` (array of string) — Allowed values: `admin`, `member`."))
        #expect(get.contains("- `id` (string, required)"))
    }

    @Test func openAPI31NullableTypes() throws {
        let spec = """
            openapi: 3.1.0
            info: { title: T, version: '1' }
            paths:
              /things:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema:
                          type: object
                          properties:
                            nickname: { type: [string, "null"], examples: [Bob] }
                            count: { type: [integer, "null"] }
                  responses: { '200': { description: OK } }
            """
        let post = try page(pages(spec), "petstore.yaml#post-things")
        #expect(post.contains("- `nickname` (string | null) — Example: `Bob`."))
        #expect(post.contains("- `count` (integer | null)"))
    }

    @Test func selfReferencingRefChainIsMarked() throws {
        let spec = """
            openapi: 3.0.0
            info: { title: Loop, version: '1' }
            paths:
              /a:
                get:
                  responses:
                    '200':
                      description: OK
                      content:
                        application/json:
                          schema: { $ref: '#/components/schemas/A' }
            components:
              schemas:
                A: { $ref: '#/components/schemas/B' }
                B: { $ref: '#/components/schemas/A' }
            """
        let get = try page(pages(spec), "petstore.yaml#get-a")
        #expect(get.contains("Schema: (circular $ref `#/components/schemas/A`)"))
    }

    @Test func rejectsWhatIsNotOpenAPI3() {
        #expect(
            rejection("swagger: '2.0'\ninfo: { title: Old, version: '1' }\npaths: {}")
                == "Swagger 2.0 is not supported; convert it to OpenAPI 3")
        #expect(rejection("info: { title: X }\npaths: { /a: { get: {} } }") == "missing 'openapi' field")
        #expect(rejection("openapi: 3.0.0\ninfo: { title: X }") == "no paths")
        #expect(rejection("openapi: 3.0.0\npaths: [a, b]") == "no paths: 'paths' is a list, not an object")
        #expect(rejection("openapi: 3.0.0\npaths: { /a: { summary: nothing here } }") == "no operations under 'paths'")
        #expect(rejection("just some words") == "not an OpenAPI document: the top level is not a JSON/YAML object")
        #expect(rejection("{ \"openapi\": [ unclosed")?.hasPrefix("not JSON or YAML") == true)
        #expect(rejection(String(decoding: [0xFF, 0xFE, 0x00, 0x41], as: UTF8.self) + ": [") != nil)
    }

    @Test func rejectsNonUTF8AndHostileStructures() throws {
        let binary = Data([0xC3, 0x28, 0xFF, 0x00])
        #expect(throws: IngestError.self) { try OpenAPIPages.pages(from: binary, name: "bin") }
        #expect(rejection("openapi: 3.0.0\npaths: " + String(repeating: "[", count: 10_000)) == "the document nests deeper than 200 levels")
        let laughs = (1...9).map { level in
            "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ",") + "]"
        }
        let bomb = "openapi: 3.0.0\nl0: &l0 [lol]\n" + laughs.joined(separator: "\n") + "\npaths: { /a: { get: {} } }"
        #expect(rejection(bomb)?.contains("more than 2000000 YAML nodes") == true)
        #expect(rejection("a: &a [x]\n? *a\n: 1") == "YAML aliases used as mapping keys are not supported")
    }

    @Test func weirdValuesDoNotCrash() throws {
        let spec = """
            openapi: 3.0.0
            info: 42
            paths:
              /odd:
                parameters: not-a-list
                get:
                  operationId: "!!!"
                  parameters:
                    - in: query
                    - 7
                    - $ref: '#/components/parameters/Nope'
                  requestBody: { content: { text/plain: { schema: { type: [7, {}] }, example: "a `b` ```c```" } } }
                  responses: [1, 2]
              /list: [get, post]
            """
        let result = try pages(spec)
        #expect(result.map(\.url) == ["petstore.yaml", "petstore.yaml#get-odd"])
        let get = try page(result, "petstore.yaml#get-odd")
        #expect(get.contains("- `(unnamed)` (query)"))
        #expect(get.contains("(unresolved $ref `#/components/parameters/Nope`)"))
        #expect(get.contains("````\na `b` ```c```\n````"))
    }

    @Test func slugsAreSanitized() {
        #expect(OpenAPIPages.slug("users.get/by id", lowercased: false) == "users-get-by-id")
        #expect(OpenAPIPages.slug("GET /users/{id}/Posts", lowercased: true) == "get-users-id-posts")
        var slugs = OpenAPIPages.SlugSet()
        #expect(["a", "a", "a-2", "a"].map { slugs.unique($0) } == ["a", "a-2", "a-2-2", "a-3"])
    }
}
