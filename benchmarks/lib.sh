# lib.sh: what the benchmark scripts share (compare.sh, fleet.sh, syscalls.sh, warm-start.sh).
# Sourced, not run.
# Each function needs `log` and, for start_nginx, `$work`.

# need_tools SCRIPT COMMAND=PACKAGE...: installs the Debian packages of missing commands as root
# (apt-get), or says what to install and exits.
need_tools() {
  local script=$1; shift
  local spec missing=()
  for spec in "$@"; do
    local cmd=${spec%%=*} pkg=${spec#*=}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "$script: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
}

# random_bytes SEED COUNT: incompressible bytes, fast: AES-CTR of zeros (openssl), not /dev/urandom.
# (openssl is stopped by SIGPIPE when head has enough, which pipefail would report as a failure.)
random_bytes() { { openssl enc -aes-128-ctr -pass pass:"$1" -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } | head -c "$2"; }

# free_port: a port nothing listens on, on 127.0.0.1.
free_port() {
  local candidate
  for candidate in $(shuf -i 20000-59999 -n 50); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return; fi
  done
  echo "no free port found on 127.0.0.1" >&2
  exit 1
}

# start_nginx ROOT PORT [HTTP DIRECTIVES]: nginx serving ROOT on 127.0.0.1:PORT with sendfile, its
# files in $work/nginx; sets nginx_pid. The directives default to no access log.
start_nginx() {
  local root=$1 port=$2 extra=${3:-access_log off;}
  local nginx_bin
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon on;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  $extra
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $root;
  }
}
NGINX
  "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf"
  for _ in $(seq 50); do [ -s "$work/nginx/nginx.pid" ] && break; sleep 0.1; done
  nginx_pid=$(cat "$work/nginx/nginx.pid")
}

# stop_nginx: a graceful stop of the nginx that start_nginx started, waiting up to 5 s.
stop_nginx() {
  if [ -n "${nginx_pid:-}" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
  fi
}

# stats FILE: "median min max" of the numbers in FILE, one a line.
stats() {
  sort -g "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s", m, v[1], v[NR] }'
}

# small_files_served COUNT SEED: COUNT files of 64 KiB (f00000, f00001, ...) in $work/data/small with
# their SHA-256s in $work/data/small.sha256, served by start_nginx on a free port; sets port.
small_files_served() {
  mkdir -p "$work/data/small"
  random_bytes "$2" $(($1 * 65536)) | (cd "$work/data/small" && split -b 65536 -d -a 5 - f)
  (cd "$work/data/small" && sha256sum f* >"$work/data/small.sha256")
  chmod -R a+rX "$work/data"
  port=$(free_port)
  start_nginx "$work/data" "$port"
  curl -fsS -o /dev/null "http://127.0.0.1:$port/small/f00000"
}
