#!/usr/bin/env bash
# The test command. `make test` (no argument): the static checks (strict
# type-check, the layering rules of DESIGN.md §2 with dependency-cruiser, the
# image-code dialect with eslint), then the vitest tiers 1-4 (unit,
# engine-in-Duktape, interop, guest boot). `make test-full` (argument "full"):
# tier 5, the full Xen + Linux dom0 topologies, its own stage with a time cap.
# Each stage prints its wall time; vitest stages also their ten slowest files.
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

# A static check: one pass or one failure, with its wall time.
check() {
  local name="$1"; shift
  local started=$SECONDS
  echo "== $name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "== $name FAILED"; fi
  echo "== $name took $((SECONDS - started)) s"
}

slowest() {
  [ -s "$report" ] && node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const files = r.testResults.map((t) => [t.endTime - t.startTime, t.name.replace(process.cwd() + "/", "")]).sort((a, b) => b[0] - a[0]).slice(0, 10);
    console.log("== ten slowest files:");
    for (const [ms, name] of files) console.log(`   ${(ms / 1000).toFixed(1).padStart(7)} s  ${name}`);' "$report"
}

if [ "$tier" = full ]; then
  # Each boot brings up Xen and Debian's Linux under TCG (10-20 s); the cap
  # stops a stage that hangs as a whole, each boot also has its own.
  cap_s="${NYMOTE_FULL_CAP_S:-1800}"
  echo "== tier 5: full topologies (Xen + Linux dom0 + guest under QEMU), capped at ${cap_s} s"
  started=$SECONDS
  NYMOTE_TIER=full timeout "$cap_s" npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
  rc=$?
  echo "== tier 5 took $((SECONDS - started)) s$([ $rc = 124 ] && echo ", stopped at the cap")"
  slowest
else
  check "type-check (tsc --noEmit, strict)" npx tsc -p tsconfig.json --noEmit
  check "layering (dependency-cruiser, DESIGN.md §2 floors)" npx depcruise --config .dependency-cruiser.cjs lib kernel/runtime drivers net store board services sdk apps
  check "dialect (eslint)" npx eslint --max-warnings 0
  echo "== tests (vitest: unit, engine, interop, guest boot)"
  started=$SECONDS
  npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
  echo "== tests took $((SECONDS - started)) s"
  slowest
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
