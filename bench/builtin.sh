#!/bin/bash
# bench/builtin.sh - the built-in model: images per second at 1024x1024,
# PNG encode, cache and outputs included
#
# 40 assets with distinct prompts (8 kinds of scene) and seeds, each run in
# a fresh project directory (no cache, no outputs), `assetgen build -j 2`
# and `-j 1` interleaved; then a no-op rebuild of the same project.  The
# peer is the other -j in the same run; the -j 1 and -j 2 outputs must be
# byte-identical.  Runs in about a minute.  Env: ROUNDS (default 5).
# shellcheck source=bench/lib.sh disable=SC2086,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=40 SIZE=1024x1024 ROUNDS=${ROUNDS:-5}
PROMPTS=(
	"mountain landscape at dusk, lake, pine trees"
	"neon city skyline at night, synthwave"
	"portrait of a woman, photoreal, soft light"
	"flat icon of a shopping cart"
	"product photo of a watch, studio lighting"
	"abstract shapes, bauhaus poster"
	"low-poly mountains at sunrise"
	"banner reading 'Launch Sale', clean layout"
)

T=$BENCH_TMP/template
mkdir -p "$T/recipes"
printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$T/assetgen.yaml"
{
	echo "assets:"
	for i in $(seq 1 $N); do
		echo "  - {name: img-$i, prompt: \"${PROMPTS[$(((i - 1) % ${#PROMPTS[@]}))]} (#$i)\", seed: $i, size: $SIZE}"
	done
} >"$T/recipes/a.yaml"

NRUN=0
fresh() {
	NRUN=$((NRUN + 1))
	FRESH=$BENCH_TMP/run$NRUN
	mkdir -p "$FRESH" && cp -r "$T/assetgen.yaml" "$T/recipes" "$FRESH/"
}
# build DIR J: a build that must generate all N assets
build() {
	bench_time "$ASSETGEN" -C "$1" build -j "$2" || bench_fail "assetgen build -j $2"
	grep -q "$N assets: $N generated" "$BENCH_TMP/last.log" || bench_fail "assetgen build -j $2 did not generate $N assets"
}

bench_header "builtin: $N assets at $SIZE on the built-in model"
W2= W1= C2= C1=
for r in $(seq 1 "$ROUNDS"); do
	fresh; D2=$FRESH
	build "$D2" 2
	W2="$W2 $T_REAL" C2="$C2 $(sum "$T_USER" "$T_SYS")"
	fresh; D1=$FRESH
	build "$D1" 1
	W1="$W1 $T_REAL" C1="$C1 $(sum "$T_USER" "$T_SYS")"
	for f in "$D2"/dist/*.png; do
		cmp -s "$f" "$D1/dist/${f##*/}" || bench_fail "-j 1 and -j 2 differ: ${f##*/}"
	done
	[ "$(png_size "$D1/dist/img-1.png")" = $SIZE ] || bench_fail "img-1.png is $(png_size "$D1/dist/img-1.png")"
	# keep the last pair for the no-op rebuild; drop the others as we go
	[ "$r" -lt "$ROUNDS" ] && rm -rf "$D2" "$D1"
done

NOOP=
for r in $(seq 1 "$ROUNDS"); do
	bench_time "$ASSETGEN" -C "$D2" build || bench_fail "no-op rebuild"
	grep -q "no work to do" "$BENCH_TMP/last.log" || bench_fail "the rebuild was not a no-op"
	NOOP="$NOOP $T_REAL"
done
BYTES=$(cat "$D2"/dist/*.png | wc -c)

mW2=$(median $W2) mW1=$(median $W1)
echo
echo "$N assets, $SIZE, built-in model, fresh project each run; medians of $ROUNDS interleaved runs"
printf '%-30s %8s %10s %8s %8s  %s\n' "what" "wall s" "images/s" "cpu s" "cpu/wall" "runs (wall s)"
printf '%-30s %8s %10s %8s %8s  %s\n' "assetgen build -j 2" "$mW2" "$(calc "$N / $mW2" %.1f)" "$(median $C2)" \
	"$(calc "$(median $C2) / $mW2" %.2f)" "$W2"
printf '%-30s %8s %10s %8s %8s  %s\n' "assetgen build -j 1" "$mW1" "$(calc "$N / $mW1" %.1f)" "$(median $C1)" \
	"$(calc "$(median $C1) / $mW1" %.2f)" "$W1"
printf '%-30s %8s %10s %8s %8s  %s\n' "no-op rebuild (40 fresh)" "$(median $NOOP)" "" "" "" "$NOOP"
echo "speed-up -j 2 over -j 1: $(calc "$mW1 / $mW2" %.2f)x on $(nproc) CPUs; per image: $(calc "$mW1 * 1000 / $N" %.1f) ms at -j 1;" \
	"outputs $(calc "$BYTES / $N / 1024" %.0f) KiB a PNG on average; -j 1 and -j 2 outputs byte-identical"
