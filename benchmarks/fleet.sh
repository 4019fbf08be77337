#!/usr/bin/env bash
# fleet.sh: what a fleet saves (issue 13): H hosts fetching one set of artifacts from a loopback
# nginx, with and without the cluster and tier, against one host alone.
#
#   benchmarks/fleet.sh [--runs N] [--hosts H] [--files N] [--file-mib M] [--big-mib B]
#                       [--tier s3|dir] [--keep]
#
# What it does, all on this machine and on 127.0.0.1 only:
#   1. makes its own data in a temporary directory: FILES artifacts of FILE_MIB MiB and one of
#      BIG_MIB MiB (default 200 x 1 MiB + 256 MiB), with their SHA-256s, in one manifest;
#   2. starts its own nginx (sendfile on, an access log of the body bytes it sends), its own
#      redis-server (no persistence) and, for --tier s3 (the default), its own s3proxy (filesystem
#      backend, from the local Maven repository), all bound to 127.0.0.1;
#   3. runs three scenarios alternately (A B C, B C A, ...), RUNS times each, each host into a cache
#      directory that did not exist before and each fleet run into a new, empty tier:
#        one    one host: cachet fetch-all MANIFEST
#        alone  HOSTS hosts at once, each on its own: cachet fetch-all MANIFEST (no fleet)
#        fleet  HOSTS hosts at once, sharing downloads: cachet fetch-all MANIFEST --cluster
#               redis://... --tier s3://BUCKET/PREFIX --tier-endpoint http://... (or file:///DIR)
#      Every host is a separate `cachet` process (JVM start-up included); a run's wall time ends
#      when its last host exits, and every host must exit 0 (every artifact verified).
#   4. prints a Markdown table: median, min and max wall seconds, and the bytes nginx sent per run
#      (median, and as a multiple of the set);
#   5. stops everything and deletes what it made, also on Ctrl-C.
#
# Needs: java 17, the cachet jar (built with Maven if missing), nginx, redis-server, curl, openssl.
# Missing Debian packages are installed with apt-get when running as root.
# Environment: FLEET_WORK picks the parent of the temporary directory (default /var/tmp).
set -euo pipefail

runs=5
hosts=4
files=200
file_mib=1
big_mib=256
tier_kind=s3
keep=false
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --hosts) hosts=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --file-mib) file_mib=$2; shift 2 ;;
    --big-mib) big_mib=$2; shift 2 ;;
    --tier) tier_kind=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fleet.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $tier_kind in s3|dir) ;; *) echo "fleet.sh: --tier is s3 or dir" >&2; exit 2 ;; esac
if [ "$runs" -lt 5 ]; then
  echo "fleet.sh: warning: $runs runs; medians want at least 5" >&2
fi

