#!/bin/bash
# overlay: the exact words drawn after generation and before upscale, as
# their own cached stage.  Model calls are counted on the fake provider.
. "$(dirname "$0")/lib.sh"

start_fake || exit 1

project() {
	rm -rf p && mkdir -p p/recipes p/fonts &&
	cp "$TEST_TOP/fonts/DejaVuSans.ttf" p/fonts/ &&
	cat >p/assetgen.yaml <<-YAML
	models:
	  gen:   {provider: http, endpoint: "$FAKE/http/generate", cost: 0.01}
	  sd:    {provider: a1111, model: "R-ESRGAN 4x+", endpoint: "$FAKE/a1111", cost: 0}
	  local: {provider: builtin}
	routes:
	  - use: [gen]
	YAML
	cat >p/recipes/a.yaml <<-'YAML'
	assets:
	  - name: banner
	    prompt: "a beach at sunset"
	    seed: 1
	    size: 320x96
	    overlay: {text: "Launch Sale", font: fonts/DejaVuSans.ttf, size: 48, color: "#fff", box: [10, 8, 300, 80]}
	  - name: tall
	    prompt: "a mountain"
	    seed: 2
	    size: 64x64
	    upscale: {factor: 2}
	    overlay: {text: "Up", font: fonts/DejaVuSans.ttf, size: 30, color: "#000000c0", align: left, valign: top}
	YAML
}

# png_size FILE: "W H"
png_size() {
	python3 -c 'import struct, sys; print(*struct.unpack(">II", open(sys.argv[1], "rb").read()[16:24]))' "$1"
}

test_expect_success 'an overlay is drawn, and the metadata says so' '
	project && assetgen -C p build --report r.json >out &&
	test "$(fake_count http)" = 2 &&
	grep -q "2 generated" out &&
	grep -aq "Launch Sale" p/dist/banner.png &&
	grep -aq "overlay_text" p/dist/banner.png &&
	test "$(png_size p/dist/tall.png)" = "128 128" &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"overlay\"][\"text\"]")" = "Launch Sale" &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"overlay\"][\"box\"]")" = "[10, 8, 300, 80]" &&
	test "$(json_get p/dist/manifest.json "j[\"assets\"][\"banner\"][\"overlay\"][\"color\"]")" = "#ffffffff" &&
	grep -q "Launch Sale" p/dist/index.html &&
	test "$(json_get r.json "j[\"assets\"][0][\"overlay\"]")" = "Launch Sale" &&
	assetgen -C p why p/dist/banner.png >why &&
	grep -q "^overlay   \"Launch Sale\"" why && grep -q "drawn at size=" why &&
	grep -q "^status    current" why &&
	assetgen -C p graph >g.dot && grep -q "\"fonts/DejaVuSans.ttf\" -> \"banner\"" g.dot
'

