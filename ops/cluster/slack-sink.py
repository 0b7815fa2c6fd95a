#!/usr/bin/env python3
"""A Slack-compatible incoming-webhook sink on loopback for the local cluster: answers `ok` (as Slack does) to every
POST and appends {"path", "body"} as one JSON line to the file given (runbook 4's "high-priority Slack alert").

    slack-sink.py --port-file FILE --out FILE
"""
import argparse
import http.server
import json
import os


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8", "replace")
            with open(arguments.out, "a") as f:
                f.write(json.dumps({"path": self.path, "body": body}) + "\n")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(arguments.port_file + ".tmp", "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(arguments.port_file + ".tmp", arguments.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