root=$(cd "$(dirname "$0")/.." && pwd -P)
cachet=$root/cachet
log() { printf '%s fleet: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- tools ---------------------------------------------------------------------------------------
# shellcheck source=lib.sh
. "$root/benchmarks/lib.sh"
need_tools fleet.sh nginx=nginx redis-server=redis-server curl=curl openssl=openssl
s3proxy_jar=$HOME/.m2/repository/org/gaul/s3proxy/2.6.0/s3proxy-2.6.0-jar-with-dependencies.jar
if [ "$tier_kind" = s3 ] && [ ! -f "$s3proxy_jar" ]; then
  log "fetching s3proxy 2.6.0 into the local Maven repository"
  mvn -B -q dependency:get -Dartifact=org.gaul:s3proxy:2.6.0:jar:jar-with-dependencies >&2
fi
"$cachet" --version >/dev/null # Builds the jar and records its class-data archive if needed (untimed).

# ---- work directory, clean-up ----------------------------------------------------------------------
work=$(mktemp -d "${FLEET_WORK:-/var/tmp}/cachet-fleet.XXXXXX")
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_nginx
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$keep" = true ]; then log "kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
chmod 755 "$work"
data=$work/data
mkdir -p "$data/set" "$work/out" "$work/results" "$work/nginx" "$work/s3" "$work/tiers"

# ---- data ------------------------------------------------------------------------------------------
log "making data: $files x $file_mib MiB and 1 x $big_mib MiB in $data"
random_bytes set $((files * file_mib * 1048576)) | (cd "$data/set" && split -b $((file_mib * 1048576)) -d -a 5 - f)
random_bytes big $((big_mib * 1048576)) >"$data/set/big.bin"
(cd "$data/set" && openssl dgst -sha256 -r f* big.bin | sed 's/ \*/ /') >"$work/set.sha256"
chmod -R a+rX "$data"
set_bytes=$(du -sb "$data/set" | cut -f1)

# ---- nginx -----------------------------------------------------------------------------------------
port=$(free_port)
start_nginx "$data" "$port" "log_format sent '\$body_bytes_sent'; access_log $work/nginx/access.log sent;"
base=http://127.0.0.1:$port
curl -fsS -o /dev/null "$base/set/big.bin" || { echo "fleet.sh: nginx does not serve $base/set/big.bin" >&2; exit 1; }
awk -v base="$base" '{ print base "/set/" $2 " " $1 }' "$work/set.sha256" >"$work/manifest"
log "nginx $nginx_pid serves $((files + 1)) artifacts ($set_bytes bytes) on $base"

# ---- redis-server ----------------------------------------------------------------------------------
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
  --dir "$work" --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.05; done
cluster=redis://127.0.0.1:$redis_port
log "redis-server on $cluster"

# ---- s3proxy ---------------------------------------------------------------------------------------
s3_port=
if [ "$tier_kind" = s3 ]; then
  s3_port=$(free_port)
  cat >"$work/s3proxy.properties" <<EOF
s3proxy.endpoint=http://127.0.0.1:$s3_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=fleet-bench
s3proxy.credential=fleet-bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3
EOF
  java -Xmx512m -XX:+UseSerialGC -jar "$s3proxy_jar" --properties "$work/s3proxy.properties" >"$work/s3proxy.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null && break; sleep 0.1; done
  log "s3proxy on http://127.0.0.1:$s3_port"
fi
export AWS_ACCESS_KEY_ID=fleet-bench AWS_SECRET_ACCESS_KEY=fleet-bench-secret

# ---- harness ---------------------------------------------------------------------------------------
run_index=0

# hosts_run SCENARIO COUNT [FLEET ARGS...]: COUNT hosts at once; appends wall seconds and origin bytes.
hosts_run() {
  local scenario=$1 count=$2; shift 2
  run_index=$((run_index + 1))
  local out=$work/out/$scenario-$run_index
  mkdir "$out"
  : >"$work/nginx/access.log"
  local start end h failed=0
  local host_pids=()
  start=$(date +%s.%N)
  for h in $(seq 1 "$count"); do
    "$cachet" fetch-all "$work/manifest" --cache-dir "$out/host-$h" --quiet "$@" >/dev/null 2>"$out/host-$h.err" &
    host_pids+=($!)
  done
  for p in "${host_pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
  end=$(date +%s.%N)
  if [ "$failed" -gt 0 ]; then
    echo "fleet.sh: $failed host(s) of $scenario run $run_index failed:" >&2
    cat "$out"/host-*.err >&2
    exit 1
  fi
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }' >>"$work/results/$scenario-time"
  awk '{ s += $1 } END { printf "%d\n", s }' "$work/nginx/access.log" >>"$work/results/$scenario-bytes"
  grep -h "WARN" "$out"/host-*.err >>"$work/results/warnings" 2>/dev/null || true
  rm -rf "$out" # Untimed; each run writes into new directories anyway.
}

run_scenario() {
  case $1 in
    one) hosts_run one 1 ;;
    alone) hosts_run alone "$hosts" ;;
    fleet)
      local name=tier-$((run_index + 1))
      if [ "$tier_kind" = s3 ]; then
        mkdir "$work/s3/$name" # A new, empty bucket (the filesystem backend's containers are directories).
        hosts_run fleet "$hosts" --cluster "$cluster" --tier "s3://$name/fleet" \
          --tier-endpoint "http://127.0.0.1:$s3_port"
        rm -rf "${work:?}/s3/$name"
      else
        hosts_run fleet "$hosts" --cluster "$cluster" --tier "file://$work/tiers/$name"
        rm -rf "${work:?}/tiers/$name"
      fi
      ;;
  esac
}

# ---- run -------------------------------------------------------------------------------------------
header="# fleet.sh $(date -u +%Y-%m-%dT%H:%MZ): $hosts hosts, $files x $file_mib MiB + $big_mib MiB, tier $tier_kind; $runs runs each, alternated; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
scenarios=(one alone fleet)
for r in $(seq 0 $((runs - 1))); do
  for i in 0 1 2; do
    s=${scenarios[$(((r + i) % 3))]}
    log "round $((r + 1))/$runs: $s"
    run_scenario "$s"
  done
done

echo "$header"
echo "# $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(java -version 2>&1 | head -1); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| scenario | hosts | median s | min s | max s | origin bytes per run (median) | × the set |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for s in one alone fleet; do
  read -r md mn mx <<<"$(stats "$work/results/$s-time")"
  read -r bytes _ _ <<<"$(stats "$work/results/$s-bytes")"
  n=$hosts
  [ "$s" = one ] && n=1
  awk -v s="$s" -v n="$n" -v md="$md" -v mn="$mn" -v mx="$mx" -v b="$bytes" -v set="$set_bytes" \
    'BEGIN { printf "| %s | %d | %.2f | %.2f | %.2f | %.0f | %.2f |\n", s, n, md, mn, mx, b, b / set }'
done
echo
echo "every run's wall seconds:"
for s in one alone fleet; do echo "  $s: $(tr '\n' ' ' <"$work/results/$s-time")"; done
echo "every run's origin bytes:"
for s in one alone fleet; do echo "  $s: $(tr '\n' ' ' <"$work/results/$s-bytes")"; done
echo "warnings printed by the hosts: $(wc -l <"$work/results/warnings" 2>/dev/null || echo 0)"
if [ -s "$work/results/warnings" ]; then sort "$work/results/warnings" | uniq -c | sort -rn | head -5 | cut -c1-300; fi
