#!/bin/bash
# The static site: dist/manifest.json, dist/_thumbs/, dist/index.html;
# `assetgen why` and `assetgen init`.
. "$(dirname "$0")/lib.sh"

# png.py: a few checks on PNG files and the manifest, with the stdlib only
cat >"$TRASH/png.py" <<'PY'
import hashlib, html.parser, json, os, struct, sys, zlib

def chunks(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, out = 8, []
    while pos < len(data):
        n, = struct.unpack(">I", data[pos:pos + 4])
        out.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out

def size(path):
    t, d = chunks(path)[0]
    assert t == b"IHDR"
    return struct.unpack(">II", d[:8])

def text(path):
    out = {}
    for t, d in chunks(path):
        if t == b"tEXt":
            k, v = d.split(b"\0", 1)
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif t == b"iTXt":
            k, rest = d.split(b"\0", 1)
            flag, rest = rest[0], rest[2:]
            lang, rest = rest.split(b"\0", 1)
            tk, v = rest.split(b"\0", 1)
            out[k.decode("latin-1")] = (zlib.decompress(v) if flag else v).decode("utf-8")
    return out

class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.imgs, self.tags = [], [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        for k in ("src", "href", "action", "srcset", "poster", "data", "formaction"):
            if k in a:
                self.urls.append((tag, k, a[k]))
        if tag == "img":
            self.imgs.append(a)

def cmd_check_manifest(root, expect):
    """every output in the manifest is right: file, sha256, size, key, thumbnail"""
    m = json.load(open(os.path.join(root, "dist/manifest.json")))
    assert m["version"] == 1, m["version"]
    names = expect.split(",")
    assert sorted(m["assets"]) == sorted(names), (sorted(m["assets"]), names)
    lock = {}
    for line in open(os.path.join(root, "assetgen.lock")):
        if not line.startswith("#"):
            f = line.split()
            lock[f[0]] = f
    for name, e in m["assets"].items():
        path = os.path.join(root, e["file"])
        assert e["file"] == "dist/%s.png" % name, e["file"]
        data = open(path, "rb").read()
        assert e["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert e["bytes"] == len(data), name
        assert (e["width"], e["height"]) == size(path), name
        meta = text(path)
        assert e["key"] == lock[name][1], name          # the key of these bytes, as pinned
        assert len(meta["assetgen:key"]) == 32, name   # the pixels' key
        assert e["prompt"] == meta["prompt"], name
        assert str(e["seed"]) == meta["seed"], name
        assert e["upscale"] == meta["upscale"], name
        # the digest (XXH3-128) is the one the lock pins
        assert lock[name][1] == e["key"] and lock[name][2] == e["digest"], (name, lock[name])
        assert lock[name][3] == e["sha256"] and lock[name][4] == e["model"], name
        thumb = os.path.join(root, e["thumbnail"])
        assert e["thumbnail"] == "dist/_thumbs/%s.png" % name
        tw, th = size(thumb)
        w, h = e["width"], e["height"]
        if max(w, h) <= 256:
            assert (tw, th) == (w, h), (name, tw, th)       # never enlarged
        else:
            assert max(tw, th) == 256, (name, tw, th)
            assert abs(tw / th - w / h) < 0.05, (name, tw, th, w, h)
        assert text(thumb)["assetgen:thumb-of"] == e["digest"], name
    # stable: sorted keys, two-space indent, one trailing newline
    raw = open(os.path.join(root, "dist/manifest.json"), encoding="utf-8").read()
    assert raw == json.dumps(m, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

def cmd_entry(root, name, field):
    print(json.load(open(os.path.join(root, "dist/manifest.json")))["assets"][name][field])

def cmd_same_except(a, b, changed):
    """two manifests differ in exactly the entries named"""
    x, y = json.load(open(a)), json.load(open(b))
    changed = set(changed.split(",")) if changed else set()
    assert sorted(x["assets"]) == sorted(y["assets"]), (sorted(x["assets"]), sorted(y["assets"]))
    diff = {n for n in x["assets"] if x["assets"][n] != y["assets"][n]}
    assert diff == changed, (diff, changed)

def cmd_check_html(root):
    """self-contained: nothing external, escaped, alt texts, thumbnails that exist"""
    dist = os.path.join(root, "dist")
    src = open(os.path.join(dist, "index.html"), encoding="utf-8").read()
    p = Links()
    p.feed(src)
    for tag, k, url in p.urls:
        low = url.strip().lower()
        if tag == "link" and low.startswith("data:image/svg+xml,"):
            continue                            # the inline favicon
        assert not low.startswith(("http:", "https:", "//", "javascript:", "data:")), (tag, k, url)
        target = url.split("#")[0]
        if target:
            assert os.path.isfile(os.path.join(dist, target)), (tag, k, url)
    for tag, a in p.tags:
        assert not (tag == "script" and "src" in a), a
        assert tag != "link" or (a.get("rel") == "icon" and a["href"].startswith("data:")), a
        assert tag not in ("iframe", "object", "embed", "base"), a
    m = json.load(open(os.path.join(dist, "manifest.json")))
    n = len(m["assets"]) + len(m["previews"])
    assert len(p.imgs) == n, (len(p.imgs), n)
    for img in p.imgs:
        assert img.get("alt"), img
        assert img.get("loading") == "lazy", img
        path = os.path.join(dist, img["src"])
        assert img["src"].startswith("_thumbs/"), img
        assert (int(img["width"]), int(img["height"])) == size(path), img
    for name, e in m["assets"].items():
        assert 'href="%s.png"' % name in src, name
        assert 'src="_thumbs/%s.png"' % name in src, name
    print(len(p.imgs))

def cmd_thumb(path):
    w, h = size(path)
    print("%dx%d %s" % (w, h, text(path).get("assetgen:thumb-of", "-")))

globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
PY
png() { python3 "$TRASH/png.py" "$@"; }

setup() {
	new_project p
	cat >p/recipes/a.yaml <<'YAML'
assets:
  - name: banner
    prompt: "Banner reading 'A & B', <b>bold</b> \"quoted\" see https://example.com/x"
    negative_prompt: blurry
    seed: 42
    size: 300x100
    tags: [typography, web]
    params: {steps: 30, guidance: 7.5}
  - name: hero
    prompt: hero image of mountains at dawn, photoreal
    seed: 7
    size: 320x180
    upscale: {factor: 2, with: lanczos3}
YAML
	cat >p/recipes/b.yaml <<'YAML'
assets:
  - name: icon-{c}
    matrix: {c: [red, blue, green]}
    prompt: "app icon, {c}, flat"
    seed: 3
    size: 16x16
    upscale: {factor: 4, with: nearest}
    tags: [icon]
YAML
}

ALL=banner,hero,icon-red,icon-blue,icon-green

test_expect_success 'a build writes the manifest, thumbnails and gallery' '
	setup && assetgen -C p build >out &&
	test -s p/dist/manifest.json && test -s p/dist/index.html &&
	for n in banner hero icon-red icon-blue icon-green; do test -s p/dist/_thumbs/$n.png || exit 1; done &&
	png check-manifest p $ALL
'

test_expect_success 'manifest entries carry the recipe: model, seed, prompt, tags, matrix' '
	json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"prompt\"]" >got &&
	echo "Banner reading '\''A & B'\'', <b>bold</b> \"quoted\" see https://example.com/x" >want &&
	diff want got &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"model\"]")" = local &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"seed\"]")" = 42 &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"negative_prompt\"]")" = blurry &&
	test "$(json_get p/dist/manifest.json "json.dumps(j[\"assets\"][\"banner\"][\"tags\"])")" = "[\"typography\", \"web\"]" &&
	test "$(json_get p/dist/manifest.json "json.dumps(j[\"assets\"][\"banner\"][\"params\"])")" = "{\"guidance\": \"7.5\", \"steps\": \"30\"}" &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"group\"]")" = None &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"matrix\"]")" = None &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"recipe\"]")" = recipes/a.yaml &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"line\"]")" = 2 &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"intent\"]")" = final &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"cost\"]")" = 0.0 &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"icon-blue\"][\"group\"]")" = "icon-{c}" &&
	test "$(json_get p/dist/manifest.json "json.dumps(j[\"assets\"][\"icon-blue\"][\"matrix\"])")" = "{\"c\": \"blue\"}" &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"hero\"][\"upscale\"]")" = "factor=2 with=lanczos3" &&
	test "$(json_get p/dist/manifest.json "j[\"previews\"]")" = "{}"
'

test_expect_success 'thumbnails: longest side 256, never enlarged, made from the output' '
	test "$(png thumb p/dist/_thumbs/hero.png | cut -d" " -f1)" = 256x144 &&
	test "$(png thumb p/dist/_thumbs/banner.png | cut -d" " -f1)" = 256x85 &&
	test "$(png thumb p/dist/_thumbs/icon-red.png | cut -d" " -f1)" = 64x64 &&
	test "$(png thumb p/dist/_thumbs/hero.png | cut -d" " -f2)" = "$(png entry p hero digest)" &&
	grep -q trainedAlgorithmicMedia p/dist/_thumbs/hero.png
'

test_expect_success 'the gallery is self-contained, escaped, with alt texts and real thumbnails' '
	test "$(png check-html p)" = 5 &&
	! grep -q "<b>bold" p/dist/index.html &&
	grep -q "&lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;" p/dist/index.html &&
	! grep -qi "<script[^>]*src" p/dist/index.html &&
	test "$(grep -ci "<link" p/dist/index.html)" = 1 && grep -q "<link rel=\"icon\" href=\"data:" p/dist/index.html &&
	! grep -qi "@import\|url(" p/dist/index.html &&
	# http(s) only in the escaped prompt text (the CSP names no host)
	test "$(grep -o "https\?://[^ \"<&]*" p/dist/index.html | sort -u)" = "https://example.com/x" &&
	grep -q "Content-Security-Policy" p/dist/index.html
'

test_expect_success 'matrix variants share one row, labelled with the group' '
	python3 - p/dist/index.html <<-\PY
	import html.parser, sys
	src = open(sys.argv[1]).read()
	class P(html.parser.HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.stack, self.groups = [], {}
	    def handle_starttag(self, tag, attrs):
	        a = dict(attrs)
	        if tag in ("br", "img", "meta", "link", "input"):
	            return
	        self.stack.append((tag, a))
	        if tag == "article":
	            for t, pa in self.stack:
	                if "group" in pa.get("class", "").split():
	                    self.groups.setdefault(pa["data-group"], []).append((a["id"], [x[1].get("class") for x in self.stack]))
	    def handle_endtag(self, tag):
	        while self.stack and self.stack.pop()[0] != tag:
	            pass
	p = P()
	p.feed(src)
	g = p.groups
	assert list(g) == ["icon-{c}"], g
	assert [c[0] for c in g["icon-{c}"]] == ["asset-icon-red", "asset-icon-blue", "asset-icon-green"], g
	assert all("row" in c[1] for c in g["icon-{c}"]), g
	assert "<div class=\"block group span3\" data-group=\"icon-{c}\"" in src
	assert "<h3 class=\"mono\">icon-{c}<small>3 variants \u00b7 by c</small></h3>" in src
	for f in ("data-recipe=\"recipes/a.yaml\"", "data-filter=\"tag\"", "<option value=\"typography\">",
	          "<option value=\"local\">", "<option value=\"recipes/b.yaml\">"):
	    assert f in src, f
	PY
'

test_expect_success 'a second build touches no file of the site' '
	tree_state p/dist >before &&
	assetgen -C p build >out && grep -q "no work to do" out &&
	tree_state p/dist >after && diff before after
'

test_expect_success 'editing one prompt changes exactly that entry and that thumbnail' '
	cp p/dist/manifest.json m1 &&
	for n in banner icon-red icon-blue icon-green; do file_state p/dist/_thumbs/$n.png >ts.$n; done &&
	sed -i "s/mountains at dawn/mountains at dusk/" p/recipes/a.yaml &&
	assetgen -C p build >out &&
	png same-except m1 p/dist/manifest.json hero &&
	png check-manifest p $ALL &&
	test "$(png entry p hero prompt)" = "hero image of mountains at dusk, photoreal" &&
	for n in banner icon-red icon-blue icon-green; do
		file_state p/dist/_thumbs/$n.png | diff ts.$n - || exit 1
	done &&
	test "$(png thumb p/dist/_thumbs/hero.png | cut -d" " -f2)" = "$(png entry p hero digest)" &&
	grep -q "mountains at dusk" p/dist/index.html && ! grep -q "mountains at dawn" p/dist/index.html
'

test_expect_success 'a subset build keeps the entries of the assets it did not build' '
	cp p/dist/manifest.json m1 &&
	sed -i "s/seed: 42/seed: 43/; s/seed: 7/seed: 8/" p/recipes/a.yaml &&
	assetgen -C p build hero >out &&
	png same-except m1 p/dist/manifest.json hero &&
	test "$(png entry p banner seed)" = 42 && test "$(png entry p hero seed)" = 8 &&
	assetgen -C p build >out &&
	png same-except m1 p/dist/manifest.json banner,hero &&
	png check-manifest p $ALL
'

test_expect_success 'an output deleted by hand leaves the site until a build makes it again' '
	rm p/dist/icon-green.png &&
	assetgen -C p build banner >out &&
	test "$(json_get p/dist/manifest.json "json.dumps(sorted(j[\"assets\"]))")" = "[\"banner\", \"hero\", \"icon-blue\", \"icon-red\"]" &&
	test ! -e p/dist/_thumbs/icon-green.png && ! grep -q icon-green p/dist/index.html &&
	assetgen -C p build >out &&
	png check-manifest p $ALL && grep -q "icon-green" p/dist/index.html
'

test_expect_success 'assets removed from the recipes drop out, with their thumbnails' '
	sed -i "s/red, blue, green/red, blue/" p/recipes/b.yaml &&
	assetgen -C p build >out &&
	png check-manifest p banner,hero,icon-red,icon-blue &&
	test ! -e p/dist/_thumbs/icon-green.png && ! grep -q icon-green p/dist/index.html
'

# Replaced as editors and tools replace files: renamed into place.  The
# no-op shortcut stats thumbnails by their directory, so one rewritten in
# place is made again by the next build that is not a no-op.
test_expect_success 'a thumbnail replaced by hand is made again' '
	cp p/dist/_thumbs/icon-red.png p/dist/_thumbs/.new.png &&
	mv p/dist/_thumbs/.new.png p/dist/_thumbs/icon-blue.png &&
	assetgen -C p build >out &&
	test "$(png thumb p/dist/_thumbs/icon-blue.png | cut -d" " -f2)" = "$(png entry p icon-blue digest)" &&
	tree_state p/dist >before && assetgen -C p build >out && tree_state p/dist >after && diff before after
'

test_expect_success 'temp files of a killed site update go with the next build, even a no-op one' '
	echo partial >p/dist/.manifest.json.tmp.2147483600.1 &&
	echo partial >p/dist/_thumbs/.hero.png.tmp.2147483600.2 &&
	assetgen -C p build >out && grep -q "no work to do" out &&
	test ! -e p/dist/.manifest.json.tmp.2147483600.1 && test ! -e p/dist/_thumbs/.hero.png.tmp.2147483600.2
'

test_expect_success 'previews are listed apart and shown next to the finals' '
	assetgen -C p build --intent preview hero >out &&
	test -s p/dist/preview/hero.png && test -s p/dist/_thumbs/preview/hero.png &&
	test "$(json_get p/dist/manifest.json "json.dumps(sorted(j[\"previews\"]))")" = "[\"hero\"]" &&
	test "$(json_get p/dist/manifest.json "j[\"previews\"][\"hero\"][\"file\"]")" = dist/preview/hero.png &&
	grep -q "href=\"preview/hero.png\"" p/dist/index.html &&
	grep -q "src=\"_thumbs/preview/hero.png\"" p/dist/index.html &&
	test "$(png check-html p)" = 5 &&
	png check-manifest p banner,hero,icon-red,icon-blue
'

test_expect_success 'a site file that cannot be written fails the build, naming it' '
	rm p/dist/index.html && mkdir p/dist/index.html &&
	must_fail 1 assetgen -C p build >out 2>err &&
	grep -q "cannot write .dist/index.html." err &&
	rmdir p/dist/index.html && assetgen -C p build >out && test -f p/dist/index.html
'

test_expect_success 'a dry run or status writes no site file' '
	rm -r p/dist/_thumbs p/dist/manifest.json &&
	assetgen -C p build -n >out && assetgen -C p status >out &&
	test ! -e p/dist/_thumbs && test ! -e p/dist/manifest.json
'

# ---- assetgen why ----

test_expect_success 'why: a copied and renamed output names its recipe and is current' '
	assetgen -C p build >out &&
	mkdir elsewhere && cp p/dist/banner.png elsewhere/final-v2.png &&
	(cd p && assetgen why ../elsewhere/final-v2.png) >out &&
	grep -q "^asset  *banner$" out &&
	grep -q "^recipe  *recipes/a.yaml:2$" out &&
	grep -q "^status  *current" out &&
	grep -q "^seed  *43$" out && grep -q "^model  *builtin" out &&
	grep -q "^params  *guidance=7.5 steps=30$" out &&
	grep -q "^lock  *banner $(png entry p banner key) " out &&
	grep -q "this file is the pinned artifact" out &&
	grep -q "^prompt  *Banner reading" out
'

test_expect_success 'why: -C, and an upscaled output' '
	assetgen -C p why p/dist/hero.png >out &&
	grep -q "^recipe  *recipes/a.yaml:9$" out && grep -q "^upscale  *factor=2 with=lanczos3$" out &&
	grep -q "^status  *current" out
'

test_expect_success 'why: after its prompt is edited the image is stale (exit 1)' '
	sed -i "s/A & B/C & D/" p/recipes/a.yaml &&
	(cd p && must_fail 1 assetgen why ../elsewhere/final-v2.png) >out &&
	grep -q "^asset  *banner$" out && grep -q "recipes/a.yaml:2" out &&
	grep -q "^status  *stale" out && grep -q "prompt changed" out &&
	grep -q "found through assetgen.lock" out
'

test_expect_success 'why: after a rebuild the old image is still found by name, stale' '
	assetgen -C p build >out && cp elsewhere/final-v2.png banner.png &&
	must_fail 1 assetgen -C p why banner.png >out &&
	grep -q "^status  *stale" out && grep -q "file.s name" out &&
	must_fail 1 assetgen -C p why elsewhere/final-v2.png >out &&
	grep -q "^status  *unknown" out
'

test_expect_success 'why: outside a project it prints what the PNG says' '
	mkdir -p lone && cp p/dist/hero.png lone/x.png &&
	(cd lone && must_fail 1 assetgen why x.png) >out &&
	grep -q "^key  *[0-9a-f]\{32\}$" out && grep -q "^prompt  *hero image" out &&
	grep -q "^project  *not found" out
'

test_expect_success 'why: a file that is not a PNG, or not one of ours' '
	echo hello >not.png && must_fail 2 assetgen why not.png 2>err && grep -q "not.png" err &&
	must_fail 2 assetgen why missing.png 2>err &&
	cp p/dist/_thumbs/hero.png t.png && (cd p && must_fail 1 assetgen why ../t.png) >out &&
	grep -q "not made by assetgen" out &&
	must_fail 2 assetgen why 2>err && grep -q usage err
'

test_expect_success 'why: a PNG another project made is unknown here (exit 1)' '
	mkdir -p other/recipes && cp p/assetgen.yaml other/ &&
	echo "assets: [{name: elsewhere, prompt: \"not ours\", seed: 5, size: 64x64}]" >other/recipes/o.yaml &&
	assetgen -C other build >out &&
	must_fail 1 assetgen -C p why other/dist/elsewhere.png >out &&
	grep -q "^asset  *unknown: no asset of this project makes this key" out &&
	grep -q "^status  *unknown: this project does not make this image$" out
'

test_expect_success 'why: a crafted PNG can neither drive the terminal nor forge a line' '
	python3 - crafted.png <<-\PY &&
	import struct, sys, zlib
	def chunk(tag, data):
	    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
	text = [(b"assetgen:key", b"0" * 32), (b"prompt", b"x\x1b]0;pwned\x07\nstatus    current"),
	        (b"model", b"m\x1b[2J\x1b[H\x9b"), (b"params", b"steps=1\r\x1b[31m\n"),
	        # (tEXt is Latin-1: 0x9b is U+009B, the C1 CSI)
	        (b"seed", b"1\x07")]
	png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
	       b"".join(chunk(b"tEXt", k + b"\0" + v) for k, v in text) +
	       chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b""))
	open(sys.argv[1], "wb").write(png)
	PY
	must_fail 1 assetgen -C p why crafted.png >out 2>err &&
	! grep -q "$(printf "[\033\007\r]")" out err &&
	! grep -q "^status    current" out &&
	grep -q "^prompt  *x\\\\x1b\]0;pwned\\\\x07\\\\nstatus    current$" out &&
	grep -q "^model  *m\\\\x1b\[2J\\\\x1b\[H\\\\u009b$" out &&
	grep -q "^params  *steps=1\\\\r\\\\x1b\[31m$" out &&
	grep -q "^seed  *1\\\\x07$" out &&
	grep -q "^status  *unknown" out
'

# ---- assetgen init ----

test_expect_success 'init in an empty directory makes a project that builds' '
	mkdir fresh && (cd fresh && assetgen init) >out &&
	test -f fresh/assetgen.yaml && test -f fresh/recipes/example.yaml &&
	grep -qx "/cache/" fresh/.gitignore && grep -qx "/dist/" fresh/.gitignore &&
	grep -q "remote:" fresh/assetgen.yaml && grep -q "budget:" fresh/assetgen.yaml &&
	grep -q "routes:" fresh/assetgen.yaml &&
	grep -q "matrix:" fresh/recipes/example.yaml && grep -q "'\''Hello World'\''" fresh/recipes/example.yaml &&
	(cd fresh && assetgen build) >out &&
	grep -q "4 generated" out &&
	test "$(json_get fresh/dist/manifest.json "len(j[\"assets\"])")" = 4 &&
	test -s fresh/dist/index.html
'

test_expect_success 'init twice refuses, and changes nothing' '
	tree_state fresh >before &&
	(cd fresh && must_fail 2 assetgen init) >out 2>err &&
	grep -q "assetgen.yaml. already exists" err &&
	tree_state fresh >after && diff before after
'

test_expect_success 'init DIR creates it; an existing .gitignore only gets what it lacks' '
	mkdir proj2 && printf "node_modules/\ncache\n" >proj2/.gitignore &&
	assetgen init proj2 >out && grep -q "proj2/assetgen.yaml" out &&
	printf "node_modules/\ncache\n/dist/\n" >want && diff want proj2/.gitignore &&
	assetgen init deep/new/dir >out && test -f deep/new/dir/recipes/example.yaml &&
	assetgen -C deep/new/dir build -n >out && grep -q "4 to generate" out &&
	must_fail 2 assetgen init a b 2>err && grep -q usage err
'

test_expect_success 'clean removes the site with the outputs' '
	assetgen -C fresh clean >out && grep -q "removed 4 outputs" out &&
	test -z "$(ls -A fresh/dist)"
'

test_expect_success 'no temp files are left behind' '
	test -z "$(find p fresh -name ".*tmp*")"
'

test_done
