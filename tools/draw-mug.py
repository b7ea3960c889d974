#!/usr/bin/env python3
# draw-mug.py - draws products/mug.png, the demo's product shot, with the
# standard library alone: the same bytes on every run.
#
#   python3 tools/draw-mug.py products/mug.png
#
# A 320x320 RGBA picture of a teal mug with a handle, a cream band and a
# soft shadow, on a transparent background.  Dedicated to the public
# domain (CC0 1.0): see products/LICENSE.
import struct
import sys
import zlib

W = H = 320


def inside_rounded(x, y, x0, y0, x1, y1, r):
    """Is (x, y) inside the rectangle with corners rounded by r?"""
    if x < x0 or x >= x1 or y < y0 or y >= y1:
        return False
    cx = min(max(x, x0 + r), x1 - 1 - r)
    cy = min(max(y, y0 + r), y1 - 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def pixel(x, y):
    # the shadow: an ellipse under the mug
    shadow = ((x - 150) / 110.0) ** 2 + ((y - 292) / 14.0) ** 2 <= 1
    # the handle: a ring on the right
    d2 = (x - 238) ** 2 + (y - 160) ** 2
    handle = 34 ** 2 <= d2 <= 54 ** 2 and x > 215
    body = inside_rounded(x, y, 62, 60, 238, 290, 22)
    if body:
        shade = int(30 * (x - 62) / 176)          # lit from the left
        if 150 <= y < 196:                        # the cream band
            return (246 - shade // 2, 232 - shade // 2, 200 - shade // 2, 255)
        if y < 76:                                # the rim
            return (20, 96, 104, 255)
        return (32 + 20 - shade, 150 - shade, 158 - shade, 255)
    if handle:
        return (26, 128, 136, 255)
    if shadow:
        return (0, 0, 0, 70)
    return (0, 0, 0, 0)


def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)


def main():
    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(W)) for y in range(H))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))
    with open(sys.argv[1], "wb") as f:
        f.write(png)


main()
