#!/usr/bin/env python3
"""Fixtures in a moto_server for AWSIntegrationTests, made with boto3 (test support only).

  moto_fixture.py ENDPOINT bootstrap POLICY_FILE   -> admin and jitsudod IAM users (jitsudod with exactly POLICY_FILE),
                                                      then moto's IAM checks switched on; prints their keys as JSON
  moto_fixture.py ENDPOINT role NAME PRINCIPAL_ARN -> (as admin, from $AWS_ACCESS_KEY_ID) a role PRINCIPAL_ARN may assume
                                                      with sts:AssumeRole/TagSession/SetSourceIdentity, allowed iam:List*
  moto_fixture.py ENDPOINT identity-center USER... -> an Identity Center instance, permission set and users; prints ids
                                                      (user_id: the first user's; user_ids: every user's by name)
"""
import json
import sys
import urllib.request

import boto3

endpoint, command = sys.argv[1], sys.argv[2]


def client(name, **keys):
    return boto3.client(name, endpoint_url=endpoint, region_name="us-east-1", **keys)


def user_with_policy(iam, name, document):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="policy", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
            "arn": iam.get_user(UserName=name)["User"]["Arn"]}


if command == "bootstrap":
    iam = client("iam", aws_access_key_id="AKIABOOTSTRAP0000000", aws_secret_access_key="bootstrap")
    everything = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    admin = user_with_policy(iam, "fixture-admin", everything)
    jitsudod = user_with_policy(iam, "jitsudod", open(sys.argv[3]).read())
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                                   headers={"Content-Type": "text/plain"})).read()
    print(json.dumps({"admin": admin, "jitsudod": jitsudod}))
elif command == "role":
    name, principal = sys.argv[3], sys.argv[4]
    iam = client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal},
                                                     "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=43200)["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="work", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:List*"], "Resource": "*"}]}))
    print(json.dumps({"arn": role["Arn"]}))
elif command == "identity-center":
    users = sys.argv[3:]
    sso = client("sso-admin")
    instance = sso.list_instances()["Instances"][0]
    permission_set = sso.create_permission_set(Name="ReadOnly", InstanceArn=instance["InstanceArn"])["PermissionSet"]
    store = client("identitystore")
    user_ids = {user: store.create_user(IdentityStoreId=instance["IdentityStoreId"], UserName=user, DisplayName=user,
                                        Name={"GivenName": "A", "FamilyName": "B"})["UserId"] for user in users}
    print(json.dumps({"instance_arn": instance["InstanceArn"], "identity_store_id": instance["IdentityStoreId"],
                      "permission_set_arn": permission_set["PermissionSetArn"], "user_id": user_ids[users[0]],
                      "user_ids": user_ids}))
else:
    sys.exit("unknown command " + command)
