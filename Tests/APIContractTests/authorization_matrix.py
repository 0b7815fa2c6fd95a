"""Authorization matrix (issue 21): every operation of the served OpenAPI document, called as every role, answered
with the status the access rules of api.md §2 give, and nothing changed in the database by a refusal.

Roles: unauthenticated, requester (eligible), other (another eligible user), approver (the approval policy allows),
refused_approver (the approval policy refuses), admin, mcp (the MCP token, which is no OIDC token).
Operations that succeed get a fresh fixture (a PENDING or ACTIVE request of the requester) for each call.
An operation in the document and not in EXPECTED (or the reverse) fails the test: the matrix follows the document.

  python3 authorization_matrix.py BASE_URL DATABASE_URL  (tokens in MATRIX_<ROLE>_TOKEN)
"""

import json
import os
import sys
import urllib.error
import urllib.request

import yaml

from db_fingerprint import Session

BASE, DATABASE_URL = sys.argv[1], sys.argv[2]
ROLES = ["unauthenticated", "requester", "other", "approver", "refused_approver", "admin", "mcp"]
TOKENS = {role: os.environ.get(f"MATRIX_{role.upper()}_TOKEN") for role in ROLES}
CA = os.environ.get("MATRIX_CA_FILE")

OPEN = {role: 200 for role in ROLES}
AUTHENTICATED = {**{role: 200 for role in ROLES}, "unauthenticated": 401, "mcp": 401}
ADMIN_ONLY = {**{role: 403 for role in ROLES}, "unauthenticated": 401, "mcp": 401, "admin": 200}


def api(overrides):
    return {**AUTHENTICATED, **overrides}


# Expected status by operationId and role; the fixture each call needs (None, "pending" or "active").
EXPECTED = {
    "getHealth": (OPEN, None),
    "getReadiness": (OPEN, None),
    "getVersion": (OPEN, None),
    "getMetrics": (OPEN, None),
    "getOpenAPIDocument": (OPEN, None),
    "callMCP": ({**{role: 401 for role in ROLES}, "mcp": 200}, None),
    "listRequests": (AUTHENTICATED, None),
    "createRequest": (api({"approver": 403, "refused_approver": 403, "admin": 403}), None),
    "revokeAllRequests": (ADMIN_ONLY, None),
    "getRequest": (AUTHENTICATED, "pending"),
    # Self-approval is always refused; an admin approves only when the approval policy allows them.
    "approveRequest": (api({"requester": 403, "other": 403, "refused_approver": 403, "admin": 403}), "pending"),
    # Deny: the approval policy allows the caller, the requester withdraws, or an admin.
    "denyRequest": (api({"other": 403, "refused_approver": 403}), "pending"),
    "revokeRequest": (api({"other": 403, "approver": 403, "refused_approver": 403}), "active"),
    # Extending is the requester's or an admin's, and the eligibility policy re-checks the caller (the admin here is
    # not eligible).
    "extendRequest": (api({"other": 403, "approver": 403, "refused_approver": 403, "admin": 403}), "active"),
    "getCredentials": (api({"other": 403, "approver": 403, "refused_approver": 403, "admin": 403}), "active"),
    "listPolicies": (AUTHENTICATED, None),
    "applyPolicy": (ADMIN_ONLY, None),
    "evaluatePolicies": (AUTHENTICATED, None),
    "getPolicy": (AUTHENTICATED, None),
    "updatePolicy": (ADMIN_ONLY, None),
    "deletePolicy": (ADMIN_ONLY, "scratch_policy"),
    "reloadPolicies": (ADMIN_ONLY, None),
    "listAuditEvents": (AUTHENTICATED, None),
    "verifyAuditChain": (AUTHENTICATED, None),
    "getPrincipal": (AUTHENTICATED, None),
    "setTrustTier": (ADMIN_ONLY, None),
}

BODIES = {
    "callMCP": {"jsonrpc": "2.0", "id": 1, "method": "ping"},
    "createRequest": {"provider": "mock", "role": "admin", "durationSeconds": 600, "reason": "matrix"},
    "revokeAllRequests": {"requesterIdentity": "nobody@example.com", "reason": "matrix"},
    "approveRequest": {"comment": "matrix"},
    "denyRequest": {"reason": "matrix"},
    "revokeRequest": {"reason": "matrix"},
    "extendRequest": {"durationSeconds": 60, "reason": "matrix"},
    "applyPolicy": {"name": "matrix-scratch", "type": "eligibility", "rego": "package jitsudo.eligibility\n\nallow := false\n"},
    "evaluatePolicies": {"inputJson": "{}", "type": "eligibility"},
    "updatePolicy": {"description": "matrix"},
    "setTrustTier": {"trustTier": 1, "notes": "matrix"},
}


def call(method, path, role, body=None):
    headers = {}
    if TOKENS.get(role):
        headers["Authorization"] = "Bearer " + TOKENS[role]
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    import ssl

    context = ssl.create_default_context(cafile=CA) if CA else None
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def fixture(kind):
    if kind is None:
        return {}
    if kind == "scratch_policy":
        status, text = call("POST", "/api/v1alpha1/policies", "admin",
                            {"name": "matrix-delete-me", "type": "approval", "rego": "package jitsudo.approval\n", "enabled": False})
        assert status == 200, f"scratch policy: {status} {text}"
        return {"id": "matrix-delete-me"}
    status, text = call("POST", "/api/v1alpha1/requests", "requester", BODIES["createRequest"])
    assert status == 200, f"fixture request: {status} {text}"
    request_id = json.loads(text)["request"]["id"]
    if kind == "active":
        status, text = call("POST", f"/api/v1alpha1/requests/{request_id}/approve", "approver", {"comment": "fixture"})
        assert status == 200 and "ACTIVE" in text, f"fixture approval: {status} {text}"
    return {"id": request_id}


def main():
    document = yaml.safe_load(call("GET", "/openapi.yaml", "unauthenticated")[1])
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                operations.append((operation["operationId"], method.upper(), path))
    documented = {operation_id for operation_id, _, _ in operations}
    problems = []
    if documented != set(EXPECTED):
        problems.append(f"matrix and document differ: only documented {sorted(documented - set(EXPECTED))}, "
                        f"only in the matrix {sorted(set(EXPECTED) - documented)}")
    database = Session(DATABASE_URL)
    calls = refusals = 0
    for operation_id, method, path in sorted(operations):
        if operation_id not in EXPECTED:
            continue
        expected, kind = EXPECTED[operation_id]
        for role in ROLES:
            parameters = fixture(kind)
            parameters.setdefault("id", "eligibility")
            parameters["identity"] = "otto@example.com"
            concrete = path.replace("{id}", parameters["id"]).replace("{identity}", parameters["identity"])
            before = database.fingerprint()
            status, text = call(method, concrete, role, BODIES.get(operation_id))
            calls += 1
            if status != expected[role]:
                problems.append(f"{method} {path} as {role}: {status}, expected {expected[role]}: {text[:200]}")
            if status >= 400:
                refusals += 1
                if database.fingerprint() != before:
                    problems.append(f"{method} {path} as {role} was refused ({status}) but changed the database")
    print(f"{len(operations)} operations x {len(ROLES)} roles: {calls} calls, {refusals} refusals checked unchanged")
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
