#!/bin/bash
# assetgen url: signed links to built outputs.  The nginx secure_link form
# is checked by a real nginx on loopback (tests/nginx/secure_link.conf.in,
# the configuration the README documents); the S3 form against an
# independent python3 implementation of SigV4 query signing.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"
. "$TEST_TOP/tests/cli/nginx_secure.sh"

SECRET=t6003-secret.Xy9
unset ASSETGEN_URL_BASE ASSETGEN_URL_SECRET ASSETGEN_NOW AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
	AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION

new_project proj
cat >proj/recipes/a.yaml <<'YAML'
assets:
  - {name: hero, prompt: "mountain landscape at dusk", seed: 7, size: 64x48}
  - {name: banner, prompt: "banner reading 'Sale'", seed: 8, size: 96x32}
  - {name: unbuilt, prompt: "not built yet", seed: 9, size: 16x16}
  - name: icon-{c}
    matrix: {c: [red, blue]}
    prompt: "flat icon, {c}"
    seed: 10
    size: 16x16
YAML
(cd proj && assetgen build -q hero banner "icon-{c}" && assetgen build -q --intent preview hero) || exit 1

test_expect_success 'nginx with the secure_link module is installed' 'nginx_secure_available'

start_nginx_secure_link "$TRASH/proj" "$SECRET" || exit 1

# url_q PART URL: the md5 or expires query parameter of a link
url_q() {
	python3 -c 'import sys, urllib.parse as u
print(u.parse_qs(u.urlsplit(sys.argv[2]).query)[sys.argv[1]][0])' "$1" "$2"
}

test_expect_success 'a link has the documented form and nginx serves the exact bytes' '
	now=$(date +%s) &&
	url=$(cd proj && ASSETGEN_URL_SECRET=$SECRET assetgen url hero --expires 1h --base "$NGINX_BASE") &&
	echo "$url" | grep -Eq "^http://127\.0\.0\.1:$NGINX_PORT/dist/hero\.png\?md5=[A-Za-z0-9_-]{22}&expires=[0-9]+\$" &&
	exp=$(url_q expires "$url") &&
	test "$exp" -ge $((now + 3600)) && test "$exp" -le $((now + 3605)) &&
	test "$(http_req GET "$url" "" got)" = 200 &&
	cmp got proj/dist/hero.png
'

test_expect_success 'the md5 is base64url(md5(expires + uri + " " + secret)), unpadded' '
	url=$(ASSETGEN_NOW=1700000000 ASSETGEN_URL_SECRET=$SECRET assetgen -C proj url banner --expires 15m --base "$NGINX_BASE/") &&
	test "$(url_q expires "$url")" = 1700000900 &&
	want=$(python3 -c "import base64, hashlib, sys
print(base64.urlsafe_b64encode(hashlib.md5(sys.argv[1].encode()).digest()).decode().rstrip(\"=\"))" \
		"1700000900/dist/banner.png $SECRET") &&
	test "$(url_q md5 "$url")" = "$want"
'

test_expect_success 'a tampered link is 403: md5, expires, path, or no signature' '
	url=$(cd proj && ASSETGEN_URL_SECRET=$SECRET assetgen url hero --base "$NGINX_BASE") &&
	md5=$(url_q md5 "$url") && exp=$(url_q expires "$url") &&
	c=${md5:0:1}; if [ "$c" = A ]; then d=B; else d=A; fi &&
	test "$(http_req GET "${url/md5=$md5/md5=$d${md5:1}}")" = 403 &&
	test "$(http_req GET "${url/expires=$exp/expires=$((exp + 86400))}")" = 403 &&
	test "$(http_req GET "${url/hero.png/banner.png}")" = 403 &&
	test "$(http_req GET "$NGINX_BASE/hero.png")" = 403 &&
	test "$(http_req GET "$url")" = 200
'

test_expect_success 'a link signed with another secret is 403' '
	url=$(cd proj && ASSETGEN_URL_SECRET=not-the-secret assetgen url hero --base "$NGINX_BASE") &&
	test "$(http_req GET "$url")" = 403
'

test_expect_success 'an expired link is 410' '
	past=$(( $(date +%s) - 7200 )) &&
	url=$(cd proj && ASSETGEN_NOW=$past ASSETGEN_URL_SECRET=$SECRET assetgen url hero --expires 1h --base "$NGINX_BASE") &&
	test "$(url_q expires "$url")" = $((past + 3600)) &&
	test "$(http_req GET "$url")" = 410 &&
	url=$(cd proj && ASSETGEN_NOW=$(( $(date +%s) - 60 )) ASSETGEN_URL_SECRET=$SECRET assetgen url hero --expires 30s --base "$NGINX_BASE") &&
	test "$(http_req GET "$url")" = 410
'

test_expect_success 'ASSETGEN_URL_BASE stands in for --base; a preview links to dist/preview/' '
	url=$(cd proj && ASSETGEN_URL_BASE=$NGINX_BASE ASSETGEN_URL_SECRET=$SECRET assetgen url hero --intent preview) &&
	case $url in "$NGINX_BASE/preview/hero.png?md5="*) ;; *) false ;; esac &&
	test "$(http_req GET "$url" "" got)" = 200 &&
	cmp got proj/dist/preview/hero.png
