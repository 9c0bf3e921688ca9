#!/usr/bin/env bash
# The whole default run (host + daemon) against `docker info` and against the
# floor, one curl of /info, on this machine's daemon. Needs hyperfine and a daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=target/release/sdctr-doctor
SOCK=${SOCK:-/var/run/docker.sock}
$BIN --json >/dev/null || [ $? -eq 1 ]   # warm up; exit 1 (not ready) is fine here
hyperfine --warmup 5 --runs "${RUNS:-50}" -N --ignore-failure \
  --export-markdown "${OUT:-/tmp/sdctr-bench-daemon.md}" \
  -n 'curl /info (floor)' "curl -s --unix-socket $SOCK http://localhost/info" \
  -n 'sdctr-doctor --json' "$BIN --json" \
  -n 'sdctr-doctor (human)' "$BIN --color never" \
  -n 'docker info' 'docker info' \
  -n 'sdctr-doctor --no-docker' "$BIN --json --no-docker"
