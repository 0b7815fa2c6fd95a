#!/usr/bin/env bash
# start-moto.sh PARENT_PID PORT_FILE [AUTH]: moto_server on a free loopback port; writes the port to PORT_FILE once it
# answers, and stops it when PARENT_PID (the test process) is gone. Test support only.
set -euo pipefail
parent=$1
port_file=$2
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$port_file.log" 2>&1 &
moto=$!
# SIGKILL, not SIGTERM: the test process spawns this script with SIGTERM blocked, moto_server inherits that mask and
# would ignore a TERM (it was left running after every run). It keeps nothing worth a clean shutdown.
trap 'kill -KILL $moto 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then break; fi
    kill -0 "$moto" 2>/dev/null || exit 1
    sleep 0.1
done
echo "$port" >"$port_file.tmp" && mv "$port_file.tmp" "$port_file"
while kill -0 "$parent" 2>/dev/null && kill -0 "$moto" 2>/dev/null; do sleep 1; done
