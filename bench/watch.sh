#!/bin/bash
# bench/watch.sh - `assetgen watch`: from a saved recipe edit to the new
# preview written, on the built-in model
#
# A project of 10 assets (1024x1024, distinct prompts and seeds); `assetgen
# watch` runs on it.  Each of EDITS edits (default 20) gives the asset
# `hero` a new seed (never seen before: a real render, no cache hit),
# saved as editors do (a temp file, then a rename), and measures the time
# from the rename to dist/preview/hero.png being replaced (polled every
# 1 ms).  It waits for the watch to report the build before the next edit,
# so builds never overlap.  Each preview is checked against a one-shot
# `assetgen build --intent preview` of the same recipe in a second project
# (byte-identical), which is also the peer: the same edit rebuilt by hand,
# process start included, without the watch's 100 ms debounce.
# Env: EDITS (default 20), SIZE (default 1024x1024).
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

EDITS=${EDITS:-20} SIZE=${SIZE:-1024x1024} N=10
PROMPTS=(
	"mountain landscape at dusk, lake, pine trees"
	"neon city skyline at night, synthwave"
	"portrait of a woman, photoreal, soft light"
	"flat icon of a shopping cart"
	"product photo of a watch, studio lighting"
	"abstract shapes, bauhaus poster"
	"low-poly mountains at sunrise"
	"banner reading 'Launch Sale', clean layout"
)

mkproj() {
	mkdir -p "$1/recipes"
	printf 'models:\n  local: {provider: builtin}\nroutes:\n  - use: [local]\n' >"$1/assetgen.yaml"
	{
		echo "assets:"
		for i in $(seq 2 $N); do
			echo "  - {name: img-$i, prompt: \"${PROMPTS[$(((i - 1) % ${#PROMPTS[@]}))]} (#$i)\", seed: $i, size: $SIZE}"
		done
	} >"$1/recipes/a.yaml"
	printf 'assets:\n  - {name: hero, prompt: "mountain landscape at dusk (hero)", seed: 1, size: %s}\n' \
		"$SIZE" >"$1/recipes/hero.yaml"
}

W=$BENCH_TMP/w P=$BENCH_TMP/peer
mkproj "$W"
mkproj "$P"
"$ASSETGEN" -C "$P" build -q --intent preview || bench_fail "peer build"

bench_header "watch: saved edit -> preview written, $EDITS edits of one $SIZE asset in a $N-asset project (built-in model)"
(cd "$W" && exec "$ASSETGEN" watch >"$BENCH_TMP/watch.out" 2>"$BENCH_TMP/watch.err") &
WPID=$!
bench_track $WPID

python3 - "$W" "$P" "$ASSETGEN" "$EDITS" "$SIZE" "$BENCH_TMP/watch.out" <<'PY' || bench_fail "watch run failed: $(tail -3 "$BENCH_TMP/watch.err")"
import math, os, subprocess, sys, time

w, peer, assetgen, edits, size, log = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
out = os.path.join(w, "dist/preview/hero.png")

def builds():
    with open(log) as f:
        return sum(1 for l in f if l.startswith("watch: build "))

def wait(cond, what, limit=30.0):
    t = time.monotonic()
    while not cond():
        if time.monotonic() - t > limit:
            sys.exit("timed out waiting for " + what)
        time.sleep(0.001)

def save(project, seed):
    path = os.path.join(project, "recipes/hero.yaml")
    with open(path + ".tmp~", "w") as f:
        f.write('assets:\n  - {name: hero, prompt: "mountain landscape at dusk (hero)", seed: %d, size: %s}\n'
                % (seed, size))
    os.rename(path + ".tmp~", path)

def ident():
    try:
        st = os.stat(out)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)

wait(lambda: builds() >= 1 and ident() is not None, "the first build")
lat, peer_lat, build_s = [], [], []
for i in range(edits):
    seed = 1000 + i
    n, before = builds(), ident()
    t0 = time.monotonic()
    save(w, seed)
    wait(lambda: ident() != before, "preview %d" % i)
    lat.append(time.monotonic() - t0)
    wait(lambda: builds() > n, "build line %d" % i)
    with open(log) as f:
        last = [l for l in f if l.startswith("watch: build ")][-1]
    if " 1 generated" not in last:
        sys.exit("edit %d: unexpected build: %s" % (i, last.strip()))
    build_s.append(float(last.rsplit("(", 1)[1].rstrip("s)\n")))
    # the peer: the same edit, rebuilt by hand
    save(peer, seed)
    t0 = time.monotonic()
    subprocess.run([assetgen, "-C", peer, "build", "-q", "--intent", "preview"], check=True)
    peer_lat.append(time.monotonic() - t0)
    if open(out, "rb").read() != open(os.path.join(peer, "dist/preview/hero.png"), "rb").read():
        sys.exit("edit %d: the watch's preview differs from a one-shot build" % i)

def pct(v, p):
    s = sorted(v)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]

def row(name, v):
    print("%-50s p50 %4.0f ms  p95 %4.0f ms  min %4.0f  max %4.0f" %
          (name, pct(v, 50) * 1e3, pct(v, 95) * 1e3, min(v) * 1e3, max(v) * 1e3))

print("edits:    %d, every preview byte-identical to a one-shot build" % edits)
row("watch: save -> preview written", lat)
row("  the build alone (its line: load to gallery)", build_s)
row("peer: assetgen build --intent preview (by hand)", peer_lat)
print("all (ms): " + " ".join("%.0f" % (x * 1e3) for x in lat))
print("target:   p95 < 700 ms: %s" % ("met" if pct(lat, 95) < 0.7 else "NOT met"))
PY
rc=$?
kill -INT $WPID 2>/dev/null
wait $WPID
wrc=$?
[ $wrc -eq 130 ] || bench_fail "watch exited $wrc on SIGINT, not 130"
exit $rc
