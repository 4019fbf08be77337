#!/usr/bin/env bash
# compare.sh: Cachet side by side with the tools people use instead, in one run (issue 6).
#
#   benchmarks/compare.sh [--runs N] [--big-mib M] [--files N] [--only big,capped,small,start,rss] [--cap RATE]
#                         [--keep]
#
# What it does, all on this machine and on 127.0.0.1 only:
#   1. makes its own data in a temporary directory: a BIG file (1 GiB), a 1 MiB file, and FILES
#      small files of 64 KiB, with their SHA-256s;
#   2. starts its own nginx (own config, sendfile on, bound to 127.0.0.1) serving them, on a second
#      port with a limit per connection (limit_rate CAP, default 20m: a throttling CDN);
#   3. runs each scenario's commands alternately (A B C D, B C D A, ...), RUNS times each, every run
#      into an output directory that did not exist before (docs/benchmarking.md, quirk 2: ext4 here does not reuse
#      recently freed inodes, so "rm -rf, run again" would measure that instead);
#   4. prints a Markdown table: median, min and max seconds, the rate at the median, and each peer's
#      time divided by Cachet's (above 1: Cachet is faster);
#   5. stops nginx and deletes everything it made, also on Ctrl-C.
#
# Scenarios (every time is the whole process, JVM start-up included):
#   big   one BIG file, verified against its SHA-256 and durably committed (file fsync, rename,
#         directory fsync): cachet fetch; curl -o + openssl dgst + sync + mv + sync dir; the naive
#         reactor-netty pipeline; JDK HttpClient ofFile then hash; cachet fetch --connections 1 (one
#         stream, as before parallel ranges). Before each run the previous big output is deleted
#         (untimed), so that each run writes into just-freed memory (quirk 1).
#   capped the same BIG file from the port capped per connection: cachet fetch --connections 8;
#         aria2c -x 8 -s 8 with --checksum=sha-256 (it hashes after the download); the curl pipeline
#         of `big` on one connection.
#   small FILES × 64 KiB: cachet fetch-all --concurrency 64 (verified, durably committed);
#         curl --parallel --parallel-max 64 then sha256sum -c, once not synced and once followed
#         by `sync -f` (syncfs: every file and directory of the output's file system made durable
#         in one call, the cheapest way a shell makes many files durable); aria2c -j 64 with a
#         sha-256 checksum per file (not synced). Outputs are kept until the end (quirk 2).
#   start one 64 KiB file, start to exit: cachet fetch (verified, durable); curl -o then
#         sha256sum -c (not synced), for scale.
#   rss   peak RSS (/usr/bin/time -v) of cachet fetch of the BIG file, of the BIG file from the capped
#         port with --connections 8 (8 connections open), and of the 1 MiB file.
#
# Needs: java 17, the jars (built with Maven if missing or older than the sources), nginx, curl,
# aria2c, hyperfine (the timer), /usr/bin/time, openssl, sha256sum. Missing Debian packages are
# installed with apt-get when running as root; otherwise it says what to install.
# Environment: CACHET_JAVA_OPTS is passed to cachet's JVM (e.g. a JFR recording for profiling;
# do not time runs that record). COMPARE_WORK picks the parent of the temporary directory
# (default /var/tmp: on the disk, not a tmpfs).
set -euo pipefail

runs=5
big_mib=1024
files=2000
only=big,capped,small,start,rss
cap=20m
keep=false
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --big-mib) big_mib=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --cap) cap=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $runs in ''|*[!0-9]*) echo "compare.sh: --runs needs a number" >&2; exit 2 ;; esac
if [ "$runs" -lt 5 ]; then
  echo "compare.sh: warning: $runs runs; docs/benchmarking.md asks for medians over at least 5" >&2
fi

root=$(cd "$(dirname "$0")/.." && pwd -P)
cachet_jar=$root/cli/target/cachet.jar
bench_jar=$root/benchmarks/target/benchmarks.jar

