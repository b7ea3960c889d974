#!/bin/bash
# S3 as the team cache: s3://bucket/prefix with an endpoint and a region,
# signed with SigV4 by libcurl.  The protocol against s3rver (an S3
# server on loopback); the signatures against the AWS SDK's own signer.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"   # on_exit

S3_DIR=$TEST_TOP/tests/s3
export S3_REGION=eu-west-1
unset AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3

# node_server NAME ARGS...: start tests/s3/s3.mjs ARGS (its port file
# last but for record's log), wait for its port; sets PORT
node_server() {
	local name=$1 i=0
	shift
	rm -f "$TRASH/$name.port"
	node "$S3_DIR/s3.mjs" "$@" >"$TRASH/$name.log" 2>&1 </dev/null &
	eval "${name}_PID=$!"
	on_exit "kill $! 2>/dev/null"
	while [ ! -s "$TRASH/$name.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	PORT=$(cat "$TRASH/$name.port" 2>/dev/null)
	test -n "$PORT"
}

# project DIR ENDPOINT [PREFIX]: two built-in assets on s3://team-cache/PREFIX
project() {
	mkdir -p "$1/recipes"
	printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\ncache:\n  remote: {url: "s3://team-cache/%s", region: eu-west-1, endpoint: "%s", upload: true}\n' "${3:-assetgen}" "$2" >"$1/assetgen.yaml"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: one, prompt: "one", seed: 1, size: 48x32}
  - {name: two, prompt: "two", seed: 2, size: 40x40}
YAML
}

no_secret() { ! grep -q "wJalrXUtnFEMI\|FwoGZXIvYXdzE" "$@"; }

test_expect_success 's3rver and the AWS signer are installed (make test-deps)' '
	test -f "$S3_DIR/node_modules/s3rver/package.json" &&
	test -f "$S3_DIR/node_modules/@aws-sdk/signature-v4/package.json"
'

# s3rver knows one account, S3RVER, and checks no SigV4 signature beyond
# its key id: the signatures are checked below, against the SDK
mkdir -p "$TRASH/s3data"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
node_server s3rver serve "$TRASH/s3data" "$TRASH/s3rver.port" || echo "s3rver did not start" >&2
S3RVER=http://127.0.0.1:$PORT

test_expect_success 's3rver: a build uploads its renders to the bucket' '
	project a "$S3RVER" && assetgen -C a build >out 2>err &&
	grep -q "remote cache s3://team-cache/assetgen: 0 hits, 4 misses, 0 errors, 0 rejected; 10 uploaded, 0 upload errors" out &&
	no_secret out err
'

test_expect_success 's3rver: a teammate gets them, byte for byte, without a render' '
	project b "$S3RVER" && assetgen -C b build --report r.json >out 2>err &&
	grep -q ": 4 hits, 0 misses, 0 errors, 0 rejected" out &&
	for f in one two; do cmp a/dist/$f.png b/dist/$f.png || return 1; done && no_secret out err r.json
'

test_expect_success 's3rver: --locked pulls the pinned blobs from the bucket' '
	project c "$S3RVER" && cp a/assetgen.lock c/ && assetgen -C c build --locked >out 2>err &&
	for f in one two; do cmp a/dist/$f.png c/dist/$f.png || return 1; done
'

test_expect_success 's3rver: another prefix is another cache' '
	project d "$S3RVER" other && assetgen -C d build >out &&
	grep -q "remote cache s3://team-cache/other: 0 hits, 4 misses" out
'

export AWS_ACCESS_KEY_ID=AKIDASSETGENTEST AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-assetgen-secret
node_server record record "$TRASH/record.port" "$TRASH/requests.log" || echo "the recorder did not start" >&2
RECORD=http://127.0.0.1:$PORT

# all_signed: every request in the log passed the SDK signer's check
all_signed() {
	python3 -c "
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in rs if not r[\"ok\"]]
for r in bad[:3]: print(r, file=sys.stderr)
sys.exit(1 if bad or not rs else 0)
" "$TRASH/requests.log"
}

test_expect_success 'every GET, HEAD and PUT carries the signature the AWS SDK computes' '
	project e "$RECORD" && assetgen -C e build >out 2>err &&
	grep -q ": 0 hits, 4 misses, 0 errors.*; 10 uploaded, 0 upload errors" out &&
	grep -q "\"method\":\"PUT\"" "$TRASH/requests.log" && grep -q "\"method\":\"GET\"" "$TRASH/requests.log" &&
	all_signed &&
	project f "$RECORD" && assetgen -C f build >out 2>err && grep -q ": 4 hits" out && all_signed
'

test_expect_success '... and with a session token, which is signed too' '
	: >"$TRASH/requests.log" && project g "$RECORD" g &&
	AWS_SESSION_TOKEN=FwoGZXIvYXdzEtoken assetgen -C g build >out 2>err &&
	grep -q "10 uploaded, 0 upload errors" out && all_signed && no_secret out err
'

test_expect_success 'a wrong secret key: the signer refuses; said once, naming the variables' '
	: >"$TRASH/requests.log" && project h "$RECORD" h &&
	AWS_SECRET_ACCESS_KEY=not-the-key assetgen -C h build >out 2>err &&
	! all_signed 2>/dev/null && grep -q "signature differs" "$TRASH/requests.log" &&
	test "$(grep -c refused err)" = 1 &&
	grep -q "lookups refused (HTTP 403 Forbidden): the server does not accept the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" err &&
	! grep -q "not-the-key" out err
'

test_expect_success 'no credentials: unsigned requests, and the message says what to set' '
	project i "$RECORD" i &&
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY assetgen -C i build >out 2>err &&
	grep -q "lookups refused (HTTP 403 Forbidden): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" err
'

test_expect_success 'a bad bucket name is an error at start' '
	project j "$RECORD" && sed -i "s|s3://team-cache/|s3://Team_Cache/|" j/assetgen.yaml &&
	must_fail 2 assetgen -C j build >out 2>err && grep -q "an S3 bucket name is 3 to 63" err
'

test_expect_success 'a region or prefix that would not survive the URL is an error at start' '
	project k "$RECORD" && sed -i "s|region: eu-west-1|region: \"eu:west\"|" k/assetgen.yaml &&
	must_fail 2 assetgen -C k build >out 2>err && grep -q "the S3 region must be" err &&
	project l "$RECORD" "a?b#c" && must_fail 2 assetgen -C l build >out 2>err &&
	grep -q "an S3 prefix here is" err
'

test_done
