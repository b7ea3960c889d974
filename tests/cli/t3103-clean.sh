#!/bin/bash
# clean removes only what assetgen made: a cache or output directory that
# is the project or above it is refused when the config loads, clean
# --cache leaves what it did not make, and an output path read from the
# index is removed only when it is a plain file in dist/.
. "$(dirname "$0")/lib.sh"

# project DIR: two assets; a .git and a notes file that nothing may remove
project() {
	new_project "$1" &&
	echo "assets: [{name: a, prompt: one, seed: 1, size: 32x32}, {name: b, prompt: two, seed: 2, size: 32x32}]" \
		>"$1/recipes/a.yaml" &&
	mkdir -p "$1/.git" && echo ref >"$1/.git/HEAD" && echo mine >"$1/notes.txt"
}

# state DIR: every file and directory below DIR, with its checksum
state() {
	(cd "$1" && find . | LC_ALL=C sort | while read -r f; do
		if [ -f "$f" ]; then echo "$f $(cksum <"$f")"; else echo "$f"; fi; done)
}

# the projects of the first tests live in w/, and w/ is what must not change
# (every dir tried lies inside $TRASH: a clean that went wrong could only
# remove the test's own files)
for dir in . .. sub/.. "\"$TRASH\""; do
	test_expect_success "cache dir $dir: refused when the config loads (exit 2); clean --cache removes nothing" '
		rm -rf w && mkdir w && project w/c && printf "cache: {dir: %s}\n" "$dir" >>w/c/assetgen.yaml &&
		state w >before &&
		must_fail 2 assetgen -C w/c build >out 2>err &&
		grep -q "^assetgen.yaml:5:14: cache .dir. (.*) is the project directory or one above it; give the cache a directory of its own, like .cache.$" err &&
		must_fail 2 assetgen -C w/c clean --cache >out 2>err &&
		grep -q "is the project directory or one above it" err &&
		state w >after && diff before after
	'
done

# / only with commands that write nothing even when they load
test_expect_success 'cache dir /: refused as well' '
	rm -rf w && mkdir w && project w/c && echo "cache: {dir: /}" >>w/c/assetgen.yaml &&
	must_fail 2 assetgen -C w/c build -n >out 2>err &&
	grep -q "^assetgen.yaml:5:14: cache .dir. (./.) is the project directory or one above it" err &&
	must_fail 2 assetgen -C w/c status >out 2>err && grep -q "one above it" err
'

test_expect_success 'a cache dir that is a symlink to the project or above: refused' '
	rm -rf w && mkdir w && project w/c && ln -s .. w/c/cache && state w >before &&
	must_fail 2 assetgen -C w/c clean --cache 2>err &&
	grep -q "^assetgen.yaml: cache .dir. (.cache., the default) is the project directory or one above it" err &&
	ln -sfn . w/c/cache && must_fail 2 assetgen -C w/c build 2>err &&
	ln -sfn .. w/c/cache && state w >after && diff before after
'

test_expect_success 'an output dir that is a symlink to the project or above: refused the same way' '
	rm -rf w && mkdir w && project w/c && ln -s . w/c/dist && ln -s .. w/c/site && state w >before &&
	must_fail 2 assetgen -C w/c clean 2>err &&
	grep -q "^assetgen.yaml: .output. (.dist., the default) is the project directory or one above it" err &&
	cp w/c/assetgen.yaml config && echo "output: site" >>w/c/assetgen.yaml &&
	must_fail 2 assetgen -C w/c build 2>err &&
	grep -q "^assetgen.yaml:5:9: .output. (.site.) is the project directory or one above it; give the outputs a directory of its own, like .dist.$" err &&
	cp config w/c/assetgen.yaml && state w >after && diff before after
'

test_expect_success 'a cache dir outside the project (a sibling, through a symlink) is fine' '
	rm -rf c shared && project c && mkdir shared && ln -s ../shared c/cache &&
	assetgen -C c build >out && test -s shared/index.sqlite && test -d shared/objects &&
	assetgen -C c clean --cache >out && grep -q "and the cache" out &&
	test -L c/cache && test -d shared && test -z "$(ls -A shared)"
'

test_expect_success 'clean --cache removes the blobs, the index and the build state, and nothing else' '
	rm -rf c && project c && echo "cache: {dir: store}" >>c/assetgen.yaml &&
	assetgen -C c build >out && assetgen -C c build >out && test -s c/store/build-state &&
	echo keep >c/store/README && mkdir -p c/store/objects/zz && echo keep >c/store/objects/zz/x &&
	echo keep >c/store/objects/notes && b=$(ls c/store/objects | grep -v -e zz -e notes | head -1) &&
	echo keep >c/store/objects/$b/mine.txt &&
	state c/store | grep -e README -e zz -e notes -e mine >before &&
	assetgen -C c clean --cache >out 2>err &&
	grep -q "kept 3 files in .*store/objects. that assetgen did not make" err &&
	grep -q "kept .*store.: it holds files assetgen did not make" err &&
	state c/store | grep -e README -e zz -e notes -e mine >after && diff before after &&
	test -z "$(find c/store -name "index.sqlite*" -o -name build-state)" &&
	test "$(find c/store/objects -type f | wc -l)" = 3 &&
	test -e c/notes.txt && test -e c/.git/HEAD && test -s c/recipes/a.yaml
