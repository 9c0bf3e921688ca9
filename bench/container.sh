#!/usr/bin/env bash
# `container NAME` on a running systemd container (two execs) and an exited one
# (logs tail), against `docker inspect` as the floor. Needs hyperfine, a daemon
# and the test image sdctr-test/bookworm-systemd (scripts/build-test-images.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=target/release/sdctr-doctor
UP=sdctr-bench-up DOWN=sdctr-bench-down
trap 'docker rm -f $UP $DOWN >/dev/null 2>&1' EXIT
docker rm -f $UP $DOWN >/dev/null 2>&1 || true
docker run -d -t --name $UP -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp sdctr-test/bookworm-systemd >/dev/null
docker run -d -t --name $DOWN --tmpfs /run sdctr-test/bookworm-systemd >/dev/null
timeout 20 docker exec $UP systemctl is-system-running --wait >/dev/null || true
hyperfine --warmup 3 --runs "${RUNS:-30}" -N --ignore-failure \
  --export-markdown "${OUT:-/tmp/sdctr-bench-container.md}" \
  -n 'docker inspect (floor)' "docker inspect $UP" \
  -n 'container (running: 2 execs)' "$BIN container $UP --json" \
  -n 'container (exited: logs)' "$BIN container $DOWN --json"
