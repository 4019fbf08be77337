#!/usr/bin/env bash
# warm-start.sh: which way of starting the JVM makes `cachet fetch` and `cachet fetch-all` fastest
# (issue 16, "a process that starts warm"), whole process, start to exit.
#
#   benchmarks/warm-start.sh [--runs N] [--files N] [--other-jar PATH]
#
# Serves FILES (default 2000) files of 64 KiB from its own nginx on 127.0.0.1 and runs, alternated
# round by round, each variant below for one pinned 64 KiB `fetch` and for `fetch-all --concurrency
# 64` of all files, each run into a cache directory that did not exist before. Prints the median,
# min and max wall time per variant (seconds), and the CPU seconds (user + system) of fetch-all.
#
#   j17-plain     java 17, serial GC, no archive, default JIT (a JVM started the plain way)
#   j17-cds       java 17, serial GC, the launcher's class-data archive and its C2 thresholds
#   j25-aot       Temurin 25, serial GC, the launcher's AOT cache (JEP 483/514/515) and C2 thresholds
#   j25-aot-1loop j25-aot with one reactor-netty event loop instead of one per core (fewer threads)
#   other-j17     --other-jar (e.g. main's build: every command built before parsing), as j17-plain
#
# The archives are the launcher's (cli/target/cachet.jsa and cachet.aot): run `./cachet --version`
# first. Needs nginx, curl, openssl, java 17 on the PATH and Temurin 25 in /usr/lib/jvm.
set -euo pipefail

runs=5
files=2000
other_jar=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --other-jar) other_jar=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "warm-start.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd -P)
# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"
jar=$root/cli/target/cachet.jar
jsa=$root/cli/target/cachet.jsa
aot=$root/cli/target/cachet.aot
java25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
for f in "$jar" "$jsa" "$aot" "$java25"; do
  [ -e "$f" ] || { echo "warm-start.sh: $f is missing (run ./cachet --version first)" >&2; exit 1; }
done
jit=$(sed -n 's/^jit="\(.*\)"$/\1/p' "$root/cachet")
gc=$(sed -n 's/^gc="\(.*\)"$/\1/p' "$root/cachet")

work=$(mktemp -d "${COMPARE_WORK:-/var/tmp}/cachet-warm.XXXXXX")
cleanup() {
  local status=$?
  if [ -s "$work/nginx/nginx.pid" ]; then kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
chmod 755 "$work"
mkdir -p "$work/results"
small_files_served "$files" warm
base="http://127.0.0.1:$port"
awk -v base="$base" '{ print base "/small/" $2 " " $1 }' "$work/data/small.sha256" >"$work/manifest"
one_sha=$(awk 'NR == 2 { print $1 }' "$work/data/small.sha256")
one_url="$base/small/$(awk 'NR == 2 { print $2 }' "$work/data/small.sha256")"

variants="j17-plain j17-cds j25-aot j25-aot-1loop"
[ -n "$other_jar" ] && variants="$variants other-j17"
jvm() {
  case $1 in
    j17-plain) echo "java $gc -jar $jar" ;;
    j17-cds) echo "java $gc $jit -XX:SharedArchiveFile=$jsa -Xshare:auto -Xlog:cds=off -jar $jar" ;;
    j25-aot) echo "$java25 $gc $jit --enable-native-access=ALL-UNNAMED -XX:AOTCache=$aot -Xlog:aot=off -Xlog:cds=off -jar $jar" ;;
    j25-aot-1loop) echo "$java25 $gc $jit --enable-native-access=ALL-UNNAMED -XX:AOTCache=$aot -Xlog:aot=off -Xlog:cds=off -Dreactor.netty.ioWorkerCount=1 -jar $jar" ;;
    other-j17) echo "java $gc -jar $other_jar" ;;
  esac
}
# timed NAME COMMAND...: appends wall seconds to results/NAME and CPU seconds to results/cpu-NAME.
timed() {
  local name=$1; shift
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc >>"$work/results/$name"
  awk '{ print $1 + $2 }' "$work/time" >>"$work/results/cpu-$name"
}
n=0
for r in $(seq 1 "$runs"); do
  for v in $variants; do
    n=$((n + 1))
    # shellcheck disable=SC2046 # jvm prints several words on purpose.
    timed "fetch-$v" $(jvm "$v") fetch "$one_url" --sha256 "$one_sha" --cache-dir "$work/c$n" --quiet
    rm -rf "$work/c$n"
  done
  for v in $variants; do
    n=$((n + 1))
    # shellcheck disable=SC2046
    timed "all-$v" $(jvm "$v") fetch-all "$work/manifest" --concurrency 64 --cache-dir "$work/c$n" --quiet
  done
done
stats() { sort -g "$1" | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, a[1], a[NR] }'; }
echo "warm-start.sh $(date -u +%Y-%m-%dT%H:%MZ): $runs alternated runs; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| variant | small fetch, s (median, min–max) | fetch-all $files × 64 KiB, s | fetch-all CPU-s |"
echo "|---|---:|---:|---:|"
for v in $variants; do
  read -r fm fa fb <<<"$(stats "$work/results/fetch-$v")"
  read -r am aa ab <<<"$(stats "$work/results/all-$v")"
  read -r cm _ _ <<<"$(stats "$work/results/cpu-all-$v")"
  echo "| $v | $fm ($fa–$fb) | $am ($aa–$ab) | $cm |"
done
echo
for v in $variants; do echo "- $v: \`$(jvm "$v")\`"; done
