#!/usr/bin/env bash
# Compare mcpward-secrets with ripsecrets on the same ~100 MB config-like corpus.
#
# Builds the throughput bench in release mode, writes its deterministic corpus (with fake
# secrets planted at known lines) to a temporary file, installs ripsecrets under
# target/tools if it is missing, times `ripsecrets --strict-ignore <file>` on one core, and
# prints both throughputs, the ratio and how many planted secrets each tool found.
#
# Usage: scripts/bench-secrets.sh [corpus size in MB, default 100]
# Nothing here is committed: ripsecrets and the corpus live under target/ and $TMPDIR.
set -euo pipefail

cd "$(dirname "$0")/.."
MB="${1:-100}"
RUNS=3
TOOLS="target/tools"
RIPSECRETS="$TOOLS/bin/ripsecrets"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
CORPUS="$WORK/corpus.txt"

# Pin to one core when possible so both tools are measured single-threaded.
PIN=()
if command -v taskset >/dev/null 2>&1; then
  PIN=(taskset -c 0)
fi

echo "== building the bench (release)"
cargo bench -p mcpward-secrets --bench throughput --no-run 2>&1 | tail -n 1

echo "== writing the corpus"
cargo bench -q -p mcpward-secrets --bench throughput -- --mb "$MB" --write-corpus "$CORPUS"
BYTES=$(wc -c <"$CORPUS")
PLANTED=$(wc -l <"$CORPUS.planted")

if [[ ! -x "$RIPSECRETS" ]]; then
  echo "== installing ripsecrets into $TOOLS"
  cargo install ripsecrets --root "$TOOLS"
fi
"$RIPSECRETS" --version

echo "== mcpward-secrets (scan_text, best of 5)"
OURS=$("${PIN[@]}" cargo bench -q -p mcpward-secrets --bench throughput -- --mb "$MB")
echo "$OURS"
OURS_MBS=$(sed -n 's/.*scan_text: best of [0-9]*: [0-9.]* s = \([0-9]*\) MB\/s.*/\1/p' <<<"$OURS")
OURS_RECALL=$(sed -n 's/^recall: \([0-9]*\)\/.*/\1/p' <<<"$OURS")

echo "== ripsecrets --strict-ignore (best of $RUNS)"
best=""
for _ in $(seq "$RUNS"); do
  start=$(date +%s.%N)
  # ripsecrets exits 1 when it finds secrets; that is the expected outcome here.
  "${PIN[@]}" "$RIPSECRETS" --strict-ignore "$CORPUS" >"$WORK/ripsecrets.out" || true
  end=$(date +%s.%N)
  secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
  if [[ -z "$best" ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
    best="$secs"
  fi
done
RIP_MBS=$(awk -v b="$BYTES" -v s="$best" 'BEGIN { printf "%.1f", b / 1e6 / s }')
# Output lines are `path:line:text`; a planted secret counts as found when its line is listed.
RIP_RECALL=$(awk -F: 'NR == FNR { found[$2] = 1; next } ($1 in found) { n++ } END { print n + 0 }' \
  "$WORK/ripsecrets.out" <(awk '{ print $1 }' "$CORPUS.planted"))
RIP_OTHER=$(awk 'NR == FNR { planted[$1] = 1; next } { split($0, f, ":"); if (!(f[2] in planted)) n++ } END { print n + 0 }' \
  "$CORPUS.planted" "$WORK/ripsecrets.out")
echo "ripsecrets: best of $RUNS: $best s = $RIP_MBS MB/s; found $RIP_RECALL/$PLANTED planted; $RIP_OTHER other lines reported"
echo "ripsecrets misses by kind:"
awk 'NR == FNR { split($0, f, ":"); found[f[2]] = 1; next } !($1 in found) { miss[$2]++ } END { for (k in miss) printf "  %s %d\n", k, miss[k] }' \
  "$WORK/ripsecrets.out" "$CORPUS.planted" | sort

echo "== summary ($((BYTES / 1000000)) MB, $PLANTED planted fake secrets, one core)"
printf '%-18s %8s MB/s   recall %s/%s\n' "mcpward-secrets" "$OURS_MBS" "$OURS_RECALL" "$PLANTED"
printf '%-18s %8s MB/s   recall %s/%s\n' "ripsecrets" "$RIP_MBS" "$RIP_RECALL" "$PLANTED"
awk -v a="$OURS_MBS" -v b="$RIP_MBS" 'BEGIN { if (b > 0) printf "throughput ratio (mcpward-secrets / ripsecrets): %.0f\n", a / b }'
