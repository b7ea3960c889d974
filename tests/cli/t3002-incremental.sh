#!/bin/bash
# Make-like incremental behaviour: exactly what changed is rebuilt, and why.
. "$(dirname "$0")/lib.sh"

write_recipes() {
	cat >p/recipes/a.yaml <<YAML
assets:
  - name: banner
    prompt: "${BANNER_PROMPT:-Banner reading 'Launch Sale'}"
    seed: ${BANNER_SEED:-42}
    size: 200x80
  - name: hero
    prompt: mountains at dawn
    seed: 7
    size: 64x48
    upscale: {factor: ${HERO_FACTOR:-2}, with: lanczos3}
YAML
	cat >p/recipes/b.yaml <<'YAML'
assets:
  - name: icon
    prompt: app icon, rocket
    seed: 3
    size: 16x16
    params: {steps: 20, style: flat}
YAML
}

generated() { grep -c "^\[[0-9]*/[0-9]*\] generate " "$1"; }

test_expect_success 'setup' '
	new_project p && write_recipes && assetgen -C p build >out && test "$(generated out)" = 3
'

test_expect_success 'editing one prompt rebuilds exactly that asset' '
	tree_state p/dist >before &&
	BANNER_PROMPT="Banner reading '"'"'Big Sale'"'"'" write_recipes &&
	assetgen -C p build --explain >out &&
	test "$(generated out)" = 1 && grep -q "generate banner" out &&
	grep -q "explain banner: prompt changed" out &&
	tree_state p/dist >after &&
	diff before after | grep "^[<>]" | grep -v "banner.png\|manifest.json\|index.html" && exit 1 || true
'

test_expect_success 'explain names the field: seed 42→43' '
	BANNER_PROMPT="Banner reading '"'"'Big Sale'"'"'" BANNER_SEED=43 write_recipes &&
	assetgen -C p build --explain >out &&
	grep -q "explain banner: seed 42→43" out
'

test_expect_success 'changing only the upscale factor re-runs only the upscale stage' '
	BANNER_PROMPT="Banner reading '"'"'Big Sale'"'"'" BANNER_SEED=43 HERO_FACTOR=3 write_recipes &&
	assetgen -C p build --explain >out &&
	test "$(generated out)" = 0 && grep -q "upscale hero" out &&
	grep -q "explain hero: upscale factor 2→3" out &&
	test "$(od -An -tu1 -j16 -N8 p/dist/hero.png | tr -s " ")" = " 0 0 0 192 0 0 0 144"
'

test_expect_success 'going back to a previous value restores from the cache' '
	BANNER_PROMPT="Banner reading '"'"'Big Sale'"'"'" BANNER_SEED=43 HERO_FACTOR=2 write_recipes &&
	assetgen -C p build >out && test "$(generated out)" = 0 && grep -q "restore hero" out
'

test_expect_success 'changing a param rebuilds, and explain names it' '
	sed -i "s/steps: 20/steps: 21/" p/recipes/b.yaml &&
	assetgen -C p build --explain >out &&
	grep -q "explain icon: param steps 20→21" out && test "$(generated out)" = 1
'

test_expect_success 'moving an asset to another file and reordering keys rebuilds nothing' '
	cat >p/recipes/b.yaml <<-YAML &&
	assets: []
	YAML
	cat >p/recipes/c.yaml <<-YAML &&
	# moved here
	assets:
	  - params: {style: flat, steps: 21}
	    size: 16x16
	    seed: 3
	    prompt: app icon, rocket
	    name: icon
	YAML
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'deleting an output restores it byte-identical without generating' '
	cp p/dist/icon.png saved.png && rm p/dist/icon.png &&
	assetgen -C p build --explain >out &&
	test "$(generated out)" = 0 && grep -q "restore icon" out &&
	grep -q "explain icon: output missing" out && cmp saved.png p/dist/icon.png
'

test_expect_success 'a modified output is restored' '
	printf x >>p/dist/icon.png &&
	assetgen -C p build --explain >out &&
	grep -q "explain icon: output modified" out && cmp saved.png p/dist/icon.png
'

