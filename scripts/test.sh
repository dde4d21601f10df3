#!/usr/bin/env bash
# The test command. `make test` (no argument): type-check, then the vitest
# tiers 1-4 (unit, engine-in-Duktape, interop, guest boot). `make test-full`
# (argument "full"): tier 5, the full Xen + Linux dom0 topologies, its own
# stage with a time cap and its measured time printed.
# Either ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tier="${1:-default}"
bash scripts/setup.sh >&2 || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
mkdir -p build
report="build/vitest-report-$tier.json"
rm -f "$report"

if [ "$tier" = full ]; then
  # Each boot brings up Xen and Debian's Linux under TCG (10-20 s); the cap
  # stops a stage that hangs as a whole, each boot also has its own.
  cap_s="${NYMOTE_FULL_CAP_S:-1800}"
  echo "== tier 5: full topologies (Xen + Linux dom0 + guest under QEMU), capped at ${cap_s} s"
  started=$(date +%s)
  NYMOTE_TIER=full timeout "$cap_s" npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
  rc=$?
  echo "== tier 5 took $(( $(date +%s) - started )) s$([ $rc = 124 ] && echo ", stopped at the cap")"
else
  echo "== type-check (tsc --noEmit, strict)"
  if npx tsc -p tsconfig.json --noEmit; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "== tests (vitest: unit, engine, interop, guest boot)"
  npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
fi

if [ -s "$report" ]; then
  read -r p f < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // a suite that fails to load has no tests: count it as a failure
    const broken = r.testResults.filter((t) => t.status === "failed" && t.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + broken);' "$report")
  passed=$((passed + p))
  failed=$((failed + f))
else
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
