import Testing

@testable import MCPlatform

/// The tokenizer's byte path (ASCII pieces through ``ASCIITokenizer``, cut by
/// ``SearchTokenizer/forEachPiece(of:_:)``) gives exactly the terms of its `Character` path.
@Suite struct SearchTokenizerPathsTests {
    @Test func fixtureCorporaTokenizeAlike() {
        #expect(TokenizerFixtures.corpora.count > 50)
        for text in TokenizerFixtures.corpora {
            #expect(SearchTokenizer.terms(text) == SearchTokenizer.characterTerms(text), "\(text.prefix(80).debugDescription)")
            for line in text.split(separator: "\n") {
                #expect(SearchTokenizer.terms(String(line)) == SearchTokenizer.characterTerms(String(line)), "\(line.debugDescription)")
            }
        }
    }

    @Test func generatedTextTokenizesAlike() {
        for text in TokenizerFixtures.generated(20_000, atoms: 12, seed: 42) {
            #expect(SearchTokenizer.terms(text) == SearchTokenizer.characterTerms(text), "\(text.debugDescription)")
        }
    }

    @Test func asciiTextIsOnePieceAndSeparatorsCut() {
        var pieces: [(String, Bool)] = []
        var text = "don’t “quote” café au lait, ok"
        text.withUTF8 { bytes in
            SearchTokenizer.forEachPiece(of: bytes) { pieces.append((String(decoding: $0, as: UTF8.self), $1)) }
        }
        #expect(pieces.map(\.0) == ["don", "t ", "quote", " café au", "lait, ok"])
        #expect(pieces.map(\.1) == [true, true, true, false, true])
    }

    /// What cutting relies on: the non-ASCII separators are neither letters nor numbers and never
    /// join a neighbour; what ``FlatText`` relies on: its simple scalars never do either.
    @Test func separatorsAndSimpleScalarsStandAlone() {
        let separators = [0xA0, 0xA7, 0xB6] + Array(0x2010...0x2027) + Array(0x2030...0x205E)
        for value in separators {
            let scalar = Unicode.Scalar(UInt32(value))!
            let character = Character(scalar)
            #expect(!character.isLetter && !character.isNumber, "U+\(String(value, radix: 16))")
            var pieces = 0
            var text = "a\(character)b"
            text.withUTF8 { bytes in SearchTokenizer.forEachPiece(of: bytes) { _, isASCII in pieces += isASCII ? 1 : 100 } }
            #expect(pieces == 2, "U+\(String(value, radix: 16)) does not cut")
        }
        for range in FlatText.simpleScalarRanges {
            for value in range {
                guard let scalar = Unicode.Scalar(value) else { continue }
                let text = String(Character(scalar))
                #expect(("a" + text + "a").count == 3 && (text + text).count == 2, "U+\(String(value, radix: 16))")
                #expect(FlatText.isCharacterOfItsOwn(value))
            }
        }
    }
}
