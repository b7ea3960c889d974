#!/bin/bash
# Usage, version, help, exit codes for bad invocations.
. "$(dirname "$0")/lib.sh"

test_expect_success '--version prints the version' '
	assetgen --version | grep -E "^assetgen [0-9]+\.[0-9]+\.[0-9]+$"
'

test_expect_success '--help lists the commands' '
	assetgen --help >out &&
	for c in build status routes clean graph upscale cache bench; do grep -q "^  $c " out; done
'

test_expect_success 'every command has --help, exit 0' '
	for c in build status routes clean graph upscale cache bench; do
		assetgen $c --help >out && grep -q "usage: assetgen $c" out || { echo "$c"; exit 1; }
	done
'

test_expect_success 'no command is a usage error (exit 2)' '
	must_fail 2 assetgen 2>err && grep -q "usage:" err
'

test_expect_success 'unknown command suggests the nearest' '
	must_fail 2 assetgen biuld 2>err &&
	grep -qx "assetgen: unknown command '"'"'biuld'"'"' (did you mean '"'"'build'"'"'?)" err
'

test_expect_success 'unknown option is exit 2' '
	new_project p && must_fail 2 assetgen -C p build --frobnicate 2>err &&
	grep -q "unknown option" err
'

test_expect_success 'bad -j value is exit 2' '
	new_project p && must_fail 2 assetgen -C p build -j zero 2>err && grep -q "option .-j." err
'

test_expect_success 'no assetgen.yaml anywhere is exit 2 with a hint' '
	mkdir -p empty/sub && must_fail 2 assetgen -C empty/sub build 2>err &&
	grep -q "no assetgen.yaml" err && grep -q "assetgen init" err
'

test_expect_success 'assetgen.yaml is found walking up from a subdirectory' '
	new_project p && mkdir -p p/recipes/deep/er &&
	printf "assets:\n  - {name: a, prompt: hi, seed: 1, size: 32x32}\n" >p/recipes/a.yaml &&
	(cd p/recipes/deep/er && assetgen build) &&
	test -f p/dist/a.png && ! test -e p/recipes/deep/er/dist
'

test_expect_success 'unknown asset on the command line suggests the nearest' '
	new_project q &&
	printf "assets:\n  - {name: hero, prompt: hi, seed: 1, size: 32x32}\n" >q/recipes/a.yaml &&
	must_fail 2 assetgen -C q build heor 2>err &&
	grep -q "unknown asset .heor. (did you mean .hero.?)" err && ! test -e q/dist
'

test_done
