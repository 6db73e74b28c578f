import Foundation
import HummingbirdBcrypt
import NIOPosix

/// bcrypt, run on NIO's thread pool so that its deliberate slowness never blocks an event loop.
public struct PasswordHasher: Sendable {
    /// The work factor: 12 in production (about a quarter second per hash); tests use less.
    let cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    func hash(_ password: String) async -> String {
        let cost = cost
        return (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }) ?? Bcrypt.hash(password, cost: cost)
    }

    func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }) ?? false
    }

    /// A well-formed hash at this cost that no password matches, checked against when the
    /// email is unknown so that both cases take as long.
    var decoyHash: String { "$2b$" + (cost < 10 ? "0" : "") + "\(cost)$" + String(repeating: "a", count: 53) }
}
