import Foundation
import MCPlatform

/// The libFuzzer harness of the `FuzzTarget`s. Built by `scripts/fuzz` with `-sanitize=fuzzer`
/// and `-DFUZZING`, it hands over to libFuzzer, which reads the target from
/// MCPLATFORM_FUZZ_TARGET and saves any input that breaks a property (a crash). Built normally,
/// it replays saved inputs: `mcplatform-fuzz <target> <file or folder>…`, to reproduce a
/// finding under a debugger.
@main
enum FuzzEntry {
    static func main() {
        #if FUZZING
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
            replay(CommandLine.arguments.dropFirst())
        #endif
    }

    /// Checks each file (or each file of each folder) and prints every broken property.
    private static func replay(_ arguments: ArraySlice<String>) {
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            print("usage: mcplatform-fuzz <\(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|"))> <file or folder>…")
            exit(2)
        }
        var failed = false
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            let files =
                (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted().map { url.appendingPathComponent($0) } ?? [url]
            for file in files {
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
}

#if FUZZING
    /// libFuzzer's entry point when the program has its own `main`.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The target of this run, read once.
    private let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["MCPLATFORM_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("MCPLATFORM_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    /// One input: a broken property is a crash, which libFuzzer saves. Exported under libFuzzer's
    /// name too, for its archive's `main`, which the linker may pull in.
    @_cdecl("LLVMFuzzerTestOneInput")
    func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try target.check(input)
        } catch {
            fatalError("\(target.rawValue): \(error)")
        }
        return 0
    }
#endif
