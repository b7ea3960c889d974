# mkpng.py - small PNGs for the tests, written with the standard library alone
#
# python3 mkpng.py OUT KIND W H: KIND is one of
#   product   RGBA: an orange block, transparent at the sides
#   half      RGB: black on the left half, white on the right (a mask)
#   flat:RRGGBB  RGB, one colour
#   huge      a valid header claiming 100000x100000 pixels, and no more
import struct
import sys
import zlib


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)


def write(path, w, h, ctype, pixel):
    ch = {2: 3, 6: 4}[ctype]
    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y)[:ch]) for x in range(w)) for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def main():
    out, kind, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if kind == "product":
        write(out, w, h, 6, lambda x, y: (230, 120, 30, 255 if w // 4 <= x < w - w // 4 else 0))
    elif kind == "half":
        write(out, w, h, 2, lambda x, y: (255, 255, 255) if x >= w // 2 else (0, 0, 0))
    elif kind.startswith("flat:"):
        c = bytes.fromhex(kind[5:])
        write(out, w, h, 2, lambda x, y: tuple(c))
    elif kind == "huge":
        with open(out, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    else:
        sys.exit("unknown kind " + kind)


main()
