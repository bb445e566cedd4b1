#!/usr/bin/env bash
# Runs inside the fresh root that bench/first-run/measure.sh makes: clones the repository (imbfair.bundle, its
# committed HEAD) and times the README's commands in order, writing one log per step (each output line stamped with
# the epoch second it came) and results.tsv, one row per step. Not for a machine of its own: it installs packages.
set -uo pipefail
out=/root/first-run
git -c advice.detachedHead=false clone -q "$out/imbfair.bundle" /root/imbfair
cd /root/imbfair

installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# packages FILE: count, download MiB (apt's Size) and installed MiB (dpkg's Installed-Size) of the names in FILE.
packages() {
  local names
  names=$(cat "$1")
  [[ -n "$names" ]] || { printf '0\t0\t0'; return; }
  printf '%s\t' "$(wc -l <"$1")"
  # shellcheck disable=SC2086  # one name a word
  apt-cache show --no-all-versions $names | awk '/^Size:/ { s += $2 } END { printf "%.0f\t", s / 1048576 }'
  # shellcheck disable=SC2086
  dpkg-query -W -f='${Installed-Size}\n' $names | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'
}

# phases LOG T0 T1: seconds in apt, npm ci, the dotnet build (and the C++ shim's part of it, from its files' times)
# and after the build (the run, or the tests), read off the bootstrap's own lines ("installing", "npm ci",
# "building") and dotnet build's closing "Time Elapsed"; "-" where a step had no such phase. The few seconds of
# package checks before "installing" count with apt.
phases() {
  awk -v t0="$2" -v t1="$3" '
    /imbfair bootstrap: installing/ && !a { a = $1 }
    /imbfair bootstrap: npm ci/ && !n { n = $1 }
    /imbfair bootstrap: building/ && !b { b = $1 }
    /Time Elapsed/ { e = $1 }
    function span(from, to) { return from == "" ? "-" : sprintf("%.0f", to - from) }
    END {
      if (a != "") a = t0
      build_end = e != "" ? e : t1
      printf "%s\t%s\t%s\t%s\t%s", span(a, n != "" ? n : b), span(n, b), span(b, build_end), shim(),
        (b == "" ? span(t0, t1) : span(e, t1))
    }
    # The C++ shim: from cmake configuring it (or the step start) to the library, when the step rebuilt it.
    function shim(   dir, cmd, cache, so) {
      dir = "src/ImbalanceFair.Torch/Native/build/"
      cmd = "stat -c %.3Y " dir "CMakeCache.txt " dir "libimbfair_torch.so 2>/dev/null"
      cmd | getline cache; cmd | getline so; close(cmd)
      if (so == "" || so < t0) return "-"
      return sprintf("%.0f", so - (cache > t0 ? cache : t0))
    }' "$1"
}

columns=(step command 'wall s' 'apt s' 'npm s' 'build s' 'of it shim s' 'run/tests s' 'new packages' 'download MiB'
  'installed MiB' 'load before' 'load after' exit)
(IFS=$'\t'; echo "${columns[*]}") >"$out/results.tsv"

# step NAME COMMAND...: runs COMMAND as a user would, timed, and appends its row to results.tsv.
step() {
  local name="$1"; shift
  local log="$out/$name.log" t0 t1 load0 rc
  installed >"$out/$name.before"
  load0=$(load)
  echo "== ($name) $* (load $load0)" >&2
  t0=$EPOCHREALTIME
  "$@" 2>&1 |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$log"
  rc=${PIPESTATUS[0]}
  t1=$EPOCHREALTIME
  installed | comm -13 "$out/$name.before" - >"$out/$name.new"
  printf '%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\n' "$name" "$*" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
    "$(phases "$log" "$t0" "$t1")" "$(packages "$out/$name.new")" "$load0" "$(load)" "$rc" >>"$out/results.tsv"
  ((rc == 0)) || { echo "($name) exited $rc; last lines of $log:" >&2; tail -15 "$log" >&2; }
}

if [[ "${IMBFAIR_FIRSTRUN_OLD:-0}" == 1 ]]; then
  # What the first run did before it was split: everything installed and built, then the run.
  step b scripts/bootstrap
  step a scripts/imbfair run configs/quickstart.yaml
else
  step a scripts/imbfair run configs/quickstart.yaml
  step b scripts/bootstrap
fi
step c scripts/imbfair run configs/quickstart.yaml
step d scripts/imbfair run configs/quickstart.yaml --force
if [[ "${IMBFAIR_FIRSTRUN_TEST:-0}" == 1 ]]; then step e scripts/test; fi
# The build leaves the C# compiler server running, which would keep measure.sh's mounts busy.
dotnet build-server shutdown >/dev/null 2>&1 || true
