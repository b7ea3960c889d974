#!/bin/bash
# What a provider sends back is not trusted: a successful reply whose
# metadata echoes the key, an endpoint's password echoed as HTTP Basic, an
# error body full of terminal escapes and forged lines, metadata of many
# megabytes.  And a key that is missing, or that would forge a header, is
# refused before any request.
. "$(dirname "$0")/lib.sh"

# upper case, and bytes that percent-encoding changes, so that each form
# the fake echoes differs from the others
KEY='Sk-Canary/Meta+Echo=9f4e'
KEY_PCT='Sk-Canary%2FMeta%2BEcho%3D9f4e'
PASS='EndPointPass77'
export HTTP_API_KEY=$KEY

start_fake || exit 1
mkdir -p remote

project() {
	mkdir -p p/recipes
	cat >p/assetgen.yaml <<YAML
models:
  genjson: {provider: http, endpoint: "$FAKE/http/generate-json", cost: 0.01, api_key_env: HTTP_API_KEY, retries: 0}
  basic:   {provider: a1111, endpoint: "http://ci:$PASS@${FAKE#http://}/a1111", retries: 0}
  genbasic: {provider: http, endpoint: "http://ci:$PASS@${FAKE#http://}/http/generate-json", cost: 0.01, retries: 0}
  ideo:    {provider: ideogram, model: V_2, endpoint: "$FAKE/ideogram", cost: 0.08, api_key_env: HTTP_API_KEY, retries: 0}
  local:   {provider: builtin}
routes:
  - use: [genjson]
cache:
  remote: {url: "file://$TRASH/remote", upload: true}
YAML
	cat >p/recipes/a.yaml <<'YAML'
assets:
  - {name: x, prompt: "echo the key", seed: 1, size: 64x64}
  - {name: xb, prompt: "echo the password", seed: 1, size: 64x64, model: genbasic}
YAML
}

# no_secret: neither the key (in any case, or percent-encoded) nor the
# endpoint's password, nor its Basic form (padding percent-encoded or
# not), in any file or in what was printed
no_secret() {
	b64=$(printf %s "ci:$PASS" | base64 -w0) &&
	if grep -r -a -i -l -e "Sk-Canary" -e "$KEY_PCT" -e "$PASS" -e "${b64%%=*}" "$TRASH" \
		--exclude=fake.log --exclude=reqs.json --exclude=assetgen.yaml --exclude-dir=.bin; then
		false
	fi
}

# png_text FILE KEYWORD: the value of a PNG text chunk
png_text() {
	python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
pos = 8
while pos < len(data):
    n, tag = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if tag in (b"tEXt", b"iTXt"):
        k, _, v = body.partition(b"\0")
        if tag == b"iTXt":
            v = v[2:].split(b"\0", 2)[2]
        if k.decode("latin-1") == sys.argv[2]:
            print(v.decode("utf-8"))
PY
}

test_expect_success 'render_meta that echoes the key, or a Basic password, is kept without it' '
	project &&
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"http\", \"fault\": \"echo-key-meta\", \"count\": 2}]}" >/dev/null &&
	assetgen -C p build -v --report "$TRASH/report.json" >out 2>err &&
	fake_ctl GET /_control/requests >reqs.json &&
	test "$(json_get reqs.json "\" \".join(r[\"fault\"] for r in j)")" = "echo-key-meta echo-key-meta" &&
	png_text p/dist/x.png render_meta >meta &&
	grep -q "\"sampler\":\"euler\"" meta &&
	grep -q "\"authorization\":\"Bearer \[redacted\]\"" meta &&
	grep -q "\"lower\":\"bearer \[redacted\]\"" meta &&
	grep -q "\"query\":\"key=\[redacted\]\"" meta &&
	grep -q "\"key\":\"\[redacted\]\"" meta &&
	png_text p/dist/xb.png render_meta >meta &&
	grep -q "\"authorization\":\"Basic \[redacted\]\"" meta &&
	grep -q "\"lower\":\"basic \[redacted\]\"" meta &&
	grep -q "\"query\":\"key=\[redacted\]\"" meta &&
	grep -q "\"key\":\"\[redacted\]\"" meta &&
	test -n "$(ls remote)" && test -s report.json &&
	no_secret
'

