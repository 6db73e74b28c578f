import Foundation
import Testing

@testable import MCPlatform

/// How the analytics pages present numbers: the SVG charts (round ticks, empty series,
/// escaping, the data table), the CSV writer (quoting, formula injection) and the formats.
@Suite struct AnalyticsPresentationTests {
    @Test func ticksAreRoundAndCoverTheMaximum() {
        #expect(SVGChart.ticks(maximum: 0) == [0, 1])
        #expect(SVGChart.ticks(maximum: -3) == [0, 1])
        #expect(SVGChart.ticks(maximum: .nan) == [0, 1])
        #expect(SVGChart.ticks(maximum: 1) == [0, 1])
        #expect(SVGChart.ticks(maximum: 3) == [0, 1, 2, 3])
        #expect(SVGChart.ticks(maximum: 7) == [0, 2, 4, 6, 8])
        #expect(SVGChart.ticks(maximum: 10) == [0, 5, 10])
        #expect(SVGChart.ticks(maximum: 37) == [0, 10, 20, 30, 40])
        #expect(SVGChart.ticks(maximum: 100) == [0, 50, 100])
        #expect(SVGChart.ticks(maximum: 1234) == [0, 500, 1000, 1500])
        #expect(SVGChart.ticks(maximum: 0.4) == [0, 1])
        for maximum in [1.0, 2, 5, 9, 11, 99, 101, 4999, 123_456] {
            let ticks = SVGChart.ticks(maximum: maximum)
            #expect(ticks.first == 0 && ticks.last! >= maximum && ticks.count <= 5, "\(maximum): \(ticks)")
            let step = ticks[1] - ticks[0]
            let mantissa = step / pow(10, floor(log10(step)))
            #expect([1.0, 2, 5].contains(mantissa), "\(maximum): step \(step)")
        }
    }

    @Test func aLineChartIsAnImageWithItsDataTable() throws {
        let chart = SVGChart(
            id: "chart-users", title: "Active users", style: .line, labels: ["Mar 1", "Mar 2", "Mar 3"],
            series: [.init(name: "Active users", values: [1, 12_345, 0])])
        let html = chart.html
        #expect(html.contains("role=\"img\""))
        #expect(html.contains("aria-label=\"Active users\""))
        #expect(html.contains("<title>Active users</title>"))
        #expect(html.contains("viewBox=\"0 0 640 220\""))
        #expect(html.contains("<polyline class=\"line series-0\""))
        #expect(html.components(separatedBy: "<circle").count == 4)
        #expect(html.contains("<details class=\"chart-data\"><summary>Data</summary>"))
        #expect(html.contains("id=\"chart-users-data\""))
        #expect(html.contains("<tr><th scope=\"row\">Mar 2</th><td>12,345</td></tr>"))
        #expect(html.contains(">15,000</text>"), "the top tick: \(html)")
        #expect(!html.contains("class=\"legend\""), "one series needs no legend")
    }

    @Test func twoSeriesBarsHaveALegendAndOneBarPerValue() {
        let chart = SVGChart(
            id: "chart-requests", title: "Requests", style: .bar, labels: ["a", "b"],
            series: [.init(name: "Requests", values: [4, 2]), .init(name: "Failed", values: [1, 0])])
        let html = chart.html
        #expect(html.components(separatedBy: "<rect class=\"bar series-0\"").count == 3)
        #expect(html.components(separatedBy: "<rect class=\"bar series-1\"").count == 3)
        #expect(html.contains("<ul class=\"legend\"><li><span class=\"swatch series-0\"></span>Requests</li>"))
        #expect(html.contains("<th scope=\"col\">Failed</th>"))
        #expect(html.contains("<tr><th scope=\"row\">a</th><td>4</td><td>1</td></tr>"))
    }

    @Test func anEmptyChartSaysSoAndStillDrawsItsAxis() {
        for style in [SVGChart.Style.line, .bar] {
            let html = SVGChart(id: "c", title: "Nothing", style: style, labels: [], series: [.init(name: "x", values: [])]).html
            #expect(html.contains(">No data</text>"))
            #expect(html.contains(">0</text>") && html.contains(">1</text>"))
            #expect(!html.contains("<polyline") && !html.contains("<rect"))
            #expect(html.contains("<tbody></tbody>"))
        }
        let zeros = SVGChart(id: "c", title: "Zeros", style: .line, labels: ["d"], series: [.init(name: "x", values: [0])]).html
        #expect(!zeros.contains("NaN"))
    }

