#!/usr/bin/env python3
"""Generate the differential fixture: evaluate jitsudo's example policies with real OPA.

Usage:  pip install --ignore-requires-python opa-golib-python-bindings
        python3 Tests/RegoTests/differential/generate.py

Writes fixture.jsonl next to this script, one case per line in the conformance record format
(modules, query, input, now, want_result). `now` is fixed through `with time.now_ns as <now>`
in the query so OPA and the Swift engine see the same clock. The Swift test DifferentialTests
replays the file; it needs no Python.
"""
import json
import os
import random

from opa_bindings import OpaEngine, OpaError

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20260318
CASES_PER_SET = 60

ELIGIBILITY_8_1 = '''package jitsudo.eligibility

read_only_roles := {"view", "roles/viewer", "ReadOnlyAccess"}

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
	regex.match(`[A-Z][A-Z0-9]+-[0-9]+`, input.request.reason)
}

allow if {
	input.request.break_glass
	input.context.trust_tier == 4
}

reason := "production roles need sre-oncall, at most 2h and a ticket id in the reason" if {
	not allow
	startswith(input.request.role, "prod-")
}
'''

APPROVAL_8_2 = '''package jitsudo.approval

allow if "sre-leads" in input.user.groups

allow if {
	"sre" in input.user.groups
	not startswith(input.request.role, "prod-")
}

low_risk if {
	input.context.trust_tier >= 3
	input.request.role in {"view", "roles/viewer"}
	input.request.duration_seconds <= 3600
}

approver_tier := "auto" if low_risk

approver_tier := "ai_review" if {
	not low_risk
	regex.match(`INC-[0-9]+`, input.request.reason)
}
'''

K8S_8_3 = '''package jitsudo.eligibility

protected_namespaces := {"kube-system", "jitsudo"}

allow if {
	input.request.provider == "kubernetes"
	input.request.resource_scope != "*"
	not input.request.resource_scope in protected_namespaces
	input.request.role in {"view", "edit"}
	"platform" in input.user.groups
}

allow if {
	input.request.provider == "kubernetes"
	"cluster-admins" in input.user.groups
	input.context.trust_tier >= 3
}
'''

HOURS_8_4 = '''package jitsudo.approval

weekdays := {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}

business_hours if {
	now := time.now_ns()
	time.weekday(now) in weekdays
	[hour, _, _] := time.clock(now)
	hour >= 8
	hour < 18
}

allow if {
	business_hours
	"sre" in input.user.groups
}

allow if "incident-commanders" in input.user.groups
'''

BENCH_ELIGIBILITY = '''package jitsudo.eligibility

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
'''

BENCH_APPROVAL = '''package jitsudo.approval

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
'''

SETS = [
    ("8.1 eligibility", [ELIGIBILITY_8_1], ["data.jitsudo.eligibility.allow", "data.jitsudo.eligibility.reason"]),
    ("8.1+8.3 eligibility", [ELIGIBILITY_8_1, K8S_8_3], ["data.jitsudo.eligibility.allow"]),
    ("8.2 approval", [APPROVAL_8_2], ["data.jitsudo.approval.allow", "data.jitsudo.approval.approver_tier"]),
    ("8.2+8.4 approval", [APPROVAL_8_2, HOURS_8_4], ["data.jitsudo.approval.allow"]),
    ("benchmark eligibility", [BENCH_ELIGIBILITY], ["data.jitsudo.eligibility.allow"]),
    ("benchmark approval", [BENCH_APPROVAL], ["data.jitsudo.approval.decision"]),
]

GROUPS = ["engineering", "sre", "sre-oncall", "sre-leads", "platform", "cluster-admins", "incident-commanders", "finance"]
ROLES = ["view", "edit", "roles/viewer", "ReadOnlyAccess", "prod-infra-admin", "prod-db-ro", "staging-admin", "cluster-admin"]
REASONS = ["", "debugging", "INC-4421 ECS tasks crash-looping", "P1 outage INC-77", "OPS-12 rotate keys", "inc-5 lowercase", "x"]
SCOPES = ["123456789012", "payments", "kube-system", "jitsudo", "*", "default"]
PROVIDERS = ["aws", "gcp", "kubernetes", "azure"]
# Mondays..Sundays of March 2026 at various UTC hours.
BASE_DAY_NS = 1773619200 * 10**9  # 2026-03-16T00:00:00Z (Monday)


def random_input(rng):
    return {
        "action": rng.choice(["request", "approve", "deny"]),
        "user": {"email": "u@example.com", "subject": "s", "groups": rng.sample(GROUPS, rng.randint(0, 3))},
        "request": {
            "id": "",
            "requester_identity": "r@example.com",
            "provider": rng.choice(PROVIDERS),
            "role": rng.choice(ROLES),
            "resource_scope": rng.choice(SCOPES),
            "duration_seconds": rng.choice([60, 1800, 3600, 3601, 7200, 7201, 14400, 28800, 36000]),
            "reason": rng.choice(REASONS),
            "break_glass": rng.random() < 0.2,
            "metadata": {},
        },
        "context": {"trust_tier": rng.randint(0, 4), "requester_trust_tier": rng.randint(0, 4)},
    }


def main():
    rng = random.Random(SEED)
    out = []
    for name, modules, queries in SETS:
        engine = OpaEngine()
        for i, m in enumerate(modules):
            engine.add_policy(f"test-{i}.rego", m)
        for n in range(CASES_PER_SET):
            inp = random_input(rng)
            now = BASE_DAY_NS + rng.randint(0, 6) * 86400 * 10**9 + rng.randint(0, 23) * 3600 * 10**9 + rng.randint(0, 3599) * 10**9
            for q in queries:
                query = f"x := {q} with time.now_ns as {now}"
                try:
                    rows = engine.eval_query(query, inp)
                    case = {"want_result": rows}
                except OpaError as e:
                    case = {"want_error_code": e.code}
                case.update({
                    "name": f"{name} #{n} {q}",
                    "category": "differential",
                    "modules": modules,
                    "query": query,
                    "input": inp,
                    "now": now,
                })
                out.append(case)
        engine.close()
    path = os.path.join(HERE, "fixture.jsonl")
    with open(path, "w") as f:
        for c in out:
            f.write(json.dumps(c, sort_keys=True) + "\n")
    print(f"wrote {len(out)} cases to {path}")


if __name__ == "__main__":
    main()
