#!/bin/bash
# Each HTTP provider against the fake: wire formats, a rebuild with no
# request, and secrets kept out of everything assetgen writes.
. "$(dirname "$0")/lib.sh"

CANARY=sk-canary-7f3a9c1e5b
export IDEOGRAM_API_KEY=$CANARY-ideo OPENAI_API_KEY=$CANARY-oai STABILITY_API_KEY=$CANARY-stab \
	GEMINI_API_KEY=$CANARY-gem

project() {
	mkdir -p p/recipes
	cat >p/assetgen.yaml <<YAML
models:
  gen:       {provider: http,      endpoint: "$FAKE/http/generate", cost: 0.01}
  genjson:   {provider: http,      endpoint: "$FAKE/http/generate-json", cost: 0.01}
  oai:       {provider: openai,    model: gpt-image-2, endpoint: "$FAKE/openai", cost: 0.04, api_key_env: OPENAI_API_KEY}
  sd:        {provider: a1111,     endpoint: "$FAKE/a1111", cost: 0}
  ideo:      {provider: ideogram,  model: V_2, endpoint: "$FAKE/ideogram", cost: 0.08, api_key_env: IDEOGRAM_API_KEY}
  stab:      {provider: stability, model: sd3.5-flash, endpoint: "$FAKE/stability", cost: 0.025, api_key_env: STABILITY_API_KEY}
  nano:      {provider: gemini,    model: gemini-nano-banana-2.1, endpoint: "$FAKE/gemini", cost: 0.039, api_key_env: GEMINI_API_KEY}
  local:     {provider: builtin}
routes:
  - use: [local]
YAML
	cat >p/recipes/a.yaml <<'YAML'
defaults:
  size: 1024x1024
assets:
  - {name: via-http, prompt: "a red kite", seed: 1, model: gen, params: {steps: 20, guidance: 7.5}}
  - {name: via-http-json, prompt: "a blue kite", seed: 2, model: genjson}
  - {name: via-openai, prompt: "a green kite", seed: 3, model: oai, params: {quality: low}}
  - {name: via-a1111, prompt: "a kite, 'Sale'", negative_prompt: blurry, seed: 4, model: sd, size: 512x512, params: {steps: 20, sampler: Euler a, guidance: 6}}
  - {name: via-ideogram, prompt: "Banner reading 'Launch Sale'", seed: 5, model: ideo, params: {style_type: DESIGN}}
  - {name: via-stability, prompt: "a kite at dawn", seed: 6, model: stab}
  - {name: via-gemini, prompt: "a kite in the rain", seed: 7, model: nano}
YAML
}

start_fake || exit 1
test_expect_success 'project' 'project'

test_expect_success 'every provider builds its asset through its wire format' '
	assetgen -C p build -v --report r.json >vout 2>verr &&
	for n in http http-json openai a1111 ideogram stability gemini; do test -s p/dist/via-$n.png; done &&
	fake_violations &&
	test "$(json_get r.json "j[\"totals\"][\"generated\"]")" = 7
'

test_expect_success 'outputs have the requested size and keep provider metadata' '
	test "$(od -An -tu1 -j16 -N8 p/dist/via-ideogram.png | tr -s " ")" = " 0 0 4 0 0 0 4 0" &&
	test "$(od -An -tu1 -j16 -N8 p/dist/via-a1111.png | tr -s " ")" = " 0 0 2 0 0 0 2 0" &&
	grep -q render_meta p/dist/via-http-json.png &&
	grep -q "provider:seed" p/dist/via-a1111.png
'

test_expect_success 'a rebuild sends no request at all' '
	n=$(fake_count) && assetgen -C p build >out && grep -q "no work to do" out &&
	test "$(fake_count)" = "$n"
'

test_expect_success 'the API keys never reach disk, output, report or cache' '
	! grep -r -a -q "$CANARY" p r.json vout verr out
'

test_expect_success 'verbose output redacts the credential headers' '
	grep -q "<redacted>" vout && grep -q "request via-ideogram: POST $FAKE/ideogram/generate" vout
'

