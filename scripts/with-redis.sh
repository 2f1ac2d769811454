#!/usr/bin/env bash
# Run a command against a throw-away redis-server on loopback: scripts/with-redis.sh CMD...
# The server's URL is passed as HCC_TEST_REDIS_URL; the server stops when the command ends.
set -euo pipefail
redis="${REDIS_SERVER:-$(command -v redis-server || true)}"
[ -n "$redis" ] || { echo "redis-server is missing: make redis-deps (Debian package redis-server)"; exit 1; }
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
"$redis" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "redis-server did not start:"; cat "$data/server.log"; exit 1; }
HCC_TEST_REDIS_URL="redis://127.0.0.1:$port/0" "$@"
