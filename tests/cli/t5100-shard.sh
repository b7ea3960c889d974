#!/bin/bash
# A build split across machines: four shards, each with its own local
# cache, build their parts into one nginx remote; a fan-in in a fresh
# checkout places everything from it.  The result is the one-machine
# build, byte for byte, and each asset was generated once.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"

start_fake || exit 1
start_nginx || exit 1

NASSETS=12

# checkout DIR [URL [EXTRA]]: the project in DIR/app (the gallery is titled
# by the project directory's name, the same in every checkout), with its
# own local cache; the remote URL (none when empty); EXTRA more recipe lines
checkout() {
	set -- "$1/app" "${2:-}" "${3:-}"
	mkdir -p "$1/recipes"
	{
		printf 'models:\n  gen: {provider: http, endpoint: "%s/http/generate", cost: 0.02, api_key_env: GEN_KEY}\n' "$FAKE"
		printf 'routes:\n  - use: [gen]\n'
		[ -z "${2:-}" ] || printf 'cache:\n  remote: {url: "%s"}\n' "$2"
	} >"$1/assetgen.yaml"
	{
		echo "assets:"
		echo "  - {name: hero, prompt: \"hero shot\", seed: 1, size: 48x32, upscale: {factor: 2, with: lanczos3}}"
		for i in $(seq 2 $NASSETS); do
			echo "  - {name: a$i, prompt: \"asset $i\", seed: $i, size: 32x32}"
		done
		[ -z "${3:-}" ] || printf '%s\n' "$3"
	} >"$1/recipes/a.yaml"
}

calls() { fake_count http; }

# the model's key: the shards have it, the fan-ins run without (they call no model)
export GEN_KEY=k-5100
fan_in() { env -u GEN_KEY assetgen "$@" build --from-cache; }

test_expect_success 'one machine builds the whole project' '
	checkout one && assetgen -C one/app build >out &&
	test "$(calls)" = $NASSETS && test "$(ls one/app/dist/*.png | wc -l)" = $NASSETS
'

test_expect_success 'four shards at once, own caches, one remote: each asset generated once' '
	fake_ctl POST /_control/reset >/dev/null &&
	for k in 0 1 2 3; do
		checkout s$k "$NGINX_URL/team" && { assetgen -C s$k/app build --shard $k/4 >out$k 2>err$k; echo $? >rc$k; } &
	done; wait &&
	for k in 0 1 2 3; do test "$(cat rc$k)" = 0 || { cat err$k; return 1; }; done &&
	test "$(calls)" = $NASSETS &&
	fake_ctl GET /_control/requests >reqs &&
	python3 -c "
