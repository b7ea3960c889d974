#!/bin/bash
# content credentials: `credentials init`, `verify`, and signed PNGs checked
# by a third-party C2PA validator (c2pa-rs as WebAssembly, from npm; see
# docs/credentials.md) and by exiftool.  The signed files come from the
# unit-test program test_c2pa, which writes them when ASSETGEN_C2PA_OUT is set.
. "$(dirname "$0")/lib.sh"

SIGNER="$(dirname "$ASSETGEN")/tests/test_c2pa"
VALIDATE="$TEST_TOP/tests/c2pa/validate.mjs"

validate() {
	node "$VALIDATE" "$@"
}

test_expect_success 'credentials init writes a root, a signer and a 0600 key' '
	new_project p &&
	mkdir -p p/sub &&
	(cd p/sub && assetgen credentials init >../../init.out) &&
	test -f p/.assetgen/credentials/root.pem &&
	test -f p/.assetgen/credentials/signer.pem &&
	test "$(stat -c %a p/.assetgen/credentials/signer.key)" = 600 &&
	test "$(stat -c %a p/.assetgen/credentials)" = 700 &&
	grep -q "BEGIN PRIVATE KEY" p/.assetgen/credentials/signer.key &&
	test "$(cat p/.assetgen/credentials/.gitignore)" = signer.key &&
	test "$(grep -c "BEGIN CERTIFICATE" p/.assetgen/credentials/signer.pem)" = 1 &&
	! grep -q PRIVATE p/.assetgen/credentials/root.pem p/.assetgen/credentials/signer.pem &&
	grep -q "report the signer as untrusted" init.out &&
	grep -q "key: .*/p/.assetgen/credentials/signer.key" init.out
'

test_expect_success 'credentials init never replaces credentials without --force' '
	cp p/.assetgen/credentials/signer.key key.before &&
	must_fail 2 assetgen -C p credentials init 2>err &&
	grep -q "already holds credentials" err &&
	cmp key.before p/.assetgen/credentials/signer.key &&
	assetgen -C p credentials init --force >/dev/null &&
	! cmp -s key.before p/.assetgen/credentials/signer.key &&
	must_fail 2 assetgen credentials frobnicate 2>err &&
	grep -q "unknown credentials command" err
'

test_expect_success 'signed PNGs come out of the signer, with the init credentials too' '
	mkdir out &&
	ASSETGEN_C2PA_OUT=$TRASH/out ASSETGEN_C2PA_KEY=p/.assetgen/credentials/signer.key \
		ASSETGEN_C2PA_CERT=p/.assetgen/credentials/signer.pem "$SIGNER" >signer.out &&
	! grep "^not ok" signer.out &&
	grep -q "^ok - test_configured_creds" signer.out &&
	for f in signed builtin upstream ingredient configured tampered-pixel tampered-text; do
		test -s out/$f.png || exit 1
	done
'

test_expect_success 'assetgen verify: valid, with the chain of actions' '
	assetgen verify out/signed.png >v.out &&
	grep -q "^out/signed.png: valid" v.out &&
	grep -q "action c2pa.created \[trainedAlgorithmicMedia\] by openai/gpt-image-1" v.out &&
	grep -q "action c2pa.edited by assetgen .*: headline and logo" v.out &&
	grep -q "action c2pa.resized by assetgen .*: upscaled from 48x32 to 96x64" v.out &&
	grep -q "note signingCredential.untrusted" v.out &&
	grep -q "not trusted" v.out &&
	assetgen verify --trust out/root.pem out/signed.png >t.out &&
	grep -q ", trusted)" t.out &&
	! grep -q untrusted t.out
'

test_expect_success 'assetgen verify: the built-in renderer says it is no AI' '
	assetgen verify out/builtin.png >v.out &&
	grep -q "c2pa.created \[algorithmicMedia\] by builtin" v.out
'

test_expect_success 'assetgen verify: the upstream manifest is an ingredient' '
	assetgen verify out/ingredient.png >v.out &&
	grep -q "action c2pa.opened" v.out &&
	grep -q "ingredient parentOf: " v.out &&
	grep -q "ingredient manifest urn:c2pa:" v.out &&
	grep -q "action c2pa.created \[trainedAlgorithmicMedia\] by provider-model" v.out
'

test_expect_success 'assetgen verify: tampering is invalid (1), no manifest is 2' '
	must_fail 1 assetgen verify out/tampered-pixel.png >v.out &&
	grep -q "failure assertion.dataHash.mismatch" v.out &&
	must_fail 1 assetgen verify out/signed.png out/tampered-text.png >v.out &&
	grep -q "^out/signed.png: valid" v.out &&
	grep -q "^out/tampered-text.png: invalid" v.out &&
	cp "$TEST_TOP/tests/golden/overlay-center.png" plain.png &&
	must_fail 2 assetgen verify plain.png >v.out &&
	grep -q "no content credentials" v.out &&
	must_fail 2 assetgen verify missing.png 2>err &&
	grep -q "cannot read" err &&
	must_fail 2 assetgen verify 2>err
'

test_expect_success 'the third-party validator passes them, but for the untrusted signer' '
	validate out/signed.png out/builtin.png out/ingredient.png out/configured.png >val.out &&
	cat val.out &&
	test "$(grep -c " state=Valid failure=signingCredential.untrusted success=" val.out)" = 4 &&
	grep "out/signed.png" val.out | grep -q "assertion.dataHash.match" &&
	grep "out/signed.png" val.out | grep -q "claimSignature.validated"
'

test_expect_success 'the third-party validator trusts them with the root as anchor' '
	C2PA_TRUST=out/root.pem validate out/signed.png >val.out &&
	grep -q "state=Trusted failure= success=signingCredential.trusted" val.out &&
	C2PA_TRUST=p/.assetgen/credentials/root.pem validate out/configured.png >val.out &&
	grep -q "state=Trusted failure= " val.out
'

test_expect_success 'the third-party validator fails a flipped pixel or text byte' '
	validate out/tampered-pixel.png out/tampered-text.png >val.out &&
	cat val.out &&
	test "$(grep -c "state=Invalid failure=.*assertion.dataHash.mismatch" val.out)" = 2
'

test_expect_success 'the third-party validator sees no credentials in a plain PNG' '
	validate plain.png >val.out &&
	grep -q "state=None" val.out
'

test_expect_success 'exiftool reads the manifest store' '
	exiftool -a -G1 out/signed.png >x.out &&
	grep -q "^\[JUMBF\] *JUMD Label *: c2pa$" x.out &&
	grep -q "JUMD Label *: c2pa.claim.v2" x.out &&
	grep -q "JUMD Label *: c2pa.signature" x.out &&
	grep -q "Actions Action *: c2pa.created, c2pa.edited, c2pa.resized" x.out &&
	grep -q "Actions Digital Source Type *: http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" x.out &&
	grep -q "Claim Generator Info Name *: assetgen" x.out
'

test_done
