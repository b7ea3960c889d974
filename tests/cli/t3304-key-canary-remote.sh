#!/bin/bash
# The signing key never leaves the machine that signs: with credentials
# configured and a team cache on a real nginx (uploads authenticated),
# no slice of the private key is in any blob, action result or entry
# record the remote holds, nor in nginx's logs, nor in any log, report,
# output or local cache, whether the key is a file or an environment
# variable, and after a teammate's pull, `cache push`, `why` and `verify`.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"

start_nginx || exit 1

# project DIR KEYSPEC: the demo's recipes, signed with KEYSPEC as the key,
# uploading to the authenticated remote
project() {
	mkdir -p "$1" && cp -r "$TEST_TOP/recipes" "$TEST_TOP/fonts" "$TEST_TOP/products" "$1/" &&
	cat >"$1/assetgen.yaml" <<-EOF
	models:
	  local: {provider: builtin}
	routes:
	  - use: [local]
	cache:
	  remote: {url: "$NGINX_URL/auth", upload: true, basic_env: TEAM_CACHE_AUTH}
	credentials:
	  key: $2
	  cert: $TRASH/creds/signer.pem
	EOF
}

# canaries: slices of the private key, one a line, as text (the PEM body,
# the raw seed in hex and base64); raw.bin: the seed's bytes
canaries() {
	python3 - "$TRASH/creds/signer.key" "$TRASH/raw.bin" <<-'PY'
	import base64, sys
	body = "".join(l for l in open(sys.argv[1]) if not l.startswith("-----"))
	der = base64.b64decode(body)
	assert len(der) == 48, len(der)        # PKCS#8 Ed25519: the seed is the last 32 bytes
	seed = der[-32:]
	open(sys.argv[2], "wb").write(seed)
	body = body.strip()
	# 16-character windows of the PEM past its fixed PKCS#8 prefix (the
	# first 22 characters are the same in every Ed25519 key), of the seed
	# in hex and in base64 on its own
	for i in range(24, len(body) - 15, 8):
	    print(body[i:i + 16])
	for i in range(0, 64 - 23, 8):
	    print(seed.hex()[i:i + 24])
	print(base64.b64encode(seed).decode()[4:28])
	PY
}

# leaks DIR...: print every file under DIR... that holds a canary (as
# text, or the seed's raw bytes, or any 12-byte slice of them)
leaks() {
	python3 - "$TRASH/canaries" "$TRASH/raw.bin" "$@" <<-'PY'
	import os, sys
	texts = [l.strip().encode() for l in open(sys.argv[1]) if l.strip()]
	seed = open(sys.argv[2], "rb").read()
	slices = texts + [seed[i:i + 12] for i in range(0, len(seed) - 11, 4)] + [b"PRIVATE KEY"]
	n = 0
	for top in sys.argv[3:]:
	    paths = [top] if os.path.isfile(top) else \
	        [os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs]
	    for p in paths:
	        if p.startswith(os.path.join(os.environ["TRASH"], "creds")):
	            continue
	        data = open(p, "rb").read()
	        for s in slices:
	            if s in data:
	                print("%s: %r" % (p, s[:16]))
	                n += 1
	                break
	    if not paths:
	        print("%s: nothing to search" % top)
	        n += 1
	sys.exit(0 if n == 0 else 1)
	PY
}
export TRASH

test_expect_success 'setup: credentials, and the canaries from the private key' '
	assetgen credentials init --dir creds >/dev/null &&
	canaries >canaries && test "$(wc -l <canaries)" -ge 8 &&
	test "$(wc -c <raw.bin)" = 32
'

test_expect_success 'the search itself finds a slice of the key, raw or as text' '
	mkdir probe && { echo x; head -c 20 raw.bin | tail -c 14; } >probe/raw &&
	sed -n 2p creds/signer.key | cut -c10-60 >probe/text &&
	must_fail 1 leaks probe/raw && must_fail 1 leaks probe/text
'

test_expect_success 'a signed build uploads, the key in a file: nothing of it in the remote' '
	project f "$TRASH/creds/signer.key" &&
	TEAM_CACHE_AUTH=ci:s3cret assetgen -C f -v build --report f.json >f.log 2>&1 &&
	grep -q "remote cache .*; [1-9][0-9]* uploaded, 0 upload errors" f.log &&
	assetgen verify f/dist/hero-mountains.png | grep -q ": valid$" &&
	test "$(ls "$NGINX_ROOT/cache/auth/ac" | wc -l)" -ge 10 &&
	leaks "$TRASH/nginx" f f.log f.json
'

test_expect_success 'the key from an environment variable: nothing of it anywhere either' '
	project e "{env: CANARY_SIGNING_KEY}" &&
	sed -i "s/seed: \([0-9]*\)$/seed: 9\1/" e/recipes/*.yaml &&
	CANARY_SIGNING_KEY=$(cat creds/signer.key) TEAM_CACHE_AUTH=ci:s3cret \
		assetgen -C e -v build --upload --report e.json >e.log 2>&1 &&
	grep -q "remote cache .*; [1-9][0-9]* uploaded, 0 upload errors" e.log &&
	CANARY_SIGNING_KEY=$(cat creds/signer.key) assetgen -C e why e/dist/launch-banner.png >>e.log 2>&1 &&
	CANARY_SIGNING_KEY=$(cat creds/signer.key) TEAM_CACHE_AUTH=ci:s3cret \
		assetgen -C e cache push >>e.log 2>&1 &&
	assetgen verify e/dist/*.png >>e.log &&
	leaks "$TRASH/nginx" e e.log e.json
'

test_expect_success 'a teammate pulls the signed outputs: the same bytes, no key in them' '
	project t "$TRASH/creds/signer.key" &&
	assetgen -C t build --report t.json >t.log 2>&1 &&
	grep -q " 0 generated, 0 upscaled, " t.log &&
	for f in f/dist/*.png; do cmp "$f" "t/dist/${f#f/dist/}" || return 1; done &&
	leaks t t.log t.json "$TRASH/nginx"
'

test_done
