#!/bin/bash
# Queued APIs (bfl, fal, replicate): a build killed after its submits
# resumes every job by its id, submits nothing again and pays once; an
# expired or lost job is submitted again exactly once, and says so.
. "$(dirname "$0")/lib.sh"

export BFL_API_KEY=bfl-key-1 FAL_KEY=fal-key-2 REPLICATE_API_TOKEN=rep-key-3

project() {
	mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<YAML
models:
  flux: {provider: bfl, model: flux-2-pro, endpoint: "$FAKE/bfl", cost: 0.03, api_key_env: BFL_API_KEY}
  falflux: {provider: fal, model: fal-ai/flux/dev, endpoint: "$FAKE/fal", cost: 0.025, api_key_env: FAL_KEY}
  rep: {provider: replicate, model: black-forest-labs/flux-dev, endpoint: "$FAKE/replicate", cost: 0.02, api_key_env: REPLICATE_API_TOKEN}
routes:
  - use: [flux]
YAML
	cat >"$1/recipes/a.yaml" <<'YAML'
defaults: {size: 256x256}
assets:
  - {name: b1, prompt: "a red kite", seed: 1}
  - {name: b2, prompt: "a blue kite", seed: 2}
  - {name: f1, prompt: "a green kite", seed: 3, model: falflux, params: {steps: 20}}
  - {name: f2, prompt: "a white kite", seed: 4, model: falflux}
  - {name: r1, prompt: "a black kite", seed: 5, model: rep}
  - {name: r2, prompt: "a grey kite", seed: 6, model: rep}
YAML
}

