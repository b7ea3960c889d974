#!/bin/bash
# A remote cache that stalls never holds a build up: one that accepts and
# never answers, one that trickles a byte a second, one that announces a
# 2 GB body.  After one whole batch of lookups times out the remote is
# taken as down, said once, and sent nothing more.  (The timeouts are hang
# detectors, not speed targets.)
. "$(dirname "$0")/lib.sh"

# stall_server MODE NAME: a loopback HTTP server that logs each request
# line to NAME.log, then: silent - says nothing; trickle - sends its status
# line a byte a second; huge - announces a 2 GB body and sends none of it,
# and logs "hung up" when the client closes the connection within 20 s.
# Sets STALL_URL.
stall_server() {
	cat >"$TRASH/stall.py" <<-\PY
	import os, socket, socketserver, sys, threading, time
	mode, log = sys.argv[1], sys.argv[2]
	lock = threading.Lock()
	def note(line):
	    with lock, open(log, "a") as f:
	        f.write(line + "\n")
	class H(socketserver.BaseRequestHandler):
	    def handle(self):
	        s = self.request
	        data = b""
	        while b"\r\n\r\n" not in data:
	            chunk = s.recv(4096)
	            if not chunk:
	                return
	            data += chunk
	        note(data.split(b"\r\n")[0].decode())
	        s.settimeout(1)
	        t = time.time()
	        if mode == "huge":
	            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2000000000\r\n\r\n")
	        line = b"HTTP/1.1 200 OK\r\n"
	        i = 0
	        while time.time() - t < (20 if mode == "huge" else 60):
	            if mode == "trickle" and i < len(line):
	                try:
	                    s.sendall(line[i:i + 1])
	                except OSError:
	                    return
	                i += 1
	            try:
	                if s.recv(4096) == b"":
	                    if mode == "huge":
	                        note("hung up")
	                    return
	            except socket.timeout:
	                pass
	            except OSError:
	                return
	class S(socketserver.ThreadingTCPServer):
	    daemon_threads = True
	    allow_reuse_address = True
	    request_queue_size = 128
	srv = S(("127.0.0.1", 0), H)
	open(log + ".port.tmp", "w").write(str(srv.server_address[1]))
	os.rename(log + ".port.tmp", log + ".port")
	srv.serve_forever()
	PY
	rm -f "$TRASH/$2.log" "$TRASH/$2.log.port"
	python3 "$TRASH/stall.py" "$1" "$TRASH/$2.log" >"$TRASH/$2.err" 2>&1 &
	STALL_PID=$!
	EXIT_HOOKS="${EXIT_HOOKS:-}kill $STALL_PID 2>/dev/null; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
	for _ in $(seq 400); do test -s "$TRASH/$2.log.port" && break; sleep 0.05; done
	test -s "$TRASH/$2.log.port" || { echo "stall server did not start" >&2; return 1; }
	STALL_URL=http://127.0.0.1:$(cat "$TRASH/$2.log.port")/cache
}

stop_stall() { kill "$STALL_PID" 2>/dev/null; wait "$STALL_PID" 2>/dev/null; }

# mk DIR N: N small assets with the built-in model (one lookup each)
mk() {
	new_project "$1"
	{ echo "assets:"; for i in $(seq 1 "$2"); do
		echo "  - {name: a$i, prompt: \"asset $i\", seed: $i, size: 8x8}"
	done; } >"$1/recipes/a.yaml"
}

requests() { grep -c "^GET \|^HEAD \|^PUT " "$TRASH/$1.log"; }

# one_batch NAME: the server NAME saw at most one batch of requests (a
# connection the loaded machine did not get to accept in time is not seen)
one_batch() {
	n=$(requests "$1") && test "$n" -ge 1 && test "$n" -le 32 ||
		{ echo "$1 saw $n requests" >&2; return 1; }
}

stall_server silent s1 || exit 1
test_expect_success 'a remote that accepts and never answers: one batch of lookups, then down' '
	mk s 70 &&
	ASSETGEN_REMOTE_CACHE=$STALL_URL timeout 100 assetgen -C s build --upload --report r.json >out 2>err &&
	test "$(ls s/dist/*.png | wc -l)" = 70 &&
	test "$(grep -c "remote cache: no answer to 32 requests in a row" err)" = 1 &&
	one_batch s1 &&
	grep -q "remote cache .*: 0 hits, 0 misses, 32 errors.*not answering: 178 requests not sent" out &&
	test "$(json_get r.json "j[\"cache\"][\"remote\"][\"errors\"]")" = 32 &&
	test "$(json_get r.json "j[\"cache\"][\"remote\"][\"skipped\"]")" = 178 &&
	test -s s/assetgen.lock
'
stop_stall
stall_server silent s2 || exit 1

test_expect_success '... and --locked against it: one batch, then the pinned built-in assets are made again, byte for byte' '
	mkdir l && cp -r s/assetgen.yaml s/recipes s/assetgen.lock l/ &&
	ASSETGEN_REMOTE_CACHE=$STALL_URL timeout 100 assetgen -C l build --locked >out 2>err &&
	test "$(grep -c "no answer to 32 requests in a row" err)" = 1 &&
	one_batch s2 &&
	for i in $(seq 1 70); do cmp s/dist/a$i.png l/dist/a$i.png || return 1; done
'
stop_stall
stall_server silent s3 || exit 1

test_expect_success '... and cache push to it fails after one batch' '
	must_fail 1 env ASSETGEN_REMOTE_CACHE=$STALL_URL timeout 100 assetgen -C s cache push >out 2>err &&
	test "$(grep -c "no answer to 32 requests in a row" err)" = 1 &&
	one_batch s3 && grep -q "0 uploaded, 0 upload errors; not answering: 70 requests not sent" out
'

stop_stall
stall_server silent s4 || exit 1
test_expect_success 'the lookups of one asset (its output and its pixels) time out: the remote is down for the uploads too' '
	mk one 1 &&
	ASSETGEN_REMOTE_CACHE=$STALL_URL timeout 100 assetgen -C one build --upload >out 2>err &&
	test -s one/dist/a1.png && test "$(requests s4)" = 2 &&
	test "$(grep -c "no answer to 2 requests in a row" err)" = 1
'
stop_stall

stall_server trickle t1 || exit 1
test_expect_success 'a remote that trickles a byte a second: one batch, then down' '
	mk t 40 &&
	ASSETGEN_REMOTE_CACHE=$STALL_URL timeout 100 assetgen -C t build >out 2>err &&
	test "$(ls t/dist/*.png | wc -l)" = 40 &&
	test "$(grep -c "remote cache: no answer to 32 requests in a row" err)" = 1 &&
	one_batch t1
'
stop_stall

stall_server huge h1 || exit 1
test_expect_success 'a 2 GB Content-Length is refused at once: every lookup (two an asset) an error, none waited on' '
	mk h 40 &&
	ASSETGEN_REMOTE_CACHE=$STALL_URL timeout 100 assetgen -C h build --report r.json >out 2>err &&
	test "$(ls h/dist/*.png | wc -l)" = 40 &&
	! grep -q "no answer" err && test "$(requests h1)" = 80 &&
	test "$(json_get r.json "j[\"cache\"][\"remote\"][\"errors\"]")" = 80 &&
	for _ in $(seq 100); do test "$(grep -c "^hung up" h1.log)" = 80 && break; sleep 0.1; done &&
	test "$(grep -c "^hung up" h1.log)" = 80
'
stop_stall

test_done
