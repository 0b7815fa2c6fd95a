import Foundation
import JitsudoAPI
import JitsudoCore
import JitsudoStore
import NIOHTTP1
import Testing

/// Issue #13 at the daemon: an eligibility policy feeds request fields (metadata strings, the duration) to every
/// time, number and string builtin; requests carrying extreme values are refused (403, `not eligible: …`), each
/// refusal is audited as `request.not_eligible`, and the daemon keeps answering (a normal request still works).
/// A trap would end this test process, so finishing it is part of the assertion. HostileRequestProcessTests
/// (JitsudoHATests) sends the issue's request to a real `jitsudod` process.
@Suite struct HostilePolicyInputTests {
    static let policy = """
        package jitsudo.eligibility

        m := input.request.metadata
        d := input.request.duration_seconds

        time_ok if {
            t := time.parse_rfc3339_ns(m.t)
            time.parse_ns("2006-01-02T15:04:05Z07:00", m.t) == t
            [_, _, _] := time.date(t)
            [_, _, _] := time.clock([t, "Europe/Paris"])
            time.weekday(t)
            time.format([t, "UTC", "RFC1123"])
            time.add_date(t, 0, 0, 1)
            time.add_date(t, 0, 0, d)
            [_, _, _, _, _, _] := time.diff(t, time.now_ns())
            time.parse_duration_ns(m.dur) + d * 1000000000 > 0
            time.add_date(time.now_ns() + time.parse_duration_ns(m.dur), 0, 0, 0)
        }

        number_ok if {
            n := to_number(m.n)
            abs(n) >= 0
            round(n) + ceil(n) + floor(n) + n * n - n
            n / 3
            3 / n
            n % 7
            format_int(n, 16)
            count(numbers.range(n, n + 2)) == 3
            count(numbers.range_step(n, n + 10, 5)) == 3
            sum([n, d]) + product([n, d])
            units.parse(m.n)
            units.parse_bytes(m.n)
            time.date(n)
            time.add_date(n, 0, 0, 1)
            sprintf("%d %v %x %5.2f", [n, n, n, n])
        }

        string_ok if {
            s := m.s
            count(s) + count(upper(s)) + count(lower(s)) + count(trim_space(s)) > 0
            substring(s, 1, d)
            indexof(s, "a")
            split(s, ",")
            replace(s, "l", "L")
            strings.replace_n({"l": "L", "e\\u0301": "é"}, s)
            strings.reverse(s)
            sprintf("%s %q %v", [s, s, s])
            concat(",", [s, s])
            startswith(s, "h")
            trim(s, "h")
            trim_prefix(s, "h")
            json.marshal(s)
            base64.decode(base64.encode(s)) == s
            hex.decode(hex.encode(s)) == s
            urlquery.decode(urlquery.encode(s)) == s
            crypto.sha256(s)
            regex.match("^[a-z]+$", s)
            regex.replace(s, "(l)", m.repl)
            glob.match("h*", [], s)
            x := json.unmarshal(m.json)
            json.marshal(x)
        }

        allow if {
            "sre" in input.user.groups
            time_ok
            number_ok
            string_ok
        }
        """

    static let normal: [String: String] = [
        "t": "2026-03-16T12:00:00Z", "n": "42", "dur": "1h", "s": "hello", "repl": "$1", "json": #"{"a": [1, 2]}"#,
    ]

    /// Each differs from `normal` in one field, at an extreme that makes a builtin fail: the request is refused.
    static let refused: [[String: String]] = [
        ["t": "1677-09-21T00:12:43Z"], ["t": "2262-04-11T23:47:16.854775808Z"], ["t": "1677-09-21T00:12:43.145224191Z"],
        ["t": "9999-12-31T23:59:59.999999999Z"], ["t": "0000-01-01T00:00:00Z"], ["t": "2262-04-11T23:47:16.854775807Z"],
        ["n": "9223372036854775807"], ["n": "9223372036854775808"], ["n": "1e400"], ["n": "NaN"],
        ["n": "1.0e-9223372036854775808"], ["n": "0"], ["n": "1.5"], ["n": "123456789012345678901234567890"], ["n": "-1e308"],
        ["dur": "2562047h47m16.854775808s"], ["dur": "-9223372036854775809ns"], ["dur": "99999999999999999999h"],
        ["dur": "2562047h47m16.854775807s"], ["json": String(repeating: "[", count: 1001) + String(repeating: "]", count: 1001)],
        ["s": "hello,World"], ["s": String(repeating: "\u{1F642}", count: 20_000)],
    ]

    /// Extremes that every builtin of the policy handles (Int.min is a valid timestamp; the exponent trapped before
    /// #13's audit and is 0): any answer but a crash (or a 5xx) will do.
    static let answered: [[String: String]] = [
        ["n": "-9223372036854775808"], ["json": "1.0e-9223372036854775808"], ["n": "1.0e-9223372036854775808"],
        ["repl": "${-1}"], ["repl": "${99999999999999999999}"], ["s": "e\u{301}e\u{301}l"], ["s": String(repeating: "l", count: 50_000)],
        ["json": String(repeating: "[", count: 999) + String(repeating: "]", count: 999)], ["s": "h\u{0}\u{2028}%!"],
    ]

    static func body(_ metadata: [String: String], duration: Int = 3600) throws -> String {
        let object: [String: Any] = [
            "provider": "mock", "role": "viewer", "resource_scope": "acct-1", "duration_seconds": duration,
            "reason": "INC-13", "metadata": metadata,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test(.timeLimit(.minutes(3)))
    func extremeRequestFieldsAreRefusedAuditedAndTheDaemonStaysUp() async throws {
        try await withServer(policies: [("hostile", .eligibility, Self.policy), ("approval", .approval, TestPolicies.approval)]) { server in
            let first = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: try Self.body(Self.normal))
            #expect(first.status == 200, "the normal request must pass every builtin: \(first.body)")
            for change in Self.refused {
                let metadata = Self.normal.merging(change) { $1 }
                let response = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: try Self.body(metadata))
                #expect(response.status == 403, "\(change.mapValues { $0.prefix(60) }): \(response.status) \(response.body.prefix(300))")
                if response.status == 403 {
                    let error = try server.decode(APIError.ErrorBody.self, response.body)
                    #expect(error.message.hasPrefix("not eligible: "), "\(error.message)")
                }
            }
            for change in Self.answered {
                let metadata = Self.normal.merging(change) { $1 }
                let response = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: try Self.body(metadata))
                #expect(response.status == 200 || response.status == 403, "\(change.mapValues { $0.prefix(60) }): \(response.body.prefix(300))")
            }
            // The longest duration the API accepts, through substring/add_date/sum: still a decision.
            let longest = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: try Self.body(Self.normal, duration: 366 * 86_400))
            #expect(longest.status == 200 || longest.status == 403, "\(longest.body)")

            let events = try await AuditLog(database: server.database).events(matching: .init(action: "request.not_eligible"), pageSize: 200).events
            #expect(events.count >= Self.refused.count && events.allSatisfy { $0.outcome == .failure && $0.actorIdentity == "alice@example.com" })
            let last = try await server.call(.POST, "/api/v1alpha1/requests", as: alice, json: try Self.body(Self.normal))
            #expect(last.status == 200, "after the hostile requests a normal one still works: \(last.body)")
        }
    }
}
