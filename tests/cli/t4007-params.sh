#!/bin/bash
# Each provider sends the portable params under its own field names, drops
# the ones its API lacks (saying so under -v and --explain), and a param a
# model cannot take, or a model that was shut down, is a config error.
. "$(dirname "$0")/lib.sh"

export IDEOGRAM_API_KEY=k-ideo OPENAI_API_KEY=k-oai STABILITY_API_KEY=k-stab GEMINI_API_KEY=k-gem

project() {
	mkdir -p p/recipes
	cat >p/assetgen.yaml <<YAML
models:
  oai:   {provider: openai,    model: gpt-image-2, endpoint: "$FAKE/openai", api_key_env: OPENAI_API_KEY}
  nano:  {provider: gemini,    model: gemini-nano-banana-2.1, endpoint: "$FAKE/gemini", api_key_env: GEMINI_API_KEY}
  stab:  {provider: stability, model: sd3.5-flash, endpoint: "$FAKE/stability", api_key_env: STABILITY_API_KEY}
  core:  {provider: stability, model: core, endpoint: "$FAKE/stability", api_key_env: STABILITY_API_KEY}
  ultra: {provider: stability, model: ultra, endpoint: "$FAKE/stability", api_key_env: STABILITY_API_KEY}
  ideo:  {provider: ideogram,  model: V_2A_TURBO, endpoint: "$FAKE/ideogram", api_key_env: IDEOGRAM_API_KEY}
  ideo3: {provider: ideogram,  model: V_3, endpoint: "$FAKE/ideogram", api_key_env: IDEOGRAM_API_KEY}
  local: {provider: builtin}
routes:
  - use: [local]
YAML
	cat >p/recipes/a.yaml <<'YAML'
defaults:
  size: 1024x1024
  params: {steps: 30, guidance: 6, sampler: "DPM++ 2M, Karras", quality: high, style: anime}
assets:
  - {name: o, prompt: "a kite", seed: 1, model: oai}
  - {name: n, prompt: "a kite", seed: 2, model: nano, params: {imageSize: 2K}}
  - {name: s, prompt: "a kite", seed: 3, model: stab}
  - {name: c, prompt: "a kite", seed: 4, model: core}
  - {name: u, prompt: "a kite", seed: 5, model: ultra}
  - {name: i, prompt: "a kite", seed: 6, model: ideo, size: 1280x720, params: {style: DESIGN}}
  - {name: i3, prompt: "a kite", seed: 7, model: ideo3, size: 1280x720, params: {style: DESIGN, rendering_speed: TURBO}}
YAML
}

start_fake || exit 1
test_expect_success 'project' 'project'

test_expect_success 'every request carries only documented fields, and the fake takes each' '
	assetgen -C p build -v >out 2>err &&
	for n in o n s c u i i3; do test -s p/dist/$n.png; done &&
	fake_violations &&
	fake_ctl GET /_control/requests >reqs &&
	python3 - reqs <<-\PY
	import json, sys
	reqs = json.load(open(sys.argv[1]))
	def body(provider, path):
	    return [r for r in reqs if r["provider"] == provider and r["path"] == path]
	assert len(body("openai", "/openai/images/generations")) == 1
	assert len(body("gemini", "/gemini/models/gemini-nano-banana-2.1:generateContent")) == 1
	assert len(body("stability", "/stability/v2beta/stable-image/generate/sd3")) == 1
	assert len(body("stability", "/stability/v2beta/stable-image/generate/core")) == 1
	assert len(body("stability", "/stability/v2beta/stable-image/generate/ultra")) == 1
	assert len(body("ideogram", "/ideogram/generate")) == 1
	assert len(body("ideogram", "/ideogram/v1/ideogram-v3/generate")) == 1
	PY
'

test_expect_success 'each dropped param is noted under -v, naming the model and the param' '
	grep -q "asset .o.: model .oai. drops param .steps.: the OpenAI Images API has no .steps." err &&
	grep -q "asset .o.: model .oai. drops param .sampler." err &&
	grep -q "asset .n.: model .nano. drops param .guidance.: the Gemini API has no .guidance." err &&
	grep -q "asset .s.: model .stab. drops param .steps.: the SD3 API has no .steps." err &&
	grep -q "asset .c.: model .core. drops param .guidance.: Stable Image Core takes no cfg_scale" err &&
	grep -q "asset .u.: model .ultra. drops param .style.: Stable Image Ultra takes no style_preset" err &&
	grep -q "asset .i.: model .ideo. drops param .quality." err &&
	! grep -q "model .oai. drops param .quality." err &&
	! grep -q "model .stab. drops param .guidance." err
