import Foundation
import MCP

/// The log messages (`notifications/message`, logger `tools`) a tool call sends the client when
/// its session asked for them with `logging/setLevel`: `debug` for every call (how long it took),
/// `info` for a search that found nothing, `warning` for a tool error (what the tool said) and
/// `error` for an unexpected failure. They carry no personal data beyond what the client sent.
enum ToolCallLog {
    static func report(_ details: MCPMethodHandler.EventDetails, since started: ContinuousClock.Instant, to notifier: RequestNotifier) {
        guard let tool = details.tool else { return }
        let milliseconds = Int((ContinuousClock.now - started) / .milliseconds(1))
        var data: [String: Value] = ["tool": .string(tool), "milliseconds": .int(milliseconds)]
        switch details.outcome {
        case .error:
            data["message"] = "The tool failed unexpectedly."
            notifier.log(.error, logger: "tools", .object(data))
        case .toolError:
            data["message"] = .string(String((details.toolMessage ?? "The tool reported an error.").prefix(1000)))
            notifier.log(.warning, logger: "tools", .object(data))
        case .ok:
            if details.resultCount == 0 {
                data["message"] = .string("No results\(details.summary.map { " for \"\($0)\"" } ?? "").")
                notifier.log(.info, logger: "tools", .object(data))
            }
            data["message"] = .string("\(tool) answered in \(milliseconds) ms.")
            notifier.log(.debug, logger: "tools", .object(data))
        }
    }
}