test_expect_success 'a missing key is a clear error naming the variable, before any request' '
	rm -rf p/dist p/cache && n=$(fake_count) &&
	must_fail 2 env -u GEMINI_API_KEY assetgen -C p build >out 2>err &&
	grep -q "model .nano. needs its API key in the environment variable GEMINI_API_KEY" err &&
	test "$(fake_count)" = "$n" && ! test -e p/dist
'

test_expect_success 'ideogram makes a size it has no resolution for from its nearest one' '
	mkdir -p q/recipes && cp p/assetgen.yaml q/ &&
	printf "assets:\n  - {name: odd, prompt: x, seed: 1, size: 1000x1000, model: ideo}\n" >q/recipes/a.yaml &&
	assetgen -C q build >out 2>err &&
	test "$(od -An -tu1 -j16 -N8 q/dist/odd.png | tr -s " ")" = " 0 0 3 232 0 0 3 232" &&
	grep -a -q "native_size.1024x1024" q/dist/odd.png
'

test_expect_success 'the endpoint is not part of the key: a proxy shares the cache' '
	assetgen -C p build >/dev/null &&
	sed -i "s#$FAKE/ideogram#http://localhost:$(cat fake.port)/ideogram#" p/assetgen.yaml &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'a1111 requests never overlap (one GPU: concurrency 1 by default)' '
	fake_ctl POST /_control/reset >/dev/null &&
	fake_ctl POST /_control/faults "{\"latency_ms\": 100}" >/dev/null &&
	mkdir -p c/recipes && cp p/assetgen.yaml c/ &&
	{ echo "assets:"; for i in 1 2 3 4 5 6; do echo "  - {name: s$i, prompt: \"sd $i\", seed: $i, size: 64x64, model: sd}"; done; } >c/recipes/a.yaml &&
	assetgen -C c build -j 6 >out &&
	fake_ctl GET /_control/requests >reqs.json &&
	test "$(json_get reqs.json "len(j)")" = 6 &&
	json_get reqs.json "all(a[\"end\"] <= b[\"start\"] + 0.001 for a, b in zip(sorted(j, key=lambda r: r[\"start\"]), sorted(j, key=lambda r: r[\"start\"])[1:]))" | grep -qx True
'

test_expect_success 'hosted models run in parallel up to their concurrency' '
	fake_ctl POST /_control/reset >/dev/null &&
	fake_ctl POST /_control/faults "{\"latency_ms\": 300}" >/dev/null &&
	mkdir -p d/recipes && cp p/assetgen.yaml d/ &&
	{ echo "assets:"; for i in 1 2 3 4; do echo "  - {name: h$i, prompt: \"par $i\", seed: $i, size: 64x64, model: gen}"; done; } >d/recipes/a.yaml &&
	start=$(date +%s.%N) && assetgen -C d build -j 8 >out && end=$(date +%s.%N) &&
	python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) < 1.0 else 1)" $start $end
'

test_expect_success 'assetgen routes shows candidates and the rule' '
	assetgen -C p routes via-ideogram >out &&
	grep -qx "via-ideogram: ideo (0.080)  \[pinned by the recipe\]" out
'

test_expect_success 'bench measures a model: latency percentiles, failures by class, cost' '
	fake_ctl POST /_control/reset >/dev/null &&
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"http\", \"fault\": \"503\", \"count\": 2}]}" >/dev/null &&
	assetgen -C p bench --model gen -n 10 -j 4 --size 64x64 --json >b.json &&
	test "$(json_get b.json "j[\"prompts\"]")" = 10 &&
	test "$(json_get b.json "j[\"succeeded\"]")" = 10 &&
	test "$(json_get b.json "j[\"models\"][\"gen\"][\"failures\"][\"retryable\"]")" = 2 &&
	test "$(json_get b.json "j[\"models\"][\"gen\"][\"attempts\"]")" = 12 &&
	json_get b.json "j[\"latency_seconds\"][\"p50\"] <= j[\"latency_seconds\"][\"p95\"] <= j[\"latency_seconds\"][\"p99\"]" | grep -qx True &&
	test "$(json_get b.json "round(j[\"spent\"], 3)")" = 0.1 &&
	assetgen -C p bench --model gen -n 3 --size 64x64 >b.txt && grep -q "^latency: *p50" b.txt &&
	test -z "$(ls p/cache/objects | wc -l | grep -v "^[0-9]*$")"
'

test_done
