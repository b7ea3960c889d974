#!/bin/bash
# bench/providers.sh - the routed-model benchmark against the loopback fake
#
# 200 assets (64x64) routed to a generic `http` model (concurrency 32) on
# tests/fake/fake.py with latency_ms 100, `assetgen build -j 32`, fresh
# cache each run, against:
#   * the ideal ceil(200/32) x 100 ms = 700 ms;
#   * 32 parallel curl (`curl --parallel --parallel-max 32`, the same 200
#     JSON bodies): what the fake can serve, measured in the same run;
#   * a sequential loop of curl processes doing the same 200 requests.
# Each is measured on the fake as shipped and on the same fake with Nagle's
# algorithm disabled (the fake's Handler class with disable_nagle_algorithm
# = True, set from a `python3 -B -c` wrapper; nothing in tests/ is
# modified): the shipped fake writes the headers and the body of a
# response in two send()s, which on a kept-alive connection costs ~40 ms a
# request (Nagle + delayed ACK).  A keep-alive probe shows that directly.
# Then the orchestration overhead: latency 0, 32x32, CPU time (user+sys)
# of assetgen per asset, on $TMPDIR and (if present) on tmpfs /dev/shm.
#
# Needs python3 and curl (apt-get install -y curl).  Runs in ~2 minutes.
# Env: ROUNDS (default 5), SEQ_ROUNDS (default 3).
# shellcheck source=bench/lib.sh disable=SC2086,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=200 J=32 LAT=100 ROUNDS=${ROUNDS:-5} SEQ_ROUNDS=${SEQ_ROUNDS:-3}
for tool in python3 curl; do
	command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install -y $tool)" >&2; exit 2; }
done

# fake_start NAME stock|nodelay: start a fake at latency $LAT; sets FAKE_URL.
# The exit trap stops it; `timeout` is a backstop should the script be
# killed with SIGKILL (a fake never outlives the script by more than 15 minutes).
fake_start() {
	local pf=$BENCH_TMP/$1.port pid i=0
	if [ "$2" = nodelay ]; then
		timeout -k 5 900 python3 -B -c 'import sys; sys.path.insert(0, sys.argv[1]); import fake
fake.Handler.disable_nagle_algorithm = True
sys.exit(fake.main(sys.argv[2:]))' "$BENCH_TOP/tests/fake" \
			--port 0 --port-file "$pf" --latency-ms $LAT 2>"$BENCH_TMP/$1.err" &
	else
		timeout -k 5 900 python3 "$BENCH_TOP/tests/fake/fake.py" --port 0 --port-file "$pf" --latency-ms $LAT \
			2>"$BENCH_TMP/$1.err" &
	fi
	pid=$!
	bench_track $pid
	while [ ! -s "$pf" ]; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 $pid 2>/dev/null; then
			cat "$BENCH_TMP/$1.err" >&2
			bench_fail "fake $1 did not start"
		fi
		sleep 0.1
	done
	FAKE_URL=http://127.0.0.1:$(cat "$pf")
}

