@testable import JitsudoStore
import JitsudoTesting
import PostgresNIO
import Testing

/// Migration 13's format checks accept exactly what the regular expressions of migration 1 accepted, in PostgreSQL
/// itself: every string of a generated set gets the same answer from both.
@Suite struct FormatCheckEquivalenceTests {
    /// Strings near `valid`: every length from 0 to `valid.count + 2` (filled from `valid`), and `valid` with each
    /// position in turn replaced by each of `strangers`, and with each stranger put before or after it.
    static func near(_ valid: String, strangers: [String]) -> [String] {
        let characters = Array(valid)
        var strings = (0...(characters.count + 2)).map { length in String((0..<length).map { characters[$0 % characters.count] }) }
        for position in characters.indices {
            for stranger in strangers {
                var changed = characters.map(String.init)
                changed[position] = stranger
                strings.append(changed.joined())
            }
        }
        for stranger in strangers { strings += [stranger + valid, valid + stranger, String(valid.dropLast()) + stranger] }
        return strings
    }

    static func disagreements(_ strings: [String], old pattern: String, new check: String, in test: TestDatabase) async throws -> [String] {
        var found: [String] = []
        let rows = try await test.database.query(
            PostgresQuery(
                unsafeSQL: "SELECT s FROM unnest($1::text[]) AS s WHERE (s ~ '\(pattern)') IS DISTINCT FROM \(check)",
                binds: {
                    var binds = PostgresBindings()
                    binds.append(strings)
                    return binds
                }()))
        for try await string in rows.decode(String.self) { found.append(string) }
        return found
    }

    static let strangers = [
        "", "g", "G", "A", "F", "z", "Z", "I", "L", "O", "U", "i", "l", "o", "u", "_", "-", " ", "\n", "\t", "é", "٣", "０", "$", "^", ".", "/", "\\",
    ]

    @Test func theHashCheckAcceptsExactlyWhatTheRegularExpressionDid() async throws {
        try await withTestDatabase { test in
            let strings = Self.near("0123456789abcdef" + "fedcba9876543210" + "00ff00ff00ff00ff" + "a1b2c3d4e5f60789", strangers: Self.strangers)
            #expect(strings.count > 1_500)
            let disagreeing = try await Self.disagreements(strings, old: "^[0-9a-f]{64}$", new: Migration.hashCheck("s"), in: test)
            #expect(disagreeing == [])
        }
    }

    @Test func theRequestIDCheckAcceptsExactlyWhatTheRegularExpressionDid() async throws {
        try await withTestDatabase { test in
            var strings = Self.near(
                "req_01JQ0123456789ABCDEFGHJKMN", strangers: Self.strangers + ["r", "e", "q", "R", "E", "Q", "P", "T", "V", "W", "X", "Y"])
            strings += ["REQ_01JQ0123456789ABCDEFGHJK", "req-01JQ0123456789ABCDEFGHJK", "rq_01JQ0123456789ABCDEFGHJKM", "req_"]
            #expect(strings.count > 1_000)
            let disagreeing = try await Self.disagreements(strings, old: "^req_[0-9A-HJKMNP-TV-Z]{26}$", new: Migration.requestIDCheck("s"), in: test)
            #expect(disagreeing == [])
        }
    }

    /// Migration 15's request id rule, without a regular expression, answers as migration 1's expression did.
    @Test func theRequestIDRuleAcceptsExactlyWhatTheRegularExpressionDid() async throws {
        try await withTestDatabase { test in
            var strings = Self.near(
                "req_01JQ0123456789ABCDEFGHJKMN", strangers: Self.strangers + ["r", "e", "q", "R", "E", "Q", "P", "T", "V", "W", "X", "Y"])
            strings += [
                "REQ_01JQ0123456789ABCDEFGHJK", "req-01JQ0123456789ABCDEFGHJK", "rq_01JQ0123456789ABCDEFGHJKM", "req_",
                "req_" + RowRules.crockfordDigits,
            ]
            #expect(strings.count > 1_000)
            let disagreeing = try await Self.disagreements(
                strings, old: "^req_[0-9A-HJKMNP-TV-Z]{26}$", new: "(\(RowRules.requestIDRule("s")))", in: test)
            #expect(disagreeing == [])
        }
    }

    /// Migration 15's action rule, without a regular expression, answers as migration 1's expression did.
    @Test func theActionRuleAcceptsExactlyWhatTheRegularExpressionDid() async throws {
        try await withTestDatabase { test in
            var strings = Self.near("request.created", strangers: Self.strangers + [".", "..", "a.b", "A", "z", "_", "é"])
            strings += Self.near("grant_shared.drift_removed", strangers: [".", "-", "9", "Z", ""])
            strings += [".", "..", "a.", ".a", "a..b", "a.b.c", "_._", "a_.b_", "", "a", "a b.c", "a.b\n", "\na.b"]
            #expect(strings.count > 500)
            let disagreeing = try await Self.disagreements(strings, old: #"^[a-z_]+\.[a-z_]+$"#, new: "(\(RowRules.actionRule("s")))", in: test)
            #expect(disagreeing == [])
        }
    }

    /// The migrated schema carries the new checks (and so still refuses a malformed hash and id): the hashes' as
    /// constraints, the request id's inside the rules of `requests` (migration 15).
    @Test func theMigratedSchemaHasTheNewChecks() async throws {
        try await withTestDatabase { test in
            var definitions: [String] = []
            let rows = try await test.database.query(
                """
                SELECT pg_get_constraintdef(oid) FROM pg_constraint
                WHERE conname IN ('audit_events_prev_hash_check', 'audit_events_hash_check') AND convalidated
                UNION ALL
                SELECT prosrc FROM pg_proc WHERE proname = 'requests_rules'
                """)
            for try await definition in rows.decode(String.self) { definitions.append(definition) }
            #expect(definitions.count == 3)
            #expect(definitions.dropLast().allSatisfy { !$0.contains("{") && $0.contains("!~") })
            #expect(definitions.last?.contains(RowRules.requestIDRule("id")) == true)
        }
    }
}