'

test_expect_success 'and in build --explain; a quiet build says nothing of them' '
	rm -rf p/dist p/cache &&
	assetgen -C p build -n --explain >out 2>err &&
	grep -q "^explain o: model .oai. drops param .guidance.: the OpenAI Images API has no .guidance." out &&
	grep -q "^explain s: model .stab. drops param .sampler." out &&
	assetgen -C p build -n >out2 2>err2 &&
	! grep -q "drops param" out2 err2
'

test_expect_success 'a param the model cannot take is an error at the param (exit 2, nothing sent)' '
	n=$(fake_count) &&
	cat >p/recipes/b.yaml <<-\YAML &&
	assets:
	  - name: bad
	    prompt: x
	    seed: 1
	    model: oai
	    params:
	      steps: 20
	      output_compression: 80
	YAML
	must_fail 2 assetgen -C p build >out 2>err &&
	grep -q "^recipes/b.yaml:8:7: model .oai. cannot take param .output_compression.: .output_compression. is not an OpenAI Images parameter" err &&
	test "$(fake_count)" = "$n" &&
	test ! -e p/dist/bad.png &&
	rm p/recipes/b.yaml
'

test_expect_success 'a bad value of a mapped param is an error too' '
	printf "assets:\n  - {name: bad, prompt: x, seed: 1, model: stab, params: {guidance: 12}}\n" >p/recipes/b.yaml &&
	must_fail 2 assetgen -C p build -n >out 2>err &&
	grep -q "^recipes/b.yaml:2:59: model .stab. cannot take param .guidance.: .guidance. is a number from 1 to 10" err &&
	printf "assets:\n  - {name: bad, prompt: x, seed: 1, model: nano, params: {topK: many}}\n" >p/recipes/b.yaml &&
	must_fail 2 assetgen -C p build -n >out 2>err &&
	grep -q "model .nano. cannot take param .topK.: .topK. must be a number" err &&
	rm p/recipes/b.yaml
'

test_expect_success 'a model that was shut down is an error naming its replacement' '
	for m in dall-e-3 gpt-image-1; do
		sed "s/model: gpt-image-2,/model: $m,/" p/assetgen.yaml >p/assetgen.yaml.new &&
		mv p/assetgen.yaml.new p/assetgen.yaml &&
		must_fail 2 assetgen -C p build -n >out 2>err &&
		grep -q "^assetgen.yaml:2:10: model .oai.: OpenAI shut $m down on 2026-[0-9-]*: use gpt-image-2.6-sunburst or gpt-image-2.6-flare" err &&
		test "$(grep -c "shut $m down" err)" = 1 &&
		sed "s/model: $m,/model: gpt-image-2,/" p/assetgen.yaml >p/assetgen.yaml.new &&
		mv p/assetgen.yaml.new p/assetgen.yaml || return 1
	done &&
	sed "s/model: gemini-nano-banana-2.1,/model: gemini-2.5-flash-image,/" p/assetgen.yaml >p/assetgen.yaml.new &&
	mv p/assetgen.yaml.new p/assetgen.yaml &&
	must_fail 2 assetgen -C p build -n >out 2>err &&
	grep -q "model .nano.: Google shut gemini-2.5-flash-image down on 2026-10-02: use gemini-nano-banana-2.1" err &&
	sed "s/model: gemini-2.5-flash-image,/model: gemini-nano-banana-2.1,/" p/assetgen.yaml >p/assetgen.yaml.new &&
	mv p/assetgen.yaml.new p/assetgen.yaml
'

test_expect_success 'a Gemini reply in JPEG labelled image/png is decoded by its bytes' '
	rm -rf p/dist p/cache &&
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"gemini\", \"fault\": \"jpeg\"}]}" >/dev/null &&
	assetgen -C p build n >out 2>err &&
	test "$(od -An -tu1 -j16 -N8 p/dist/n.png | tr -s " ")" = " 0 0 4 0 0 0 4 0" &&
	fake_violations
'

test_done