# ctl URL PATH [JSON]: the fake's control API
ctl() {
	if [ $# -ge 3 ]; then
		curl -q -sSf -X POST -H 'Content-Type: application/json' -d "$3" "$1/_control/$2"
	else
		curl -q -sSf "$1/_control/$2"
	fi
}

# reset_fake URL [LATENCY]: clear the request log; latency $LAT or LATENCY
reset_fake() {
	ctl "$1" reset '{}' >/dev/null || bench_fail "cannot reset the fake"
	[ $# -lt 2 ] || ctl "$1" faults "{\"latency_ms\": $2}" >/dev/null || bench_fail "cannot set latency"
}

# check_log URL WHAT: exactly $N requests, all answered 200, no violation
check_log() {
	local got
	got=$(ctl "$1" requests | python3 -c 'import json, sys
j = json.load(sys.stdin)
print(sum(1 for r in j if r["provider"] == "http" and r["status"] == 200 and not r["violation"]))')
	[ "$got" = "$N" ] || bench_fail "$2: the fake answered $got of $N requests with 200"
}

# body I SIZE: the JSON body assetgen's http provider sends (checked once
# against a capturing server: key order, compact, empty params object)
body() {
	printf '{"prompt":"bench asset %d","negative_prompt":"","seed":%d,"width":%d,"height":%d,"params":{}}' \
		"$1" "$1" "${2%x*}" "${2#*x}"
}

# project DIR URL SIZE: N assets routed to model gen
project() {
	local i
	mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<YAML
models:
  gen: {provider: http, endpoint: "$2/http/generate", concurrency: $J}
routes:
  - use: [gen]
YAML
	{
		echo "assets:"
		for i in $(seq 1 $N); do
			echo "  - {name: a$i, prompt: \"bench asset $i\", seed: $i, size: $3}"
		done
	} >"$1/recipes/a.yaml"
}

# curl_cfg URL SIZE COUNT: a curl config file with COUNT POSTs
curl_cfg() {
	local i
	for i in $(seq 1 "$3"); do
		[ "$i" -gt 1 ] && echo next
		echo "url = \"$1/http/generate\""
		echo 'header = "Content-Type: application/json"'
		echo "data-binary = \"$(body "$i" "$2" | sed 's/"/\\"/g')\""
		echo 'output = "/dev/null"'
		echo 'fail'
	done
}

# fresh TEMPLATE: a new project next to TEMPLATE with its config and recipes
# (no cache, no outputs); sets FRESH.  All are removed at exit.
NRUN=0
fresh() {
	NRUN=$((NRUN + 1))
	FRESH=$(dirname "$1")/run$NRUN
	mkdir -p "$FRESH" && cp -r "$1/assetgen.yaml" "$1/recipes" "$FRESH/"
}
run_assetgen() { "$ASSETGEN" -C "$1" build -j $J -q; }
run_curl_par() { curl -q -sS --no-progress-meter --parallel --parallel-immediate --parallel-max $J -K "$1"; }
run_curl_seq() {
	local i
	for i in $(seq 1 $N); do
		curl -q -sSf -o /dev/null -H 'Content-Type: application/json' --data-binary "$(body "$i" 64x64)" \
			"$1/http/generate" || return 1
	done
}

bench_header "providers: $N assets routed to a generic http model on the loopback fake"
fake_start stock stock
STOCK=$FAKE_URL
fake_start nodelay nodelay
NODELAY=$FAKE_URL
project "$BENCH_TMP/p-stock" "$STOCK" 64x64
project "$BENCH_TMP/p-nodelay" "$NODELAY" 64x64
curl_cfg "$STOCK" 64x64 $N >"$BENCH_TMP/par-stock.cfg"
curl_cfg "$NODELAY" 64x64 $N >"$BENCH_TMP/par-nodelay.cfg"

# warm-up: the fake caches the PNGs it renders; the first pass pays for them
reset_fake "$STOCK" 0
bench_time run_curl_par "$BENCH_TMP/par-stock.cfg" || bench_fail "warm-up"
reset_fake "$NODELAY" 0
bench_time run_curl_par "$BENCH_TMP/par-nodelay.cfg" || bench_fail "warm-up"

A_S= C_S= A_N= C_N= SEQ= FSPAN_A= FSPAN_C=
fake_span() {
	ctl "$1" requests | python3 -c 'import json, sys
j = json.load(sys.stdin)
print("%.3f" % (max(r["end"] for r in j) - min(r["start"] for r in j)))'
}
for r in $(seq 1 "$ROUNDS"); do
	reset_fake "$STOCK"
	fresh "$BENCH_TMP/p-stock"
	bench_time run_assetgen "$FRESH" || bench_fail "assetgen build (stock fake)"
	check_log "$STOCK" "assetgen build"
	A_S="$A_S $T_REAL"; FSPAN_A="$FSPAN_A $(fake_span "$STOCK")"
	n=$(find "$FRESH/dist" -maxdepth 1 -name '*.png' | wc -l)
	[ "$n" = $N ] || bench_fail "assetgen wrote $n outputs"

	reset_fake "$STOCK"
	bench_time run_curl_par "$BENCH_TMP/par-stock.cfg" || bench_fail "curl --parallel (stock fake)"
	check_log "$STOCK" "curl --parallel"
	C_S="$C_S $T_REAL"; FSPAN_C="$FSPAN_C $(fake_span "$STOCK")"

	reset_fake "$NODELAY"
	fresh "$BENCH_TMP/p-nodelay"
	bench_time run_assetgen "$FRESH" || bench_fail "assetgen build (nodelay fake)"
	check_log "$NODELAY" "assetgen build"
	A_N="$A_N $T_REAL"

	reset_fake "$NODELAY"
	bench_time run_curl_par "$BENCH_TMP/par-nodelay.cfg" || bench_fail "curl --parallel (nodelay fake)"
	check_log "$NODELAY" "curl --parallel"
	C_N="$C_N $T_REAL"

	if [ "$r" -le "$SEQ_ROUNDS" ]; then
		reset_fake "$STOCK"
		bench_time run_curl_seq "$STOCK" || bench_fail "sequential curl loop"
		check_log "$STOCK" "sequential curl"
		SEQ="$SEQ $T_REAL"
	fi
done

IDEAL=$(calc "int(($N + $J - 1) / $J) * $LAT / 1000")
mA_S=$(median $A_S) mC_S=$(median $C_S) mA_N=$(median $A_N) mC_N=$(median $C_N) mSEQ=$(median $SEQ)
echo
echo "$N assets 64x64, model gen {provider: http, concurrency: $J}, latency $LAT ms; wall seconds,"
echo "medians of $ROUNDS interleaved runs ($SEQ_ROUNDS for the sequential loop), fresh cache each run"
printf '%-46s %8s %9s  %s\n' "what" "median" "x ideal" "runs"
printf '%-46s %8s %9s\n' "ideal: ceil($N/$J) x $LAT ms" "$IDEAL" "1.00"
row() { printf '%-46s %8s %9s  %s\n' "$1" "$2" "$(calc "$2 / $IDEAL" %.2f)" "$3"; }
row "assetgen build -j $J            (fake)" "$mA_S" "$A_S"
row "curl --parallel-max $J          (fake)" "$mC_S" "$C_S"
row "sequential curl loop            (fake)" "$mSEQ" "$SEQ"
row "assetgen build -j $J      (fake, nodelay)" "$mA_N" "$A_N"
row "curl --parallel-max $J    (fake, nodelay)" "$mC_N" "$C_N"
echo "fake's own span, first request in to last answer out: assetgen $(median $FSPAN_A) s, curl --parallel $(median $FSPAN_C) s"
echo "ratios: assetgen / curl --parallel: $(calc "$mA_S / $mC_S" %.2f) (fake), $(calc "$mA_N / $mC_N" %.2f) (nodelay);" \
	"sequential loop / assetgen: $(calc "$mSEQ / $mA_S" %.1f)"
verdict() { awk "BEGIN { exit !($1) }" && echo met || echo MISSED; }
echo "target assetgen <= 1.15 x ideal: $(verdict "$mA_S <= 1.15 * $IDEAL") on the fake as shipped," \
	"$(verdict "$mA_N <= 1.15 * $IDEAL") on the nodelay fake"

# keep-alive probe: 20 sequential requests on one connection, latency 0
curl_cfg "$STOCK" 64x64 20 >"$BENCH_TMP/ka-stock.cfg"
curl_cfg "$NODELAY" 64x64 20 >"$BENCH_TMP/ka-nodelay.cfg"
KA_S= KA_N=
for r in 1 2 3; do
	reset_fake "$STOCK" 0
	bench_time curl -q -sS --no-progress-meter -K "$BENCH_TMP/ka-stock.cfg" || bench_fail "keep-alive probe"
	KA_S="$KA_S $T_REAL"
	reset_fake "$NODELAY" 0
	bench_time curl -q -sS --no-progress-meter -K "$BENCH_TMP/ka-nodelay.cfg" || bench_fail "keep-alive probe"
	KA_N="$KA_N $T_REAL"
done
echo
echo "keep-alive probe: one curl, 20 sequential requests on one connection, latency 0 (median of 3)"
printf '%-46s %8s ms/request\n' "fake" "$(calc "$(median $KA_S) * 1000 / 20" %.1f)"
printf '%-46s %8s ms/request\n' "fake, nodelay" "$(calc "$(median $KA_N) * 1000 / 20" %.1f)"

# orchestration overhead: latency 0, 32x32, CPU time per asset
project "$BENCH_TMP/o-disk" "$STOCK" 32x32
SHM=
if [ -d /dev/shm ] && [ -w /dev/shm ] && bench_tmpdir_in /dev/shm; then
	SHM=$BENCH_NEWDIR
	project "$SHM/o" "$STOCK" 32x32
fi
curl_cfg "$STOCK" 32x32 $N >"$BENCH_TMP/par-32.cfg"
reset_fake "$STOCK" 0
bench_time run_curl_par "$BENCH_TMP/par-32.cfg" || bench_fail "warm-up"
O_D= O_M= O_C= O_DU= O_DS= O_MU= O_MS= O_DW=
for r in $(seq 1 "$ROUNDS"); do
	reset_fake "$STOCK" 0
	fresh "$BENCH_TMP/o-disk"
	bench_time run_assetgen "$FRESH" || bench_fail "assetgen build (latency 0)"
	check_log "$STOCK" "assetgen build, latency 0"
	O_D="$O_D $(sum "$T_USER" "$T_SYS")" O_DU="$O_DU $T_USER" O_DS="$O_DS $T_SYS" O_DW="$O_DW $T_REAL"
	if [ -n "$SHM" ]; then
		reset_fake "$STOCK" 0
		fresh "$SHM/o"
		bench_time run_assetgen "$FRESH" || bench_fail "assetgen build (latency 0, tmpfs)"
		check_log "$STOCK" "assetgen build, latency 0, tmpfs"
		O_M="$O_M $(sum "$T_USER" "$T_SYS")" O_MU="$O_MU $T_USER" O_MS="$O_MS $T_SYS"
	fi
	reset_fake "$STOCK" 0
	bench_time run_curl_par "$BENCH_TMP/par-32.cfg" || bench_fail "curl --parallel (latency 0)"
	check_log "$STOCK" "curl --parallel, latency 0"
	O_C="$O_C $(sum "$T_USER" "$T_SYS")"
done
echo
echo "orchestration overhead: latency 0, 32x32, -j $J; CPU seconds (user+sys) of the client"
echo "for $N assets, medians of $ROUNDS; per asset = median / $N"
printf '%-46s %8s %8s %8s %12s\n' "what" "cpu s" "user s" "sys s" "ms/asset"
printf '%-46s %8s %8s %8s %12s\n' "assetgen build, project in ${TMPDIR:-/tmp}" "$(median $O_D)" "$(median $O_DU)" \
	"$(median $O_DS)" "$(calc "$(median $O_D) * 1000 / $N" %.2f)"
[ -n "$SHM" ] && printf '%-46s %8s %8s %8s %12s\n' "assetgen build, project in /dev/shm (tmpfs)" "$(median $O_M)" \
	"$(median $O_MU)" "$(median $O_MS)" "$(calc "$(median $O_M) * 1000 / $N" %.2f)"
printf '%-46s %8s %8s %8s %12s\n' "curl --parallel-max $J (same requests)" "$(median $O_C)" "" "" \
	"$(calc "$(median $O_C) * 1000 / $N" %.2f)"
echo "runs (cpu s): disk$O_D; tmpfs${O_M:- n/a}; curl$O_C"
echo "assetgen wall on disk (s):$O_DW (the shipped fake stalls ~40 ms per kept-alive request at latency 0)"
echo "target < 1 ms CPU per asset: $(verdict "$(median $O_D) * 1000 / $N < 1") (disk)${SHM:+, $(verdict "$(median $O_M) * 1000 / $N < 1") (tmpfs)}"