test_expect_success 'the overlay changes pixels inside its box only' '
	python3 - <<-PY
	import struct, zlib
	def pixels(path):
	    b = open(path, "rb").read(); i = 8; idat = b""
	    w, h, depth, ctype = struct.unpack(">IIBB", b[16:26])
	    while i < len(b):
	        n, = struct.unpack(">I", b[i:i+4]); t = b[i+4:i+8]
	        if t == b"IDAT": idat += b[i+8:i+8+n]
	        i += 12 + n
	    ch = {2: 3, 6: 4}[ctype]; raw = zlib.decompress(idat); st = w * ch; rows = []; prev = bytearray(st)
	    for y in range(h):
	        f = raw[y * (st + 1)]; line = bytearray(raw[y * (st + 1) + 1:(y + 1) * (st + 1)])
	        for x in range(st):
	            a = line[x - ch] if x >= ch else 0; up = prev[x]; c = prev[x - ch] if x >= ch else 0
	            if f == 1: line[x] = (line[x] + a) & 255
	            elif f == 2: line[x] = (line[x] + up) & 255
	            elif f == 3: line[x] = (line[x] + (a + up) // 2) & 255
	            elif f == 4:
	                p = a + up - c; pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
	                line[x] = (line[x] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
	        rows.append(line); prev = line
	    return w, h, ch, rows
	import sqlite3
	# the generation under the output: the cache blob of the gen stage that is 320x96
	db = sqlite3.connect("p/cache/index.sqlite")
	gens = [pixels("p/cache/objects/%s/%s" % (d[:2], d[2:]))
	        for d, in db.execute("select digest from actions where stage = ?", ("gen",))]
	w, h, ch, gen = [g for g in gens if g[:2] == (320, 96)][0]
	w2, h2, ch2, out = pixels("p/dist/banner.png")
	assert (w, h, ch) == (w2, h2, ch2)
	inside = outside = 0
	for y in range(h):
	    for x in range(w):
	        if gen[y][x*ch:(x+1)*ch] != out[y][x*ch:(x+1)*ch]:
	            if 10 <= x < 310 and 8 <= y < 88: inside += 1
	            else: outside += 1
	assert outside == 0, outside
	assert inside > 500, inside
	PY
'

test_expect_success 'changing only the overlay text redraws it: no model call' '
	n=$(fake_count http) && cp p/dist/banner.png before.png &&
	sed -i "s/Launch Sale/Big Summer Sale/" p/recipes/a.yaml &&
	assetgen -C p build -n >plan && grep -q "^overlay  *banner .*overlay text Launch Sale→Big Summer Sale" plan &&
	grep -q "1 to overlay" plan &&
	assetgen -C p build --explain >out &&
	grep -q "explain banner: overlay text Launch Sale→Big Summer Sale" out &&
	grep -q "overlay banner (gen)" out && grep -q "1 overlaid" out &&
	test "$(fake_count http)" = "$n" &&
	! cmp -s before.png p/dist/banner.png && grep -aq "Big Summer Sale" p/dist/banner.png &&
	mkdir -p old && cp before.png old/banner.png &&
	must_fail 1 assetgen -C p why old/banner.png >why && grep -q "(overlay text changed)" why &&
	assetgen -C p build >out && grep -q "no work to do" out
'

test_expect_success 'reverting the text restores the first overlay from the cache' '
	n=$(fake_count http) &&
	sed -i "s/Big Summer Sale/Launch Sale/" p/recipes/a.yaml &&
	assetgen -C p build >out && grep -q "restore banner" out &&
	cmp before.png p/dist/banner.png && test "$(fake_count http)" = "$n"
'

test_expect_success 'with upscale: the overlay is drawn before, and the upscale key chains from it' '
	n=$(fake_count http) &&
	sed -i "s/text: \"Up\"/text: \"Go\"/" p/recipes/a.yaml &&
	assetgen -C p build >out && grep -q "overlay tall" out &&
	test "$(png_size p/dist/tall.png)" = "128 128" &&
	sed -i "s/factor: 2/factor: 3/" p/recipes/a.yaml &&
	assetgen -C p build --explain >out && grep -q "upscale tall" out &&
	grep -q "explain tall: upscale factor 2→3" out &&
	test "$(png_size p/dist/tall.png)" = "192 192" && grep -aq "overlay_text" p/dist/tall.png &&
	test "$(fake_count http)" = "$n"
'

test_expect_success 'the font is keyed by its bytes, not its path' '
	n=$(fake_count http) &&
	mkdir p/type && mv p/fonts/DejaVuSans.ttf p/type/Sans.ttf &&
	sed -i "s|fonts/DejaVuSans.ttf|type/Sans.ttf|" p/recipes/a.yaml &&
	assetgen -C p build >out && grep -q "no work to do" out &&
	printf "\0\0\0\0" >>p/type/Sans.ttf &&
	assetgen -C p build --explain >out &&
	grep -q "explain banner: .*overlay font_digest b52fa199" out && grep -q "2 overlaid" out &&
	test "$(fake_count http)" = "$n"
'

test_expect_success 'with a remote upscaler too' '
	n=$(fake_count http) && a=$(fake_count a1111) &&
	sed -i "s/factor: 3}/factor: 2, with: sd}/" p/recipes/a.yaml &&
	assetgen -C p build >out && grep -q "upscale tall" out &&
	test "$(png_size p/dist/tall.png)" = "128 128" && grep -aq "overlay_text" p/dist/tall.png &&
	test "$(fake_count a1111)" = $((a + 1)) && test "$(fake_count http)" = "$n" &&
	sed -i "s/text: \"Go\"/text: \"Went\"/" p/recipes/a.yaml &&
	assetgen -C p build >out && grep -q "overlay tall" out &&
	test "$(fake_count a1111)" = $((a + 2)) && test "$(fake_count http)" = "$n" &&
	fake_violations
'

test_expect_success 'with the built-in model, and after the index is lost' '
	sed -i "s/- use: \[gen\]/- use: [local]/" p/assetgen.yaml &&
	assetgen -C p build >out && grep -q "2 generated" out &&
	grep -aq "builtin render" p/dist/banner.png && grep -aq "overlay_text" p/dist/banner.png &&
	rm -f p/cache/index.sqlite* &&
	assetgen -C p build >out 2>err && grep -q "restore banner" out
'

test_expect_success 'text that cannot fit fails the asset at its recipe line, without trying another model' '
	project && sed -i "s/- use: \[gen\]/- use: [gen, local]/" p/assetgen.yaml &&
	sed -i "s/box: \[10, 8, 300, 80\]/box: [0, 0, 8, 8]/" p/recipes/a.yaml &&
	n=$(fake_count http) &&
	must_fail 1 assetgen -C p build -k >out 2>err &&
	cat out err | grep -q "FAILED banner: recipes/a.yaml:6:14: overlay: the text does not fit in the 8x8 box, even at 6 px" &&
	test "$(fake_count http)" = $((n + 2)) &&
	test -s p/dist/tall.png && test ! -e p/dist/banner.png &&
	sed -i "s/box: \[0, 0, 8, 8\]/box: [0, 0, 320, 96]/" p/recipes/a.yaml &&
	assetgen -C p build >out && grep -q "overlay banner" out &&
	test "$(fake_count http)" = $((n + 2))
'

test_expect_success 'input errors that need the font: a box outside the image, a missing glyph' '
	project && n=$(fake_count http) &&
	sed -i "s/box: \[10, 8, 300, 80\]/box: [10, 8, 311, 80]/; s/text: \"Up\"/text: \"Up 中\"/" p/recipes/a.yaml &&
	must_fail 2 assetgen -C p build 2>err >out &&
	cat >want <<-EOF &&
	recipes/a.yaml:6:94: overlay box [10, 8, 311, 80] does not fit in the 320x96 image
	recipes/a.yaml:12:21: font '"'"'fonts/DejaVuSans.ttf'"'"' has no glyph for U+4E2D ('"'"'中'"'"')
	EOF
	diff -u want err && test ! -e p/dist && test ! -e p/cache && test "$(fake_count http)" = "$n"
'

test_expect_success 'overlay in defaults, placeholders in its text, overlay: none' '
	project && cat >p/recipes/m.yaml <<-YAML &&
	defaults:
	  size: 128x64
	  overlay: {text: "{city} sale", font: fonts/DejaVuSans.ttf, size: 20}
	assets:
	  - name: city-{city}
	    prompt: "a street"
	    seed: 3
	    matrix: {city: [paris, oslo]}
	  - name: plain
	    prompt: "a wall"
	    seed: 4
	    overlay: none
	YAML
	assetgen -C p build >out &&
	grep -aq "paris sale" p/dist/city-paris.png && grep -aq "oslo sale" p/dist/city-oslo.png &&
	! grep -aq "overlay" p/dist/plain.png &&
	printf "  - {name: typo, prompt: x, seed: 5, overlay: {text: \"{town}\", font: fonts/DejaVuSans.ttf, size: 9}}\n" >>p/recipes/m.yaml &&
	must_fail 2 assetgen -C p build 2>err && grep -q "recipes/m.yaml:13:54: undefined placeholder .{town}." err
'

test_expect_success 'typography check: generation: OCR reads the generation, the overlay comes after' '
	rm -rf t && mkdir -p t/recipes t/fonts && cp "$TEST_TOP/fonts/DejaVuSans.ttf" t/fonts/ &&
	printf "typography: {max_attempts: 2}\n" >t/assetgen.yaml &&
	cat >t/recipes/a.yaml <<-YAML &&
	assets:
	  - name: banner
	    prompt: "Banner reading '\''Launch Sale'\'', clean"
	    seed: 42
	    size: 512x512
	    expect_text: Launch Sale
	    typography: {check: generation}
	    overlay: {text: "Winter Deals", font: fonts/DejaVuSans.ttf, size: 40, color: "#000", box: [0, 432, 512, 80]}
	YAML
	assetgen -C t build --report r.json >out &&
	grep -aq "assetgen:ocr.pass" t/dist/banner.png && grep -aq "Winter Deals" t/dist/banner.png &&
	test "$(json_get r.json "j[\"totals\"][\"generated\"]")" = 1 &&
	sed -i "s/Winter Deals/Spring Deals/" t/recipes/a.yaml &&
	assetgen -C t build --report r2.json >out && grep -q "overlay banner" out &&
	grep -aq "Spring Deals" t/dist/banner.png && grep -aq "assetgen:ocr.pass" t/dist/banner.png &&
	test "$(json_get r2.json "j[\"totals\"][\"generated\"]")" = 0 &&
	test "$(json_get r2.json "[c[\"cached\"] for a in j[\"assets\"] for c in a[\"typography\"][\"candidates\"]]")" = "[True]"
'

test_expect_success 'with a typography check: OCR reads the output, the overlay drawn' '
	rm -rf o && mkdir -p o/recipes o/fonts && cp "$TEST_TOP/fonts/DejaVuSans.ttf" o/fonts/ &&
	printf "typography: {max_attempts: 2}\n" >o/assetgen.yaml &&
	cat >o/recipes/a.yaml <<-YAML &&
	assets:
	  - name: sign
	    prompt: "a plain pale wall"
	    seed: 3
	    size: 512x256
	    expect_text: Grand Opening
	    overlay: {text: "Grand Opening", font: fonts/DejaVuSans.ttf, size: 56, color: "#000", box: [16, 64, 480, 128]}
	YAML
	assetgen -C o build --report r.json >out &&
	grep -aq "assetgen:ocr.pass" o/dist/sign.png &&
	test "$(json_get r.json "j[\"totals\"][\"generated\"]")" = 1 &&
	key=$(assetgen -C o why o/dist/sign.png | sed -n "s/^key  *//p") && test -n "$key" &&
	sed -i "s/    expect_text: Grand Opening/&\n    typography: {check: generation}/" o/recipes/a.yaml &&
	must_fail 1 assetgen -C o build -k --report r2.json >out 2>err &&
	grep -q "FAILED sign: typography check failed on 2 candidates" err &&
	sed -i "s/check: generation/check: output/" o/recipes/a.yaml &&
	assetgen -C o build >out && grep -q "no work to do" out &&
	test "$(assetgen -C o why o/dist/sign.png | sed -n "s/^key  *//p")" = "$key"
'

test_expect_success 'typography check: an unknown value is an error at its place' '
	sed -i "s/check: output/check: composite/" o/recipes/a.yaml &&
	must_fail 2 assetgen -C o build 2>err &&
	grep -q "recipes/a.yaml:7:25: unknown typography check .composite. (expected generation or output)" err
'

test_expect_success 'an overlay without font draws with the shipped DejaVu Sans, under the same key' '
	project && sed -i "s/- use: \[gen\]/- use: [local]/" p/assetgen.yaml &&
	assetgen -C p build -q && cp p/dist/banner.png explicit.png &&
	key=$(assetgen -C p why p/dist/banner.png | sed -n "s/^key  *//p") && test -n "$key" &&
	sed -i "s|font: fonts/DejaVuSans.ttf, ||" p/recipes/a.yaml && ! grep -q "font:" p/recipes/a.yaml &&
	rm p/fonts/DejaVuSans.ttf &&
	assetgen -C p build >out && grep -q "no work to do" out &&
	rm -rf p/dist p/cache && assetgen -C p build >out && grep -q "2 generated" out &&
	cmp explicit.png p/dist/banner.png &&
	assetgen -C p why p/dist/banner.png >why &&
	test "$(sed -n "s/^key  *//p" why)" = "$key" && grep -q "font=DejaVu Sans Book" why &&
	assetgen -C p graph >g.dot && grep -q "/fonts/DejaVuSans.ttf\" -> \"banner\"" g.dot
'

test_expect_success 'installed, the default font is found in PREFIX/share/assetgen/fonts; not found, a located error' '
	bin=$(readlink -f "$ASSETGEN") &&
	make -s -C "$TEST_TOP" -o "$bin" install BUILD="$(dirname "$bin")" PREFIX="$TRASH/pfx" >make.out &&
	test -f pfx/share/assetgen/fonts/DejaVuSans.ttf && test -f pfx/share/assetgen/fonts/LICENSE-DejaVu &&
	rm -rf p/dist p/cache && pfx/bin/assetgen -C p build >out && grep -q "2 generated" out &&
	cmp explicit.png p/dist/banner.png &&
	pfx/bin/assetgen -C p graph >g.dot &&
	grep -q "\"$(cd pfx && pwd -P)/share/assetgen/fonts/DejaVuSans.ttf\" -> \"banner\"" g.dot &&
	mkdir lone && cp pfx/bin/assetgen lone/ && rm -rf p/dist p/cache &&
	must_fail 2 lone/assetgen -C p build 2>err >out &&
	grep -q "^recipes/a.yaml:6:14: .overlay. has no .font., and the default font is not installed (no .*/share/assetgen/fonts/DejaVuSans.ttf or .*/fonts/DejaVuSans.ttf): name a .ttf or .otf file" err &&
	grep -q "^recipes/a.yaml:12:14: .overlay. has no .font." err &&
	test ! -e p/dist && test ! -e p/cache
'

test_expect_success 'the font is an input of a no-op build: new bytes are seen' '
	project && sed -i "s/- use: \[gen\]/- use: [local]/" p/assetgen.yaml &&
	assetgen -C p build -q && saved= &&
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		assetgen -C p build -q -d noop 2>noop.err &&
		if grep -q "build state saved" noop.err; then saved=1; break; fi
		sleep 0.05
	done &&
	test -n "$saved" &&
	assetgen -C p build -d noop >out 2>err && grep -q "nothing changed since" err &&
	printf "\0\0\0\0" >>p/fonts/DejaVuSans.ttf &&
	assetgen -C p build -d noop >out 2>err && ! grep -q "nothing changed since" err &&
	grep -q "2 overlaid" out
'

test_done
