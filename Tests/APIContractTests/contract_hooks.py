"""Schemathesis hooks for the API contract run (Tests/APIContractTests/api-contract-tests.sh).

Two jobs:
1. Authenticate every operation as the role that may perform it: admin-only operations as the admin, approve/deny as
   the approver, POST /mcp with the MCP token, everything else as the plain requester. Schemathesis's own
   auth checks (ignored_auth, missing_required_header) then remove or replace this header.
2. No change on refusal: before every call a fingerprint of the state a refusal must never touch (requests,
   approvals, policies, principals without last_seen_at, revocations, and the audit log without audited refusals);
   after a 4xx answer the fingerprint must be the same. Every violation is appended to $CONTRACT_VIOLATIONS.
The run uses one worker, so before_call and after_call of one case are adjacent.
"""

import json
import os

import schemathesis
from db_fingerprint import Session, changed_parts

TOKENS = {
    "admin": os.environ["CONTRACT_ADMIN_TOKEN"],
    "approver": os.environ["CONTRACT_APPROVER_TOKEN"],
    "requester": os.environ["CONTRACT_REQUESTER_TOKEN"],
    "mcp": os.environ["CONTRACT_MCP_TOKEN"],
}
DATABASE_URL = os.environ["CONTRACT_DATABASE_URL"]
VIOLATIONS = os.environ["CONTRACT_VIOLATIONS"]
REFUSALS = os.environ["CONTRACT_REFUSALS"]

ADMIN_ONLY = {
    ("POST", "/api/v1alpha1/policies"),
    ("PATCH", "/api/v1alpha1/policies/{id}"),
    ("DELETE", "/api/v1alpha1/policies/{id}"),
    ("POST", "/api/v1alpha1/admin/reload-policies"),
    ("PUT", "/api/v1alpha1/principals/{identity}/trust-tier"),
    ("POST", "/api/v1alpha1/requests:revoke"),
}
APPROVER = {("POST", "/api/v1alpha1/requests/{id}/approve"), ("POST", "/api/v1alpha1/requests/{id}/deny")}


def role_for(method, path):
    if path == "/mcp":
        return "mcp"
    if (method, path) in ADMIN_ONLY:
        return "admin"
    if (method, path) in APPROVER:
        return "approver"
    return "requester"


@schemathesis.auth(refresh_interval=None)
class RoleAuth:
    def get(self, case, context):
        return role_for(context.operation.method.upper(), context.operation.path)

    def set(self, case, role, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {TOKENS[role]}"


_session = []


def fingerprint():
    if not _session:
        _session.append(Session(DATABASE_URL))
    return _session[0].fingerprint()


_before = {}


@schemathesis.hook
def before_call(context, case, kwargs):
    _before["fingerprint"] = fingerprint()


@schemathesis.hook
def after_call(context, case, response):
    before = _before.pop("fingerprint", None)
    if before is None or not 400 <= response.status_code < 500:
        return
    after = fingerprint()
    with open(REFUSALS, "a") as log:
        log.write(f"{response.status_code} {case.method} {case.formatted_path}\n")
    if after != before:
        body = response.text[:300] if hasattr(response, "text") else ""
        with open(VIOLATIONS, "a") as log:
            log.write(
                json.dumps(
                    {"status": response.status_code, "method": case.method, "path": case.formatted_path,
                     "changed": changed_parts(before, after),
                     "newest_audit": _session[0].query(
                         "SELECT string_agg(id || ' ' || action || ' ' || outcome || ' ' || actor_identity || ' ' || details_json, ' | ') "
                         "FROM (SELECT * FROM audit_events ORDER BY id DESC LIMIT 3) e"),
                     "query": case.query, "body": repr(case.body)[:300], "response": body}
                )
                + "\n"
            )
