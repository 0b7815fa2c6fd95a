#!/usr/bin/env python3
"""A container credentials endpoint (EKS Pod Identity / ECS shape) on a free loopback port, test support only.

  container_credentials.py PORT_FILE TOKEN KEYS_JSON
Answers GET with {"AccessKeyId","SecretAccessKey","Token","Expiration"} from KEYS_JSON when the Authorization header is
exactly TOKEN, 401 otherwise; counts the answered fetches in PORT_FILE.count. Writes its port to PORT_FILE when listening
and exits when its parent (the test process) is gone.
"""
import datetime
import http.server
import json
import os
import sys
import threading
import time

port_file, token, keys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
parent = os.getppid()
served = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global served
        if self.headers.get("Authorization") != token:
            self.send_response(401)
            self.end_headers()
            return
        served += 1
        with open(port_file + ".count", "w") as f:
            f.write(str(served))
        expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        body = json.dumps({"AccessKeyId": keys["access_key_id"], "SecretAccessKey": keys["secret_access_key"],
                           "Token": None, "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
while os.getppid() == parent:
    time.sleep(1)
