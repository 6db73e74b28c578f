import Foundation

/// Runs a program to completion with `posix_spawn`, its standard error captured. Foundation's
/// `Process.run()` on Linux (Swift 6.3.1) can crash reading `/proc/self/fd` (an over-read in
/// `findMaximumOpenFromProcSelfFD`, swift-corelibs-foundation#5472); spawning directly avoids it.
/// Blocking: call it off the concurrency pool (NIO's thread pool).
enum ChildProcess {
    /// How a program ended.
    struct Outcome {
        /// The exit status, or nil when a signal killed the program.
        let exitStatus: Int32?
        /// What it wrote to standard error.
        let standardError: Data
    }

    /// Runs `executable` with `arguments` and exactly `environment`, standard input and output on
    /// `/dev/null`, and waits for it to end.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws(ChildProcessError) -> Outcome {
        // A socket pair rather than pipe(): created close-on-exec at once (Glibc does not export
        // pipe2), so no child another thread spawns meanwhile keeps our end open.
        var pipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pipe) == 0 else {
            throw ChildProcessError(call: "socketpair", code: errno)
        }
        defer { if pipe[0] >= 0 { close(pipe[0]) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)  // the copy on 2 is not close-on-exec
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(pipe[1])
        guard spawned == 0 else { throw ChildProcessError(call: "posix_spawn \(executable)", code: spawned) }
        let standardError = readToEnd(pipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw ChildProcessError(call: "waitpid", code: errno) }
        }
        // WIFEXITED / WEXITSTATUS (macros Swift does not import).
        let exited = status & 0x7f == 0
        return Outcome(exitStatus: exited ? (status >> 8) & 0xff : nil, standardError: standardError)
    }

    private static func readToEnd(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }
}

/// A system call that failed while starting or waiting for a child process.
struct ChildProcessError: Error, CustomStringConvertible {
    let call: String
    let code: Int32

    var description: String { "\(call): \(String(cString: strerror(code)))" }
}
