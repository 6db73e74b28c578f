import Foundation

/// The platform's master key (32 bytes), from which secrets at rest are encrypted and tokens
/// signed. Every instance sharing a database must use the same key.
public struct SecretKey: Sendable, Equatable {
    public let bytes: [UInt8]

    public init(base64: String) throws(ConfigurationError) {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw ConfigurationError(
                setting: .secretKey, value: base64, expected: "the base64 encoding of 32 random bytes (openssl rand -base64 32)")
        }
        bytes = Array(data)
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The configured key, or the one in `<dataDirectory>/secret.key`, generated (mode 0600) on first run.
    public static func load(configured: String?, dataDirectory: String) throws -> SecretKey {
        if let configured { return try SecretKey(base64: configured) }
        let path = (dataDirectory as NSString).appendingPathComponent("secret.key")
        if let stored = FileManager.default.contents(atPath: path) {
            return try SecretKey(base64: String(decoding: stored, as: UTF8.self))
        }
        var generator = SystemRandomNumberGenerator()
        let key = SecretKey(bytes: (0..<32).map { _ in generator.next() })
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((Data(key.bytes).base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return key
    }
}

extension SecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Never the key: values holding one (services, stores) are printed in debug logs.
    public var description: String { "SecretKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
