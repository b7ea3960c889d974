#!/bin/bash
# bench/derive.sh - the web derivatives of outputs: against sharp
#
# Ten 2048x2048 PNGs of the built-in model (made once, not timed) to AVIF,
# WebP and JPEG at 480, 960 and 1920 wide, at the same nominal qualities
# (AVIF 50, WebP 80, JPEG 80; each tool's other settings its defaults):
#
#   assetgen: `assetgen build -q` of the project with outputs: added, its
#     finals fresh in the cache, so the build decodes them, resizes and
#     encodes (the derive stage alone, on the CPUs' threads);
#   sharp: bench/derive_sharp.js, every file at once through sharp
#     (libvips' threads), installed by this script from the npm registry
#     into bench/.node/ (sharp bundles its own libvips).
#
# Wall time, median of ROUNDS interleaved runs (default 3), and the
# ratio; target: assetgen at most 0.7x sharp.  Then, per format, the
# bytes of all 30 files and the mean SSIM (luma, 8x8 windows) of each
# file against its own tool's lossless resize to that width (so the
# figure is the encoder's loss, not a difference of resamplers; the two
# resamplers' agreement is printed too).  Several minutes.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
N=10
WIDTHS=480,960,1920
SHARP_VERSION=0.35.5
NODE_DIR=$BENCH_TOP/bench/.node
PROMPTS=(
	"mountain landscape at dusk, lake, pine trees"
	"neon city skyline at night, synthwave"
	"portrait of a woman, photoreal, soft light"
	"flat icon of a shopping cart"
	"product photo of a watch, studio lighting"
	"abstract shapes, bauhaus poster"
	"low-poly mountains at sunrise"
	"banner reading 'Launch Sale', clean layout"
	"forest path in autumn, morning fog"
	"coffee cup on a wooden table, top view"
)

command -v node >/dev/null || bench_fail "node is not installed"
if ! [ -f "$NODE_DIR/node_modules/sharp/package.json" ] ||
	[ "$(node -p "require('$NODE_DIR/node_modules/sharp/package.json').version")" != "$SHARP_VERSION" ]; then
	mkdir -p "$NODE_DIR" && echo '{"private": true}' >"$NODE_DIR/package.json" &&
		npm install --prefix "$NODE_DIR" --no-audit --no-fund "sharp@$SHARP_VERSION" >"$BENCH_TMP/npm.log" 2>&1 ||
		{ cat "$BENCH_TMP/npm.log" >&2; bench_fail "cannot install sharp $SHARP_VERSION"; }
fi
SHARP_JS=$BENCH_TMP/derive_sharp.js
cp "$BENCH_TOP/bench/derive_sharp.js" "$SHARP_JS"
export NODE_PATH=$NODE_DIR/node_modules

bench_header "derive: ten 2048x2048 PNGs to AVIF, WebP and JPEG at 480, 960 and 1920, against sharp"
echo "sharp:    $(node "$SHARP_JS" version)"
P=$BENCH_TMP/p
mkdir -p "$P/recipes"
printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$P/plain.yaml"
{
	cat "$P/plain.yaml"
	printf 'outputs:\n  formats: [avif, webp, jpeg]\n  widths: [%s]\n' "$WIDTHS"
	printf '  quality: {avif: 50, webp: 80, jpeg: 80}\n'
} >"$P/web.yaml"
{
	echo "assets:"
	for i in "${!PROMPTS[@]}"; do
		echo "  - {name: k$((i + 1)), prompt: \"${PROMPTS[$i]} (#$((i + 1)))\", seed: $((i + 1)), size: 2048x2048}"
	done
} >"$P/recipes/a.yaml"
cp "$P/plain.yaml" "$P/assetgen.yaml"
bench_time "$ASSETGEN" -C "$P" build -q || bench_fail "cannot make the images"
cp -a "$P/cache" "$BENCH_TMP/cache.plain"
SRC=$BENCH_TMP/src
mkdir "$SRC" && cp "$P/dist/"k*.png "$SRC/"

