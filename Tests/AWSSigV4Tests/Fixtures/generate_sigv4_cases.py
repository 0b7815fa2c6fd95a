#!/usr/bin/env python3
"""Generates sigv4-cases.json: requests signed by botocore's SigV4Auth, the oracle AWSSigV4Tests replays in Swift.

Run from this directory: python3 generate_sigv4_cases.py > sigv4-cases.json (botocore 1.43; seeded, reproducible).
Each case gives the request as sent (method, host, wire path, query items not encoded, headers, base64 body), the
credentials, service, region and timestamp, and botocore's canonical request, string to sign, signature and
Authorization header.
"""
import base64
import json
import random
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

rng = random.Random(20260115)
SEGMENTS = ["a", "b c", "ü", "日本", "x%y", "semi;colon", "plus+", "eq=", "at@", "tilde~", "dot.", "..", ".", "", "CAPS", "$&'()*,", "é/è"]
KEYS = ["Action", "Version", "a", "A", "b", "empty", "näme", "with space", "x-y", "z~", "plus+key", "", "key*"]
VALUES = ["1", "", "two words", "ünïcödé", "a=b&c", "slash/and?q", "~-._", "*", "%20", "日本語", "+plus"]
HEADER_VALUES = ["plain", "  padded  ", "many   inner    spaces", "tab\there", "UPPER lower", "a,b", "ü"]
SERVICES = [("sts", "us-east-1"), ("iam", "us-east-1"), ("sso", "eu-west-1"), ("identitystore", "ap-southeast-2"), ("s3x", "us-west-2")]


def case(index):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get"])
    segments = [rng.choice(SEGMENTS) for _ in range(rng.randint(0, 4))]
    path = "/" + "/".join(quote(s, safe="/") for s in segments)
    if rng.random() < 0.2:
        path += "/"
    if rng.random() < 0.05:
        path = "//double//slash"
    query = [[rng.choice(KEYS), rng.choice(VALUES)] for _ in range(rng.randint(0, 5))]
    if query and rng.random() < 0.3:
        query.append([query[0][0], rng.choice(VALUES)])  # a repeated key
    host = rng.choice(["sts.amazonaws.com", "127.0.0.1:5000", "iam.amazonaws.com", "sso.eu-west-1.amazonaws.com"])
    headers = []
    names = set()
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["Content-Type", "X-Amz-Target", "x-custom", "X-Mixed-Case", "Accept", "User-Agent", "Expect", "x-amzn-trace-id"])
        if name.lower() in names:
            continue
        names.add(name.lower())
        headers.append([name, rng.choice(HEADER_VALUES)])
    body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 0, 1, 17, 300])))
    if rng.random() < 0.3:
        body = json.dumps({"k": rng.choice(VALUES)}).encode()
    service, region = rng.choice(SERVICES)
    token = rng.choice([None, None, "FwoGZXIvYXdzE" + "".join(rng.choice("abcdefXYZ0123+/=") for _ in range(40))])
    key = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/") for _ in range(40))
    timestamp = "2026%02d%02dT%02d%02d%02dZ" % (rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))

    request = AWSRequest(method=method, url="http://%s%s" % (host, path), data=body, headers=dict(headers),
                         params=[tuple(q) for q in query])
    request.context["timestamp"] = timestamp
    auth = SigV4Auth(Credentials(key, secret, token), service, region)
    auth._modify_request_before_signing(request)
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)
    return {
        "name": "generated-%d" % index, "method": method, "host": host, "path": path, "query": query, "headers": headers,
        "body": base64.b64encode(body).decode(), "service": service, "region": region, "access_key": key, "secret_key": secret,
        "token": token, "timestamp": timestamp, "canonical_request": canonical, "string_to_sign": string_to_sign,
        "signature": signature, "authorization": request.headers["Authorization"],
    }


print(json.dumps([case(i) for i in range(600)], indent=1, ensure_ascii=False))
