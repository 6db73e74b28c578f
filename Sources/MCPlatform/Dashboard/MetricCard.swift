import Foundation

/// One number of the analytics overview: its value, the change against the previous period
/// (▲/▼ with the relative change; percentage points for rates; "new" when there was nothing
/// before; "—" when either side is unknown), colored by whether the change is good, and the
/// metric's one-line definition.
struct MetricCard: Sendable {
    /// Which way a metric should move.
    enum Better: Sendable { case higher, lower, neither }

    /// How the change is written.
    enum Change: Sendable {
        /// Relative change, in percent of the previous value.
        case relative
        /// Difference of two percentages, in points.
        case points
    }

    let id: String
    let label: String
    let value: String
    let delta: String
    /// `good`, `bad` or empty.
    let tone: String
    /// What the previous period had (the delta's tooltip).
    let previous: String
    let definition: String

    init(
        _ id: String, _ label: String, value: String, current: Double?, previous: Double?, previousText: String, better: Better = .higher,
        change: Change = .relative, definition: String
    ) {
        self.id = "metric-\(id)"
        self.label = label
        self.value = value
        (delta, tone) = Self.delta(current: current, previous: previous, better: better, change: change)
        self.previous = previousText
        self.definition = definition
    }

    /// The delta's text and tone.
    static func delta(current: Double?, previous: Double?, better: Better, change: Change) -> (String, String) {
        guard let current, let previous, current.isFinite, previous.isFinite else { return (AnalyticsFormat.none, "") }
        let difference: Double
        let unit: String
        switch change {
        case .points:
            difference = current - previous
            unit = "pt"
        case .relative:
            if previous == 0 { return current == 0 ? ("±0.0 %", "") : ("new", better == .higher ? "good" : better == .lower ? "bad" : "") }
            difference = (current - previous) * 100 / abs(previous)
            unit = "%"
        }
        let magnitude = String(format: "%.1f", abs(difference))
        guard magnitude != "0.0" else { return ("±0.0 \(unit)", "") }
        let up = difference > 0
        let tone =
            switch better {
            case .higher: up ? "good" : "bad"
            case .lower: up ? "bad" : "good"
            case .neither: ""
            }
        return ("\(up ? "▲" : "▼") \(magnitude) \(unit)", tone)
    }

    var values: [String: Any] {
        ["id": id, "label": label, "value": value, "delta": delta, "tone": tone, "previous": previous, "definition": definition]
    }
}
