#!/bin/bash
# The typography check: expect_text read back with Tesseract, re-rolls
# (seed + k) that stop at the first pass, budget caps, every candidate and
# verdict cached, picking a candidate by hand, and --locked.
. "$(dirname "$0")/lib.sh"

# verdicts: print "seed verdict" for each candidate of asset $2 in report $1
verdicts() {
	python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["assets"]:
    if a["name"] == sys.argv[2]:
        print(" ".join("%d %s" % (c["seed"], c["verdict"]) for c in a["typography"]["candidates"]))' "$1" "$2"
}
# seeds: the seeds the fake was asked for, in order
seeds() {
	fake_ctl GET /_control/requests | python3 -c '
import json, sys
print(" ".join(str(r["seed"]) for r in json.load(sys.stdin) if r["path"] == "/http/generate"))'
}

start_fake || exit 1

test_expect_success 'the built-in model: a quoted text passes, other copy is rejected' '
	mkdir -p b/recipes &&
	printf "typography: {max_attempts: 2}\n" >b/assetgen.yaml &&
	cat >b/recipes/a.yaml <<-YAML &&
	assets:
	  - {name: banner, prompt: "Banner reading '\''Launch Sale'\'', clean", seed: 42, size: 512x512, expect_text: Launch Sale}
	  - {name: wrong, prompt: "Banner reading '\''Launch Sale'\'', clean", seed: 7, size: 512x512, expect_text: Summer Clearance}
	YAML
	must_fail 1 assetgen -C b build -k --report r.json >out 2>err &&
	test -s b/dist/banner.png && ! test -e b/dist/wrong.png &&
	test "$(verdicts r.json banner)" = "42 pass" &&
	test "$(verdicts r.json wrong)" = "7 fail 8 fail" &&
	grep -q "FAILED wrong: typography check failed on 2 candidates (seeds 7 to 8)" err &&
	test "$(json_get r.json "j[\"typography\"][\"builtin\"][\"failed\"]")" = 2 &&
	test "$(json_get r.json "j[\"typography\"][\"builtin\"][\"checked\"]")" = 3 &&
	grep -a -q "assetgen:ocr.pass distance=0.000" b/dist/banner.png
'

test_expect_success 'the verdict is in the manifest and on the gallery card' '
	test "$(json_get b/dist/manifest.json "j[\"assets\"][\"banner\"][\"typography\"][\"verdict\"]")" = pass &&
	test "$(json_get b/dist/manifest.json "j[\"assets\"][\"banner\"][\"typography\"][\"text\"]")" = "launch sale" &&
	grep -q "<dt>text</dt>" b/dist/index.html
'

test_expect_success 'the failed asset candidates wait in the gallery for a person' '
	test -s b/dist/_candidates/wrong/7.png && test -s b/dist/_candidates/wrong/8.png &&
	grep -q "Needs a choice" b/dist/index.html && grep -q "assetgen pick wrong 8" b/dist/index.html
'

test_expect_success 'a rebuild judges nothing again: verdicts come from the cache' '
	assetgen -C b build -n >out && grep -q "^rejected *wrong" out &&
	must_fail 1 assetgen -C b build -k -v --report r2.json >out 2>err &&
	grep -q "FAILED wrong: typography check failed on 2 candidates" err &&
	test "$(json_get r2.json "j[\"totals\"][\"generated\"]")" = 0 &&
	test "$(json_get r2.json "[c[\"cached\"] for a in j[\"assets\"] for c in a[\"typography\"][\"candidates\"]]")" = "[True, True, True]"
'

test_expect_success 'assetgen pick places a failed candidate, pins it, and later builds keep it' '
	assetgen -C b pick wrong 8 >out &&
	grep -q "^wrong .* builtin 8 picked$" b/assetgen.lock &&
	test -s b/dist/wrong.png && ! test -e b/dist/_candidates &&
	assetgen -C b build >out && grep -q "no work to do" out &&
	assetgen -C b build --report r3.json >/dev/null &&
	test "$(json_get r3.json "\" \".join(a[\"typography\"][\"verdict\"] for a in j[\"assets\"])")" = "pass picked" &&
	assetgen -C b why b/dist/wrong.png >out && grep -q "re-roll 1: seed 8" out &&
	grep -q "^ocr  *fail" out
'

