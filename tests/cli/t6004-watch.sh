#!/bin/bash
# assetgen watch: rebuild the previews when a recipe is saved (inotify,
# debounced), keep watching through bad input, one build at a time, exit
# 130 on Ctrl-C; --serve: dist/ on loopback with a live-reload counter.
. "$(dirname "$0")/lib.sh"

new_project proj
cat >proj/recipes/a.yaml <<'YAML'
assets:
  - {name: hero, prompt: "mountain landscape at dusk", seed: 1, size: 64x64}
  - {name: small, prompt: "flat icon of a cart", seed: 2, size: 32x32}
YAML

# wait_for CMD...: poll CMD for up to 10 s
wait_for() {
	local i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}
# builds: how many builds the watch has reported so far
builds() { grep -c '^watch: build ' "$TRASH/watch.out"; }
more_builds_than() { [ "$(builds)" -gt "$1" ]; }
# save FILE: stdin into FILE as editors save: a temp file, then a rename
save() { cat >"$1.tmp~" && mv "$1.tmp~" "$1"; }
# previews_current: every preview matches the recipes as they are now
previews_current() { assetgen -C "$TRASH/proj" status -q --intent preview >/dev/null 2>&1; }
sum_of() { cksum <"$1" 2>/dev/null; }
changed() { [ "$(sum_of "$1")" != "$2" ]; }
alive() { kill -0 "$WATCH_PID" 2>/dev/null; }

