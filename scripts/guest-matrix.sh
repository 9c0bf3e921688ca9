#!/bin/bash
# Runs the doctor and the truth matrix inside a real Debian guest booted under QEMU by
# ../shared/lab-guest/guest.sh (bookworm v2 | bookworm hybrid | trixie v2), and keeps the results:
#
#   bash scripts/guest-matrix.sh bookworm v2 OUTDIR
#
# Needs the test images (scripts/build-test-images.sh), a debug and a release build, and the
# truth-matrix test binary (cargo test --test truth_matrix --no-run). Slow: 30-60 min a guest.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=$1 mode=$2 dest=$3
guest=${GUEST_SH:-../shared/lab-guest/guest.sh}
G=$(mktemp -d); trap 'rm -rf "$G"' EXIT
mkdir -p "$G/images"
cp target/release/sdctr-doctor "$G/sdctr-doctor"
cp target/debug/sdctr-doctor "$G/sdctr-doctor-debug"
echo "$(pwd)/target/debug" > "$G/doctor-bin-dir"
tm=$(ls -t target/debug/deps/truth_matrix-* | grep -v '\.d$' | head -1)
cp "$tm" "$G/truth_matrix"
for img in bookworm-systemd trixie-systemd bullseye-systemd bookworm-nosystemd; do
  docker save -o "$G/images/$img.tar" "sdctr-test/$img"
done
cp scripts/guest-inside.sh "$G/run.sh"
# MATRIX_IMAGES=bookworm-systemd,trixie-systemd: fewer cells (each boot takes 10-20 s there).
printf '%s' "${MATRIX_IMAGES:-}" > "$G/matrix-images"
bash "$guest" run "$suite" "$mode" "$G"
mkdir -p "$dest"; cp -a "$G/out/." "$dest/"
echo "results in $dest"
