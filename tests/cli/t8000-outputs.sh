#!/bin/bash
# outputs: the web derivatives of each final PNG.  Bad values are
# file:line:col errors that write nothing; each format at each width up to
# the source's is written with its XMP (exiftool reads the marker and the
# key from every file); a change of one quality re-encodes that format
# alone from the cache, with no request to the model; a removed file comes
# back from the cache; an unchanged tree stays a no-op.
. "$(dirname "$0")/lib.sh"

marker=http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia

# bad YAML-LINE MESSAGE: an assetgen.yaml whose outputs: holds the line
# fails to load at its line and column with the message, writing nothing
bad() {
	rm -rf b && new_project b &&
	printf 'outputs:\n  %s\n' "$1" >>b/assetgen.yaml &&
	echo 'assets: [{name: x, prompt: p, seed: 1, size: 16x16}]' >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -F "assetgen.yaml:$2" err && ! test -e b/dist && ! test -e b/cache
}

test_expect_success 'an unknown format is an error at its place' '
	bad "formats: [avif, gif]" "6:19: unknown output format '"'gif'"'"
'
test_expect_success 'a format listed twice is an error' '
	bad "formats: [webp, webp]" "6:19: output format '"'webp'"' is listed twice"
'
test_expect_success 'a width of 0, above 8192 or not a number is an error' '
	bad "widths: [0]" "6:12: a width must be an integer from 1 to 8192" &&
	bad "widths: [480, 9000]" "6:17: a width must be an integer" &&
	bad "widths: [wide]" "6:12: a width must be an integer"
'
test_expect_success 'a width listed twice is an error' '
	bad "widths: [480, 480]" "6:17: width 480 is listed twice"
'
test_expect_success 'a quality out of range, or for png, is an error' '
	bad "quality: {webp: 101}" "6:19: '"'quality'"' must be an integer from 1 to 100" &&
	bad "quality: {png: 50}" "6:13: png is lossless" &&
	bad "quality: {gif: 50}" "6:13: unknown output format"
'
test_expect_success 'sizes that would break out of its attribute is an error' '
	bad "sizes: \"100vw\\\"><script>\"" "6:10: '"'sizes'"' cannot hold quotes"
'
test_expect_success 'a base with a space or a quote is an error' '
	bad "base: \"/a b/\"" "6:9: '"'base'"' must be a URL prefix"
'
test_expect_success 'an unknown key names the one meant' '
	bad "width: [480]" "6:3: unknown key '"'width'"' (did you mean '"'widths'"'?)"
'
test_expect_success 'outputs in a recipe is checked too' '
	rm -rf b && new_project b &&
	printf "defaults:\n  outputs: {formats: [tiff]}\nassets: [{name: x, prompt: p, seed: 1}]\n" >b/recipes/a.yaml &&
	must_fail 2 assetgen -C b build 2>err &&
	grep -F "recipes/a.yaml:2:23: unknown output format" err && ! test -e b/dist
'

start_fake || exit 1

project() {
	new_project p &&
	cat >p/assetgen.yaml <<YAML &&
models:
  gen: {provider: http, endpoint: "$FAKE/http/generate", cost: 0.01}
routes:
  - use: [gen]
outputs:
  formats: [avif, webp, jpeg]
  widths: [64, 128, 4096]
  quality: {webp: 70}
YAML
	cat >p/recipes/a.yaml <<'YAML'
defaults:
  outputs: {sizes: "(min-width: 40em) 50vw, 100vw"}
assets:
  - {name: hero, prompt: "mountains at dawn", seed: 2, size: 256x128}
  - {name: icon, prompt: rocket icon, seed: 3, size: 32x32, outputs: {formats: [png, webp], quality: {webp: 90}}}
  - {name: plain, prompt: no web outputs, seed: 4, size: 32x32, outputs: {formats: []}}
YAML
}

test_expect_success 'a build writes every format at every width up to the source' '
	project && assetgen -C p build >out &&
	(cd p/dist && ls | grep -E "^(hero|icon|plain)" | LC_ALL=C sort) >got &&
	printf "%s\n" hero-128.avif hero-128.jpg hero-128.webp hero-64.avif hero-64.jpg hero-64.webp \
		hero.picture.html hero.png icon-32.png icon-32.webp icon.picture.html icon.png plain.png >want &&
	diff want got &&
	grep -qx "assetgen: 8 derivatives: 8 encoded, 0 restored from cache, 0 fresh" out
'

test_expect_success 'each field comes from the nearest place that sets it' '
	grep -c "sizes=\"(min-width: 40em) 50vw, 100vw\"" p/dist/hero.picture.html >n && echo 3 >want &&
	diff want n && grep -q "sizes=\"(min-width: 40em) 50vw, 100vw\"" p/dist/icon.picture.html &&
	! grep -q "<source type=\"image/avif\"" p/dist/icon.picture.html
'

