import Foundation

/// A person with a dashboard account: a customer's team member, or the platform's operator.
public struct User: Sendable, Equatable {
    public let id: Int64
    /// Lowercased; unique.
    public let email: String
    public let name: String
    /// The operator sees every organization in the console.
    public let isOperator: Bool

    init(row: SQLRow) throws {
        id = try row.decode("id")
        email = try row.decode("email")
        name = try row.decode("name")
        isOperator = try row.decode("is_operator")
    }
}

/// What a dashboard role may do, enforced on the server for every page and action.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case owner, admin, member

    /// Create, change and delete servers, sources and settings.
    var canManageServers: Bool { self != .member }
    /// Invite people and revoke invitations.
    var canInvite: Bool { self != .member }
    /// Roles this role may hand out in invitations and role changes.
    var grantableRoles: [Role] { self == .owner ? [.owner, .admin, .member] : self == .admin ? [.admin, .member] : [] }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! > allCases.firstIndex(of: rhs)!
    }
}

/// Why an account could not be created or changed; worded for the form.
public enum AccountError: Error, Equatable, CustomStringConvertible {
    case emailTaken
    case invalidEmail
    case weakPassword(minimum: Int)
    case invalidName

    public var description: String {
        switch self {
        case .emailTaken: "an account with this email already exists; sign in instead"
        case .invalidEmail: "enter a valid email address"
        case .weakPassword(let minimum): "use at least \(minimum) characters"
        case .invalidName: "enter your name (at most 100 characters)"
        }
    }
}

/// Storage of users. Passwords are kept as bcrypt hashes only.
public struct UserStore: Sendable {
    let database: any Database
    let hasher: PasswordHasher

    public init(database: any Database, hasher: PasswordHasher = PasswordHasher()) {
        self.database = database
        self.hasher = hasher
    }

    public static let minimumPasswordLength = 10

    public func create(email: String, name: String, password: String, isOperator: Bool = false) async throws -> User {
        let email = try Self.normalizedEmail(email)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw AccountError.invalidName }
        guard password.count >= Self.minimumPasswordLength, password.utf8.count <= 72 * 4 else {
            throw AccountError.weakPassword(minimum: Self.minimumPasswordLength)
        }
        let hash = await hasher.hash(password)
        do {
            return try User(
                row: await database.one(
                    """
                    INSERT INTO users (email, name, password_hash, is_operator, created_at)
                    VALUES (\(email), \(name), \(hash), \(isOperator), \(Date()))
                    RETURNING \(raw: Self.columns)
                    """
                ))
        } catch DatabaseError.uniqueViolation {
            throw AccountError.emailTaken
        }
    }

    /// The user with `email` and `password`, or nil. Takes as long for unknown emails as for
    /// wrong passwords, so that the timing does not reveal which accounts exist.
    public func authenticate(email: String, password: String) async throws -> User? {
        guard let email = try? Self.normalizedEmail(email), password.utf8.count <= 1024,
            let row = try await database.first("SELECT \(raw: Self.columns), password_hash FROM users WHERE email = \(email)")
        else {
            _ = await hasher.verify(password, hash: hasher.decoyHash)
            return nil
        }
        guard await hasher.verify(password, hash: try row.decode("password_hash")) else { return nil }
        let user = try User(row: row)
        try await database.query("UPDATE users SET last_login_at = \(Date()) WHERE id = \(user.id)")
        return user
    }

    /// Replaces a user's password (after checking its length).
    func setPassword(_ password: String, userID: Int64) async throws {
        guard password.count >= Self.minimumPasswordLength, password.utf8.count <= 72 * 4 else {
            throw AccountError.weakPassword(minimum: Self.minimumPasswordLength)
        }
        let hash = await hasher.hash(password)
        try await database.query("UPDATE users SET password_hash = \(hash) WHERE id = \(userID)")
    }

    /// Whether `password` is the user's current password.
    func verifyPassword(_ password: String, userID: Int64) async throws -> Bool {
        guard password.utf8.count <= 1024, let row = try await database.first("SELECT password_hash FROM users WHERE id = \(userID)") else {
            return false
        }
        return await hasher.verify(password, hash: try row.decode("password_hash"))
    }

    func rename(userID: Int64, to name: String) async throws {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw AccountError.invalidName }
        try await database.query("UPDATE users SET name = \(name) WHERE id = \(userID)")
    }

    public func find(id: Int64) async throws -> User? {
        try await database.first("SELECT \(raw: Self.columns) FROM users WHERE id = \(id)").map(User.init)
    }

    public func find(email: String) async throws -> User? {
        guard let email = try? Self.normalizedEmail(email) else { return nil }
        return try await database.first("SELECT \(raw: Self.columns) FROM users WHERE email = \(email)").map(User.init)
    }

    /// The operator accounts (who get the platform-wide alerts' email).
    func operators() async throws -> [User] {
        try await database.query("SELECT \(raw: Self.columns) FROM users WHERE is_operator = \(true) ORDER BY email").map(User.init)
    }

    /// `email` trimmed and lowercased, if it looks like an address.
    static func normalizedEmail(_ email: String) throws(AccountError) -> String {
        let email = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
        else { throw .invalidEmail }
        return email
    }

    private static let columns = "id, email, name, is_operator"
}
