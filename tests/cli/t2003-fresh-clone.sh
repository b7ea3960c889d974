#!/bin/bash
# A fresh copy of this repository (its tracked files, as a clone has
# them: no cache/, no dist/) reproduces the committed assetgen.lock byte
# for byte, whatever encoding a cache held the pixels in; `--locked`
# makes the built-in model's assets again and checks them against the
# pins; and the README's CI recipe passes as written.
. "$(dirname "$0")/lib.sh"

if ! git -C "$TEST_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "ok 1 # skip: $TEST_TOP is not a git checkout"
	exit 0
fi

# fresh DIR: the repository's tracked files, as a clone has them
fresh() {
	mkdir "$1" && git -C "$TEST_TOP" ls-files -z | (cd "$TEST_TOP" && tar -c --null -T - -f -) |
		tar -x -C "$1" && ! test -e "$1/dist" && ! test -e "$1/cache/index.sqlite"
}

test_expect_success 'a fresh copy of this repository reproduces the committed assetgen.lock' '
	fresh x && assetgen -C x build -q &&
	diff -u "$TEST_TOP/assetgen.lock" x/assetgen.lock
'

test_expect_success 'build --locked on a fresh copy makes the built-in assets again, the pinned bytes' '
	fresh y && assetgen -C y build --locked >out &&
	grep -q "$(grep -vc "^#" "$TEST_TOP/assetgen.lock") generated" out &&
	for f in x/dist/*.png; do cmp "$f" "y/dist/${f#x/dist/}" || exit 1; done &&
	cmp "$TEST_TOP/assetgen.lock" y/assetgen.lock
'

test_expect_success 'pixels cached in another encoding give the same bytes and the same lock' '
	fresh z && printf "png: {level: 0, filter: none}\n" >>z/assetgen.yaml &&
	assetgen -C z build -q && ! cmp -s "$TEST_TOP/assetgen.lock" z/assetgen.lock &&
	cp "$TEST_TOP/assetgen.yaml" z/assetgen.yaml &&
	assetgen -C z build >out && grep -q "0 generated, 0 upscaled, $(grep -vc "^#" "$TEST_TOP/assetgen.lock") restored" out &&
	for f in x/dist/*.png; do cmp "$f" "z/dist/${f#x/dist/}" || exit 1; done &&
	cmp "$TEST_TOP/assetgen.lock" z/assetgen.lock
'

test_expect_success 'build --locked fails naming an asset whose bytes are not the pinned ones' '
	fresh v &&
	awk "\$1 == \"icon-cart\" { \$3 = \"00000000000000000000000000000000\" } { print }" \
		"$TEST_TOP/assetgen.lock" >v/assetgen.lock &&
	must_fail 1 assetgen -C v build --locked >out 2>err &&
	grep -q "icon-cart was made again as [0-9a-f]*, not the pinned artifact 0000" err &&
	! grep -q "icon-bell" err
'

test_expect_success 'the README CI recipe passes, as written, on a fresh checkout' '
	fresh w &&
	awk "/^A CI job/ { on = 1 } on && /^\`\`\`\$/ { n++; if (n == 2) exit } on && /^- run: / { sub(/^- run: */, \"\"); sub(/ *#.*/, \"\"); print }" \
		"$TEST_TOP/README.md" >steps &&
	test "$(wc -l <steps)" -ge 2 && grep -q "^assetgen status" steps &&
	grep -q "^assetgen build --locked" steps &&
	while read -r step; do (cd w && sh -c "$step") || exit 1; done <steps &&
	test -f w/dist/hero-mountains.png && cmp "$TEST_TOP/assetgen.lock" w/assetgen.lock
'

test_expect_success 'status before the first build judges the lock alone; after it, the outputs too' '
	fresh s && assetgen -C s status >out && grep -q "not built yet (no dist/)" out &&
	echo "  - {name: extra, prompt: new, seed: 9, size: 32x32}" >>s/recipes/launch.yaml &&
	must_fail 1 assetgen -C s status >out && grep -q "extra.*not pinned" out &&
	cp "$TEST_TOP/recipes/launch.yaml" s/recipes/launch.yaml &&
	assetgen -C s build -q && rm s/dist/icon-cart.png &&
	must_fail 1 assetgen -C s status >out && grep -q "icon-cart.*output missing" out
'

test_done
