# Sourced by the scripts that start `cos-ci serve --port 0` (tests and benches).
#
# wait_for_cos_ci_serve LOG PID: prints the host:port the server announced in LOG, or
# prints LOG and fails when the server exits or has not started within 20 s.
wait_for_cos_ci_serve() {
  local log=$1 pid=$2 addr=""
  for _ in $(seq 1 200); do
    addr=$(sed -n 's|.*serving COS + CI on http://||p' "$log" 2>/dev/null | head -1) || addr=""
    if [ -n "$addr" ]; then
      echo "$addr"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log" >&2 2>/dev/null || true
  echo "cos-ci serve did not start" >&2
  return 1
}
