#!/usr/bin/env bash
# Build the doctor's image from packaging/Dockerfile and the static binary
# (scripts/package-static.sh), offline: FROM scratch, no registry.
#
# Env: SDCTR_PKG_OUT  where the static binary is (default target/package)
#      SDCTR_PKG_TAG  the image's tag (default sdctr-doctor)
# Needs a Docker daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${SDCTR_PKG_OUT:-target/package}"
tag="${SDCTR_PKG_TAG:-sdctr-doctor}"
[[ -x $out/sdctr-doctor ]] || { echo "no $out/sdctr-doctor: run scripts/package-static.sh first" >&2; exit 1; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp packaging/Dockerfile "$out/sdctr-doctor" "$ctx/"
mkdir -m 1777 "$ctx/tmp"
chmod 1777 "$ctx/tmp"
# The classic builder: Docker 20.10 without buildx, and it keeps /tmp's mode.
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
echo "[package-image] $tag: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$tag")" >&2