'

test_expect_success 'durations: 30s, 15m, 1h, 7d, bare seconds; bad ones are usage errors' '
	for d in 30s:30 15m:900 1h:3600 7d:604800 90:90 3650d:315360000; do
		url=$(ASSETGEN_NOW=1000 ASSETGEN_URL_SECRET=k assetgen -C proj url hero --expires ${d%%:*} --base http://h/d) &&
		test "$(url_q expires "$url")" = $((1000 + ${d#*:})) || exit 1
	done &&
	for d in 0s 1y 1.5h -1h h 3651d 10hh ""; do
		must_fail 2 env ASSETGEN_URL_SECRET=k assetgen -C proj url hero --expires "$d" --base http://h/d >out 2>err &&
		test ! -s out && grep -q -- "--expires" err || exit 1
	done
'

test_expect_success 'an unknown asset is exit 2 with a did-you-mean, and nothing on stdout' '
	must_fail 2 env ASSETGEN_URL_SECRET=$SECRET assetgen -C proj url heor --base "$NGINX_BASE" >out 2>err &&
	test ! -s out &&
	grep -q "unknown asset .heor. (did you mean .hero.?)" err
'

test_expect_success 'a matrix group or several names are usage errors' '
	must_fail 2 env ASSETGEN_URL_SECRET=k assetgen -C proj url "icon-{c}" --base http://h/ 2>err &&
	grep -q "group of 2 assets" err &&
	must_fail 2 env ASSETGEN_URL_SECRET=k assetgen -C proj url hero banner --base http://h/ &&
	must_fail 2 env ASSETGEN_URL_SECRET=k assetgen -C proj url --base http://h/ 2>err &&
	grep -q "url needs an asset name" err
'

test_expect_success 'an asset with no built output is exit 1, naming the build to run' '
	must_fail 1 env ASSETGEN_URL_SECRET=k assetgen -C proj url unbuilt --base http://h/ >out 2>err &&
	test ! -s out &&
	grep -q "no built output dist/unbuilt.png; run .assetgen build unbuilt." err
'

test_expect_success 'no secret or no base: exit 2 naming the variable; bad bases are refused' '
	must_fail 2 assetgen -C proj url hero --base http://h/ 2>err &&
	grep -q ASSETGEN_URL_SECRET err &&
	must_fail 2 env ASSETGEN_URL_SECRET=k assetgen -C proj url hero 2>err &&
	grep -q ASSETGEN_URL_BASE err &&
	for b in ftp://h/ h/dist "http://u:p@h/" "http://h/?a=1" "http://h:x/"; do
		must_fail 2 env ASSETGEN_URL_SECRET=k assetgen -C proj url hero --base "$b" >out 2>err &&
		test ! -s out && grep -q "base URL" err && ! grep -q ":p@" err || exit 1
	done
'

# the same signature, computed by python3 from the S3 documentation's steps
s3_expected() { # BASE OBJECT NOW EXPIRES REGION [TOKEN]
	python3 - "$@" <<'PY'
import datetime, hashlib, hmac, os, sys, urllib.parse as up
base, obj, now, exp, region = sys.argv[1:6]
token = sys.argv[6] if len(sys.argv) > 6 else None
ak, sk = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
u = up.urlsplit(base)
q = lambda s, safe="": up.quote(s, safe=safe + "-_.~")
amz = datetime.datetime.fromtimestamp(int(now), datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
scope = "%s/%s/s3/aws4_request" % (amz[:8], region)
p = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": ak + "/" + scope,
     "X-Amz-Date": amz, "X-Amz-Expires": exp, "X-Amz-SignedHeaders": "host"}
if token:
    p["X-Amz-Security-Token"] = token
cq = "&".join("%s=%s" % (q(k), q(v)) for k, v in sorted(p.items()))
path = q(up.unquote(u.path.rstrip("/")) + "/" + obj, "/")
cr = "GET\n%s\n%s\nhost:%s\n\nhost\nUNSIGNED-PAYLOAD" % (path, cq, u.netloc.lower())
sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz, scope, hashlib.sha256(cr.encode()).hexdigest())
k = ("AWS4" + sk).encode()
for m in (amz[:8], region, "s3", "aws4_request"):
    k = hmac.new(k, m.encode(), hashlib.sha256).digest()
sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
print("%s://%s%s?%s&X-Amz-Signature=%s" % (u.scheme, u.netloc, path, cq, sig))
PY
}

test_expect_success '--s3: a SigV4 presigned GET, as the S3 documentation computes it' '
	export AWS_ACCESS_KEY_ID=AKIAT6003EXAMPLE AWS_SECRET_ACCESS_KEY=t6003/Secret+Key &&
	url=$(ASSETGEN_NOW=1700000000 assetgen -C proj url hero --s3 --expires 1h \
		--base https://my-bucket.s3.eu-west-1.amazonaws.com/team%20assets/) &&
	test "$url" = "$(s3_expected https://my-bucket.s3.eu-west-1.amazonaws.com/team%20assets/ hero.png 1700000000 3600 eu-west-1)" &&
	url=$(ASSETGEN_NOW=1700000000 AWS_REGION=us-west-2 AWS_SESSION_TOKEN="tok/en+=" assetgen -C proj url banner --s3 --expires 7d \
		--base http://127.0.0.1:9000/bucket) &&
	test "$url" = "$(s3_expected http://127.0.0.1:9000/bucket banner.png 1700000000 604800 us-west-2 "tok/en+=")" &&
	url=$(ASSETGEN_NOW=1700000000 assetgen -C proj url banner --s3 --base https://s3.example.com/b) &&
	test "$url" = "$(s3_expected https://s3.example.com/b banner.png 1700000000 3600 us-east-1)"
'

test_expect_success '--s3: more than 7 days, or a missing key, is exit 2; secrets never printed' '
	export AWS_ACCESS_KEY_ID=AKIAT6003EXAMPLE AWS_SECRET_ACCESS_KEY=t6003/Secret+Key &&
	must_fail 2 assetgen -C proj url hero --s3 --expires 8d --base https://b.s3.amazonaws.com >out 2>err &&
	test ! -s out && grep -q "at most 7d" err &&
	must_fail 2 env -u AWS_SECRET_ACCESS_KEY assetgen -C proj url hero --s3 --base https://b.s3.amazonaws.com 2>err &&
	grep -q AWS_SECRET_ACCESS_KEY err &&
	must_fail 2 env -u AWS_ACCESS_KEY_ID assetgen -C proj url hero --s3 --base https://b.s3.amazonaws.com 2>err &&
	grep -q AWS_ACCESS_KEY_ID err &&
	AWS_REGION=us-east-1 assetgen -C proj url hero --s3 --base https://b.s3.eu-west-1.amazonaws.com >out 2>err &&
	grep -q "AWS_REGION us-east-1, but the bucket URL names eu-west-1" err &&
	ASSETGEN_URL_SECRET=$SECRET assetgen -C proj url hero --base "$NGINX_BASE" >>out 2>>err &&
	! grep -F -e "t6003/Secret" -e "Secret%2BKey" -e "$SECRET" out err
'

test_expect_success 'url --help' '
	assetgen url --help >out && grep -q "usage: assetgen url NAME" out &&
	assetgen --help | grep -q "^  url "
'

test_done
