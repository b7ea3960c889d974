#!/bin/bash
# bench/ocr.sh - what the typography check costs per image
#
# 20 assets at 1024x512 on the built-in model, each a banner with quoted
# copy.  Each round builds two fresh projects with -j 1, interleaved: the
# same recipes with `expect_text` (generate, then read back with
# Tesseract) and without it (generate only).  The OCR stage's cost per
# image is the difference divided by the images.  The peer, measured in the
# same round on the same 20 PNGs: the `tesseract` command, one process per
# image (what a script around the build would run), as it comes (OpenMP on)
# and with OMP_THREAD_LIMIT=1 (as assetgen runs it).  Then a rebuild of the
# checked project with its outputs removed: every verdict must come from
# the cache (zero OCR runs).  Env: ROUNDS (default 3), N (default 20).
# shellcheck source=bench/lib.sh disable=SC2086  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=${N:-20} SIZE=1024x512 ROUNDS=${ROUNDS:-3}
COPY=("Launch Sale" "Spring Launch" "Grand Opening" "Free Shipping" "New Arrivals")

T=$BENCH_TMP/template
mkdir -p "$T/checked/recipes" "$T/plain/recipes"
for d in checked plain; do
	printf 'models:\n  local: {provider: builtin}\ntypography: {max_attempts: 1}\nroutes:\n  - use: [local]\n' \
		>"$T/$d/assetgen.yaml"
done
{
	echo "assets:"
	for i in $(seq 1 "$N"); do
		c=${COPY[$(((i - 1) % ${#COPY[@]}))]}
		echo "  - {name: b-$i, prompt: \"banner #$i reading '$c', clean layout\", seed: $i, size: $SIZE, expect_text: \"$c\"}"
	done
} >"$T/checked/recipes/a.yaml"
sed 's/, expect_text: "[^"]*"}/}/' "$T/checked/recipes/a.yaml" >"$T/plain/recipes/a.yaml"
grep -q expect_text "$T/plain/recipes/a.yaml" && bench_fail "plain recipes still check"

HAVE_CLI=
command -v tesseract >/dev/null && HAVE_CLI=1

NRUN=0
fresh() {
	NRUN=$((NRUN + 1))
	FRESH=$BENCH_TMP/run$NRUN
	mkdir -p "$FRESH" && cp -r "$T/$1/assetgen.yaml" "$T/$1/recipes" "$FRESH/"
}

bench_header "ocr: $N assets at $SIZE on the built-in model, with and without expect_text"
WC= WP= WT= WT1= PASS=
for r in $(seq 1 "$ROUNDS"); do
	fresh checked; DC=$FRESH
	bench_time "$ASSETGEN" -C "$DC" build -j 1 -k --report "$DC/r.json"
	grep -q "$N assets: $N generated\|$N assets: [0-9]* generated" "$BENCH_TMP/last.log" ||
		bench_fail "checked build did not run"
	WC="$WC $T_REAL"
	read -r nchecked npass <<<"$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = [v for a in j["assets"] for v in a["typography"]["candidates"]]
print(len(c), sum(v["verdict"] == "pass" for v in c))' "$DC/r.json")"
	[ "$nchecked" = "$N" ] || bench_fail "$nchecked verdicts for $N images"
	PASS="$PASS $npass"
	fresh plain; DP=$FRESH
	bench_time "$ASSETGEN" -C "$DP" build -j 1 || bench_fail "plain build"
	grep -q "$N assets: $N generated" "$BENCH_TMP/last.log" || bench_fail "plain build did not generate $N"
	WP="$WP $T_REAL"
	if [ -n "$HAVE_CLI" ]; then
		bench_time sh -c 'for f in "$@"; do tesseract "$f" - >/dev/null 2>&1 || exit 1; done' sh "$DP"/dist/b-*.png ||
			bench_fail "tesseract"
		WT="$WT $T_REAL"
		bench_time env OMP_THREAD_LIMIT=1 sh -c 'for f in "$@"; do tesseract "$f" - >/dev/null 2>&1 || exit 1; done' sh "$DP"/dist/b-*.png ||
			bench_fail "tesseract (one thread)"
		WT1="$WT1 $T_REAL"
	fi
	[ "$r" -lt "$ROUNDS" ] && rm -rf "$DP"
	[ "$r" -lt "$ROUNDS" ] && rm -rf "$DC"
done

# everything cached: no render, no OCR
rm -rf "$DC/dist"
bench_time "$ASSETGEN" -C "$DC" build -j 1 -k --report "$DC/r2.json"
CACHED=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
c = [v["cached"] for a in j["assets"] for v in a["typography"]["candidates"]]
print("%d of %d verdicts from the cache, %d generated" % (sum(c), len(c), j["totals"]["generated"]))' "$DC/r2.json")
WR=$T_REAL

mC=$(median $WC) mP=$(median $WP)
PER=$(calc "($mC - $mP) * 1000 / $N" %.1f)
echo
echo "$N images at $SIZE, -j 1, fresh project each run; medians of $ROUNDS interleaved runs"
printf '%-40s %8s %10s  %s\n' "what" "wall s" "ms/image" "runs (wall s)"
printf '%-40s %8s %10s  %s\n' "build with expect_text (render + OCR)" "$mC" "$(calc "$mC * 1000 / $N" %.1f)" "$WC"
printf '%-40s %8s %10s  %s\n' "build without (render only)" "$mP" "$(calc "$mP * 1000 / $N" %.1f)" "$WP"
printf '%-40s %8s %10s\n' "OCR stage (the difference)" "$(calc "$mC - $mP")" "$PER"
if [ -n "$HAVE_CLI" ]; then
	mT=$(median $WT)
	mT1=$(median $WT1)
	printf '%-40s %8s %10s  %s\n' "peer: tesseract CLI, one per image" "$mT" "$(calc "$mT * 1000 / $N" %.1f)" "$WT"
	printf '%-40s %8s %10s  %s\n' "  the same, OMP_THREAD_LIMIT=1" "$mT1" "$(calc "$mT1 * 1000 / $N" %.1f)" "$WT1"
	echo "ratio OCR stage / tesseract CLI per image: $(calc "($mC - $mP) / $mT" %.2f)" \
		"($(calc "($mC - $mP) / $mT1" %.2f) against one thread)"
else
	echo "peer: tesseract CLI not installed (apt-get install -y tesseract-ocr): skipped"
fi
echo "passed the check on the first render: $(calc "$(median $PASS)" %d) of $N (runs:$PASS)"
echo "rebuild with outputs removed: $WR s; $CACHED"
