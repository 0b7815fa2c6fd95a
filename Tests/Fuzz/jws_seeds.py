"""Seeds of the libFuzzer target `jws` (scripts/libfuzzer.sh): Authorization headers with ES256 tokens signed by the
target's fixed P-256 key (private scalar 0x01..0x20, the public key is in JWSFuzzTarget.swift), so the fuzzer starts
from tokens whose signatures verify and reaches the claims check; plus an unsigned `alg: none` token and a JWKS.

    python3 Tests/Fuzz/jws_seeds.py CORPUS_DIR
"""
import base64
import json
import os
import sys


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main(corpus):
    os.makedirs(corpus, exist_ok=True)
    header = b64(json.dumps({"alg": "ES256", "kid": "ec", "typ": "JWT"}).encode())
    claims = [
        {"iss": "https://idp.example.com", "aud": "jitsudo-cli", "exp": 1773831600, "iat": 1773828000, "sub": "u1",
         "email": "alice@example.com", "groups": ["sre"]},
        {"iss": "https://idp.example.com", "aud": ["jitsudo-cli", "x"], "exp": 1773831600, "nbf": 1773827000, "sub": "u2",
         "email": "bob@example.com", "groups": "ops"},
    ]
    try:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        key = ec.derive_private_key(int.from_bytes(bytes(range(1, 33)), "big"), ec.SECP256R1())
    except ImportError:  # without the cryptography package the seeds are unsigned: the fuzzer still parses them
        key = None
    for index, claim in enumerate(claims):
        payload = b64(json.dumps(claim).encode())
        signature = b"\0" * 64
        if key is not None:
            r, s = decode_dss_signature(key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        with open(os.path.join(corpus, f"es256-{index}"), "w") as seed:
            seed.write(f"Bearer {header}.{payload}.{b64(signature)}")
    with open(os.path.join(corpus, "alg-none"), "w") as seed:
        seed.write(b64(b'{"alg":"none"}') + "." + b64(b"{}") + ".")
    with open(os.path.join(corpus, "jwks"), "w") as seed:
        seed.write(json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}, {"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}))


if __name__ == "__main__":
    main(sys.argv[1])
