import Foundation
import Logging
import Testing

@testable import MCPlatform

@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let configuration = try AppConfiguration(flags: [:], environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.baseDomain == "localhost")
        #expect(configuration.maxBodyBytes == 1_048_576)
        #expect(try configuration.databaseLocation() == .sqlite(path: "mcplatform-data/mcplatform.sqlite"))
        #expect(configuration.endpointURL(for: "acme") == "http://acme.localhost:8080/mcp")
    }

    @Test func flagsWinOverEnvironment() throws {
        let configuration = try AppConfiguration(
            flags: [.port: "9000", .database: "postgres://u:p@db:5432/x"],
            environment: [
                "MCPLATFORM_PORT": "7000", "MCPLATFORM_BASE_DOMAIN": "MCP.Example.com", "MCPLATFORM_LOG_LEVEL": "debug",
                "MCPLATFORM_DATABASE_URL": "/tmp/ignored.sqlite", "MCPLATFORM_PUBLIC_URL": "https://mcp.example.com",
                "MCPLATFORM_LOG_FORMAT": "json", "MCPLATFORM_DEMO": "true",
            ]
        )
        #expect(configuration.port == 9000)
        #expect(configuration.baseDomain == "mcp.example.com")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.logFormat == .json)
        #expect(configuration.seedDemo)
        #expect(try configuration.databaseLocation() == .postgres(url: "postgres://u:p@db:5432/x"))
        #expect(try configuration.databaseLocation().description == "postgres://u:****@db:5432/x")
        #expect(configuration.endpointURL(for: "acme") == "https://acme.mcp.example.com/mcp")
    }

    @Test(arguments: [
        (AppConfiguration.Setting.port, "eighty"), (.port, "70000"), (.logLevel, "loud"), (.logFormat, "xml"),
        (.publicURL, "ftp://x"), (.secretKey, "c2hvcnQ="), (.maxBodyBytes, "10"), (.demo, "maybe"), (.databasePoolSize, "0"),
    ])
    func invalidValuesAreExplained(setting: AppConfiguration.Setting, value: String) {
        do {
            _ = try AppConfiguration(flags: [:], environment: [setting.environmentVariable: value])
            Issue.record("accepted \(setting) = \(value)")
        } catch {
            #expect(error.setting == setting)
            #expect(error.description.contains(setting.environmentVariable))
        }
    }

    @Test(arguments: [
        ("sqlite:/var/db.sqlite", DatabaseLocation.sqlite(path: "/var/db.sqlite")),
        ("sqlite:///var/db.sqlite", .sqlite(path: "/var/db.sqlite")),
        ("./local.db", .sqlite(path: "./local.db")),
        ("postgresql://h/db", .postgres(url: "postgresql://h/db")),
    ])
    func databaseLocations(value: String, expected: DatabaseLocation) throws {
        #expect(try DatabaseLocation(value, dataDirectory: "d") == expected)
    }

    @Test func unsupportedDatabaseSchemeIsRefused() {
        #expect(throws: DatabaseError.self) { try DatabaseLocation("mysql://h/db", dataDirectory: "d") }
    }

    @Test func secretKeyIsGeneratedOnceAndKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try SecretKey.load(configured: nil, dataDirectory: directory)
        let second = try SecretKey.load(configured: nil, dataDirectory: directory)
        #expect(first == second)
        #expect(first.bytes.count == 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/secret.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let configured = try SecretKey.load(configured: Data(repeating: 1, count: 32).base64EncodedString(), dataDirectory: directory)
        #expect(configured != first)
    }
}

@Test func secretKeysAreNeverPrinted() throws {
    let key = try SecretKey(base64: Data((0..<32).map { UInt8($0 + 100) }).base64EncodedString())
    struct Holder { let key: SecretKey }
    for text in [String(describing: key), String(reflecting: key), String(describing: Holder(key: key)), "\(key)"] {
        #expect(!text.contains("100"), "\(text)")
        #expect(text.contains("redacted"), "\(text)")
    }
}
