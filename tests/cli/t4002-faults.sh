#!/bin/bash
# Faults are the normal case: retries with backoff, Retry-After, fallbacks,
# permanent failures, the circuit breaker, budgets.
. "$(dirname "$0")/lib.sh"

export IDEOGRAM_API_KEY=sk-canary-faults-1234 GEMINI_API_KEY=sk-canary-faults-1234

project() {
	rm -rf p && mkdir -p p/recipes
	cat >p/assetgen.yaml <<YAML
models:
  ideo:  {provider: ideogram, model: V_2, endpoint: "$FAKE/ideogram", cost: 0.08, api_key_env: IDEOGRAM_API_KEY}
  nano:  {provider: gemini, model: gemini-nano-banana-2.1, endpoint: "$FAKE/gemini", cost: 0.039, api_key_env: GEMINI_API_KEY}
  gen:   {provider: http, endpoint: "$FAKE/http/generate", cost: 0.01, timeout: 2}
  local: {provider: builtin}
routes:
  - match: {tags: [typography]}
    use: [ideo, nano]
  - use: [gen, local]
budget:
  per_request: ${PER_REQUEST:-1}
  per_build: ${PER_BUILD:-100}
YAML
	{
		echo "assets:"
		for i in $(seq 1 ${N:-6}); do
			echo "  - {name: a$i, prompt: \"asset $i.\", seed: $i, size: 1024x1024, tags: [typography]}"
		done
	} >p/recipes/a.yaml
}

faults() { fake_ctl POST /_control/reset >/dev/null && fake_ctl POST /_control/faults "$1" >/dev/null; }

start_fake || exit 1

