extension Migration {
    /// The same rules, read once per connection instead of once per statement: the single-column checks of `requests`
    /// and `audit_pending` (the two tables every request writes twice) become one check per table that calls a
    /// PL/pgSQL function holding them all.
    ///
    /// Why: PostgreSQL (15) rebuilds every CHECK of a table from its stored node text on each INSERT or UPDATE
    /// (`ExecRelCheck`: `stringToNode`, then planning the expression): ~9 KB of node text for `requests` alone, read
    /// byte by byte, array and jsonpath constants included. `make bench`'s profile had `ExecConstraints` at 8.8 % of the
    /// whole machine. A PL/pgSQL function is compiled once per connection and its expressions stay prepared; the
    /// table's one check is a function call over the columns (a tenth of the text).
    ///
    /// Nothing a writer sees changes: each rule is the old constraint's expression (the request id and the action
    /// without a regular expression, proven equal in `FormatCheckEquivalenceTests`), refused under the old constraint's
    /// name (``rowRuleViolation``: SQLSTATE 23514 `check_violation`, the constraint and table names, the same message),
    /// and a NULL result passes as it did for a CHECK. `RowRulesTests` breaks each rule alone and expects exactly its
    /// name. The function is `IMMUTABLE` (it reads only its arguments) and not `STRICT` (a NULL argument
    /// must still be judged). The rows are already valid under the same old checks; `VALIDATE` proves it again rather
    /// than take it on trust. Column types do not change, so the prepared statements of replicas still running the
    /// previous version keep working.
    static let rowRules = Migration(
        version: 15,
        name: "0015_row_rules.sql",
        statements: [
            rowRuleViolation,
            RowRules.requests.functionDefinition,
            RowRules.requests.replacingConstraints,
            "ALTER TABLE requests VALIDATE CONSTRAINT requests_rules",
            RowRules.auditPending.functionDefinition,
            RowRules.auditPending.replacingConstraints,
            "ALTER TABLE audit_pending VALIDATE CONSTRAINT audit_pending_rules",
        ]
    )

    /// Raises what PostgreSQL raises for a violated CHECK, under the rule's own name.
    static let rowRuleViolation = """
        CREATE FUNCTION jitsudo_rule_violated(table_name text, rule text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING
                ERRCODE = 'check_violation', CONSTRAINT = rule, TABLE = table_name,
                MESSAGE = format('new row for relation "%s" violates check constraint "%s"', table_name, rule);
        END
        $$
        """
}
