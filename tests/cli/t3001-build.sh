#!/bin/bash
# First build, no-op build, and what a no-op build must not touch.
. "$(dirname "$0")/lib.sh"

setup() {
	new_project p
	cat >p/recipes/a.yaml <<'YAML'
assets:
  - name: banner
    prompt: "Banner reading 'Launch Sale', clean layout"
    seed: 42
    size: 300x100
    params: {steps: 30, guidance: 7.5}
  - name: hero
    prompt: hero image of mountains at dawn, photoreal
    seed: 7
    size: 96x64
    upscale: {factor: 2, with: lanczos3}
  - name: icon-{c}
    matrix: {c: [red, blue]}
    prompt: "app icon, {c}, flat"
    seed: 3
    size: 16x16
    upscale: {factor: 4, with: nearest}
YAML
}

test_expect_success 'a dry run or status on a new project writes nothing, not even a cache' '
	setup && tree_state p >before && ls -A p >lsbefore &&
	assetgen -C p build -n >out && grep -q "4 to generate" out &&
	must_fail 1 assetgen -C p status >out && grep -q "banner.*new asset" out &&
	tree_state p >after && ls -A p >lsafter &&
	diff before after && diff lsbefore lsafter
'

test_expect_success 'first build makes every asset' '
	assetgen -C p build >out &&
	for n in banner hero icon-red icon-blue; do test -s p/dist/$n.png; done &&
	test "$(grep -c "^\[[0-9]*/4\] generate " out)" = 4 &&
	grep -q "4 generated" out
'

test_expect_success 'outputs are valid PNGs of the right size' '
	for n in banner hero icon-red; do
		head -c 8 p/dist/$n.png | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || exit 1
	done &&
	# IHDR width/height are bytes 16..23
	test "$(od -An -tu1 -j16 -N8 p/dist/hero.png | tr -s " ")" = " 0 0 0 192 0 0 0 128" &&
	test "$(od -An -tu1 -j16 -N8 p/dist/icon-red.png | tr -s " ")" = " 0 0 0 64 0 0 0 64" &&
	test "$(od -An -tu1 -j16 -N8 p/dist/banner.png | tr -s " ")" = " 0 0 1 44 0 0 0 100"
'

test_expect_success 'outputs carry metadata and no tIME chunk' '
	! grep -q tIME p/dist/banner.png &&
	grep -q "assetgen:key" p/dist/banner.png &&
	grep -q "parameters" p/dist/banner.png &&
	grep -q "trainedAlgorithmicMedia" p/dist/banner.png &&
	grep -q "Seed: 42, Size: 300x100" p/dist/banner.png &&
	grep -q "factor=2 with=lanczos3" p/dist/hero.png
'

test_expect_success 'second build does nothing and changes no file' '
	tree_state p/dist >before &&
	assetgen -C p build >out &&
	grep -qx "assetgen: no work to do (4 assets up to date)" out &&
	tree_state p/dist >after && diff before after
'

test_expect_success 'a no-op build reads no image: garbled blobs go unnoticed' '
	n=$(find p/cache/objects -type f | wc -l) && test "$n" = 7 &&
	for f in $(find p/cache/objects -type f); do printf garbage >"$f"; done &&
	tree_state p/dist >before &&
	assetgen -C p build >out 2>err &&
	test ! -s err && grep -q "no work to do" out &&
	tree_state p/dist >after && diff before after &&
	must_fail 1 assetgen -C p cache verify >v && grep -q "^7 blobs .*: 7 corrupt," v
'

test_expect_success 'cache verify --repair removes the bad blobs; outputs still fresh' '
	assetgen -C p cache verify --repair >v && grep -q "7 corrupt (removed)" v &&
	assetgen -C p cache verify >v && grep -q "^0 blobs" v &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'status exits 0 when up to date, 1 when not' '
	assetgen -C p status >out && grep -q "up to date" out &&
	rm p/dist/hero.png &&
	must_fail 1 assetgen -C p status >out && grep -q "hero.*output missing" out
'

test_expect_success 'dry run prints the plan and writes nothing' '
	tree_state p >before &&
	assetgen -C p build -n >out &&
	grep -q "^generate *hero *local " out &&
	grep -q "1 to generate" out && grep -q "estimated cost 0.000" out &&
	tree_state p >after && diff before after && test ! -e p/dist/hero.png
'

test_expect_success 'the report lists each asset, models and totals' '
	assetgen -C p build --report r.json >out &&
	grep -q "\"name\": \"hero\"" r.json &&
	grep -q "\"action\": \"generate\"" r.json &&
	grep -q "\"action\": \"fresh\"" r.json &&
	grep -q "\"generated\": 1" r.json && grep -q "\"p95_seconds\"" r.json
'

test_expect_success 'quiet build prints nothing' '
	rm p/dist/banner.png && assetgen -C p -q build >out && test ! -s out &&
	test -s p/dist/banner.png
'

test_expect_success 'a symlink planted at an output is replaced, never written through' '
	echo precious >target && rm p/dist/banner.png &&
	ln -s "$TRASH/target" p/dist/banner.png &&
	assetgen -C p build >out &&
	test "$(cat target)" = precious && test -f p/dist/banner.png && ! test -L p/dist/banner.png
'

test_expect_success 'no temp files are left behind' '
	test -z "$(find p/dist p/cache -name ".*tmp*")"
'

test_done
