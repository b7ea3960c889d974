#!/bin/bash
# assetgen.lock against the local cache: a large lock in any order loads,
# an oversized one is refused naming the cap, and pins lost from the lock
# (a deleted lock, then a gc that removed the unpinned blobs; or a gc that
# ran while a build restored old blobs) are restored by the next build.
. "$(dirname "$0")/lib.sh"

# mk DIR: three small assets with the built-in model
mk() {
	new_project "$1"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: banner, prompt: "Banner reading 'Sale'", seed: 1, size: 40x16}
  - {name: hero, prompt: mountains, seed: 2, size: 16x12, upscale: {factor: 2}}
  - {name: icon, prompt: rocket icon, seed: 3, size: 16x16}
YAML
}

# pins DIR: the lock's entries, one per line
pins() { grep -v "^#" "$1/assetgen.lock"; }

# age DIR: every blob of DIR's cache last used three days ago
age() { find "$1/cache/objects" -type f -exec touch -d "3 days ago" {} +; }

test_expect_success 'a lock of 200,000 lines in scrambled order loads (a hang detector, not a speed target)' '
	mk big && assetgen -C big build -q && head -3 big/assetgen.lock >hdr &&
	python3 - big/assetgen.lock <<-\PY &&
	import sys
	path = sys.argv[1]
	own = [l for l in open(path) if not l.startswith("#")]
	n = 200000
	with open(path, "a") as f:
	    for i in range(n):
	        j = (i * 7919) % n
	        f.write("gone-%d %032x %032x %s local %d\n" % (j, j, j, "ab" * 32, j))
	PY
	test "$(pins big | wc -l)" = 200003 &&
	timeout 120 assetgen -C big status >out && grep -q "up to date" out &&
	timeout 120 assetgen -C big build -q &&
	test "$(pins big | wc -l)" = 3 && pins big | cut -d" " -f1 | sort -c
'

test_expect_success 'a name pinned twice is an error naming both lines apart' '
	mk dup && assetgen -C dup build -q && pins dup | sed -n 2p >>dup/assetgen.lock &&
	must_fail 2 assetgen -C dup status 2>err &&
	grep -q "^assetgen.lock:7: .hero. is pinned twice" err
'

test_expect_success 'a lock over the size cap is refused, naming the cap' '
	mk huge && truncate -s 65M huge/assetgen.lock &&
	must_fail 2 assetgen -C huge build 2>err &&
	grep -q "assetgen.lock. is larger than 64 MiB, the most a lock may hold" err &&
	test "$(stat -c %s huge/assetgen.lock)" = 68157440 && ! test -e huge/dist
'

test_expect_success 'a deleted lock, then a gc of the unpinned blobs: the next build pins them all again' '
	mk g && assetgen -C g build -q && cp g/assetgen.lock lock.before &&
	rm g/assetgen.lock && age g && assetgen -C g cache gc --older-than 1 >out &&
	grep -q "^removed [1-9][0-9]* blobs" out &&
	test -z "$(find g/cache/objects -type f)" &&
	assetgen -C g build >out && grep -q "no work to do" out &&
	cmp lock.before g/assetgen.lock &&
	assetgen -C g status >out && grep -q "up to date" out &&
	rm -rf g/dist && assetgen -C g build --locked >out &&
	grep -q "3 restored from cache" out && assetgen -C g cache verify >v && grep -q " 0 corrupt" v
'

# hold_server DIR: an HTTP remote cache on loopback that answers GET and
# HEAD with 404, and holds each PUT (after writing DIR/arrived) until
# DIR/go exists; sets HOLD_URL
hold_server() {
	mkdir -p "$1" && cat >"$1/server.py" <<-\PY
	import http.server, os, sys, time
	d = sys.argv[1]
	class H(http.server.BaseHTTPRequestHandler):
	    def log_message(self, *a): pass
	    def do_GET(self):
	        self.send_response(404); self.send_header("content-length", "0"); self.end_headers()
	    do_HEAD = do_GET
	    def do_PUT(self):
	        self.rfile.read(int(self.headers.get("content-length", 0)))
	        open(os.path.join(d, "arrived"), "w").close()
	        t = time.time()
	        while not os.path.exists(os.path.join(d, "go")) and time.time() - t < 30:
	            time.sleep(0.02)
	        self.send_response(201); self.send_header("content-length", "0"); self.end_headers()
	s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
	open(os.path.join(d, "port.tmp"), "w").write(str(s.server_address[1]))
	os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
	s.serve_forever()
	PY
	python3 "$1/server.py" "$1" 2>"$1/log" &
	HOLD_PID=$!
	EXIT_HOOKS="${EXIT_HOOKS:-}kill $HOLD_PID 2>/dev/null; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
	for _ in $(seq 100); do test -s "$1/port" && break; sleep 0.05; done
	HOLD_URL=http://127.0.0.1:$(cat "$1/port")
}
hold_server "$TRASH/hold"

test_expect_success 'a gc while a build restores old blobs: no pin is lost, each blob is back' '
	mk r && assetgen -C r build -q && cp r/recipes/a.yaml v1 &&
	sed -i "s/seed: \([0-9]\)/seed: 1\1/" r/recipes/a.yaml && assetgen -C r build -q &&
	age r && cp v1 r/recipes/a.yaml &&
	echo "  - {name: extra, prompt: new, seed: 9, size: 8x8}" >>r/recipes/a.yaml &&
	(ASSETGEN_REMOTE_CACHE=$HOLD_URL assetgen -C r build --upload >build.out 2>build.err; echo $? >build.rc) &
	for _ in $(seq 600); do test -e hold/arrived && break; sleep 0.05; done &&
	test -e hold/arrived &&
	assetgen -C r cache gc --max-size 0 --grace 0 >gc.out &&
	touch hold/go && wait &&
	test "$(cat build.rc)" = 0 && grep -q "3 restored from cache" build.out &&
	grep -q "^removed [1-9][0-9]* blobs" gc.out &&
	assetgen -C r status >out && grep -q "up to date (4 assets)" out &&
	test "$(pins r | wc -l)" = 4 &&
	pins r | while read -r name key dig rest; do
		test -f "r/cache/objects/$(echo $dig | cut -c1-2)/$(echo $dig | cut -c3-)" || return 1
	done &&
	rm -rf r/dist && assetgen -C r build --locked >out && grep -q "4 restored from cache" out
'

test_done
