#!/usr/bin/env python3
"""The local cluster's `service/jitsudod` data path (what kube-proxy does on a node): a TCP proxy on 127.0.0.1:<port>
that forwards each connection to one ready, not terminating `app=jitsudod` pod, round robin.

The fakelet runs every pod on 127.0.0.1 and writes its port to the annotation `fakelet.jitsudo.dev/port`; the
endpoints are read from the API server for every new connection (the last list is kept when the API server does not
answer), so a pod is out of rotation from the moment it is terminating: right after `kubectl rollout status` says done,
no connection reaches an old pod, which may still be serving while it drains (jitsudod's shutdown_delay_seconds). A
connection whose endpoint refuses is tried on the next endpoint, so a rolling restart is invisible to clients. TLS passes through untouched:
clients see jitsudod's own certificate, as through a ClusterIP Service. Writes its port to --port-file when listening.

    service-proxy.py --kubeconfig FILE --namespace jitsudo --selector app=jitsudod --port-file FILE [--port N]
"""
import argparse
import asyncio
import concurrent.futures
import http.client
import json
import ssl
import sys
import urllib.parse

import yaml


class Endpoints:
    def __init__(self, kubeconfig, namespace, selector):
        config = yaml.safe_load(open(kubeconfig))
        context = next(c["context"] for c in config["contexts"] if c["name"] == config["current-context"])
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        query = urllib.parse.urlencode({"labelSelector": selector})
        self.server = urllib.parse.urlsplit(cluster["server"])
        self.path = f"/api/v1/namespaces/{namespace}/pods?{query}"
        self.headers = {"Authorization": f"Bearer {user['token']}"}
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE  # the test API server's self-signed certificate, on loopback
        self.connection = None  # kept open: a read per client connection must stay cheap
        self.reader = concurrent.futures.ThreadPoolExecutor(max_workers=1)  # one thread owns the connection
        self.ports = []
        self.next = 0

    def read(self):
        if self.connection is None:
            self.connection = http.client.HTTPSConnection(self.server.hostname, self.server.port, context=self.context, timeout=2)
        try:
            self.connection.request("GET", self.path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"the API server answered {response.status}")
        except Exception:
            self.connection.close()
            self.connection = None
            raise
        pods = json.loads(body)["items"]
        ports = []
        for pod in pods:
            meta = pod["metadata"]
            conditions = pod.get("status", {}).get("conditions", [])
            ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
            port = meta.get("annotations", {}).get("fakelet.jitsudo.dev/port")
            if ready and port and not meta.get("deletionTimestamp"):
                ports.append(int(port))
        self.ports = sorted(ports)

    async def refresh(self):
        try:
            await asyncio.get_running_loop().run_in_executor(self.reader, self.read)
        except Exception as error:  # the API server restarting: keep the last endpoints
            print(f"service-proxy: endpoints not refreshed: {error}", file=sys.stderr, flush=True)

    def order(self):
        ports = list(self.ports)
        if not ports:
            return []
        self.next = (self.next + 1) % len(ports)
        return ports[self.next:] + ports[: self.next]


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def serve(endpoints, client_reader, client_writer):
    await endpoints.refresh()
    upstream = None
    for port in endpoints.order():
        try:
            upstream = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
            break
        except (OSError, asyncio.TimeoutError):
            continue
    if upstream is None:
        client_writer.close()
        return
    upstream_reader, upstream_writer = upstream
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--selector", default="app=jitsudod")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    arguments = parser.parse_args()
    endpoints = Endpoints(arguments.kubeconfig, arguments.namespace, arguments.selector)
    server = await asyncio.start_server(lambda r, w: serve(endpoints, r, w), "127.0.0.1", arguments.port)
    port = server.sockets[0].getsockname()[1]
    with open(arguments.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    import os

    os.replace(arguments.port_file + ".tmp", arguments.port_file)
    print(f"service-proxy: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    await endpoints.refresh()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
