#!/usr/bin/env python3
"""A contract fake of the Azure endpoints jitsudo's `azure` provider calls, for tests only (loopback, HTTPS).

Everything about the wire comes from Microsoft's published SDK `azure-mgmt-authorization`, read from the installed
package at start (nothing of it is copied here):
  * routes: the URL templates of the SDK operations (`RoleAssignmentsOperations.create.metadata["url"]`, ...);
  * api-versions: the SDK's `LATEST_PROFILE` (and its default api-version);
  * request bodies: validated against the msrest models' `_attribute_map` / `_validation` (unknown members,
    read-only members sent by a client, missing required members and wrong types are 400 `InvalidRequestContent`),
    enum members against the SDK's enums;
  * responses: built as SDK model objects and serialised by the SDK's own serializer.

Entra (token endpoint, OpenID configuration) and Microsoft Graph (user lookup) are small and follow the public
protocol: client credentials with a client secret or a certificate-signed client assertion (RS256/PS256, `x5t` or
`x5t#S256`, verified with the registered certificate's public key), or a federated token (workload identity).

Test-only admin routes under /_fake/ (no authentication): add users, inject faults (403 AuthorizationFailed, 429 with
Retry-After, 5xx), read the state (effective assignments, call log).

    fake_azure.py pki DIR                 # test CA, server cert for 127.0.0.1, client certificate (PEM with key)
    fake_azure.py serve --pki DIR --port-file FILE [--tenant T --client-id C --client-secret S ...]
"""
import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
import uuid

import isodate
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.v2020_10_01 import models as m2020
from azure.mgmt.authorization.v2020_10_01.operations import RoleAssignmentScheduleRequestsOperations
from azure.mgmt.authorization.v2022_04_01 import models as m2022
from azure.mgmt.authorization.v2022_04_01.operations import RoleAssignmentsOperations, RoleDefinitionsOperations
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# Built-in role definitions (their ids are the same in every tenant).
BUILT_IN_ROLES = {
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
}

_PROFILE = AuthorizationManagementClient.LATEST_PROFILE.get_profile_dict()[AuthorizationManagementClient._PROFILE_TAG]
API_VERSIONS = {
    "roleAssignments": _PROFILE.get(None, AuthorizationManagementClient.DEFAULT_API_VERSION),
    "roleDefinitions": _PROFILE.get(None, AuthorizationManagementClient.DEFAULT_API_VERSION),
    "roleAssignmentScheduleRequests": _PROFILE["role_assignment_schedule_requests"],
}
# Enum-valued members: (wire path) -> the SDK enum.
ENUMS = {
    "properties.requestType": m2020.RequestType,
    "properties.scheduleInfo.expiration.type": m2020.Type,
    "properties.principalType": m2022.PrincipalType,
}


def route_pattern(template):
    """An SDK URL template as a regex: {scope} may contain slashes, other parameters may not."""
    out = "^"
    for piece in re.split(r"(\{[^}]+\})", template):
        if not piece:
            continue
        if piece.startswith("{"):
            name = piece[1:-1]
            out += f"(?P<{name}>.+?)" if name == "scope" else f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(piece)
    return re.compile(out + "$")


ROUTES = [
    # (method, pattern, handler name, collection)
    ("PUT", route_pattern(RoleAssignmentsOperations.create.metadata["url"]), "put_assignment", "roleAssignments"),
    ("GET", route_pattern(RoleAssignmentsOperations.get.metadata["url"]), "get_assignment", "roleAssignments"),
    ("DELETE", route_pattern(RoleAssignmentsOperations.delete.metadata["url"]), "delete_assignment", "roleAssignments"),
    ("GET", route_pattern(RoleAssignmentsOperations.list_for_scope.metadata["url"]), "list_assignments", "roleAssignments"),
    ("GET", route_pattern(RoleDefinitionsOperations.list.metadata["url"]), "list_definitions", "roleDefinitions"),
    ("GET", route_pattern(RoleDefinitionsOperations.get.metadata["url"]), "get_definition", "roleDefinitions"),
    ("PUT", route_pattern(RoleAssignmentScheduleRequestsOperations.create.metadata["url"]), "put_schedule_request",
     "roleAssignmentScheduleRequests"),
    ("GET", route_pattern(RoleAssignmentScheduleRequestsOperations.get.metadata["url"]), "get_schedule_request",
     "roleAssignmentScheduleRequests"),
    ("GET", route_pattern(RoleAssignmentScheduleRequestsOperations.list_for_scope.metadata["url"]), "list_schedule_requests",
     "roleAssignmentScheduleRequests"),
]