test_expect_success 'each derivative is its format, at its size' '
	for f in hero-64.avif hero-128.webp hero-128.jpg icon-32.png; do
		exiftool -s3 -FileType -ImageWidth -ImageHeight p/dist/$f | tr "\n" " "; echo
	done >got &&
	printf "%s\n" "AVIF 64 32 " "Extended WEBP 128 64 " "JPEG 128 64 " "PNG 32 32 " >want &&
	diff want got
'

test_expect_success 'exiftool finds the marker and the key in every derivative, and validates it' '
	key=$(exiftool -s3 -PNG:assetgenkey p/dist/hero.png 2>/dev/null || true) &&
	for f in p/dist/hero-*.avif p/dist/hero-*.webp p/dist/hero-*.jpg p/dist/icon-32.*; do
		exiftool -n -s3 -XMP-iptcExt:DigitalSourceType "$f" >got &&
		echo "$marker" >want && diff want got &&
		exiftool -s3 -XMP-assetgen:Key "$f" | grep -Eqx "[0-9a-f]{32}" &&
		exiftool -s3 -XMP-assetgen:DerivedFrom "$f" | grep -Eqx "(hero|icon).png" &&
		exiftool -validate -warning -error -a "$f" >v && grep -qx "Validate *: OK" v || exit 1
	done
'

test_expect_success 'base starts the snippet URLs, and changes no derivative' '
	cp -r p s && rm -rf s/dist s/cache &&
	sed -i "s|^outputs:|outputs:\n  base: /static/img/|" s/assetgen.yaml &&
	assetgen -C s build -q &&
	grep -q "<img src=\"/static/img/hero-128.jpg\" srcset=\"/static/img/hero-64.jpg 64w, /static/img/hero-128.jpg 128w\"" s/dist/hero.picture.html &&
	grep -q "srcset=\"hero-64.avif 64w, hero-128.avif 128w\"" p/dist/hero.picture.html &&
	(cd p/dist && cksum hero-* icon-*) >sums1 && (cd s/dist && cksum hero-* icon-*) >sums2 &&
	diff sums1 sums2
'

test_expect_success 'the same inputs give the same bytes' '
	(cd p/dist && cksum hero-* icon-*) >sums1 &&
	cp -r p q && rm -rf q/dist q/cache &&
	assetgen -C q build -q && (cd q/dist && cksum hero-* icon-*) >sums2 &&
	diff sums1 sums2
'

test_expect_success 'a change of one quality re-encodes that format alone, with no model call' '
	n=$(fake_count) &&
	(cd p/dist && for f in hero-* icon-*; do printf "%s " $f; stat -c "%i %Y.%y" $f; done) >before &&
	sed -i "s/webp: 70/webp: 40/" p/assetgen.yaml &&
	assetgen -C p build >out &&
	test "$(fake_count)" = "$n" &&
	grep -qx "assetgen: 8 derivatives: 2 encoded, 0 restored from cache, 6 fresh" out &&
	(cd p/dist && for f in hero-* icon-*; do printf "%s " $f; stat -c "%i %Y.%y" $f; done) >after &&
	diff before after | grep "^>" | cut -d" " -f2 | LC_ALL=C sort >changed &&
	printf "%s\n" hero-128.webp hero-64.webp >want && diff want changed
'

test_expect_success 'going back re-uses the cached encode' '
	sed -i "s/webp: 40/webp: 70/" p/assetgen.yaml &&
	assetgen -C p build >out &&
	grep -qx "assetgen: 8 derivatives: 0 encoded, 2 restored from cache, 6 fresh" out &&
	(cd p/dist && cksum hero-* icon-*) >sums3 && diff sums1 sums3
'

test_expect_success 'a removed derivative comes back from the cache' '
	rm p/dist/hero-64.avif &&
	assetgen -C p build >out &&
	grep -q "0 encoded, 1 restored from cache" out &&
	(cd p/dist && cksum hero-* icon-*) >sums4 && diff sums1 sums4
'

test_expect_success 'an unchanged tree is a no-op, the shortcut included' '
	assetgen -C p build >out && grep -qx "assetgen: no work to do (3 assets up to date)" out &&
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		assetgen -C p build -q -d noop 2>err && grep -q "build state saved" err && break
		sleep 0.05
	done &&
	assetgen -C p build -d noop >out 2>err && grep -q "nothing changed since" err &&
	rm p/dist/icon-32.webp &&
	assetgen -C p build -d noop >out 2>err && ! grep -q "nothing changed since" err &&
	test -s p/dist/icon-32.webp
'

test_expect_success 'clean removes every derivative and snippet, a width no longer asked for too' '
	sed -i "s/widths: \[64, 128, 4096\]/widths: [100]/" p/assetgen.yaml &&
	assetgen -C p build -q && test -s p/dist/hero-100.avif && test -s p/dist/hero-64.avif &&
	echo mine >p/dist/other-480.webp && echo mine >p/dist/hero-big.jpg &&
	assetgen -C p clean >out &&
	(cd p/dist && ls) >left && printf "%s\n" hero-big.jpg other-480.webp >want && diff want left
'

test_done
