#!/bin/bash
# bench/queue.sh - queued models: 200 jobs of 2 s each at -j 32
#
# 200 assets (64x64) on one queued model (concurrency 32) against
# tests/fake/fake.py's queues (tests/fake/queues.py) with render_s 2,
# `assetgen build -j 32`, fresh cache each run, for each of bfl, fal,
# replicate (Prefer: wait=5 holds a create until the job is done) and
# comfyui (concurrency 32 here, for the comparison).  Reported per
# provider: the build's wall time against the ideal ceil(200/32) x 2 s =
# 14 s, and the status requests per job (the fake counts them; at most
# one a second per job).  Needs python3 and curl.  Runs in about 2-3
# minutes.  Env: ROUNDS (default 1), PROVIDERS (default "bfl fal
# replicate comfyui").
# shellcheck source=bench/lib.sh disable=SC2086,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=200 J=32 RENDER=2 ROUNDS=${ROUNDS:-1} PROVIDERS=${PROVIDERS:-"bfl fal replicate comfyui"}
for tool in python3 curl; do
	command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install -y $tool)" >&2; exit 2; }
done

pf=$BENCH_TMP/fake.port
timeout -k 5 900 python3 "$BENCH_TOP/tests/fake/fake.py" --port 0 --port-file "$pf" 2>"$BENCH_TMP/fake.err" &
bench_track $!
i=0
while [ ! -s "$pf" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || bench_fail "the fake did not start"; sleep 0.1
done
FAKE=http://127.0.0.1:$(cat "$pf")
ctl() {
	if [ $# -ge 2 ]; then
		curl -q -sSf -X POST -H 'Content-Type: application/json' -d "$2" "$FAKE/_control/$1"
	else
		curl -q -sSf "$FAKE/_control/$1"
	fi
}
export BFL_API_KEY=bench FAL_KEY=bench REPLICATE_API_TOKEN=bench

model_of() {
	case $1 in
	bfl) echo "{provider: bfl, model: flux-2-pro, endpoint: \"$FAKE/bfl\", concurrency: $J, api_key_env: BFL_API_KEY}" ;;
	fal) echo "{provider: fal, model: fal-ai/flux/dev, endpoint: \"$FAKE/fal\", concurrency: $J, api_key_env: FAL_KEY}" ;;
	replicate) echo "{provider: replicate, model: black-forest-labs/flux-dev, endpoint: \"$FAKE/replicate\", concurrency: $J, api_key_env: REPLICATE_API_TOKEN}" ;;
	comfyui) echo "{provider: comfyui, endpoint: \"$FAKE/comfyui\", concurrency: $J, workflow: w.json}" ;;
	esac
}

bench_header "queue: $N jobs of ${RENDER}s on a queued fake, -j $J"
ideal=$(calc "int(($N + $J - 1) / $J) * $RENDER")
echo "ideal:    ceil($N/$J) x ${RENDER}s = ${ideal}s"
for p in $PROVIDERS; do
	for r in $(seq 1 $ROUNDS); do
		d=$BENCH_TMP/$p.$r
		mkdir -p "$d/recipes"
		printf 'models:\n  q: %s\nroutes:\n  - use: [q]\n' "$(model_of $p)" >"$d/assetgen.yaml"
		cat >"$d/w.json" <<'JSON'
{"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
 "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1}},
 "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "{{prompt}}"}},
 "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": ""}},
 "3": {"class_type": "KSampler", "inputs": {"model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
       "latent_image": ["5", 0], "seed": "{{seed}}", "steps": 20, "cfg": 7, "sampler_name": "euler",
       "scheduler": "normal", "denoise": 1}},
 "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
 "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "b"}}}
JSON
		{
			echo "assets:"
			for i in $(seq 1 $N); do echo "  - {name: a$i, prompt: \"job $i\", seed: $i, size: 64x64}"; done
		} >"$d/recipes/a.yaml"
		ctl queues/reset '{}' >/dev/null && ctl queues "{\"render_s\": $RENDER}" >/dev/null ||
			bench_fail "cannot set up the fake"
		bench_time "$ASSETGEN" -C "$d" build -j $J || bench_fail "$p: the build failed"
		polls=$(ctl queues | python3 -c 'import json, sys
q = json.load(sys.stdin); p = sys.argv[1]
print("%.2f %d" % (q["polls"][p] / max(1, q["submits"][p]), q["submits"][p]))' $p)
		set -- $polls
		[ "$2" = $N ] || bench_fail "$p: $2 submits, expected $N"
		echo "$p round $r: ${T_REAL}s ($(calc "$T_REAL / $ideal" %.2f)x ideal), $1 status requests per job, cpu $(sum $T_USER $T_SYS)s"
	done
done
