import Foundation
import MCP
import Testing

@testable import MCPlatform

/// The request body parser: JSON as RFC 8259 has it, strings kept as strings, numbers as
/// integers when they are, and a nesting limit.
@Suite struct JSONValueParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValueParser.parse(
            Array(
                #" {"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","i":-12,"d":2.5,"e":1E3,"big":99999999999999999999,"t":true,"f":false,"n":null,"a":[1,[]],"o":{}} "#
                    .utf8))
        #expect(
            value
                == .object([
                    "s": .string("a\"\\/\u{8}\u{c}\n\r\té😀"), "i": .int(-12), "d": .double(2.5), "e": .double(1000),
                    "big": .double(1e20), "t": .bool(true), "f": .bool(false), "n": .null,
                    "a": .array([.int(1), .array([])]), "o": .object([:]),
                ]))
    }

    /// `Value`'s own decoder turns these into `.data`: an id or argument must stay a string.
    @Test func dataURLsStayStrings() throws {
        #expect(try JSONValueParser.parse(Array(#""data:,1""#.utf8)) == .string("data:,1"))
        #expect(try JSONValueParser.parse(Array(#""data:text/plain;base64,aGk=""#.utf8)) == .string("data:text/plain;base64,aGk="))
    }

    @Test(arguments: [
        "", " ", "{", "[,]", "{,}", "[1,,2]", "{\"a\":1,,}", "01", "-", "1.", "1e", ".5", "+1", "1e999", "\"\\ud800\"", "\"\\udc00x\"",
        "\"\\x\"",
        "\"\\u12\"", "\"\\u+123\"", "\"a\nb\"", "\"abc", "tru", "nul", "[1] 2", "{1:2}", "NaN",
    ])
    func refusesWhatIsNotJSON(text: String) {
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parse(Array(text.utf8)) }
    }

    /// As `JSONDecoder`, which the endpoint used before, reads them.
    @Test func acceptsTrailingCommasAndAByteOrderMark() throws {
        #expect(try JSONValueParser.parse(Array(#"{"a":[1,],}"#.utf8)) == .object(["a": .array([.int(1)])]))
        #expect(try JSONValueParser.parse([0xEF, 0xBB, 0xBF] + Array("[]".utf8)) == .array([]))
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsNesting() throws {
        let depth = JSONValueParser.maximumDepth
        _ = try JSONValueParser.parse(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
        let deeper = String(repeating: "{\"a\":", count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parse(Array(deeper.utf8)) }
    }

    /// 512 levels (the most `JSONDecoder` allows) took seconds through `Value`'s decoder.
    @Test func deepNestingIsCheap() {
        let body = Array((String(repeating: "[", count: 100_000)).utf8)
        let started = ContinuousClock.now
        #expect(throws: JSONValueParser.Failure.self) { try JSONValueParser.parse(body) }
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
