/// A failure to run a local PostgreSQL.
public struct LocalPostgresError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
