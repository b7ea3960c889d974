#!/bin/bash
# The Bazel HTTP cache protocol on a real nginx: the paths bazel-remote
# accepts, ActionResults that protoc decodes with REAPI's field numbers, an
# entry record the CAS holds too, and the old layout named, not read.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"

start_nginx || exit 1

ac=$NGINX_ROOT/cache/a/ac
cas=$NGINX_ROOT/cache/a/cas
PROTO_DIR=$TEST_TOP/tests/proto
decode() { protoc -I "$PROTO_DIR" --decode=build.bazel.remote.execution.v2.ActionResult "$PROTO_DIR/remote_execution.proto"; }
encode() { protoc -I "$PROTO_DIR" --encode=build.bazel.remote.execution.v2.ActionResult "$PROTO_DIR/remote_execution.proto"; }

# project DIR URL: three built-in assets, uploading to URL
project() {
	mkdir -p "$1/recipes"
	printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\ncache:\n  remote: {url: "%s", upload: true}\n' "$2" >"$1/assetgen.yaml"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: one, prompt: "one", seed: 1, size: 48x32}
  - {name: two, prompt: "two", seed: 2, size: 40x40}
  - {name: three, prompt: "three", seed: 3, size: 32x24}
YAML
}

# ac_name KEY: the action-cache name of a key, the SHA-256 of its 16 bytes
ac_name() { python3 -c 'import hashlib, sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())' "$1"; }

test_expect_success 'protoc is installed (make test-deps)' 'command -v protoc'

# every GET and PUT (each asset has two entries, its output's and its
# pixels', which name one blob); the other requests are HEADs for the old
# layout, sent (for up to four keys) once when every lookup of a run missed
test_expect_success 'every request path is one bazel-remote accepts' '
	project a "$NGINX_URL/a" && assetgen -C a build >out &&
	grep -q "remote cache .*: 0 hits, 6 misses.*; 15 uploaded" out &&
	grep " /cache/a/" "$TRASH/nginx/access.log" >log &&
	python3 -c "
import re, sys
rx = re.compile(r\"^/?(.*/)?(ac/|cas/)([a-f0-9]{64})$\")
old = re.compile(r\"^/cache/a/ac/[0-9a-f]{32}$\")
n = {\"GET\": 0, \"PUT\": 0, \"HEAD\": 0}
for line in open(\"log\"):
    method, path = line.split(chr(34))[1].split()[:2]
    n[method] += 1
    if method == \"HEAD\":
        assert old.match(path), path
    else:
        assert rx.match(path), path
assert n[\"GET\"] == 9 and n[\"PUT\"] == 15 and n[\"HEAD\"] == 4, n
"
'

test_expect_success 'entries sit at ac/SHA-256 of the key, blobs at cas/their SHA-256' '
	test "$(ls "$ac" | wc -l)" = 6 &&
	grep -v "^#" a/assetgen.lock >lines && test "$(wc -l <lines)" = 3 &&
	while read -r name key digest sha model seed; do
		test -f "$ac/$(ac_name "$key")" && test -f "$cas/$sha" &&
		test "$(sha256sum <"$cas/$sha" | cut -c1-64)" = "$sha" || return 1
	done <lines &&
	for f in "$cas"/*; do test "$(sha256sum <"$f" | cut -c1-64)" = "$(basename "$f")" || return 1; done
'

test_expect_success 'protoc decodes each entry as an ActionResult naming the artifact and the record' '
	while read -r name key digest sha model seed; do
		decode <"$ac/$(ac_name "$key")" >txt &&
		test "$(grep -c "^output_files {" txt)" = 2 &&
		grep -A4 "path: \"artifact\"" txt >art &&
		grep -q "hash: \"$sha\"" art &&
		grep -q "size_bytes: $(stat -c %s "$cas/$sha")$" art &&
		grep -A6 "path: \"entry.json\"" txt >rec &&
		rsha=$(sed -n "s/.*hash: \"\([0-9a-f]*\)\".*/\1/p" rec) &&
		test -f "$cas/$rsha" &&
		grep -q "size_bytes: $(stat -c %s "$cas/$rsha")$" rec &&
		grep -q "\"key\":\"$key\"" "$cas/$rsha" && grep -q "\"sha256\":\"$sha\"" "$cas/$rsha" &&
		grep -q "contents: " rec || return 1
	done <lines
'

test_expect_success 'a teammate hits every entry: zero renders, the same bytes' '
	project b "$NGINX_URL/a" && assetgen -C b build >out &&
	grep -q "remote cache .*: 6 hits, 0 misses, 0 errors, 0 rejected" out &&
	for f in one two three; do cmp a/dist/$f.png b/dist/$f.png || return 1; done
'

test_expect_success 'a server that keeps no inline contents: the record comes from the CAS' '
	for f in "$ac"/*; do
		decode <"$f" | grep -v "^  contents: " | encode >stripped && cp stripped "$f" || return 1
	done &&
	! decode <"$f" | grep -q contents &&
	project c "$NGINX_URL/a" && assetgen -C c build >out &&
	grep -q "remote cache .*: 6 hits, 0 misses, 0 errors, 0 rejected" out &&
	for f in one two three; do cmp a/dist/$f.png c/dist/$f.png || return 1; done
'

test_expect_success 'an ActionResult naming another artifact than its record is rejected' '
	read -r name key digest sha model seed <lines &&
	f=$ac/$(ac_name "$key") &&
	decode <"$f" | sed "0,/hash: \"$sha\"/s//hash: \"$(printf %064d 0)\"/" | encode >forged &&
	cp forged "$f" &&
	project d "$NGINX_URL/a" && assetgen -C d build >out 2>err &&
	grep -q "rejected entry for $key: its ActionResult names another artifact than its entry record" err &&
	grep -q "remote cache .*: 5 hits, 0 misses, 0 errors, 1 rejected" out &&
	cmp "a/dist/$name.png" "d/dist/$name.png"
'

test_expect_success 'garbage under an entry name is rejected, not a hit' '
	read -r name key digest sha model seed <lines &&
	echo "{\"version\": 1}" >"$ac/$(ac_name "$key")" &&
	project e "$NGINX_URL/a" && assetgen -C e build >out 2>err &&
	grep -q "rejected entry for $key: not an ActionResult" err
'

test_expect_success 'a remote in the old layout is named once, not read' '
	project o "$NGINX_URL/old" && sed -i "s/, upload: true//" o/assetgen.yaml &&
	assetgen -C o build -n >/dev/null 2>&1; read -r name key digest sha model seed <lines &&
	mkdir -p "$NGINX_ROOT/cache/old/ac" "$NGINX_ROOT/cache/old/cas" &&
	for k in $(cut -d" " -f2 lines); do echo "{\"version\":1}" >"$NGINX_ROOT/cache/old/ac/$k"; done &&
	assetgen -C o build >out 2>err &&
	test "$(grep -c "holds entries in the layout of earlier versions" err)" = 1 &&
	grep -q "cache push" err &&
	grep -q "remote cache .*: 0 hits, 6 misses" out
'

test_expect_success 'a remote that is simply empty draws no such message' '
	project p "$NGINX_URL/empty" && sed -i "s/, upload: true//" p/assetgen.yaml &&
	assetgen -C p build >out 2>err &&
	! grep -q "layout" err && grep -q "remote cache .*: 0 hits, 6 misses" out
'

test_done
