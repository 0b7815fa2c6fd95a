#!/usr/bin/env python3
"""A contract fake of the Google Cloud endpoints jitsudo's gcp provider uses, held to Google's own discovery
documents (cloudresourcemanager v3, iamcredentials v1) as shipped inside the google-api-python-client wheel.

Every request body and every response is validated against the discovery schemas (an unknown or mistyped field
is a 400, as Google answers). IAM policies have etags (a stale one is 409 ABORTED), version 3 with conditions (a
conditional binding in a version-1 write is a 400; a version-1 read of a conditional policy gets Google's
`_withcond_` roles). The OAuth token endpoint verifies RS256 JWT-bearer assertions with the service-account key's
public half; the metadata server hands tokens to callers that send `Metadata-Flavor: Google`. Every API call needs
a token this fake issued (unless --allow-anonymous).

Listens on 127.0.0.1 only; prints `listening <port>` once ready. Test controls live under /_fake/.
"""
import argparse
import base64
import copy
import datetime
import hashlib
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def discovery_directory():
    import googleapiclient
    return os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents")


def load_document(name):
    with open(os.path.join(discovery_directory(), name)) as handle:
        return json.load(handle)


class SchemaError(Exception):
    pass


class Schemas:
    """Validation of JSON values against one discovery document's schemas, the way Google's ESF rejects them."""

    DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
    DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")

    def __init__(self, document):
        self.document = document
        self.schemas = document["schemas"]

    def validate(self, schema, value, path):
        if "$ref" in schema:
            return self.validate(self.schemas[schema["$ref"]], value, path)
        kind = schema.get("type")
        where = path or "root"
        if kind == "object":
            if not isinstance(value, dict):
                raise SchemaError(f"Invalid value at '{where}', expected an object")
            properties = schema.get("properties")
            additional = schema.get("additionalProperties")
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                if properties is not None and key in properties:
                    self.validate(properties[key], item, child)
                elif additional is not None:
                    self.validate(additional, item, child)
                else:
                    raise SchemaError(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field.")
        elif kind == "array":
            if not isinstance(value, list):
                raise SchemaError(f"Invalid value at '{where}', expected a list")
            for index, item in enumerate(value):
                self.validate(schema["items"], item, f"{path}[{index}]")
        elif kind == "string":
            fmt = schema.get("format")
            if fmt in ("int64", "uint64") and isinstance(value, int) and not isinstance(value, bool):
                return
            if not isinstance(value, str):
                raise SchemaError(f"Invalid value at '{where}' ({type(value).__name__}), expected a string")
            if "enum" in schema and value not in schema["enum"]:
                raise SchemaError(f"Invalid value at '{where}', \"{value}\" is not one of {schema['enum']}")
            if fmt == "byte":
                try:
                    base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
                except Exception:
                    raise SchemaError(f"Invalid value at '{where}', invalid base64 data")
            elif fmt == "google-duration" and not self.DURATION.match(value):
                raise SchemaError(f"Invalid value at '{where}', invalid duration \"{value}\"")
            elif fmt == "google-datetime" and not self.DATETIME.match(value):
                raise SchemaError(f"Invalid value at '{where}', invalid timestamp \"{value}\"")
            elif fmt in ("int64", "uint64") and not re.match(r"^-?\d+$", value):
                raise SchemaError(f"Invalid value at '{where}', \"{value}\" is not an integer")
        elif kind == "integer":
            if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and re.match(r"^-?\d+$", value))):
                raise SchemaError(f"Invalid value at '{where}' ({type(value).__name__}), expected an integer")
            if schema.get("format") == "int32" and not -(2**31) <= int(value) < 2**31:
                raise SchemaError(f"Invalid value at '{where}', out of range for int32")
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SchemaError(f"Invalid value at '{where}', expected a number")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise SchemaError(f"Invalid value at '{where}', expected true or false")
        elif kind == "any" or kind is None:
            return
        else:
            raise SchemaError(f"schema type {kind} is not supported by the fake")


