#!/bin/bash
# SIGINT and SIGTERM while transfers are in flight; SIGPIPE when stdout
# closes early.
. "$(dirname "$0")/lib.sh"

start_fake || exit 1

# 2 built-in assets first (they finish at once), then 10 from the fake,
# which answers each request after 2 s: at 0.5 s, 8 transfers are in flight
project() {
	rm -rf "$1" && mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<YAML
models:
  gen:   {provider: http, endpoint: "$FAKE/http/generate", concurrency: 8, timeout: 30}
  local: {provider: builtin}
routes:
  - use: [gen]
YAML
	{
		echo "assets:"
		echo "  - {name: l1, prompt: \"local one\", seed: 1, size: 64x48, model: local}"
		echo "  - {name: l2, prompt: \"local two\", seed: 2, size: 48x64, model: local, upscale: {factor: 2, with: lanczos3}}"
		for i in $(seq 1 10); do
			echo "  - {name: h$i, prompt: \"remote $i\", seed: $i, size: 96x64}"
		done
	} >"$1/recipes/a.yaml"
}

latency() { fake_ctl POST /_control/reset >/dev/null && fake_ctl POST /_control/faults "{\"latency_ms\": $1}" >/dev/null; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# in_flight N: wait (up to 5 s) until the fake has received N requests;
# with 2 s of latency, they are all still in flight
in_flight() {
	i=0
	while [ "$(fake_count http)" -lt "$1" ]; do
		i=$((i + 1)) && [ $i -lt 50 ] || { echo "only $(fake_count http) requests" >&2; return 1; }
		sleep 0.1
	done
}

# interrupt SIG CODE: build p with -j 8, send SIG at 0.5 s (once 8
# transfers are in flight: so l1 and l2 have finished, freeing their
# slots); check the exit status is CODE within 2 s of the signal
interrupt() {
	{ "$ASSETGEN" -C p build -j 8 >out 2>err & pid=$!; } &&
	sleep 0.5 && in_flight 8 && t0=$(now_ms) && kill -$1 $pid && rc=0 && { wait $pid || rc=$?; } &&
	dt=$(($(now_ms) - t0)) && echo "SIG$1: exit $rc ${dt} ms after the signal" | tee -a "$TRASH/timings" &&
	test $rc = $2 && test $dt -lt 2000
}

# same_as_ref DIR: every output DIR has is byte for byte the reference's
same_as_ref() {
	for f in "$1"/dist/*.png; do cmp "$f" "ref/dist/${f##*/}" || return 1; done
}

# no_partial DIR: no temp file anywhere, every output a whole PNG
no_partial() {
	test -z "$(find "$1/dist" "$1/cache" -name "*tmp*")" &&
	for f in "$1"/dist/*.png; do
		test "$(head -c 8 "$f" | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a &&
		test "$(tail -c 8 "$f" | od -An -tx1 | tr -d " ")" = 49454e44ae426082 || return 1
	done
}

test_expect_success 'reference builds (no latency)' '
	latency 0 && project ref && assetgen -C ref build -j 8 >out &&
	test "$(ls ref/dist/*.png | wc -l)" = 12
'

test_expect_success 'SIGINT with 8 transfers in flight: exit 130 within 2 s' '
	project p && latency 2000 &&
	interrupt INT 130 && grep -q "interrupted by signal 2" err
'

# whether the transfers in flight are cancelled or allowed to finish, what
# is in dist/ is complete and correct
test_expect_success 'after SIGINT: finished outputs intact, nothing partial' '
	cmp p/dist/l1.png ref/dist/l1.png && cmp p/dist/l2.png ref/dist/l2.png &&
	same_as_ref p && no_partial p
'

test_expect_success 'after SIGINT: the next build finishes the rest, nothing corrupt' '
	have=$(ls p/dist/h*.png 2>/dev/null | wc -l) &&
	latency 0 && assetgen -C p build -j 8 >out2 &&
	! grep -q "generate l" out2 && test "$(grep -c "generate h" out2)" = $((10 - have)) &&
	for f in ref/dist/*.png; do cmp "$f" p/dist/${f##*/}; done &&
	assetgen -C p cache verify >v && grep -q " 0 corrupt" v && no_partial p
'

test_expect_success 'SIGTERM: exit 143 within 2 s, the same guarantees' '
	project p && latency 2000 &&
	interrupt TERM 143 && grep -q "interrupted by signal 15" err &&
	cmp p/dist/l1.png ref/dist/l1.png && same_as_ref p && no_partial p &&
	have=$(ls p/dist/h*.png 2>/dev/null | wc -l) &&
	latency 0 && assetgen -C p build -j 8 >out2 && test "$(grep -c "generate h" out2)" = $((10 - have)) &&
	assetgen -C p cache verify >v && grep -q " 0 corrupt" v
'

test_expect_success 'SIGINT twice (an impatient Ctrl-C) still exits 130, nothing partial' '
	project p && latency 2000 &&
	{ "$ASSETGEN" -C p build -j 8 >out 2>err & pid=$!; } &&
	sleep 0.5 && in_flight 8 && kill -INT $pid && sleep 0.05 && { kill -INT $pid 2>/dev/null || true; } && rc=0 &&
	{ wait $pid || rc=$?; } && test $rc = 130 && no_partial p &&
	latency 0 && assetgen -C p build >/dev/null && assetgen -C p cache verify >v && grep -q " 0 corrupt" v
'

# SIGPIPE: stdout is a pipe that head closes after one line.  assetgen
# ignores SIGPIPE, so a write to the closed pipe fails with EPIPE instead
# of killing the process.  What we accept: the build finishes its work (or
# is stopped by SIGPIPE, exit 141, if that ever changes); any other exit by
# a signal (a crash) fails; 0 or 1 (stdout could not be written) are fine.
# Then a following build and `cache verify` find nothing corrupt, and
# when the first build was not killed it left nothing to generate.
# 150 assets print more than stdio's buffer, so the first write, and the
# EPIPE, happen while the build is running.
test_expect_success 'build | head -1: no crash; the next build and cache verify find nothing corrupt' '
	new_project pipe &&
	{ echo "assets:"; for i in $(seq 1 150); do
		echo "  - {name: p$i, prompt: \"pipe $i\", seed: $i, size: 24x16}"; done; } >pipe/recipes/a.yaml &&
	"$ASSETGEN" -C pipe build -j 2 2>err | head -1 >first; rc=${PIPESTATUS[0]} &&
	echo "build | head -1: exit $rc" | tee -a "$TRASH/timings" && case $rc in 0|1|141) ;; *) false ;; esac &&
	grep -q "^\[1/150\] generate p[0-9]* (local)" first &&
	! grep -q -i -E "corrupt|fatal|internal error" err &&
	assetgen -C pipe build -j 2 >second &&
	{ test $rc = 141 || grep -q "no work to do (150 assets up to date)" second; } &&
	assetgen -C pipe cache verify >v && grep -q "^150 blobs .* 0 corrupt" v &&
	no_partial pipe
'

sed "s/^/# /" timings 2>/dev/null
test_done