test_expect_success 'every retryable fault class is retried and every asset is made' '
	N=10 project &&
	faults "{\"rules\": [
		{\"provider\": \"ideogram\", \"fault\": \"429\", \"match\": \"asset 1.\"},
		{\"provider\": \"ideogram\", \"fault\": \"500\", \"match\": \"asset 2.\"},
		{\"provider\": \"ideogram\", \"fault\": \"503\", \"match\": \"asset 3.\"},
		{\"provider\": \"ideogram\", \"fault\": \"reset\", \"match\": \"asset 4.\"},
		{\"provider\": \"ideogram\", \"fault\": \"truncated\", \"match\": \"asset 5.\"},
		{\"provider\": \"ideogram\", \"fault\": \"badjson\", \"match\": \"asset 6.\"},
		{\"provider\": \"ideogram\", \"fault\": \"oom\", \"match\": \"asset 7.\"},
		{\"provider\": \"ideogram\", \"fault\": \"408\", \"match\": \"asset 8.\"},
		{\"provider\": \"ideogram\", \"fault\": \"short-body\", \"match\": \"asset 9.\"},
		{\"provider\": \"ideogram\", \"fault\": \"502\", \"match\": \"asset 10.\"}]}" &&
	{ assetgen -C p build --report r.json >out 2>err || { cat out err; false; }; } &&
	for i in $(seq 1 10); do test -s p/dist/a$i.png; done &&
	test "$(json_get r.json "sum(a[\"attempts\"] for a in j[\"assets\"])")" = 20 &&
	test "$(json_get r.json "sum(1 for a in j[\"assets\"] if a[\"fallback\"])")" = 0 &&
	test "$(json_get r.json "j[\"models\"][\"ideo\"][\"failures\"][\"retryable\"] + j[\"models\"][\"ideo\"][\"failures\"][\"out-of-memory\"]")" = 10 &&
	test "$(json_get r.json "j[\"models\"][\"ideo\"][\"failures\"][\"out-of-memory\"]")" = 1 &&
	fake_violations
'

test_expect_success 'no invalid image was cached' '
	assetgen -C p cache verify >v && grep -q " 0 corrupt" v &&
	for f in p/dist/*.png; do head -c 8 "$f" | od -An -tx1 | grep -q "89 50 4e 47"; done
'

test_expect_success 'a permanent failure falls back at once, without retrying' '
	N=1 project &&
	faults "{\"rules\": [{\"provider\": \"ideogram\", \"fault\": \"401\", \"count\": -1}]}" &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(fake_count ideogram)" = 1 && test "$(fake_count gemini)" = 1 &&
	test "$(json_get r.json "j[\"assets\"][0][\"model\"]")" = nano &&
	test "$(json_get r.json "j[\"assets\"][0][\"fallback\"]")" = True
'

test_expect_success 'a safety rejection is permanent: no retry, fallback' '
	N=1 project &&
	faults "{\"rules\": [{\"provider\": \"ideogram\", \"fault\": \"safety\", \"count\": -1}]}" &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(fake_count ideogram)" = 1 &&
	test "$(json_get r.json "j[\"models\"][\"ideo\"][\"failures\"][\"safety\"]")" = 1
'

test_expect_success 'a fallback artifact is reused, not paid for again' '
	rm -rf p/dist && fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C p build >out && grep -q "restore a1" out && test "$(fake_count)" = 0
'

test_expect_success 'a 429 with Retry-After: 2 waits about 2 s, not less' '
	N=1 project &&
	faults "{\"rules\": [{\"provider\": \"ideogram\", \"fault\": \"429\", \"retry_after\": \"2\"}]}" &&
	assetgen -C p build >out 2>err &&
	fake_ctl GET /_control/requests >reqs.json &&
	gap=$(json_get reqs.json "[r for r in j if r[\"provider\"] == \"ideogram\" and r[\"method\"] == \"POST\"][1][\"start\"] - [r for r in j if r[\"provider\"] == \"ideogram\"][0][\"end\"]") &&
	python3 -c "import sys; g = float(sys.argv[1]); sys.exit(0 if 1.99 <= g <= 3.5 else 1)" "$gap"
'

test_expect_success 'Gemini RetryInfo is honoured too' '
	N=1 project &&
	faults "{\"rules\": [{\"provider\": \"ideogram\", \"fault\": \"401\", \"count\": -1}, {\"provider\": \"gemini\", \"fault\": \"429\"}]}" &&
	assetgen -C p build >out 2>err &&
	fake_ctl GET /_control/requests >reqs.json &&
	gap=$(json_get reqs.json "[r for r in j if r[\"provider\"] == \"gemini\"][1][\"start\"] - [r for r in j if r[\"provider\"] == \"gemini\"][0][\"end\"]") &&
	python3 -c "import sys; g = float(sys.argv[1]); sys.exit(0 if 1.99 <= g <= 3.5 else 1)" "$gap"
'

test_expect_success 'a Retry-After longer than a build waits moves on to the fallback at once' '
	for ra in 1e300 86400; do
		N=1 project &&
		faults "{\"rules\": [{\"provider\": \"ideogram\", \"fault\": \"429\", \"retry_after\": \"$ra\"}]}" &&
		start=$(date +%s) &&
		assetgen -C p build -v --report r.json >out 2>err &&
		test $(($(date +%s) - start)) -lt 10 &&
		test "$(fake_count ideogram)" = 1 && test "$(fake_count gemini)" = 1 &&
		test "$(json_get r.json "j[\"assets\"][0][\"model\"]")" = nano &&
		grep -q "ideo asks to retry after [0-9e+]* s, more than the 300 s a build waits" out || return 1
	done
'

test_expect_success 'a model that keeps failing is cooled down; the fallback takes over' '
	N=12 project &&
	sed -i "s/tags: \[typography\]/tags: [x]/" p/recipes/a.yaml &&
	faults "{\"rules\": [{\"provider\": \"http\", \"fault\": \"503\", \"count\": -1}]}" &&
	assetgen -C p build -j 4 --report r.json >out 2>err &&
	grep -q "model .gen. cooled down" out &&
	for i in $(seq 1 12); do test -s p/dist/a$i.png; done &&
	test "$(json_get r.json "j[\"models\"][\"gen\"][\"cooled_down\"]")" = True &&
	fake_ctl GET /_control/requests >reqs.json &&
	test "$(json_get reqs.json "sum(1 for r in j if r[\"provider\"] == \"http\" and r[\"prompt\"] in (\"asset 11.\", \"asset 12.\"))")" = 0
'

test_expect_success 'a timeout is retried' '
	N=1 project && sed -i "s/tags: \[typography\]/tags: [x]/" p/recipes/a.yaml &&
	faults "{\"rules\": [{\"provider\": \"http\", \"fault\": \"timeout\"}]}" &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(json_get r.json "j[\"assets\"][0][\"model\"]")" = gen &&
	test "$(json_get r.json "j[\"assets\"][0][\"attempts\"]")" = 2
'

test_expect_success 'budget.per_request skips candidates that cost more' '
	N=1 PER_REQUEST=0.05 project && fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C p build --report r.json >out 2>err &&
	test "$(json_get r.json "j[\"assets\"][0][\"model\"]")" = nano && test "$(fake_count ideogram)" = 0
'

test_expect_success 'budget.per_build stops dispatching and names what was left unbuilt' '
	N=5 PER_BUILD=0.2 project && fake_ctl POST /_control/reset >/dev/null &&
	must_fail 1 assetgen -C p build -j 1 >out 2>err &&
	test "$(ls p/dist | wc -l)" = 2 &&
	grep -q "skipped a3: not started: a3 would exceed budget.per_build" out &&
	test "$(fake_count ideogram)" -le 4
'

test_expect_success '--budget overrides the cap; -n shows the exact estimated cost' '
	assetgen -C p build -n >out && grep -q "estimated cost 0.240" out &&
	assetgen -C p build --budget 1 >out && test "$(ls p/dist/*.png | wc -l)" = 5
'

test_expect_success 'the API key never reached disk or output through any fault path' '
	! grep -r -a -q "sk-canary-faults" p out err r.json
'

test_expect_success '--intent preview routes to preview models, into dist/preview/' '
	N=2 project && fake_ctl POST /_control/reset >/dev/null &&
	python3 - p/assetgen.yaml <<-PY &&
	import sys
	s = open(sys.argv[1]).read().replace("routes:\n", "routes:\n  - match: {intent: preview}\n    use: [local]\n", 1)
	open(sys.argv[1], "w").write(s)
	PY
	assetgen -C p build --intent preview >out &&
	test -s p/dist/preview/a1.png && test -s p/dist/preview/a2.png && ! test -e p/dist/a1.png &&
	test "$(fake_count)" = 0 && grep -q "(local)" out
'

# uproject: one asset generated over HTTP, then upscaled by a model that
# costs money too (A1111's extras)
uproject() {
	rm -rf u && mkdir -p u/recipes
	cat >u/assetgen.yaml <<YAML
models:
  gen: {provider: http, endpoint: "$FAKE/http/generate", cost: 0.01}
  sd:  {provider: a1111, model: "R-ESRGAN 4x+", endpoint: "$FAKE/a1111", cost: 0.005}
routes:
  - use: [gen]
budget: {per_asset: ${PER_ASSET:-1}}
YAML
	echo "assets: [{name: big, prompt: \"upscaled\", seed: 1, size: 64x64, upscale: {factor: 2, with: sd}}]" \
		>u/recipes/a.yaml
}

test_expect_success 'an upscale by a model is paid: in the estimate, the summary and the report' '
	uproject && fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C u build -n >out && grep -q "estimated cost 0.015" out &&
	grep -q "^generate *big *gen *0.015" out &&
	assetgen -C u build --report r.json >out 2>err &&
	grep -q "spent 0.015" out &&
	test "$(json_get r.json "round(j[\"totals\"][\"spent\"], 6)")" = 0.015 &&
	test "$(json_get r.json "round(j[\"assets\"][0][\"cost\"], 6)")" = 0.015 &&
	test "$(fake_count http)" = 1 && test "$(fake_count a1111)" = 1 &&
	test "$(json_get u/dist/manifest.json "round(j[\"assets\"][\"big\"][\"cost\"], 6)")" = 0.015
'

test_expect_success 'the budget holds the upscale too: no generation is paid for that could not be upscaled' '
	uproject && fake_ctl POST /_control/reset >/dev/null &&
	must_fail 1 assetgen -C u build --budget 0.012 >out 2>err &&
	grep -q "skipped big: not started: big would exceed budget.per_build (0.000 spent, 0.000 in flight, gen costs 0.010 and its upscaler sd 0.005, cap 0.012)" out &&
	test "$(fake_count)" = 0 && ! test -e u/dist/big.png &&
	PER_ASSET=0.014 uproject &&
	must_fail 1 assetgen -C u build >out 2>err &&
	grep -q "would exceed budget.per_asset (0.000 spent on it, gen costs 0.010 and its upscaler sd 0.005, cap 0.014)" out &&
	test "$(fake_count)" = 0
'

test_expect_success 'a restore saves both; from a cached generation only the upscale is paid, within the budget' '
	uproject && fake_ctl POST /_control/reset >/dev/null &&
	assetgen -C u build >out && grep -q "spent 0.015" out &&
	rm -r u/dist && assetgen -C u build >out && grep -q "spent 0.000, saved 0.015" out &&
	sed -i "s/factor: 2/factor: 3/" u/recipes/a.yaml &&
	assetgen -C u build -n >out && grep -q "estimated cost 0.005" out &&
	must_fail 1 assetgen -C u build --budget 0.004 >out 2>err &&
	grep -q "skipped big: not started: big would exceed budget.per_build (0.000 spent, 0.000 in flight, upscaler sd costs 0.005, cap 0.004)" out &&
	test "$(fake_count a1111)" = 1 &&
	assetgen -C u build --budget 0.005 --report r.json >out 2>err &&
	grep -q "spent 0.005" out && test "$(fake_count a1111)" = 2 && test "$(fake_count http)" = 1 &&
	test "$(json_get r.json "round(j[\"assets\"][0][\"cost\"], 6)")" = 0.005 &&
	fake_violations
'

test_expect_success 'a price too small for a double is a tiny price, not an error' '
	new_project tiny && sed -i "s/{provider: builtin}/{provider: builtin, cost: 1e-320}/" tiny/assetgen.yaml &&
	echo "assets: [{name: t, prompt: tiny, seed: 1, size: 16x16}]" >tiny/recipes/a.yaml &&
	assetgen -C tiny build --budget 1e-320 --report r.json >out &&
	test "$(json_get r.json "0 < j[\"totals\"][\"spent\"] < 1e-300")" = True
'

test_done
