import JitsudoCore

/// The policies the workflow tests run with.
enum TestPolicies {
    static let eligibility = """
        package jitsudo.eligibility

        allow if "sre" in input.user.groups

        allow if {
            input.request.break_glass
            input.context.trust_tier == 4
        }

        break_glass_allowed if input.context.trust_tier == 4

        max_duration_seconds := 28800

        reason := "only sre may request roles" if not allow
        """

    static let approval = """
        package jitsudo.approval

        allow if "sre-leads" in input.user.groups

        approver_tier := "auto" if input.request.role == "viewer"

        required_approvals := 2 if input.request.role == "prod-admin"
        """

    static let standard: [(String, PolicyType, String)] = [("eligibility", .eligibility, eligibility), ("approval", .approval, approval)]
}

let alice = "alice@example.com;sre"
let bob = "bob@example.com;sre-leads"
let carol = "carol@example.com;sre-leads"
let mallory = "mallory@example.com;interns"
let admin = "root@example.com;jitsudo-admins"

func submission(role: String = "admin", duration: Int = 3600, extra: String = "") -> String {
    #"{"provider":"mock","role":"\#(role)","resource_scope":"acct-1","duration_seconds":\#(duration),"reason":"INC-1"\#(extra)}"#
}