log() { printf '%s compare: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools ---------------------------------------------------------------------------------------
# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"
need_tools compare.sh nginx=nginx curl=curl aria2c=aria2 hyperfine=hyperfine /usr/bin/time=time openssl=openssl

# Built when missing, and rebuilt when a source or POM is newer than either jar: a run that measured
# yesterday's jar would say nothing about today's code.
if [ ! -f "$cachet_jar" ] || [ ! -f "$bench_jar" ] \
    || [ -n "$(cd "$root" && find . -path ./benchmarks/target -prune -o -path '*/src/main/*' -newer "$cachet_jar" -print -quit)" ] \
    || [ -n "$(cd "$root" && find . -name pom.xml -newer "$cachet_jar" -print -quit)" ] \
    || [ -n "$(cd "$root" && find benchmarks/src -newer "$bench_jar" -print -quit)" ]; then
  log "building the cachet and benchmarks jars"
  (cd "$root" && mvn -B -q -DskipTests -pl cli,benchmarks -am package) >&2
fi

# ---- work directory, clean-up ----------------------------------------------------------------------
work=$(mktemp -d "${COMPARE_WORK:-/var/tmp}/cachet-compare.XXXXXX")
nginx_pid=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_nginx
  if [ "$keep" = true ]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

chmod 755 "$work" # nginx's workers run as an unprivileged user and must read the data.
data=$work/data
mkdir -p "$data/small" "$work/out" "$work/results" "$work/nginx"

# ---- data ------------------------------------------------------------------------------------------
log "making data: ${big_mib} MiB, 1 MiB and ${files} x 64 KiB files in $data"
random_bytes big $((big_mib * 1048576)) >"$data/big.bin"
random_bytes mid 1048576 >"$data/mid.bin"
random_bytes small $((files * 65536)) | (cd "$data/small" && split -b 65536 -d -a 5 - f)
big_sha=$(openssl dgst -sha256 -r "$data/big.bin" | cut -d' ' -f1)
mid_sha=$(openssl dgst -sha256 -r "$data/mid.bin" | cut -d' ' -f1)
(cd "$data/small" && sha256sum f* >"$data/small.sha256")
chmod -R a+rX "$data"

# ---- nginx -----------------------------------------------------------------------------------------
# A second server on its own port caps each connection (limit_rate), as a throttling CDN does.
# A port that looks free may be taken by the time nginx binds it (by an outgoing connection, or
# another job): try a few pairs.
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  capped_port=$(free_port)
  [ "$capped_port" != "$port" ] || continue
  if start_nginx "$data" "$port" "access_log off; server { listen 127.0.0.1:$capped_port; root $data; limit_rate $cap; }" \
    2>"$work/nginx/start.err"; then
    break
  fi
  log "nginx could not start on $port and $capped_port: $(tail -n 1 "$work/nginx/start.err")"
  [ "$attempt" -lt 5 ] || { cat "$work/nginx/start.err" >&2; exit 1; }
done
base=http://127.0.0.1:$port
capped=http://127.0.0.1:$capped_port
curl -fsS -o /dev/null "$base/mid.bin" || { echo "compare.sh: nginx does not serve $base/mid.bin" >&2; exit 1; }
log "nginx $nginx_pid serves $data on $base"

# Manifests for the small files, one per tool.
awk -v base="$base" '{ print base "/small/" $2 " " $1 }' "$data/small.sha256" >"$work/cachet.manifest"
awk -v base="$base" '{ print "url = \"" base "/small/" $2 "\"\noutput = \"" $2 "\"" }' "$data/small.sha256" >"$work/curl.config"
awk -v base="$base" '{ print base "/small/" $2 "\n  out=" $2 "\n  checksum=sha-256=" $1 }' "$data/small.sha256" >"$work/aria2.input"

# ---- commands --------------------------------------------------------------------------------------
# Each command runs in a fresh directory $OUT (created by the harness, empty) and must exit 0 only
# when the output is verified.
# Cachet runs through its launcher, as people run it (it passes CACHET_JAVA_OPTS on, and starts
# the JVM from a class-data archive that its first run after a build records: made here, untimed).
java_cachet="$root/cachet"
"$java_cachet" --version >/dev/null
cmd_big_cachet="$java_cachet fetch $base/big.bin --sha256 $big_sha --cache-dir \$OUT/cache --quiet >/dev/null"
cmd_big_curl="curl -fsS -o \$OUT/f.part $base/big.bin && [ \"\$(openssl dgst -sha256 -r \$OUT/f.part | cut -d' ' -f1)\" = $big_sha ] && sync \$OUT/f.part && mv \$OUT/f.part \$OUT/f && sync \$OUT"
cmd_big_cachet1="$java_cachet fetch $base/big.bin --sha256 $big_sha --connections 1 --cache-dir \$OUT/cache --quiet >/dev/null"
cmd_capped_cachet="$java_cachet fetch $capped/big.bin --sha256 $big_sha --connections 8 --cache-dir \$OUT/cache --quiet >/dev/null"
cmd_capped_aria2="aria2c -x 8 -s 8 --checksum=sha-256=$big_sha -d \$OUT -o f --quiet=true --file-allocation=none --auto-file-renaming=false --allow-overwrite=false $capped/big.bin"
cmd_capped_curl="curl -fsS -o \$OUT/f.part $capped/big.bin && [ \"\$(openssl dgst -sha256 -r \$OUT/f.part | cut -d' ' -f1)\" = $big_sha ] && sync \$OUT/f.part && mv \$OUT/f.part \$OUT/f && sync \$OUT"
cmd_big_naive="java -cp $bench_jar io.cachet.benchmarks.NaivePipeline $base/big.bin $big_sha \$OUT/f >/dev/null"
cmd_big_jdk="java -cp $bench_jar io.cachet.benchmarks.JdkHttpFetch $base/big.bin $big_sha \$OUT/f >/dev/null"
cmd_small_cachet="$java_cachet fetch-all $work/cachet.manifest --concurrency 64 --cache-dir \$OUT/cache --quiet >/dev/null"
cmd_small_curl="cd \$OUT && curl -fsS --parallel --parallel-max 64 -K $work/curl.config && sha256sum -c --quiet --strict $data/small.sha256"
cmd_small_curlsync="$cmd_small_curl && sync -f ."
one_sha=$(awk 'NR == 1 { print $1 }' "$data/small.sha256")
one_name=$(awk 'NR == 1 { print $2 }' "$data/small.sha256")
cmd_start_cachet="$java_cachet fetch $base/small/$one_name --sha256 $one_sha --cache-dir \$OUT/cache --quiet >/dev/null"
cmd_start_curl="cd \$OUT && curl -fsS -o $one_name $base/small/$one_name && echo '$one_sha  $one_name' | sha256sum -c --quiet --strict"
cmd_small_aria2="aria2c -j 64 -i $work/aria2.input -d \$OUT --quiet=true --file-allocation=none --auto-file-renaming=false --allow-overwrite=false"

# ---- harness ---------------------------------------------------------------------------------------
# time_run NAME SCENARIO COMMAND: one timed run in a fresh directory; appends seconds to a file.
run_index=0
time_run() {
  local name=$1 scenario=$2 command=$3
  run_index=$((run_index + 1))
  local out=$work/out/$scenario-$name-$run_index
  if [ "$scenario" = big ] || [ "$scenario" = capped ]; then
    rm -rf "$work"/out/big-* "$work"/out/capped-* # The previous big output, freed just before this run (quirk 1).
  fi
  mkdir "$out"
  local csv=$work/results/last.csv
  hyperfine --runs 1 --shell=bash --style none --export-csv "$csv" \
    "export OUT=$out; $command" >/dev/null
  # CSV: command,mean,stddev,median,user,system,min,max. User + system is the CPU time of the
  # whole process tree (not nginx's): on this shared 2-core machine it is steadier than wall time,
  # and it bounds the throughput that the two cores could give.
  tail -n 1 "$csv" | awk -F, '{ print $2 }' >>"$work/results/$scenario-$name"
  tail -n 1 "$csv" | awk -F, '{ print $5 + $6 }' >>"$work/results/cpu-$scenario-$name"
}

# rss_run NAME URL SHA [ARGS...]: peak RSS in KiB of one cachet fetch.
rss_run() {
  local name=$1 url=$2 sha=$3
  shift 3
  run_index=$((run_index + 1))
  local out=$work/out/rss-$name-$run_index
  rm -rf "$work"/out/rss-*
  mkdir "$out"
  /usr/bin/time -v -o "$work/results/time.txt" $java_cachet fetch "$url" --sha256 "$sha" --cache-dir "$out/cache" --quiet "$@" >/dev/null
  awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/results/time.txt" >>"$work/results/rss-$name"
}

# alternate SCENARIO NAME...: RUNS rounds; round r starts with the r-th command (rotation).
alternate() {
  local scenario=$1; shift
  local names=("$@") n=$# r i
  for r in $(seq 0 $((runs - 1))); do
    for i in $(seq 0 $((n - 1))); do
      local name=${names[$(((r + i) % n))]}
      local var=cmd_${scenario}_$name
      log "$scenario round $((r + 1))/$runs: $name"
      time_run "$name" "$scenario" "${!var}"
    done
  done
}

table_rows() { # SCENARIO UNIT AMOUNT NAME...: | name | median | min | max | rate | ratio | cpu | cpu ratio |
  local scenario=$1 unit=$2 amount=$3; shift 3
  local ref cpu_ref median min max cpu
  read -r ref _ _ <<<"$(stats "$work/results/$scenario-cachet")"
  read -r cpu_ref _ _ <<<"$(stats "$work/results/cpu-$scenario-cachet")"
  for name in "$@"; do
    read -r median min max <<<"$(stats "$work/results/$scenario-$name")"
    read -r cpu _ _ <<<"$(stats "$work/results/cpu-$scenario-$name")"
    awk -v n="$name" -v md="$median" -v mn="$min" -v mx="$max" -v ref="$ref" -v amt="$amount" -v unit="$unit" \
      -v cpu="$cpu" -v cref="$cpu_ref" \
      'BEGIN { printf "| %s | %.3f | %.3f | %.3f | %.0f %s | %.2f | %.2f | %.2f |\n", n, md, mn, mx, amt / md, unit, md / ref, cpu, cpu / cref }'
  done
}

# ---- run -------------------------------------------------------------------------------------------
{
  echo "# compare.sh $(date -u +%Y-%m-%dT%H:%MZ): $runs runs each, alternated; nice $(nice); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ { print $2 }') GiB, kernel $(uname -r), $(java -version 2>&1 | head -1)"
} >"$work/results/header"

case ",$only," in *,big,*)
  alternate big cachet curl naive jdk cachet1 ;;
