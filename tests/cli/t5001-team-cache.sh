#!/bin/bash
# The team cache on a real nginx (WebDAV) and the lock file: teammates and
# CI reuse one another's renders, safely, without paying twice.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"

start_fake || exit 1
start_nginx || exit 1

# checkout DIR [URL]: the same project in another directory, own local cache
checkout() {
	mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<YAML
models:
  gen:   {provider: http, endpoint: "$FAKE/http/generate", cost: 0.02}
  local: {provider: builtin}
routes:
  - use: [gen]
cache:
  remote: {url: "${2:-$NGINX_URL}"}
YAML
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: hero, prompt: "hero shot", seed: 1, size: 96x64, upscale: {factor: 2, with: lanczos3}}
  - {name: banner, prompt: "Banner reading 'Sale'", seed: 2, size: 128x48}
  - {name: "icon-{c}", matrix: {c: [red, blue]}, prompt: "icon {c}", seed: 3, size: 32x32}
YAML
}

calls() { fake_count http; }

test_expect_success 'teammate A builds and uploads' '
	checkout a && assetgen -C a build --upload >out &&
	test "$(calls)" = 4 && grep -q "remote cache .*: 0 hits, 9 misses" out &&
	grep -q "uploaded" out &&
	test "$(ls "$NGINX_ROOT/cache/cas" | wc -l)" = 14 && test "$(ls "$NGINX_ROOT/cache/ac" | wc -l)" = 9 &&
	test -s a/assetgen.lock && test "$(grep -vc "^#" a/assetgen.lock)" = 4
'

test_expect_success 'the lock has one sorted line per asset: name key digest sha256 model seed' '
	grep -v "^#" a/assetgen.lock | cut -d" " -f1 >names && sort -c names &&
	grep -qE "^hero [0-9a-f]{32} [0-9a-f]{32} [0-9a-f]{64} gen 1$" a/assetgen.lock
'

test_expect_success 'teammate B with an empty cache: zero model calls, byte-identical outputs' '
	checkout b && n=$(calls) && assetgen -C b build --report r.json >out &&
	test "$(calls)" = "$n" &&
	for f in hero banner icon-red icon-blue; do cmp a/dist/$f.png b/dist/$f.png; done &&
	test "$(json_get r.json "j[\"cache\"][\"remote_hits\"]")" = 4 &&
	test "$(json_get r.json "j[\"cache\"][\"remote\"][\"hits\"]")" -ge 4 &&
	cmp a/assetgen.lock b/assetgen.lock
'

test_expect_success 'CI: --locked in a third checkout reproduces the pinned renders, no calls' '
	checkout c && cp a/assetgen.lock c/ && n=$(calls) &&
	assetgen -C c build --locked >out && test "$(calls)" = "$n" &&
	for f in hero banner icon-red icon-blue; do cmp a/dist/$f.png c/dist/$f.png; done
'

test_expect_success '--locked with an unpinned asset fails, names it, makes no call' '
	echo "  - {name: extra, prompt: new, seed: 9, size: 32x32}" >>c/recipes/a.yaml &&
	n=$(calls) && must_fail 1 assetgen -C c build --locked >out 2>err &&
	grep -q "FAILED extra: not pinned in assetgen.lock" err && test "$(calls)" = "$n"
'

test_expect_success '--locked with a changed prompt fails, naming the asset, no call' '
	sed -i "s/hero shot/hero shot v2/" c/recipes/a.yaml && n=$(calls) &&
	must_fail 1 assetgen -C c build --locked >out 2>err &&
	grep -q "FAILED hero: its key is not the one assetgen.lock pins" err && test "$(calls)" = "$n"
'

test_expect_success 'status reports a stale lock' '
	must_fail 1 assetgen -C c status >out && grep -q "lock .*hero .*older key" out &&
	grep -q "lock .*extra .*not pinned" out &&
	assetgen -C a status >out && grep -q "up to date" out
'

