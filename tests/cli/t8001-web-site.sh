#!/bin/bash
# The web side of outputs: manifest.json lists every derivative as it is on
# disk (path, format, width, height, bytes, sha256) with the <picture>
# snippet, which is also DIST/NAME.picture.html; the gallery shows the
# derivatives with a button that copies the snippet, and headless Chromium
# shows a card from a derivative (its currentSrc), not the thumbnail.
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

test_expect_success 'setup: two assets with outputs, one without' '
	new_project p &&
	cat >>p/assetgen.yaml <<-\YAML &&
	outputs:
	  formats: [avif, webp, jpeg]
	  widths: [160, 320, 4000]
	  sizes: "(min-width: 60em) 50vw, 100vw"
	YAML
	cat >p/recipes/a.yaml <<-\YAML &&
	assets:
	  - {name: hero, prompt: "hero & <mountains>", seed: 7, size: 320x180}
	  - {name: icon, prompt: app icon, seed: 3, size: 200x200, outputs: {formats: [webp, png], widths: [100]}}
	  - {name: plain, prompt: plain, seed: 4, size: 64x64, outputs: {formats: []}}
	YAML
	assetgen -C p build >out && test -s p/dist/index.html
'

test_expect_success 'the manifest lists every derivative as it is on disk' '
	python3 - p <<-\PY
	import hashlib, json, os, struct, sys
	root = sys.argv[1]
	m = json.load(open(os.path.join(root, "dist/manifest.json")))["assets"]
	got = {n: [(d["format"], d["width"], d["height"], d["path"]) for d in e["derivatives"]] for n, e in m.items()}
	want = {
	    "hero": [("avif", 160, 90, "dist/hero-160.avif"), ("webp", 160, 90, "dist/hero-160.webp"),
	             ("jpeg", 160, 90, "dist/hero-160.jpg"), ("avif", 320, 180, "dist/hero-320.avif"),
	             ("webp", 320, 180, "dist/hero-320.webp"), ("jpeg", 320, 180, "dist/hero-320.jpg")],
	    "icon": [("webp", 100, 100, "dist/icon-100.webp"), ("png", 100, 100, "dist/icon-100.png")],
	    "plain": [],
	}
	assert got == want, got
	for e in m.values():
	    for d in e["derivatives"]:
	        b = open(os.path.join(root, d["path"]), "rb").read()
	        assert d["bytes"] == len(b) and d["sha256"] == hashlib.sha256(b).hexdigest(), d
	for n in ("hero", "icon"):
	    assert m[n]["picture_file"] == "dist/%s.picture.html" % n
	    assert m[n]["picture"] == open(os.path.join(root, m[n]["picture_file"])).read()
	assert m["plain"]["picture"] is None and not os.path.exists(os.path.join(root, "dist/plain.picture.html"))
	PY
'

test_expect_success 'the snippet: a source per format, the JPEG fallback with its size' '
	cat >want <<-\HTML &&
	<picture>
	  <source type="image/avif" srcset="hero-160.avif 160w, hero-320.avif 320w" sizes="(min-width: 60em) 50vw, 100vw">
	  <source type="image/webp" srcset="hero-160.webp 160w, hero-320.webp 320w" sizes="(min-width: 60em) 50vw, 100vw">
	  <img src="hero-320.jpg" srcset="hero-160.jpg 160w, hero-320.jpg 320w" sizes="(min-width: 60em) 50vw, 100vw" width="320" height="180" alt="hero &amp; &lt;mountains&gt;" loading="lazy" decoding="async">
	</picture>
	HTML
	diff want p/dist/hero.picture.html &&
	grep -q "<img src=\"icon-100.png\" srcset=\"icon-100.png 100w\"" p/dist/icon.picture.html
'

test_expect_success 'a derivative edited by hand drops out of the manifest until rebuilt' '
	cp p/dist/hero-160.webp good.webp && echo junk >>p/dist/hero-160.webp &&
	assetgen -C p build -q icon &&
	json_get p/dist/manifest.json "[d[\"path\"] for d in j[\"assets\"][\"hero\"][\"derivatives\"]]" >n &&
	! grep -q hero-160.webp n && grep -q hero-160.avif n &&
	assetgen -C p build -q && cmp good.webp p/dist/hero-160.webp &&
	json_get p/dist/manifest.json "len(j[\"assets\"][\"hero\"][\"derivatives\"])" >n &&
	echo 6 >want && diff want n
'

test_expect_success 'the gallery shows the derivatives, their sizes and a copy button' '
	grep -q "<dt>web</dt><dd class=\"wide web\"><span class=\"fmt\">avif</span> 160 " p/dist/index.html &&
	grep -q "<button class=\"snippet\" type=\"button\" data-snippet=\"&lt;picture&gt;" p/dist/index.html &&
	! grep -q "plain-" p/dist/index.html
'

serve p/dist || exit 1

test_expect_success 'chromium shows each card with outputs from a derivative' '
	selftest "$SITE/index.html#selftest" >r.json &&
	check r.json "r[\"ok\"] is True and r[\"images\"] == 3 and r[\"loaded\"] == 3" &&
	check r.json "sorted((p[\"card\"], p[\"src\"]) for p in r[\"pictures\"]) == [(\"hero\", \"hero-320.avif\"), (\"icon\", \"icon-100.webp\")]" &&
	grep -q "GET /hero-320.avif 200" "$TRASH/http.log" &&
	! grep -q "GET /_thumbs/hero.png" "$TRASH/http.log"
'

test_expect_success 'the check bites: a missing derivative fails the page selftest' '
	mkdir gone && mv p/dist/hero-*.avif gone/ &&
	selftest "$SITE/index.html#selftest" >r.json && mv gone/* p/dist/ &&
	check r.json "r[\"ok\"] is False and r[\"loaded\"] == 2" &&
	grep -q "GET /hero-320.avif 404" "$TRASH/http.log"
'

test_done
