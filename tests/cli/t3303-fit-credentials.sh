#!/bin/bash
# The fit (a model's native size made the asset's size) is in the content
# credentials: a c2pa.resized action, first, before the overlay and the
# upscale, which assetgen verify and the third-party validator read.
. "$(dirname "$0")/lib.sh"

VALIDATE="$TEST_TOP/tests/c2pa/validate.mjs"
validate() { node "$VALIDATE" "$@"; }

start_fake || exit 1

test_expect_success 'setup: a model that renders multiples of 8, signed outputs' '
	assetgen credentials init --dir creds >/dev/null &&
	mkdir -p p/recipes &&
	cat >p/assetgen.yaml <<-EOF &&
	models:
	  sd: {provider: a1111, endpoint: "$FAKE/a1111", cost: 0}
	routes:
	  - use: [sd]
	credentials:
	  key: $TRASH/creds/signer.key
	  cert: $TRASH/creds/signer.pem
	EOF
	cat >p/recipes/a.yaml <<-EOF &&
	assets:
	  - {name: tall, prompt: "a tall kite", seed: 1, size: 180x320}
	  - name: card
	    prompt: "a card"
	    seed: 2
	    size: 90x60
	    fit: contain
	    pad: "#ffffff"
	    overlay: {text: "Sale", font: $TEST_TOP/fonts/DejaVuSans.ttf, size: 16}
	    upscale: {factor: 2, with: lanczos3}
	  - {name: exact, prompt: "an exact kite", seed: 3, size: 184x320}
	EOF
	assetgen -C p build >out
'

test_expect_success 'assetgen verify: the fit is a c2pa.resized action, sizes and mode' '
	assetgen verify p/dist/tall.png >v.out &&
	cat v.out &&
	grep -q ": valid$" v.out &&
	grep -q "action c2pa.resized by assetgen .*: fitted from 184x320 to 180x320: cover crop=center$" v.out
'

test_expect_success 'in the order made: created, fitted, edited, upscaled' '
	assetgen verify p/dist/card.png >v.out &&
	cat v.out &&
	grep -q ": valid$" v.out &&
	sed -n "s/^ *action \([a-z0-9.]*\)[^:]*: \([a-z]*\).*/\1 \2/p; t; s/^ *action \([a-z0-9.]*\).*/\1/p" v.out >order &&
	printf "c2pa.created\nc2pa.resized fitted\nc2pa.edited text\nc2pa.resized upscaled\n" >want &&
	diff -u want order &&
	grep -q "fitted from 88x64 to 90x60: contain pad=#ffffff" v.out
'

test_expect_success 'an image the model made at the asset size has no fit action' '
	assetgen verify p/dist/exact.png >v.out &&
	grep -q ": valid$" v.out && ! grep -q "fitted" v.out
'

test_expect_success 'the third-party validator passes them and reads the fit action' '
	validate p/dist/tall.png p/dist/card.png p/dist/exact.png >val.out &&
	cat val.out &&
	test "$(grep -c "state=Valid failure=signingCredential.untrusted " val.out)" = 3 &&
	C2PA_VALIDATE_JSON=1 validate p/dist/tall.png | sed 1d >store.json &&
	python3 - store.json <<-PY
	import json, sys
	store = json.load(open(sys.argv[1]))
	m = store["manifests"][store["active_manifest"]]
	acts = [a for s in m["assertions"] if s["label"].startswith("c2pa.actions")
	        for a in s["data"]["actions"]]
	names = [a["action"] for a in acts]
	assert names == ["c2pa.created", "c2pa.resized"], names
	assert acts[1]["description"] == "fitted from 184x320 to 180x320: cover crop=center", acts[1]
	PY
'

test_expect_success 'why and the gallery name the fit among the credentials' '
	assetgen -C p why p/dist/tall.png >why.out &&
	grep -q "^ *action c2pa.resized by assetgen .*: fitted from 184x320 to 180x320" why.out &&
	json_get p/dist/manifest.json "j[\"assets\"][\"tall\"][\"credentials\"][\"actions\"][1]" |
		grep -q "^c2pa.resized by assetgen .*: fitted from 184x320 to 180x320"
'

test_done
