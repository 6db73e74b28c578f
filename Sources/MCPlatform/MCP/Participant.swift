import Foundation

/// Who is on the other side of an MCP session, for what outlives one request (walkthrough
/// progress, support tickets): the signed-in end user, the same in any session and on any
/// instance, or else the anonymous MCP session.
public struct Participant: Sendable, Equatable {
    public let endUserID: Int64?
    public let sessionID: String

    public init(session: MCPSession) {
        endUserID = session.endUserID
        sessionID = session.id
    }

    /// The stored identity of the participant.
    var key: String { endUserID.map { "user:\($0)" } ?? "session:\(sessionID)" }
}
