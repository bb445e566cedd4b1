#!/usr/bin/env bash
# Times the README's first-run commands on an emulated new machine of this project's kind (Debian 12 with the .NET
# SDK, g++, cmake, make, git, NodeSource's node 20 + npm): a bookworm root made by debootstrap, chroot'ed into.
#
#   bench/first-run/measure.sh [ROOT]     as root; ROOT defaults to /work/fresh-root (keep it outside any git work tree)
#
# Set-up, untimed and niced, once (ROOT/base, reused while ROOT/base/.ready exists): debootstrap
# --variant=minbase bookworm (what Debian's container images are made of), this machine's apt sources, apt settings
# and CA certificates, the packages of new-machine-packages.txt, node + npm copied from this machine, then apt's
# lists and .deb cache emptied. Each measurement starts from a fresh copy ROOT/work with /usr/share/dotnet and
# /opt/nuget/packages mounted read-only, an empty ~/.nuget/packages (a first NuGet restore) and a `git clone` of this
# repository's committed HEAD.
# Timed in the root, in order (in-root.sh): (a) scripts/imbfair run configs/quickstart.yaml, (b) scripts/bootstrap,
# (c) the same run again (a finished run: skipped), (d) the same run with --force (warm build and caches);
# IMBFAIR_FIRSTRUN_TEST=1 adds (e) scripts/test; IMBFAIR_FIRSTRUN_OLD=1 runs (b) before (a), as the first run did
# before scripts/imbfair installed only what running needs. Prints a table; logs stay in ROOT/work/root/first-run/.
# Everything mounted is unmounted on exit. Set-up ~4 min, each measurement ~6 min on 2 cores; ~4.5 GB of disk.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel)"
root="${1:-/work/fresh-root}"
base="$root/base" work="$root/work"
mirror=http://deb.debian.org/debian

[[ "$(id -u)" == 0 ]] || { echo "measure.sh: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "measure.sh: apt-get install debootstrap" >&2; exit 1; }
case "$root/" in "$repo"/*) echo "measure.sh: ROOT must lie outside the repository" >&2; exit 2 ;; esac

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" || umount -l "${mounted[i]}"; done
  mounted=()
}
trap unmount_all EXIT
mnt() { # mnt TARGET ARGS...: mount ARGS at TARGET (created) and remember it for unmount_all
  local target="$1"; shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}
mount_system() { # mount_system DIR: /proc, /sys, /dev as a chroot needs them
  mnt "$1/proc" -t proc proc
  mnt "$1/sys" -t sysfs sysfs
  mnt "$1/dev" --bind /dev
  mnt "$1/dev/pts" --bind /dev/pts
  mnt "$1/dev/shm" -t tmpfs tmpfs
}
in_root() { # in_root DIR COMMAND...: run COMMAND in the chroot with a new machine's environment
  local dir="$1" v; shift
  local env=(HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  # This machine's settings for the SDK, NuGet, OpenBLAS and the CA bundle, as a new machine has them.
  local passed='^(DOTNET_|NUGET_|OPENBLAS_|MSBUILD|IMBFAIR_FIRSTRUN_|SSL_CERT_|NODE_EXTRA_CA|GIT_SSL|CURL_CA)'
  for v in $(compgen -e | grep -E "$passed"); do
    env+=("$v=${!v}")
  done
  chroot "$dir" /usr/bin/env -i "${env[@]}" "$@"
}

if [[ ! -f "$base/.ready" ]]; then
  echo "== set-up (untimed): $base"
  rm -rf "$base"; mkdir -p "$root"
  nice -n 19 debootstrap --variant=minbase bookworm "$base" "$mirror" >"$root/debootstrap.log" 2>&1 \
    || { tail -20 "$root/debootstrap.log" >&2; exit 1; }
  rm -f "$base/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/debian.sources "$base/etc/apt/sources.list.d/"
  for f in /etc/apt/apt.conf.d/{docker-*,99artifact-registry}; do
    [[ -f "$f" ]] && cp "$f" "$base/etc/apt/apt.conf.d/"
  done
  cp /etc/resolv.conf "$base/etc/resolv.conf"
  mount_system "$base"
  in_root "$base" apt-get update -qq
  in_root "$base" nice -n 19 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $(grep -v '^#' "$here/new-machine-packages.txt") >"$root/setup-apt.log" 2>&1 \
    || { tail -20 "$root/setup-apt.log" >&2; exit 1; }
  # debootstrap takes bookworm's own versions; a new machine has the point release's (bookworm-updates, -security).
  in_root "$base" nice -n 19 env DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq >>"$root/setup-apt.log" 2>&1
  # The registries' certificates as this machine has them (NuGet and npm go through HTTPS).
  mkdir -p "$base/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$base/usr/local/share/ca-certificates/"
  in_root "$base" update-ca-certificates >/dev/null
  unmount_all
  # NodeSource's nodejs 20 with npm 11, as on a new machine (not a Debian package here: its repository is off).
  tar -C / -cf - usr/bin/node usr/bin/npm usr/bin/npx usr/lib/node_modules | tar -C "$base" -xf -
  mkdir -p "$base/root/.nuget/NuGet" "$base/usr/share/dotnet" "$base/opt/nuget/packages"
  cp ~/.nuget/NuGet/NuGet.Config "$base/root/.nuget/NuGet/"
  [[ -f ~/.npmrc ]] && cp ~/.npmrc "$base/root/"
  ln -sf /usr/share/dotnet/dotnet "$base/usr/bin/dotnet"
  rm -rf "$base"/var/lib/apt/lists/* "$base"/var/cache/apt/archives/*.deb
  touch "$base/.ready"
fi

echo "== fresh copy: $work"
rm -rf "$work"
cp -a "$base" "$work"
mount_system "$work"
mnt "$work/usr/share/dotnet" --bind -o ro /usr/share/dotnet
mnt "$work/opt/nuget/packages" --bind -o ro /opt/nuget/packages
mkdir -p "$work/root/first-run"
cp "$here/in-root.sh" "$work/root/first-run/"
git -C "$repo" bundle create -q "$work/root/first-run/imbfair.bundle" HEAD # what in-root.sh clones: HEAD as committed
echo "== timed in the root ($(git -C "$repo" rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'))"
in_root "$work" /bin/bash /root/first-run/in-root.sh
unmount_all
column -t -s $'\t' "$work/root/first-run/results.tsv"
