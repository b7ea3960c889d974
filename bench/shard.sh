#!/bin/bash
# bench/shard.sh - sharded throughput: 4 shards against 1, on the loopback fake
#
# 256 assets (64x64) routed to a generic `http` model (concurrency 8, -j 8:
# what one machine may send at once) on tests/fake/fake.py with latency_ms
# 100, uploading to one nginx WebDAV remote.  Each round, interleaved:
#   * one shard: `assetgen build --shard 0/1`, every asset, fresh project
#     and local cache, its own prefix on the remote;
#   * four shards: `assetgen build --shard I/4`, I = 0..3, four processes
#     at once, each with its own fresh project and local cache, one prefix
#     on the remote; wall time from the first start to the last exit;
#   * the fan-in: `assetgen build --from-cache` in a fresh project, from
#     the four shards' prefix (no model call: checked on the fake's log).
# Ideal: ceil(256/8) x 100 ms = 3.2 s for one shard; for four, the
# largest shard's ceil(n/8) x 100 ms.  Target: four shards reach at least
# 3.5x one shard's throughput (assets per second).  Every run is checked:
# each asset requested once and answered 200, every output placed, and
# the fan-in's dist/ byte-identical to the one shard's.
#
# Needs python3, curl and nginx with the WebDAV module (Debian's nginx).
# Runs in about a minute.  Env: ROUNDS (default 3).
# shellcheck source=bench/lib.sh disable=SC2086  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=256 C=8 LAT=100 K=4 ROUNDS=${ROUNDS:-3}
for tool in python3 curl; do
	command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install -y $tool)" >&2; exit 2; }
done
NGINX_BIN=
for b in "$(command -v nginx 2>/dev/null)" /usr/sbin/nginx; do
	[ -n "$b" ] && [ -x "$b" ] && { NGINX_BIN=$b; break; }
done
if [ -z "$NGINX_BIN" ] || ! "$NGINX_BIN" -V 2>&1 | grep -q -- '--with-http_dav_module'; then
	echo "bench: needs nginx with the WebDAV module (apt-get install -y nginx)" >&2
	exit 2
fi

# ---- the fake at latency $LAT; `timeout` is a backstop should the script
# be killed with SIGKILL
PF=$BENCH_TMP/fake.port
timeout -k 5 900 python3 "$BENCH_TOP/tests/fake/fake.py" --port 0 --port-file "$PF" --latency-ms $LAT \
	2>"$BENCH_TMP/fake.err" &
