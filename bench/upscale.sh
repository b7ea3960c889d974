#!/bin/bash
# bench/upscale.sh - `assetgen upscale IN.png OUT.png --factor 2 --with
# lanczos3` of a 1024x1024 image against libvips (`vips resize IN OUT 2
# --kernel lanczos3`) and ImageMagick (`convert IN -filter Lanczos -resize
# 200% OUT`) in the same run, interleaved, every PNG written at the same
# zlib level (LEVEL, default 3: assetgen's default): vips's pngsave with
# [compression=LEVEL] (its default filter, none, and Sub as assetgen
# uses), ImageMagick with -quality LEVEL5 (tens digit: zlib level; ones
# digit 5: adaptive filtering).  Two inputs: the built-in model's output
# (a landscape with a text banner) and a photograph, the middle 1024x1024
# of RainDrops.jpg from Debian's mate-backgrounds (PHOTO=FILE for another;
# cut with vips or convert).  The output sizes and the row filters each
# tool used are reported.  The peers and the photograph are skipped, with
# the line that installs them, if absent:
#   apt-get install -y libvips-tools imagemagick mate-backgrounds
# Runs in about a minute.  Env: ROUNDS (default 7), LEVEL, PHOTO.
# shellcheck source=bench/lib.sh disable=SC2086,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-7} LEVEL=${LEVEL:-3}
PHOTO=${PHOTO:-/usr/share/backgrounds/mate/nature/RainDrops.jpg}

# the real ImageMagick convert: a shell-script stand-in earlier in PATH is
# skipped (it would add a shell's start-up to every call)
CONVERT=
for c in $(type -P -a convert 2>/dev/null); do
	[ "$(head -c 2 "$c")" = '#!' ] && continue
	"$c" -version 2>/dev/null | head -1 | grep -q '^Version: ImageMagick' && { CONVERT=$c; break; }
done
VIPS=$(command -v vips || true)

bench_header "upscale: 1024x1024 -> 2048x2048, lanczos3, PNG at zlib level $LEVEL"
[ -n "$VIPS" ] && echo "peer:     $("$VIPS" --version | head -1) ($VIPS)"
[ -n "$CONVERT" ] && echo "peer:     $("$CONVERT" -version | head -1 | sed 's/^Version: //; s/ http.*//') ($CONVERT)"
[ -n "$VIPS" ] || echo "peer:     vips not installed, skipped (apt-get install -y libvips-tools)"
[ -n "$CONVERT" ] || echo "peer:     ImageMagick convert not installed, skipped (apt-get install -y imagemagick)"

P=$BENCH_TMP/p
mkdir -p "$P/recipes"
printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$P/assetgen.yaml"
printf 'assets:\n  - {name: in, prompt: "mountain landscape at dusk, lake, %s", seed: 7, size: 1024x1024}\n' \
	"'Launch Sale'" >"$P/recipes/a.yaml"
bench_time "$ASSETGEN" -C "$P" build -q || bench_fail "cannot make the input"
cp "$P/dist/in.png" "$BENCH_TMP/model.png"
INPUTS=model
# the photograph: the middle 1024x1024 of a 1920x1200 (or larger) picture
if [ -r "$PHOTO" ] && { [ -n "$VIPS" ] || [ -n "$CONVERT" ]; }; then
	if [ -n "$VIPS" ]; then
		w=$(vipsheader -f width "$PHOTO") h=$(vipsheader -f height "$PHOTO")
		bench_time "$VIPS" crop "$PHOTO" "$BENCH_TMP/photo.png" $(((w - 1024) / 2)) $(((h - 1024) / 2)) 1024 1024
	else
		bench_time "$CONVERT" "$PHOTO" -gravity center -crop 1024x1024+0+0 +repage -strip "$BENCH_TMP/photo.png"
	fi || bench_fail "cannot cut the photograph from $PHOTO"
	INPUTS="$INPUTS photo"
	echo "photo:    middle 1024x1024 of $PHOTO"
