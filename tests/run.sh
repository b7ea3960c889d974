#!/bin/sh
# Run every unit test program and every CLI test script; each prints
# "ok - ..." / "not ok - ..." lines.  Ends with "N passed, N failed".
# Usage: tests/run.sh [PATTERN]   (runs only tests whose file name matches)
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ASSETGEN_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
export ASSETGEN="$build/assetgen" TEST_TOP="$top"
pat=${1:-}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

run_one() {
	name=$1; shift
	case $name in *"$pat"*) ;; *) return ;; esac
	start=$(date +%s)
	"$@" >"$log.out" 2>&1
	rc=$?
	cat "$log.out" >>"$log"
	np=$(grep -c '^ok ' "$log.out")
	nf=$(grep -c '^not ok ' "$log.out")
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		echo "not ok - $name exited $rc" >>"$log"
		nf=1
	fi
	if [ "$nf" -ne 0 ]; then
		echo "FAIL $name ($np passed, $nf failed)"
		grep -E '^(not ok|#)' "$log.out" | sed 's/^/    /' | head -40
	else
		echo "ok   $name ($np, $(( $(date +%s) - start ))s)"
	fi
	rm -f "$log.out"
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in "$top"/tests/cli/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	run_one "cli/$(basename "$t")" bash "$t"
done

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
