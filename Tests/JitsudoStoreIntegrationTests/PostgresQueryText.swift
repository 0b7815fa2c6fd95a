import PostgresNIO

/// Wraps literal test SQL (never user input) as a query.
struct PostgresQueryText {
    let query: PostgresQuery
    init(_ sql: String) { query = PostgresQuery(unsafeSQL: sql) }
}
