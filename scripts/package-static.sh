#!/usr/bin/env bash
# The release binary for old hosts: x86_64-unknown-linux-gnu with glibc linked
# statically (+crt-static; no musl target is needed), so it needs no glibc of
# the host at all. Checks that the result has no interpreter and no needed
# library, strips it, and puts it in $out/sdctr-doctor with its sha256.
#
# Env: SDCTR_PKG_OUT     where the artifacts go (default target/package)
#      CARGO_TARGET_DIR  as cargo (CI points it at a cache)
set -euo pipefail
cd "$(dirname "$0")/.."

triple=x86_64-unknown-linux-gnu
out="${SDCTR_PKG_OUT:-target/package}"
target_dir="${CARGO_TARGET_DIR:-target}"
log() { printf '[package-static] %s\n' "$*" >&2; }

start=$SECONDS
# --target keeps the flag off build scripts and proc macros (they stay dynamic).
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --release --locked --target "$triple"
bin="$target_dir/$triple/release/sdctr-doctor"
log "built in $((SECONDS - start)) s: $bin"

# Static means: no program interpreter, no DT_NEEDED, so no GLIBC_x.y version
# needed from the host.
if readelf -lW "$bin" | grep -q 'Requesting program interpreter'; then
  log "error: $bin has a program interpreter (not static)"; exit 1
fi
if readelf -dW "$bin" | grep -q '(NEEDED)'; then
  log "error: $bin needs shared libraries:"; readelf -dW "$bin" | grep '(NEEDED)' >&2; exit 1
fi

mkdir -p "$out"
strip -o "$out/sdctr-doctor.tmp" "$bin"
mv "$out/sdctr-doctor.tmp" "$out/sdctr-doctor"
(cd "$out" && sha256sum sdctr-doctor >sdctr-doctor.sha256)
log "$out/sdctr-doctor: $(du -h "$out/sdctr-doctor" | cut -f1), static ($(file -b "$out/sdctr-doctor" 2>/dev/null | cut -d, -f1-2 || echo ELF))"
