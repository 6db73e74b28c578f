import Foundation

/// How the analytics pages write numbers: counts with thousands separators ("12,345"),
/// percentages with one decimal ("72.5 %"), durations in words ("4 min 12 s"), dates in UTC;
/// "—" for what cannot be computed. Independent of the server's locale.
enum AnalyticsFormat {
    static let none = "—"

    /// "12,345"; a fraction keeps one decimal ("2.5").
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return none }
        let rounded = (value * 10).rounded() / 10
        let whole = rounded.rounded(.towardZero)
        let fraction = abs(rounded - whole)
        let sign = rounded < 0 ? "-" : ""
        let digits = String(Int64(abs(whole)))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return sign + grouped + (fraction > 0 ? "." + String(Int((fraction * 10).rounded())) : "")
    }

    static func number(_ value: Int) -> String { number(Double(value)) }
    static func number(_ value: Int64) -> String { number(Double(value)) }

    /// "1 search", "1,204 searches".
    static func count(_ value: Int, _ singular: String, _ plural: String) -> String {
        "\(number(value)) \(value == 1 ? singular : plural)"
    }

    /// "72.5 %", or "—".
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return none }
        return String(format: "%.1f %%", value)
    }

    /// "4 min 12 s", "45 s", "2 h 5 min", "3 d 4 h", or "—".
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return none }
        let total = Int(seconds.rounded())
        let (days, hours, minutes, rest) = (total / 86400, total % 86400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        if minutes > 0 { return rest > 0 ? "\(minutes) min \(rest) s" : "\(minutes) min" }
        return "\(rest) s"
    }

    /// "3.2 ms", "245 ms", "1,840 ms", or "—".
    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return none }
        return value < 10 ? String(format: "%.1f ms", value) : number(value.rounded()) + " ms"
    }

    /// "2025-03-14 09:26:53" (UTC).
    static func dateTime(_ date: Date) -> String { MemberPages.format(date) }

    /// "2025-03-14" (UTC).
    static func day(_ date: Date) -> String { date.formatted(.iso8601.year().month().day()) }

    /// "Mar 14" (UTC): the charts' axis labels.
    static func shortDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.month, .day], from: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(months[(parts.month ?? 1) - 1]) \(parts.day ?? 1)"
    }
}
