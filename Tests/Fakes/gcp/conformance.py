#!/usr/bin/env python3
"""Conformance of fake_gcp.py with Google's own client: drives the fake with google-api-python-client (static
discovery documents from the installed wheel) and google-auth (service-account JWT signer, metadata-server
credentials), so the fake answers what Google's client sends and parses. Exits non-zero on the first failure.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
checks = 0


def check(condition, what):
    global checks
    if not condition:
        print(f"FAILED: {what}", flush=True)
        sys.exit(1)
    checks += 1
    print(f"ok: {what}", flush=True)


def http_error(call):
    from googleapiclient.errors import HttpError
    try:
        call()
    except HttpError as error:
        return error.resp.status, json.loads(error.content)["error"]
    return None, None


def main():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    directory = tempfile.mkdtemp(prefix="fake-gcp-conformance-")
    public_path = os.path.join(directory, "public.pem")
    with open(public_path, "wb") as handle:
        handle.write(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    email = "jitsudo@conformance-project.iam.gserviceaccount.com"
    fake = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_gcp.py"), "--project", "conformance-project",
                             "--resource", "folders/1234", "--service-account", "deployer@conformance-project.iam.gserviceaccount.com",
                             "--trust-key", f"{email},key-1,{public_path}"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(fake.stdout.readline().split()[1])
        base = f"http://127.0.0.1:{port}"
        os.environ["GCE_METADATA_HOST"] = f"127.0.0.1:{port}"
        os.environ["GCE_METADATA_IP"] = f"127.0.0.1:{port}"
        # google-auth reads the metadata host when it is imported.
        from google.auth import compute_engine
        from google.oauth2 import service_account
        from googleapiclient import discovery

        # Google's metadata-server credentials get a token from the fake's metadata endpoint.
        metadata_credentials = compute_engine.Credentials()
        crm = discovery.build("cloudresourcemanager", "v3", credentials=metadata_credentials, static_discovery=True,
                              client_options={"api_endpoint": base})
        policy = crm.projects().getIamPolicy(resource="projects/conformance-project",
                                             body={"options": {"requestedPolicyVersion": 3}}).execute()
        check("etag" in policy and policy.get("version") == 1, "getIamPolicy through Google's client (metadata token) parses")
        with urllib.request.urlopen(f"{base}/_fake/stats") as answer:
            check(json.load(answer)["metadataTokens"] == 1, "the call carried a token from the fake's metadata server")

        binding = {"role": "roles/viewer", "members": ["user:alice@example.com"],
                   "condition": {"title": "jitsudo req_1", "description": "conformance",
                                 "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}}
        written = crm.projects().setIamPolicy(resource="projects/conformance-project", body={
            "policy": {"version": 3, "etag": policy["etag"], "bindings": [binding]}}).execute()
        check(written["version"] == 3 and written["bindings"] == [binding] and written["etag"] != policy["etag"],
              "setIamPolicy with a conditional binding (version 3) answers the new policy and etag")

        status, error = http_error(lambda: crm.projects().setIamPolicy(resource="projects/conformance-project", body={
            "policy": {"version": 3, "etag": policy["etag"], "bindings": [binding]}}).execute())
        check(status == 409 and error["status"] == "ABORTED", "a stale etag is 409 ABORTED")

        status, error = http_error(lambda: crm.projects().setIamPolicy(resource="projects/conformance-project", body={
            "policy": {"version": 1, "etag": written["etag"], "bindings": [binding]}}).execute())
        check(status == 400 and error["status"] == "INVALID_ARGUMENT" and "version 3" in error["message"],
              "a conditional binding in a version-1 write is 400")

        status, error = http_error(lambda: crm.projects().setIamPolicy(resource="projects/conformance-project", body={
            "policy": {"version": 3, "etag": written["etag"], "bindings": [binding], "colour": "red"}}).execute())
        check(status == 400 and "Unknown name \"colour\"" in error["message"], "an unknown field is 400 naming it")

        status, error = http_error(lambda: crm.projects().setIamPolicy(resource="projects/conformance-project", body={
            "policy": {"version": 3, "etag": written["etag"], "bindings": [dict(binding, members="user:a@b.c")]}}).execute())
        check(status == 400 and "expected a list" in error["message"], "a mistyped field is 400")

        v1 = crm.projects().getIamPolicy(resource="projects/conformance-project", body={"options": {"requestedPolicyVersion": 1}}).execute()
        check(v1["version"] == 1 and "_withcond_" in v1["bindings"][0]["role"] and "condition" not in v1["bindings"][0],
              "a version-1 read of a conditional policy gets a _withcond_ role")

        folder = crm.folders().getIamPolicy(resource="folders/1234", body={}).execute()
        check("etag" in folder, "folders.getIamPolicy")
        status, error = http_error(lambda: crm.projects().getIamPolicy(resource="projects/not-there-project", body={}).execute())
        check(status == 403 and "resourcemanager.projects.getIamPolicy" in error["message"], "an unknown project is 403 naming the permission")

        # Google's service-account signer: the fake's token endpoint verifies its RS256 assertion with the public half.
        info = {"type": "service_account", "project_id": "conformance-project", "private_key_id": "key-1",
                "private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode(),
                "client_email": email, "client_id": "1", "token_uri": f"{base}/token"}
        credentials = service_account.Credentials.from_service_account_info(
            info, scopes=["https://www.googleapis.com/auth/cloud-platform"])
        iam = discovery.build("iamcredentials", "v1", credentials=credentials, static_discovery=True, client_options={"api_endpoint": base})
        token = iam.projects().serviceAccounts().generateAccessToken(
            name="projects/-/serviceAccounts/deployer@conformance-project.iam.gserviceaccount.com",
            body={"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "600s"}).execute()
        check(token["accessToken"].startswith("ya29.fake-") and token["expireTime"].endswith("Z"),
              "generateAccessToken through Google's client with a service-account JWT parses")
        status, error = http_error(lambda: iam.projects().serviceAccounts().generateAccessToken(
            name="projects/-/serviceAccounts/deployer@conformance-project.iam.gserviceaccount.com",
            body={"scope": ["https://www.googleapis.com/auth/cloud-platform"], "lifetime": "7200s"}).execute())
        check(status == 400 and "3600" in error["message"], "a lifetime over one hour is 400")

        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = dict(info, private_key=other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()).decode())
        forged_credentials = service_account.Credentials.from_service_account_info(
            forged, scopes=["https://www.googleapis.com/auth/cloud-platform"])
        import google.auth.exceptions
        import google.auth.transport.requests
        try:
            forged_credentials.refresh(google.auth.transport.requests.Request())
            refused = False
        except google.auth.exceptions.RefreshError as error:
            refused = "invalid_grant" in str(error)
        check(refused, "an assertion signed by another key is refused (invalid_grant)")

        with urllib.request.urlopen(f"{base}/_fake/stats") as answer:
            stats = json.load(answer)
        check(stats["jwtVerified"] >= 1 and stats["jwtRejected"] >= 1 and stats["metadataTokens"] >= 1, "the fake counted tokens")
        print(f"all {checks} checks passed", flush=True)
    finally:
        fake.terminate()
        fake.wait()


if __name__ == "__main__":
    main()
