#!/usr/bin/env bash
# Times whole /solve requests through a running service, one at a time, as docs/benchmarks.md
# ("One torch thread for the embedded model") reports them: seconds from the POST to the end of its event stream.
#
#   docs/results/tools/service_solve_timing.sh PORT OUT_DIR [service settings ...]
#
# Starts a Release build of src/Sdpo.Service on PORT with a fresh data folder and the given settings (e.g.
# --Models:0:Threads=1, or --Models:0:Threads= for LibTorch's default), waits until its model has loaded, sends the
# three requests below, prints one line each, keeps each event stream in OUT_DIR, and stops the service.
set -euo pipefail
port=$1; out=$2; shift 2
mkdir -p "$out"
data=$(mktemp -d)
dotnet run -c Release --project src/Sdpo.Service -- --urls "http://localhost:$port" --Service:DataFolder "$data" "$@" > "$out/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 300); do curl -s "localhost:$port/models" | grep -q '"loaded"' && break; sleep 1; done
requests=(
  'best-of-k|{"problem": {"kind": "arithmetic", "numbers": [2,12,6,11], "target": 21}, "method": "best-of-k", "budget": {"maxAttempts": 512, "attemptsPerStep": 8}, "seed": 1}'
  'sdpo|{"problem": {"kind": "arithmetic", "numbers": [1,1,1], "target": 997}, "method": "sdpo", "budget": {"maxAttempts": 128, "attemptsPerStep": 8}, "seed": 1}'
  'self-teacher|{"problem": {"kind": "arithmetic", "numbers": [2,12,6,11], "target": 21}, "method": "self-teacher", "budget": {"maxAttempts": 512, "attemptsPerStep": 64, "chains": 2}, "seed": 1}'
)
for entry in "${requests[@]}"; do
  name=${entry%%|*}; body=${entry#*|}
  start=$(date +%s.%N)
  curl -s -N -X POST "localhost:$port/solve" -H 'content-type: application/json' -H 'accept: text/event-stream' -d "$body" > "$out/$name.sse"
  end=$(date +%s.%N)
  echo "$name: $(grep '^event:' "$out/$name.sse" | tail -1 | cut -d' ' -f2) in $(awk "BEGIN { printf \"%.1f\", $end - $start }") s"
done
grep -h "loaded in" "$out/service.log" || true
