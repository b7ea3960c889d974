#!/bin/bash
# bench/overlay.sh - what the overlay stage costs per image
#
# Two projects of N assets (1024x1024, built-in model), run with -j 1:
#   overlay:  every asset has a two-line overlay (DejaVu Sans, 96 px, in a
#             box); each round changes only its words, so the build redraws
#             every overlay from the cached generation: read and decode the
#             generation, shape, rasterise and blend, encode, store, place,
#             thumbnail.  The log must say "N overlaid" and "0 generated".
#   generate: the peer, the same assets without an overlay; each round
#             gives them new seeds, so the built-in model renders them all
#             (render, encode, store, place, thumbnail).
# Rounds interleave the two.  Env: N (default 10), ROUNDS (default 5).
# shellcheck source=bench/lib.sh disable=SC2086  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=${N:-10} ROUNDS=${ROUNDS:-5}

mkproj() {     # DIR OVERLAY(0|1) WORD SEED0
	mkdir -p "$1/recipes" "$1/fonts"
	cp "$BENCH_TOP/fonts/DejaVuSans.ttf" "$1/fonts/"
	printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$1/assetgen.yaml"
	{
		echo "assets:"
		for i in $(seq 1 "$N"); do
			echo "  - name: img-$i"
			echo "    prompt: \"mountain landscape at dusk, lake (#$i)\""
			echo "    seed: $(($4 + i))"
			echo "    size: 1024x1024"
			[ "$2" = 1 ] && echo "    overlay: {text: \"$3 sale\\nup to -${i}0 %\", font: fonts/DejaVuSans.ttf, size: 96, color: \"#ffffffe0\", box: [64, 640, 896, 320]}"
		done
	} >"$1/recipes/a.yaml"
}

O=$BENCH_TMP/overlay G=$BENCH_TMP/generate
mkproj "$O" 1 first 0
mkproj "$G" 0 - 0
bench_time "$ASSETGEN" -C "$O" build -q -j 1 || bench_fail "first overlay build"
bench_time "$ASSETGEN" -C "$G" build -q -j 1 || bench_fail "first generate build"

bench_header "overlay: redraw $N overlays (1024x1024, 2 lines, 96 px) vs generate $N images (built-in model), -j 1"
TO= TG=
for r in $(seq 1 "$ROUNDS"); do
	mkproj "$O" 1 "round$r" 0
	bench_time "$ASSETGEN" -C "$O" build -j 1 || bench_fail "overlay round $r"
	grep -q "0 generated, 0 upscaled, $N overlaid" "$BENCH_TMP/last.log" || bench_fail "overlay round $r did not redraw exactly $N overlays"
	TO="$TO $T_REAL"
	mkproj "$G" 0 - $((r * 1000))
	bench_time "$ASSETGEN" -C "$G" build -j 1 || bench_fail "generate round $r"
	grep -q "$N generated" "$BENCH_TMP/last.log" || bench_fail "generate round $r did not render $N images"
	TG="$TG $T_REAL"
done
mo=$(median $TO) mg=$(median $TG)
echo "overlay:  median $mo s per build, $(calc "$mo / $N * 1000" %.1f) ms per image   (runs:$TO)"
echo "generate: median $mg s per build, $(calc "$mg / $N * 1000" %.1f) ms per image   (runs:$TG)"
echo "ratio:    overlay / generate = $(calc "$mo / $mg" %.2f)"
