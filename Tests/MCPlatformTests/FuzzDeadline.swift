import Foundation
import Synchronization

/// Runs work that might never return with a deadline, so that a hang fails a test instead of
/// stalling the run: the work gets a thread of its own, which is left behind if it overruns.
/// (Async work uses `withDeadline`.)
enum FuzzDeadline {
    /// What `body` returned, or nil when it was still running after `seconds`.
    static func onThread<T: Sendable>(within seconds: Double, _ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let thread = Thread { once.resume(returning: body()) }
            thread.stackSize = 8 << 20
            thread.start()
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { once.resume(returning: nil) }
        }
    }

    /// A continuation resumed by whichever comes first.
    private final class Once<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T?, Never>?>

        init(_ continuation: CheckedContinuation<T?, Never>) {
            self.continuation = Mutex(continuation)
        }

        func resume(returning value: T?) {
            continuation.withLock { $0.take() }?.resume(returning: value)
        }
    }
}
