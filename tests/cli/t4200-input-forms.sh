#!/bin/bash
# Providers' input forms, against the strict fake: what each API is sent
# for an asset with inputs.
. "$(dirname "$0")/lib.sh"

mkpng() { python3 "$TEST_TOP/tests/cli/mkpng.py" "$@"; }

start_fake

# requests_inputs PROVIDER: the inputs the fake recorded, one request a line
requests_inputs() {
	fake_ctl GET /_control/requests | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["provider"] == sys.argv[1] and r.get("inputs"):
        print(" ".join("%s:%s:%s:%s" % (i["role"], i.get("mime_type", "image/png"), i["strength"],
                                        i.get("pixels") or i["sha256"])
                       for i in r["inputs"]))' "$1"
}

# digest FILE: as requests_inputs shows an input: a PNG by its pixels (an
# input asset is sent as its pixels, not its output file's bytes)
digest() {
	python3 -B -c '
import sys; sys.path.insert(0, sys.argv[1])
import fake
print(fake.pixels_digest(open(sys.argv[2], "rb").read()))' "$TEST_TOP/tests/fake" "$1"
}

setup() {
	rm -rf p && new_project p && mkdir -p p/products &&
	mkpng p/products/mug.png product 32 16 &&
	mkpng p/products/mask.png half 64 32 &&
	cat >p/assetgen.yaml <<-YAML &&
	models:
	  local: {provider: builtin}
	  team: {provider: http, endpoint: "$FAKE/http/generate-json", retries: 0}
	routes:
	  - match: {tags: [team]}
	    use: [team]
	  - use: [local]
	YAML
	cat >p/recipes/a.yaml <<-YAML
	assets:
	  - name: bg
	    prompt: a room
	    seed: 5
	    size: 64x32
	  - name: hero
	    prompt: a mug in a room
	    seed: 6
	    size: 64x32
	    tags: [team]
	    inputs:
	      - {asset: bg, role: init, strength: 0.25}
	      - products/mug.png
	      - {file: products/mask.png, role: mask}
	YAML
}

test_expect_success 'http: each input in the JSON, base64, with its role, type and strength' '
	setup && fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C p build >out && grep -q "generate hero (team" out &&
	fake_violations &&
	bg=$(digest p/dist/bg.png) &&
	mug=$(digest p/products/mug.png) &&
	mask=$(digest p/products/mask.png) &&
	requests_inputs http >got &&
	echo "init:image/png:0.25:$bg reference:image/png:None:$mug mask:image/png:None:$mask" >want &&
	diff want got
'

test_expect_success 'a1111: an init goes to img2img with init_images, denoising_strength and the mask' '
	setup && sed -i "s|team: {provider: http, endpoint: \"[^\"]*\"|team: {provider: a1111, endpoint: \"$FAKE/a1111\"|" p/assetgen.yaml &&
	sed -i "/- products\/mug.png/d" p/recipes/a.yaml &&
	fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C p build >out && grep -q "generate hero (team" out &&
	fake_violations &&
	fake_ctl GET /_control/requests | grep -q "/sdapi/v1/img2img" &&
	bg=$(digest p/dist/bg.png) &&
	requests_inputs a1111 >got &&
	grep -q "^init:image/png:0.25:$bg mask:" got
'

test_expect_success 'a1111 takes no reference: routing skips it and says so' '
	setup && sed -i "s|team: {provider: http, endpoint: \"[^\"]*\"|team: {provider: a1111, endpoint: \"$FAKE/a1111\"|" p/assetgen.yaml &&
	must_fail 1 assetgen -C p build >out 2>err &&
	grep -qx "FAILED hero: no candidate can serve this asset; skipped team: provider a1111 takes no reference input" err
'