esac
case ",$only," in *,capped,*)
  alternate capped cachet aria2 curl ;;
esac
case ",$only," in *,small,*)
  alternate small cachet curl curlsync aria2 ;;
esac
case ",$only," in *,start,*)
  alternate start cachet curl ;;
esac
case ",$only," in *,rss,*)
  for r in $(seq 1 "$runs"); do
    log "rss round $r/$runs"
    if [ $((r % 2)) -eq 1 ]; then
      rss_run big "$base/big.bin" "$big_sha"; rss_run big8 "$capped/big.bin" "$big_sha" --connections 8
      rss_run mid "$base/mid.bin" "$mid_sha"
    else
      rss_run mid "$base/mid.bin" "$mid_sha"; rss_run big8 "$capped/big.bin" "$big_sha" --connections 8
      rss_run big "$base/big.bin" "$big_sha"
    fi
  done ;;
esac

echo
cat "$work/results/header"
echo
echo "| command | median s | min s | max s | rate at median | time / cachet's | CPU s (user+sys) | CPU / cachet's |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
case ",$only," in *,big,*)
  echo "| **${big_mib} MiB, verified, durable** | | | | | | | |"
  table_rows big MB/s $((big_mib * 1048576 / 1000000)) cachet curl naive jdk cachet1 ;;
