#!/bin/bash
# Assets that take assets: dependency order, exact rebuilds, -k, NAME, kills.
. "$(dirname "$0")/lib.sh"

mkpng() { python3 "$TEST_TOP/tests/cli/mkpng.py" "$@"; }

# bg -> hero (init, with the product as reference) -> square, wide; other alone
chain() {
	rm -rf p && new_project p && mkdir -p p/products &&
	mkpng p/products/mug.png product 32 16 &&
	cat >p/recipes/a.yaml <<-YAML
	assets:
	  - name: bg
	    prompt: a spring meadow
	    seed: 7
	    size: 64x32
	  - name: hero
	    prompt: a mug in a spring meadow
	    seed: 1
	    size: 64x32
	    inputs:
	      - {asset: bg, role: init, strength: 0.5}
	      - products/mug.png
	  - name: square
	    prompt: square crop
	    seed: 2
	    size: 32x32
	    inputs: [{asset: hero, role: init, strength: 0.1}]
	  - name: wide
	    prompt: wide crop
	    seed: 3
	    size: 96x32
	    inputs: [{asset: hero}]
	  - name: other
	    prompt: an unrelated icon
	    seed: 4
	    size: 16x16
	YAML
}

# generated OUT: the names of the assets a build's output says it generated, sorted
generated() {
	sed -n 's/^\[[0-9]*\/[0-9]*\] generate \([^ ]*\) .*/\1/p' "$1" | sort | tr '\n' ' '
}

test_expect_success 'a chain is built upstream first, and each asset once' '
	chain && assetgen -C p build -j 4 >out &&
	test "$(generated out)" = "bg hero other square wide " &&
	# bg before hero, hero before its crops
	test "$(grep -n "generate bg " out | cut -d: -f1)" -lt "$(grep -n "generate hero " out | cut -d: -f1)" &&
	test "$(grep -n "generate hero " out | cut -d: -f1)" -lt "$(grep -n "generate square " out | cut -d: -f1)" &&
	test "$(grep -n "generate hero " out | cut -d: -f1)" -lt "$(grep -n "generate wide " out | cut -d: -f1)" &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'the gallery shows each asset'"'"'s inputs, an asset as a link to its card' '
	grep -qF "<p class=\"inputs\">from: <a href=\"#asset-bg\">bg</a> (init), products/mug.png (reference)</p>" p/dist/index.html &&
	grep -qF "<p class=\"inputs\">from: <a href=\"#asset-hero\">hero</a> (init)</p>" p/dist/index.html &&
	grep -qF "<article class=\"card\" id=\"asset-hero\"" p/dist/index.html
'

test_expect_success 'a change to one upstream recipe rebuilds exactly its dependants' '
	sed -i "s/seed: 7/seed: 8/" p/recipes/a.yaml &&
	assetgen -C p build --explain >out &&
	test "$(generated out)" = "bg hero square wide " &&
	grep -qx "explain bg: seed 7→8" out &&
	grep -qx "explain hero: input asset bg changed (seed 7→8)" out &&
	grep -qx "explain square: input asset hero changed (input asset bg changed (seed 7→8))" out &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'a change in the middle leaves what is upstream alone' '
	sed -i "s/a mug in a spring meadow/a mug in a summer meadow/" p/recipes/a.yaml &&
	assetgen -C p build >out &&
	test "$(generated out)" = "hero square wide "
'

test_expect_success 'an edited input file is never missed, not even by the no-op shortcut' '
	assetgen -C p build >out && grep -q "no work to do" out &&
	mkpng p/products/mug.png flat:2060c0 32 16 &&
	assetgen -C p build --explain >out &&
	grep -qx "explain hero: input file products/mug.png changed" out &&
	test "$(generated out)" = "hero square wide " &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'an input file is keyed by its content, never its path' '
	mv p/products/mug.png p/products/cup.png &&
	sed -i "s|products/mug.png|products/cup.png|" p/recipes/a.yaml &&
	rm -rf p/dist && assetgen -C p build >out &&
	test "$(generated out)" = "" && grep -q "5 restored from cache" out
'

test_expect_success 'build NAME builds its prerequisites first, and nothing else' '
	chain && assetgen -C p build square >out &&
	test "$(generated out)" = "bg hero square " &&
	test ! -e p/dist/wide.png && test ! -e p/dist/other.png
'

test_expect_success 'status and why follow the chain' '
	chain && assetgen -C p build >/dev/null &&
	sed -i "s/seed: 7/seed: 9/" p/recipes/a.yaml &&
	must_fail 1 assetgen -C p status >out &&
	grep "hero" out | grep -q "input asset bg changed (seed 7→9)" &&
	grep "wide" out | grep -q "input asset hero changed" &&
	! grep "other" out | grep -q changed
'

test_expect_success 'an upstream made by a fallback model: its dependants are keyed on what was made' '
	chain && cat >p/assetgen.yaml <<-YAML &&
	models:
	  local: {provider: builtin}
	  gone: {provider: http, endpoint: "http://127.0.0.1:9/generate", retries: 0}
	routes:
	  - use: [gone, local]
	YAML
	assetgen -C p build --explain >out 2>&1 &&
	grep "generate bg" out | grep -q "(local" &&
	grep "generate hero" out | grep -q "(local" &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success '-k keeps going past a failed branch and skips its dependants' '
	chain && cat >p/assetgen.yaml <<-YAML &&
	models:
	  local: {provider: builtin}
	  gone: {provider: http, endpoint: "http://127.0.0.1:9/generate", retries: 0}
	routes:
	  - match: {tags: [broken]}
	    use: [gone]
	  - use: [local]
	YAML
	sed -i "0,/seed: 7/s//seed: 7\n    tags: [broken]/" p/recipes/a.yaml &&
	must_fail 1 assetgen -C p build -k >out 2>err &&
	test "$(generated out)" = "other " &&
	grep -q "skipped hero: not started: input asset bg failed" out &&
	grep -q "skipped square: not started: input asset hero failed" out &&
	grep -q "skipped wide: not started: input asset hero failed" out &&
	test ! -e p/dist/hero.png
'

test_expect_success 'a kill during a chain resumes without regenerating finished links' '
	chain && sed -i "s/size: 96x32/size: 2048x2048/; s/size: 32x32/size: 2048x2048/" p/recipes/a.yaml &&
	(assetgen -C p build -j 1 >run1 2>&1 & echo $! >pid) &&
	i=0; while ! grep -q "generate hero" run1 && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done &&
	grep -q "generate hero" run1 && kill -9 "$(cat pid)" ; sleep 0.2 &&
	assetgen -C p build >run2 &&
	! grep -q "generate bg\|generate hero" run2 &&
	# every asset generated exactly once over both runs
	cat run1 run2 >both && test "$(generated both)" = "bg hero other square wide "
'

test_done
