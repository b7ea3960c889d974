#!/bin/bash
# The key chain pixels -> encode -> sign, with a model that costs calls: a
# change of the PNG settings encodes and signs again from the cached
# pixels without a single model call, the pixels stay the same, and the
# signed output is a cache entry of its own, restored whole when nothing
# under it is left.
. "$(dirname "$0")/lib.sh"

start_fake || exit 1

calls() { fake_count http; }

# pixels FILE: a digest of the decoded pixels (8-bit, not interlaced), so
# two encodings of one image compare equal
pixels() {
	python3 - "$1" <<'PY'
import hashlib, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
pos, idat = 8, b""
while pos < len(data):
    n, = struct.unpack(">I", data[pos:pos + 4])
    typ = data[pos + 4:pos + 8]
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", data[pos + 8:pos + 18])
    elif typ == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
assert depth == 8, depth
bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
raw, stride = zlib.decompress(idat), w * bpp
out, prev = bytearray(), bytearray(stride)
for y in range(h):
    f, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: row[i] = (row[i] + a) & 255
        elif f == 2: row[i] = (row[i] + b) & 255
        elif f == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    out += row
    prev = row
print(w, h, ctype, hashlib.sha256(bytes(out)).hexdigest())
PY
}

test_expect_success 'setup: credentials, and a project on a model that is counted' '
	assetgen credentials init --dir creds >/dev/null &&
	mkdir -p p/recipes &&
	cat >p/assetgen.yaml <<-EOF &&
	models:
	  gen: {provider: http, endpoint: "$FAKE/http/generate", cost: 0.02}
	routes:
	  - use: [gen]
	credentials:
	  key: $TRASH/creds/signer.key
	  cert: $TRASH/creds/signer.pem
	EOF
	cat >p/recipes/a.yaml <<-EOF &&
	assets:
	  - {name: plain, prompt: "a plain field", seed: 1, size: 64x48}
	  - name: card
	    prompt: "a calm sea"
	    seed: 2
	    size: 96x64
	    overlay: {text: "Sale", font: $TEST_TOP/fonts/DejaVuSans.ttf, size: 20}
	    upscale: {factor: 2, with: lanczos3}
	EOF
	assetgen -C p build >out &&
	test "$(calls)" = 2 && grep -q "2 generated" out &&
	assetgen verify p/dist/plain.png p/dist/card.png >v.out &&
	test "$(grep -c ": valid$" v.out)" = 2 &&
	for f in plain card; do cp p/dist/$f.png $f.0 && pixels $f.0 >$f.0.px || return 1; done &&
	cp p/assetgen.lock lock.0
'

test_expect_success 'other PNG settings: encoded and signed again from the cached pixels, no model call' '
	printf "png: {level: 9, filter: paeth}\n" >>p/assetgen.yaml &&
	assetgen -C p build --explain >out &&
	test "$(calls)" = 2 &&
	grep -q " 0 generated, 0 upscaled, 2 restored" out &&
	grep -q "PNG encoding changed" out &&
	for f in plain card; do
		! cmp -s $f.0 p/dist/$f.png && pixels p/dist/$f.png | cmp - $f.0.px || return 1
	done &&
	assetgen verify p/dist/plain.png p/dist/card.png >v.out &&
	test "$(grep -c ": valid$" v.out)" = 2 &&
	grep -q "action c2pa.edited by assetgen" v.out &&
	! cmp -s lock.0 p/assetgen.lock &&
	cut -d" " -f1,5,6 lock.0 | cmp - <(cut -d" " -f1,5,6 p/assetgen.lock)
'

test_expect_success 'and back: the first bytes again, from the cache, no model call' '
	sed -i "/^png:/d" p/assetgen.yaml &&
	assetgen -C p build >out &&
	test "$(calls)" = 2 && grep -q " 0 generated, 0 upscaled, 2 restored" out &&
	cmp plain.0 p/dist/plain.png && cmp card.0 p/dist/card.png && cmp lock.0 p/assetgen.lock
'

test_expect_success 'a signed output is restored whole: only its own blob left, no model call' '
	for f in plain card; do
		d=$(awk -v n=$f "\$1 == n { print \$3 }" p/assetgen.lock) &&
		mv "p/cache/objects/$(echo $d | cut -c1-2)/$(echo $d | cut -c3-)" keep.$f || return 1
	done &&
	find p/cache/objects -type f -delete &&
	for f in plain card; do
		d=$(awk -v n=$f "\$1 == n { print \$3 }" p/assetgen.lock) &&
		mv keep.$f "p/cache/objects/$(echo $d | cut -c1-2)/$(echo $d | cut -c3-)" || return 1
	done &&
	rm -rf p/dist &&
	assetgen -C p build >out &&
	test "$(calls)" = 2 && grep -q " 0 generated, 0 upscaled, 2 restored" out &&
	cmp plain.0 p/dist/plain.png && cmp card.0 p/dist/card.png
'

test_expect_success 'with nothing cached, the model is called again and the bytes are the same' '
	rm -rf p/cache/objects p/cache/index.sqlite p/dist &&
	assetgen -C p build >out &&
	test "$(calls)" = 4 && grep -q "2 generated" out &&
	cmp plain.0 p/dist/plain.png && cmp card.0 p/dist/card.png && cmp lock.0 p/assetgen.lock
'

test_done