test_expect_success 'pick: only a made candidate of a checked asset' '
	must_fail 2 assetgen -C b pick wrong 99 2>err && grep -q "seed 99 is not a candidate of .wrong. (seeds 7 to 8)" err &&
	must_fail 1 assetgen -C b pick banner 43 2>err && grep -q "candidate seed 43 of .banner. was never made" err &&
	must_fail 2 assetgen -C b pick banner 2>err && grep -q usage err
'

test_expect_success 'a tighter threshold judges again, with no new render' '
	sed -i "s/expect_text: Launch Sale}/expect_text: Launch Sale, typography: {threshold: 0.05}}/" b/recipes/a.yaml &&
	assetgen -C b build --report r4.json -v >out &&
	test "$(json_get r4.json "j[\"totals\"][\"generated\"]")" = 0 &&
	grep -q "seed 42 (builtin) passed: read \"launch sale\", distance 0.00 (threshold 0.05)$" out
'

test_expect_success 'the index lost: outputs stay fresh, no OCR runs, --explain names the check' '
	rm -f b/cache/index.sqlite* &&
	assetgen -C b build -v >out 2>err &&
	! grep -q "^typography" out &&
	sed -i "s/threshold: 0.05/threshold: 0.04/" b/recipes/a.yaml &&
	assetgen -C b build --explain >out 2>err &&
	grep -q "explain banner: typography check changed" out
'

fake_project() {
	mkdir -p p/recipes
	cat >p/assetgen.yaml <<-YAML
	models:
	  gen: {provider: http, endpoint: "$FAKE/http/generate", cost: 0.01}
	budget: {per_asset: ${PER_ASSET:-1}}
	typography: {max_attempts: 4}
	routes:
	  - use: [gen]
	YAML
	cat >p/recipes/a.yaml <<-YAML
	assets:
	  - {name: sale, prompt: "poster reading 'Launch Sale'", seed: 10, size: 640x256, expect_text: Launch Sale}
	YAML
}