class ContractError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check_body(model, body, models, prefix=""):
    """Validates a request body against an SDK model's `_attribute_map` and `_validation` (the wire contract)."""
    if not isinstance(body, dict):
        raise ContractError(400, "InvalidRequestContent", f"{prefix or 'body'} must be an object")
    attribute_map = model._attribute_map
    validation = getattr(model, "_validation", {})
    wire = {}
    for attribute, spec in attribute_map.items():
        wire[spec["key"]] = (attribute, spec["type"])
    seen = set()

    def walk(node, path):
        for key, value in node.items():
            full = f"{path}.{key}" if path else key
            if full in wire:
                attribute, kind = wire[full]
                seen.add(attribute)
                if validation.get(attribute, {}).get("readonly"):
                    raise ContractError(400, "InvalidRequestContent", f"'{prefix}{full}' is read-only and must not be sent")
                check_value(kind, value, models, prefix + full)
            elif isinstance(value, dict) and any(k.startswith(full + ".") for k in wire):
                walk(value, full)
            else:
                raise ContractError(400, "InvalidRequestContent", f"'{prefix}{full}' is not a member of {model.__name__}")

    walk(body, "")
    for attribute, rules in validation.items():
        if rules.get("required") and attribute not in seen:
            raise ContractError(400, "InvalidRequestContent", f"'{prefix}{attribute_map[attribute]['key']}' is required")


