#!/usr/bin/env bash
# Run a command against a throw-away Chroma server on loopback: scripts/with-chroma.sh CMD...
# The server's URL is passed as HCC_TEST_CHROMA_URL; the server stops when the command ends.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
chroma="${CHROMA_BIN:-$here/.venv/bin/chroma}"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
data="$(mktemp -d)"
ANONYMIZED_TELEMETRY=False "$chroma" run --path "$data" --host 127.0.0.1 --port "$port" >"$data/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/api/v2/heartbeat" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/api/v2/heartbeat" >/dev/null || { echo "Chroma server did not start:"; cat "$data/server.log"; exit 1; }
HCC_TEST_CHROMA_URL="http://127.0.0.1:$port" "$@"
