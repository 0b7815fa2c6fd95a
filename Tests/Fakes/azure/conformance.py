#!/usr/bin/env python3
"""Holds the Azure fake to Microsoft's own clients: `azure-identity` gets tokens from it (client secret and
certificate) and `azure-mgmt-authorization`'s AuthorizationManagementClient creates, reads and deletes role
assignments, lists role definitions and creates schedule requests through it, all over HTTPS with a test CA.
Exits non-zero (with the failing check) when the fake answers something Microsoft's clients do not parse or accept.

    conformance.py          # run from Tests/AzureIntegrationTests (AzureConformanceTests) in `make test`
"""
import datetime
import os
import sys
import tempfile
import types
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_azure  # noqa: E402

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError  # noqa: E402
from azure.identity import CertificateCredential, ClientSecretCredential  # noqa: E402
from azure.mgmt.authorization import AuthorizationManagementClient  # noqa: E402
from azure.mgmt.authorization.v2020_10_01 import models as m2020  # noqa: E402
from azure.mgmt.authorization.v2022_04_01 import models as m2022  # noqa: E402

TENANT = "11111111-1111-1111-1111-111111111111"
CLIENT = "22222222-2222-2222-2222-222222222222"
SUBSCRIPTION = "33333333-3333-3333-3333-333333333333"
SECRET = "s3cret-" + uuid.uuid4().hex
checks = 0


def check(condition, what):
    global checks
    checks += 1
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)


def expect_error(call, cls, what, code=None):
    try:
        call()
    except cls as error:
        found = getattr(getattr(error, "error", None), "code", None)
        check(code is None or found == code, f"{what}: error code {found!r}, wanted {code!r}")
        return error
    check(False, f"{what}: no {cls.__name__} raised")