def check_value(kind, value, models, path):
    if value is None:
        return
    enum = ENUMS.get(path)
    if enum is not None and value not in [member.value for member in enum]:
        raise ContractError(400, "InvalidRequestContent", f"'{path}' must be one of {[m.value for m in enum]}, got {value!r}")
    if kind == "str":
        if not isinstance(value, str):
            raise ContractError(400, "InvalidRequestContent", f"'{path}' must be a string")
    elif kind == "iso-8601":
        try:
            isodate.parse_datetime(value)
        except Exception:
            raise ContractError(400, "InvalidRequestContent", f"'{path}' must be an ISO 8601 date-time, got {value!r}")
    elif kind.startswith("["):
        if not isinstance(value, list):
            raise ContractError(400, "InvalidRequestContent", f"'{path}' must be an array")
        for item in value:
            check_value(kind[1:-1], item, models, path + "[]")
    elif hasattr(models, kind):
        check_body(getattr(models, kind), value, models, path + ".")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class State:
    """Everything the fake knows, behind one lock."""

    def __init__(self, args, certificate):
        self.lock = threading.RLock()
        self.args = args
        self.certificate = certificate  # the registered client certificate (x509.Certificate) or None
        self.tokens = {}  # access token -> (expires, scope)
        self.users = {}  # lower-case upn or mail -> object id
        self.assignments = {}  # (scope, name) -> m2022.RoleAssignment
        self.schedule_requests = {}  # (scope, name) -> m2020.RoleAssignmentScheduleRequest
        self.schedules = {}  # (scope, principal, role definition id) -> {"start", "end", "request"}
        self.faults = []
        self.log = []
        self.token_requests = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
    state: State = None
    base_url = ""

    def log_message(self, *args):
        pass

    # -- plumbing

    def reply(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)
        with self.state.lock:
            self.state.log.append({"method": self.command, "path": urllib.parse.urlsplit(self.path).path, "status": status,
                                   "at": time.time()})

    def arm_error(self, status, code, message, headers=None):
        detail = m2022.ErrorDetail()
        detail.code, detail.message = code, message
        error = m2022.ErrorResponse(error=detail)
        self.reply(status, error.serialize(keep_readonly=True), headers)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        query = urllib.parse.parse_qs(parts.query)
        raw = self.body()
        try:
            if path.startswith("/_fake/"):
                return self.admin(path, raw)
            if self.inject_fault(path):
                return
            if re.fullmatch(r"/[^/]+/v2\.0/\.well-known/openid-configuration", path):
                return self.openid_configuration(path.split("/")[1])
            if re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path) and self.command == "POST":
                return self.token(path.split("/")[1], raw)
            if path.startswith("/v1.0/"):
                self.require_token()
                return self.graph(path, query)
            for method, pattern, handler, collection in ROUTES:
                match = pattern.match(path)
                if method != self.command or match is None:
                    continue
                self.require_token()
                want = API_VERSIONS[collection]
                got = (query.get("api-version") or [""])[0]
                if got != want:
                    raise ContractError(400, "InvalidApiVersionParameter",
                                        f"The api-version '{got}' is invalid. The supported versions are '{want}'.")
                scope = "/" + match.group("scope").strip("/")
                check_scope(scope)
                params = {k: v for k, v in match.groupdict().items() if k != "scope"}
                return getattr(self, handler)(scope, *params.values(), query=query, raw=raw)
            raise ContractError(404, "NotFound", f"no route for {self.command} {path}")
        except ContractError as error:
            headers = {}
            if error.status == 401:
                headers["WWW-Authenticate"] = 'Bearer authorization_uri="https://login.invalid/", error="invalid_token"'
            self.arm_error(error.status, error.code, error.message, headers)

    def require_token(self):
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise ContractError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        with self.state.lock:
            entry = self.state.tokens.get(header[7:])
        if entry is None or entry[0] <= now():
            raise ContractError(401, "InvalidAuthenticationToken", "The access token is invalid or has expired.")

    def inject_fault(self, path):
        with self.state.lock:
            for fault in self.state.faults:
                if fault["times"] <= 0 or fault.get("method", self.command) != self.command or fault["path_contains"] not in path:
                    continue
                fault["times"] -= 1
                break
            else:
                return False
        headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
        self.arm_error(fault["status"], fault.get("code", "Fault"), fault.get("message", "injected fault"), headers)
        return True

    # -- admin (test only)

    def admin(self, path, raw):
        state = self.state
        if path == "/_fake/users" and self.command == "POST":
            user = json.loads(raw)
            with state.lock:
                for key in ("upn", "mail"):
                    if user.get(key):
                        state.users[user[key].lower()] = user["id"]
            return self.reply(200, {"ok": True})
        if path == "/_fake/faults" and self.command == "POST":
            fault = json.loads(raw)
            fault.setdefault("times", 1)
            with state.lock:
                state.faults.append(fault)
            return self.reply(200, {"ok": True})
        if path == "/_fake/faults" and self.command == "DELETE":
            with state.lock:
                state.faults.clear()
            return self.reply(200, {"ok": True})
        if path == "/_fake/state" and self.command == "GET":
            with state.lock:
                active = []
                for (scope, name), assignment in state.assignments.items():
                    active.append({"kind": "roleAssignment", "scope": scope, "name": name, "principalId": assignment.principal_id,
                                   "roleDefinitionId": assignment.role_definition_id, "description": assignment.description})
                for (scope, principal, role), schedule in state.schedules.items():
                    if schedule["start"] <= now() < schedule["end"]:
                        active.append({"kind": "schedule", "scope": scope, "principalId": principal, "roleDefinitionId": role,
                                       "start": schedule["start"].isoformat(), "end": schedule["end"].isoformat(),
                                       "request": schedule["request"]})
                requests = [{"scope": scope, "name": name, "requestType": r.request_type, "status": r.status,
                             "principalId": r.principal_id, "roleDefinitionId": r.role_definition_id,
                             "justification": r.justification,
                             "duration": r.schedule_info.expiration.duration if r.schedule_info and r.schedule_info.expiration else None}
                            for (scope, name), r in state.schedule_requests.items()]
                body = {"active": active, "scheduleRequests": requests, "tokenRequests": state.token_requests, "log": list(state.log)}
            return self.reply(200, body)
        if path == "/_fake/assignments" and self.command == "POST":
            # Plant an assignment out of band (drift tests): {"scope","name","principalId","roleName","description"}.
            item = json.loads(raw)
            assignment = self.new_assignment(item["scope"], item["name"], role_definition_id(item["scope"], BUILT_IN_ROLES[item["roleName"]]),
                                             item["principalId"], item.get("description"))
            with state.lock:
                state.assignments[(item["scope"], item["name"])] = assignment
            return self.reply(200, {"ok": True})
        raise ContractError(404, "NotFound", path)

    # -- Entra

    def openid_configuration(self, tenant):
        base = f"{self.base_url}/{tenant}"
        self.reply(200, {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "issuer": f"{base}/v2.0",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "WW",
        })

    def oauth_error(self, status, error, description):
        self.reply(status, {"error": error, "error_description": description, "error_codes": [int(re.match(r"AADSTS(\d+)", description).group(1))],
                            "timestamp": now().strftime("%Y-%m-%d %H:%M:%SZ"), "trace_id": str(uuid.uuid4())})

    def token(self, tenant, raw):
        args = self.state.args
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        with self.state.lock:
            self.state.token_requests += 1
        if tenant != args.tenant:
            return self.oauth_error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return self.oauth_error(400, "unsupported_grant_type", "AADSTS70003: The grant type is not supported.")
        if form.get("client_id") != args.client_id:
            return self.oauth_error(400, "unauthorized_client", f"AADSTS700016: Application '{form.get('client_id')}' was not found.")
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return self.oauth_error(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.")
        if "client_secret" in form:
            if not args.client_secret or not secrets.compare_digest(form["client_secret"], args.client_secret):
                return self.oauth_error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        elif form.get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            problem = self.check_assertion(form.get("client_assertion", ""), tenant)
            if problem:
                return self.oauth_error(401, "invalid_client", problem)
        else:
            return self.oauth_error(401, "invalid_client", "AADSTS7000216: 'client_assertion' or 'client_secret' is required.")
        access = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.tokens[access] = (now() + datetime.timedelta(seconds=args.token_lifetime), scope)
        self.reply(200, {"token_type": "Bearer", "expires_in": args.token_lifetime, "ext_expires_in": args.token_lifetime,
                         "access_token": access})

    def check_assertion(self, assertion, tenant):
        args = self.state.args
        if args.federated_token and secrets.compare_digest(assertion, args.federated_token):
            return None  # workload identity: the projected service-account token of a federated credential
        certificate = self.state.certificate
        if certificate is None:
            return "AADSTS700027: Client assertion contains an invalid signature (no certificate is registered)."
        try:
            head, payload, signature = assertion.split(".")
            header = json.loads(b64url_decode(head))
            claims = json.loads(b64url_decode(payload))
            signature = b64url_decode(signature)
        except Exception:
            return "AADSTS50027: JWT token is invalid or malformed."
        der = certificate.public_bytes(serialization.Encoding.DER)
        if "x5t#S256" in header:
            if header["x5t#S256"].rstrip("=") != b64url(hashlib.sha256(der).digest()):
                return "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered."
        elif str(header.get("x5t")).rstrip("=") != b64url(hashlib.sha1(der).digest()):
            return "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered."
        signed = f"{head}.{payload}".encode()
        try:
            if header.get("alg") == "RS256":
                certificate.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
            elif header.get("alg") == "PS256":
                pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
                certificate.public_key().verify(signature, signed, pss, hashes.SHA256())
            else:
                return f"AADSTS5002738: Invalid JWT token. '{header.get('alg')}' is not a supported signature algorithm."
        except Exception:
            return "AADSTS700027: Client assertion contains an invalid signature."
        audience = f"{self.base_url}/{tenant}/oauth2/v2.0/token"
        aud = claims.get("aud")
        if aud != audience and aud not in (f"{self.base_url}/{tenant}/v2.0", f"{self.base_url}/{tenant}"):
            return f"AADSTS700212: No matching federated identity record found for presented assertion audience '{aud}'."
        if claims.get("iss") != args.client_id or claims.get("sub") != args.client_id:
            return "AADSTS700023: Client assertion audience claim does not match Realm issuer."
        stamp = now().timestamp()
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= stamp:
            return "AADSTS700024: Client assertion is not within its valid time range."
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > stamp + 300:
            return "AADSTS700024: Client assertion is not within its valid time range."
        if not claims.get("jti"):
            return "AADSTS50027: JWT token is invalid or malformed (no jti)."
        return None

    # -- Microsoft Graph

    def graph(self, path, query):
        if path != "/v1.0/users":
            raise ContractError(404, "Request_ResourceNotFound", f"Resource '{path}' does not exist.")
        text = (query.get("$filter") or [""])[0]
        match = re.fullmatch(r"userPrincipalName eq '((?:[^']|'')*)' or mail eq '((?:[^']|'')*)'", text)
        if match is None:
            raise ContractError(400, "Request_UnsupportedQuery", f"Unsupported query: {text}")
        wanted = match.group(1).replace("''", "'").lower()
        with self.state.lock:
            object_id = self.state.users.get(wanted)
        value = [] if object_id is None else [{"id": object_id, "userPrincipalName": wanted}]
        self.reply(200, {"@odata.context": f"{self.base_url}/v1.0/$metadata#users(id,userPrincipalName)", "value": value})

    # -- role definitions

    def list_definitions(self, scope, query, raw):
        text = (query.get("$filter") or [""])[0]
        match = re.fullmatch(r"roleName eq '((?:[^']|'')*)'", text) if text else None
        if text and match is None:
            raise ContractError(400, "InvalidFilterInQueryString", f"Invalid $filter '{text}'.")
        wanted = match.group(1).replace("''", "'") if match else None
        value = [self.definition(scope, name, guid) for name, guid in BUILT_IN_ROLES.items() if wanted in (None, name)]
        self.reply(200, m2022.RoleDefinitionListResult(value=value).serialize(keep_readonly=True))

    def get_definition(self, scope, guid, query, raw):
        for name, known in BUILT_IN_ROLES.items():
            if known == guid:
                return self.reply(200, self.definition(scope, name, guid).serialize(keep_readonly=True))
        raise ContractError(404, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not exist." % guid)

    def definition(self, scope, name, guid):
        definition = m2022.RoleDefinition(role_name=name, role_type="BuiltInRole", description=f"{name} (built-in)",
                                          assignable_scopes=["/"], permissions=[])
        definition.id = role_definition_id(scope, guid)
        definition.name = guid
        definition.type = "Microsoft.Authorization/roleDefinitions"
        return definition

    # -- role assignments (api-version 2022-04-01)

    def new_assignment(self, scope, name, role, principal, description):
        assignment = m2022.RoleAssignment(role_definition_id=role, principal_id=principal, principal_type="User", description=description)
        assignment.id = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"
        assignment.name = name
        assignment.type = "Microsoft.Authorization/roleAssignments"
        assignment.scope = scope
        assignment.created_on = assignment.updated_on = now()
        assignment.created_by = assignment.updated_by = self.state.args.client_id
        return assignment

    def put_assignment(self, scope, name, query, raw):
        body = parse_json(raw)
        check_body(m2022.RoleAssignmentCreateParameters, body, m2022)
        check_uuid(name, "roleAssignmentName")
        parameters = m2022.RoleAssignmentCreateParameters.deserialize(body)
        self.check_role_and_principal(scope, parameters.role_definition_id, parameters.principal_id)
        with self.state.lock:
            existing = self.state.assignments.get((scope, name))
            if existing is not None:
                if (existing.principal_id, existing.role_definition_id) != (parameters.principal_id, parameters.role_definition_id):
                    raise ContractError(409, "RoleAssignmentUpdateNotPermitted",
                                        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
                return self.reply(201, existing.serialize(keep_readonly=True))
            for (other_scope, _), other in self.state.assignments.items():
                if (other_scope, other.principal_id, other.role_definition_id) == (scope, parameters.principal_id, parameters.role_definition_id):
                    raise ContractError(409, "RoleAssignmentExists", "The role assignment already exists.")
            assignment = self.new_assignment(scope, name, parameters.role_definition_id, parameters.principal_id, parameters.description)
            assignment.principal_type = parameters.principal_type or "User"
            self.state.assignments[(scope, name)] = assignment
        self.reply(201, assignment.serialize(keep_readonly=True))

    def get_assignment(self, scope, name, query, raw):
        with self.state.lock:
            assignment = self.state.assignments.get((scope, name))
        if assignment is None:
            raise ContractError(404, "RoleAssignmentNotFound", f"The role assignment '{name}' is not found.")
        self.reply(200, assignment.serialize(keep_readonly=True))

    def delete_assignment(self, scope, name, query, raw):
        with self.state.lock:
            assignment = self.state.assignments.pop((scope, name), None)
        if assignment is None:
            return self.reply(204)
        self.reply(200, assignment.serialize(keep_readonly=True))

    def list_assignments(self, scope, query, raw):
        text = (query.get("$filter") or [""])[0]
        if text not in ("", "atScope()"):
            raise ContractError(400, "InvalidFilterInQueryString", f"Unsupported $filter '{text}'.")
        with self.state.lock:
            value = [a for (s, _), a in self.state.assignments.items() if s == scope or (text == "" and s.startswith(scope + "/"))]
        self.reply(200, m2022.RoleAssignmentListResult(value=value).serialize(keep_readonly=True))

    def check_role_and_principal(self, scope, role, principal):
        guid = role.rsplit("/", 1)[-1]
        if guid not in BUILT_IN_ROLES.values() or role != role_definition_id(scope, guid):
            raise ContractError(400, "RoleDefinitionDoesNotExist", f"The specified role definition with ID '{guid}' does not exist.")
        with self.state.lock:
            known = principal in self.state.users.values()
        if not known:
            raise ContractError(400, "PrincipalNotFound", f"Principal {principal} does not exist in the directory {self.state.args.tenant}.")

    # -- PIM: role assignment schedule requests (api-version 2020-10-01)

    def put_schedule_request(self, scope, name, query, raw):
        body = parse_json(raw)
        check_body(m2020.RoleAssignmentScheduleRequest, body, m2020)
        check_uuid(name, "roleAssignmentScheduleRequestName")
        request = m2020.RoleAssignmentScheduleRequest.deserialize(body)
        for field in ("role_definition_id", "principal_id", "request_type"):
            if not getattr(request, field):
                raise ContractError(400, "InvalidRequestContent", f"'{field}' is required for a schedule request")
        self.check_role_and_principal(scope, request.role_definition_id, request.principal_id)
        key = (scope, request.principal_id, request.role_definition_id)
        moment = now()
        with self.state.lock:
            if (scope, name) in self.state.schedule_requests:
                raise ContractError(400, "RoleAssignmentRequestExists", "The role assignment request with this name already exists.")
            schedule = self.state.schedules.get(key)
            active = schedule is not None and schedule["start"] <= moment < schedule["end"]
            kind = request.request_type
            if kind in ("AdminAssign", "AdminExtend", "AdminUpdate"):
                info = request.schedule_info
                if info is None or info.expiration is None:
                    raise ContractError(400, "InvalidRequestContent", "scheduleInfo.expiration is required")
                start = info.start_date_time or moment
                expiration = info.expiration
                if expiration.type == "AfterDuration":
                    if not expiration.duration:
                        raise ContractError(400, "InvalidRequestContent", "expiration.duration is required for AfterDuration")
                    try:
                        end = start + isodate.parse_duration(expiration.duration)
                    except Exception:
                        raise ContractError(400, "InvalidRequestContent", f"invalid duration {expiration.duration!r}")
                elif expiration.type == "AfterDateTime":
                    if expiration.end_date_time is None:
                        raise ContractError(400, "InvalidRequestContent", "expiration.endDateTime is required for AfterDateTime")
                    end = expiration.end_date_time
                else:
                    raise ContractError(400, "ExpirationRule", "Permanent assignments are not allowed by the role management policy.")
                if kind == "AdminAssign" and active:
                    raise ContractError(400, "RoleAssignmentExists", "The Role assignment already exists.")
                if kind in ("AdminExtend", "AdminUpdate") and not active:
                    raise ContractError(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
                if end <= start:
                    raise ContractError(400, "InvalidRequestContent", "the expiration must be after the start")
                self.state.schedules[key] = {"start": schedule["start"] if kind != "AdminAssign" else start, "end": end, "request": name}
            elif kind == "AdminRemove":
                if not active:
                    raise ContractError(400, "RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
                del self.state.schedules[key]
            else:
                raise ContractError(400, "InvalidRequestContent", f"requestType {kind} is not supported for an admin")
            request.id = f"{scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{name}"
            request.name = name
            request.type = "Microsoft.Authorization/RoleAssignmentScheduleRequests"
            request.scope = scope
            request.principal_type = "User"
            request.status = "Provisioned" if kind != "AdminRemove" else "Revoked"
            request.created_on = moment
            request.requestor_id = self.state.args.client_id
            request.target_role_assignment_schedule_id = f"{scope}/providers/Microsoft.Authorization/roleAssignmentSchedules/{name}"
            self.state.schedule_requests[(scope, name)] = request
        self.reply(201, request.serialize(keep_readonly=True))

    def get_schedule_request(self, scope, name, query, raw):
        with self.state.lock:
            request = self.state.schedule_requests.get((scope, name))
        if request is None:
            raise ContractError(404, "RoleAssignmentScheduleRequestNotFound", f"The schedule request '{name}' is not found.")
        self.reply(200, request.serialize(keep_readonly=True))

    def list_schedule_requests(self, scope, query, raw):
        with self.state.lock:
            value = [r for (s, _), r in self.state.schedule_requests.items() if s == scope]
        self.reply(200, m2020.RoleAssignmentScheduleRequestListResult(value=value).serialize(keep_readonly=True))


def parse_json(raw):
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise ContractError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized.")


def check_uuid(name, what):
    try:
        uuid.UUID(name)
    except ValueError:
        raise ContractError(400, "InvalidRoleAssignmentId", f"The {what} '{name}' is not valid. It must be a GUID.")


def check_scope(scope):
    if not re.fullmatch(r"/subscriptions/[0-9a-fA-F-]{36}(/resourceGroups/[-\w._()]+)?", scope):
        raise ContractError(400, "InvalidScope", f"The scope '{scope}' is not supported by the fake.")


def role_definition_id(scope, guid):
    subscription = scope.split("/")[2]
    return f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


# -- test PKI


def make_pki(directory):
    """A test CA, a server certificate for 127.0.0.1/localhost signed by it, and a self-signed client certificate
    (PEM with its private key, as Entra app registrations use)."""
    os.makedirs(directory, exist_ok=True)
    start = now() - datetime.timedelta(minutes=5)
    end = now() + datetime.timedelta(days=2)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jitsudo azure fake test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    import ipaddress
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])).issuer_name(ca_name)
              .public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                          x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
              .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jitsudod test client")])
    client = (x509.CertificateBuilder().subject_name(client_name).issuer_name(client_name)
              .public_key(client_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end).sign(client_key, hashes.SHA256()))

    def pem_key(key):
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    files = {
        "ca.pem": ca.public_bytes(serialization.Encoding.PEM),
        "server.pem": server.public_bytes(serialization.Encoding.PEM),
        "server-key.pem": pem_key(server_key),
        "client.pem": pem_key(client_key) + client.public_bytes(serialization.Encoding.PEM),
        "client-cert.pem": client.public_bytes(serialization.Encoding.PEM),
    }
    for name, data in files.items():
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)


def start(args):
    """Binds the HTTPS server on 127.0.0.1 and serves in a daemon thread; returns (server, base URL)."""
    certificate = None
    if args.client_certificate:
        with open(args.client_certificate, "rb") as handle:
            certificate = x509.load_pem_x509_certificate(handle.read())
    state = State(args, certificate)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(args.pki, "server.pem"), os.path.join(args.pki, "server-key.pem"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    base = f"https://127.0.0.1:{server.server_address[1]}"
    handler.base_url = base
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    pki = sub.add_parser("pki")
    pki.add_argument("directory")
    serve = sub.add_parser("serve")
    serve.add_argument("--pki", required=True)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--port-file")
    serve.add_argument("--tenant", default="11111111-1111-1111-1111-111111111111")
    serve.add_argument("--client-id", default="22222222-2222-2222-2222-222222222222")
    serve.add_argument("--client-secret", default="")
    serve.add_argument("--client-certificate", default="", help="PEM certificate registered for client assertions")
    serve.add_argument("--federated-token", default="", help="a workload-identity token the federated credential accepts")
    serve.add_argument("--token-lifetime", type=int, default=3599)
    return p


def main():
    args = parser().parse_args()
    if args.command == "pki":
        make_pki(args.directory)
        return
    server, base = start(args)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as handle:
            handle.write(str(server.server_address[1]))
        os.rename(args.port_file + ".tmp", args.port_file)
    print(base, flush=True)
    # Ends when its parent (the test) is gone, so no orphan outlives a crashed test; SIGTERM ends it at once.
    parent = os.getppid()
    try:
        while os.getppid() == parent:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
