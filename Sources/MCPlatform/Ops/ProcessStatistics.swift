import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// This process's resource usage as Linux reports it in `/proc/self` (the standard `process_*`
/// metrics). Each figure is nil where it cannot be read (other systems).
struct ProcessStatistics: Sendable {
    var residentMemoryBytes: Double?
    var openFileDescriptors: Double?
    /// Seconds since the Unix epoch.
    var startTime: Double?
    /// User plus system CPU time, in seconds.
    var cpuSeconds: Double?

    /// Reads the figures now (a few small files; no subprocess).
    static func current() -> ProcessStatistics {
        var statistics = ProcessStatistics()
        #if os(Linux)
            let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
                let fields = statm.split(separator: " ")
                if fields.count > 1, let pages = Double(fields[1]) { statistics.residentMemoryBytes = pages * pageSize }
            }
            if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                statistics.openFileDescriptors = Double(descriptors.count)
            }
            // Fields after the command name, which is in parentheses and may contain spaces:
            // index 0 is field 3 (state), so utime (14), stime (15), starttime (22) are 11, 12, 19.
            if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") {
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                if fields.count > 19, let user = Double(fields[11]), let system = Double(fields[12]), let start = Double(fields[19]) {
                    statistics.cpuSeconds = (user + system) / ticks
                    if let boot = bootTime() { statistics.startTime = boot + start / ticks }
                }
            }
        #endif
        return statistics
    }

    /// The system's boot time (`btime` of `/proc/stat`), in seconds since the epoch.
    private static func bootTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        return stat.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst("btime ".count)) }
    }
}