test_expect_success 'deleting the index loses no artifact' '
	for n in banner hero icon; do cp p/dist/$n.png $n.saved; done &&
	rm -f p/cache/index.sqlite* && rm p/dist/*.png &&
	assetgen -C p build >out 2>err &&
	test "$(generated out)" = 0 &&
	for n in banner hero icon; do cmp $n.saved p/dist/$n.png; done &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'a corrupt index is started over, without losing artifacts' '
	rm p/dist/hero.png && rm -f p/cache/index.sqlite-wal p/cache/index.sqlite-shm &&
	printf "this is not a database at all, not even close...................." >p/cache/index.sqlite &&
	assetgen -C p build >out 2>err &&
	grep -q "starting over" err && test "$(generated out)" = 0 && cmp hero.saved p/dist/hero.png
'

test_expect_success 'a corrupt blob is a miss: reported, regenerated, replaced' '
	for f in $(find p/cache/objects -type f); do
		if cmp -s "$f" p/dist/icon.png; then printf x >>"$f"; fi
	done &&
	rm p/dist/icon.png &&
	assetgen -C p build >out 2>err &&
	grep -q "corrupt blob" err && grep -q "generate icon" out && cmp icon.saved p/dist/icon.png &&
	assetgen -C p cache verify >v && grep -q " 0 corrupt" v
'

# png: {level, filter} changes the bytes of new artifacts, never the pixels:
# it is in no key, so changing it regenerates nothing, and the outputs made
# before keep their bytes.
test_expect_success 'png level and filter: an encode stage of their own, from the cached pixels' '
	rm -rf q && new_project q &&
	printf "png: {level: 0, filter: none}\n" >>q/assetgen.yaml &&
	cat >q/recipes/a.yaml <<-YAML &&
	assets:
	  - {name: flat, prompt: "flat icon of a cart", seed: 1, size: 64x48}
	  - {name: big, prompt: "flat icon of a cart", seed: 1, size: 64x48, upscale: {factor: 2, with: lanczos3}}
	YAML
	assetgen -C q build -q && cp q/dist/flat.png flat0.png && cp q/dist/big.png big0.png &&
	python3 - <<-PY &&
	import struct, zlib
	for name, w, h in (("flat0.png", 64, 48), ("big0.png", 128, 96)):
	    b = open(name, "rb").read(); i, idat = 8, b""
	    while i < len(b):
	        n, = struct.unpack(">I", b[i:i+4])
	        if b[i+4:i+8] == b"IDAT": idat += b[i+8:i+8+n]
	        i += 12 + n
	    raw = zlib.decompress(idat)
	    assert len(idat) > len(raw), name                     # level 0: stored blocks
	    assert all(raw[y * (w * 3 + 1)] == 0 for y in range(h)), name   # filter none
	PY
	cp q/assetgen.lock lock0 &&
	sed -i "s/png: {level: 0, filter: none}/png: {level: 9, filter: paeth}/" q/assetgen.yaml &&
	assetgen -C q build --report rep.json >out &&
	grep -q "0 generated, 0 upscaled, 2 restored from cache" out &&
	test "$(wc -c <q/dist/flat.png)" -lt "$(wc -c <flat0.png)" &&
	test "$(wc -c <q/dist/big.png)" -lt "$(wc -c <big0.png)" &&
	! cmp -s lock0 q/assetgen.lock &&
	cp q/dist/flat.png flat9.png && cp q/dist/big.png big9.png && cp q/assetgen.lock lock9 &&
	# the same settings from an empty cache: the same bytes, the same lock
	rm -rf q/cache q/dist && assetgen -C q build -q &&
	cmp flat9.png q/dist/flat.png && cmp big9.png q/dist/big.png && cmp lock9 q/assetgen.lock &&
	# and back: the level-0 bytes again, encoded from level-9 pixels
	sed -i "s/png: {level: 9, filter: paeth}/png: {level: 0, filter: none}/" q/assetgen.yaml &&
	assetgen -C q build >out && grep -q "0 generated, 0 upscaled, 2 restored from cache" out &&
	cmp flat0.png q/dist/flat.png && cmp big0.png q/dist/big.png && cmp lock0 q/assetgen.lock &&
	sed -i "s/png: {level: 0, filter: none}/png: {level: 9, filter: paeth}/" q/assetgen.yaml &&
	sed -i "s/level: 9/level: 10/" q/assetgen.yaml && must_fail 2 assetgen -C q build 2>err &&
	grep -q "^assetgen.yaml:[0-9]*:[0-9]*: .level. must be an integer from 0 to 9" err
'

test_done
