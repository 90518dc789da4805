#!/usr/bin/env bash
# HPO worker scaling on a many-core machine: 1, 2, 4, 8, 16 workers, the same 32-trial random
# search (compact space, seed 42) at each count; one JSON line per worker count on stdout
# (trials/s, speed-up and efficiency over the first count, 1 worker by default, named as
# baseWorkers in each line). Target: 16 workers >= 12x one worker.
#
# Self-contained: run from the repository root with node_modules/ and dist/ present (it builds
# dist/ only when missing). Uses the SpamAssassin matrix when datasets/processed/emails/
# all_emails.parquet is there, else a seeded synthetic matrix of the same shape (said in each line).
# Bounded: the whole script stops after BENCH_BUDGET_S seconds (default 270), printing what it has.
#
#   bash bench/device-scaling.sh            # env: COUNTS="1 2 4 8 16" TRIALS=32 BENCH_BUDGET_S=270
set -u
cd "$(dirname "$0")/.."
COUNTS=${COUNTS:-"1 2 4 8 16"}
TRIALS=${TRIALS:-32}
BUDGET=${BENCH_BUDGET_S:-270}
start=$(date +%s)
echo "{\"bench\":\"device-scaling\",\"host\":\"$(hostname)\",\"nproc\":$(nproc),\"node\":\"$(node --version)\",\"counts\":\"$COUNTS\",\"trials\":$TRIALS}"
if [ ! -f dist/pipeline/runner.js ]; then
  echo "device-scaling: dist/ missing, building" >&2
  npx tsc -p tsconfig.build.json >&2 || { echo '{"error":"build failed"}'; exit 1; }
fi
# the reference is the first count that ran (1 worker unless COUNTS says otherwise or it failed):
# each line names it (baseWorkers), and efficiency is per worker relative to it
first=""
firstW=""
for w in $COUNTS; do
  left=$(( BUDGET - ($(date +%s) - start) ))
  if [ "$left" -le 10 ]; then echo "{\"workers\":$w,\"skipped\":\"time budget spent\"}"; continue; fi
  # each count in its own process; 1 worker runs first and is the reference for the speed-ups
  line=$(timeout "$left" node bench/workers.mjs --workers "$w" --trials "$TRIALS" --reps 1 2>/dev/null | tail -1)
  if [ -z "$line" ]; then echo "{\"workers\":$w,\"error\":\"failed or timed out\"}"; continue; fi
  secs=$(node -e 'console.log(JSON.parse(process.argv[1]).seconds)' "$line")
  if [ -z "$first" ]; then first=$secs; firstW=$w; fi
  node -e 'const r=JSON.parse(process.argv[1]);const b=Number(process.argv[2]);const bw=Number(process.argv[3]);r.baseWorkers=bw;r.speedup=+(b/r.seconds).toFixed(3);r.efficiency=+(r.speedup*bw/r.workers).toFixed(3);console.log(JSON.stringify(r))' "$line" "$first" "$firstW"
done
echo "{\"bench\":\"device-scaling\",\"elapsedSeconds\":$(( $(date +%s) - start ))}"
