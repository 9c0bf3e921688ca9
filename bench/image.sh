#!/usr/bin/env bash
# `sdctr-doctor --image IMG` (the whole run: host + daemon + image) against
# running the image to ask its systemd, a ~140 MB image against a >= 1 GB one,
# and the peak RSS; each for both readers (the daemon's layer directories,
# `layers`, and the archive API of a never-started container, `archive`).
# Needs hyperfine, GNU time, a daemon and the test images
# (scripts/build-test-images.sh). The 1 GB image is built here (one 1 GiB
# incompressible file COPY'd on top of bookworm) and removed at the end,
# unless BIG=<existing tag> is given.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
BIN=target/release/sdctr-doctor
IMG=${IMG:-sdctr-test/bookworm-systemd}
RUNS=${RUNS:-30}
OUT=${OUT:-/tmp/sdctr-bench-image}
mkdir -p "$OUT"

BIG=${BIG:-}
if [[ -z $BIG ]]; then
  BIG=sdctr-bench/bookworm-1g:$$
  ctx=$(mktemp -d)
  trap 'docker rmi -f "$BIG" >/dev/null 2>&1 || true; rm -rf "$ctx"' EXIT
  head -c 1G /dev/urandom >"$ctx/big.bin"
  printf 'FROM %s\nCOPY big.bin /opt/big.bin\n' "$IMG" >"$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$BIG" "$ctx" >/dev/null 2>&1
  rm -f "$ctx/big.bin"
fi
echo "images: $(docker image inspect -f '{{.Size}}' "$IMG") bytes ($IMG), $(docker image inspect -f '{{.Size}}' "$BIG") bytes ($BIG)"

for r in layers archive; do   # warm up, and say what was read
  $BIN --json --image "$IMG" --image-reader $r | jq -c '.facts.images[0] | [.read_via, .systemd.major, .init]'
done

# 1. The whole run vs asking the image itself.
hyperfine --warmup 3 --runs "$RUNS" -N --ignore-failure \
  --export-markdown "$OUT/vs-docker-run.md" \
  -n "sdctr-doctor --image (layers)" "$BIN --image $IMG --image-reader layers" \
  -n "sdctr-doctor --image (archive)" "$BIN --image $IMG --image-reader archive" \
  -n "docker run --rm sh -c 'systemd --version'" \
  "docker run --rm --entrypoint sh $IMG -c '/lib/systemd/systemd --version'"

# 2. Image size does not matter.
hyperfine --warmup 3 --runs "$RUNS" -N --ignore-failure \
  --export-markdown "$OUT/size.md" \
  -n "layers, $IMG" "$BIN --image $IMG --image-reader layers" \
  -n "layers, 1 GB image" "$BIN --image $BIG --image-reader layers" \
  -n "archive, $IMG" "$BIN --image $IMG --image-reader archive" \
  -n "archive, 1 GB image" "$BIN --image $BIG --image-reader archive"

# 3. Peak RSS (max of 5 runs), GNU time.
for img in "$IMG" "$BIG"; do
  for r in layers archive; do
    max=0
    for _ in 1 2 3 4 5; do
      kb=$( { /usr/bin/time -f '%M' "$BIN" --json --image "$img" --image-reader $r >/dev/null; } 2>&1 | tail -1)
      ((kb > max)) && max=$kb
    done
    echo "peak RSS $r $img: $max KB"
  done
done | tee "$OUT/rss.txt"
docker ps -a --filter label=sdctr-doctor.probe=1 --format '{{.Names}}' | grep . && { echo "probe containers left!"; exit 1; }
echo "results in $OUT"
