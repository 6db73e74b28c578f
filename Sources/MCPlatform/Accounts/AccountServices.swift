import Foundation

/// The stores behind dashboard accounts, created once per process.
public struct AccountServices: Sendable {
    public let users: UserStore
    let sessions: WebSessionStore
    let memberships: MembershipStore
    let invitations: InvitationStore
    let passwordResets: PasswordResetStore
    let outbox: Outbox
    let apiKeys: APIKeyStore

    /// - Parameter mailRelay: the SMTP relay delivering the outbox (password masked), if any.
    init(database: any Database, secretKey: SecretKey, passwordHasher: PasswordHasher, mailRelay: String? = nil) {
        users = UserStore(database: database, hasher: passwordHasher)
        sessions = WebSessionStore(database: database, secretKey: secretKey)
        memberships = MembershipStore(database: database)
        invitations = InvitationStore(database: database, secretKey: secretKey)
        passwordResets = PasswordResetStore(database: database, secretKey: secretKey)
        outbox = Outbox(database: database, relay: mailRelay)
        apiKeys = APIKeyStore(database: database, secretKey: secretKey)
    }
}
