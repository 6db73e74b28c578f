import Foundation

/// The configuration holds secrets (admin and metrics tokens, the secret key, the SMTP and
/// embedding credentials) and services hold the configuration; swift-service-lifecycle
/// describes every service in its debug log at start. These descriptions name what is
/// configured and leave the secrets out, wherever the values are printed.
extension AppConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        let database = (try? databaseLocation().description) ?? "invalid"
        return "AppConfiguration(public origin: \(publicOrigin), database: \(database), secrets redacted)"
    }

    public var debugDescription: String { description }
}

extension SMTPConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "SMTPConfiguration(\(redactedURL))" }
    public var debugDescription: String { description }
}

extension EmbeddingClient.Configuration: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "EmbeddingClient.Configuration(\(baseURL.absoluteString), model: \(model ?? "default"), API key \(apiKey == nil ? "none" : "redacted"))"
    }

    public var debugDescription: String { description }
}