import json, collections
reqs = json.load(open(\"reqs\"))
n = collections.Counter(r[\"prompt\"] for r in reqs)
assert len(n) == $NASSETS and set(n.values()) == {1}, n
"
'

test_expect_success 'the shards split the assets: disjoint, together all of them' '
	for k in 0 1 2 3; do ls s$k/app/dist | grep "\.png$" || :; done >placed &&
	test "$(wc -l <placed)" = $NASSETS && test "$(sort -u placed | wc -l)" = $NASSETS &&
	for k in 0 1 2 3; do n=$(ls s$k/app/dist | grep -c "\.png$") &&
		grep -q "assetgen: $n assets: $n generated" out$k || return 1; done
'

test_expect_success 'the shard of an asset is its key (as the lock writes it), low 64 bits, mod N' '
	grep -v "^#" one/app/assetgen.lock >lines && test "$(wc -l <lines)" = $NASSETS &&
	while read -r name key rest; do
		k=$(python3 -c "import sys; print(int(sys.argv[1][16:], 16) % 4)" "$key") &&
		test -f s$k/app/dist/$name.png || return 1
	done <lines
'

test_expect_success 'a shard plans its part alone (-n), the same split every time' '
	for k in 0 1 2 3; do assetgen -C one/app build -n -v --shard $k/4 | awk "\$2 != \"assets:\" { print \$2 }" >plan$k || return 1; done &&
	for k in 0 1 2 3; do ls s$k/app/dist | sed -n "s/\.png$//p" | sort >want$k && sort plan$k >got$k &&
		diff want$k got$k || return 1; done
'

test_expect_success 'the fan-in in a fresh checkout: zero calls, dist/ and the lock byte-identical' '
	n=$(calls) && checkout fan "$NGINX_URL/team" && fan_in -C fan/app >out &&
	test "$(calls)" = "$n" && grep -q "$NASSETS restored from cache" out &&
	diff -r one/app/dist fan/app/dist && cmp one/app/assetgen.lock fan/app/assetgen.lock &&
	test -s fan/app/dist/manifest.json && test -s fan/app/dist/index.html
'

test_expect_success 'the fan-in names every asset that no shard produced, exit 1, no call' '
	n=$(calls) &&
	checkout miss "$NGINX_URL/team" "  - {name: late, prompt: \"late\", seed: 90, size: 32x32}
  - {name: later, prompt: \"later\", seed: 91, size: 32x32}" &&
	must_fail 1 fan_in -C miss/app >out 2>err &&
	test "$(calls)" = "$n" &&
	grep -q "assetgen: --from-cache: 2 assets that no shard produced: late, later$" err &&
	grep -q "late.*no shard produced it" err && grep -q "later.*no shard produced it" err &&
	test ! -e miss/app/assetgen.lock
'

test_expect_success 'a shard that finds its part in its own cache still uploads it' '
	n=$(calls) &&
	for k in 0 1 2 3; do
		sed -i "s|$NGINX_URL/team|$NGINX_URL/fresh|" s$k/app/assetgen.yaml &&
		assetgen -C s$k/app build --shard $k/4 >rout$k 2>rerr$k || { cat rerr$k; return 1; }
	done &&
	test "$(calls)" = "$n" &&
	checkout fan2 "$NGINX_URL/fresh" && fan_in -C fan2/app >out &&
	diff -r one/app/dist fan2/app/dist
'

test_expect_success 'budgets are per shard' '
	fake_ctl POST /_control/reset >/dev/null &&
	for k in 0 1 2 3; do checkout b$k "$NGINX_URL/budget"; done &&
	big=0 && for k in 0 1 2 3; do n=$(ls s$k/app/dist | grep -c "\.png$"); [ $n -le $big ] || big=$n; done &&
	cap=$(python3 -c "print(0.02 * $big + 0.001)") &&
	for k in 0 1 2 3; do assetgen -C b$k/app build --shard $k/4 --budget $cap >bout$k 2>berr$k ||
		{ cat berr$k; return 1; }; done &&
	test "$(calls)" = $NASSETS &&
	checkout whole && must_fail 1 assetgen -C whole/app build --budget $cap >wout 2>werr &&
	grep -q "not built" wout
'

# graph DIR [URL]: the built-in model, two families joined by inputs and
# six assets on their own
graph() {
	mkdir -p "$1/app/recipes" &&
	{
		printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n'
		[ -z "${2:-}" ] || printf 'cache:\n  remote: {url: "%s"}\n' "$2"
	} >"$1/app/assetgen.yaml" &&
	cat >"$1/app/recipes/g.yaml" <<-YAML
	assets:
	  - {name: base1, prompt: "base one", seed: 1, size: 32x32}
	  - {name: d1, prompt: "on base one", seed: 2, size: 32x32, inputs: [{asset: base1, role: init, strength: 0.5}]}
	  - {name: d2, prompt: "on d1", seed: 3, size: 32x32, inputs: [{asset: d1}]}
	  - {name: base2, prompt: "base two", seed: 4, size: 32x32}
	  - {name: d3, prompt: "on base two", seed: 5, size: 32x32, inputs: [{asset: base2}]}
	  - {name: d4, prompt: "on base two too", seed: 6, size: 32x32, inputs: [{asset: base2, role: init, strength: 0.3}]}
	YAML
	for i in $(seq 1 6); do echo "  - {name: solo$i, prompt: \"solo $i\", seed: $((10 + i)), size: 32x32}"; done >>"$1/app/recipes/g.yaml"
}

test_expect_success 'assets joined by inputs are built on one shard: once, and the fan-in is the one-machine build' '
	graph gone && assetgen -C gone/app build >out &&
	for k in 0 1 2 3; do
		graph g$k "$NGINX_URL/graph" && assetgen -C g$k/app build --shard $k/4 >gout$k 2>gerr$k ||
			{ cat gerr$k; return 1; }
	done &&
	for k in 0 1 2 3; do ls g$k/app/dist | grep "\.png$" || :; done >placed &&
	test "$(wc -l <placed)" = 12 && test "$(sort -u placed | wc -l)" = 12 &&
	for k in 0 1 2 3; do
		n=$(ls g$k/app/dist | grep -c "\.png$") && grep -q "assetgen: $n assets: $n generated" gout$k &&
		if test -e g$k/app/dist/base1.png || test -e g$k/app/dist/d1.png || test -e g$k/app/dist/d2.png; then
			test -e g$k/app/dist/base1.png && test -e g$k/app/dist/d1.png && test -e g$k/app/dist/d2.png
		fi &&
		if test -e g$k/app/dist/base2.png || test -e g$k/app/dist/d3.png || test -e g$k/app/dist/d4.png; then
			test -e g$k/app/dist/base2.png && test -e g$k/app/dist/d3.png && test -e g$k/app/dist/d4.png
		fi || return 1
	done &&
	graph gfan "$NGINX_URL/graph" && assetgen -C gfan/app build --from-cache >out &&
	grep -q "12 restored from cache" out &&
	diff -r gone/app/dist gfan/app/dist && cmp gone/app/assetgen.lock gfan/app/assetgen.lock
'

test_expect_success 'bad --shard values and combinations: exit 2, a clear message, nothing written' '
	checkout bad "$NGINX_URL/bad" &&
	must_fail 2 assetgen -C bad/app build --shard 4/4 2>err && grep -q "shard 4 of 4 does not exist (they are 0 to 3)" err &&
	must_fail 2 assetgen -C bad/app build --shard 1/0 2>err && grep -q "wants a count N from 1 to 65536, not .1/0." err &&
	must_fail 2 assetgen -C bad/app build --shard 1/70000 2>err && grep -q "from 1 to 65536" err &&
	for v in x 1 /4 1/ -1/4 1/4/ " 1/4" 1/4x 0x1/4; do
		must_fail 2 assetgen -C bad/app build --shard "$v" 2>err &&
		grep -q "option .--shard. wants I/N, the shard I (from 0) of N, as in 0/4, not .$v.$" err || return 1
	done &&
	must_fail 2 assetgen -C bad/app build --shard 2>err && grep -q "option .--shard. needs a value" err &&
	must_fail 2 assetgen -C bad/app build --shard 0/2 --from-cache 2>err &&
	grep -q "options .--shard. and .--from-cache. do not go together" err &&
	must_fail 2 assetgen -C bad/app build --shard 0/2 --locked 2>err &&
	grep -q "options .--shard. and .--locked. do not go together" err &&
	must_fail 2 assetgen -C bad/app build --from-cache --locked 2>err &&
	grep -q "options .--from-cache. and .--locked. do not go together" err &&
	test ! -e bad/app/cache && test ! -e bad/app/dist && test ! -e "$NGINX_ROOT/cache/bad"
'

test_done
