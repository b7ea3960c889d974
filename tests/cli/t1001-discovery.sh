#!/bin/bash
# Finding assetgen.yaml: the walk up from the current directory never uses
# a config another user could have put there (a world-writable /tmp, a
# directory they own), unless it is named with -C or listed in
# ASSETGEN_SAFE_DIRECTORIES.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: files owned by another user need root to make (chown)"
	test_done
fi

# A config another user planted would choose where the caller's key goes:
# an http model at a server of theirs
planted() {
	cat >"$1" <<-'YAML'
	models:
	  theirs: {provider: http, endpoint: "http://127.0.0.1:9/steal", api_key_env: OPENAI_API_KEY}
	routes:
	  - use: [theirs]
	YAML
	mkdir -p "${1%/*}/recipes" && echo "assets: [{name: a, prompt: x, seed: 1}]" >"${1%/*}/recipes/a.yaml"
}

test_expect_success 'a config owned by another user in a sticky world-writable directory is not used' '
	mkdir -m 1777 shared && planted shared/assetgen.yaml && chown -R 65534:65534 shared/assetgen.yaml shared/recipes &&
	mkdir shared/mine && cd shared/mine &&
	must_fail 2 assetgen build -n >"$TRASH/out" 2>"$TRASH/err" &&
	echo "assetgen: not using '\''$TRASH/shared/assetgen.yaml'\'': it is owned by another user (uid 65534), who could have put it there; to trust it, run '\''assetgen -C $TRASH/shared'\'', or list '\''$TRASH/shared'\'' in ASSETGEN_SAFE_DIRECTORIES" >"$TRASH/expected" &&
	diff -u "$TRASH/expected" "$TRASH/err" && test ! -s "$TRASH/out" &&
	must_fail 2 assetgen status 2>"$TRASH/err" && diff -u "$TRASH/expected" "$TRASH/err" &&
	must_fail 2 assetgen routes 2>"$TRASH/err" && diff -u "$TRASH/expected" "$TRASH/err" &&
	test -z "$(ls -A .)" && ! test -e ../cache && ! test -e ../dist
'

test_expect_success 'a config in a directory owned by another user is not used either' '
	mkdir -p theirs && planted theirs/assetgen.yaml && chown 65534:65534 theirs && mkdir theirs/sub &&
	(cd theirs/sub && must_fail 2 assetgen build -n 2>"$TRASH/err") &&
	grep -q "^assetgen: not using .*theirs/assetgen.yaml.: its directory is owned by another user (uid 65534)" err &&
	(cd theirs && must_fail 2 assetgen build -n 2>"$TRASH/err") && grep -q "its directory is owned by another user" err
'

test_expect_success 'the walk stops at a directory owned by another user, even one without a config' '
	mkdir -p top/mid/sub && new_project top && chown 65534:65534 top/mid &&
	(cd top/mid/sub && must_fail 2 assetgen build -n 2>"$TRASH/err") &&
	grep -q "^assetgen: no assetgen.yaml in .*top/mid/sub. or any parent directory" err
'

test_expect_success '-C DIR trusts the directory it names' '
	assetgen -C shared build -n >out && grep -q "1 to generate" out &&
	assetgen -C theirs routes >out && grep -q theirs out
'

test_expect_success 'ASSETGEN_SAFE_DIRECTORIES trusts the directories listed, and those below them' '
	(cd shared/mine && ASSETGEN_SAFE_DIRECTORIES="$TRASH/nowhere:$TRASH/shared" assetgen build -n >"$TRASH/out") &&
	grep -q "1 to generate" out &&
	(cd theirs/sub && ASSETGEN_SAFE_DIRECTORIES="$TRASH" assetgen build -n >"$TRASH/out") &&
	(cd theirs/sub && ASSETGEN_SAFE_DIRECTORIES="*" assetgen build -n >"$TRASH/out") &&
	(cd theirs/sub && must_fail 2 env ASSETGEN_SAFE_DIRECTORIES="$TRASH/shared:theirs" assetgen build -n 2>"$TRASH/err") &&
	grep -q "its directory is owned by another user" err
'

test_expect_success 'the caller own projects work as before, from any directory below' '
	new_project own && echo "assets: [{name: a, prompt: x, seed: 1, size: 32x32}]" >own/recipes/a.yaml &&
	mkdir -p own/recipes/deep/er && (cd own/recipes/deep/er && assetgen build >"$TRASH/out") &&
	grep -q "1 generated" out && test -s own/dist/a.png
'

test_expect_success 'watch and why find the project the same way' '
	(cd shared/mine && must_fail 2 timeout 10 assetgen watch 2>"$TRASH/err") && grep -q "not using" err &&
	cp own/dist/a.png a.png && (cd shared/mine && assetgen why "$TRASH/a.png" >"$TRASH/out" 2>&1 || true) &&
	grep -q "not using .*shared/assetgen.yaml" out
'

test_done
