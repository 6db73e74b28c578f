import Foundation
import MCPlatform
import PropertyBased
import Testing

/// The ``FuzzTarget`` properties on the committed seed corpus, on random mutations of it, and
/// on pathological inputs of 100k characters, each within a time bound (a hang fails, it does
/// not stall the run). Longer runs: `scripts/fuzz` (libFuzzer).
@Suite struct FuzzPropertyTests {
    /// Generous for a debug build on a busy machine; inputs here are a few KB.
    static let secondsPerInput = 5.0

    /// Checks `input`, failing the test on a broken property or an overrun.
    static func expectHolds(_ target: FuzzTarget, _ input: [UInt8], within seconds: Double = secondsPerInput, _ what: String) async {
        let outcome = await FuzzDeadline.onThread(within: seconds) { () -> String? in
            do throws(FuzzViolation) {
                try target.check(input)
                return nil
            } catch {
                return error.description
            }
        }
        switch outcome {
        case nil: Issue.record("\(target.rawValue): \(what) ran longer than \(seconds) s")
        case let violation??: Issue.record("\(target.rawValue): \(what): \(violation)")
        case .some(nil): break
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusHoldsTheProperties(target: FuzzTarget) async {
        let inputs = FuzzInputs(target)
        #expect(inputs.corpus.count >= 3, "Tests/Fuzz/Corpus/\(target.rawValue) needs seeds")
        for (name, bytes) in inputs.corpus {
            await Self.expectHolds(target, bytes, "corpus file \(name)")
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func mutatedCorpusHoldsTheProperties(target: FuzzTarget) async {
        await propertyCheck(count: 40, input: FuzzInputs(target).mutated) { input in
            await Self.expectHolds(target, input, "a mutated input")
        }
    }

    @Test func randomJSONRPCMessagesHoldTheProperties() async {
        await propertyCheck(count: 150, input: JSONRPCFuzzMessages.bodies) { body in
            await Self.expectHolds(.jsonRPC, body, String(decoding: body, as: UTF8.self))
        }
    }

    @Test func randomTextTokenizes() async {
        let characters = Gen<Character>.oneOf(
            Gen.character(in: "\u{0}"..."\u{7F}").eraseToAnySequence(),
            Gen.character(in: "\u{80}"..."\u{2FFF}").eraseToAnySequence(),
            Gen.element(of: Array("ßİﬁéǅ٣Ⅻ_.:/-  \u{301}\u{200D}aZ")).map { $0! }.eraseToAnySequence())
        await propertyCheck(count: 150, input: characters.string(of: 0...40)) { text in
            await Self.expectHolds(.tokenizer, Array(text.utf8), text.debugDescription)
        }
    }

    /// 100k characters built to make a parser backtrack, recurse or rescan.
    static let pathological: [(FuzzTarget, String, String)] = {
        let n = 100_000
        func repeated(_ unit: String) -> String { String(repeating: unit, count: n / unit.count) }
        let markdown = [
            ("open brackets", repeated("[")), ("emphasis markers", repeated("*")), ("underscores", repeated("_a")),
            ("emphasis runs", repeated("**a ")), ("backticks", repeated("`")), ("tick runs", repeated("``a`")),
            ("unclosed links", repeated("[a](")), ("angle brackets", repeated("<")), ("nested quotes", repeated("> ")),
            ("nested lists", (0..<300).map { String(repeating: " ", count: $0 * 2) + "- item\n" }.joined()),
            ("list markers", repeated("- ")), ("backslashes", repeated("\\")), ("fences", repeated("```\n")),
            ("heading of brackets", "# " + repeated("[")), ("heading of spaces", "# a" + repeated(" ") + "b"),
            ("spaces before a heading", "#" + repeated(" ") + "a\n"), ("many headings", repeated("# a\n")),
            ("heading of spaced hashes", "# a" + repeated(" #") + "x"), ("unclosed comments", repeated("<!--")),
            ("JSX comments", repeated("{/*")), ("JSX tags", repeated("<A ")), ("setext lines", repeated("a\n=\n")),
        ]
        let html = [
            ("nested divs", repeated("<div>")), ("unclosed tags", repeated("<a")), ("unclosed comment", "<!--" + repeated("-")),
            ("nested tables", repeated("<table><tr><td>")), ("nested lists", repeated("<ul><li>")), ("entities", repeated("&#")),
            ("attributes", "<p " + repeated("a=\"b\" ")), ("headings", repeated("<h1>")), ("unclosed script", "<script>" + repeated("<")),
            ("inline nesting", repeated("<b><i>")), ("bases", repeated("<base href=\"/a/\">")),
        ]
        let walkthrough = [
            ("steps", repeated("## s\n")), ("fields", "# T\n## S\n" + repeated("### Check\n")),
            (
                "YAML aliases",
                "---\n"
                    + (0..<40).map { "a\($0 + 1): &a\($0 + 1) [" + Array(repeating: "*a\($0)", count: 9).joined(separator: ",") + "]\n" }
                    .joined().replacingOccurrences(of: "*a0", with: "x") + "---\n# T\n## S\n"
            ),
        ]
        let json = [
            ("nested arrays", repeated("[")), ("nested objects", repeated("{\"a\":")), ("a huge number", repeated("9")),
            ("a long data URL", "{\"a\":\"data:" + repeated("x") + "\"}"),
            ("many data URLs", "[" + repeated("\"data:,\",") + "0]"),
            ("deep valid nesting", String(repeating: "[", count: 500) + String(repeating: "]", count: 500)),
        ]
        let tokenizer = [
            ("one long word", repeated("a")), ("dotted", repeated("a.")), ("camel humps", repeated("aB")), ("folds", repeated("ß")),
        ]
        return markdown.flatMap { name, text in [(.markdown, name, text), (.markdownHTML, name, text), (.walkthroughMarkdown, name, text)] }
            + html.map { (.html, $0, $1) } + walkthrough.map { (.walkthroughMarkdown, $0, $1) } + json.map { (.jsonRPC, $0, $1) }
            + tokenizer.map { (.tokenizer, $0, $1) }
    }()

    @Test(arguments: pathological.indices)
    func pathologicalInputFinishesInTime(index: Int) async {
        let (target, name, text) = Self.pathological[index]
        await Self.expectHolds(target, Array(text.utf8), within: 30, name)
    }
}
