import Foundation
import MCP
import Synchronization

/// The notifications the server sends a client about one of its requests while answering it:
/// progress (`notifications/progress`, when the request carried `_meta.progressToken`) and log
/// messages (`notifications/message`, at or above the session's `logging/setLevel`). They travel
/// on the request's SSE response, before its result (``MCPEndpoint``); when the response is
/// plain JSON they are dropped, as the transport has no other channel (there is no GET stream).
public final class RequestNotifier: Sendable {
    /// The session's minimum level; nil: no log messages.
    let logLevel: LogLevel?
    let progressToken: ProgressToken?
    private let sink: AsyncStream<OutgoingNotification>.Continuation?
    private let lastProgress = Mutex<Double?>(nil)

    init(logLevel: LogLevel?, progressToken: ProgressToken?, sink: AsyncStream<OutgoingNotification>.Continuation?) {
        self.logLevel = logLevel
        self.progressToken = progressToken
        self.sink = sink
    }

    /// Sends nothing: for calls outside MCP (the dashboard's playground) and tests.
    public static let silent = RequestNotifier(logLevel: nil, progressToken: nil, sink: nil)

    /// Whether a log message at `level` would be sent.
    func wants(_ level: LogLevel) -> Bool {
        guard let logLevel, sink != nil else { return false }
        return Self.severity(level) >= Self.severity(logLevel)
    }

    /// Sends a log message from `logger` (e.g. `search_docs`) when the session wants `level`.
    /// Never put credentials or personal data in `data`.
    public func log(_ level: LogLevel, logger: String, _ data: Value) {
        guard wants(level) else { return }
        sink?.yield(OutgoingNotification(LogMessageNotification.Parameters(level: level, logger: logger, data: data)))
    }

    /// Reports progress when the client asked for it. `done` must grow from call to call (smaller
    /// or equal values are dropped, as the specification requires progress to increase).
    public func progress(_ done: Double, total: Double? = nil, message: String? = nil) {
        guard let progressToken, let sink else { return }
        let increases = lastProgress.withLock { last in
            guard last.map({ done > $0 }) ?? true else { return false }
            last = done
            return true
        }
        guard increases else { return }
        sink.yield(
            OutgoingNotification(
                ProgressNotification.Parameters(progressToken: progressToken, progress: done, total: total, message: message)))
    }

    static func severity(_ level: LogLevel) -> Int {
        LogLevel.allCases.firstIndex(of: level) ?? 0
    }
}

/// A JSON-RPC notification from the server (no id), as written on an SSE stream.
struct OutgoingNotification: Encodable, Sendable {
    let method: String
    let params: any Encodable & Sendable

    init(_ params: LogMessageNotification.Parameters) {
        (method, self.params) = (LogMessageNotification.name, params)
    }

    init(_ params: ProgressNotification.Parameters) {
        (method, self.params) = (ProgressNotification.name, params)
    }

    private enum CodingKeys: String, CodingKey {
        case jsonrpc, method, params
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("2.0", forKey: .jsonrpc)
        try container.encode(method, forKey: .method)
        try params.encode(to: container.superEncoder(forKey: .params))
    }
}
