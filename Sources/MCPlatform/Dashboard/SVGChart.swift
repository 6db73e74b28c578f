import Foundation

/// A chart drawn on the server as inline SVG (no script): one or two series over labelled
/// points (days), as lines or grouped bars, on a fixed view box with a y axis of round ticks
/// and thinned x labels. Colors come from the stylesheet (`.series-0`, `.series-1`). The SVG is
/// an image with its title for assistive technology, and is followed by a `<details>` table of
/// the exact values. Every text is escaped.
struct SVGChart: Sendable {
    /// How the values are drawn.
    enum Style: Sendable { case line, bar }

    /// One named row of values, one per label.
    struct Series: Sendable {
        let name: String
        let values: [Double]
    }

    /// The element id (of the figure; the table is `<id>-data`).
    let id: String
    let title: String
    let style: Style
    /// The x axis: one label per point.
    let labels: [String]
    let series: [Series]

    static let width = 640.0
    static let height = 220.0
    static let left = 52.0
    static let right = 12.0
    static let top = 12.0
    static let bottom = 28.0
    /// At most this many x labels are written; the others are skipped evenly.
    static let maximumLabels = 8

    var plotWidth: Double { Self.width - Self.left - Self.right }
    var plotHeight: Double { Self.height - Self.top - Self.bottom }

    /// The figure: legend, SVG and the data table.
    var html: String {
        let escapedTitle = Self.escape(title)
        let ticks = Self.ticks(maximum: series.flatMap(\.values).max() ?? 0)
        let top = ticks.last ?? 1
        var svg = """
            <svg class="chart-svg" viewBox="0 0 \(Self.number(Self.width)) \(Self.number(Self.height))" role="img" \
            aria-label="\(escapedTitle)" preserveAspectRatio="xMidYMid meet"><title>\(escapedTitle)</title>
            """
        for tick in ticks {
            let y = Self.number(self.y(tick, top: top))
            svg +=
                "<line class=\"grid\" x1=\"\(Self.number(Self.left))\" x2=\"\(Self.number(Self.width - Self.right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            svg += "<text class=\"tick\" x=\"\(Self.number(Self.left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">"
            svg += Self.escape(AnalyticsFormat.number(tick)) + "</text>"
        }
        if labels.isEmpty {
            svg += "<text class=\"empty\" x=\"\(Self.number(Self.left + plotWidth / 2))\" y=\"\(Self.number(Self.top + plotHeight / 2))\" "
            svg += "text-anchor=\"middle\">No data</text>"
        }
        let step = Int((Double(labels.count) / Double(Self.maximumLabels)).rounded(.up))
        for (index, label) in labels.enumerated() where index % max(step, 1) == 0 {
            svg += "<text class=\"tick\" x=\"\(x(index))\" y=\"\(Self.number(Self.height - 8))\" text-anchor=\"middle\">"
            svg += Self.escape(label) + "</text>"
        }
        for (number, series) in series.enumerated() {
            svg += style == .line ? line(series, number: number, top: top) : bars(series, number: number, top: top)
        }
        svg += "</svg>"
        let legend =
            series.count > 1
            ? "<ul class=\"legend\">"
                + series.enumerated().map { "<li><span class=\"swatch series-\($0.offset)\"></span>\(Self.escape($0.element.name))</li>" }
                .joined() + "</ul>"
            : ""
        return "<figure class=\"chart\" id=\"\(Self.escape(id))\"><figcaption>\(escapedTitle)</figcaption>\(legend)\(svg)\(table)</figure>"
    }

    /// The exact values, one row per label.
    var table: String {
        var html =
            "<details class=\"chart-data\"><summary>Data</summary><div class=\"table-wrap\"><table class=\"table\" id=\"\(Self.escape(id))-data\">"
        html += "<thead><tr><th scope=\"col\">Day</th>"
        html += series.map { "<th scope=\"col\">\(Self.escape($0.name))</th>" }.joined() + "</tr></thead><tbody>"
        for (index, label) in labels.enumerated() {
            html += "<tr><th scope=\"row\">\(Self.escape(label))</th>"
            html += series.map { "<td>\(index < $0.values.count ? Self.escape(AnalyticsFormat.number($0.values[index])) : "")</td>" }
                .joined()
            html += "</tr>"
        }
        return html + "</tbody></table></div></details>"
    }

    private func line(_ series: Series, number: Int, top: Double) -> String {
        let points = series.values.prefix(labels.count).enumerated().map { "\(x($0.offset)),\(Self.number(y($0.element, top: top)))" }
        guard !points.isEmpty else { return "" }
        var svg = "<polyline class=\"line series-\(number)\" points=\"\(points.joined(separator: " "))\"/>"
        if points.count <= 31 {
            for (index, value) in series.values.prefix(labels.count).enumerated() {
                svg += "<circle class=\"dot series-\(number)\" cx=\"\(x(index))\" cy=\"\(Self.number(y(value, top: top)))\" r=\"3\"><title>"
                svg += Self.escape("\(labels[index]): \(series.name) \(AnalyticsFormat.number(value))") + "</title></circle>"
            }
        }
        return svg
    }

    private func bars(_ series: Series, number: Int, top: Double) -> String {
        guard !labels.isEmpty else { return "" }
        let slot = plotWidth / Double(labels.count)
        let width = slot * 0.8 / Double(max(self.series.count, 1))
        return series.values.prefix(labels.count).enumerated().map { index, value in
            let x = Self.left + slot * Double(index) + slot * 0.1 + width * Double(number)
            let y = self.y(value, top: top)
            return "<rect class=\"bar series-\(number)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" "
                + "height=\"\(Self.number(Self.top + plotHeight - y))\"><title>"
                + Self.escape("\(labels[index]): \(series.name) \(AnalyticsFormat.number(value))") + "</title></rect>"
        }.joined()
    }

    /// The x coordinate of point `index` (the middle of its slot).
    private func x(_ index: Int) -> String {
        guard !labels.isEmpty else { return Self.number(Self.left) }
        let slot = plotWidth / Double(labels.count)
        return Self.number(Self.left + slot * (Double(index) + 0.5))
    }

    /// The y coordinate of `value` on an axis from 0 to `top`.
    private func y(_ value: Double, top: Double) -> Double {
        Self.top + plotHeight * (1 - min(max(value, 0), top) / top)
    }

    /// Round y axis ticks from 0 to at least `maximum`: steps of 1, 2 or 5 times a power of ten,
    /// at most `intervals` of them, whole numbers for counts (the least step is 1).
    static func ticks(maximum: Double, intervals: Int = 4) -> [Double] {
        guard maximum.isFinite, maximum > 0 else { return [0, 1] }
        let raw = maximum / Double(intervals)
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        let nice: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        let step = magnitude < 1 ? 1 : nice * magnitude
        let count = Int((maximum / step).rounded(.up))
        return (0...count).map { Double($0) * step }
    }

    /// A coordinate with at most one decimal.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    static func escape(_ text: String) -> String { MarkdownHTML.escape(text) }
}
