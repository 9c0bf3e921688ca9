#!/usr/bin/env bash
# Build the real test images: debootstrap Debian roots (three with systemd, one
# without), cache the root tarballs between runs, and `docker import` them with
# the config a systemd image really has. Idempotent: a root is built only when
# its tarball is missing, an image is imported only when its tag is missing or
# was imported from a different tarball (label sdctr.tarball-sha256). What
# `systemd --version` prints inside each image is kept as NAME.systemd-version
# beside the tarball: the tests' ground truth.
#
# Env: SDCTR_IMAGE_CACHE  cache dir (default /var/cache/sdctr-doctor/images)
#      SDCTR_DEBIAN_MIRROR (default: first Debian URI apt is configured with)
#      SDCTR_IMAGES        space-separated subset of names to build (default all)
#      SDCTR_TAG_PREFIX    repository prefix of the tags (default sdctr-test)
# Needs root (debootstrap) and a Docker daemon.
set -euo pipefail

cache="${SDCTR_IMAGE_CACHE:-/var/cache/sdctr-doctor/images}"

apt_mirror() {
  local uri
  uri=$(grep -hoE '^(URIs:|deb) +(\[[^]]*\] +)?https?://[^ ]+/debian/?( |$)' \
          /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
        | grep -oE 'https?://[^ ]+' | head -1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror="${SDCTR_DEBIAN_MIRROR:-$(apt_mirror)}"

# name suite packages-to-include cmd
specs=(
  "bookworm-systemd bookworm systemd,systemd-sysv /sbin/init"
  "trixie-systemd trixie systemd,systemd-sysv /sbin/init"
  "bullseye-systemd bullseye systemd,systemd-sysv /sbin/init"
  "bookworm-nosystemd bookworm - /bin/bash"
)

log() { printf '[build-test-images] %s\n' "$*" >&2; }

# A killed run leaves no half-built root behind. debootstrap mounts /proc and
# /sys inside the root: unmount them before deleting, and never cross mounts.
work=""
cleanup() {
  [[ -n $work && -d $work ]] || return 0
  local m
  for m in $(awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_root() { # name suite include -> $cache/$name.tar
  local name=$1 suite=$2 include=$3 tarball="$cache/$1.tar"
  work=$(mktemp -d "$cache/.build-$name.XXXXXX")
  local args=(--variant=minbase --cache-dir="$cache/debs")
  [[ $include != - ]] && args+=(--include="$include")
  log "$name: debootstrap $suite from $mirror"
  local start=$SECONDS
  debootstrap "${args[@]}" "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -30 "$work/debootstrap.log" >&2
    [[ -f $work/root/debootstrap/debootstrap.log ]] && tail -30 "$work/root/debootstrap/debootstrap.log" >&2
    return 1
  }
  # Keep the tarball small: no package caches, lists, logs.
  rm -rf "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb \
         "$work/root/var/lib/apt/lists/"* "$work/root/var/log/"* "$work/root/debootstrap"
  tar --numeric-owner --xattrs -C "$work/root" -cf "$work/root.tar" .
  mv "$work/root.tar" "$tarball"
  sha256sum "$tarball" | cut -d' ' -f1 >"$tarball.sha256"
  log "$name: built $(du -h "$tarball" | cut -f1) in $((SECONDS - start)) s"
  cleanup
  work=""
}

import_image() { # name cmd
  local name=$1 cmd=$2 tag="${SDCTR_TAG_PREFIX:-sdctr-test}/$1" tarball="$cache/$1.tar" sum have
  sum=$(cat "$tarball.sha256")
  have=$(docker image inspect --format '{{index .Config.Labels "sdctr.tarball-sha256"}}' "$tag" 2>/dev/null || true)
  if [[ $have == "$sum" ]]; then
    log "$tag: up to date"
    return
  fi
  local changes=(-c "CMD [\"$cmd\"]") stage="$tag:import"
  [[ $cmd == /sbin/init ]] && changes+=(-c 'ENV container=docker')
  docker import "${changes[@]}" "$tarball" "$stage" >/dev/null
  # Docker 20.10's import refuses STOPSIGNAL: add it (and the label that marks
  # the image complete) with a metadata-only build from the imported image.
  local dockerfile="FROM $stage"$'\n'
  [[ $cmd == /sbin/init ]] && dockerfile+='STOPSIGNAL SIGRTMIN+3'$'\n'
  dockerfile+="LABEL sdctr.tarball-sha256=$sum"$'\n'
  DOCKER_BUILDKIT=0 docker build -q -t "$tag" - <<<"$dockerfile" >/dev/null 2>&1 ||
    { DOCKER_BUILDKIT=0 docker build -t "$tag" - <<<"$dockerfile" >&2; return 1; }
  docker rmi "$stage" >/dev/null
  log "$tag: imported ($(docker image inspect --format '{{.Id}}' "$tag"))"
  rm -f "$cache/$name.systemd-version"
}

# Ground truth for the tests: what systemd itself says inside the image (our
# own Debian-built image, run with a shell entrypoint, removed at once).
record_version() { # name
  local name=$1 tag="${SDCTR_TAG_PREFIX:-sdctr-test}/$1" out="$cache/$1.systemd-version"
  [[ -s $out ]] && return
  docker run --rm --network none --entrypoint /bin/sh "$tag" -c \
    'if [ -x /lib/systemd/systemd ]; then /lib/systemd/systemd --version | head -1; else echo none; fi' \
    >"$out.tmp"
  mv "$out.tmp" "$out"
  log "$tag: $(cat "$out")"
}

main() {
  mkdir -p "$cache/debs"
  # Leftovers of a run killed with SIGKILL (a trap cannot catch it).
  local stale
  for stale in "$cache"/.build-*; do
    [[ -d $stale ]] && { work=$stale; cleanup; work=""; }
  done
  local total=$SECONDS spec name suite include cmd
  for spec in "${specs[@]}"; do
    read -r name suite include cmd <<<"$spec"
    if [[ -n ${SDCTR_IMAGES:-} && " $SDCTR_IMAGES " != *" $name "* ]]; then continue; fi
    if [[ -s $cache/$name.tar && -s $cache/$name.tar.sha256 ]]; then
      log "$name: cached $cache/$name.tar"
    else
      build_root "$name" "$suite" "$include"
    fi
    import_image "$name" "$cmd"
    record_version "$name"
  done
  log "done in $((SECONDS - total)) s"
}

main "$@"
