#!/bin/bash
# Secrets, swept: every command, with every secret assetgen reads set to a
# canary, against providers that fail in every way (one of them quoting the
# credential back, as some servers do).  Afterwards the canary must not be
# found anywhere: not in any file under the test's directory (projects,
# caches, the remote, reports, logs) nor in anything printed.  (An AWS
# session token is not a canary: a presigned URL must carry it.)
. "$(dirname "$0")/lib.sh"

CANARY=sk-canary-sweep-90d1e
export IDEOGRAM_API_KEY=$CANARY-ideo OPENAI_API_KEY=$CANARY-oai STABILITY_API_KEY=$CANARY-stab \
	GEMINI_API_KEY=$CANARY-gem HTTP_API_KEY=$CANARY-http A1111_API_KEY=user:$CANARY-sd \
	ASSETGEN_CACHE_SECRET=$CANARY-cache ASSETGEN_URL_SECRET=$CANARY-url \
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=$CANARY-aws AWS_SESSION_TOKEN=FwoGZXIvYXdzEXAMPLE

start_fake || exit 1
mkdir -p remote out

project() {
	mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<YAML
models:
  ideo:  {provider: ideogram,  model: V_2, endpoint: "$FAKE/ideogram", cost: 0.08, api_key_env: IDEOGRAM_API_KEY, retries: 2}
  oai:   {provider: openai,    model: gpt-image-2, endpoint: "$FAKE/openai", cost: 0.04, api_key_env: OPENAI_API_KEY, retries: 2}
  stab:  {provider: stability, model: sd3.5-flash, endpoint: "$FAKE/stability", cost: 0.025, api_key_env: STABILITY_API_KEY, retries: 2}
  nano:  {provider: gemini,    model: gemini-nano-banana-2.1, endpoint: "$FAKE/gemini", cost: 0.039, api_key_env: GEMINI_API_KEY, retries: 2}
  sd:    {provider: a1111,     endpoint: "$FAKE/a1111", cost: 0, api_key_env: A1111_API_KEY, retries: 2}
  gen:   {provider: http,      endpoint: "$FAKE/http/generate", cost: 0.01, api_key_env: HTTP_API_KEY, retries: 2, timeout: 3}
  local: {provider: builtin}
routes:
  - match: {tags: [i]}
    use: [ideo, local]
  - match: {tags: [o]}
    use: [oai, local]
  - match: {tags: [s]}
    use: [stab, local]
  - match: {tags: [n]}
    use: [nano, local]
  - match: {tags: [a]}
    use: [sd, local]
  - use: [gen, local]
cache:
  remote: {url: "file://$TRASH/remote", upload: true}
YAML
	{
		echo "assets:"
		for t in i o s n a h; do
			for k in 1 2; do
				echo "  - {name: $t$k, prompt: \"sweep $t$k, 'Sale'\", seed: $k, size: 1024x1024, tags: [$t]}"
			done
		done
		echo "  - {name: up1, prompt: \"sweep up1\", seed: 9, size: 64x64, tags: [h], upscale: {factor: 2, with: lanczos3}}"
		echo "  - {name: t1, prompt: \"sweep t1, 'Sale'\", seed: 3, size: 512x512, model: local, expect_text: Sale}"
	} >"$1/recipes/a.yaml"
}

# run NAME CMD...: run an assetgen command, keeping what it printed
run() {
	name=$1; shift
	"$@" >"out/$name.out" 2>"out/$name.err"
	echo $? >"out/$name.rc"
}