    @Test func everyTextIsEscaped() {
        let evil = "<script>alert(\"x\")</script>&'"
        let html = SVGChart(
            id: "c\"><script>", title: evil, style: .line, labels: [evil],
            series: [.init(name: evil, values: [1]), .init(name: "b", values: [2])]
        ).html
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
    }

    @Test func xLabelsAreThinned() {
        let labels = (1...90).map { "d\($0)" }
        let html = SVGChart(id: "c", title: "t", style: .line, labels: labels, series: [.init(name: "x", values: labels.map { _ in 1 })])
            .html
        let written = labels.filter { html.contains(">\($0)</text>") }
        #expect(written.count <= SVGChart.maximumLabels && written.first == "d1", "\(written)")
        #expect(!html.contains("<circle"), "no dots over 31 points")
        #expect(html.components(separatedBy: "<th scope=\"row\">").count == 91, "the table has every day")
    }

    @Test func csvQuotesAndNeutralizesFormulas() {
        var csv = CSVWriter(header: ["query", "count"])
        csv.append(["plain", .int(3)])
        csv.append(["with, comma", .int(-2)])
        csv.append(["say \"hi\"", .decimal(72.46)])
        csv.append(["line\nbreak", .decimal(nil)])
        csv.append(["=HYPERLINK(\"http://evil\")", .int64(1)])
        csv.append(["+1", "-1", "@SUM(A1)", "\tx", "safe=1"])
        #expect(
            csv.text == "query,count\r\nplain,3\r\n\"with, comma\",-2\r\n\"say \"\"hi\"\"\",72.5\r\n\"line\nbreak\",\r\n"
                + "\"'=HYPERLINK(\"\"http://evil\"\")\",1\r\n'+1,'-1,'@SUM(A1),'\tx,safe=1\r\n")
        #expect(CSVWriter.field("a\r\nb") == "\"a\r\nb\"")
    }

    @Test func formats() {
        #expect(AnalyticsFormat.number(0) == "0")
        #expect(AnalyticsFormat.number(999) == "999")
        #expect(AnalyticsFormat.number(1000) == "1,000")
        #expect(AnalyticsFormat.number(1_234_567) == "1,234,567")
        #expect(AnalyticsFormat.number(-12_345) == "-12,345")
        #expect(AnalyticsFormat.number(2.5) == "2.5")
        #expect(AnalyticsFormat.number(Int64(10_000_000)) == "10,000,000")
        #expect(AnalyticsFormat.count(1, "search", "searches") == "1 search")
        #expect(AnalyticsFormat.count(1204, "search", "searches") == "1,204 searches")
        #expect(AnalyticsFormat.percent(72.456) == "72.5 %")
        #expect(AnalyticsFormat.percent(100) == "100.0 %")
        #expect(AnalyticsFormat.percent(nil) == "—")
        #expect(AnalyticsFormat.duration(252) == "4 min 12 s")
        #expect(AnalyticsFormat.duration(45.4) == "45 s")
        #expect(AnalyticsFormat.duration(0) == "0 s")
        #expect(AnalyticsFormat.duration(180) == "3 min")
        #expect(AnalyticsFormat.duration(3900) == "1 h 5 min")
        #expect(AnalyticsFormat.duration(90000) == "1 d 1 h")
        #expect(AnalyticsFormat.duration(nil) == "—")
        #expect(AnalyticsFormat.milliseconds(3.25) == "3.2 ms" || AnalyticsFormat.milliseconds(3.25) == "3.3 ms")
        #expect(AnalyticsFormat.milliseconds(1840.4) == "1,840 ms")
        #expect(AnalyticsFormat.day(Date(timeIntervalSince1970: 86400 * 3 + 5)) == "1970-01-04")
        #expect(AnalyticsFormat.shortDay(Date(timeIntervalSince1970: 86400 * 3 + 5)) == "Jan 4")
    }
}
