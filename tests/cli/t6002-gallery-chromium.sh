#!/bin/bash
# The gallery in a real browser.  Headless Chromium loads dist/index.html
# from a loopback HTTP server (and from file://); with #selftest the page's
# own script waits for every image, then reports in <pre id=selftest> how
# many loaded, whether each matrix group's variants share one line, which
# resources were fetched and any Content-Security-Policy violation, and
# --dump-dom hands that back.  The server's log shows every request made.
. "$(dirname "$0")/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

test_expect_success 'chromium is installed (make test-deps)' 'test -x "$CHROMIUM"'
test -x "$CHROMIUM" || test_done

chrome() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --no-default-browser-check \
		--disable-extensions --disable-breakpad --user-data-dir="$TRASH/chrome" "$@" \
		2>>"$TRASH/chrome.log"
}

# selftest URL: the page's report, as JSON
selftest() {
	chrome --virtual-time-budget=5000 --dump-dom "$1" | python3 -c '
import html, re, sys
m = re.search(r"<pre id=\"selftest\">(.*?)</pre>", sys.stdin.read(), re.S)
print(html.unescape(m.group(1)) if m else "{}")'
}

# serve DIR: a static server on a free loopback port; sets SITE (base URL);
# each request is logged to $TRASH/http.log as "METHOD PATH STATUS"
serve() {
	cat >"$TRASH/serve.py" <<-\PY
	import functools, http.server, sys
	root, port_file, log = sys.argv[1:4]
	class H(http.server.SimpleHTTPRequestHandler):
	    def log_request(self, code="-", size="-"):
	        with open(log, "a") as f:
	            f.write("%s %s %s\n" % (self.command, self.path, code))
	    def log_message(self, *a):
	        pass
	s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=root))
	open(port_file + ".tmp", "w").write(str(s.server_address[1]))
	__import__("os").rename(port_file + ".tmp", port_file)
	s.serve_forever()
	PY
	python3 "$TRASH/serve.py" "$1" "$TRASH/http.port" "$TRASH/http.log" 2>"$TRASH/serve.err" &
	SERVE_PID=$!
	EXIT_HOOKS="${EXIT_HOOKS:-}kill \$SERVE_PID 2>/dev/null; wait \$SERVE_PID 2>/dev/null; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
	i=0
	while [ ! -s "$TRASH/http.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "server did not start" >&2; cat "$TRASH/serve.err" >&2; return 1; }
		sleep 0.05
	done
	SITE="http://127.0.0.1:$(cat "$TRASH/http.port")"
}

# check REPORT PYTHON-EXPR: the expression (over the report r) holds
check() {
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
if not eval(sys.argv[2]):
    sys.exit("check failed: %s\nreport: %s" % (sys.argv[2], json.dumps(r)))' "$1" "$2"
}

test_expect_success 'setup: finals, two matrix groups and a preview' '
	new_project p &&
	cat >p/recipes/a.yaml <<-\YAML &&
	assets:
	  - name: banner
	    prompt: "Banner reading '\''Launch & <Sale>'\'', clean layout"
	    seed: 42
	    size: 600x200
	    tags: [typography]
	  - name: hero
	    prompt: hero image of mountains at dawn
	    seed: 7
	    size: 320x180
	    upscale: {factor: 2, with: lanczos3}
	YAML
	cat >p/recipes/b.yaml <<-\YAML &&
	assets:
	  - name: portrait-{style}
	    matrix: {style: [photoreal, neon-punk, low-poly]}
	    prompt: "portrait of a friendly robot, style: {style}"
	    seed: 123
	    size: 200x200
	  - name: icon-{c}
	    matrix: {c: [red, blue]}
	    prompt: "app icon, {c}, flat"
	    seed: 3
	    size: 32x32
	    tags: [icon]
	YAML
	assetgen -C p build >out && assetgen -C p build --intent preview hero >out &&
	test -s p/dist/index.html && test -s p/dist/_thumbs/preview/hero.png
'

serve p/dist || exit 1