# get PATH [OUT [METHOD]]: one raw HTTP/1.0 request to the watch server, the
# path sent exactly as given; prints "STATUS TYPE"; the body to OUT
get() {
	python3 - "$PORT" "$@" <<'PY'
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
out = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
method = sys.argv[4] if len(sys.argv) > 4 else "GET"
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(("%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" % (method, path)).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
hdr = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
if method != "HEAD" and int(hdr["content-length"]) != len(body):
    sys.exit("content-length %s, body %d" % (hdr["content-length"], len(body)))
if out:
    open(out, "wb").write(body)
print(lines[0].split()[1], hdr.get("content-type", "-").split(";")[0])
PY
}

(cd proj && exec assetgen watch --serve 0 >"$TRASH/watch.out" 2>"$TRASH/watch.err") &
WATCH_PID=$!
EXIT_HOOKS="${EXIT_HOOKS:-}kill \$WATCH_PID 2>/dev/null; wait \$WATCH_PID 2>/dev/null; "
trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT

test_expect_success 'watch serves, watches, and builds the previews at once' '
	wait_for more_builds_than 0 &&
	grep -q "^watch: serving dist/ at http://127.0.0.1:[0-9]*/\$" watch.out &&
	grep -q "^watch: watching assetgen.yaml and recipes/ " watch.out &&
	grep -q "^watch: build 1: 2 generated" watch.out &&
	test -f proj/dist/preview/hero.png && test -f proj/dist/preview/small.png &&
	previews_current
'
PORT=$(sed -n 's|^watch: serving dist/ at http://127.0.0.1:\([0-9]*\)/$|\1|p' watch.out)

test_expect_success 'a recipe saved by a rename (temp file, then mv) is rebuilt' '
	n=$(builds) && old=$(sum_of proj/dist/preview/hero.png) &&
	sed "s/seed: 1,/seed: 11,/" proj/recipes/a.yaml | save proj/recipes/a.yaml &&
	wait_for changed proj/dist/preview/hero.png "$old" &&
	wait_for more_builds_than $n &&
	previews_current &&
	grep -q "^watch: build $((n + 1)): 1 generated, 0 upscaled, 0 restored, 1 fresh" watch.out
'

test_expect_success 'one line per build, and no step lines' '
	test "$(grep -c . watch.out)" = $(( $(builds) + 2 )) &&
	! grep -q "^\[" watch.out
'

test_expect_success 'a recipe written in place is rebuilt' '
	n=$(builds) && old=$(sum_of proj/dist/preview/small.png) &&
	sed -i "s/seed: 2,/seed: 12,/" proj/recipes/a.yaml &&
	wait_for changed proj/dist/preview/small.png "$old" &&
	wait_for more_builds_than $n && previews_current
'

test_expect_success 'a broken recipe prints its errors and watching goes on; the fix rebuilds' '
	n=$(builds) && cp proj/recipes/a.yaml good.yaml &&
	sed "s/seed: 11,/sed: 11,/" good.yaml | save proj/recipes/a.yaml &&
	wait_for more_builds_than $n &&
	grep -q "^watch: build $((n + 1)): invalid input, nothing built" watch.out &&
	grep -q "recipes/a.yaml:[0-9]*:[0-9]*: unknown key .sed. (did you mean .seed.?)" watch.err &&
	sleep 0.3 && alive &&
	old=$(sum_of proj/dist/preview/hero.png) &&
	sed "s/seed: 11,/seed: 21,/" good.yaml | save proj/recipes/a.yaml &&
	wait_for changed proj/dist/preview/hero.png "$old" &&
	wait_for more_builds_than $((n + 1)) && previews_current && alive
'

test_expect_success 'a new recipe file, a removed one, and assetgen.yaml are watched' '
	n=$(builds) &&
	printf "assets:\n  - {name: extra, prompt: \"a lighthouse\", seed: 5, size: 24x24}\n" | save proj/recipes/b.yml &&
	wait_for test -f proj/dist/preview/extra.png && wait_for more_builds_than $n &&
	n=$(builds) && rm proj/recipes/b.yml && wait_for more_builds_than $n &&
	n=$(builds) && { cat proj/assetgen.yaml; echo "# a comment"; } | save proj/assetgen.yaml &&
	wait_for more_builds_than $n &&
	grep -q "^watch: build $((n + 1)): up to date" watch.out
'

test_expect_success 'editor droppings (dotfiles, backups) do not start a build' '
	n=$(builds) &&
	echo x >proj/recipes/.a.yaml.swp && echo x >proj/recipes/a.yaml~ && echo x >proj/notes.txt &&
	sleep 0.5 && test "$(builds)" = $n &&
	rm -f proj/recipes/.a.yaml.swp proj/recipes/a.yaml~ proj/notes.txt
'

test_expect_success 'a replaced recipes directory is watched again' '
	n=$(builds) &&
	cp -r proj/recipes new-recipes && sed -i "s/seed: 21,/seed: 31,/" new-recipes/a.yaml &&
	mv proj/recipes old-recipes && mv new-recipes proj/recipes &&
	wait_for more_builds_than $n && wait_for previews_current &&
	n=$(builds) && old=$(sum_of proj/dist/preview/small.png) &&
	sed -i "s/seed: 12,/seed: 22,/" proj/recipes/a.yaml &&
	wait_for changed proj/dist/preview/small.png "$old" &&
	wait_for more_builds_than $n && previews_current &&
	n=$(builds) && echo "# old" >>old-recipes/a.yaml && sleep 0.5 && test "$(builds)" = $n
'

test_expect_success 'a save that lands during a build is built after it' '
	n=$(builds) &&
	printf "assets:\n  - {name: big, prompt: \"mountain landscape\", seed: 1, size: 3072x3072}\n" |
		save proj/recipes/c.yaml &&
	sleep 0.4 &&
	sed -i "s/seed: 22,/seed: 32,/" proj/recipes/a.yaml &&
	wait_for test -f proj/dist/preview/big.png &&
	wait_for more_builds_than $((n + 1)) &&
	wait_for previews_current &&
	rm proj/recipes/c.yaml && wait_for more_builds_than $((n + 2))
'

test_expect_success 'serve: the gallery, a preview and the manifest, with their types' '
	test "$(get / idx)" = "200 text/html" &&
	grep -q "/_changed?v=" idx && tr -d "\n" <idx | grep -qi "</script></body>" &&
	test "$(get /index.html idx2)" = "200 text/html" &&
	test "$(get /preview/hero.png got)" = "200 image/png" && cmp got proj/dist/preview/hero.png &&
	test "$(get /manifest.json m)" = "200 application/json" && cmp m proj/dist/manifest.json &&
	test "$(get /preview/hero.png "" HEAD)" = "200 image/png" &&
	test "$(get /preview)" = "301 text/plain" &&
	python3 -c "import sys, urllib.request as u
r = u.urlopen(\"http://127.0.0.1:%s/preview/small.png\" % sys.argv[1], timeout=10)
assert r.status == 200 and r.read() == open(sys.argv[2], \"rb\").read()" "$PORT" proj/dist/preview/small.png
'

test_expect_success 'serve: /_version counts builds; /_changed tells the page to reload' '
	v=$(get /_version body >/dev/null && cat body) && test "$v" -ge 1 &&
	test "$(get "/_changed?v=$v&t=1")" = "204 text/plain" &&
	n=$(builds) &&
	sed "s/seed: 31,/seed: 41,/" proj/recipes/a.yaml | save proj/recipes/a.yaml &&
	wait_for more_builds_than $n &&
	get /_version body >/dev/null && test "$(cat body)" = $((v + 1)) &&
	test "$(get "/_changed?v=$v&t=2")" = "200 image/png" &&
	get / idx >/dev/null && grep -q "var v = \"$((v + 1))\"" idx
'

test_expect_success 'serve: nothing outside dist/, no dotfiles, no symlinks; GET and HEAD only' '
	ln -s "$TRASH/proj/assetgen.yaml" proj/dist/link.yaml &&
	echo secret >proj/dist/.hidden &&
	test "$(get /../assetgen.yaml)" = "403 text/plain" &&
	test "$(get /%2e%2e/assetgen.yaml)" = "403 text/plain" &&
	test "$(get /preview/../../assetgen.yaml)" = "403 text/plain" &&
	test "$(get /./index.html)" = "403 text/plain" &&
	test "$(get /assetgen.yaml)" = "404 text/plain" &&
	test "$(get /link.yaml)" = "404 text/plain" &&
	test "$(get /.hidden)" = "404 text/plain" &&
	test "$(get /a%00b)" = "400 text/plain" &&
	test "$(get http://127.0.0.1/index.html)" = "400 text/plain" &&
	test "$(get / "" POST)" = "405 text/plain" &&
	test "$(get /nope.png)" = "404 text/plain" &&
	rm proj/dist/link.yaml proj/dist/.hidden
'

test_expect_success 'serve: a slow or silent client does not stall the builds' '
	exec 4<>"/dev/tcp/127.0.0.1/$PORT" && printf "GET /index.html HT" >&4 &&
	n=$(builds) &&
	sed "s/seed: 41,/seed: 51,/" proj/recipes/a.yaml | save proj/recipes/a.yaml &&
	wait_for more_builds_than $n &&
	test "$(get /preview/hero.png got)" = "200 image/png" && cmp got proj/dist/preview/hero.png &&
	exec 4>&-
'

# slowloris ADDR N: hold N connections from ADDR that send a request line
# and then one header byte at a time, never ending the head; meanwhile
# request from 127.0.0.1.  A slow connection the server gives up is told
# why: 503 when given up for a newcomer, 408 when its head timed out.
slowloris() {
	python3 - "$PORT" "$@" <<'PY'
import socket, sys, time
port, addr, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
PER_CLIENT = 8                       # SERVE_MAX_PER_CLIENT

def connect(src):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s

def state(s):
    # "open", the status code the server answered before closing,
    # "silent" (closed with no answer) or "reset"
    s.setblocking(False)
    try:
        data = s.recv(64, socket.MSG_PEEK)
    except BlockingIOError:
        return "open"
    except ConnectionResetError:
        return "reset"
    return data.split(b" ")[1].decode() if data.startswith(b"HTTP/1.0 ") else "silent"

def get(path):
    s = connect("127.0.0.1")
    s.settimeout(60)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data.split(b"\r\n", 1)[0]

def trickle(socks):
    for s in socks:
        if state(s) == "open":
            try:
                s.send(b"a")
            except OSError:
                pass

def states(socks):
    out = {}
    for s in socks:
        k = state(s)
        out[k] = out.get(k, 0) + 1
    return out

# another client (a browser) has four requests under way, heads not whole
mine = []
if addr != "127.0.0.1":
    for i in range(4):
        mine.append(connect("127.0.0.1"))
        mine[-1].sendall(b"GET /_version HTTP/1.0\r\n")
slow = []
for i in range(n):
    slow.append(connect(addr))
    slow[-1].sendall(b"GET /index.html HTTP/1.0\r\nX-Slow: ")
trickle(slow)
status = get("/_version")
assert status == b"HTTP/1.0 200 OK", status
# it was answered without waiting for any slow head to time out: those
# the server let go were given up for newcomers, and it holds no more of
# them than one client may have
trickle(slow)
for i in range(20):
    st = states(slow)
    if st.get("open", 0) <= PER_CLIENT:
        break
    time.sleep(0.05)
assert set(st) <= {"open", "503"} and st["open"] <= PER_CLIENT, st
# the other client's connections were not given up for them
for s in mine:
    s.setblocking(True)
    s.settimeout(60)
    s.sendall(b"\r\n")
    head = s.recv(65536).split(b"\r\n", 1)[0]
    assert head == b"HTTP/1.0 200 OK", head
# a head that never ends times out, however steadily it trickles
held = [s for s in slow if state(s) == "open"]
t0 = time.time()
while time.time() - t0 < 60 and "open" in states(held):
    trickle(held)
    time.sleep(0.2)
assert states(held) == {"408": len(held)}, states(held)
print("ok")
PY
}

test_expect_success 'serve: slow connections from one client do not starve a request' '
	test "$(slowloris 127.0.0.1 100)" = ok
'

test_expect_success 'serve: nor do they take the connections of another client' '
	test "$(slowloris 127.0.0.2 100)" = ok &&
	test "$(get /preview/hero.png got)" = "200 image/png" && alive
'

alive && kill -INT "$WATCH_PID"
wait "$WATCH_PID"
echo $? >watch.rc

test_expect_success 'Ctrl-C stops the watch with exit 130' '
	test "$(cat watch.rc)" = 130 &&
	test -z "$(ls -A proj/dist/preview | grep -v "\.png\$")"
'

test_expect_success 'Ctrl-C during a build: exit 130, no partial file' '
	new_project p2 &&
	printf "assets:\n  - {name: big, prompt: \"mountain landscape\", seed: 3, size: 3072x3072}\n" >p2/recipes/a.yaml
	(cd p2 && exec assetgen watch >w2.out 2>w2.err 3>&-) &
	pid=$!
	wait_for grep -q "^watch: watching" p2/w2.out && kill -INT $pid
	rc=0
	wait $pid || rc=$?
	test $rc = 130 &&
	grep -q "interrupted by signal 2" p2/w2.err &&
	! ls -A p2/dist/preview p2/dist 2>/dev/null | grep -q tmp
'

test_expect_success 'an overlay font replaced, written in place or arriving is rebuilt; its neighbours are not' '
	new_project p3 && mkdir p3/fonts && cp "$TEST_TOP/fonts/DejaVuSans.ttf" p3/fonts/ &&
	printf "assets:\n  - {name: sign, prompt: \"a wall\", seed: 4, size: 96x48, overlay: {text: Open, font: fonts/DejaVuSans.ttf, size: 20}}\n" >p3/recipes/a.yaml
	(cd p3 && exec assetgen watch >w3.out 2>w3.err 3>&-) &
	pid=$!
	n3() { grep -c "^watch: build " p3/w3.out; }
	more3() { [ "$(n3)" -gt "$1" ]; }
	ok=0
	{ wait_for more3 0 && grep -q "^watch: build 1: 1 generated" p3/w3.out &&
	  { cat p3/fonts/DejaVuSans.ttf; printf "\0\0\0\0"; } | save p3/fonts/DejaVuSans.ttf &&
	  wait_for more3 1 &&
	  grep -q "^watch: build 2: 0 generated, 1 overlaid, 0 upscaled, 0 restored, 0 fresh" p3/w3.out &&
	  printf "\0\0\0\0" >>p3/fonts/DejaVuSans.ttf &&
	  wait_for more3 2 && grep -q "^watch: build 3: 0 generated, 1 overlaid" p3/w3.out &&
	  echo x >p3/fonts/README && sleep 0.5 && test "$(n3)" = 3 &&
	  sed "s|fonts/DejaVuSans.ttf|fonts/Brand.ttf|" p3/recipes/a.yaml | save p3/recipes/a.yaml &&
	  wait_for more3 3 && grep -q "^watch: build 4: invalid input" p3/w3.out &&
	  grep -q "font .fonts/Brand.ttf.: no such file" p3/w3.err &&
	  cp "$TEST_TOP/fonts/DejaVuSans.ttf" p3/fonts/Brand.ttf &&
	  wait_for more3 4 && grep -q "^watch: build 5: 0 generated, 0 upscaled, 1 restored" p3/w3.out; } || ok=$?
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	cat p3/w3.out && test $ok = 0 && test $rc = 130
'

test_expect_success 'usage errors: exit 2' '
	must_fail 2 assetgen -C proj watch --serve 70000 2>err && grep -q "port from 0 to 65535" err &&
	must_fail 2 assetgen -C proj watch hero 2>err && grep -q "no asset names" err &&
	mkdir empty && must_fail 2 assetgen -C empty watch 2>err && grep -q "no assetgen.yaml" err &&
	assetgen watch --help | grep -q "usage: assetgen watch" &&
	assetgen --help | grep -q "^  watch "
'

test_expect_success 'a port in use is exit 1, before any build' '
	python3 -c "import socket, time
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(5)" >busy.port 2>/dev/null 3>&- & bpid=$! &&
	wait_for test -s busy.port &&
	must_fail 1 assetgen -C proj watch --serve "$(cat busy.port)" >out 2>err &&
	grep -q "cannot listen on 127.0.0.1:$(cat busy.port)" err && ! grep -q "build" out &&
	kill $bpid
'

test_expect_success 'serve -v: a request line cannot drive the terminal' '
	(cd proj && exec assetgen watch -v --serve 0 >"$TRASH/wv.out" 2>"$TRASH/wv.err" 3>&-) &
	pid=$! &&
	wait_for grep -q "^watch: serving" wv.out &&
	vport=$(sed -n "s|^watch: serving dist/ at http://127.0.0.1:\([0-9]*\)/\$|\1|p" wv.out) &&
	python3 -c "import socket, sys
s = socket.create_connection((\"127.0.0.1\", int(sys.argv[1])), timeout=10)
s.sendall(b\"\x1b]0;pwned\x07\x1b[2J / HTTP/1.0\r\n\r\n\")
while s.recv(65536): pass" "$vport" &&
	wait_for grep -q "^serve: .* 405\$" wv.err &&
	kill -INT $pid && { wait $pid || true; } &&
	! grep -q "$(printf "[\033\007]")" wv.err &&
	grep -q "^serve: \\\\x1b\]0;pwned\\\\x07\\\\x1b\[2J - 405\$" wv.err
'

test_done
