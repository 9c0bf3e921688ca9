#!/usr/bin/env bash
# A host with hundreds of containers: a 100 000-line (~15 MB) mountinfo,
# judged by `sdctr-doctor --root R --no-docker` (the whole host run: every
# host probe, the mountinfo streamed once) against one pass of
# `grep -c cgroup` over the same file (goal: within 3x), each also on the
# fixture's own 24-line mountinfo, so the cost of the 100 000 lines shows
# apart from process start-up and the other probes. Output goes to a pipe:
# GNU grep stops at the first match when stdout is /dev/null. Also the peak RSS.
# Needs hyperfine and GNU time. The tree is the debian12-v2 fixture with
# overlay mounts appended, as dockerd leaves them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=$PWD/target/release/sdctr-doctor
LINES=${LINES:-100000}
R=$(mktemp -d)
S=$(mktemp -d)
trap 'rm -rf "$R" "$S"' EXIT
cp -r fixtures/hosts/debian12-v2/. "$R/"
cp -r fixtures/hosts/debian12-v2/. "$S/"
M=$R/proc/self/mountinfo
# dockerd's overlay mounts: ~150 bytes a line, 100 000 lines ~ 15 MB.
awk -v n="$LINES" 'BEGIN { for (i = 1000; i < 1000 + n; i++)
  printf "%d 27 0:%d / /var/lib/docker/overlay2/%026d/merged rw,relatime shared:%d - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/%d\n", i, i % 4000, i, i, i }' >>"$M"
echo "mountinfo: $(wc -l <"$M") lines, $(stat -c %s "$M") bytes"
"$BIN" --root "$R" --no-docker >/dev/null && echo "verdict: ready"
hyperfine -N --output=pipe --warmup 3 --runs "${RUNS:-30}" --export-json /tmp/sdctr-bench-mountinfo.json \
  -n "doctor, 100k lines" "$BIN --root $R --no-docker" \
  -n "doctor, 24 lines" "$BIN --root $S --no-docker" \
  -n "grep -c, 100k lines" "grep -c cgroup $M" \
  -n "grep -c, 24 lines" "grep -c cgroup $S/proc/self/mountinfo"
python3 - <<'PY'
import json
r = {x["command"]: x for x in json.load(open("/tmp/sdctr-bench-mountinfo.json"))["results"]}
m = lambda k: r[k]["median"] * 1000
doctor = m("doctor, 100k lines") - m("doctor, 24 lines")
grep = m("grep -c, 100k lines") - m("grep -c, 24 lines")
print(f"cost of the 100 000 lines (medians, ms): doctor {doctor:.2f}, grep -c {grep:.2f}: {doctor / grep:.1f}x")
PY
/usr/bin/time -f "peak RSS: %M KiB" "$BIN" --root "$R" --no-docker >/dev/null
