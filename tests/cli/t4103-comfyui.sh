#!/bin/bash
# ComfyUI through its queue: a workflow file in API format with declared
# placeholders filled, its content keyed like a font, node_errors and
# execution_error reported with the node's id and class.
. "$(dirname "$0")/lib.sh"

queues_get() {
	fake_ctl GET /_control/queues | python3 -c 'import json, sys; q = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

workflow() {
	cat <<'JSON'
{
 "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
 "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1}},
 "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "{{prompt}}"}},
 "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "{{negative_prompt}}"}},
 "3": {"class_type": "KSampler", "inputs": {"model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
       "latent_image": ["5", 0], "seed": "{{seed}}", "steps": "{{param:steps}}", "cfg": 7,
       "sampler_name": "euler", "scheduler": "normal", "denoise": 1}},
 "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
 "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "{{param:format}}"}}
}
JSON
}

start_fake || exit 1
fake_ctl POST /_control/queues '{"render_s": 0.1}' >/dev/null

test_expect_success 'the style matrix on a ComfyUI workflow' '
	mkdir -p p/workflows && cp -R "$TEST_TOP/examples/style-matrix/recipes" p/ &&
	workflow >p/workflows/sdxl.json &&
	cat >p/assetgen.yaml <<YAML &&
models:
  gpu: {provider: comfyui, endpoint: "$FAKE/comfyui", workflow: workflows/sdxl.json}
routes:
  - use: [gpu]
YAML
	assetgen -C p build --report r.json >out 2>&1 && cat out &&
	test "$(json_get r.json "j[\"totals\"][\"generated\"]")" = 9 &&
	test "$(queues_get "q[\"submits\"][\"comfyui\"]")" = 9 &&
	fake_violations
'

test_expect_success 'the placeholders are filled, typed, and the asset params go where declared' '
	fake_ctl GET /_control/requests | python3 -c "
import json, sys
posts = [r for r in json.load(sys.stdin) if r[\"path\"] == \"/comfyui/prompt\"]
assert len(posts) == 9, len(posts)
assert all(r[\"prompt\"] for r in posts)
assert any(\"neon\" in r[\"prompt\"] for r in posts)
"
'

test_expect_success 'ComfyUI runs one job at a time by default (one GPU)' '
	fake_ctl GET /_control/requests | python3 -c "
import json, sys
reqs = [r for r in json.load(sys.stdin) if r[\"provider\"] == \"comfyui\"]
spans = sorted((r[\"start\"], r[\"end\"]) for r in reqs)
for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
    assert b0 >= a1 - 1e-3, (a0, a1, b0, b1)
"
'

test_expect_success 'the workflow content is in the key: a copy elsewhere keeps it, an edit does not' '
	n=$(queues_get "q[\"submits\"][\"comfyui\"]") &&
	cp p/workflows/sdxl.json p/workflows/copy.json &&
	sed -i "s|workflows/sdxl.json|workflows/copy.json|" p/assetgen.yaml &&
	assetgen -C p build >out && grep -q "no work to do" out &&
	sed -i "s/\"cfg\": 7/\"cfg\": 6.5/" p/workflows/copy.json &&
	assetgen -C p build -n >plan && grep -c "generate" plan &&
	test "$(grep -c "^ *generate\|generate " plan)" -ge 9 &&
	test "$(queues_get "q[\"submits\"][\"comfyui\"]")" = "$n"
'

test_expect_success 'a refused graph names each node, its class and the error; nothing is retried' '
	rm -rf p/dist p/cache && fake_ctl POST /_control/queues/reset &&
	fake_ctl POST /_control/queues "{\"render_s\": 0.1, \"rules\": [{\"kind\": \"node-error\", \"match\": \"48\", \"count\": -1}]}" &&
	printf "assets:\n  - {name: one, prompt: \"a 48 px star\", seed: 1, size: 64x64, params: {steps: 20, format: x}}\n" >p/recipes/one.yaml &&
	must_fail 1 assetgen -C p build one >out 2>&1 && cat out &&
	grep -q "comfyui: the workflow was refused: node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name:" out &&
	grep -q "attempt 1, permanent" out && ! grep -q "attempt 2" out
'

test_expect_success 'an execution_error names the node that failed and its class' '
	fake_ctl POST /_control/queues "{\"replace\": true, \"rules\": [{\"kind\": \"execution-error\", \"match\": \"48\"}]}" &&
	must_fail 1 assetgen -C p build one >out 2>&1 && cat out &&
	grep -q "comfyui: the workflow failed: node 3 (KSampler): CUDA error: an illegal memory access" out &&
	assetgen -C p jobs | grep -q "^failed .* one "
'

test_expect_success 'a job the server lost (restarted) is submitted again once' '
	fake_ctl POST /_control/queues "{\"replace\": true, \"rules\": [{\"kind\": \"lost\", \"match\": \"48\"}]}" &&
	n=$(queues_get "q[\"submits\"][\"comfyui\"]") &&
	assetgen -C p build one >out 2>&1 && cat out &&
	grep -q "one: submitted again: comfyui: the server no longer knows the job" out &&
	test "$(queues_get "q[\"submits\"][\"comfyui\"]")" = $((n + 2)) && test -s p/dist/one.png
'

test_expect_success 'a workflow without {{prompt}}, or with an unknown placeholder, is a config error' '
	mkdir -p q/recipes && printf "assets:\n  - {name: a, prompt: x, seed: 1}\n" >q/recipes/a.yaml &&
	echo "{\"1\": {\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"{{colour}}\"}}}" >q/w.json &&
	printf "models:\n  gpu: {provider: comfyui, endpoint: \"$FAKE/comfyui\", workflow: w.json}\nroutes:\n  - use: [gpu]\n" >q/assetgen.yaml &&
	n=$(fake_count) &&
	must_fail 2 assetgen -C q build >out 2>&1 && cat out &&
	grep -q "unknown placeholder {{colour}}" out &&
	test "$(fake_count)" = "$n" &&
	printf "models:\n  gpu: {provider: comfyui, endpoint: \"$FAKE/comfyui\", workflow: nope.json}\nroutes:\n  - use: [gpu]\n" >q/assetgen.yaml &&
	must_fail 2 assetgen -C q build >out 2>&1 && grep -q "cannot read workflow .nope.json." out
'

test_done
