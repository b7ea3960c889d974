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

test_done
