#!/usr/bin/env bash
# The .deb, with cargo-deb ([package.metadata.deb] in Cargo.toml), from the
# static binary that scripts/package-static.sh built (run it first). When the
# binary has the `man` and `completions` subcommands, the man page and the
# bash, zsh and fish completions are generated from it into $out/assets and
# packaged too (the `full` variant); without them the package holds the
# binary and README only.
#
# Env: SDCTR_PKG_OUT     where the .deb goes (default target/package)
#      CARGO_TARGET_DIR  as cargo, the same as for package-static.sh
set -euo pipefail
cd "$(dirname "$0")/.."

triple=x86_64-unknown-linux-gnu
out="${SDCTR_PKG_OUT:-target/package}"
bin="${CARGO_TARGET_DIR:-target}/$triple/release/sdctr-doctor"
log() { printf '[package-deb] %s\n' "$*" >&2; }
[[ -x $bin ]] || { log "no $bin: run scripts/package-static.sh first"; exit 1; }
command -v cargo-deb >/dev/null 2>&1 || { log "cargo-deb is not installed (cargo install cargo-deb --locked)"; exit 1; }

# The asset paths in Cargo.toml are relative to the repository.
assets=target/package/assets
rm -rf "$assets"
variant=()
if "$bin" man >/dev/null 2>&1 && "$bin" completions bash >/dev/null 2>&1; then
  mkdir -p "$assets/man"
  "$bin" man >"$assets/man/sdctr-doctor.1"
  # sdctr-doctor-lint(1) and the like, for each subcommand that has a page.
  for sub in capture lint container triage; do
    "$bin" man "$sub" >"$assets/man/sdctr-doctor-$sub.1" 2>/dev/null || rm -f "$assets/man/sdctr-doctor-$sub.1"
  done
  for page in "$assets"/man/*.1; do
    grep -q '^\.TH ' "$page" || { log "error: $page: no roff (.TH) from \`sdctr-doctor man\`"; exit 1; }
    gzip -9n "$page"
  done
  "$bin" completions bash >"$assets/sdctr-doctor.bash"
  "$bin" completions zsh >"$assets/_sdctr-doctor"
  "$bin" completions fish >"$assets/sdctr-doctor.fish"
  variant=(--variant full)
  log "man page and completions generated from $bin"
else
  log "$bin has no man/completions subcommands: packaging the binary only"
fi

mkdir -p "$out"
rm -f "$out"/*.deb
cargo deb --no-build --locked --target "$triple" "${variant[@]}" --output "$out/" >&2
deb=$(ls "$out"/*.deb)
log "$deb: $(du -h "$deb" | cut -f1)"
dpkg-deb -c "$deb" | awk '{print "[package-deb]   " $NF}' >&2
