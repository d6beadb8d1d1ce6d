#!/usr/bin/env bash
# `cos-ci jobs submit` at scale against `cos-ci serve` (release build, loopback):
#   1. uploads BENCH_OBJECTS (default 1000) small PNGs (tests/fixtures/corpus/alpha.png)
#      under photos/;
#   2. submits one job per object and waits for them all: jobs/s (the summary line),
#      wall time, and peak RSS of the client (/usr/bin/time -v) and of the server (VmHWM);
#   3. the same prefix again with another output, interrupted by SIGINT once about half
#      the jobs are journaled, then run again: every object has exactly one job of that
#      run on the server (jobs listed by output prefix, sources counted), and the journal
#      records each source once.
# Knobs: BENCH_OBJECTS, BENCH_CONCURRENCY (8), BENCH_COS_CI=PATH (a prebuilt cos-ci).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$root"

N=${BENCH_OBJECTS:-1000}
CONC=${BENCH_CONCURRENCY:-8}
RULE='imageMogr2/thumbnail/16x/format/webp'

[ -x /usr/bin/time ] || bash scripts/install-deps.sh time

bench_cos_ci
bench_workdir cos-ci-jobs-bench
bench_serve "$work/data" "$work/server.log"
pid=$server_pid
port=${addr##*:}
export COS_SECRET_ID=$AK COS_SECRET_KEY=$SK COS_IP=127.0.0.1 COS_PORT=$port COS_SCHEME=http
peak_rss() { sed -n 's/^VmHWM:\s*//p' "/proc/$pid/status"; }

echo "cos-ci serve (release) at $addr; $(nproc) CPUs; load average $(load)"

start=$(date +%s.%N)
seq -f 'photos/%05g.png' 0 $((N - 1)) |
  xargs -P 4 -I{} "$COS_CI" put "$BUCKET" {} tests/fixtures/corpus/alpha.png > /dev/null
echo "uploaded $N objects in $(echo "$(date +%s.%N) - $start" | bc) s"

cd "$work"
echo
echo "== submit $N jobs and wait (concurrency $CONC)"
/usr/bin/time -v -o "$work/time1.txt" "$COS_CI" jobs submit --bucket "$BUCKET" \
  --prefix photos/ --rule "$RULE" --output 'thumbs/${InputName}.webp' \
  --concurrency "$CONC" --journal "$work/run1.jsonl" > "$work/run1.out" 2> "$work/run1.err" ||
  echo "cos-ci jobs submit: exit $?"
head -3 "$work/run1.out"
grep -E 'Elapsed \(wall|Maximum resident' "$work/time1.txt" | sed 's/^\s*/client: /'
echo "server peak RSS: $(peak_rss)"

echo
echo "== the same prefix, another output: SIGINT half-way, then resume"
"$COS_CI" jobs submit --bucket "$BUCKET" --prefix photos/ --rule "$RULE" \
  --output 'resume/${InputName}.webp' --concurrency "$CONC" --no-wait \
  --journal "$work/run2.jsonl" > "$work/run2a.out" 2> "$work/run2a.err" &
client=$!
# Two lines per job (intent, submitted) after the header line.
for _ in $(seq 1 3000); do
  lines=$({ wc -l < "$work/run2.jsonl"; } 2>/dev/null || echo 0)
  [ "$lines" -ge "$N" ] && break
  kill -0 "$client" 2>/dev/null || break
  sleep 0.01
done
kill -INT "$client" 2>/dev/null || true
rc=0
wait "$client" || rc=$?
before=$(grep -c '"event":"submitted"' "$work/run2.jsonl" || true)
echo "interrupted: exit $rc, $before jobs journaled as submitted"
"$COS_CI" jobs submit --bucket "$BUCKET" --prefix photos/ --rule "$RULE" \
  --output 'resume/${InputName}.webp' --concurrency "$CONC" \
  --journal "$work/run2.jsonl" > "$work/run2b.out" 2> "$work/run2b.err" ||
  echo "cos-ci jobs submit (resumed): exit $?"
head -1 "$work/run2b.out"
grep -E 'already submitted|settling' "$work/run2b.err" || true
"$COS_CI" jobs list --bucket "$BUCKET" --limit 0 > "$work/all.txt"
jobs=$(awk -F'\t' '$4 ~ /^resume\// {print $3}' "$work/all.txt" | wc -l)
sources=$(awk -F'\t' '$4 ~ /^resume\// {print $3}' "$work/all.txt" | sort -u | wc -l)
journaled=$(grep '"event":"submitted"' "$work/run2.jsonl" | sed 's/.*"key":"\([^"]*\)".*/\1/' | sort | uniq -c | awk '$1 > 1' | wc -l)
echo "resume run: $jobs jobs on the server for $sources distinct sources (want $N and $N); sources journaled twice: $journaled"
if [ "$jobs" -ne "$N" ] || [ "$sources" -ne "$N" ] || [ "$journaled" -ne 0 ]; then
  echo "FAIL: a source was submitted twice or not at all" >&2
  exit 1
fi
echo "server peak RSS: $(peak_rss)"
