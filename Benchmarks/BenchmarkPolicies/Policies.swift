// Policies and inputs shared by the Rego benchmarks.
public enum BenchmarkPolicies {
    public static let eligibility = """
        package jitsudo.eligibility

        read_only_roles := {"view", "roles/viewer", "ReadOnlyAccess"}
        weekdays := {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}

        business_hours if {
            now := time.now_ns()
            time.weekday(now) in weekdays
            [hour, _, _] := time.clock(now)
            hour >= 8
            hour < 18
        }

        allow if {
            not input.request.break_glass
            "engineering" in input.user.groups
            input.request.role in read_only_roles
            input.request.duration_seconds <= 28800
        }

        allow if {
            not input.request.break_glass
            "sre-oncall" in input.user.groups
            startswith(input.request.role, "prod-")
            input.request.duration_seconds <= 7200
            business_hours
            regex.match(`[A-Z][A-Z0-9]+-[0-9]+`, input.request.reason)
        }

        allow if {
            input.request.break_glass
            input.context.trust_tier == 4
        }
        """

    public static let approval = """
        package jitsudo.approval

        low_risk if {
            input.context.trust_tier >= 3
            input.request.role in {"view", "roles/viewer"}
            input.request.duration_seconds <= 3600
        }

        default approver_tier := "human"

        approver_tier := "auto" if low_risk

        approver_tier := "ai_review" if {
            not low_risk
            regex.match(`INC-[0-9]+`, input.request.reason)
        }

        default required_approvals := 1

        required_approvals := 2 if {
            startswith(input.request.role, "prod-")
            input.request.duration_seconds > 3600
        }

        decision := {"approver_tier": approver_tier, "required_approvals": required_approvals}
        """

    /// Deterministic varied inputs (JSON text).
    public static func inputs(count: Int) -> [String] {
        let groups = [#"["engineering"]"#, #"["sre", "sre-oncall"]"#, #"["platform"]"#, #"[]"#, #"["engineering", "sre-oncall"]"#]
        let roles = ["view", "prod-infra-admin", "roles/viewer", "staging-admin", "prod-db-ro"]
        let reasons = ["INC-4421 crash loop", "debugging", "", "P1 OPS-77 outage", "INC-9"]
        var out: [String] = []
        for i in 0..<count {
            let g = groups[i % groups.count]
            let r = roles[(i / 5) % roles.count]
            let reason = reasons[(i / 25) % reasons.count]
            let duration = [1800, 3600, 7200, 14400, 36000][(i / 3) % 5]
            let tier = i % 5
            let bg = i % 17 == 0
            out.append("""
                {"action":"request","user":{"email":"u\(i)@example.com","groups":\(g)},\
                "request":{"role":"\(r)","duration_seconds":\(duration),"reason":"\(reason)","break_glass":\(bg),"provider":"aws"},\
                "context":{"trust_tier":\(tier),"requester_trust_tier":\(tier)}}
                """)
        }
        return out
    }
}
