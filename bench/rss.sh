#!/bin/bash
# bench/rss.sh - peak memory of a build against the number of assets
#
# N assets (256x256, distinct prompts) routed to a generic `http` model
# (concurrency 32) on tests/fake/fake.py with no added latency, `assetgen
# build -j 32`, fresh project and cache each run, for N = 500, 2000 and
# 8000: peak RSS (GNU time's %M, the maximum resident set of the process),
# wall time, and the RSS of a no-op rebuild of the same project.  The
# target: under 256 MB at 2000 assets, and flat in N.  The fake is the
# bottleneck (a Python server drawing every PNG), so the wall times say
# little about assetgen; bench/providers.sh measures speed.
#
# Needs python3 and GNU time (/usr/bin/time, Debian package `time`).
# Runs in about 2 minutes.  Env: SIZES (default "500 2000 8000").
# shellcheck source=bench/lib.sh disable=SC2086
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-500 2000 8000}
command -v python3 >/dev/null || { echo "bench: needs python3" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install -y time)" >&2; exit 2; }

pf=$BENCH_TMP/fake.port
timeout -k 5 900 python3 "$BENCH_TOP/tests/fake/fake.py" --port 0 --port-file "$pf" 2>"$BENCH_TMP/fake.err" &
bench_track $!
i=0
while [ ! -s "$pf" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || { cat "$BENCH_TMP/fake.err" >&2; bench_fail "the fake did not start"; }
	sleep 0.1
done
FAKE_URL=http://127.0.0.1:$(cat "$pf")

project() {
	rm -rf "$1" && mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<YAML
models:
  gen: {provider: http, endpoint: "$FAKE_URL/http/generate", cost: 0.01, concurrency: 32}
routes:
  - use: [gen]
YAML
	# ten recipe files, as a project of this size would have
	for f in 0 1 2 3 4 5 6 7 8 9; do
		{
			echo "assets:"
			for i in $(seq $((f + 1)) 10 "$2"); do
				echo "  - {name: a$i, prompt: \"memory test $i, a product on a table\", seed: $i, size: 256x256}"
			done
		} >"$1/recipes/r$f.yaml"
	done
}

# rss CMD...: run CMD under GNU time; sets RSS_MB and WALL
rss() {
	/usr/bin/time -f '%M %e' -o "$BENCH_TMP/rss.out" "$@" >"$BENCH_TMP/last.log" 2>&1 ||
		bench_fail "$* failed"
	read -r kb WALL <"$BENCH_TMP/rss.out"
	RSS_MB=$(calc "$kb / 1024" %.1f)
}

bench_header "rss.sh: peak RSS of 'assetgen build -j 32' for $SIZES assets (256x256, http model on the fake, no latency)"
echo
printf '| assets | peak RSS, build | wall s | peak RSS, no-op rebuild | dist/ |\n|---|---|---|---|---|\n'
first= last= nfirst= nlast=
for n in $SIZES; do
	p=$BENCH_TMP/p$n
	project "$p" "$n"
	rss "$ASSETGEN" -C "$p" build -q -j 32
	build_mb=$RSS_MB build_wall=$WALL
	got=$(find "$p/dist" -maxdepth 1 -name 'a*.png' | wc -l)
	[ "$got" = "$n" ] || bench_fail "$n assets: $got outputs"
	rss "$ASSETGEN" -C "$p" build -q -j 32
	printf '| %s | **%s MB** | %s | %s MB | %s |\n' "$n" "$build_mb" "$build_wall" "$RSS_MB" "$(du -sh "$p/dist" | cut -f1)"
	[ -n "$first" ] || { first=$build_mb; nfirst=$n; }
	last=$build_mb nlast=$n
	rm -rf "$p"
done
echo
echo "growth: $(calc "($last - $first) * 1024 * 1024 / ($nlast - $nfirst)" %.0f) bytes of peak RSS per asset from $nfirst to $nlast assets"