else
	echo "photo:    $PHOTO not found (apt-get install -y mate-backgrounds, or PHOTO=FILE with vips or convert), skipped"
fi
for i in $INPUTS; do
	[ "$(png_size "$BENCH_TMP/$i.png")" = 1024x1024 ] || bench_fail "the $i input is $(png_size "$BENCH_TMP/$i.png")"
done

run_assetgen() { "$ASSETGEN" upscale "$1" "$2" --factor 2 --with lanczos3 --level "$LEVEL"; }
run_vips() { "$VIPS" resize "$1" "$2[compression=$LEVEL]" 2 --kernel lanczos3; }
run_vipssub() { "$VIPS" resize "$1" "$2[compression=$LEVEL,filter=sub]" 2 --kernel lanczos3; }
run_convert() { "$CONVERT" "$1" -filter Lanczos -resize 200% -quality "${LEVEL}5" "$2"; }
TOOLS="assetgen${VIPS:+ vips vipssub}${CONVERT:+ convert}"
for i in $INPUTS; do
	for t in $TOOLS; do eval "W_${i}_$t= C_${i}_$t="; done
done
for _ in $(seq 1 "$ROUNDS"); do
	for i in $INPUTS; do
		for t in $TOOLS; do
			out=$BENCH_TMP/out-$i-$t.png
			rm -f "$out"
			bench_time "run_$t" "$BENCH_TMP/$i.png" "$out" || bench_fail "$t failed on $i"
			[ "$(png_size "$out")" = 2048x2048 ] || bench_fail "$t made $(png_size "$out")"
			eval "W_${i}_$t=\"\$W_${i}_$t $T_REAL\" C_${i}_$t=\"\$C_${i}_$t $(sum "$T_USER" "$T_SYS")\""
		done
	done
done
# the bytes do not depend on the thread count
for i in $INPUTS; do
	"$ASSETGEN" upscale "$BENCH_TMP/$i.png" "$BENCH_TMP/j1.png" --factor 2 --with lanczos3 --level "$LEVEL" -j 1 ||
		bench_fail "assetgen -j 1 failed"
	cmp -s "$BENCH_TMP/j1.png" "$BENCH_TMP/out-$i-assetgen.png" || bench_fail "-j 1 and -j $(nproc) outputs differ ($i)"
done

for i in $INPUTS; do
	echo
	echo "input $i.png, $(file_bytes "$BENCH_TMP/$i.png") bytes; medians of $ROUNDS interleaved runs; cpu = user+sys;" \
		"assetgen/tool = assetgen's median over this tool's"
	printf '%-8s %-70s %7s %7s %13s %10s  %s\n' "tool" "command" "wall s" "cpu s" "assetgen/tool" "out bytes" "filters"
	eval "mA=\$(median \$W_${i}_assetgen)"
	for t in $TOOLS; do
		case $t in
		assetgen) cmd="assetgen upscale in.png out.png --factor 2 --with lanczos3 --level $LEVEL" ;;
		vips) cmd="vips resize in.png 'out.png[compression=$LEVEL]' 2 --kernel lanczos3" ;;
		vipssub) cmd="vips resize in.png 'out.png[compression=$LEVEL,filter=sub]' 2 --kernel lanczos3" ;;
		convert) cmd="convert in.png -filter Lanczos -resize 200% -quality ${LEVEL}5 out.png" ;;
		esac
		w= c=
		eval "w=\$W_${i}_$t c=\$C_${i}_$t"
		m=$(median $w)
		# shellcheck disable=SC2154  # mA is set through eval
		printf '%-8s %-70s %7s %7s %13s %10s  %s\n' "$t" "$cmd" "$m" "$(median $c)" "$(calc "$mA / $m" %.2f)" \
			"$(file_bytes "$BENCH_TMP/out-$i-$t.png")" "$(png_filters "$BENCH_TMP/out-$i-$t.png")"
	done
	for t in $TOOLS; do eval "echo \"runs $t (wall s):\$W_${i}_$t\""; done
done
echo
echo "-j 1 and -j $(nproc) outputs of assetgen byte-identical"