'

test_expect_success 'clean --cache with nothing else in the cache removes the directory' '
	rm -rf c && project c && assetgen -C c build >out &&
	assetgen -C c clean --cache >out 2>err && test ! -s err && ! test -e c/cache &&
	test -e c/notes.txt && test -e c/.git/HEAD
'

test_expect_success 'clean --cache with a symlink planted at cache/objects: the link goes, never followed' '
	rm -rf c outside && project c && assetgen -C c build >out && mkdir outside &&
	mkdir outside/ab && touch outside/ab/0123456789abcdef0123456789abcd &&
	state outside >before && rm -rf c/cache/objects && ln -s ../../outside c/cache/objects &&
	assetgen -C c clean --cache >out 2>err &&
	grep -q "removed the symlink .*objects" err && ! test -e c/cache &&
	state outside >after && diff before after
'

# ---- paths read from the index ----

# tamper DIR PATH: point the index record of DIR/dist/a.png at PATH
tamper() {
	python3 - "$1/cache/index.sqlite" "$TRASH/$1/dist/a.png" "$2" <<-'PY'
	import sqlite3, sys
	db = sqlite3.connect(sys.argv[1])
	n = db.execute("UPDATE outputs SET path = ? WHERE path = ?", (sys.argv[3], sys.argv[2])).rowcount
	db.commit()
	sys.exit(0 if n == 1 else 1)
	PY
}

test_expect_success 'clean still removes the output of an asset since removed from the recipes' '
	rm -rf c && project c && assetgen -C c build >out &&
	echo "assets: [{name: b, prompt: two, seed: 2, size: 32x32}]" >c/recipes/a.yaml &&
	assetgen -C c clean >out && grep -q "removed 2 outputs" out && ! test -e c/dist/a.png
'

for victim in 'dist/../../victim' 'dist/preview/../../../victim' 'dist/./../../victim' 'dist//../../victim'; do
	test_expect_success "a tampered index row $victim: clean refuses it; the file outside stays" '
		rm -rf c && project c && assetgen -C c build >out &&
		echo precious >victim && state "$TRASH" | grep -e victim -e notes >before &&
		tamper c "$TRASH/c/$victim" &&
		echo "assets: [{name: b, prompt: two, seed: 2, size: 32x32}]" >c/recipes/a.yaml &&
		assetgen -C c clean >out 2>err && grep -q "not removing .*victim" err &&
		state "$TRASH" | grep -e victim -e notes >after && diff before after
	'
done

for other in 'dist/mine.txt' 'dist/sub/a.png' 'dist/.a.png' 'dist/preview/sub/a.png'; do
	test_expect_success "a tampered index row $other (not an output assetgen makes): refused, the file stays" '
		rm -rf c && project c && assetgen -C c build >out && mkdir -p c/dist/sub c/dist/preview/sub &&
		f=c/dist/${other#dist/} && echo mine >"$f" &&
		tamper c "$TRASH/c/$other" &&
		echo "assets: [{name: b, prompt: two, seed: 2, size: 32x32}]" >c/recipes/a.yaml &&
		assetgen -C c clean >out 2>err && grep -q "not removing .*: not an output in" err &&
		test "$(cat "$f")" = mine
	'
done

# a record written another way that still names DIST/NAME.png is an output
for same in 'dist/./a.png' 'dist//a.png' 'dist/preview/./a.png' 'dist/./preview//a.png'; do
	test_expect_success "an index row $same: normalised, and removed" '
		rm -rf c && project c && assetgen -C c build >out && mkdir -p c/dist/preview &&
		cp c/dist/a.png c/dist/preview/a.png && tamper c "$TRASH/c/$same" &&
		echo "assets: [{name: b, prompt: two, seed: 2, size: 32x32}]" >c/recipes/a.yaml &&
		assetgen -C c clean >out 2>err && test ! -s err &&
		case "$same" in *preview*) ! test -e c/dist/preview/a.png;; *) ! test -e c/dist/a.png;; esac
	'
done

test_expect_success 'a recorded output below a symlink planted at dist/preview: the link goes, the file outside stays' '
	rm -rf c outside && project c && assetgen -C c build >out && mkdir outside &&
	echo precious >outside/a.png && state outside >before &&
	ln -s ../../outside c/dist/preview && tamper c "$TRASH/c/dist/preview/a.png" &&
	echo "assets: [{name: b, prompt: two, seed: 2, size: 32x32}]" >c/recipes/a.yaml &&
	assetgen -C c clean >out 2>err && grep -q "removed the symlink .*preview" err &&
	! test -e c/dist/preview && state outside >after && diff before after
'

test_done