DATA=$BENCH_TMP/data
S=$BENCH_TMP/sharp
for _ in $(seq 1 "$ROUNDS"); do
	rm -rf "$P/cache" "$P/dist"
	cp -a "$BENCH_TMP/cache.plain" "$P/cache"
	cp "$P/plain.yaml" "$P/assetgen.yaml"
	"$ASSETGEN" -C "$P" build -q || bench_fail "restoring the finals"
	cp "$P/web.yaml" "$P/assetgen.yaml"
	bench_time "$ASSETGEN" -C "$P" build -q || bench_fail "assetgen derive build"
	[ "$(ls "$P/dist/"k*-*.* | wc -l)" = $((N * 9)) ] || bench_fail "assetgen wrote $(ls "$P/dist/"k*-*.* | wc -l) derivatives"
	echo "assetgen $T_REAL $T_USER $T_SYS" >>"$DATA"
	rm -rf "$S" && mkdir "$S"
	bench_time node "$SHARP_JS" encode "$SRC" "$S" "$WIDTHS" || bench_fail "sharp"
	[ "$(ls "$S" | wc -l)" = $((N * 9)) ] || bench_fail "sharp wrote $(ls "$S" | wc -l) files"
	echo "sharp $T_REAL $T_USER $T_SYS" >>"$DATA"
done

echo
echo "per run: tool wall-seconds user sys ($((N * 9)) files each)"
cat "$DATA"
med() { median $(awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$DATA"); }
aw=$(med assetgen 2) sw=$(med sharp 2)
echo
printf 'wall, median: assetgen %.2f s, sharp %.2f s: ratio %.2fx (target <= 0.70x)\n' "$aw" "$sw" \
	"$(calc "$aw / $sw")"

# the references: each tool's lossless resize (assetgen: formats [png])
RA=$BENCH_TMP/ref.assetgen RS=$BENCH_TMP/ref.sharp
mkdir "$RA" "$RS"
sed 's/formats: \[avif, webp, jpeg\]/formats: [png]/' "$P/web.yaml" >"$P/assetgen.yaml"
"$ASSETGEN" -C "$P" build -q || bench_fail "assetgen png derivatives"
cp "$P/dist/"k*-*.png "$RA/"
node "$SHARP_JS" reference "$SRC" "$RS" "$WIDTHS" || bench_fail "sharp references"
PAIRS=$BENCH_TMP/pairs
: >"$PAIRS"
for i in $(seq 1 "$N"); do
	for w in ${WIDTHS//,/ }; do
		for ext in avif webp jpg; do
			echo "$P/dist/k$i-$w.$ext $RA/k$i-$w.png" >>"$PAIRS"
			echo "$S/k$i-$w.$ext $RS/k$i-$w.png" >>"$PAIRS"
		done
		echo "$RA/k$i-$w.png $RS/k$i-$w.png" >>"$PAIRS"
	done
done
node "$SHARP_JS" ssim <"$PAIRS" >"$BENCH_TMP/ssim" || bench_fail "ssim"
echo
printf '%-6s %14s %14s %12s %12s\n' format "assetgen bytes" "sharp bytes" "assetgen SSIM" "sharp SSIM"
for ext in avif webp jpg; do
	ab=$(cat "$P/dist/"k*-*."$ext" | wc -c) sb=$(cat "$S/"k*-*."$ext" | wc -c)
	as=$(awk -v d="$P/dist/" -v e=".$ext" 'index($1, d) == 1 && substr($1, length($1) - length(e) + 1) == e { s += $3; n++ } END { printf "%.4f", s / n }' "$BENCH_TMP/ssim")
	ss=$(awk -v d="$S/" -v e=".$ext" 'index($1, d) == 1 && substr($1, length($1) - length(e) + 1) == e { s += $3; n++ } END { printf "%.4f", s / n }' "$BENCH_TMP/ssim")
	printf '%-6s %14s %14s %12s %12s\n' "$ext" "$ab" "$sb" "$as" "$ss"
done
echo "resamplers' agreement (assetgen's lanczos3 against sharp's, lossless): SSIM $(awk -v d="$RA/" 'index($1, d) == 1 { s += $3; n++ } END { printf "%.4f", s / n }' "$BENCH_TMP/ssim")"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
