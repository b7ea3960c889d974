#!/bin/bash
# content credentials in builds: `credentials:` in assetgen.yaml signs every
# output (the demo's, checked by the third-party validator of t3300), the
# same inputs and key give the same bytes, a signed output is cached and
# restored whole, tampering fails the hash binding, a provider's own
# manifest becomes our parentOf ingredient, and the private key reaches
# no cache, log, report or output.
. "$(dirname "$0")/lib.sh"

VALIDATE="$TEST_TOP/tests/c2pa/validate.mjs"
SIGNER="$(dirname "$ASSETGEN")/tests/test_c2pa"

validate() {
	node "$VALIDATE" "$@"
}

# demo DIR: the repository's own project (its recipes, the built-in model)
demo() {
	mkdir -p "$1" &&
	cp "$TEST_TOP/assetgen.yaml" "$1/" &&
	cp -r "$TEST_TOP/recipes" "$TEST_TOP/fonts" "$TEST_TOP/products" "$1/"
}

# sign_with DIR CREDS: DIR's assetgen.yaml signs with the credentials in CREDS
sign_with() {
	printf 'credentials:\n  key: %s/signer.key\n  cert: %s/signer.pem\n' "$2" "$2" >>"$1/assetgen.yaml"
}

# flip FILE CHUNK OUT: OUT is FILE with one byte of CHUNK's data changed
# (the chunk's CRC made right again: a well-formed PNG that lies)
flip() {
	python3 - "$@" <<'PY'
import struct, sys, zlib
data = bytearray(open(sys.argv[1], "rb").read())
want = sys.argv[2].encode()
pos = 8
while pos < len(data):
    n, = struct.unpack(">I", data[pos:pos + 4])
    typ = bytes(data[pos + 4:pos + 8])
    if typ == want:
        data[pos + 8 + n // 2] ^= 0x01
        crc = zlib.crc32(bytes(data[pos + 4:pos + 8 + n])) & 0xffffffff
        data[pos + 8 + n:pos + 12 + n] = struct.pack(">I", crc)
        open(sys.argv[3], "wb").write(data)
        sys.exit(0)
    pos += 12 + n
sys.exit("no %s chunk" % sys.argv[2])
PY
}

test_expect_success 'unsigned builds work as before and say once how to sign' '
	demo u &&
	assetgen -C u build >out 2>err &&
	test "$(grep -c "credentials init" out)" = 1 &&
	for f in u/dist/*.png; do
		must_fail 2 assetgen verify $f >/dev/null || exit 1
	done &&
	exiftool -s3 -XMP-iptcExt:DigitalSourceType u/dist/launch-banner.png | grep -q trainedAlgorithmicMedia &&
	assetgen -C u -q build >out && ! test -s out &&
	assetgen -C u why u/dist/launch-banner.png >why.out &&
	grep -q "^c2pa *none: not signed" why.out &&
	test "$(json_get u/dist/manifest.json "j[\"assets\"][\"launch-banner\"][\"credentials\"]")" = None &&
	! grep -q "<dt>signed</dt>" u/dist/index.html
'

test_expect_success 'credentials: bad values are file:line:col errors, exit 2' '
	new_project b &&
	cp b/assetgen.yaml b.yaml &&
	printf "credentials:\n  key: [a]\n  cert: c.pem\n" >>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^assetgen.yaml:6:8: .key. must be a file name or {env: VAR}" err &&
	cp b.yaml b/assetgen.yaml &&
	printf "credentials:\n  key: {env: 9LIVES}\n  cert: c.pem\n" >>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^assetgen.yaml:6:14: .key. env must name an environment variable" err &&
	cp b.yaml b/assetgen.yaml &&
	printf "credentials:\n  key: k.pem\n" >>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^assetgen.yaml:6:3: .credentials. needs both .key. and .cert." err &&
	cp b.yaml b/assetgen.yaml &&
	printf "credentials:\n  key: k.pem\n  cert: c.pem\n  tsa: x\n" >>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^assetgen.yaml:8:3: unknown key .tsa." err &&
	cp b.yaml b/assetgen.yaml &&
	printf "credentials:\n  key: k.pem\n  cert: missing.pem\n" >>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^assetgen.yaml:7:9: credentials: cannot read the certificate .*missing.pem" err &&
	! test -e b/dist/banner.png
'

test_expect_success 'credentials: a key that is not the certificate'"'"'s is refused, exit 2' '
	assetgen -C b credentials init >/dev/null &&
	assetgen credentials init --dir other >/dev/null &&
	cp b.yaml b/assetgen.yaml &&
	printf "credentials:\n  key: %s\n  cert: .assetgen/credentials/signer.pem\n" "$TRASH/other/signer.key" \
		>>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "^assetgen.yaml:6:8: credentials: the first certificate .* is not the signing key" err &&
	cp b.yaml b/assetgen.yaml &&
	printf "credentials:\n  key: .assetgen/credentials/signer.key\n  cert: .assetgen/credentials/root.pem\n" \
		>>b/assetgen.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -q "credentials: the first certificate" err
'

test_expect_success 'every output of the demo is signed, and the validator passes it' '
	assetgen credentials init --dir creds >/dev/null &&
	demo s &&
	sign_with s "$TRASH/creds" &&
	assetgen -C s build >out 2>err &&
	! grep -q "credentials init" out &&
	n=$(ls s/dist/*.png | wc -l) &&
	test "$n" -ge 10 &&
	assetgen verify s/dist/*.png >v.out &&
	test "$(grep -c ": valid$" v.out)" = "$n" &&
	grep -q "action c2pa.created \[algorithmicMedia\] by builtin" v.out &&
	grep -q "action c2pa.resized by assetgen .*: upscaled from 960x540 to 1920x1080" v.out &&
	validate s/dist/*.png >val.out &&
	cat val.out &&
	test "$(grep -c " state=Valid failure=signingCredential.untrusted success=.*assertion.dataHash.match" val.out)" = "$n" &&
	C2PA_TRUST=creds/root.pem validate s/dist/*.png >val.out &&
	test "$(grep -c " state=Trusted failure= " val.out)" = "$n" &&
	assetgen -C s why s/dist/hero-mountains.png >why.out &&
	grep -q "^c2pa *valid, signed by .*development signer .*not trusted)" why.out &&
	grep -q "^ *action c2pa.resized by assetgen .*: upscaled from 960x540 to 1920x1080" why.out &&
	grep -q "^status *current: " why.out &&
	grep -q "(pins this key; this file is the pinned artifact)" why.out &&
	test "$(json_get s/dist/manifest.json "j[\"assets\"][\"hero-mountains\"][\"credentials\"][\"valid\"]")" = True &&
	json_get s/dist/manifest.json "j[\"assets\"][\"hero-mountains\"][\"credentials\"][\"signer\"]" |
		grep -q "development signer" &&
	json_get s/dist/manifest.json "j[\"assets\"][\"hero-mountains\"][\"credentials\"][\"actions\"][1]" |
		grep -q "^c2pa.resized by assetgen .*: upscaled from 960x540 to 1920x1080" &&
	test "$(grep -o "<dt>signed</dt><dd class=\"wide c2pa\">[^<]* valid, by O = assetgen, CN = assetgen development signer<ul><li>c2pa.created" s/dist/index.html | wc -l)" = "$n"
'

test_expect_success 'the overlay is a c2pa.edited action' '
	new_project o &&
	cat >o/recipes/r.yaml <<-EOF &&
	assets:
	  - name: card
	    prompt: "a calm sea"
	    seed: 7
	    size: 96x64
	    overlay: {text: "Sale", font: $TEST_TOP/fonts/DejaVuSans.ttf, size: 20}
	    upscale: {factor: 2, with: lanczos3}
	EOF
	sign_with o "$TRASH/creds" &&
	assetgen -C o build >/dev/null &&
	assetgen verify o/dist/card.png >v.out &&
	grep -q "action c2pa.edited by assetgen .*: text drawn over the image" v.out &&
	grep -q "action c2pa.resized by assetgen .*: upscaled from 96x64 to 192x128" v.out &&
	validate o/dist/card.png | grep -q "state=Valid failure=signingCredential.untrusted "
'

test_expect_success 'the same inputs and key give the same bytes, on another machine too' '
	demo s2 &&
	sign_with s2 "$TRASH/creds" &&
	assetgen -C s2 build >/dev/null &&
	for f in s/dist/*.png; do
		cmp "$f" "s2/dist/${f#s/dist/}" || exit 1
	done &&
	rm -rf s2/cache s2/dist &&
	assetgen -C s2 build >/dev/null &&
	for f in s/dist/*.png; do
		cmp "$f" "s2/dist/${f#s/dist/}" || exit 1
	done
'

test_expect_success 'a signed output is cached and restored whole, --locked too' '
	cp s/dist/launch-banner.png banner.signed &&
	rm s/dist/*.png &&
	assetgen -C s build >out &&
	grep -q " 0 generated, 0 upscaled, .* restored from cache" out &&
	cmp banner.signed s/dist/launch-banner.png &&
	grep -q "launch-banner" s/assetgen.lock &&
	rm s/dist/*.png &&
	assetgen -C s build --locked >out &&
	cmp banner.signed s/dist/launch-banner.png &&
	assetgen -C s build >out &&
	grep -q "no work to do" out
'

test_expect_success 'turning signing on or changing the certificate re-signs from the cache' '
	demo t &&
	assetgen -C t build >/dev/null &&
	cp t/dist/launch-banner.png banner.plain &&
	sign_with t "$TRASH/creds" &&
	assetgen -C t build --explain >out &&
	grep -q "signing turned on" out &&
	grep -q " 0 generated, 0 upscaled, " out &&
	cmp banner.signed t/dist/launch-banner.png &&
	assetgen credentials init --dir creds2 >/dev/null &&
	sed -i "s|$TRASH/creds/|$TRASH/creds2/|" t/assetgen.yaml &&
	assetgen -C t build >out &&
	grep -q " 0 generated, 0 upscaled, " out &&
	! cmp -s banner.signed t/dist/launch-banner.png &&
	C2PA_TRUST=creds2/root.pem validate t/dist/launch-banner.png | grep -q "state=Trusted" &&
	sed -i "/^credentials:/,\$d" t/assetgen.yaml &&
	assetgen -C t build >out &&
	cmp banner.plain t/dist/launch-banner.png
'

test_expect_success 'a flipped byte in the pixels or a text chunk fails the hash binding' '
	flip s/dist/launch-banner.png IDAT pixel.png &&
	flip s/dist/launch-banner.png tEXt text.png &&
	validate pixel.png text.png >val.out &&
	cat val.out &&
	test "$(grep -c "state=Invalid failure=.*assertion.dataHash.mismatch" val.out)" = 2 &&
	must_fail 1 assetgen verify pixel.png text.png >v.out &&
	test "$(grep -c "failure assertion.dataHash.mismatch" v.out)" = 2
'

test_expect_success 'exiftool reads the manifest of a built output' '
	exiftool -a -G1 s/dist/launch-banner.png >x.out &&
	grep -q "JUMD Label *: c2pa.claim.v2" x.out &&
	grep -q "Actions Digital Source Type *: http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia" x.out &&
	grep -q "Claim Generator Info Name *: assetgen" x.out
'

# serve_upstream FILE: a team's own image server (the http provider's wire
# format) answering every request with FILE, a PNG with its own manifest
serve_upstream() {
	python3 - "$1" "$TRASH/up.port" >"$TRASH/up.log" 2>&1 <<'PY' &
import http.server, os, sys
body = open(sys.argv[1], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "image/png")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2] + ".tmp", "w").write("%d\n" % s.server_address[1])
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
	UP_PID=$!
	EXIT_HOOKS="${EXIT_HOOKS:-}kill \$UP_PID 2>/dev/null; wait \$UP_PID 2>/dev/null; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
	i=0
	while [ ! -s "$TRASH/up.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$TRASH/up.log" >&2; return 1; }
		sleep 0.05
	done
	UP="http://127.0.0.1:$(cat "$TRASH/up.port")"
}

# the fixture: a PNG signed by a "provider" issuer, from the unit tests
mkdir fix && ASSETGEN_C2PA_OUT=$TRASH/fix "$SIGNER" >/dev/null && serve_upstream fix/upstream.png ||
	{ echo "not ok - the upstream server did not start"; exit 1; }

test_expect_success 'a provider'"'"'s manifest becomes our parentOf ingredient, its signature intact' '
	test -s fix/upstream.png &&
	mkdir -p h/recipes &&
	cat >h/assetgen.yaml <<-EOF &&
	models:
	  team: {provider: http, model: team-diffusion, endpoint: "$UP/generate"}
	routes:
	  - use: [team]
	EOF
	cat >h/recipes/r.yaml <<-EOF &&
	assets:
	  - name: hero
	    prompt: "a lighthouse"
	    seed: 3
	    size: 48x32
	EOF
	sign_with h "$TRASH/creds" &&
	assetgen -C h build >out &&
	assetgen verify h/dist/hero.png >v.out &&
	cat v.out &&
	grep -q "action c2pa.opened \[trainedAlgorithmicMedia\] by http/team-diffusion" v.out &&
	grep -q "ingredient parentOf: " v.out &&
	grep -q "action c2pa.created \[trainedAlgorithmicMedia\] by provider-model" v.out &&
	grep -q "signed by .*provider signer" v.out &&
	validate h/dist/hero.png >val.out &&
	cat val.out &&
	grep -q "state=Valid failure=signingCredential.untrusted " val.out &&
	! grep -q "ingredient:claimSignature" val.out &&
	rm -rf h/dist &&
	assetgen -C h build >/dev/null &&
	assetgen verify h/dist/hero.png | grep -q "ingredient parentOf: "
'

test_expect_success 'the private key reaches no cache, log, report or output' '
	canary=$(sed -n 2p creds/signer.key) &&
	test -n "$canary" &&
	demo k &&
	printf "credentials:\n  key: {env: CANARY_SIGNING_KEY}\n  cert: {env: CANARY_SIGNING_CERT}\n" >>k/assetgen.yaml &&
	CANARY_SIGNING_KEY=$(cat creds/signer.key) CANARY_SIGNING_CERT=$(cat creds/signer.pem) \
		assetgen -C k -v build --report report.json >log 2>&1 &&
	assetgen verify k/dist/launch-banner.png | grep -q ": valid$" &&
	CANARY_SIGNING_KEY=$(cat creds/signer.key) CANARY_SIGNING_CERT=$(cat creds/signer.pem) \
		assetgen -C k why k/dist/launch-banner.png >>log 2>&1 &&
	test -s report.json &&
	! grep -rqF -- "$canary" k log report.json &&
	! grep -rqF -- "PRIVATE KEY" k log report.json &&
	rm k/dist/launch-banner.png &&
	CANARY_SIGNING_CERT=$(cat creds/signer.pem) must_fail 2 assetgen -C k build 2>err &&
	grep -q "^assetgen.yaml:.*: credentials: the signing key.s environment variable .CANARY_SIGNING_KEY. is not set" err
'

test_done