esac
case ",$only," in *,capped,*)
  echo "| **${big_mib} MiB, limit_rate $cap per connection, verified** | | | | | | | |"
  table_rows capped MB/s $((big_mib * 1048576 / 1000000)) cachet aria2 curl ;;
esac
case ",$only," in *,small,*)
  echo "| **$files x 64 KiB** | | | | | | | |"
  table_rows small files/s "$files" cachet curl curlsync aria2 ;;
esac
case ",$only," in *,start,*)
  echo "| **one 64 KiB file, start to exit** | | | | | | | |"
  table_rows start files/s 1 cachet curl ;;
esac
case ",$only," in *,rss,*)
  read -r big_rss big_min big_max <<<"$(stats "$work/results/rss-big")"
  read -r mid_rss mid_min mid_max <<<"$(stats "$work/results/rss-mid")"
  read -r big8_rss big8_min big8_max <<<"$(stats "$work/results/rss-big8")"
  echo
  echo "| peak RSS of cachet fetch | median MiB | min MiB | max MiB |"
  echo "|---|---:|---:|---:|"
  awk -v a="$big_rss" -v b="$big_min" -v c="$big_max" -v m="$big_mib" 'BEGIN { printf "| %d MiB file | %.0f | %.0f | %.0f |\n", m, a / 1024, b / 1024, c / 1024 }'
  awk -v a="$big8_rss" -v b="$big8_min" -v c="$big8_max" -v m="$big_mib" 'BEGIN { printf "| %d MiB file, 8 connections (capped port) | %.0f | %.0f | %.0f |\n", m, a / 1024, b / 1024, c / 1024 }'
  awk -v a="$mid_rss" -v b="$mid_min" -v c="$mid_max" 'BEGIN { printf "| 1 MiB file | %.0f | %.0f | %.0f |\n", a / 1024, b / 1024, c / 1024 }'
  awk -v a="$big_rss" -v b="$mid_rss" 'BEGIN { printf "| ratio, one stream | %.2f | | |\n", a / b }'
  awk -v a="$big8_rss" -v b="$mid_rss" 'BEGIN { printf "| ratio, 8 connections | %.2f | | |\n", a / b }' ;;
esac
echo
echo "Commands (\$OUT is a fresh directory per run; $base is nginx on loopback):"
for var in cmd_big_cachet cmd_big_curl cmd_big_naive cmd_big_jdk cmd_big_cachet1 cmd_capped_cachet cmd_capped_aria2 \
  cmd_capped_curl cmd_small_cachet cmd_small_curl cmd_small_curlsync cmd_small_aria2 cmd_start_cachet cmd_start_curl; do
  printf -- '- %s: `%s`\n' "${var#cmd_}" "${!var}"
done
echo
echo "Raw values per run, in run order (seconds; cpu-*: CPU seconds; peak RSS in KiB):"
for f in "$work"/results/big-* "$work"/results/capped-* "$work"/results/small-* "$work"/results/start-* \
  "$work"/results/cpu-* "$work"/results/rss-*; do
  [ -f "$f" ] && printf -- '- %s: %s\n' "$(basename "$f")" "$(tr '\n' ' ' <"$f")"
done
