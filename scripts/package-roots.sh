#!/usr/bin/env bash
# The clean Debian root the packaging tests install into: the OLDEST suite
# debootstrap can make from the mirrors this machine reaches (minbase, no
# systemd), as a cached tarball. The suites are tried oldest first; a suite
# whose mirror does not answer within a few seconds is skipped, and which
# one was made is written to $cache/oldest (its tarball: $cache/SUITE.tar).
# Idempotent: nothing is fetched while the tarball named there exists.
#
# Env: SDCTR_PKG_CACHE     cache dir (default /var/cache/sdctr-doctor/packaging)
#      SDCTR_DEBIAN_MIRROR current suites' mirror (default: first Debian URI apt
#                          is configured with)
#      SDCTR_PKG_SUITES    "suite=mirror ..." to try, oldest first (default below)
# Needs root (debootstrap).
set -euo pipefail

cache="${SDCTR_PKG_CACHE:-/var/cache/sdctr-doctor/packaging}"

apt_mirror() {
  local uri
  uri=$(grep -hoE '^(URIs:|deb) +(\[[^]]*\] +)?https?://[^ ]+/debian/?( |$)' \
          /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
        | grep -oE 'https?://[^ ]+' | head -1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror="${SDCTR_DEBIAN_MIRROR:-$(apt_mirror)}"
archive=http://archive.debian.org/debian
# stretch (glibc 2.24) and buster (2.28) live only on the archive mirror now.
suites="${SDCTR_PKG_SUITES:-stretch=$archive buster=$archive buster=$mirror bullseye=$mirror bookworm=$mirror}"

log() { printf '[package-roots] %s\n' "$*" >&2; }

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

answers() { # url: the suite's Release file is served
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 8 -o /dev/null "$1" 2>/dev/null
  else
    wget -q -T 8 -t 1 -O /dev/null "$1"
  fi
}

build() { # suite mirror -> $cache/$suite.tar
  local suite=$1 from=$2 args=(--variant=minbase --cache-dir="$cache/debs")
  # The keys of archived suites are in the removed-keys keyring.
  [[ $suite == stretch || $suite == buster ]] &&
    args+=(--keyring=/usr/share/keyrings/debian-archive-removed-keys.gpg)
  work=$(mktemp -d "$cache/.build-$suite.XXXXXX")
  log "$suite: debootstrap from $from"
  local start=$SECONDS
  if ! debootstrap "${args[@]}" "$suite" "$work/root" "$from" >"$work/log" 2>&1; then
    tail -15 "$work/log" >&2
    cleanup
    work=""
    return 1
  fi
  rm -rf "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb \
         "$work/root/var/lib/apt/lists/"* "$work/root/var/log/"* "$work/root/debootstrap"
  tar --numeric-owner -C "$work/root" -cf "$work/root.tar" .
  mv "$work/root.tar" "$cache/$suite.tar"
  log "$suite: built $(du -h "$cache/$suite.tar" | cut -f1) in $((SECONDS - start)) s"
  cleanup
  work=""
}

main() {
  mkdir -p "$cache/debs"
  local stale
  for stale in "$cache"/.build-*; do
    [[ -d $stale ]] && { work=$stale; cleanup; work=""; }
  done
  if [[ -s $cache/oldest && -s $cache/$(cat "$cache/oldest").tar ]]; then
    log "cached: $(cat "$cache/oldest") ($cache/$(cat "$cache/oldest").tar)"
    return
  fi
  local spec suite from
  for spec in $suites; do
    suite=${spec%%=*} from=${spec#*=}
    if ! answers "$from/dists/$suite/Release"; then
      log "$suite: $from/dists/$suite/Release does not answer, next suite"
      continue
    fi
    if build "$suite" "$from"; then
      echo "$suite" >"$cache/oldest"
      log "oldest root: $suite"
      return
    fi
    log "$suite: debootstrap failed, next suite"
  done
  log "no suite could be made"
  return 1
}

main "$@"