test_expect_success 'over HTTP: every image loads, variants share a row, nothing leaves the page' '
	selftest "$SITE/index.html#selftest" >r.json &&
	check r.json "r[\"ok\"] is True" &&
	check r.json "r[\"images\"] == 8 and r[\"loaded\"] == 8 and r[\"failed\"] == []" &&
	check r.json "r[\"cards\"] == 7 and r[\"shown\"] == 7" &&
	check r.json "sorted((g[\"group\"], g[\"cards\"], g[\"lines\"]) for g in r[\"rows\"]) == [(\"icon-{c}\", 2, 1), (\"portrait-{style}\", 3, 1)]" &&
	check r.json "r[\"external\"] == [] and r[\"violations\"] == [] and r[\"resources\"] == 8"
'

test_expect_success 'the server saw only the page and its thumbnails, all found' '
	python3 - "$TRASH/http.log" p/dist <<-\PY
	import os, sys
	reqs = [l.split() for l in open(sys.argv[1])]
	assert reqs, "no requests"
	paths = set()
	for method, path, code in reqs:
	    assert method == "GET" and code == "200", (method, path, code)
	    path = path.split("#")[0]
	    assert path == "/index.html" or path.startswith("/_thumbs/"), path
	    paths.add(path)
	want = {"/index.html"} | {"/_thumbs/" + os.path.relpath(os.path.join(d, f), os.path.join(sys.argv[2], "_thumbs"))
	                          for d, _, fs in os.walk(os.path.join(sys.argv[2], "_thumbs")) for f in fs}
	assert paths == want, (sorted(paths), sorted(want))
	PY
'

test_expect_success 'from file:// too' '
	selftest "file://$TRASH/p/dist/index.html#selftest" >r.json &&
	check r.json "r[\"ok\"] is True and r[\"loaded\"] == 8"
'

test_expect_success 'filters from the address: by tag, recipe and model' '
	selftest "$SITE/index.html#tag=icon&selftest" >r.json &&
	check r.json "r[\"ok\"] and r[\"shown\"] == 2 and r[\"filters\"][\"tag\"] == \"icon\"" &&
	selftest "$SITE/index.html#recipe=recipes%2Fa.yaml&selftest" >r.json &&
	check r.json "r[\"shown\"] == 2" &&
	selftest "$SITE/index.html#model=local&tag=typography&selftest" >r.json &&
	check r.json "r[\"shown\"] == 1"
'

test_expect_success 'the check bites: a missing thumbnail fails it' '
	mv p/dist/_thumbs/icon-red.png icon-red.saved &&
	selftest "$SITE/index.html#selftest" >r.json &&
	check r.json "r[\"ok\"] is False and r[\"failed\"] == [\"_thumbs/icon-red.png\"] and r[\"loaded\"] == 7" &&
	mv icon-red.saved p/dist/_thumbs/icon-red.png
'

test_expect_success 'the check bites: an outside image is blocked by the page policy and reported' '
	sed "s|<main>|<main><img src=\"http://192.0.2.1/track.png\" alt=\"\">|" p/dist/index.html >p/dist/bad.html &&
	selftest "$SITE/bad.html#selftest" >r.json && rm p/dist/bad.html &&
	check r.json "r[\"ok\"] is False and r[\"violations\"] == [\"http://192.0.2.1/track.png\"]" &&
	check r.json "r[\"external\"] == [\"http://192.0.2.1/track.png\"]"
'

test_expect_success 'a screenshot of the gallery renders' '
	chrome --hide-scrollbars --window-size=1280,1600 --screenshot="$TRASH/shot.png" \
		"file://$TRASH/p/dist/index.html" >/dev/null &&
	python3 - "$TRASH/shot.png" <<-\PY
	import struct, sys
	b = open(sys.argv[1], "rb").read()
	assert b[:8] == b"\x89PNG\r\n\x1a\n"
	assert struct.unpack(">II", b[16:24]) == (1280, 1600), struct.unpack(">II", b[16:24])
	assert len(b) > 50000, len(b)   # a blank page compresses to a few kB
	PY
'

test_done
