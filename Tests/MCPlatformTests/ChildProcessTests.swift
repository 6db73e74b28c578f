import Foundation
import Testing

@testable import MCPlatform

/// `ChildProcess`: exit status, standard error, death by a signal and a missing program.
@Suite struct ChildProcessTests {
    @Test func reportsTheExitStatusAndStandardError() throws {
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo oops >&2; exit 3"], environment: [:])
        #expect(outcome.exitStatus == 3)
        #expect(String(decoding: outcome.standardError, as: UTF8.self) == "oops\n")
    }

    @Test func passesExactlyTheGivenEnvironment() throws {
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "echo \"$ONLY:$HOME\" >&2"], environment: ["ONLY": "this"])
        #expect(String(decoding: outcome.standardError, as: UTF8.self) == "this:\n")
    }

    @Test func aSignalLeavesNoExitStatus() throws {
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "kill -9 $$"], environment: [:])
        #expect(outcome.exitStatus == nil)
    }

    @Test func aMissingProgramThrows() {
        #expect(throws: ChildProcessError.self) { try ChildProcess.run("/nonexistent/program", [], environment: [:]) }
    }
}