test_expect_success 'builds with every provider failing, one of them echoing the key' '
	project p &&
	fake_ctl POST /_control/faults "{\"rules\": [
		{\"provider\": \"ideogram\", \"fault\": \"echo-key\", \"match\": \"sweep i1\"},
		{\"provider\": \"openai\", \"fault\": \"echo-key\", \"match\": \"sweep o1\"},
		{\"provider\": \"stability\", \"fault\": \"echo-key\", \"match\": \"sweep s1\"},
		{\"provider\": \"gemini\", \"fault\": \"echo-key\", \"match\": \"sweep n1\"},
		{\"provider\": \"a1111\", \"fault\": \"echo-key\", \"match\": \"sweep a1\"},
		{\"provider\": \"http\", \"fault\": \"echo-key\", \"match\": \"sweep h1\"}],
		\"random\": {\"rate\": 0.4, \"seed\": 77, \"kinds\": [\"429\", \"500\", \"503\", \"408\",
		\"400\", \"401\", \"403\", \"reset\", \"truncated\", \"badjson\", \"oom\", \"short-body\",
		\"safety\", \"unsafe-image\", \"moderation\", \"echo-key\"]}}" >/dev/null &&
	run build-v assetgen -C p build -v -j 4 --report "$TRASH/out/report.json" &&
	test "$(cat out/build-v.rc)" = 0 &&
	fake_ctl GET /_control/requests >reqs.json &&
	json_get reqs.json "sorted(set(r[\"provider\"] for r in j if r[\"fault\"] == \"echo-key\"))" >echoed &&
	{ test "$(tr -d "[], \047" <echoed)" = a1111geminihttpideogramopenaistability ||
	  { json_get reqs.json "[(r[\"provider\"], r[\"prompt\"], r[\"fault\"], r.get(\"violation\")) for r in j if r[\"provider\"] == \"a1111\"]"; false; }; } &&
	grep -q "\[redacted\]" out/build-v.out
'

test_expect_success 'every other command, with the same environment' '
	fake_ctl POST /_control/reset >/dev/null &&
	run explain assetgen -C p build --explain -n &&
	run status assetgen -C p status &&
	run routes assetgen -C p routes &&
	run graph assetgen -C p graph &&
	run why assetgen -C p why p/dist/i1.png &&
	run url assetgen -C p url i1 --base http://127.0.0.1:1/dl &&
	run url-s3 assetgen -C p url i1 --s3 --base https://bucket.s3.eu-west-1.amazonaws.com &&
	run stats assetgen -C p cache stats &&
	run verify assetgen -C p cache verify &&
	run push assetgen -C p cache push &&
	run pull assetgen -C p cache pull &&
	run gc assetgen -C p cache gc --grace 0 --max-size 1G &&
	run bench assetgen -C p bench --model ideo -n 3 --size 1024x1024 --json &&
	run bench-routes assetgen -C p bench -n 4 --size 1024x1024 &&
	run bench-text assetgen -C p bench --model gen -n 2 --size 512x512 --expect-text Sale &&
	run pick assetgen -C p pick t1 3 &&
	run upscale assetgen upscale p/dist/up1.png out/up1-x2.png &&
	run preview assetgen -C p build -v --intent preview &&
	for c in explain status routes graph why url url-s3 stats verify push bench bench-text pick; do
		test "$(cat out/$c.rc)" -le 1 || { echo "$c exited $(cat out/$c.rc)"; return 1; }
	done &&
	grep -q "^http://127.0.0.1:1/dl/i1.png?" out/url.out &&
	grep -q "X-Amz-Security-Token=" out/url-s3.out
'

test_expect_success 'a teammate builds with --locked' '
	mkdir p2 && cp -r p/assetgen.yaml p/recipes p/assetgen.lock p2/ &&
	run locked assetgen -C p2 build --locked -v &&
	test "$(cat out/locked.rc)" = 0
'

test_expect_success 'watch builds the previews and stops on Ctrl-C' '
	(cd p2 && exec assetgen watch -v >"$TRASH/out/watch.out" 2>"$TRASH/out/watch.err" 3>&-) &
	pid=$!
	i=0
	while ! grep -q "^watch: build 1" out/watch.out && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	test $rc = 130 && grep -q "^watch: build 1" out/watch.out
'

test_expect_success 'the canary is nowhere: not on disk, not in anything printed' '
	test -s out/report.json && test -n "$(ls remote)" &&
	b64=$(printf %s "$A1111_API_KEY" | base64 -w0) &&
	if grep -r -a -l -e "sk-canary-sweep" -e "$b64" "$TRASH" --exclude=fake.log --exclude=reqs.json; then
		false
	fi
'

test_done
