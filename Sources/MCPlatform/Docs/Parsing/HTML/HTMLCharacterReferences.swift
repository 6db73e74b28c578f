/// Decodes HTML character references (`&amp;`, `&#8212;`, `&#x2014;`, …) in UTF-8 text.
enum HTMLCharacterReferences {
    /// Named references this decoder knows, by name.
    private static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "copy": "©", "reg": "®", "trade": "™", "mdash": "—", "ndash": "–", "hellip": "…",
        "rsquo": "’", "lsquo": "‘", "rdquo": "”", "ldquo": "“", "sbquo": "‚", "bdquo": "„",
        "laquo": "«", "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "para": "¶", "sect": "§",
        "times": "×", "divide": "÷", "middot": "·", "bull": "•", "deg": "°", "plusmn": "±",
        "micro": "µ", "cent": "¢", "pound": "£", "euro": "€", "yen": "¥", "dagger": "†", "Dagger": "‡",
        "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "harr": "↔", "lArr": "⇐", "rArr": "⇒", "hArr": "⇔",
        "le": "≤", "ge": "≥", "ne": "≠", "asymp": "≈", "infin": "∞", "minus": "−", "prime": "′", "Prime": "″",
        "shy": "\u{AD}", "zwj": "\u{200D}", "zwnj": "\u{200C}", "lrm": "\u{200E}", "rlm": "\u{200F}",
        "ensp": "\u{2002}", "emsp": "\u{2003}", "thinsp": "\u{2009}", "iexcl": "¡", "iquest": "¿",
        "frac12": "½", "frac14": "¼", "frac34": "¾", "sup1": "¹", "sup2": "²", "sup3": "³",
        "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß",
        "aacute": "á", "eacute": "é", "iacute": "í", "oacute": "ó", "uacute": "ú", "Eacute": "É",
        "agrave": "à", "egrave": "è", "ugrave": "ù", "acirc": "â", "ecirc": "ê", "ocirc": "ô",
        "ccedil": "ç", "Ccedil": "Ç", "ntilde": "ñ", "Ntilde": "Ñ", "oslash": "ø", "aring": "å",
    ]
    /// Names browsers also accept without the closing semicolon in text.
    private static let legacyNames: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]
    /// What `&#128;`…`&#159;` mean in practice: Windows-1252.
    private static let windows1252: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]
    private static let longestName = 32

    /// The text of `bytes` with character references replaced. In attribute values a named reference needs its `;`,
    /// so that query strings like `?a=1&copy=2` survive.
    static func decode(_ bytes: ArraySlice<UInt8>, inAttribute: Bool) -> String {
        guard var index = bytes.firstIndex(of: HTMLByte.ampersand) else { return String(decoding: bytes, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(contentsOf: bytes[bytes.startIndex..<index])
        while index < bytes.endIndex {
            let current = bytes[index]
            if current == HTMLByte.ampersand, let (scalar, end) = reference(in: bytes, at: index, inAttribute: inAttribute) {
                UTF8.encode(scalar) { output.append($0) }
                index = end
            } else {
                output.append(current)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The reference starting with the `&` at `start`, and the index after it.
    private static func reference(in bytes: ArraySlice<UInt8>, at start: Int, inAttribute: Bool) -> (Unicode.Scalar, Int)? {
        var index = start + 1
        if index < bytes.endIndex, bytes[index] == HTMLByte.numberSign {
            return numericReference(in: bytes, at: index + 1)
        }
        while index < bytes.endIndex, index - start <= longestName, HTMLByte.isLetter(bytes[index]) || HTMLByte.isDigit(bytes[index]) {
            index += 1
        }
        guard index > start + 1 else { return nil }
        let name = String(decoding: bytes[(start + 1)..<index], as: UTF8.self)
        guard let scalar = named[name] else { return nil }
        if index < bytes.endIndex, bytes[index] == HTMLByte.semicolon { return (scalar, index + 1) }
        return !inAttribute && legacyNames.contains(name) ? (scalar, index) : nil
    }

    /// A decimal (`&#8212;`) or hexadecimal (`&#x2014;`) reference whose digits start at `start` (after `&#`).
    private static func numericReference(in bytes: ArraySlice<UInt8>, at start: Int) -> (Unicode.Scalar, Int)? {
        var index = start
        let isHex = index < bytes.endIndex && (bytes[index] | 0x20) == UInt8(ascii: "x")
        if isHex { index += 1 }
        let digitsStart = index
        var value: UInt32 = 0
        while index < bytes.endIndex, isHex ? HTMLByte.isHexDigit(bytes[index]) : HTMLByte.isDigit(bytes[index]) {
            let digit = UInt32(HTMLByte.isDigit(bytes[index]) ? bytes[index] - 0x30 : (bytes[index] | 0x20) - 0x61 + 10)
            value = min(value * (isHex ? 16 : 10) + digit, 0x110000)
            index += 1
        }
        guard index > digitsStart else { return nil }
        if index < bytes.endIndex, bytes[index] == HTMLByte.semicolon { index += 1 }
        if (0x80...0x9F).contains(value) { value = windows1252[Int(value - 0x80)] }
        let scalar = value == 0 ? nil : Unicode.Scalar(value)
        return (scalar ?? "\u{FFFD}", index)
    }
}