test_expect_success 'the fake: garbled on some seeds; re-rolls stop at the first pass' '
	fake_project &&
	fake_ctl POST /_control/text "{\"garble\": [10, 11]}" >/dev/null &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(seeds)" = "10 11 12" &&
	test "$(verdicts r.json sale)" = "10 fail 11 fail 12 pass" &&
	test "$(json_get r.json "round(j[\"assets\"][0][\"cost\"], 6)")" = 0.03 &&
	test "$(json_get r.json "round(j[\"totals\"][\"spent\"], 6)")" = 0.03 &&
	grep -q "^sale .* gen 12$" p/assetgen.lock &&
	(cd p && assetgen why dist/sale.png) >why && grep -q "^seed  *12$" why &&
	fake_violations
'

test_expect_success 'the site counts every candidate paid for, not only the one chosen' '
	test "$(json_get p/dist/manifest.json "round(j[\"assets\"][\"sale\"][\"cost\"], 6)")" = 0.03 &&
	grep -q "<dt>cost</dt><dd>0.030</dd>" p/dist/index.html &&
	grep -q " cost 0.030 " p/dist/index.html
'

test_expect_success 'every candidate stays in the cache: a clean rebuild makes no request, runs no OCR, saves all three' '
	rm -rf p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	assetgen -C p build -v --report r.json >out 2>err &&
	test "$(fake_count)" = 0 &&
	test "$(verdicts r.json sale)" = "10 fail 11 fail 12 pass" &&
	test "$(json_get r.json "[c[\"cached\"] for c in j[\"assets\"][0][\"typography\"][\"candidates\"]]")" = "[True, True, True]" &&
	test "$(json_get r.json "round(j[\"totals\"][\"saved\"], 6)")" = 0.03 &&
	! grep -q "typography sale" out
'

test_expect_success 'a changed threshold judges the cached candidates again, no new render' '
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	sed -i "s/typography: {max_attempts: 4}/typography: {max_attempts: 4, threshold: 0.1}/" p/assetgen.yaml &&
	assetgen -C p build -v --report r.json >out 2>err &&
	test "$(fake_count)" = 0 && grep -q "typography sale: seed 10 (gen) failed: read" out &&
	! grep -q "from the cache" out
'

test_expect_success 'max_attempts caps the re-rolls: the asset fails, every candidate listed' '
	rm -rf p/cache p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [10, 11, 12, 13, 14]}" >/dev/null &&
	must_fail 1 assetgen -C p build --report r.json >out 2>err &&
	test "$(seeds)" = "10 11 12 13" &&
	test "$(verdicts r.json sale)" = "10 fail 11 fail 12 fail 13 fail" &&
	grep -q "typography check failed on 4 candidates (seeds 10 to 13)" err &&
	test "$(json_get r.json "j[\"typography\"][\"gen\"][\"failure_rate\"]")" = 1.0 &&
	! test -e p/dist/sale.png && test -s p/dist/_candidates/sale/13.png
'

test_expect_success 'the plan says rejected, and building again sends nothing' '
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	assetgen -C p build -n >out && grep -q "^rejected *sale" out &&
	must_fail 1 assetgen -C p build 2>err && test "$(fake_count)" = 0
'

test_expect_success 'budget.per_asset stops the re-rolls before they cost more' '
	rm -rf p/cache p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [10, 11, 12, 13]}" >/dev/null &&
	PER_ASSET=0.02 fake_project &&
	must_fail 1 assetgen -C p build --report r.json >out 2>err &&
	test "$(seeds)" = "10 11" &&
	cat out err | grep -q "would exceed budget.per_asset (0.020 spent on it" &&
	test "$(json_get r.json "round(j[\"totals\"][\"spent\"], 6)")" = 0.02
'

test_expect_success 'budget.per_build holds across re-rolls, and a raised budget reuses what was paid' '
	rm -rf p/cache p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [10, 11]}" >/dev/null &&
	fake_project &&
	must_fail 1 assetgen -C p build --budget 0.02 >out 2>err &&
	test "$(seeds)" = "10 11" && cat out err | grep -q "budget.per_build" &&
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [10, 11]}" >/dev/null &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(seeds)" = "12" &&
	test "$(verdicts r.json sale)" = "10 fail 11 fail 12 pass"
'

test_expect_success '--locked places the pinned candidate with no request and no OCR' '
	rm -rf p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	assetgen -C p build --locked >out 2>err &&
	test "$(fake_count)" = 0 && test -s p/dist/sale.png &&
	(cd p && assetgen why dist/sale.png) >why && grep -q "^seed  *12$" why
'

test_expect_success 'a correct first render passes with one request' '
	rm -rf p/cache p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{}" >/dev/null &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(seeds)" = "10" && test "$(verdicts r.json sale)" = "10 pass"
'

test_expect_success 'no language data: the asset fails once, naming the package, and nothing is re-rolled' '
	rm -rf p/cache p/dist && fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{}" >/dev/null &&
	must_fail 1 env TESSDATA_PREFIX="$PWD/nowhere" assetgen -C p build >out 2>err &&
	grep -q "FAILED sale: typography check: no Tesseract data for language .eng. (.*nowhere/eng.traineddata; on Debian: apt-get install tesseract-ocr-eng)" err &&
	test "$(seeds)" = "10" &&
	TESSDATA_PREFIX= assetgen -C p build >out 2>err && test "$(seeds)" = "10"
'

test_expect_success 'a teammate with the remote cache gets the checked output: no request, no OCR' '
	rm -rf p/cache p/dist remote && mkdir remote &&
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [10]}" >/dev/null &&
	printf "cache: {remote: {url: \"file://$PWD/remote\", upload: true}}\n" >>p/assetgen.yaml &&
	assetgen -C p build >out 2>err && test "$(seeds)" = "10 11" &&
	mkdir mate && cp -r p/assetgen.yaml p/recipes mate/ &&
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	assetgen -C mate build -v >out 2>err &&
	test "$(fake_count)" = 0 && ! grep -q "^typography" out &&
	cmp p/dist/sale.png mate/dist/sale.png
'

test_expect_success 'bench --expect-text: the typography failure rate per model' '
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [2, 4]}" >/dev/null &&
	assetgen -C p bench --model gen -n 5 -j 2 --size 640x256 --prompt "poster {i} reading '\''Launch Sale'\''" \
		--expect-text "Launch Sale" >out 2>err &&
	grep -q "^  typography: 2 of 5 renders failed the check (40.0%)$" out &&
	! grep -q FAILED err &&
	fake_ctl POST /_control/reset "{}" >/dev/null &&
	fake_ctl POST /_control/text "{\"garble\": [1]}" >/dev/null &&
	assetgen -C p bench --model gen -n 3 --size 640x256 --prompt "poster {i} reading '\''Launch Sale'\''" \
		--expect-text "Launch Sale" --json >b.json &&
	test "$(json_get b.json "j[\"typography\"][\"gen\"][\"failed\"], j[\"typography\"][\"gen\"][\"checked\"]")" = "(1, 3)" &&
	test "$(fake_count)" = 3
'

test_done
