#!/bin/bash
# Ctrl-C during queued jobs: those whose API has a cancel call (fal,
# Replicate) are cancelled; the rest (BFL) stay recorded, and the next
# build picks them up without submitting them again.
. "$(dirname "$0")/lib.sh"

export BFL_API_KEY=bfl-key-1 FAL_KEY=fal-key-2 REPLICATE_API_TOKEN=rep-key-3

queues_get() {
	fake_ctl GET /_control/queues | python3 -c 'import json, sys; q = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

start_fake || exit 1

test_expect_success 'project' '
	mkdir -p p/recipes &&
	cat >p/assetgen.yaml <<YAML &&
models:
  flux: {provider: bfl, model: flux-2-pro, endpoint: "$FAKE/bfl", cost: 0.03, api_key_env: BFL_API_KEY}
  falflux: {provider: fal, model: fal-ai/flux/dev, endpoint: "$FAKE/fal", cost: 0.025, api_key_env: FAL_KEY}
  rep: {provider: replicate, model: black-forest-labs/flux-dev, endpoint: "$FAKE/replicate", cost: 0.02, api_key_env: REPLICATE_API_TOKEN}
routes:
  - use: [flux]
YAML
	cat >p/recipes/a.yaml <<YAML
defaults: {size: 256x256}
assets:
  - {name: b1, prompt: "a red kite", seed: 1}
  - {name: f1, prompt: "a green kite", seed: 3, model: falflux}
  - {name: r1, prompt: "a black kite", seed: 5, model: rep}
YAML
'

test_expect_success 'Ctrl-C cancels the fal and Replicate jobs and keeps the BFL one' '
	fake_ctl POST /_control/queues "{\"render_s\": 3, \"hold_s\": 0.1}" &&
	{ assetgen -C p build >out 2>&1 & pid=$!; } &&
	i=0 && while [ "$(assetgen -C p jobs --active | grep -c -E "^(submitted|queued|running)")" -lt 3 ]; do
		i=$((i + 1)); [ $i -lt 200 ] || { kill -9 $pid; false; }; sleep 0.05
	done &&
	kill -INT $pid && rc=0 && { wait $pid || rc=$?; } && cat out &&
	test $rc = 130 &&
	test "$(queues_get "q[\"cancels\"][\"fal\"]")" = 1 &&
	test "$(queues_get "q[\"cancels\"][\"replicate\"]")" = 1 &&
	grep -q "cancelled f1: its job at falflux" out &&
	assetgen -C p jobs >jobs.txt && cat jobs.txt &&
	grep -q "^cancelled .* f1 " jobs.txt && grep -q "^cancelled .* r1 " jobs.txt &&
	grep -q -E "^(submitted|queued|running) .* b1 " jobs.txt
'

test_expect_success 'the next build resumes the BFL job and submits the cancelled ones anew' '
	assetgen -C p build >out 2>&1 && cat out &&
	test "$(queues_get "q[\"submits\"][\"bfl\"]")" = 1 &&
	test "$(queues_get "q[\"submits\"][\"fal\"]")" = 2 &&
	test "$(queues_get "q[\"submits\"][\"replicate\"]")" = 2 &&
	for a in b1 f1 r1; do test -s p/dist/$a.png; done &&
	fake_violations
'

test_done
