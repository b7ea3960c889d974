#!/bin/bash
# bench/sign.sh - what signing every output with C2PA content credentials
# costs per 1024x1024 image, against the same build unsigned, in the same
# run, and against the SHA-256 pass over the file that the hash binding
# needs (libcrypto's, in process, from python3's hashlib).
#
# 8 assets of the built-in model at 1024x1024 (8 kinds of scene, as
# builtin.sh) are generated once; each measured build then starts from a
# copy of that cache (taken before anything was signed) with dist/ empty,
# and runs `assetgen -C p build -q -j 1`: unsigned, it restores the 8
# outputs; signed (`credentials:` from `assetgen credentials init`), it
# restores them, signs each (the manifest, one Ed25519 signature), stores
# the signed file in the cache and writes it.  The difference per image is
# the cost of signing; the target is at most 2 ms beyond the SHA-256 pass.
# Times are CPU (user+sys) and wall, medians of ROUNDS interleaved runs
# (default 7).  Runs in well under a minute.
# shellcheck source=bench/lib.sh disable=SC2086
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-7}
N=8
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

bench_header "sign: C2PA content credentials per 1024x1024 output, against the same build unsigned"
P=$BENCH_TMP/p
mkdir -p "$P/recipes"
printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$P/plain.yaml"
{
	echo "assets:"
	for i in "${!PROMPTS[@]}"; do
		echo "  - {name: k$((i + 1)), prompt: \"${PROMPTS[$i]} (#$((i + 1)))\", seed: $((i + 1)), size: 1024x1024}"
	done
} >"$P/recipes/a.yaml"
cp "$P/plain.yaml" "$P/assetgen.yaml"
bench_time "$ASSETGEN" -C "$P" credentials init || bench_fail "cannot make credentials"
{
	cat "$P/plain.yaml"
	printf 'credentials:\n  key: .assetgen/credentials/signer.key\n  cert: .assetgen/credentials/signer.pem\n'
} >"$P/signed.yaml"
bench_time "$ASSETGEN" -C "$P" build -q || bench_fail "cannot make the images"
cp -a "$P/cache" "$BENCH_TMP/cache.plain"
mkdir "$BENCH_TMP/plain" && cp "$P/dist/"k*.png "$BENCH_TMP/plain/"

DATA=$BENCH_TMP/data
for _ in $(seq 1 "$ROUNDS"); do
	for mode in plain signed; do
		rm -rf "$P/cache" "$P/dist"
		cp -a "$BENCH_TMP/cache.plain" "$P/cache"
		cp "$P/$mode.yaml" "$P/assetgen.yaml"
		bench_time "$ASSETGEN" -C "$P" build -q -j 1 || bench_fail "$mode build"
		[ "$(ls "$P/dist/"k*.png | wc -l)" = "$N" ] || bench_fail "$mode build wrote $(ls "$P/dist/"k*.png | wc -l) outputs"
		echo "$mode $(sum "$T_USER" "$T_SYS") $T_REAL $T_USER $T_SYS" >>"$DATA"
	done
	# every signed output is valid
	"$ASSETGEN" verify "$P/dist/"k*.png >"$BENCH_TMP/verify.log" || bench_fail "signed outputs do not verify"
	[ "$(grep -c ': valid$' "$BENCH_TMP/verify.log")" = "$N" ] || bench_fail "not every output verifies"
done
SIGNED_BYTES=$(cat "$P/dist/"k*.png | wc -c)
# the SHA-256 pass over the signed files, in process (libcrypto), per image
SHA_MS=$(python3 - "$P/dist/"k*.png <<'PY'
import hashlib, sys, time
data = [open(f, "rb").read() for f in sys.argv[1:]]
best = None
for _ in range(15):
    t = time.process_time()
    for d in data:
        hashlib.sha256(d).digest()
    el = (time.process_time() - t) / len(data) * 1000
    best = el if best is None else min(best, el)
print("%.3f" % best)
PY
)

echo
echo "per run: mode CPU-seconds wall-seconds user sys ($N images each)"
cat "$DATA"
med() { median $(awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$DATA"); }
pc=$(med plain 2) sc=$(med signed 2) pw=$(med plain 3) sw=$(med signed 3)
pu=$(med plain 4) su=$(med signed 4) ps=$(med plain 5) ss=$(med signed 5)
echo
printf '%-22s %12s %12s\n' "" "CPU ms/img" "wall ms/img"
printf '%-22s %12.2f %12.2f\n' "unsigned (restore)" "$(calc "$pc * 1000 / $N")" "$(calc "$pw * 1000 / $N")"
printf '%-22s %12.2f %12.2f\n' "signed (restore+sign)" "$(calc "$sc * 1000 / $N")" "$(calc "$sw * 1000 / $N")"
printf '%-22s %12.2f %12.2f\n' "signing adds" "$(calc "($sc - $pc) * 1000 / $N")" "$(calc "($sw - $pw) * 1000 / $N")"
printf '%-22s %12.2f   (user %.2f, sys %.2f: the signed file stored, fsync and index row)\n' \
	"" "$(calc "($sc - $pc) * 1000 / $N")" "$(calc "($su - $pu) * 1000 / $N")" "$(calc "($ss - $ps) * 1000 / $N")"
printf '%-22s %12.2f\n' "SHA-256 pass" "$SHA_MS"
printf '%-22s %12.2f %12.2f   (user only: %.2f)\n' "beyond SHA-256" "$(calc "($sc - $pc) * 1000 / $N - $SHA_MS")" \
	"$(calc "($sw - $pw) * 1000 / $N - $SHA_MS")" "$(calc "($su - $pu) * 1000 / $N - $SHA_MS")"
# c2pa_sign_png() alone, in process (bench/sign_time.c, against the library)
if command -v cc >/dev/null && [ -f "$BENCH_TOP/build/libassetgen.a" ] &&
	cc -O2 -std=c17 -D_XOPEN_SOURCE=700 -iquote "$BENCH_TOP/src" -o "$BENCH_TMP/sign_time" \
		"$BENCH_TOP/bench/sign_time.c" "$BENCH_TOP/build/libassetgen.a" \
		$(pkg-config --libs yaml-0.1 libpng libxxhash zlib libcrypto sqlite3 jansson freetype2 harfbuzz libjpeg libwebp) \
		-ldl -pthread -lm 2>"$BENCH_TMP/cc.log"; then
	"$BENCH_TMP/sign_time" "$P/.assetgen/credentials/signer.key" "$P/.assetgen/credentials/signer.pem" \
		"$BENCH_TMP/plain/"k*.png || bench_fail "sign_time"
else
	echo "c2pa_sign_png alone: not measured (needs cc and build/libassetgen.a)"
fi
echo "signed outputs: $(calc "$SIGNED_BYTES / $N / 1024" "%.0f") KiB each on average; load $(cut -d' ' -f1-3 /proc/loadavg)"