test_expect_success 'an endpoint password echoed back as HTTP Basic is cut, and not printed' '
	fake_ctl POST /_control/reset >/dev/null &&
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"a1111\", \"fault\": \"echo-key\"}]}" >/dev/null &&
	cat >p/recipes/a.yaml <<-\YAML &&
	assets:
	  - {name: y, prompt: "echo basic", seed: 2, size: 64x64, model: basic}
	YAML
	must_fail 1 assetgen -C p build -v >out 2>err &&
	grep -q "Incorrect API key provided: Basic \[redacted\]" err &&
	grep -q "request y: POST http://ci:\*\*\*@127.0.0.1:[0-9]*/a1111/" out &&
	no_secret
'

test_expect_success 'a follow-up link and a prompt that quote the key are shown and kept without it' '
	fake_ctl POST /_control/reset >/dev/null &&
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"ideogram\", \"fault\": \"echo-key-meta\"}]}" >/dev/null &&
	cat >p/recipes/a.yaml <<-\YAML &&
	assets:
	  - {name: v, prompt: "echo the link", seed: 2, size: 1024x1024, model: ideo}
	YAML
	assetgen -C p build -v >out 2>err &&
	grep -q "^request v: GET http://127.0.0.1:[0-9]*/ideogram/files/[0-9a-f]*\.png?key=\[redacted\]&auth=\[redacted\]$" out &&
	png_text p/dist/v.png provider:prompt >prompt &&
	grep -q "^echo the link (debug: \[redacted\])$" prompt &&
	no_secret
'

test_expect_success 'provider metadata past 64 KiB is not kept' '
	fake_ctl POST /_control/reset >/dev/null &&
	cat >p/recipes/a.yaml <<-\YAML &&
	assets:
	  - {name: z, prompt: "big meta", seed: 3, size: 64x64}
	YAML
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"http\", \"fault\": \"big-meta\"}]}" >/dev/null &&
	assetgen -C p build >out 2>err &&
	png_text p/dist/z.png render_meta >meta &&
	grep -q "^(not kept: 52[0-9][0-9][0-9][0-9][0-9] bytes, past the 64 KiB assetgen keeps" meta &&
	test "$(wc -c <p/dist/z.png)" -lt 65536 &&
	for b in $(find p/cache -type f -size +1M); do echo "big blob $b"; false; done
'

test_expect_success 'an error body cannot drive the terminal or forge a line' '
	fake_ctl POST /_control/reset >/dev/null &&
	cat >p/recipes/a.yaml <<-\YAML &&
	assets:
	  - {name: w, prompt: "escape me", seed: 4, size: 64x64}
	YAML
	fake_ctl POST /_control/faults "{\"rules\": [{\"provider\": \"http\", \"fault\": \"400\",
		\"message\": \"bad\\n\\u001b]0;pwned\\u0007\\u001b[2J\\rFAILED other: forged\\u009b31m\"}]}" >/dev/null &&
	must_fail 1 assetgen -C p build --report "$TRASH/report2.json" >out 2>err &&
	! grep -q "$(printf "\033")" out err report2.json &&
	! grep -q "$(printf "\007")" out err &&
	! grep -q "$(printf "\r")" err &&
	! grep -q "$(printf "\302\233")" err &&
	! grep -q "^FAILED other" err &&
	grep -q "^FAILED w: .*bad\\\\n\\\\x1b\]0;pwned\\\\x07\\\\x1b\[2J\\\\rFAILED other: forged\\\\u009b31m" err
'

test_expect_success 'api_key_env named but not set: an error before any request' '
	fake_ctl POST /_control/reset >/dev/null &&
	must_fail 2 env -u HTTP_API_KEY assetgen -C p build >out 2>err &&
	grep -q "model .genjson. needs its API key in the environment variable HTTP_API_KEY" err &&
	HTTP_API_KEY= must_fail 2 assetgen -C p build >out 2>err &&
	grep -q "HTTP_API_KEY" err &&
	test "$(fake_count)" = 0
'

test_expect_success 'a key holding a line break is refused, and not shown' '
	HTTP_API_KEY="$(printf "Sk-Canary-abc\r\nX-Injected: 1")" must_fail 2 assetgen -C p build >out 2>err &&
	grep -q "model .genjson.: the API key in HTTP_API_KEY holds a control character" err &&
	! grep -q -i "Sk-Canary\|X-Injected" out err &&
	HTTP_API_KEY="$(printf "Sk-Canary-abc\033x")" must_fail 2 assetgen -C p build >out 2>err &&
	test "$(fake_count)" = 0
'

test_done
