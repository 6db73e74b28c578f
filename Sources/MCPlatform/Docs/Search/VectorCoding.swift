/// Embedding vectors as stored: little-endian Float32, L2-normalized, so that a dot product is
/// the cosine similarity.
enum VectorCoding {
    /// `vector` scaled to length 1 (unchanged when it is all zeros).
    static func normalized(_ vector: [Float]) -> [Float] {
        let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? vector.map { $0 / length } : vector
    }

    /// The bytes of `vector`: 4 per component, little-endian.
    static func encode(_ vector: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for component in vector {
            withUnsafeBytes(of: component.bitPattern.littleEndian) { bytes += $0 }
        }
        return bytes
    }

    /// The vector of `bytes`; nil when their count is not a multiple of 4.
    static func decode(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 4).map { offset in
            let bits =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            return Float(bitPattern: bits)
        }
    }
}
