#!/bin/bash
# bench/png.sh - PNG size against encoding time, for each zlib level (1,
# 3, 6, 9) and row filter (none, sub, up, avg, paeth, adaptive), on the
# built-in model's 1024x1024 images (8 kinds of scene, as builtin.sh) and
# on a photograph (the middle 1024x1024 of RainDrops.jpg from Debian's
# mate-backgrounds, or PHOTO=FILE; cut with vips or convert, skipped with
# the line that installs them if absent).
#
# Each measurement re-encodes one image on one thread: `assetgen upscale
# IN OUT --size 1024x1024 --level L --filter F -j 1` (same size: decode,
# copy, encode, write).  Level 0 with no filter stores the rows without
# compressing them: its time is the floor (decoding, copying, writing),
# and "encode ms" is the time above it.  Times are CPU (user+sys), medians
# of ROUNDS interleaved runs (default 3); configurations and images take
# turns in each round.  Runs in about 3 minutes.
# shellcheck source=bench/lib.sh disable=SC2086,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
PHOTO=${PHOTO:-/usr/share/backgrounds/mate/nature/RainDrops.jpg}
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

bench_header "png: size against time per zlib level and filter, 1024x1024, one thread"
P=$BENCH_TMP/p
mkdir -p "$P/recipes"
printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$P/assetgen.yaml"
{
	echo "assets:"
	for i in "${!PROMPTS[@]}"; do
		echo "  - {name: k$((i + 1)), prompt: \"${PROMPTS[$i]} (#$((i + 1)))\", seed: $((i + 1)), size: 1024x1024}"
	done
} >"$P/recipes/a.yaml"
bench_time "$ASSETGEN" -C "$P" build -q || bench_fail "cannot make the images"
IMAGES=
for i in "${!PROMPTS[@]}"; do
	cp "$P/dist/k$((i + 1)).png" "$BENCH_TMP/k$((i + 1)).png" && IMAGES="$IMAGES k$((i + 1))"
done
VIPS=$(command -v vips || true)
CONVERT=
for c in $(type -P -a convert 2>/dev/null); do
	[ "$(head -c 2 "$c")" = '#!' ] && continue
	"$c" -version 2>/dev/null | head -1 | grep -q '^Version: ImageMagick' && { CONVERT=$c; break; }
done
if [ -r "$PHOTO" ] && [ -n "$VIPS" ]; then
	w=$(vipsheader -f width "$PHOTO") h=$(vipsheader -f height "$PHOTO")
	bench_time "$VIPS" crop "$PHOTO" "$BENCH_TMP/photo.png" $(((w - 1024) / 2)) $(((h - 1024) / 2)) 1024 1024 ||
		bench_fail "cannot cut the photograph from $PHOTO"
	IMAGES="$IMAGES photo"
elif [ -r "$PHOTO" ] && [ -n "$CONVERT" ]; then
	bench_time "$CONVERT" "$PHOTO" -gravity center -crop 1024x1024+0+0 +repage -strip "$BENCH_TMP/photo.png" ||
		bench_fail "cannot cut the photograph from $PHOTO"
	IMAGES="$IMAGES photo"
else
	echo "photo:    $PHOTO or vips/convert missing, skipped (apt-get install -y mate-backgrounds libvips-tools)"
fi
for i in $IMAGES; do
	[ "$(png_size "$BENCH_TMP/$i.png")" = 1024x1024 ] || bench_fail "$i is $(png_size "$BENCH_TMP/$i.png")"
done

CONFIGS="0:none"
for l in 1 3 6 9; do
	for f in none sub up avg paeth adaptive; do CONFIGS="$CONFIGS $l:$f"; done
done
DATA=$BENCH_TMP/data
for _ in $(seq 1 "$ROUNDS"); do
	for cfg in $CONFIGS; do
		for i in $IMAGES; do
			out=$BENCH_TMP/out.png
			bench_time "$ASSETGEN" upscale "$BENCH_TMP/$i.png" "$out" --size 1024x1024 \
				--level "${cfg%%:*}" --filter "${cfg#*:}" -j 1 || bench_fail "re-encoding $i with $cfg"
			[ "$(png_size "$out")" = 1024x1024 ] || bench_fail "$cfg made $(png_size "$out") of $i"
			echo "$cfg $i $(sum "$T_USER" "$T_SYS") $(file_bytes "$out")" >>"$DATA"
		done
	done
done

echo
echo "sizes in KiB (the 8 model images added up; the photograph); encode ms = CPU ms above level 0 with no filter,"
echo "per image, median of $ROUNDS; model = average over the 8 scenes; vs 3:sub = size against the default"
awk -v cfgs="$CONFIGS" '
	{ key = $1 " " $2; n[key]++; t[key, n[key]] = $3; b[key] = $4; imgs[$2] = 1 }
	function med(key,   k, i, j, v, m) {
		m = n[key]; for (i = 1; i <= m; i++) v[i] = t[key, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { k = v[i]; v[i] = v[j]; v[j] = k }
		return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	END {
		nc = split(cfgs, c, " ")
		for (k = 1; k <= nc; k++) {
			mb[k] = 0; mt[k] = 0; nm = 0
			for (i in imgs) if (i != "photo") { mb[k] += b[c[k] " " i]; mt[k] += med(c[k] " " i) - med("0:none " i); nm++ }
			mt[k] = mt[k] / nm * 1000
			if (("photo") in imgs) { pb[k] = b[c[k] " photo"]; pt[k] = (med(c[k] " photo") - med("0:none photo")) * 1000 }
			if (c[k] == "3:sub") ref = k
		}
		printf "%-11s %11s %9s %9s %11s %9s %9s\n", "level:filter", "model KiB", "vs 3:sub", "encode ms", "photo KiB", "vs 3:sub", "encode ms"
		for (k = 1; k <= nc; k++) {
			printf "%-11s %11.0f %8.0f%% %9.1f", c[k], mb[k] / 1024, (mb[k] / mb[ref] - 1) * 100, mt[k]
			if (("photo") in imgs) printf " %11.0f %8.0f%% %9.1f", pb[k] / 1024, (pb[k] / pb[ref] - 1) * 100, pt[k]
			printf "\n"
		}
	}' "$DATA"
echo -n "floor (level 0, none), s CPU:"
for i in $IMAGES; do
	# shellcheck disable=SC2046  # a list of numbers
	echo -n " $i $(median $(awk -v i="$i" '$1 == "0:none" && $2 == i { print $3 }' "$DATA"))"
done
echo
