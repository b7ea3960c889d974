#!/bin/bash
# bench/noop.sh - a no-op `assetgen build` at 1,000 / 10,000 / 100,000
# assets against `ninja` doing nothing on an equivalent build.ninja
#
# For each size N: an assetgen project of N assets (8x8, built-in model) in
# 10 recipe files, built once, then a no-op that records the build state;
# and a build.ninja of N edges `build out/aI.png: cp in/aI.txt` (N inputs,
# N outputs), built once.  Then, interleaved, ROUNDS times each:
#   fast      `assetgen -C p build` (nothing changed: the build-state check)
#   ninja     `ninja -C n` (the peer)
#   full      `assetgen -C p build` with CACHE/build-state removed first (the
#             full path: parse, plan, site; it records the state again)
#   baseline  the same full no-op with the binary in $BASELINE, if set (an
#             older assetgen, to show the full path did not get slower)
# With NOOP_CPU=K, every timed command runs under `taskset -c K`: one core
# for both, so the check's second stat thread cannot help it.
# Every run must print its no-op line.  Times are wall clock from bash's
# $EPOCHREALTIME around the command alone.
#
# Env: NOOP_SIZES (default "1000 10000 100000"), ROUNDS (15), FULL_MAX
# (largest N for the full path, default 10000; it takes seconds at 100k),
# BENCH_DIR (where the projects go; default /dev/shm when it exists, so
# that building 100,000 outputs does not pay an fsync each), BASELINE.
# About 4 minutes, most of it building the 100k projects.
# shellcheck source=bench/lib.sh disable=SC2086  # lists of numbers are split on purpose
. "$(dirname "$0")/lib.sh"

SIZES=${NOOP_SIZES:-1000 10000 100000} ROUNDS=${ROUNDS:-15} FULL_MAX=${FULL_MAX:-10000}
NINJA=$(command -v ninja) || { echo "bench: ninja not found (apt-get install -y ninja-build)" >&2; exit 2; }
if [ -z "${BENCH_DIR:-}" ]; then
	BENCH_DIR=$BENCH_TMP
	[ -d /dev/shm ] && [ -w /dev/shm ] && BENCH_DIR=/dev/shm
fi
bench_tmpdir_in "$BENCH_DIR" || exit 2
W=$BENCH_NEWDIR
if [ -n "${BASELINE:-}" ]; then
	cp "$BASELINE" "$BENCH_TMP/baseline" || exit 2
	BASELINE=$BENCH_TMP/baseline
fi

# make_projects N: $W/N/p (assetgen) and $W/N/n (ninja), built
make_projects() {
	local n=$1 d=$W/$1 per=$(($1 / 10)) f
	mkdir -p "$d/p/recipes" "$d/n/in"
	printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$d/p/assetgen.yaml"
	for f in 0 1 2 3 4 5 6 7 8 9; do
		awk -v f=$f -v n=$per 'BEGIN { print "defaults: {size: 8x8}"; print "assets:"
			for (i = 1; i <= n; i++) printf "  - {name: a%d-%d, prompt: \"asset %d of file %d\", seed: %d}\n", f, i, i, f, i }' \
			>"$d/p/recipes/r$f.yaml"
	done
	bench_time "$ASSETGEN" -C "$d/p" build -q -j 2 || bench_fail "building the $n-asset project"
	ASSETGEN_SETUP=$T_REAL
	awk -v n=$n 'BEGIN { print "rule cp\n  command = cp $in $out\n"
		for (i = 1; i <= n; i++) printf "build out/a%d.png: cp in/a%d.txt\n", i, i }' >"$d/n/build.ninja"
	(cd "$d/n/in" && seq 1 "$n" | awk '{ f = "a" $1 ".txt"; print $1 > f; close(f) }')
	bench_time "$NINJA" -C "$d/n" -j 4 || bench_fail "building the $n-edge build.ninja"
	[ "$(find "$d/n/out" -name '*.png' | wc -l)" = "$n" ] || bench_fail "ninja made the wrong number of outputs"
}

# prime DIR N: a full no-op that records the build state
prime() {
	local i
	for i in 1 2 3 4 5; do
		"$ASSETGEN" -C "$1" build -d noop >"$BENCH_TMP/last.log" 2>&1 || bench_fail "no-op build"
		grep -qE "build state saved|nothing changed since" "$BENCH_TMP/last.log" && return 0
		sleep 0.1
	done
	bench_fail "the build state was never saved"
}

PIN=()
[ -n "${NOOP_CPU:-}" ] && PIN=(taskset -c "$NOOP_CPU")

# timed WANT CMD...: run CMD, check its output holds WANT, set T (ms)
timed() {
	local want=$1 s e
	shift
	set -- "${PIN[@]}" "$@"
	s=$EPOCHREALTIME
	"$@" >"$BENCH_TMP/last.log" 2>&1 || bench_fail "$* failed"
	e=$EPOCHREALTIME
	grep -qF "$want" "$BENCH_TMP/last.log" || bench_fail "$*: expected '$want'"
	T=$(calc "($e - $s) * 1000" %.2f)
}

bench_header "noop: a no-op build at ${SIZES// /, } assets against ninja $("$NINJA" --version)"
echo "projects: $W ($(df -PT "$W" | awk 'NR == 2 { print $2 }'))${NOOP_CPU:+, every timed command on CPU $NOOP_CPU only}"
declare -A RES
for n in $SIZES; do
	echo "building the $n-asset projects..."
	make_projects "$n"
	echo "  built: assetgen ${ASSETGEN_SETUP}s, ninja ${T_REAL}s"
	P=$W/$n/p N=$W/$n/n
	prime "$P"
	echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	line="no work to do ($n assets up to date)"
	FAST= NIN= FULL= BASE=
	for r in $(seq 1 "$ROUNDS"); do
		timed "$line" "$ASSETGEN" -C "$P" build
		FAST="$FAST $T"
		timed "ninja: no work to do." "$NINJA" -C "$N"
		NIN="$NIN $T"
		if [ "$n" -le "$FULL_MAX" ] && [ "$r" -le 5 ]; then
			rm -f "$P/cache/build-state"
			timed "$line" "$ASSETGEN" -C "$P" build
			FULL="$FULL $T"
			if [ -n "${BASELINE:-}" ]; then
				timed "$line" "$BASELINE" -C "$P" build
				BASE="$BASE $T"
			fi
			prime "$P"
		fi
	done
	"$ASSETGEN" -C "$P" build -d noop >"$BENCH_TMP/last.log" 2>&1
	grep -q "nothing changed since" "$BENCH_TMP/last.log" || bench_fail "the last no-op did not take the shortcut"
	RES[$n]="$(median $FAST) $(median $NIN) $(median ${FULL:-nan}) $(median ${BASE:-nan})"
	echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "  fast (ms): $FAST"
	echo "  ninja:     $NIN"
	[ -n "$FULL" ] && echo "  full:      $FULL"
	[ -n "$BASE" ] && echo "  baseline:  $BASE"
	rm -rf "${W:?}/$n"
done

echo
echo "medians (ms) of $ROUNDS interleaved runs (full path and baseline: 5 runs)"
printf '%-8s %10s %10s %8s %10s %10s %10s\n' assets fast ninja ratio "us/asset" full baseline
for n in $SIZES; do
	read -r f k u b <<<"${RES[$n]}"
	printf '%-8s %10s %10s %8s %10s %10s %10s\n' "$n" "$f" "$k" "$(calc "$f / $k" %.2f)" \
		"$(calc "$f * 1000 / $n" %.2f)" "$u" "$b"
done
