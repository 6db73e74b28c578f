import Crypto
import Foundation

extension SecretKey {
    /// Encrypts `plaintext` with AES-256-GCM under a subkey of the master key derived for
    /// `purpose` (HKDF-SHA256), so that a value sealed for one use cannot be opened as another.
    /// The result is `v1.` followed by the base64 of nonce, ciphertext and tag.
    func seal(_ plaintext: String, purpose: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: subkey(for: purpose))
        guard let combined = box.combined else { throw SealingError.malformed }
        return "v1." + combined.base64EncodedString()
    }

    /// Decrypts a value made by ``seal(_:purpose:)`` with the same purpose.
    func open(_ sealed: String, purpose: String) throws -> String {
        guard sealed.hasPrefix("v1."), let combined = Data(base64Encoded: String(sealed.dropFirst(3))) else {
            throw SealingError.malformed
        }
        do {
            let plaintext = try AES.GCM.open(try AES.GCM.SealedBox(combined: combined), using: subkey(for: purpose))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw SealingError.wrongKey
        }
    }

    /// A keyed hash (HMAC-SHA256, hex) of `value`: how tokens and codes are stored, so that a
    /// copy of the database does not yield usable credentials.
    func tokenHash(_ value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: subkey(for: "token-hash"))
        return mac.hexEncoded
    }

    private func subkey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes), info: Data("mcplatform \(purpose)".utf8), outputByteCount: 32)
    }
}

/// A sealed secret that cannot be opened.
enum SealingError: Error, CustomStringConvertible {
    case malformed
    /// Sealed under another master key (or tampered with).
    case wrongKey

    var description: String {
        switch self {
        case .malformed: "the stored secret is not a sealed value"
        case .wrongKey: "the stored secret was sealed under another secret key, or was altered"
        }
    }
}

/// Random, URL-safe credentials: codes, tokens, state values.
enum RandomToken {
    /// `bytes` random bytes as unpadded base64url (32 bytes → 43 characters).
    static func make(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URLEncoded
    }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits per byte: how digests are stored.
    var hexEncoded: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Data {
    /// Unpadded base64url (RFC 4648 §5), as OAuth and JOSE use it.
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