def find_method(document, method_id):
    """The discovery method whose id is `method_id` (e.g. cloudresourcemanager.projects.setIamPolicy)."""
    def walk(node):
        for method in node.get("methods", {}).values():
            if method["id"] == method_id:
                return method
        for child in node.get("resources", {}).values():
            found = walk(child)
            if found:
                return found
        return None
    method = walk(document)
    if method is None:
        raise SystemExit(f"discovery document lacks {method_id}")
    return method


def path_regex(method):
    """A regex matching the method's flatPath (`v3/projects/{projectsId}:getIamPolicy`)."""
    pattern = re.escape(method["flatPath"])
    pattern = re.sub(r"\\\{[A-Za-z]+\\\}", "([^/:]+)", pattern)
    return re.compile("^/" + pattern + "$")


class GoogleError(Exception):
    def __init__(self, code, status, message):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


MEMBER = re.compile(r"^(allUsers|allAuthenticatedUsers|(user|group|serviceAccount|domain|deleted:user|deleted:group|"
                    r"deleted:serviceAccount|principal|principalSet):\S+)$")
GOOGLE_TOKEN_AUDIENCES = ("https://oauth2.googleapis.com/token", "https://www.googleapis.com/oauth2/v4/token")
PERMISSIONS = {"projects": "resourcemanager.projects", "folders": "resourcemanager.folders",
               "organizations": "resourcemanager.organizations"}


