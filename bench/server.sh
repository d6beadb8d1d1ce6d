#!/usr/bin/env bash
# Load bench of `cos-ci serve` (release build) on loopback with wrk (Debian package):
#   1. PUT tests/fixtures/corpus/photo.jpg (640x400) with one thumbnail rule in
#      Pic-Operations (goal >= 150 req/s on 2 cores);
#   2. GET of a 4 KB object (goal >= 15 000 req/s).
# Every request carries a q-sign Authorization (`cos-ci sign`, key time 1 h): the same
# header is valid for the repeated identical requests. Each run is bounded (BENCH_SECS,
# default 10 s; BENCH_CONNS connections, default 16 for PUT and 64 for GET; BENCH_THREADS
# wrk threads, default 2). Prints wrk's req/s and latency distribution (p99) and the
# server's peak RSS during each run (VmHWM, reset between runs via clear_refs).
# BENCH_ONLY=put or get runs one of the two; BENCH_PERF=FILE records a perf profile of the
# server during the GET run; BENCH_COS_CI=PATH runs that cos-ci binary instead of building.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$root"

SECS=${BENCH_SECS:-10}
THREADS=${BENCH_THREADS:-2}
PUT_CONNS=${BENCH_PUT_CONNS:-16}
GET_CONNS=${BENCH_GET_CONNS:-64}

command -v wrk >/dev/null 2>&1 || bash scripts/install-deps.sh wrk curl
command -v curl >/dev/null 2>&1 || bash scripts/install-deps.sh curl

bench_cos_ci
bench_workdir cos-ci-bench
# Keep the data on the same disk the server would use by default (not tmpfs) when asked.
RUST_LOG=${RUST_LOG:-info} bench_serve "${BENCH_DATA:-$work/data}" "$work/server.log"
pid=$server_pid

sign() { # method key [header...]
  local method=$1 key=$2; shift 2
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  "$COS_CI" sign --method "$method" --key "$key" --secret-id "$AK" --secret-key "$SK" \
    -H "host:$host" "${args[@]}" | sed 's/^Authorization: //'
}

peak_reset() { echo 5 > "/proc/$pid/clear_refs"; }
peak_rss() { sed -n 's/^VmHWM:\s*//p' "/proc/$pid/status"; }
# Server CPU time (user + system) in clock ticks: CPU per request does not depend on how
# busy the rest of the machine is, unlike req/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
TICK=$(getconf CLK_TCK)

echo "cos-ci serve (release) at $addr; $(nproc) CPUs; load average before: $(load)"

# The 4 KB object.
head -c 4096 /dev/urandom > "$work/4k.bin"
auth=$(sign PUT 4k.bin)
curl -sf -o /dev/null -X PUT --data-binary "@$work/4k.bin" -H "Host: $host" \
  -H "Authorization: $auth" "http://$addr/4k.bin"

ops='{"rules":[{"fileid":"thumb.jpg","rule":"imageMogr2/thumbnail/200x"}]}'
cat > "$work/put.lua" <<EOF
local f = assert(io.open("$root/tests/fixtures/corpus/photo.jpg", "rb"))
wrk.method = "PUT"
wrk.body = f:read("*a")
f:close()
wrk.headers["Host"] = "$host"
wrk.headers["Content-Type"] = "image/jpeg"
wrk.headers["Pic-Operations"] = '$ops'
wrk.headers["Authorization"] = "$(sign PUT photo.jpg "pic-operations:$ops")"
EOF
cat > "$work/get.lua" <<EOF
wrk.method = "GET"
wrk.headers["Host"] = "$host"
wrk.headers["Authorization"] = "$(sign GET 4k.bin)"
EOF

# One checked request each before loading: a wrong script must not be benchmarked.
code=$(curl -s -o "$work/check.xml" -w '%{http_code}' -X PUT --data-binary "@tests/fixtures/corpus/photo.jpg" \
  -H "Host: $host" -H "Content-Type: image/jpeg" -H "Pic-Operations: $ops" \
  -H "Authorization: $(sign PUT photo.jpg "pic-operations:$ops")" "http://$addr/photo.jpg")
[ "$code" = 200 ] && grep -q '<Width>200</Width>' "$work/check.xml" || {
  echo "PUT check failed ($code):" >&2; cat "$work/check.xml" >&2; exit 1; }

run() { # name conns script
  local name=$1 conns=$2 script=$3
  peak_reset
  local t0
  t0=$(cpu_ticks)
  echo
  echo "== $name: wrk -t$THREADS -c$conns -d${SECS}s --latency (load before: $(load))"
  wrk -t"$THREADS" -c"$conns" -d"${SECS}s" --latency -s "$script" "http://$addr/${4}" | tee "$work/$name.txt"
  if grep -q "Non-2xx" "$work/$name.txt"; then
    echo "$name: some answers were not 2xx" >&2
    tail -5 "$work/server.log" >&2
    exit 1
  fi
  local n ticks
  n=$(sed -n 's/^\s*\([0-9]*\) requests in.*/\1/p' "$work/$name.txt")
  ticks=$(( $(cpu_ticks) - t0 ))
  echo "$name: server peak RSS (VmHWM) during the run: $(peak_rss); load after: $(load)"
  echo "$name: server CPU $(( ticks * 1000 / TICK )) ms for $n requests =" \
    "$(( ticks * 1000000 / TICK / (n > 0 ? n : 1) )) us per request"
}

case ${BENCH_ONLY:-put,get} in *put*) run put-thumbnail "$PUT_CONNS" "$work/put.lua" photo.jpg ;; esac
case ${BENCH_ONLY:-put,get} in *get*)
  # BENCH_PERF=FILE: record the server's profile (perf, call graphs) during the GET run.
  if [ -n "${BENCH_PERF:-}" ]; then
    perf record -q -g -o "$BENCH_PERF" -p "$pid" 2>/dev/null &
    perf_pid=$!
  fi
  run get-4k "$GET_CONNS" "$work/get.lua" 4k.bin
  if [ -n "${BENCH_PERF:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi ;;
esac
