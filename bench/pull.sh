#!/bin/bash
# bench/pull.sh - pulling pinned artifacts from a remote cache (nginx WebDAV)
#
# A real nginx (tests/nginx/webdav.conf.in, filled in with sed as
# tests/cli/nginx.sh does: one process, 127.0.0.1, a free port, every temp
# path in a private directory) serves the remote cache.  It is filled the
# real way, once: a project of $N assets on the built-in model (noisy
# "photoreal" prompts at $SIZE: PNGs of about 1 MB), `assetgen build --upload
# -j 2`.  Then, interleaved, $ROUNDS runs each (medians):
#   (a) `assetgen cache pull` in a fresh checkout (assetgen.yaml, recipes/,
#       assetgen.lock; empty local cache): $N GETs of {url}/cas/{sha256}
#       (the Bazel layout), 32 at a time, each blob checked (XXH3-128 +
#       SHA-256) and stored;
#   (b) the peer: `curl --parallel --parallel-max 32` fetching the same $N
#       blob URLs (a config file of url/output pairs) into a fresh directory;
#   (b2) the same curl followed by `sync -f` on its directory: the peer made
#       as durable as assetgen's fsynced blobs;
#   (c) for context, a full `assetgen build` in a fresh checkout: remote
#       lookups of the ac entries, then the blobs, then the outputs placed
#       (and the gallery's thumbnails made); $C_ROUNDS runs, it is slow.
# `sync` runs before every timed command, so nobody pays for the previous
# one's dirty pages (curl never fsyncs; assetgen fsyncs every blob).
# Then (d) the same (a) and (b) with the checkout on tmpfs (/dev/shm, where
# fsync costs nothing), to separate disk syncs from the rest.  Then (e),
# when tests/s3/ has its npm packages (make test-deps), the same (a) and (b)
# against s3rver on loopback (s3://team-cache/bench, filled with `assetgen
# cache push`), every request signed with SigV4 on both sides.
# With BASELINE=<another assetgen binary> (an older build, say), (a0) runs
# its `cache pull` too, in the same rounds, interleaved: a before/after
# comparison under the same load.
#
# Needs nginx with the WebDAV module (Debian's nginx), python3 (a free
# port) and curl.  About 1.5 minutes on a quiet machine (4 under heavy load),
# most of it filling the cache.
# Env: ROUNDS (default 3), C_ROUNDS (default 2), N (default 500),
# SIZE (default 816x816), BASELINE (none).
# shellcheck source=bench/lib.sh disable=SC2086,SC2046,SC1007  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

N=${N:-500} SIZE=${SIZE:-816x816} J=32 ROUNDS=${ROUNDS:-3} C_ROUNDS=${C_ROUNDS:-2}
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
GNUTIME=
[ -x /usr/bin/time ] && GNUTIME=/usr/bin/time
if [ -n "${BASELINE:-}" ]; then
	[ -x "$BASELINE" ] || { echo "bench: BASELINE=$BASELINE is not an executable" >&2; exit 2; }
	cp "$BASELINE" "$BENCH_TMP/baseline" || exit 2
fi

