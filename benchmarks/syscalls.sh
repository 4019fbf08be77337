#!/usr/bin/env bash
# syscalls.sh: system calls per artifact of `cachet fetch-all`, counted with `strace -c -f`.
#
#   benchmarks/syscalls.sh [--files N] [--base M] [--jar PATH] [--keep]
#
# Serves N and M (default 2000 and 200) small files of 64 KiB from its own nginx on 127.0.0.1,
# fetches each set with `cachet fetch-all --concurrency 64` into a fresh cache under
# `strace -c -f`, and prints, for every call that either run made, (count(N) - count(M)) / (N - M):
# the calls one more artifact costs, with the JVM's start-up and exit subtracted out. strace slows
# the process down a lot; the counts, not the times, are the point. Futexes, epoll and other
# thread hand-offs depend on timing and are printed for completeness only.
#
# --jar runs `java -XX:+UseSerialGC -jar PATH` instead of the launcher (to count another build).
# Needs strace, nginx, curl, openssl.
set -euo pipefail

files=2000
base_files=200
jar=
keep=false
while [ $# -gt 0 ]; do
  case $1 in
    --files) files=$2; shift 2 ;;
    --base) base_files=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "syscalls.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$files" -le "$base_files" ]; then
  echo "syscalls.sh: --files must be larger than --base" >&2
  exit 2
fi
for tool in strace nginx curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "syscalls.sh: $tool is missing" >&2; exit 1; }
done
root=$(cd "$(dirname "$0")/.." && pwd -P)
# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"
if [ -n "$jar" ]; then
  cachet=(java -XX:+UseSerialGC -jar "$jar")
else
  cachet=("$root/cachet")
  "$root/cachet" --version >/dev/null # Builds the jar and records the launcher's archive, untimed.
fi

work=$(mktemp -d "${COMPARE_WORK:-/var/tmp}/cachet-syscalls.XXXXXX")
cleanup() {
  local status=$?
  if [ -s "$work/nginx/nginx.pid" ]; then
    kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  fi
  if [ "$keep" = true ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
chmod 755 "$work"
small_files_served "$files" small

# count N OUTPUT: strace -c -f of a fetch-all of the first N files into a fresh cache.
count() {
  local n=$1 out=$2
  head -n "$n" "$work/data/small.sha256" \
    | awk -v base="http://127.0.0.1:$port" '{ print base "/small/" $2 " " $1 }' >"$work/manifest-$n"
  strace -c -f -o "$out" "${cachet[@]}" fetch-all "$work/manifest-$n" --concurrency 64 \
    --cache-dir "$work/cache-$n" --quiet >/dev/null
}
count "$base_files" "$work/base.txt"
count "$files" "$work/full.txt"

# strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall.
calls() { awk '$1 ~ /^[0-9.]+$/ && $NF ~ /^[a-z_0-9]+$/ { print $NF, $4 }' "$1"; }
echo "syscalls.sh $(date -u +%Y-%m-%dT%H:%MZ): ${cachet[*]} fetch-all --concurrency 64, $files vs $base_files files of 64 KiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| call | per artifact | calls ($files) | calls ($base_files) |"
echo "|---|---:|---:|---:|"
join -a1 -a2 -e 0 -o 0,1.2,2.2 <(calls "$work/full.txt" | sort) <(calls "$work/base.txt" | sort) \
  | awk -v n="$files" -v m="$base_files" '{ printf "%.2f %s %d %d\n", ($2 - $3) / (n - m), $1, $2, $3 }' \
  | sort -g -r | awk '{ printf "| %s | %s | %d | %d |\n", $2, $1, $3, $4 }'
