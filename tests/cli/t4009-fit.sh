#!/bin/bash
# Any size with any model: each provider is asked for the size it renders
# natively nearest the asset's, and the result is fitted to the exact size
# (cover by default, contain, stretch), recorded in the metadata, the
# manifest, --explain and `why`.  A candidate that cannot serve an asset
# is skipped before any request, and routes / -n say why.
. "$(dirname "$0")/lib.sh"

export IDEOGRAM_API_KEY=k-ideo OPENAI_API_KEY=k-oai STABILITY_API_KEY=k-stab GEMINI_API_KEY=k-gem

# png_size FILE: "WxH" from the IHDR chunk
png_size() {
	python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"
}
# png_text FILE KEY: the tEXt/iTXt value of KEY
png_text() {
	python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
i = 8
while i < len(d):
    n, t = struct.unpack(">I4s", d[i:i + 8])
    body = d[i + 8:i + 8 + n]
    if t in (b"tEXt", b"iTXt"):
        k, _, v = body.partition(b"\0")
        if t == b"iTXt":
            flag = v[0]
            v = v[2:].split(b"\0", 2)[2]
            if flag:
                v = zlib.decompress(v)
        if k.decode() == sys.argv[2]:
            print(v.decode())
            sys.exit(0)
    i += 12 + n
sys.exit(1)
PY
}

models() {
	cat <<YAML
models:
  gen:   {provider: http,      endpoint: "$FAKE/http/generate", cost: 0.01}
  gpt2:  {provider: openai,    model: gpt-image-2, endpoint: "$FAKE/openai", cost: 0.04, api_key_env: OPENAI_API_KEY}
  sd:    {provider: a1111,     endpoint: "$FAKE/a1111", cost: 0}
  ideo:  {provider: ideogram,  model: V_2, endpoint: "$FAKE/ideogram", cost: 0.08, api_key_env: IDEOGRAM_API_KEY}
  stab:  {provider: stability, model: sd3.5-flash, endpoint: "$FAKE/stability", cost: 0.025, api_key_env: STABILITY_API_KEY}
  nano:  {provider: gemini,    model: gemini-3.1-flash-image, endpoint: "$FAKE/gemini", cost: 0.039, api_key_env: GEMINI_API_KEY}
  local: {provider: builtin}
YAML
}

PROVIDERS="gen gpt2 sd ideo stab nano local"
SIZES="1200x628 1080x1350 180x320"

start_fake || exit 1

test_expect_success 'marketing sizes build on every provider, to the exact size' '
	mkdir -p p/recipes && models >p/assetgen.yaml &&
	{ echo "assets:"; n=0; for m in $PROVIDERS; do for s in $SIZES; do n=$((n + 1))
		echo "  - {name: $m-$s, prompt: \"a kite $n\", seed: $n, size: $s, model: $m}"; done; done; } >p/recipes/a.yaml &&
	assetgen -C p build >out 2>err &&
	fake_violations &&
	for m in $PROVIDERS; do for s in $SIZES; do
		test "$(png_size p/dist/$m-$s.png)" = $s || { echo "$m-$s: $(png_size p/dist/$m-$s.png)"; return 1; }
	done; done
'

test_expect_success 'a1111 is asked for multiples of 8: 180x320 renders at 184x320' '
	test "$(png_text p/dist/sd-180x320.png native_size)" = 184x320 &&
	test "$(png_text p/dist/sd-180x320.png returned_size)" = 184x320 &&
	test "$(png_text p/dist/sd-180x320.png fit)" = "cover crop=center" &&
	test "$(png_text p/dist/sd-1200x628.png native_size)" = 1200x632 &&
	test "$(png_text p/dist/sd-1080x1350.png native_size)" = 1080x1352
'

test_expect_success 'the metadata shows the native size and the fit for each hosted model' '
	test "$(png_text p/dist/ideo-180x320.png native_size)" = 720x1280 &&
	test "$(png_text p/dist/ideo-1080x1350.png native_size)" = 896x1120 &&
	test "$(png_text p/dist/gpt2-180x320.png native_size)" = 608x1088 &&
	test "$(png_text p/dist/gpt2-1200x628.png native_size)" = 1200x624 &&
	test "$(png_text p/dist/stab-1200x628.png native_size)" = 1360x765 &&
	test "$(png_text p/dist/nano-1080x1350.png native_size)" = 916x1145 &&
	for m in gpt2 sd ideo stab nano; do for s in $SIZES; do
		test "$(png_text p/dist/$m-$s.png fit)" = "cover crop=center" || { echo "$m-$s"; return 1; }
	done; done
'

test_expect_success 'the size asked for is the native size on the wire (the fake renders it)' '
	for m in sd ideo gpt2; do for s in $SIZES; do
		test "$(png_text p/dist/$m-$s.png native_size)" = "$(png_text p/dist/$m-$s.png returned_size)" ||
			{ echo "$m-$s"; return 1; }
	done; done &&
	test "$(png_text p/dist/stab-180x320.png returned_size)" = 64x114
'

test_expect_success 'builtin and http render the exact size: nothing to fit, nothing recorded' '
	! png_text p/dist/local-180x320.png native_size &&
	! png_text p/dist/gen-1080x1350.png fit
