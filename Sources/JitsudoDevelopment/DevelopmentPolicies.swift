public import JitsudoCore

/// The permissive policies `jitsudod dev` seeds (`schema.md` §2): never in production.
public enum DevelopmentPolicies {
    public static let all: [Policy] = {
        let epoch = AuditTimestamp(microsecondsSinceEpoch: 0)
        // The ids are fixed by the spec and valid; parsing cannot fail.
        let eligibilityID = (try? PolicyID(parsing: "pol_dev_eligibility"))!
        let approvalID = (try? PolicyID(parsing: "pol_dev_approval"))!
        return [
            Policy(
                id: eligibilityID, name: "dev-allow-all-eligibility", type: .eligibility,
                rego:
                    "package jitsudo.eligibility\n\n# Development only: everyone may request anything, break-glass included.\nallow := true\n\nbreak_glass_allowed := true\n",
                description: "development mode: allow every request", enabled: true, updatedBy: "seed", createdAt: epoch, updatedAt: epoch),
            Policy(
                id: approvalID, name: "dev-allow-all-approval", type: .approval,
                rego:
                    "package jitsudo.approval\n\n# Development only: anyone but the requester may approve; requests wait for a person.\nallow := true\n",
                description: "development mode: anyone may approve", enabled: true, updatedBy: "seed", createdAt: epoch, updatedAt: epoch),
        ]
    }()
}
