#!/bin/bash
# bench/upscale.sh - `assetgen upscale IN.png OUT.png --factor 2 --with
# lanczos3` on a 1024x1024 image from the built-in model, against libvips
# (`vips resize IN OUT 2 --kernel lanczos3`) and ImageMagick (`convert IN
# -filter Lanczos -resize 200% OUT`) in the same run, interleaved.  Each
# command decodes the PNG, resamples and encodes a 2048x2048 PNG with its
# own default settings; the output sizes are reported.  The peers are
# skipped, with the line that installs them, if absent:
#   apt-get install -y libvips-tools imagemagick
# Runs in about half a minute.  Env: ROUNDS (default 7).
# shellcheck source=bench/lib.sh disable=SC2086,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-7}

# the real ImageMagick convert: a shell-script stand-in earlier in PATH is
# skipped (it would add a shell's start-up to every call)
CONVERT=
for c in $(type -P -a convert 2>/dev/null); do
	[ "$(head -c 2 "$c")" = '#!' ] && continue
	"$c" -version 2>/dev/null | head -1 | grep -q '^Version: ImageMagick' && { CONVERT=$c; break; }
done
VIPS=$(command -v vips || true)

bench_header "upscale: 1024x1024 -> 2048x2048, lanczos3"
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
IN=$P/dist/in.png
[ "$(png_size "$IN")" = 1024x1024 ] || bench_fail "the input is $(png_size "$IN")"

run_assetgen() { "$ASSETGEN" upscale "$IN" "$1" --factor 2 --with lanczos3; }
run_vips() { "$VIPS" resize "$IN" "$1" 2 --kernel lanczos3; }
run_convert() { "$CONVERT" "$IN" -filter Lanczos -resize 200% "$1"; }
TOOLS="assetgen${VIPS:+ vips}${CONVERT:+ convert}"
for t in $TOOLS; do eval "W_$t= C_$t="; done
for _ in $(seq 1 "$ROUNDS"); do
	for t in $TOOLS; do
		out=$BENCH_TMP/out-$t.png
		rm -f "$out"
		bench_time "run_$t" "$out" || bench_fail "$t failed"
		[ "$(png_size "$out")" = 2048x2048 ] || bench_fail "$t made $(png_size "$out")"
		eval "W_$t=\"\$W_$t $T_REAL\" C_$t=\"\$C_$t $(sum "$T_USER" "$T_SYS")\""
	done
done

echo
echo "input $(file_bytes "$IN") bytes; medians of $ROUNDS interleaved runs; cpu = user+sys"
printf '%-10s %-62s %7s %7s %11s %10s\n' "tool" "command" "wall s" "cpu s" "vs assetgen" "out bytes"
# shellcheck disable=SC2154  # W_assetgen is set through eval
mA=$(median $W_assetgen)
for t in $TOOLS; do
	case $t in
	assetgen) cmd="assetgen upscale in.png out.png --factor 2 --with lanczos3" ;;
	vips) cmd="vips resize in.png out.png 2 --kernel lanczos3" ;;
	convert) cmd="convert in.png -filter Lanczos -resize 200% out.png" ;;
	esac
	w= c=
	eval "w=\$W_$t c=\$C_$t"
	m=$(median $w)
	printf '%-10s %-62s %7s %7s %11s %10s\n' "$t" "$cmd" "$m" "$(median $c)" "$(calc "$m / $mA" %.2f)x" \
		"$(file_bytes "$BENCH_TMP/out-$t.png")"
done
for t in $TOOLS; do eval "echo \"runs $t (wall s):\$W_$t\""; done
