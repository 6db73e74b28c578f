import Foundation

/// A directory of timestamped backups, `mcplatform-20261125T120000.123Z.sqlite`: the names sort
/// oldest first. Only files named so are listed and pruned; anything else there is left alone.
public struct BackupDirectory: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The path of a new backup made at `date`.
    public func newFilePath(at date: Date = Date()) -> String {
        (path as NSString).appendingPathComponent("\(Self.prefix)\(Self.timestamp(date, milliseconds: true))\(Self.suffix)")
    }

    /// `20261125T120000Z` (UTC), or `20261125T120000.123Z` with milliseconds.
    static func timestamp(_ date: Date, milliseconds: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = milliseconds ? "yyyyMMdd'T'HHmmss.SSS'Z'" : "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// The backups' paths, oldest first; empty when the directory does not exist.
    public func backups() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasPrefix(Self.prefix) && $0.hasSuffix(Self.suffix) }.sorted().map {
            (path as NSString).appendingPathComponent($0)
        }
    }

    /// When the newest backup was written.
    func latestDate() -> Date? {
        backups().last.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
    }

    /// Deletes the oldest backups so that `keep` remain; returns the deleted paths.
    @discardableResult
    public func prune(keep: Int) throws -> [String] {
        let doomed = backups().dropLast(keep)
        for backup in doomed {
            try FileManager.default.removeItem(atPath: backup)
        }
        return Array(doomed)
    }

    private static let prefix = "mcplatform-"
    private static let suffix = ".sqlite"
}