test_expect_success 'corrupted blobs on the server are rejected and regenerated, never placed' '
	for f in "$NGINX_ROOT"/cache/cas/*; do printf "x" >>"$f"; done &&
	checkout d && n=$(calls) && assetgen -C d build --report r.json >out 2>err &&
	grep -q "rejected blob" err && test "$(json_get r.json "j[\"cache\"][\"remote\"][\"rejected\"]")" -ge 4 &&
	test "$(calls)" = "$((n + 4))" &&
	for f in hero banner icon-red icon-blue; do cmp a/dist/$f.png d/dist/$f.png; done
'

test_expect_success '... and under --locked they make the build fail, never placed' '
	checkout e && cp a/assetgen.lock e/ && n=$(calls) &&
	must_fail 1 assetgen -C e build --locked >out 2>err &&
	grep -q "is in neither the local nor the remote cache" err && test "$(calls)" = "$n" &&
	! test -e e/dist/hero.png
'

test_expect_success 'cache push repairs the server from a local cache' '
	rm -rf "$NGINX_ROOT"/cache/cas && assetgen -C a cache push >out &&
	assetgen -C e build --locked >out && cmp a/dist/hero.png e/dist/hero.png
'

test_expect_success 'cache pull fetches what the lock pins' '
	checkout f && cp a/assetgen.lock f/ && assetgen -C f cache pull >out &&
	grep -q "pulled 4 of 4" out && n=$(calls) &&
	ASSETGEN_REMOTE_CACHE=http://127.0.0.1:9/nothing assetgen -C f build --locked >out 2>&1 &&
	test "$(calls)" = "$n" && cmp a/dist/hero.png f/dist/hero.png
'

# blob PATH: where a local cache keeps the blob of DIGEST ($2) under PATH
blob() { echo "$1/cache/objects/$(echo "$2" | cut -c1-2)/$(echo "$2" | cut -c3-)"; }

test_expect_success 'pulling 120 blobs of mixed sizes: each one whole; tampered and missing ones never stored' '
	mkdir -p many/recipes &&
	printf "models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\ncache:\n  remote: {url: \"$NGINX_URL/many\"}\n" >many/assetgen.yaml &&
	{ echo "assets:"; for i in $(seq 1 120); do
		echo "  - {name: m$i, prompt: \"many $i\", seed: $i, size: $((16 + i % 7 * 40))x$((16 + i % 5 * 24))}"
	done; } >many/recipes/a.yaml &&
	assetgen -C many build --upload -j 2 >out &&
	cas=$NGINX_ROOT/cache/many/cas && test "$(ls "$cas" | wc -l)" = 360 &&
	d() { awk -v n="$1" "\$1 == n { print \$4 }" many/assetgen.lock; } &&
	x() { awk -v n="$1" "\$1 == n { print \$3 }" many/assetgen.lock; } &&
	printf x >>"$cas/$(d m7)" &&
	head -c 100 "$cas/$(d m50)" >cut && cp cut "$cas/$(d m50)" &&
	cp "$cas/$(d m98)" "$cas/$(d m99)" &&
	rm "$cas/$(d m20)" "$cas/$(d m80)" &&
	mkdir pm && cp -r many/assetgen.yaml many/recipes many/assetgen.lock pm/ &&
	must_fail 1 assetgen -C pm cache pull >out 2>err &&
	grep -q "^pulled 115 of 120 pinned artifacts" out &&
	test "$(grep -c "rejected blob .*do not match the lock" err)" = 3 &&
	test "$(grep -c "is not in the remote cache" err)" = 5 &&
	for i in $(seq 1 120); do
		case " 7 20 50 80 99 " in
		*" $i "*) ! test -e "$(blob pm "$(x m$i)")" || return 1 ;;
		*) cmp "$cas/$(d m$i)" "$(blob pm "$(x m$i)")" || return 1 ;;
		esac
	done &&
	test -z "$(find pm/cache -name ".*tmp*")" &&
	assetgen -C pm cache verify >v && grep -q " 0 corrupt" v &&
	assetgen -C pm cache stats >st && grep -q "^entries: *230$" st &&
	mkdir pb && cp -r many/assetgen.yaml many/recipes pb/ &&
	assetgen -C pb build -j 2 >out 2>err &&
	grep -q "remote cache .*: 230 hits, 4 misses, 0 errors, 6 rejected" out &&
	test "$(grep -c "rejected blob .*do not match its entry" err)" = 6 &&
	for i in $(seq 1 120); do cmp many/dist/m$i.png pb/dist/m$i.png || return 1; done
'

test_expect_success 'the cache server stopped: the build still succeeds and reports errors' '
	stop_nginx && checkout g && assetgen -C g build --report r.json >out 2>err &&
	test -s g/dist/hero.png && grep -q "remote cache .*errors" out &&
	test "$(json_get r.json "j[\"cache\"][\"remote\"][\"errors\"]")" -ge 1
'
start_nginx || exit 1     # (not inside a test: its subshell would stop it on exit)

test_expect_success 'with a secret, entries are signed; unsigned ones are rejected' '
	checkout s1 "$NGINX_URL/signed" && n=$(calls) &&
	assetgen -C s1 build --upload >out && test "$(calls)" = "$((n + 4))" &&
	checkout s2 "$NGINX_URL/signed" &&
	ASSETGEN_CACHE_SECRET=team-secret assetgen -C s2 build --report r.json >out 2>err &&
	test "$(json_get r.json "j[\"cache\"][\"remote\"][\"rejected\"]")" -ge 4 &&
	grep -q "entry is not signed" err
'

test_expect_success 'a forged or swapped entry is rejected by readers with the secret' '
	checkout s3 "$NGINX_URL/signed2" &&
	ASSETGEN_CACHE_SECRET=team-secret assetgen -C s3 build --upload >out &&
	ac="$NGINX_ROOT/cache/signed2/ac" &&
	grep -l "\"stage\":\"gen\"" "$ac"/* | head -2 >two && test "$(wc -l <two)" = 2 &&
	cp "$(sed -n 1p two)" "$(sed -n 2p two)" &&
	checkout s4 "$NGINX_URL/signed2" &&
	ASSETGEN_CACHE_SECRET=team-secret assetgen -C s4 build --report r.json >out 2>err &&
	grep -q "rejected entry" err &&
	for f in hero banner icon-red icon-blue; do cmp s3/dist/$f.png s4/dist/$f.png; done &&
	checkout s5 "$NGINX_URL/signed2" &&
	ASSETGEN_CACHE_SECRET=wrong-secret assetgen -C s5 build >out 2>err &&
	grep -q "signature does not match" err
'

test_expect_success 'a shared directory works as a remote (file://)' '
	checkout fa "file://$TRASH/shared" && assetgen -C fa build --upload >out &&
	test -d shared/cas && test -d shared/ac &&
	checkout fb "file://$TRASH/shared" && n=$(calls) && assetgen -C fb build >out &&
	test "$(calls)" = "$n" && cmp fa/dist/hero.png fb/dist/hero.png &&
	test -z "$(find shared -name ".*tmp*")"
'

# poisoned NAME URL CAS: teammate NAME-a uploads, every blob in CAS (the
# remote's cas/ directory) gets a byte more, NAME-b rebuilds with --upload,
# and then NAME-c finds every render on the remote, with no model call
poisoned() {
	checkout "$1-a" "$2" && assetgen -C "$1-a" build --upload >out &&
	for f in "$3"/*; do printf "x" >>"$f"; done &&
	checkout "$1-b" "$2" && assetgen -C "$1-b" build --upload >out 2>err &&
	grep -q "rejected blob" err &&
	test "$(grep -c "there does not match its name; replacing it" err)" = 5 &&
	for f in "$3"/*; do
		test "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" || return 1
	done &&
	checkout "$1-c" "$2" && n=$(calls) && assetgen -C "$1-c" build >out 2>err &&
	test "$(calls)" = "$n" && grep -q "remote cache .*: 9 hits, 0 misses, 0 errors, 0 rejected" out &&
	for f in hero banner icon-red icon-blue; do cmp "$1-a/dist/$f.png" "$1-c/dist/$f.png" || return 1; done
}

test_expect_success 'a bad blob under its name on a file:// remote is replaced by the next upload' '
	poisoned pf "file://$TRASH/poison" "$TRASH/poison/cas"
'

test_expect_success '... and on an HTTP remote' '
	poisoned ph "$NGINX_URL/poison" "$NGINX_ROOT/cache/poison/cas"
'

test_expect_success 'four concurrent builds and a gc on one cache: all succeed, each key generated once' '
	fake_ctl POST /_control/reset >/dev/null && fake_ctl POST /_control/faults "{\"latency_ms\": 200}" >/dev/null &&
	mkdir -p con/recipes &&
	printf "models:\n  gen: {provider: http, endpoint: \"$FAKE/http/generate\", cost: 0.02}\nroutes:\n  - use: [gen]\n" >con/assetgen.yaml &&
	{ echo "assets:"; for i in $(seq 1 12); do echo "  - {name: c$i, prompt: \"concurrent $i\", seed: $i, size: 32x32}"; done; } >con/recipes/a.yaml &&
	{ for i in $(seq 1 30); do assetgen -C con cache gc --max-size 0 >>gcout 2>>gcerr; sleep 0.1; done & } &&
	for k in 1 2 3 4; do assetgen -C con build -j 4 >out$k 2>err$k & done; wait &&
	! grep -qi "busy\|locked\|error" gcerr && grep -q "younger than" gcout &&
	for k in 1 2 3 4; do ! grep -q FAILED err$k; done &&
	test "$(fake_count http)" = 12 && test "$(ls con/dist/*.png | wc -l)" = 12 &&
	assetgen -C con cache verify >v && grep -q " 0 corrupt" v &&
	! grep -i "busy\|locked" err1 err2 err3 err4
'

test_expect_success 'cache gc never removes what the lock pins' '
	sed -i "s/hero shot/hero shot, gc/" a/recipes/a.yaml && assetgen -C a build >out &&
	before=$(ls -R a/cache/objects | grep -c "^[0-9a-f]\{30\}$") &&
	assetgen -C a cache gc --max-size 0 --grace 0 >out && grep -q "kept 4 pinned" out &&
	after=$(ls -R a/cache/objects | grep -c "^[0-9a-f]\{30\}$") && test "$after" = 4 &&
	test "$before" -gt 4 && rm -rf a/dist &&
	ASSETGEN_REMOTE_CACHE=http://127.0.0.1:9/nothing assetgen -C a build --locked >out 2>&1 &&
	test -s a/dist/hero.png
'

test_expect_success 'cache gc --older-than keeps recently used blobs' '
	assetgen -C b cache gc --older-than 1 >out && grep -q "removed 0 blobs" out
'

test_done
