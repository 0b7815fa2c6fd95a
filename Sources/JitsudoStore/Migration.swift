/// One forward-only schema migration, embedded in the binary. Each runs in its own transaction.
public struct Migration: Sendable, Hashable {
    /// Ascending version, the primary key of `schema_migrations`.
    public let version: Int
    /// A file-like name recorded with the version.
    public let name: String
    /// The statements, run in order (the extended protocol takes one statement per query).
    public let statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}