def main():
    pki = tempfile.mkdtemp(prefix="jitsudo-azure-conformance-")
    fake_azure.make_pki(pki)
    ca = os.path.join(pki, "ca.pem")
    os.environ["REQUESTS_CA_BUNDLE"] = ca  # MSAL (inside azure-identity) uses requests
    args = types.SimpleNamespace(pki=pki, port=0, tenant=TENANT, client_id=CLIENT, client_secret=SECRET,
                                 client_certificate=os.path.join(pki, "client-cert.pem"), federated_token="", token_lifetime=3599)
    server, base = fake_azure.start(args)
    state = server.RequestHandlerClass.state
    principal = str(uuid.uuid4())
    state.users["alice@example.com"] = principal

    # Entra: the real azure-identity credentials against the fake's authority.
    secret_credential = ClientSecretCredential(TENANT, CLIENT, SECRET, authority=base, disable_instance_discovery=True,
                                               connection_verify=ca)
    token = secret_credential.get_token("https://management.azure.com/.default")
    check(token.token in state.tokens and token.expires_on > datetime.datetime.now().timestamp() + 3000,
          "ClientSecretCredential gets a token the fake issued, valid for about an hour")
    wrong = ClientSecretCredential(TENANT, CLIENT, "wrong", authority=base, disable_instance_discovery=True, connection_verify=ca)
    error = expect_error(lambda: wrong.get_token("https://management.azure.com/.default"), ClientAuthenticationError, "a wrong secret")
    check("AADSTS7000215" in str(error), "a wrong secret is AADSTS7000215 invalid_client")
    certificate_credential = CertificateCredential(TENANT, CLIENT, certificate_path=os.path.join(pki, "client.pem"), authority=base,
                                                   disable_instance_discovery=True, connection_verify=ca)
    token = certificate_credential.get_token("https://management.azure.com/.default")
    check(token.token in state.tokens, "CertificateCredential's signed client assertion is verified and accepted")
    fake_azure.make_pki(os.path.join(pki, "other"))
    stranger = CertificateCredential(TENANT, CLIENT, certificate_path=os.path.join(pki, "other", "client.pem"), authority=base,
                                     disable_instance_discovery=True, connection_verify=ca)
    error = expect_error(lambda: stranger.get_token("https://management.azure.com/.default"), ClientAuthenticationError,
                         "an unregistered certificate")
    check("AADSTS700027" in str(error), "an assertion signed by an unregistered certificate is refused")

    # ARM: Microsoft's AuthorizationManagementClient against the fake.
    client = AuthorizationManagementClient(secret_credential, SUBSCRIPTION, base_url=base, connection_verify=ca,
                                           credential_scopes=["https://management.azure.com/.default"])
    scope = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-app"
    readers = list(client.role_definitions.list(scope, filter="roleName eq 'Reader'"))
    check(len(readers) == 1 and readers[0].role_name == "Reader", "role definitions filter by roleName")
    reader = readers[0].id
    name = str(uuid.uuid4())
    created = client.role_assignments.create(scope, name, m2022.RoleAssignmentCreateParameters(
        role_definition_id=reader, principal_id=principal, principal_type="User", description="jitsudo request req_1"))
    check(created.name == name and created.scope == scope and created.principal_id == principal, "create role assignment")
    check(created.created_on is not None, "createdOn parses as a date-time")
    again = client.role_assignments.create(scope, name, m2022.RoleAssignmentCreateParameters(role_definition_id=reader, principal_id=principal))
    check(again.id == created.id, "creating the same assignment name again is idempotent")
    expect_error(lambda: client.role_assignments.create(scope, str(uuid.uuid4()), m2022.RoleAssignmentCreateParameters(
        role_definition_id=reader, principal_id=principal)), HttpResponseError, "the same grant under another name", "RoleAssignmentExists")
    got = client.role_assignments.get(scope, name)
    check(got.role_definition_id == reader and got.description == "jitsudo request req_1", "get role assignment")
    listed = list(client.role_assignments.list_for_scope(scope, filter="atScope()"))
    check([a.name for a in listed] == [name], "list role assignments at scope")
    deleted = client.role_assignments.delete(scope, name)
    check(deleted is not None and deleted.name == name, "delete returns the deleted assignment")
    check(client.role_assignments.delete(scope, name) is None, "deleting again is 204 (nothing)")
    expect_error(lambda: client.role_assignments.get(scope, name), ResourceNotFoundError, "a deleted assignment is gone")
    expect_error(lambda: client.role_assignments.create(scope, str(uuid.uuid4()), m2022.RoleAssignmentCreateParameters(
        role_definition_id=reader, principal_id=str(uuid.uuid4()))), HttpResponseError, "an unknown principal", "PrincipalNotFound")

    # PIM: schedule requests (api-version 2020-10-01) with the SDK's models.
    def schedule_request(kind, expiration):
        return m2020.RoleAssignmentScheduleRequest(
            role_definition_id=reader, principal_id=principal, request_type=kind, justification="jitsudo req_2",
            schedule_info=m2020.RoleAssignmentScheduleRequestPropertiesScheduleInfo(
                start_date_time=datetime.datetime.now(datetime.timezone.utc), expiration=expiration))
    assign = client.role_assignment_schedule_requests.create(scope, str(uuid.uuid4()), schedule_request(
        "AdminAssign", m2020.RoleAssignmentScheduleRequestPropertiesScheduleInfoExpiration(type="AfterDuration", duration="PT1H")))
    check(assign.status == "Provisioned" and assign.request_type == "AdminAssign", "AdminAssign is provisioned")
    check(assign.schedule_info.expiration.duration == "PT1H", "the schedule's duration round-trips")
    fetched = client.role_assignment_schedule_requests.get(scope, assign.name)
    check(fetched.principal_id == principal and fetched.created_on is not None, "get schedule request")
    expect_error(lambda: client.role_assignment_schedule_requests.create(scope, str(uuid.uuid4()), schedule_request(
        "AdminAssign", m2020.RoleAssignmentScheduleRequestPropertiesScheduleInfoExpiration(type="AfterDuration", duration="PT1H"))),
        HttpResponseError, "assigning an active assignment again", "RoleAssignmentExists")
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)
    extend = client.role_assignment_schedule_requests.create(scope, str(uuid.uuid4()), schedule_request(
        "AdminExtend", m2020.RoleAssignmentScheduleRequestPropertiesScheduleInfoExpiration(type="AfterDateTime", end_date_time=later)))
    check(extend.status == "Provisioned", "AdminExtend is provisioned")
    remove = client.role_assignment_schedule_requests.create(scope, str(uuid.uuid4()), m2020.RoleAssignmentScheduleRequest(
        role_definition_id=reader, principal_id=principal, request_type="AdminRemove", justification="jitsudo revoke"))
    check(remove.status == "Revoked", "AdminRemove revokes")
    expect_error(lambda: client.role_assignment_schedule_requests.create(scope, str(uuid.uuid4()), m2020.RoleAssignmentScheduleRequest(
        role_definition_id=reader, principal_id=principal, request_type="AdminRemove")), HttpResponseError,
        "removing what is not assigned", "RoleAssignmentDoesNotExist")
    listed = list(client.role_assignment_schedule_requests.list_for_scope(scope))
    check(len(listed) == 3, "list schedule requests at scope")

    # Faults the provider must handle, in Microsoft's error shape.
    state.faults.append({"path_contains": "roleAssignments/", "method": "GET", "status": 403, "code": "AuthorizationFailed",
                         "message": "The client does not have authorization to perform action.", "times": 1})
    expect_error(lambda: client.role_assignments.get(scope, name), HttpResponseError, "an injected 403", "AuthorizationFailed")
    server.shutdown()
    print(f"azure fake conformance: {checks} checks passed against azure-mgmt-authorization and azure-identity")


if __name__ == "__main__":
    main()
