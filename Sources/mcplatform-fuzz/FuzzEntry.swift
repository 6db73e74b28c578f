import Foundation
import MCPlatform

// The libFuzzer harness of the `FuzzTarget`s. Built by `scripts/fuzz` with `-sanitize=fuzzer`
// and `-DFUZZING`, libFuzzer drives it; the target comes from MCPLATFORM_FUZZ_TARGET, and a
// broken property is a crash that libFuzzer saves. Built normally, it replays files:
// `mcplatform-fuzz <target> <file or folder>…`, for reproducing a saved crash under a debugger.

#if FUZZING
    /// The target of this run, read once.
    private let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["MCPLATFORM_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("MCPLATFORM_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
        do {
            try target.check(Array(UnsafeBufferPointer(start: data, count: size)))
        } catch {
            fatalError("\(target.rawValue): \(error)")
        }
        return 0
    }
#else
    /// Replays inputs against one target and prints each broken property.
    @main
    enum FuzzReplay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                print("usage: mcplatform-fuzz <\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))> <file or folder>…")
                exit(2)
            }
            var failed = false
            for path in arguments.dropFirst() {
                for file in files(at: path) {
                    do {
                        try target.check(Array(try Data(contentsOf: file)))
                    } catch {
                        print("\(file.path): \(error)")
                        failed = true
                    }
                }
            }
            exit(failed ? 1 : 0)
        }

        private static func files(at path: String) -> [URL] {
            let url = URL(fileURLWithPath: path)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [url] }
            return names.sorted().map { url.appendingPathComponent($0) }
        }
    }
#endif
