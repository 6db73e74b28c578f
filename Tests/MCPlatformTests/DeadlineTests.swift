import Synchronization
import Testing

@testable import MCPlatform

/// `withDeadline`: the answer comes by the deadline even from work that ignores cancellation.
@Suite struct DeadlineTests {
    @Test func returnsWhatTheWorkReturnsBeforeTheDeadline() async throws {
        let value = try await withDeadline(.seconds(5), expired: { TimeoutError() }) { 42 }
        #expect(value == 42)
    }

    @Test func passesOnTheWorksError() async throws {
        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await withDeadline(.seconds(5), expired: { TimeoutError() }) { () async throws -> Int in throw Failed() }
        }
    }

    @Test func answersAtTheDeadlineWithoutWaitingForWorkThatIgnoresCancellation() async throws {
        let release = Gate()
        Task {  // so that an implementation that waits for the work fails instead of hanging
            try await Task.sleep(for: .seconds(60))
            release.open()
        }
        let started = ContinuousClock.now
        await #expect(throws: TimeoutError.self) {
            try await withDeadline(.milliseconds(200), expired: { TimeoutError() }) { await release.wait() }
        }
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(30), "answered after \(waited)")  // generous: parallel tests load the machine
        release.open()
    }

    @Test func workRunsOnWhenTheExpiryCheckDeclines() async throws {
        let value = try await withDeadline(.milliseconds(50), expired: { nil }) { () async throws -> String in
            try await Task.sleep(for: .milliseconds(300))
            return "finished"
        }
        #expect(value == "finished")
    }

    @Test func cancellingTheCallerCancelsTheWork() async throws {
        let task = Task {
            try await withDeadline(.seconds(60), expired: { TimeoutError() }) { () async throws -> Int in
                try await Task.sleep(for: .seconds(60))
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}

/// A wait that ignores cancellation and ends only when opened.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }.forEach { $0.resume() }
    }
}