class Fake:
    def __init__(self, options):
        self.lock = threading.Lock()
        self.crm = Schemas(load_document("cloudresourcemanager.v3.json"))
        self.iam = Schemas(load_document("iamcredentials.v1.json"))
        self.routes = []
        for kind in ("projects", "folders", "organizations"):
            for verb in ("getIamPolicy", "setIamPolicy"):
                method = find_method(self.crm.document, f"cloudresourcemanager.{kind}.{verb}")
                self.routes.append((path_regex(method), self.crm, method, kind, verb))
        method = find_method(self.iam.document, "iamcredentials.projects.serviceAccounts.generateAccessToken")
        self.routes.append((path_regex(method), self.iam, method, "serviceAccounts", "generateAccessToken"))
        self.policies = {}   # resource name -> {"policy": dict, "etag": str, "serial": int}
        for project in options.project:
            self.create(f"projects/{project}")
        for name in options.resource:
            self.create(name)
        self.service_accounts = set(options.service_account)
        self.trusted_keys = {}
        for entry in options.trust_key:
            email, kid, path = entry.split(",", 2)
            from cryptography.hazmat.primitives.serialization import load_pem_public_key
            with open(path, "rb") as handle:
                self.trusted_keys[email] = (kid, load_pem_public_key(handle.read()))
        self.allow_anonymous = options.allow_anonymous
        self.token_lifetime = options.token_lifetime
        self.metadata_email = options.metadata_email
        self.set_delay = options.set_delay_ms / 1000.0
        self.tokens = {}      # access token -> (expiry epoch, subject)
        self.failures = []    # [{"method", "status", "count", "message"}]
        self.denied = set()   # (resource, verb)
        self.token_url = None
        self.stats = {"getIamPolicy": 0, "setIamPolicy": 0, "conflicts": 0, "setWithoutEtag": 0, "jwtVerified": 0,
                      "jwtRejected": 0, "metadataTokens": 0, "generatedTokens": [], "badRequests": 0, "unauthenticated": 0,
                      "injectedFailures": 0}

    def create(self, name):
        self.policies[name] = {"policy": {}, "serial": 1, "etag": self.etag_for(name, 1)}

    @staticmethod
    def etag_for(name, serial):
        return base64.b64encode(hashlib.sha256(f"{name}#{serial}".encode()).digest()[:8]).decode()

    # --- policies -------------------------------------------------------------------------------------------------
    @staticmethod
    def has_conditions(policy):
        return any("condition" in binding for binding in policy.get("bindings", []))

    def rendered(self, entry, requested):
        policy = copy.deepcopy(entry["policy"])
        conditional = self.has_conditions(policy)
        if conditional and requested < 3:
            # Google's answer to a version-1 read of a conditional policy: the role marks the binding as conditional.
            for binding in policy.get("bindings", []):
                condition = binding.pop("condition", None)
                if condition is not None:
                    digest = hashlib.sha256(json.dumps(condition, sort_keys=True).encode()).hexdigest()[:16]
                    binding["role"] = f"{binding['role']}_withcond_{digest}"
        out = {"version": 3 if conditional and requested >= 3 else 1, "etag": entry["etag"]}
        for key, value in policy.items():
            if key not in ("version", "etag") and value not in ([], None):
                out[key] = value
        return out

    def check_policy(self, policy):
        version = int(policy.get("version", 0))
        if version not in (0, 1, 3):
            raise GoogleError(400, "INVALID_ARGUMENT", f"Invalid policy version {version}: valid versions are 0, 1 and 3.")
        members = 0
        for index, binding in enumerate(policy.get("bindings", [])):
            role = binding.get("role", "")
            if not re.match(r"^(roles/[A-Za-z0-9_.]+|(projects|organizations)/[^/]+/roles/[A-Za-z0-9_.]+)$", role):
                raise GoogleError(400, "INVALID_ARGUMENT", f"Role ({role}) does not exist in the resource's hierarchy.")
            if not binding.get("members"):
                raise GoogleError(400, "INVALID_ARGUMENT", f"Policy binding {index} has no members.")
            for member in binding["members"]:
                if not MEMBER.match(member):
                    raise GoogleError(400, "INVALID_ARGUMENT", f"Invalid member '{member}': it must start with user:, group:, "
                                      "serviceAccount:, domain:, principal: or principalSet:.")
            members += len(binding["members"])
            condition = binding.get("condition")
            if condition is not None:
                if version != 3:
                    raise GoogleError(400, "INVALID_ARGUMENT", "Conditional role bindings require policy version 3; "
                                      f"the policy has version {version}.")
                if not condition.get("expression"):
                    raise GoogleError(400, "INVALID_ARGUMENT", "Condition expression must not be empty.")
                if not condition.get("title") or len(condition["title"]) > 100:
                    raise GoogleError(400, "INVALID_ARGUMENT", "Condition title must have 1 to 100 characters.")
                if len(condition.get("description", "")) > 256:
                    raise GoogleError(400, "INVALID_ARGUMENT", "Condition description must have at most 256 characters.")
                if "request." not in condition["expression"] and "resource." not in condition["expression"]:
                    raise GoogleError(400, "INVALID_ARGUMENT", "Condition expression is not a valid IAM condition.")
        if members > 1500:
            raise GoogleError(400, "INVALID_ARGUMENT", "The number of members in the policy (%d) is larger than the maximum "
                              "allowed size 1500." % members)

    def resource_entry(self, name, verb):
        kind = name.split("/")[0]
        if name not in self.policies or (name, verb) in self.denied:
            raise GoogleError(403, "PERMISSION_DENIED", f"Permission '{PERMISSIONS[kind]}.{verb}' denied on resource "
                              f"'//cloudresourcemanager.googleapis.com/{name}' (or it may not exist).")
        return self.policies[name]

    def get_policy(self, name, body):
        requested = int(body.get("options", {}).get("requestedPolicyVersion", 0))
        if requested not in (0, 1, 3):
            raise GoogleError(400, "INVALID_ARGUMENT", f"Invalid requested policy version {requested}: valid versions are 0, 1 and 3.")
        with self.lock:
            self.stats["getIamPolicy"] += 1
            return self.rendered(self.resource_entry(name, "getIamPolicy"), requested)

    def set_policy(self, name, body):
        if "policy" not in body:
            raise GoogleError(400, "INVALID_ARGUMENT", "Request contains an invalid argument: policy is required.")
        policy = body["policy"]
        mask = [path.strip() for path in body.get("updateMask", "bindings,etag").split(",") if path.strip()]
        for path in mask:
            if path not in ("bindings", "etag", "auditConfigs", "version"):
                raise GoogleError(400, "INVALID_ARGUMENT", f"Invalid update_mask path '{path}'.")
        self.check_policy(policy)
        if self.set_delay:
            time.sleep(self.set_delay)
        with self.lock:
            self.stats["setIamPolicy"] += 1
            entry = self.resource_entry(name, "setIamPolicy")
            if "etag" in policy:
                if policy["etag"] != entry["etag"]:
                    self.stats["conflicts"] += 1
                    raise GoogleError(409, "ABORTED", "There were concurrent policy changes. Please retry the whole "
                                      "read-modify-write with exponential backoff.")
            else:
                self.stats["setWithoutEtag"] += 1
            stored = copy.deepcopy(entry["policy"])
            for path in mask:
                if path in ("etag", "version"):
                    continue
                if path in policy:
                    stored[path] = copy.deepcopy(policy[path])
                else:
                    stored.pop(path, None)
            entry["policy"] = stored
            entry["serial"] += 1
            entry["etag"] = self.etag_for(name, entry["serial"])
            return self.rendered(entry, 3)

    # --- tokens ---------------------------------------------------------------------------------------------------
    def issue(self, subject, lifetime):
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (time.time() + lifetime, subject)
        return token

    def authenticate(self, headers):
        header = headers.get("Authorization", "")
        if header.startswith("Bearer "):
            with self.lock:
                entry = self.tokens.get(header[7:])
            if entry and entry[0] > time.time():
                return entry[1]
        if self.allow_anonymous and not header:
            return "anonymous"
        with self.lock:
            self.stats["unauthenticated"] += 1
        raise GoogleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access "
                          "token, login cookie or other valid authentication credential.")

    def generate_access_token(self, account, body):
        lifetime_text = body.get("lifetime", "3600s")
        lifetime = float(lifetime_text[:-1])
        if not body.get("scope"):
            raise GoogleError(400, "INVALID_ARGUMENT", "Scope required.")
        if lifetime <= 0 or lifetime > 3600:
            raise GoogleError(400, "INVALID_ARGUMENT", "The lifetime requested for the access token must be between 1 second "
                              "and 3600 seconds (1 hour).")
        if account not in self.service_accounts:
            raise GoogleError(403, "PERMISSION_DENIED", "Permission 'iam.serviceAccounts.getAccessToken' denied on resource "
                              "(or it may not exist).")
        token = self.issue("serviceAccount:" + account, lifetime)
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
        with self.lock:
            self.stats["generatedTokens"].append({"serviceAccount": account, "lifetimeSeconds": lifetime,
                                                  "scope": body["scope"], "token": token})
        return {"accessToken": token, "expireTime": expiry.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}

    def token_from_assertion(self, form):
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        def refuse(description):
            with self.lock:
                self.stats["jwtRejected"] += 1
            raise OAuthError(400, "invalid_grant", description)

        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            raise OAuthError(400, "unsupported_grant_type", "Invalid grant_type.")
        parts = form.get("assertion", "").split(".")
        if len(parts) != 3:
            refuse("Invalid JWT: the assertion is not a JWS.")

        def decode(segment):
            return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        try:
            header, claims, signature = json.loads(decode(parts[0])), json.loads(decode(parts[1])), decode(parts[2])
        except Exception:
            refuse("Invalid JWT: malformed.")
        if header.get("alg") != "RS256":
            refuse("Invalid JWT: the algorithm must be RS256.")
        trusted = self.trusted_keys.get(claims.get("iss"))
        if trusted is None:
            refuse("Invalid JWT Signature.")
        kid, public_key = trusted
        if header.get("kid") not in (None, kid):
            refuse("Invalid JWT Signature.")
        try:
            public_key.verify(signature, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            refuse("Invalid JWT Signature.")
        now = time.time()
        # Google's token endpoint accepts its own URL as the audience, wherever the assertion is posted to.
        if claims.get("aud") not in GOOGLE_TOKEN_AUDIENCES:
            refuse("Invalid JWT: the audience must be https://oauth2.googleapis.com/token.")
        if not isinstance(claims.get("iat"), int) or not isinstance(claims.get("exp"), int):
            refuse("Invalid JWT: iat and exp are required.")
        if claims["iat"] > now + 60 or claims["exp"] <= now or claims["exp"] - claims["iat"] > 3600:
            refuse("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.")
        if not claims.get("scope") and not claims.get("target_audience"):
            refuse("Invalid JWT: no scope.")
        with self.lock:
            self.stats["jwtVerified"] += 1
        token = self.issue("serviceAccount:" + claims["iss"], self.token_lifetime)
        return {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}


class OAuthError(Exception):
    def __init__(self, code, error, description):
        super().__init__(description)
        self.code, self.error, self.description = code, error, description


def make_handler(fake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, document, content_type="application/json; charset=UTF-8"):
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def google_error(self, error):
            if error.code == 400:
                with fake.lock:
                    fake.stats["badRequests"] += 1
            self.answer(error.code, {"error": {"code": error.code, "message": error.message, "status": error.status}})

        def body(self):
            length = int(self.headers.get("Content-Length", "0") or 0)
            return self.rfile.read(length) if length else b""

        def injected(self, verb):
            with fake.lock:
                for failure in fake.failures:
                    if failure["method"] in (verb, "*") and failure["count"] > 0:
                        failure["count"] -= 1
                        fake.stats["injectedFailures"] += 1
                        return failure
            return None

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/computeMetadata/v1/instance/service-accounts/default/token":
                if self.headers.get("Metadata-Flavor") != "Google" or self.headers.get("X-Forwarded-For"):
                    return self.answer(403, {"error": "Missing Metadata-Flavor:Google header."})
                failure = self.injected("metadata")
                if failure:
                    return self.answer(failure["status"], {"error": failure["message"]})
                with fake.lock:
                    fake.stats["metadataTokens"] += 1
                token = fake.issue("serviceAccount:default", fake.token_lifetime)
                return self.answer(200, {"access_token": token, "expires_in": fake.token_lifetime, "token_type": "Bearer"})
            if url.path == "/computeMetadata/v1/instance/service-accounts/default/":
                if self.headers.get("Metadata-Flavor") != "Google":
                    return self.answer(403, {"error": "Missing Metadata-Flavor:Google header."})
                return self.answer(200, {"aliases": ["default"], "email": fake.metadata_email,
                                         "scopes": ["https://www.googleapis.com/auth/cloud-platform"]})
            if url.path == "/_fake/policy":
                with fake.lock:
                    entry = fake.policies.get(query.get("resource", ""))
                    if entry is None:
                        return self.answer(404, {"error": "no such resource"})
                    return self.answer(200, {"policy": entry["policy"], "etag": entry["etag"]})
            if url.path == "/_fake/stats":
                with fake.lock:
                    return self.answer(200, fake.stats)
            self.answer(404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}})

        def do_PUT(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/_fake/policy":
                policy = json.loads(self.body())
                try:
                    fake.crm.validate({"$ref": "Policy"}, policy, "policy")
                except SchemaError as error:
                    return self.answer(400, {"error": str(error)})
                with fake.lock:
                    name = query["resource"]
                    serial = fake.policies.get(name, {"serial": 0})["serial"] + 1
                    fake.policies[name] = {"policy": policy, "serial": serial, "etag": fake.etag_for(name, serial)}
                return self.answer(200, {"etag": fake.policies[name]["etag"]})
            self.answer(404, {"error": "Not Found"})

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            raw = self.body()
            if url.path == "/_fake/fail":
                with fake.lock:
                    fake.failures.append(json.loads(raw))
                return self.answer(200, {})
            if url.path == "/_fake/deny":
                request = json.loads(raw)
                with fake.lock:
                    fake.denied.add((request["resource"], request["method"]))
                return self.answer(200, {})
            if url.path == "/token":
                failure = self.injected("token")
                if failure:
                    return self.answer(failure["status"], {"error": "internal_failure", "error_description": failure["message"]})
                try:
                    form = dict(urllib.parse.parse_qsl(raw.decode()))
                    return self.answer(200, fake.token_from_assertion(form))
                except OAuthError as error:
                    return self.answer(error.code, {"error": error.error, "error_description": error.description})
            for pattern, schemas, method, kind, verb in fake.routes:
                match = pattern.match(url.path)
                if match:
                    return self.api(schemas, method, kind, verb, match, url, raw)
            self.answer(404, {"error": {"code": 404, "message": "Not Found", "status": "NOT_FOUND"}})

        def api(self, schemas, method, kind, verb, match, url, raw):
            try:
                for key, _ in urllib.parse.parse_qsl(url.query):
                    parameter = schemas.document["parameters"].get(key)
                    if parameter is None or parameter.get("location") != "query":
                        raise GoogleError(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. Unknown name \"{key}\": "
                                          "Cannot bind query parameter.")
                fake.authenticate(self.headers)
                failure = self.injected(verb)
                if failure:
                    raise GoogleError(failure["status"], failure.get("grpcStatus", "UNAVAILABLE"), failure["message"])
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    raise GoogleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
                try:
                    schemas.validate({"$ref": method["request"]["$ref"]}, body, "")
                except SchemaError as error:
                    raise GoogleError(400, "INVALID_ARGUMENT", str(error))
                if verb == "generateAccessToken":
                    if match.group(1) != "-":
                        raise GoogleError(400, "INVALID_ARGUMENT", "The project must be the wildcard '-'.")
                    response = fake.generate_access_token(urllib.parse.unquote(match.group(2)), body)
                else:
                    name = f"{kind}/{urllib.parse.unquote(match.group(1))}"
                    response = fake.get_policy(name, body) if verb == "getIamPolicy" else fake.set_policy(name, body)
                try:
                    schemas.validate({"$ref": method["response"]["$ref"]}, response, "")
                except SchemaError as error:
                    raise GoogleError(500, "INTERNAL", f"the fake produced an invalid {method['response']['$ref']}: {error}")
                self.answer(200, response)
            except GoogleError as error:
                self.google_error(error)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--project", action="append", default=[], help="a project id that exists (empty policy)")
    parser.add_argument("--resource", action="append", default=[], help="folders/N or organizations/N that exist")
    parser.add_argument("--service-account", action="append", default=[], help="an e-mail generateAccessToken may serve")
    parser.add_argument("--trust-key", action="append", default=[], help="EMAIL,KEY_ID,PUBLIC_KEY_PEM: a key the token endpoint accepts")
    parser.add_argument("--allow-anonymous", action="store_true", help="API calls without a token are accepted")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="expires_in of tokens from /token and the metadata server")
    parser.add_argument("--metadata-email", default="jitsudo@fake-project.iam.gserviceaccount.com")
    parser.add_argument("--set-delay-ms", type=int, default=0, help="time setIamPolicy takes (to widen races)")
    options = parser.parse_args()
    # A parent that ignores or blocks SIGTERM (a service-lifecycle test process) passes that on through exec.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    fake = Fake(options)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), make_handler(fake))
    server.daemon_threads = True
    fake.token_url = f"http://127.0.0.1:{server.server_address[1]}/token"
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
