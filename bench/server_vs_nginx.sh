#!/usr/bin/env bash
# GET of a 4 KB object: `cos-ci serve` (release, signature checked, access log on, as
# deployed) against nginx (Debian, access log off) serving the same bytes from disk, both on
# loopback on this machine's cores, loaded by the same wrk command (2 threads, 64
# connections) in alternation: ours, nginx, ours, nginx ... so both see the same load.
#
# Prints per run: req/s, p99, the server's CPU per request (user + system of every process
# of that server, from /proc) and the load average; then each round's ratio and the
# median of the ratios.
# Knobs: BENCH_ROUNDS (3), BENCH_SECS (10), BENCH_CONNS (64), BENCH_THREADS (2),
# BENCH_COS_CI=PATH (a prebuilt binary instead of building), BENCH_COS_CI_OLD=PATH (a second
# cos-ci, e.g. the build before a change, served and loaded in each round too, before ours:
# old and new compared under the same load), BENCH_PERF=FILE (perf profile of our server
# during its runs).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$root"

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-10}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2}

for tool in wrk:wrk nginx:nginx curl:curl; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin" command -v "${tool%%:*}" >/dev/null 2>&1 ||
    bash scripts/install-deps.sh "${tool#*:}"
done
NGINX=$(PATH="$PATH:/usr/sbin" command -v nginx)

bench_cos_ci
bench_workdir cos-ci-vs-nginx
chmod 755 "$work"

# Ours: the data on disk (not tmpfs), the default `info` log into a file.
RUST_LOG=${RUST_LOG:-info} bench_serve "$work/data" "$work/server.log"
ours=$server_pid
ours_addr=$addr
if [ -n "${BENCH_COS_CI_OLD:-}" ]; then
  new_cos_ci=$COS_CI
  COS_CI=$BENCH_COS_CI_OLD RUST_LOG=${RUST_LOG:-info} bench_serve "$work/data-old" "$work/server-old.log"
  COS_CI=$new_cos_ci
  old=$server_pid
  old_addr=$addr
fi

# nginx: Debian's defaults for static files (sendfile, tcp_nopush, one worker per core),
# access log off, keep-alive not capped (wrk's connections are never closed on either).
mkdir -p "$work/nginx/html" "$work/nginx/tmp"
head -c 4096 /dev/urandom > "$work/nginx/html/4k.bin"
chmod -R a+rX "$work/nginx"
# A loopback port nothing listens on.
port=""
for p in $(shuf -i 20000-60000 -n 100); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "no free loopback port found for nginx" >&2; exit 1; }
cat > "$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$port;
    root $work/nginx/html;
  }
}
EOF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
nginx_master=$!
bench_pids+=("$nginx_master")
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/4k.bin" && break
  kill -0 "$nginx_master" 2>/dev/null || { cat "$work/nginx/error.log" >&2; exit 1; }
  sleep 0.1
done

# The same 4 KB stored in ours, with a q-sign Authorization valid for an hour.
sign() { # method key
  "$COS_CI" sign --method "$1" --key "$2" --secret-id "$AK" --secret-key "$SK" \
    -H "host:$host" | sed 's/^Authorization: //'
}
curl -sf -o /dev/null -X PUT --data-binary "@$work/nginx/html/4k.bin" -H "Host: $host" \
  -H "Authorization: $(sign PUT 4k.bin)" "http://$ours_addr/4k.bin"
[ -z "${old:-}" ] || curl -sf -o /dev/null -X PUT --data-binary "@$work/nginx/html/4k.bin" \
  -H "Host: $host" -H "Authorization: $(sign PUT 4k.bin)" "http://$old_addr/4k.bin"
get_auth=$(sign GET 4k.bin)
cat > "$work/get.lua" <<EOF
wrk.method = "GET"
wrk.headers["Host"] = "$host"
wrk.headers["Authorization"] = "$get_auth"
EOF
# Both must answer the same bytes before being loaded.
curl -sf -o "$work/ours.bin" -H "Host: $host" -H "Authorization: $get_auth" "http://$ours_addr/4k.bin"
curl -sf -o "$work/nginx.bin" "http://127.0.0.1:$port/4k.bin"
cmp -s "$work/ours.bin" "$work/nginx/html/4k.bin" && cmp -s "$work/nginx.bin" "$work/nginx/html/4k.bin" || {
  echo "the two servers do not answer the 4 KB object's bytes" >&2; exit 1; }

TICK=$(getconf CLK_TCK)
# CPU ticks (user + system) of a process and all its children (nginx's workers).
tree_ticks() {
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    [ -r "/proc/$p/stat" ] || continue
    total=$(( total + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}') ))
  done
  echo "$total"
}

results=()
cpus=()
run() { # name pid url
  local name=$1 pid=$2 url=$3 t0 l0 out n rps p99 ticks cpu
  t0=$(tree_ticks "$pid")
  l0=$(load)
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$work/get.lua" "$url")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "$name: errors during the run:" >&2
    echo "$out" >&2
    exit 1
  fi
  ticks=$(( $(tree_ticks "$pid") - t0 ))
  n=$(sed -n 's/^\s*\([0-9]*\) requests in.*/\1/p' <<<"$out")
  rps=$(sed -n 's/^Requests\/sec:\s*\([0-9.]*\).*/\1/p' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  cpu=$(awk -v t="$ticks" -v n="$n" -v hz="$TICK" 'BEGIN{printf "%.2f", t*1e6/hz/(n>0?n:1)}')
  printf '%-6s %10s req/s  p99 %8s  server CPU %5.1f us/req  load %s -> %s\n' \
    "$name" "$rps" "$p99" "$cpu" "$l0" "$(load)"
  results+=("$rps")
  cpus+=("$name $cpu")
}

if [ -n "${BENCH_PERF:-}" ]; then
  perf record -q -g -o "$BENCH_PERF" -p "$ours" 2>/dev/null &
  perf_pid=$!
fi
echo "GET 4 KB, wrk -t$THREADS -c$CONNS -d${SECS}s, $(nproc) CPUs, $ROUNDS rounds; load before: $(load)"
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  results=()
  [ -z "${old:-}" ] || run "old" "$old" "http://$old_addr/4k.bin"
  run "ours" "$ours" "http://$ours_addr/4k.bin"
  run "nginx" "$nginx_master" "http://127.0.0.1:$port/4k.bin"
  n=${#results[@]}
  ratio=$(awk -v a="${results[n-2]}" -v b="${results[n-1]}" 'BEGIN{printf "%.3f", a/b}')
  ratios+=("$ratio")
  if [ -n "${old:-}" ]; then
    echo "round $r: ours/nginx = $ratio, old/nginx = $(awk -v a="${results[0]}" -v b="${results[2]}" 'BEGIN{printf "%.3f", a/b}')"
  else
    echo "round $r: ours/nginx = $ratio"
  fi
done
if [ -n "${BENCH_PERF:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
for name in ${old:+old} ours nginx; do
  printf '%s\n' "${cpus[@]}" | awk -v n="$name" '$1 == n {print $2}' | sort -n |
    awk -v n="$name" '{a[NR]=$1} END{printf "median server CPU %-5s %5.2f us/req\n", n, a[int((NR+1)/2)]}'
done
echo "ratios: ${ratios[*]}; median $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')"
