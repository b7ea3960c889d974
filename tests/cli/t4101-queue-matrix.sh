#!/bin/bash
# The demo style matrix (examples/style-matrix) built by each queued
# provider against the fake: every request in its wire format, one
# submit per asset, and a rebuild that asks nothing.
. "$(dirname "$0")/lib.sh"

export BFL_API_KEY=bfl-key-1 FAL_KEY=fal-key-2 REPLICATE_API_TOKEN=rep-key-3

# matrix DIR PROVIDER MODEL-LINE: the example, with its one model replaced
matrix() {
	mkdir -p "$1" && cp -R "$TEST_TOP/examples/style-matrix/recipes" "$1/" &&
	cat >"$1/assetgen.yaml" <<YAML
models:
  queued: $2
routes:
  - use: [queued]
YAML
}

queues_get() {
	fake_ctl GET /_control/queues | python3 -c 'import json, sys; q = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

start_fake || exit 1
fake_ctl POST /_control/queues '{"render_s": 0.1, "hold_s": 0.05}' >/dev/null

test_expect_success 'matrices' '
	matrix bfl "{provider: bfl, model: flux-2-flex, endpoint: \"$FAKE/bfl\", cost: 0.06, api_key_env: BFL_API_KEY}" &&
	matrix fal "{provider: fal, model: fal-ai/flux/dev, endpoint: \"$FAKE/fal\", cost: 0.025, api_key_env: FAL_KEY}" &&
	matrix rep "{provider: replicate, model: black-forest-labs/flux-dev, endpoint: \"$FAKE/replicate\", cost: 0.03, api_key_env: REPLICATE_API_TOKEN}" &&
	matrix repv "{provider: replicate, model: stability-ai/sdxl, version: \"$(printf "%064d" 7 | tr 0 a)\", endpoint: \"$FAKE/replicate\", cost: 0.03, api_key_env: REPLICATE_API_TOKEN}" &&
	sed -i "s/    params: {format: \"{format}\"}//" bfl/recipes/launch.yaml
'

for p in bfl fal rep repv; do
	test_expect_success "$p builds the style matrix, one submit per asset" '
		before=$(queues_get "sum(q[\"submits\"].values())") &&
		assetgen -C '$p' build --report r.json >out 2>&1 && cat out &&
		test "$(json_get r.json "j[\"totals\"][\"generated\"]")" = 9 &&
		test "$(ls '$p'/dist/*.png | wc -l)" = 9 &&
		test "$(od -An -tu1 -j16 -N8 '$p'/dist/badge-blue.png | tr -s " ")" = " 0 0 0 192 0 0 0 192" &&
		test "$(queues_get "sum(q[\"submits\"].values())")" = $((before + 9)) &&
		fake_violations
	'
	test_expect_success "$p: a rebuild sends nothing" '
		n=$(fake_count) && assetgen -C '$p' build >out && grep -q "no work to do" out &&
		test "$(fake_count)" = "$n"
	'
done

test_expect_success 'replicate sends the version, or the official model path' '
	fake_ctl GET /_control/requests | python3 -c "
import json, sys
paths = {r[\"path\"] for r in json.load(sys.stdin) if r[\"method\"] == \"POST\" and r[\"provider\"] == \"replicate\"}
assert paths == {\"/replicate/v1/predictions\", \"/replicate/v1/models/black-forest-labs/flux-dev/predictions\"}, paths"
'

test_expect_success 'status requests stay at most one a second per job' '
	fake_ctl GET /_control/requests | python3 -c "
import json, re, sys
last = {}
for r in json.load(sys.stdin):
    m = re.search(r\"get_result|/status\$|/predictions/[0-9a-f]{32}\$\", r[\"path\"])
    if not m or r[\"method\"] != \"GET\":
        continue
    # (the fake logs no query string: one path per job for fal and replicate)
    k = r[\"path\"] if \"get_result\" not in r[\"path\"] else None
    if k:
        if k in last:
            assert r[\"start\"] - last[k] >= 0.95, (k, r[\"start\"] - last[k])
        last[k] = r[\"start\"]
"
'

test_done