'

test_expect_success 'the manifest and why show what was asked, returned and how it was fitted' '
	json_get p/dist/manifest.json "j[\"assets\"][\"sd-180x320\"][\"fit\"]" >f &&
	grep -q "184x320" f && grep -q "cover crop=center" f &&
	assetgen -C p why p/dist/sd-180x320.png >why.out &&
	grep -q "^fit  *cover crop=center (asked the model for 184x320, it returned 184x320)" why.out
'

test_expect_success 'a bad fit, crop or pad is a file:line:col error, exit 2, nothing written' '
	mkdir -p b/recipes && models >b/assetgen.yaml &&
	printf "assets:\n  - {name: x, prompt: x, seed: 1, fit: covr}\n" >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^recipes/a.yaml:2:.*unknown fit .covr. (did you mean .cover.?)" err &&
	printf "assets:\n  - {name: x, prompt: x, seed: 1, crop: middle}\n" >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err && grep -q "^recipes/a.yaml:2:.*unknown crop .middle." err &&
	printf "assets:\n  - {name: x, prompt: x, seed: 1, fit: contain, pad: red}\n" >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err && grep -q "^recipes/a.yaml:2:.*.pad. must be a colour" err &&
	printf "assets:\n  - {name: x, prompt: x, seed: 1, fit: stretch, crop: top}\n" >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err && grep -q "^recipes/a.yaml:2:.*.crop. is for fit: cover" err &&
	printf "assets:\n  - {name: x, prompt: x, seed: 1, pad: \"#fff\"}\n" >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err && grep -q "^recipes/a.yaml:2:.*.pad. is for fit: contain" err &&
	! test -e b/dist && ! test -e b/cache
'

test_expect_success 'the fit is part of the key: contain and a crop make new images' '
	mkdir -p k/recipes && models >k/assetgen.yaml &&
	printf "assets:\n  - {name: w, prompt: wide, seed: 1, size: 1200x628, model: sd}\n" >k/recipes/a.yaml &&
	assetgen -C k build >/dev/null && n=$(fake_count) &&
	printf "assets:\n  - {name: w, prompt: wide, seed: 1, size: 1200x628, model: sd, fit: contain, pad: \"#ff0000\"}\n" >k/recipes/a.yaml &&
	assetgen -C k build --explain >out &&
	test "$(fake_count)" -gt "$n" &&
	test "$(png_text k/dist/w.png fit)" = "contain pad=#ff0000" &&
	grep -q "explain w: .*or fit changed" out &&
	grep -q "sd renders 1200x632, fitted to 1200x628 (contain pad=#ff0000)" out &&
	test "$(png_size k/dist/w.png)" = 1200x628 &&
	n=$(fake_count) &&
	printf "assets:\n  - {name: w, prompt: wide, seed: 1, size: 1200x628, model: sd, crop: top}\n" >k/recipes/a.yaml &&
	assetgen -C k build >/dev/null && test "$(fake_count)" -gt "$n" &&
	test "$(png_text k/dist/w.png fit)" = "cover crop=top" &&
	n=$(fake_count) &&
	printf "assets:\n  - {name: w, prompt: wide, seed: 1, size: 1200x628, model: sd}\n" >k/recipes/a.yaml &&
	assetgen -C k build >out && test "$(fake_count)" = "$n" && grep -q "restored" out
'

test_expect_success 'a candidate that cannot serve an asset is skipped before any request' '
	mkdir -p r/recipes && models >r/assetgen.yaml &&
	cat >>r/assetgen.yaml <<-YAML &&
	routes:
	  - use: [sd, gen]
	YAML
	cat >r/recipes/a.yaml <<-YAML &&
	assets:
	  - {name: words, prompt: "a sign reading SALE", seed: 1, size: 512x512, expect_text: SALE}
	  - {name: clear, prompt: "a logo", seed: 2, size: 512x512, params: {background: transparent}}
	  - {name: huge, prompt: "a wall", seed: 3, size: 4096x4096, model: ideo}
	YAML
	must_fail 1 assetgen -C r routes >out &&
	grep -q "^words: gen (0.010) .*(skipped sd: a1111 checkpoints do not spell words" out &&
	grep -q "^clear: gen (0.010) .*(skipped sd: a1111 renders no transparency)" out &&
	grep -q "^huge: no candidate can serve it .*(skipped ideo: its nearest native size is 1024x1024: fitting it to 4096x4096 enlarges 4.0x, more than 2x" out &&
	assetgen -C r build -n >plan 2>&1 &&
	grep -q "^generate *words *gen .*skipped sd: a1111 checkpoints" plan &&
	grep -q "^unroutable *huge .*no candidate can serve this asset; skipped ideo: its nearest native size is 1024x1024" plan &&
	n=$(fake_count a1111) &&
	must_fail 1 assetgen -C r build -k --explain >b.out 2>&1 &&
	test "$(fake_count a1111)" = "$n" &&
	grep -q "explain clear: .*skipped sd: a1111 renders no transparency" b.out &&
	grep -q "FAILED huge: no candidate can serve this asset; skipped ideo: its nearest" b.out
'

test_done