# queues_get EXPR: a python expression on GET /_control/queues (as q)
queues_get() {
	fake_ctl GET /_control/queues | python3 -c 'import json, sys; q = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
submits() { queues_get 'sum(q["submits"].values())'; }

start_fake || exit 1
test_expect_success 'projects' 'project p && project ref'

test_expect_success 'a build killed after its submits leaves every job recorded' '
	fake_ctl POST /_control/queues "{\"render_s\": 5, \"hold_s\": 0.3}" &&
	{ assetgen -C p build -j 8 >kout 2>&1 & pid=$!; } &&
	i=0 && while [ "$(assetgen -C p jobs --active | grep -c -E "^(submitted|queued|running)")" -lt 6 ]; do
		i=$((i + 1)); [ $i -lt 200 ] || { kill -9 $pid; cat kout; false; }; sleep 0.05
	done &&
	kill -9 $pid && { wait $pid || true; } &&
	test "$(submits)" = 6 &&
	! test -e p/dist/b1.png &&
	assetgen -C p jobs >jobs.txt && cat jobs.txt &&
	test "$(grep -c -E "^(submitted|queued|running) " jobs.txt)" = 6
'

test_expect_success 'the next build resumes them all: no new submit, each paid once, budget or not' '
	assetgen -C p build --explain --budget 0.01 --report r.json >out 2>&1 && cat out &&
	test "$(submits)" = 6 &&
	test "$(grep -c "^resume " out)" = 6 &&
	for a in b1 b2 f1 f2 r1 r2; do test -s p/dist/$a.png; done &&
	test "$(json_get r.json "round(j[\"totals\"][\"spent\"], 3)")" = 0.15 &&
	assetgen -C p jobs >jobs.txt && test "$(grep -c "^cached " jobs.txt)" = 6 &&
	fake_violations
'

test_expect_success 'the outputs are the bytes a build that was never killed makes' '
	fake_ctl POST /_control/queues "{\"render_s\": 0.1}" &&
	assetgen -C ref build >/dev/null 2>&1 &&
	for a in b1 b2 f1 f2 r1 r2; do cmp p/dist/$a.png ref/dist/$a.png; done
'

test_expect_success 'results that expired while no build ran: each submitted again once, with its cost' '
	fake_ctl POST /_control/queues/reset && rm -rf p/dist p/cache &&
	fake_ctl POST /_control/queues "{\"render_s\": 5, \"hold_s\": 0.1, \"rules\": [{\"kind\": \"expire\", \"count\": -1}]}" &&
	{ assetgen -C p build -j 8 >kout 2>&1 & pid=$!; } &&
	i=0 && while [ "$(assetgen -C p jobs --active | grep -c -E "^(submitted|queued|running)")" -lt 6 ]; do
		i=$((i + 1)); [ $i -lt 200 ] || { kill -9 $pid; false; }; sleep 0.05
	done &&
	kill -9 $pid && { wait $pid || true; } &&
	test "$(submits)" = 6 &&
	fake_ctl POST /_control/queues "{\"render_s\": 0.1, \"replace\": true}" &&
	assetgen -C p build --report r2.json >out 2>&1 && cat out &&
	for a in b1 b2 f1 f2 r1 r2; do test -s p/dist/$a.png; done &&
	test "$(grep -c ": submitted again: .*expired.*; it costs 0.0[0-9]* more" out)" = 6 &&
	test "$(submits)" = 12 &&
	test "$(json_get r2.json "sum(1 for a in j[\"assets\"] if \"submitted again\" in a.get(\"note\", \"\"))")" = 6 &&
	test "$(json_get r2.json "round(j[\"totals\"][\"spent\"], 3)")" = 0.15 &&
	fake_violations
'

test_expect_success 'a result that expires before its download is submitted again exactly once' '
	rm -rf p/dist p/cache && fake_ctl POST /_control/queues/reset &&
	fake_ctl POST /_control/queues "{\"render_s\": 0.1, \"rules\": [{\"provider\": \"bfl\", \"kind\": \"expire\", \"match\": \"red\"}]}" &&
	assetgen -C p build b1 --report r3.json >out 2>&1 && cat out &&
	test "$(grep -c "b1: submitted again: bfl: the result expired (HTTP 404 on its download); it costs 0.030 more" out)" = 1 &&
	test "$(queues_get "q[\"submits\"][\"bfl\"]")" = 2 &&
	test "$(json_get r3.json "round(j[\"totals\"][\"spent\"], 3)")" = 0.06 &&
	test -s p/dist/b1.png
'

test_expect_success 'a job the service lost is submitted again once; a second loss fails the attempt' '
	rm -rf p/dist p/cache && fake_ctl POST /_control/queues/reset &&
	fake_ctl POST /_control/queues "{\"render_s\": 0.1, \"rules\": [{\"provider\": \"fal\", \"kind\": \"lost\", \"match\": \"green\"}]}" &&
	assetgen -C p build f1 >out 2>&1 && cat out &&
	grep -q "f1: submitted again: fal: the service no longer knows the job (HTTP 404)" out &&
	test "$(queues_get "q[\"submits\"][\"fal\"]")" = 2 && test -s p/dist/f1.png
'

test_expect_success '429 on submits and on status requests: waited out, never paid twice' '
	rm -rf p/dist p/cache && fake_ctl POST /_control/queues/reset &&
	fake_ctl POST /_control/queues "{\"render_s\": 0.1, \"rules\": [{\"kind\": \"429-submit\", \"count\": 3}, {\"kind\": \"429-poll\", \"count\": 3}]}" &&
	assetgen -C p build >out 2>&1 && cat out &&
	for a in b1 b2 f1 f2 r1 r2; do test -s p/dist/$a.png; done &&
	test "$(submits)" = 6 && fake_violations
'

test_expect_success 'moderation is a safety failure, recorded as such' '
	rm -rf p/dist p/cache && fake_ctl POST /_control/queues/reset &&
	fake_ctl POST /_control/queues "{\"render_s\": 0.1, \"rules\": [{\"kind\": \"moderated\", \"count\": -1, \"match\": \"red\"}]}" &&
	must_fail 1 assetgen -C p build b1 >out 2>&1 && cat out &&
	grep -q "bfl: the image was moderated (attempt 1, safety)" out &&
	test "$(queues_get "q[\"submits\"][\"bfl\"]")" = 1 &&
	assetgen -C p jobs | grep -q "^moderated .* b1 "
'

test_expect_success 'no key reaches the index, the outputs or the output' '
	! grep -r -a -q -e bfl-key-1 -e fal-key-2 -e rep-key-3 p out kout
'

test_done