# ---- nginx: one process in $BENCH_TMP/nginx/, stopped by the exit trap
# (TERM is nginx's fast shutdown); `timeout` is a backstop should the
# script be killed with SIGKILL
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
# start_nginx [PORT [SED]]: start nginx on PORT (default: a free one), its
# config the template with `sed SED` applied too; sets NGINX_URL, NGINX_PORT
start_nginx() {
	local port pid i
	for _ in 1 2 3 4 5; do
		port=${1:-$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')} || return 1
		sed -e "s|@PREFIX@|$NG|g" -e "s|@ROOT@|$NGINX_ROOT|g" -e "s|@PORT@|$port|g" -e "${2:-}" \
			"$BENCH_TOP/tests/nginx/webdav.conf.in" >"${NG}nginx.conf" || return 1
		timeout -k 5 900 "$NGINX_BIN" -p "$NG" -c "${NG}nginx.conf" -e "${NG}error.log" \
			>>"${NG}stderr.log" 2>&1 </dev/null &
		pid=$!
		bench_track $pid
		for i in $(seq 1 100); do
			kill -0 $pid 2>/dev/null || break
			if nginx_answers "$port"; then
				NGINX_URL=http://127.0.0.1:$port/cache NGINX_PORT=$port NGINX_PID=$pid
				return 0
			fi
			sleep 0.05
		done
		kill $pid 2>/dev/null && wait $pid 2>/dev/null # the port was most likely taken: retry
		sleep 0.2
	done
	tail -n 20 "${NG}error.log" "${NG}stderr.log" >&2 2>/dev/null
	return 1
}
# stop_nginx: fast shutdown of the last one started; returns once it is gone
stop_nginx() {
	kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	while (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null; do sleep 0.05; done
}

# ---- the project: $N assets, filling the remote cache once
T=$BENCH_TMP/template
project() {
	local i
	mkdir -p "$T/recipes"
	cat >"$T/assetgen.yaml" <<YAML
models:
  local: {provider: builtin}
routes:
  - use: [local]
cache:
  dir: cache
  remote: {url: "$NGINX_URL"}
YAML
	{
		echo "assets:"
		for i in $(seq 1 $N); do
			echo "  - {name: a$i, prompt: \"neon city night, photoreal $i\", seed: $i, size: $SIZE}"
		done
	} >"$T/recipes/a.yaml"
}

# fresh BASE [LOCK]: a checkout under BASE (config, recipes, and the lock);
# sets FRESH
NRUN=0
fresh() {
	NRUN=$((NRUN + 1))
	FRESH=$1/run$NRUN
	mkdir -p "$FRESH" && cp -r "$T/assetgen.yaml" "$T/recipes" "$T/assetgen.lock" "$FRESH/"
}
# rss CMD...: run CMD, its peak RSS (KiB) in $BENCH_TMP/rss
rss() {
	if [ -n "$GNUTIME" ]; then
		"$GNUTIME" -f %M -o "$BENCH_TMP/rss" "$@"
	else
		echo 0 >"$BENCH_TMP/rss"
		"$@"
	fi
}
run_pull() { rss "$ASSETGEN" -C "$1" cache pull; }
run_pull_s3() { rss env ASSETGEN_REMOTE_CACHE=s3://team-cache/bench AWS_ENDPOINT_URL_S3="$S3_URL" "$ASSETGEN" -C "$1" cache pull; }
# the peer on S3: the same SigV4 signing (libcurl's), the empty body's hash
run_curl_s3() {
	rss curl -q -sS --fail --no-progress-meter --parallel --parallel-immediate --parallel-max $J \
		--aws-sigv4 "aws:amz:us-east-1:s3" -u "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" -K "$1"
}
run_pull0() { rss "$BENCH_TMP/baseline" -C "$1" cache pull; }
run_build() { rss "$ASSETGEN" -C "$1" build -j 2; }
run_curl() { rss curl -q -sS --fail --no-progress-meter --parallel --parallel-immediate --parallel-max $J -K "$1"; }
run_curl_sync() { run_curl "$1" && sync -f "$2"; }
# curl_cfg DIR [BASE]: the $N blob URLs, each with its output file in DIR
curl_cfg() {
	local d
	for d in $DIGESTS; do
		echo "url = \"${2:-$NGINX_URL}/cas/$d\""
		echo "output = \"$1/$d\""
	done
}
# check_pull DIR: all $N pulled into DIR's local cache
check_pull() {
	grep -q "^pulled $N of $N pinned artifacts (0 already local)" "$BENCH_TMP/last.log" ||
		bench_fail "cache pull did not pull $N artifacts"
	[ "$(find "$1/cache" -type f -path '*/objects/*' ! -name '.*' | wc -l)" = $N ] ||
		bench_fail "cache pull stored $(find "$1/cache" -type f -path '*/objects/*' | wc -l) blobs"
}
check_curl() {
	[ "$(find "$1" -type f | wc -l)" = $N ] || bench_fail "curl wrote $(find "$1" -type f | wc -l) files"
	[ "$(cat "$1"/* | wc -c)" = "$BYTES" ] || bench_fail "curl wrote $(cat "$1"/* | wc -c) bytes, not $BYTES"
}
check_build() {
	grep -q "remote cache $NGINX_URL: $N hits, 0 misses, 0 errors, 0 rejected" "$BENCH_TMP/last.log" ||
		bench_fail "build: not $N remote hits"
	[ "$(find "$1/dist" -maxdepth 1 -name '*.png' | wc -l)" = $N ] || bench_fail "build placed $(find "$1/dist" -maxdepth 1 -name '*.png' | wc -l) outputs"
	cmp -s "$1/dist/a1.png" "$2" || bench_fail "build: dist/a1.png differs from the template's"
}
timed() { sync; bench_time "$@"; }

bench_header "pull: $N cached artifacts (~1 MB) from nginx WebDAV on loopback"
# The fill runs against the same server with keep-alive off: assetgen's
# upload first sends HEAD requests that libcurl does not know are HEADs
# (CURLOPT_CUSTOMREQUEST without CURLOPT_NOBODY), so each waits for a body
# that never comes until nginx drops the idle connection (keepalive_timeout,
# 10 s in the template): 16 batches of 32 would add 160 s.  With keep-alive
# off nginx closes at once; the HEAD still fails ("transfer closed"), and
# assetgen uploads the blob, which is what a fill needs.  Then the
# template's own server on the same port and files serves the measurements.
start_nginx "" 's/keepalive_timeout 10s;/keepalive_timeout 0;/' || bench_fail "nginx did not start"
grep -q 'keepalive_timeout 0;' "${NG}nginx.conf" || bench_fail "the template changed: keep-alive is still on for the fill"
echo "nginx:    $("$NGINX_BIN" -v 2>&1 | sed 's/^nginx version: //'), $NGINX_URL; $(curl --version | head -1 | cut -d' ' -f1-2)"
project
bench_time "$ASSETGEN" -C "$T" build --upload -j 2 || bench_fail "filling the remote cache"
FILL=$T_REAL
stop_nginx
start_nginx "$NGINX_PORT" || bench_fail "nginx did not restart"
grep -q "remote cache $NGINX_URL: .*; $((3 * N)) uploaded, 0 upload errors" "$BENCH_TMP/last.log" ||
	bench_fail "the build did not upload $N blobs, $N entry records and $N action results"
[ "$(wc -l <"$T/assetgen.lock")" -ge $N ] || bench_fail "assetgen.lock pins fewer than $N assets"
# the blobs' names on the remote: their SHA-256, the lock's fourth field
DIGESTS=$(awk 'NF >= 6 && $1 !~ /^#/ { print $4 }' "$T/assetgen.lock")
[ "$(echo "$DIGESTS" | wc -l)" = $N ] || bench_fail "assetgen.lock: $(echo "$DIGESTS" | wc -l) digests"
for d in $DIGESTS; do
	[ -f "$NGINX_ROOT/cache/cas/$d" ] || bench_fail "blob $d is not on the server"
done
BYTES=$(cd "$NGINX_ROOT/cache/cas" && cat $DIGESTS | wc -c)
MEDBLOB=$(median $(cd "$NGINX_ROOT/cache/cas" && stat -c %s $DIGESTS))
MB=$(calc "$BYTES / 1e6" %.1f)
echo "filled:   $N assets $SIZE built and uploaded in $FILL s; blobs $MB MB, median $(calc "$MEDBLOB / 1e6") MB," \
	"min $(cd "$NGINX_ROOT/cache/cas" && stat -c %s $DIGESTS | sort -n | head -1), max $(cd "$NGINX_ROOT/cache/cas" && stat -c %s $DIGESTS | sort -n | tail -1) bytes"
cp "$T/dist/a1.png" "$BENCH_TMP/a1.png"

# ---- s3rver, when installed: filled from the template's local cache
S3_MJS=$(dirname "$0")/../tests/s3/s3.mjs
S3_URL=
if command -v node >/dev/null && [ -f "$(dirname "$0")/../tests/s3/node_modules/s3rver/package.json" ]; then
	mkdir -p "$BENCH_TMP/s3data"
	timeout 3600 node "$S3_MJS" serve "$BENCH_TMP/s3data" "$BENCH_TMP/s3.port" >"$BENCH_TMP/s3.log" 2>&1 </dev/null &
	bench_track $!
	i=0
	while [ ! -s "$BENCH_TMP/s3.port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$BENCH_TMP/s3.port" ] || bench_fail "s3rver did not start"
	S3_URL=http://127.0.0.1:$(cat "$BENCH_TMP/s3.port")
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
	unset AWS_SESSION_TOKEN
	bench_time env ASSETGEN_REMOTE_CACHE=s3://team-cache/bench AWS_ENDPOINT_URL_S3="$S3_URL" \
		"$ASSETGEN" -C "$T" cache push || bench_fail "filling s3rver"
	echo "s3rver:   s3://team-cache/bench at $S3_URL, filled by cache push in $T_REAL s"
fi
rm -rf "$T/cache" "$T/dist" # the checkouts never see the template's local cache

# warm-up: nginx's files into the page cache, the binaries into memory
curl_cfg "$BENCH_TMP/warm" >"$BENCH_TMP/warm.cfg"
mkdir -p "$BENCH_TMP/warm"
bench_time run_curl "$BENCH_TMP/warm.cfg" || bench_fail "warm-up"
rm -rf "$BENCH_TMP/warm"

# measure WHERE TAG: (a), (b) [and (c)] interleaved under WHERE
PA= PB= PB2= PC= CA= CB= CC= UA= SA= RA= RB= RC= P0= C0= R0=
measure() {
	local base=$1 r out
	PA= PB= PB2= PC= CA= CB= CC= UA= SA= RA= RB= RC= P0= C0= R0=
	for r in $(seq 1 "$ROUNDS"); do
		fresh "$base"
		timed run_pull "$FRESH" || bench_fail "assetgen cache pull"
		PA="$PA $T_REAL" CA="$CA $(sum "$T_USER" "$T_SYS")" UA="$UA $T_USER" SA="$SA $T_SYS" RA="$RA $(cat "$BENCH_TMP/rss")"
		check_pull "$FRESH"
		rm -rf "$FRESH"

		if [ -n "${BASELINE:-}" ]; then
			fresh "$base"
			timed run_pull0 "$FRESH" || bench_fail "baseline cache pull"
			P0="$P0 $T_REAL" C0="$C0 $(sum "$T_USER" "$T_SYS")" R0="$R0 $(cat "$BENCH_TMP/rss")"
			check_pull "$FRESH"
			rm -rf "$FRESH"
		fi

		out=$base/curl$r
		mkdir -p "$out"
		curl_cfg "$out" >"$BENCH_TMP/curl.cfg"
		timed run_curl "$BENCH_TMP/curl.cfg" || bench_fail "curl --parallel"
		PB="$PB $T_REAL" CB="$CB $(sum "$T_USER" "$T_SYS")" RB="$RB $(cat "$BENCH_TMP/rss")"
		check_curl "$out"
		rm -rf "$out"

		if [ "$2" = all ]; then
			mkdir -p "$out"
			timed run_curl_sync "$BENCH_TMP/curl.cfg" "$out" || bench_fail "curl --parallel; sync -f"
			PB2="$PB2 $T_REAL"
			check_curl "$out"
			rm -rf "$out"
		fi

		if [ "$2" = all ] && [ "$r" -le "$C_ROUNDS" ]; then
			fresh "$base"
			timed run_build "$FRESH" || bench_fail "assetgen build"
			PC="$PC $T_REAL" CC="$CC $(sum "$T_USER" "$T_SYS")" RC="$RC $(cat "$BENCH_TMP/rss")"
			check_build "$FRESH" "$BENCH_TMP/a1.png"
			rm -rf "$FRESH"
		fi
	done
}
row() { # WHAT RUNS CPURUNS RSSRUNS
	local m
	m=$(median $2)
	printf '%-44s %7s %7s %7s %8s  %s\n' "$1" "$m" "$(calc "$MB / $m" %.0f)" "$(median $3)" \
		"$(calc "$(median $4) / 1024" %.0f)" "$2"
}
header() {
	printf '%-44s %7s %7s %7s %8s  %s\n' "what" "wall s" "MB/s" "cpu s" "RSS MiB" "runs (wall s)"
}

measure "$BENCH_TMP" all
mA=$(median $PA) mB=$(median $PB)
echo
echo "$N blobs, $MB MB, project in ${TMPDIR:-/tmp}; medians of $ROUNDS interleaved runs ($C_ROUNDS for (c));"
echo "cpu = user+sys; (b2) lists (b)'s cpu and RSS"
header
row "(a) assetgen cache pull" "$PA" "$CA" "$RA"
if [ -n "${BASELINE:-}" ]; then row "(a0) BASELINE cache pull" "$P0" "$C0" "$R0"; fi
row "(b) curl --parallel --parallel-max $J" "$PB" "$CB" "$RB"
row "(b2) curl --parallel, then sync -f" "$PB2" "$CB" "$RB"
row "(c) assetgen build (fresh checkout)" "$PC" "$CC" "$RC"
echo "(a) user $(median $UA) s, sys $(median $SA) s"
echo "ratio (a)/(b): $(calc "$mA / $mB" %.2f); target <= 1.2: $(awk "BEGIN { exit !($mA <= 1.2 * $mB) }" && echo met || echo MISSED)" \
	"(against the durable peer (b2): $(calc "$mA / $(median $PB2)" %.2f))"
if [ -n "${BASELINE:-}" ]; then echo "ratio (a0)/(b): $(calc "$(median $P0) / $mB" %.2f); (a)/(a0): $(calc "$mA / $(median $P0)" %.2f)"; fi

if [ -d /dev/shm ] && [ -w /dev/shm ] && bench_tmpdir_in /dev/shm; then
	measure "$BENCH_NEWDIR" pull
	mA=$(median $PA) mB=$(median $PB)
	echo
	echo "(d) the same on tmpfs (/dev/shm: fsync is free), medians of $ROUNDS"
	header
	row "(a) assetgen cache pull, tmpfs" "$PA" "$CA" "$RA"
	if [ -n "${BASELINE:-}" ]; then row "(a0) BASELINE cache pull, tmpfs" "$P0" "$C0" "$R0"; fi
	row "(b) curl --parallel --parallel-max $J, tmpfs" "$PB" "$CB" "$RB"
	echo "(a) user $(median $UA) s, sys $(median $SA) s; ratio (a)/(b) on tmpfs: $(calc "$mA / $mB" %.2f)"
	if [ -n "${BASELINE:-}" ]; then echo "ratio (a0)/(b) on tmpfs: $(calc "$(median $P0) / $mB" %.2f)"; fi
fi

if [ -n "$S3_URL" ]; then
	PA= PB= CA= CB= RA= RB= UA= SA=
	for r in $(seq 1 "$ROUNDS"); do
		fresh "$BENCH_TMP"
		timed run_pull_s3 "$FRESH" || bench_fail "assetgen cache pull from s3rver"
		PA="$PA $T_REAL" CA="$CA $(sum "$T_USER" "$T_SYS")" UA="$UA $T_USER" SA="$SA $T_SYS" RA="$RA $(cat "$BENCH_TMP/rss")"
		check_pull "$FRESH"
		rm -rf "$FRESH"
		out=$BENCH_TMP/curls3$r
		mkdir -p "$out"
		curl_cfg "$out" "$S3_URL/team-cache/bench" >"$BENCH_TMP/curl.cfg"
		timed run_curl_s3 "$BENCH_TMP/curl.cfg" || bench_fail "curl --parallel from s3rver"
		PB="$PB $T_REAL" CB="$CB $(sum "$T_USER" "$T_SYS")" RB="$RB $(cat "$BENCH_TMP/rss")"
		check_curl "$out"
		rm -rf "$out"
	done
	mA=$(median $PA) mB=$(median $PB)
	echo
	echo "(e) s3rver on loopback (SigV4 on both sides), medians of $ROUNDS interleaved runs"
	header
	row "(a) assetgen cache pull, s3rver" "$PA" "$CA" "$RA"
	row "(b) curl --parallel --parallel-max $J, s3rver" "$PB" "$CB" "$RB"
	echo "(a) user $(median $UA) s, sys $(median $SA) s; ratio (a)/(b) on s3rver: $(calc "$mA / $mB" %.2f);" \
		"target <= 1.2: $(awk "BEGIN { exit !($mA <= 1.2 * $mB) }" && echo met || echo MISSED)"
fi
