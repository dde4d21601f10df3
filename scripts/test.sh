#!/usr/bin/env bash
# The test command (make test): type-check, then every vitest tier (unit,
# engine-in-Duktape, interop). Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2 || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0

echo "== type-check (tsc --noEmit, strict)"
if npx tsc -p tsconfig.json --noEmit; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

echo "== tests (vitest: unit, engine, interop)"
mkdir -p build
report=build/vitest-report.json
rm -f "$report"
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
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
