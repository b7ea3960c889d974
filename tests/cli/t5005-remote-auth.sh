#!/bin/bash
# Authenticated writes to a real nginx: user:password or a bearer token
# from a variable the config names, or ~/.netrc; never printed; a refused
# upload is said once, with what to set.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"

start_nginx || exit 1

# project DIR URL [EXTRA]: two built-in assets uploading to URL; EXTRA goes
# into cache.remote
project() {
	mkdir -p "$1/recipes"
	printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\ncache:\n  remote: {url: "%s", upload: true%s}\n' "$2" "${3:+, $3}" >"$1/assetgen.yaml"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: one, prompt: "one", seed: 1, size: 48x32}
  - {name: two, prompt: "two", seed: 2, size: 40x40}
YAML
}

# no_secret FILE...: neither the password nor the token is in any of them
no_secret() { ! grep -q "s3cret\|tok-3f9a1c\|Y2k6czNjcmV0" "$@"; }

test_expect_success 'an upload without credentials: refused once, saying what to set' '
	project a "$NGINX_URL/auth" && assetgen -C a build >out 2>err &&
	test "$(grep -c "refused" err)" = 1 &&
	grep -q "remote cache http://127.0.0.1:$NGINX_PORT/cache/auth: uploads refused (HTTP 401 Unauthorized): set a variable named by cache.remote.bearer_env (a token) or cache.remote.basic_env (user:password), or add the host to ~/.netrc" err &&
	grep -q "0 uploaded, 6 upload errors" out &&
	test -z "$(find "$NGINX_ROOT/cache/auth" -type f 2>/dev/null)"
'

test_expect_success 'basic_env names the variable; unset, the message names it' '
	project b "$NGINX_URL/auth" "basic_env: TEAM_CACHE_AUTH" &&
	assetgen -C b build >out 2>err &&
	grep -q "uploads refused (HTTP 401 Unauthorized): set TEAM_CACHE_AUTH$" err
'

test_expect_success 'user:password from it: uploads go through, and nothing prints it' '
	rm -rf b/cache b/dist &&
	TEAM_CACHE_AUTH=ci:s3cret assetgen -C b -v build --report r.json >out 2>err &&
	grep -q "remote cache http://127.0.0.1:$NGINX_PORT/cache/auth: 0 hits, 4 misses.*; 10 uploaded, 0 upload errors" out &&
	test "$(ls "$NGINX_ROOT/cache/auth/ac" | wc -l)" = 4 &&
	no_secret out err r.json && ! grep -rq "s3cret" b/cache b/dist b/assetgen.lock
'

test_expect_success 'a teammate reads without credentials (GET is open)' '
	project c "$NGINX_URL/auth" && sed -i "s/, upload: true//" c/assetgen.yaml &&
	assetgen -C c build >out 2>err && grep -q ": 4 hits, 0 misses" out && ! grep -q refused err
'

test_expect_success 'wrong credentials: refused once, naming the variable, never the value' '
	project d "$NGINX_URL/auth" "basic_env: TEAM_CACHE_AUTH" &&
	sed -i "s/seed: 1,/seed: 11,/; s/seed: 2,/seed: 12,/" d/recipes/a.yaml &&
	TEAM_CACHE_AUTH=ci:wrong-pass assetgen -C d build >out 2>err &&
	test "$(grep -c "refused" err)" = 1 &&
	grep -q "uploads refused (HTTP 401 Unauthorized): the server does not accept the credentials in TEAM_CACHE_AUTH" err &&
	! grep -q "wrong-pass" out err
'

test_expect_success 'a value without a colon is refused at start' '
	project e "$NGINX_URL/auth" "basic_env: TEAM_CACHE_AUTH" &&
	TEAM_CACHE_AUTH=justatoken must_fail 2 assetgen -C e build >out 2>err &&
	grep -q "TEAM_CACHE_AUTH must hold user:password" err && ! grep -q justatoken out err
'

test_expect_success 'a credential in place of a variable name is an input error, not echoed' '
	project f "$NGINX_URL/auth" "basic_env: \"ci:s3cret\"" &&
	must_fail 2 assetgen -C f build >out 2>err &&
	grep -q "assetgen.yaml:6:[0-9]*: .basic_env. must be an environment variable name" err && no_secret out err
'

test_expect_success '~/.netrc gives the credentials when the config names none' '
	project g "$NGINX_URL/auth" && sed -i "s/seed: 1,/seed: 21,/; s/seed: 2,/seed: 22,/" g/recipes/a.yaml &&
	printf "machine 127.0.0.1\nlogin ci\npassword s3cret\n" >"$HOME/.netrc" &&
	assetgen -C g -v build >out 2>err; rc=$?; rm -f "$HOME/.netrc" && test $rc = 0 &&
	grep -q "10 uploaded, 0 upload errors" out && no_secret out err
'

test_expect_success 'a bearer token from bearer_env: lookups and uploads carry it' '
	project h "$NGINX_URL/token" "bearer_env: TEAM_CACHE_TOKEN" &&
	assetgen -C h build >out 2>err &&
	grep -q "lookups refused (HTTP 401 Unauthorized): set TEAM_CACHE_TOKEN$" err &&
	test "$(grep -c refused err)" = 1 &&
	rm -rf h/cache h/dist && TEAM_CACHE_TOKEN=tok-3f9a1c assetgen -C h -v build >out 2>err &&
	grep -q ": 0 hits, 4 misses, 0 errors.*; 10 uploaded, 0 upload errors" out && no_secret out err &&
	project i "$NGINX_URL/token" "bearer_env: TEAM_CACHE_TOKEN" &&
	TEAM_CACHE_TOKEN=tok-3f9a1c assetgen -C i build >out 2>err && grep -q ": 4 hits, 0 misses" out
'

test_done
