# bench/lib.sh - helpers sourced by the bench/*.sh scripts (bash)
#
# Each script runs in its own temporary directory ($BENCH_TMP, removed on
# exit), against a private copy of build/assetgen (so a rebuild by someone
# else during the run cannot mix two binaries), on loopback only.  Every
# server a script starts is registered with bench_track and stopped on exit.

set -u
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${ASSETGEN:=$BENCH_TOP/build/assetgen}"
if [ ! -x "$ASSETGEN" ]; then
	echo "bench: $ASSETGEN not found: build it first (make -j2 all)" >&2
	exit 2
fi
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/assetgen-bench.XXXXXX") || exit 2
BENCH_PIDS=
BENCH_DIRS=("$BENCH_TMP")
bench_cleanup() {
	local pid
	for pid in $BENCH_PIDS; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	BENCH_PIDS=
	cd / && rm -rf "${BENCH_DIRS[@]}"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cp "$ASSETGEN" "$BENCH_TMP/assetgen" || exit 2
ASSETGEN_SRC=$ASSETGEN
ASSETGEN=$BENCH_TMP/assetgen
mkdir -p "$BENCH_TMP/home"
export HOME="$BENCH_TMP/home" NO_COLOR=1 CI=true LC_ALL=C
unset ASSETGEN_REMOTE_CACHE ASSETGEN_CACHE_SECRET

bench_track() { BENCH_PIDS="$BENCH_PIDS $1"; }

# bench_tmpdir_in DIR: make a new temporary directory under DIR, removed on
# exit like $BENCH_TMP, and set BENCH_NEWDIR to it
bench_tmpdir_in() {
	BENCH_NEWDIR=$(mktemp -d "$1/assetgen-bench.XXXXXX") || return 1
	BENCH_DIRS+=("$BENCH_NEWDIR")
}

# bench_header TITLE: what was measured, where and when
bench_header() {
	local cpu git
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
	git=$(cd "$BENCH_TOP" && git describe --always --dirty 2>/dev/null || echo unknown)
	echo "== $1"
	echo "date:     $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine:  nproc $(nproc), $(uname -m), ${cpu:-unknown CPU}"
	echo "assetgen: $("$ASSETGEN" --version 2>/dev/null | head -1), $ASSETGEN_SRC built $(date -u -r "$ASSETGEN_SRC" '+%Y-%m-%d %H:%M:%S UTC')"
	echo "bench:    $BENCH_TOP (git $git)"
}

# bench_time CMD...: run CMD with its output in $BENCH_TMP/last.log; sets
# T_REAL, T_USER and T_SYS (seconds, ms resolution, children included) and
# returns CMD's status
bench_time() {
	local TIMEFORMAT='%3R %3U %3S' rc
	{ time "$@" >"$BENCH_TMP/last.log" 2>&1; } 2>"$BENCH_TMP/last.time"
	rc=$?
	# shellcheck disable=SC2034  # read by the scripts
	read -r T_REAL T_USER T_SYS <"$BENCH_TMP/last.time"
	return $rc
}

# bench_fail MESSAGE: say what went wrong, with the last command's output
bench_fail() {
	echo "bench: $*" >&2
	[ -s "$BENCH_TMP/last.log" ] && tail -20 "$BENCH_TMP/last.log" >&2
	exit 1
}

# median NUMBER...: the median (the mean of the middle two for an even count)
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# calc EXPR: awk arithmetic, printed with 3 decimals (or FMT as $2)
calc() { awk "BEGIN { printf \"${2:-%.3f}\\n\", $1 }"; }

# sum A B: A + B
sum() { calc "$1 + $2"; }

# png_size FILE: WIDTHxHEIGHT from the IHDR chunk
png_size() {
	od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }'
}

# file_bytes FILE
file_bytes() { wc -c <"$1" | tr -d ' '; }

# png_filters FILE: the row filters a PNG uses, most used first, with their
# share of the rows ("sub" when every row uses Sub); needs python3
png_filters() {
	python3 - "$1" <<'PY'
import collections, struct, sys, zlib
b = open(sys.argv[1], "rb").read(); i, idat = 8, b""
while i < len(b):
    n, = struct.unpack(">I", b[i:i+4]); t = b[i+4:i+8]
    if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", b[i+8:i+18])
    if t == b"IDAT": idat += b[i+8:i+8+n]
    i += 12 + n
stride = w * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype] * depth // 8 + 1
raw = zlib.decompress(idat)
c = collections.Counter(raw[y * stride] for y in range(h))
names = ["none", "sub", "up", "avg", "paeth"]
if len(c) == 1: print(names[next(iter(c))])
else: print(" ".join(f"{names[k]} {100 * v / h:.0f}%" if 100 * v >= h else f"{names[k]} <1%" for k, v in c.most_common()))
PY
}