bench_track $!
i=0
while [ ! -s "$PF" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || { cat "$BENCH_TMP/fake.err" >&2; bench_fail "the fake did not start"; }
	sleep 0.1
done
FAKE_URL=http://127.0.0.1:$(cat "$PF")
ctl() {
	if [ $# -ge 2 ]; then
		curl -q -sSf -X POST -H 'Content-Type: application/json' -d "$2" "$FAKE_URL/_control/$1"
	else
		curl -q -sSf "$FAKE_URL/_control/$1"
	fi
}
reset_fake() { ctl reset '{}' >/dev/null || bench_fail "cannot reset the fake"; }
# check_log WHAT COUNT: COUNT requests, all answered 200, each prompt once
check_log() {
	local got
	got=$(ctl requests | python3 -c 'import collections, json, sys
j = json.load(sys.stdin)
ok = [r for r in j if r["provider"] == "http" and r["status"] == 200 and not r["violation"]]
n = collections.Counter(r["prompt"] for r in ok)
print(len(j) if len(ok) == len(j) and all(v == 1 for v in n.values()) else "not %d distinct answered" % len(j))')
	[ "$got" = "$2" ] || bench_fail "$1: the fake saw $got requests, not $2 (each prompt once, all 200)"
}

# ---- nginx: one process in $BENCH_TMP/nginx/ (tests/nginx/webdav.conf.in)
NG=$BENCH_TMP/nginx/
NGINX_ROOT=${NG}root
mkdir -p "${NG}tmp" "$NGINX_ROOT/cache"
nginx_answers() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'HEAD /cache/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		read -r -t 2 line <&3 || exit 1
		case $line in HTTP/1.*) exit 0 ;; *) exit 1 ;; esac
	) 2>/dev/null
}
NGINX_URL=
for _ in 1 2 3 4 5; do
	port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || bench_fail "no free port"
	sed -e "s|@PREFIX@|$NG|g" -e "s|@ROOT@|$NGINX_ROOT|g" -e "s|@PORT@|$port|g" \
		"$BENCH_TOP/tests/nginx/webdav.conf.in" >"${NG}nginx.conf" || bench_fail "nginx.conf"
	timeout -k 5 900 "$NGINX_BIN" -p "$NG" -c "${NG}nginx.conf" -e "${NG}error.log" \
		>>"${NG}stderr.log" 2>&1 </dev/null &
	pid=$!
	bench_track $pid
	for i in $(seq 1 100); do
		kill -0 $pid 2>/dev/null || break
		nginx_answers "$port" && { NGINX_URL=http://127.0.0.1:$port/cache; break; }
		sleep 0.05
	done
	[ -n "$NGINX_URL" ] && break
	kill $pid 2>/dev/null && wait $pid 2>/dev/null # the port was most likely taken: retry
	sleep 0.2
done
[ -n "$NGINX_URL" ] || bench_fail "nginx did not start"

# ---- the project: $N assets; fresh REMOTE: a new checkout of it, with its
# own local cache, uploading to REMOTE; sets FRESH
T=$BENCH_TMP/template
mkdir -p "$T/recipes"
{
	echo "assets:"
	for i in $(seq 1 $N); do
		echo "  - {name: a$i, prompt: \"bench asset $i\", seed: $i, size: 64x64}"
	done
} >"$T/recipes/a.yaml"
NRUN=0
fresh() {
	NRUN=$((NRUN + 1))
	FRESH=$BENCH_TMP/run$NRUN/app # the same directory name everywhere: the gallery's title
	mkdir -p "$FRESH" && cp -r "$T/recipes" "$FRESH/" &&
		cat >"$FRESH/assetgen.yaml" <<YAML
models:
  gen: {provider: http, endpoint: "$FAKE_URL/http/generate", concurrency: $C}
routes:
  - use: [gen]
cache:
  remote: {url: "$1"}
YAML
}
count_png() { find "$1/dist" -maxdepth 1 -name '*.png' | wc -l; }

# one shard; four at once (a shard's exit status in $BENCH_TMP/rc.I)
run_one() { "$ASSETGEN" -C "$1" build --shard 0/1 -j $C -q; }
run_four() {
	local k pids=()
	for k in $(seq 0 $((K - 1))); do
		{ "$ASSETGEN" -C "${DIRS[$k]}" build --shard $k/$K -j $C -q; echo $? >"$BENCH_TMP/rc.$k"; } &
		pids+=($!)
	done
	wait "${pids[@]}" # the shards only: a bare `wait` also waits for the fake and nginx
}
run_fan_in() { "$ASSETGEN" -C "$1" build --from-cache -q; }

bench_header "shard: $N assets, $K shards against 1, on the loopback fake at $LAT ms"
echo "nginx:    $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'), $NGINX_URL; load $(cut -d' ' -f1-3 /proc/loadavg)"

# warm-up: the fake caches the PNGs it renders; the first build pays for them
fresh "$NGINX_URL/warm"
bench_time run_one "$FRESH" || bench_fail "warm-up"

ONE='' FOUR='' FAN='' BIG=0
for r in $(seq 1 "$ROUNDS"); do
	reset_fake
	fresh "$NGINX_URL/r$r-one"
	ONE_DIR=$FRESH
	bench_time run_one "$FRESH" || bench_fail "one shard"
	check_log "one shard" $N
	[ "$(count_png "$FRESH")" = $N ] || bench_fail "one shard placed $(count_png "$FRESH") outputs"
	ONE="$ONE $T_REAL"

	reset_fake
	DIRS=()
	for k in $(seq 0 $((K - 1))); do
		fresh "$NGINX_URL/r$r-four"
		DIRS[k]=$FRESH
	done
	bench_time run_four || bench_fail "four shards"
	big=0 total=0
	for k in $(seq 0 $((K - 1))); do
		[ "$(cat "$BENCH_TMP/rc.$k")" = 0 ] || bench_fail "shard $k/$K failed"
		n=$(count_png "${DIRS[$k]}")
		total=$((total + n))
		[ $n -le $big ] || big=$n
	done
	check_log "four shards" $N
	[ $total = $N ] || bench_fail "the four shards placed $total outputs"
	FOUR="$FOUR $T_REAL" BIG=$big

	reset_fake
	fresh "$NGINX_URL/r$r-four"
	bench_time run_fan_in "$FRESH" || bench_fail "fan-in"
	check_log "fan-in" 0
	diff -r "$ONE_DIR/dist" "$FRESH/dist" >/dev/null || bench_fail "the fan-in's dist/ differs from one shard's"
	FAN="$FAN $T_REAL"
done

mONE=$(median $ONE) mFOUR=$(median $FOUR) mFAN=$(median $FAN)
IDEAL1=$(calc "int(($N + $C - 1) / $C) * $LAT / 1000")
IDEAL4=$(calc "int(($BIG + $C - 1) / $C) * $LAT / 1000")
echo
echo "$N assets 64x64, model gen {provider: http, concurrency: $C}, -j $C, latency $LAT ms, uploads to nginx;"
echo "wall seconds, medians of $ROUNDS interleaved runs, fresh projects and caches each run"
printf '%-44s %8s %8s %10s  %s\n' "what" "median" "ideal" "assets/s" "runs"
printf '%-44s %8s %8s %10s  %s\n' "1 shard: build --shard 0/1" "$mONE" "$IDEAL1" "$(calc "$N / $mONE" %.1f)" "$ONE"
printf '%-44s %8s %8s %10s  %s\n' "$K shards at once: build --shard I/$K" "$mFOUR" "$IDEAL4" "$(calc "$N / $mFOUR" %.1f)" "$FOUR"
printf '%-44s %8s %8s %10s  %s\n' "fan-in: build --from-cache (0 model calls)" "$mFAN" "" "" "$FAN"
echo "largest shard: $BIG of $N assets (ideal speed-up $(calc "$N / $BIG" %.2f)x)"
RATIO=$(calc "$mONE / $mFOUR" %.2f)
verdict() { awk "BEGIN { exit !($1) }" && echo met || echo MISSED; }
echo "speed-up, $K shards over 1: ${RATIO}x; target >= 3.5x: $(verdict "$RATIO >= 3.5")"
