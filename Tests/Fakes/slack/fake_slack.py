#!/usr/bin/env python3
"""A local stand-in for the few Slack Web API methods jitsudod's interactive approvals call.

POST /api/users.info (form `user`), /api/chat.update and /api/chat.postEphemeral (JSON), each answered the way
Slack answers them (HTTP 200 with {"ok": ...}) and only with `Authorization: Bearer <--token>`; any other token
gets {"ok": false, "error": "invalid_auth"}, as from Slack. Users come from `--user U123=alice@example.com`.
GET /_fake/calls lists every call seen (method, whether the token was right, the parsed body).

Listens on 127.0.0.1 only; prints `listening <port>` once ready.
"""

import argparse
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, token, users):
        self.token = token
        self.users = users
        self.calls = []
        self.lock = threading.Lock()


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/_fake/calls":
                with state.lock:
                    self.reply(200, {"calls": list(state.calls)})
                return
            self.reply(404, {"ok": False, "error": "unknown_method"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            method = self.path[len("/api/"):] if self.path.startswith("/api/") else ""
            kind = self.headers.get("Content-Type", "")
            if kind.startswith("application/json"):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
            authorized = self.headers.get("Authorization", "") == f"Bearer {state.token}"
            with state.lock:
                state.calls.append({"method": method, "authorized": authorized, "body": body})
            if not authorized:
                self.reply(200, {"ok": False, "error": "invalid_auth"})
            elif method == "users.info":
                email = state.users.get(body.get("user", ""))
                if email is None:
                    self.reply(200, {"ok": False, "error": "user_not_found"})
                else:
                    self.reply(200, {"ok": True, "user": {"id": body["user"], "profile": {"email": email}}})
            elif method in ("chat.update", "chat.postEphemeral"):
                if not body.get("channel"):
                    self.reply(200, {"ok": False, "error": "channel_not_found"})
                else:
                    self.reply(200, {"ok": True, "channel": body["channel"], "ts": body.get("ts", "1.0")})
            else:
                self.reply(404, {"ok": False, "error": "unknown_method"})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--user", action="append", default=[], help="U123=alice@example.com")
    args = parser.parse_args()
    users = dict(pair.split("=", 1) for pair in args.user)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(args.token, users)))
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