test_expect_success 'openai: /images/edits, multipart, image[] with the mask'"'"'s image first, the mask as alpha' '
	setup && sed -i "s|team: {provider: http, endpoint: \"[^\"]*\"|team: {provider: openai, model: gpt-image-2, endpoint: \"$FAKE/openai\", api_key_env: OPENAI_API_KEY|" p/assetgen.yaml &&
	mkpng p/products/mask32.png half 32 16 &&
	cat >>p/recipes/a.yaml <<-YAML &&
	  - name: edit
	    prompt: the mug on snow
	    seed: 8
	    size: 64x32
	    tags: [team]
	    inputs:
	      - products/mug.png
	      - {file: products/mask32.png, role: mask}
	YAML
	fake_ctl POST /_control/reset >/dev/null &&
	OPENAI_API_KEY=k assetgen -C p build >out && grep -q "generate hero (team" out &&
	grep -q "generate edit (team" out &&
	fake_violations &&
	bg=$(digest p/dist/bg.png) &&
	mug=$(digest p/products/mug.png) &&
	requests_inputs openai | sort >got &&
	grep -q "^image:image/png:None:$bg image:image/png:None:$mug mask:image/png:None:" got &&
	grep -q "^image:image/png:None:$mug mask:image/png:None:" got
'

test_expect_success 'gemini: references as inlineData parts, with their true types, before the text' '
	setup && sed -i "s|team: {provider: http, endpoint: \"[^\"]*\"|team: {provider: gemini, model: gemini-nano-banana-2.1, endpoint: \"$FAKE/gemini\", api_key_env: GEMINI_API_KEY|" p/assetgen.yaml &&
	cat >p/recipes/a.yaml <<-YAML &&
	assets:
	  - name: bg
	    prompt: a room
	    seed: 5
	    size: 64x32
	  - name: hero
	    prompt: the mug from image 2 in the room of image 1
	    seed: 6
	    size: 1024x1024
	    tags: [team]
	    inputs: [{asset: bg}, products/mug.png]
	YAML
	fake_ctl POST /_control/reset >/dev/null &&
	GEMINI_API_KEY=k assetgen -C p build >out && grep -q "generate hero (team" out &&
	fake_violations &&
	bg=$(digest p/dist/bg.png) &&
	mug=$(digest p/products/mug.png) &&
	requests_inputs gemini >got &&
	echo "reference:image/png:None:$bg reference:image/png:None:$mug" >want &&
	diff want got
'

test_expect_success 'stability: an init is image-to-image, the image a file part with strength' '
	setup && sed -i "s|team: {provider: http, endpoint: \"[^\"]*\"|team: {provider: stability, model: sd3.5-flash, endpoint: \"$FAKE/stability\", api_key_env: STABILITY_API_KEY|" p/assetgen.yaml &&
	sed -i "/- products\/mug.png/d; /role: mask/d" p/recipes/a.yaml &&
	fake_ctl POST /_control/reset >/dev/null &&
	STABILITY_API_KEY=k assetgen -C p build >out && grep -q "generate hero (team" out &&
	fake_violations &&
	bg=$(digest p/dist/bg.png) &&
	requests_inputs stability >got &&
	echo "init:image/png:0.25:$bg" >want && diff want got
'

test_expect_success 'a provider that cannot take an input is skipped, and the reason said' '
	setup && sed -i "s/provider: http, endpoint: \"[^\"]*\"/provider: gemini, api_key_env: GEMINI_API_KEY, model: gemini-3.1-flash-image/" p/assetgen.yaml &&
	GEMINI_API_KEY=k must_fail 1 assetgen -C p build --explain >out 2>err &&
	grep -qx "FAILED hero: no candidate can serve this asset; skipped team: provider gemini takes no init input" err
'

test_expect_success 'other PNG settings upstream re-encode it: the paid dependant is not asked for again' '
	setup && fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C p build >out && test "$(fake_count http)" = 1 &&
	printf "png: {level: 1, filter: none}\n" >>p/assetgen.yaml &&
	assetgen -C p build >out && test "$(fake_count http)" = 1 &&
	grep -q "0 generated" out
'

test_done
