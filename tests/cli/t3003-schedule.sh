#!/bin/bash
# -j, -k, subsets, reproducibility across directories.
. "$(dirname "$0")/lib.sh"

many() {
	new_project "$1"
	{
		echo "assets:"
		for i in 1 2 3 4 5 6 7 8; do
			echo "  - {name: a$i, prompt: \"asset number $i, pastel\", seed: $i, size: 48x32}"
		done
	} >"$1/recipes/a.yaml"
}

test_expect_success 'the same project in two directories gives byte-identical outputs' '
	many one && many two &&
	assetgen -C one build -j 1 >/dev/null && assetgen -C two build -j 4 >/dev/null &&
	for i in 1 2 3 4 5 6 7 8; do cmp one/dist/a$i.png two/dist/a$i.png; done
'

test_expect_success 'a subset builds only the named assets' '
	many s && assetgen -C s build a2 a5 >out &&
	test "$(ls s/dist/*.png | wc -l)" = 2 && test -f s/dist/a2.png && test -f s/dist/a5.png
'

test_expect_success 'a matrix group name selects its variants' '
	new_project m &&
	printf "assets:\n  - {name: \"p-{s}\", matrix: {s: [x, y]}, prompt: \"p {s}\", seed: 1, size: 8x8}\n  - {name: q, prompt: q, seed: 1, size: 8x8}\n" >m/recipes/a.yaml &&
	assetgen -C m build "p-{s}" >out && test -f m/dist/p-x.png && test -f m/dist/p-y.png &&
	! test -e m/dist/q.png
'

failing_project() {
	new_project f
	cat >f/assetgen.yaml <<'YAML'
models:
  local: {provider: builtin}
  broken: {provider: http, endpoint: "http://127.0.0.1:9/generate"}
routes:
  - use: [local]
YAML
	{
		echo "assets:"
		echo "  - {name: a0-broken, prompt: x, seed: 1, size: 8x8, model: broken}"
		for i in 1 2 3; do echo "  - {name: a$i, prompt: x$i, seed: $i, size: 8x8}"; done
	} >f/recipes/a.yaml
}

test_expect_success 'a failed step fails the build (exit 1) and stops dispatching' '
	failing_project &&
	must_fail 1 assetgen -C f build -j 1 >out 2>err &&
	grep -q "FAILED a0-broken" err && ! test -e f/dist/a3.png &&
	grep -q "not built" out
'

test_expect_success '-k keeps going: everything else is built, still exit 1' '
	must_fail 1 assetgen -C f build -j 1 -k >out 2>err &&
	for i in 1 2 3; do test -f f/dist/a$i.png; done && ! test -e f/dist/a0-broken.png
'

test_expect_success 'status then lists only the failed asset' '
	must_fail 1 assetgen -C f status >out &&
	grep -q "a0-broken" out && ! grep -q "^generate *a1 " out
'

test_expect_success '-j N runs with N workers and builds everything' '
	many j && assetgen -C j build -j 3 >out && test "$(ls j/dist/*.png | wc -l)" = 8
'

test_expect_success 'clean removes outputs; clean --cache the cache too' '
	assetgen -C j clean >out && grep -q "removed 8 outputs" out && test -z "$(ls j/dist)" &&
	assetgen -C j build >out && grep -q "8 restored" out &&
	assetgen -C j clean --cache >out && ! test -e j/cache && test -z "$(ls j/dist)"
'

test_expect_success 'graph prints DOT with every asset' '
	many g && assetgen -C g graph >g.dot && head -1 g.dot | grep -q "^digraph assetgen" &&
	test "$(grep -c "\"a[0-9]\" \[shape=box\]" g.dot)" = 8
'

test_expect_success 'SIGINT stops the build with 130, keeping finished work' '
	new_project big &&
	{ echo "assets:"; for i in $(seq 1 60); do echo "  - {name: b$i, prompt: \"b $i photoreal\", seed: $i, size: 1024x1024}"; done; } >big/recipes/a.yaml &&
	{ "$ASSETGEN" -C big build -j 1 >out 2>err & pid=$!; } &&
	sleep 0.5 && kill -INT $pid && rc=0 && { wait $pid || rc=$?; } &&
	test $rc = 130 && grep -q "interrupted" err &&
	n=$(ls big/dist | wc -l) && test "$n" -gt 0 && test "$n" -lt 60 &&
	test -z "$(find big/dist big/cache -name ".*tmp*")" &&
	assetgen -C big build -j 2 >out2 && test "$(grep -c " generate " out2)" = $((60 - n))
'

test_done
