#!/bin/bash
# The terminal status line, NO_COLOR, and the standalone upscale command.
. "$(dirname "$0")/lib.sh"

project() {
	new_project p
	{ echo "assets:"; for i in 1 2 3; do echo "  - {name: a$i, prompt: \"tile $i\", seed: $i, size: 32x24}"; done; } >p/recipes/a.yaml
}

# run CMD under a pseudo-terminal (util-linux script), output in tty.out
on_tty() {
	script -qfec "$*" /dev/null >tty.out 2>&1
}

test_expect_success 'on a terminal, one status line is rewritten in place' '
	command -v script >/dev/null && project &&
	unset CI && on_tty "$ASSETGEN -C p build -j 1" &&
	grep -q "$(printf "\r\033\\[K")" tty.out &&
	test "$(grep -c "^\[" tty.out)" -le 2
'

test_expect_success 'with CI set, plain lines even on a terminal' '
	rm -rf p && project && CI=true on_tty "$ASSETGEN -C p build -j 1" &&
	! grep -q "$(printf "\033")" tty.out && test "$(grep -c "generate a" tty.out)" = 3
'

test_expect_success 'a failure is red on a terminal, not with NO_COLOR' '
	rm -rf p && project &&
	printf "  - {name: bad, prompt: x, seed: 1, size: 8x8, model: nope}\n" >>p/recipes/a.yaml &&
	sed -i "s/routes:/  nope: {provider: http, endpoint: \"http:\/\/127.0.0.1:9\/\", retries: 0}\nroutes:/" p/assetgen.yaml &&
	unset CI NO_COLOR && { on_tty "$ASSETGEN -C p build -k -j 1" || true; } &&
	grep -q "$(printf "\033\\[31mFAILED")" tty.out &&
	{ NO_COLOR=1 on_tty "$ASSETGEN -C p build -k -j 1" || true; } &&
	grep -q "FAILED bad" tty.out && ! grep -q "$(printf "\033\\[31m")" tty.out
'

test_expect_success 'upscale: a PNG by a factor, with the same code as the build' '
	rm -rf p && project && assetgen -C p build -q &&
	assetgen upscale p/dist/a1.png big.png --factor 3 --with nearest &&
	test "$(od -An -tu1 -j16 -N8 big.png | tr -s " ")" = " 0 0 0 96 0 0 0 72" &&
	assetgen upscale p/dist/a1.png sized.png --size 100x50 --with bicubic &&
	test "$(od -An -tu1 -j16 -N8 sized.png | tr -s " ")" = " 0 0 0 100 0 0 0 50" &&
	assetgen upscale p/dist/a1.png l.png && test "$(od -An -tu1 -j16 -N8 l.png | tr -s " ")" = " 0 0 0 64 0 0 0 48" &&
	grep -q "factor=2 with=lanczos3" l.png
'

test_expect_success 'upscale: nearest x2 duplicates pixels exactly' '
	python3 - <<-PY
	import struct, zlib, subprocess, os
	def png(w, h, rows):
	    raw = b"".join(b"\0" + bytes(r) for r in rows)
	    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
	rows = [[(x * 40 + y * 7) % 256 for x in range(3) for _ in range(3)] for y in range(2)]
	open("in.png", "wb").write(png(3, 2, rows))
	subprocess.run([os.environ["ASSETGEN"], "upscale", "in.png", "out.png", "--factor", "2", "--with", "nearest"], check=True)
	b = open("out.png", "rb").read()
	i, idat = 8, b""
	while i < len(b):
	    n, = struct.unpack(">I", b[i:i+4]); t = b[i+4:i+8]
	    if t == b"IDAT": idat += b[i+8:i+8+n]
	    i += 12 + n
	w, h = struct.unpack(">II", b[16:24]); assert (w, h) == (6, 4)
	raw = zlib.decompress(idat); stride = w * 3 + 1
	out, prev = [], bytearray(w * 3)
	for y in range(h):
	    f, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
	    for x in range(len(line)):
	        a = line[x - 3] if x >= 3 else 0
	        line[x] = (line[x] + (a if f == 1 else prev[x] if f == 2 else 0)) & 255
	    assert f in (0, 1, 2)
	    out.append(line); prev = line
	for y in range(h):
	    for x in range(w):
	        assert out[y][3*x:3*x+3] == bytes(rows[y // 2][3*(x // 2):3*(x // 2)+3]), (x, y)
	PY
'

# Python's zlib and an unfilter written here decode what the encoder
# writes: one standard zlib stream made of 4 deflate pieces (compressed on
# 1, 2 or 3 threads, the same bytes), each filter; libpng (assetgen's own
# decoder) reads it back to the same pixels too.
test_expect_success 'upscale: every --filter and --level is a standard PNG, the same bytes at any -j' '
	python3 - <<-PY
	import struct, zlib, subprocess, os
	A = os.environ["ASSETGEN"]
	W, H = 200, 1400                   # 601-byte rows, 4 pieces of 256 KiB
	def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
	px = bytes(((x * 3 + y * 2) // 5 + (x * y) % 7 + c * 40) & 255 for y in range(H) for x in range(W) for c in range(3))
	raw = b"".join(b"\0" + px[y * W * 3:(y + 1) * W * 3] for y in range(H))
	open("in.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
	def decode(name):
	    b = open(name, "rb").read(); i, idat = 8, b""
	    assert b[:8] == b"\x89PNG\r\n\x1a\n"
	    while i < len(b):
	        n, = struct.unpack(">I", b[i:i+4]); t = b[i+4:i+8]
	        assert struct.unpack(">I", b[i+8+n:i+12+n])[0] == zlib.crc32(b[i+4:i+8+n]), t
	        if t == b"IDAT": idat += b[i+8:i+8+n]
	        i += 12 + n
	    assert struct.unpack(">II", b[16:24]) == (W, H)
	    d = zlib.decompressobj(); data = d.decompress(idat)   # checks the Adler-32
	    assert d.eof and d.unused_data == b"" and len(data) == H * (W * 3 + 1)
	    out, prev, kinds = bytearray(), bytearray(W * 3), set()
	    for y in range(H):
	        f = data[y * (W * 3 + 1)]; line = bytearray(data[y * (W * 3 + 1) + 1:(y + 1) * (W * 3 + 1)]); kinds.add(f)
	        for x in range(W * 3):
	            a = line[x - 3] if x >= 3 else 0; b_ = prev[x]; c = prev[x - 3] if x >= 3 else 0
	            if f == 1: p = a
	            elif f == 2: p = b_
	            elif f == 3: p = (a + b_) // 2
	            elif f == 4:
	                q = a + b_ - c; pa, pb, pc = abs(q - a), abs(q - b_), abs(q - c)
	                p = a if pa <= pb and pa <= pc else b_ if pb <= pc else c
	            else: assert f == 0; p = 0
	            line[x] = (line[x] + p) & 255
	        out += line; prev = line
	    return bytes(out), kinds
	for f, level, want in (("none", 0, {0}), ("sub", 1, {1}), ("up", 3, {2}), ("avg", 6, {3}), ("paeth", 9, {4}), ("adaptive", 3, None)):
	    outs = []
	    for j in ("1", "2", "3"):
	        subprocess.run([A, "upscale", "in.png", f"o{j}.png", "--size", f"{W}x{H}", "--filter", f, "--level", str(level), "-j", j], check=True)
	        outs.append(open(f"o{j}.png", "rb").read())
	    assert outs[0] == outs[1] == outs[2], f
	    pixels, kinds = decode("o1.png")
	    assert pixels == px, f
	    assert want is None or kinds == want, (f, kinds)
	    subprocess.run([A, "upscale", "o1.png", "back.png", "--size", f"{W}x{H}", "--filter", "none", "--level", "0"], check=True)
	    assert decode("back.png")[0] == px, f
	PY
'

test_expect_success 'upscale: bad arguments are usage errors' '
	must_fail 2 assetgen upscale p/dist/a1.png x.png --factor 5 &&
	must_fail 2 assetgen upscale p/dist/a1.png x.png --with lanczos5 &&
	must_fail 2 assetgen upscale p/dist/a1.png x.png --level 10 &&
	must_fail 2 assetgen upscale p/dist/a1.png x.png --filter fast 2>err && grep -q "filter" err &&
	must_fail 2 assetgen upscale missing.png x.png 2>err && grep -q "cannot read" err &&
	printf "not a png" >bad.png && must_fail 2 assetgen upscale bad.png x.png 2>err &&
	grep -q "cannot decode" err && ! test -e x.png
'

test_done
