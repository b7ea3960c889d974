#!/usr/bin/env python3
"""fake.py - a loopback fake of the hosted image APIs assetgen talks to.

One server plays every provider, each under its own path prefix:

  /http/generate, /http/generate-json          generic JSON endpoint
  /openai/images/generations                   OpenAI Images
  /a1111/sdapi/v1/txt2img, .../extra-single-image   AUTOMATIC1111 / Forge
  /ideogram/generate, /ideogram/files/<id>.png Ideogram (legacy /generate)
  /stability/v2beta/stable-image/generate/sd3  Stability v2beta (multipart)
  /gemini/models/<model>:generateContent       Gemini

Every route checks its wire format strictly; a violation gets the
provider's error shape and is appended to /_control/violations.  Faults
(status codes, timeouts, resets, truncated or broken bodies, GPU
out-of-memory, safety rejections) are injected through /_control/faults.
See README.md next to this file.  Python 3.11 standard library only.

Usage: python3 fake.py --port 0 --port-file FILE [--latency-ms N]
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import zlib
from collections import OrderedDict
from datetime import datetime, timezone
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import queues

MAX_SIDE = 2048            # generated images: each side is capped at this
MAX_UPSCALE_SIDE = 4096    # upscaled images (A1111 extras)
MAX_BODY = 64 << 20        # request bodies
BASE = 64                  # short side of images sized by an aspect ratio
TIMEOUT_SLEEP = 30.0       # the "timeout" fault's delay
MAX_FILES = 4096           # Ideogram download URLs kept
BIG_META = 5 << 20         # the "big-meta" fault's extra render_meta bytes
OOM_MESSAGE = ("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total "
               "capacity; 5.12 GiB already allocated; 1.21 GiB free)")

PROVIDERS = ("http", "openai", "a1111", "ideogram", "stability", "gemini")
STATUS_KINDS = {"429": 429, "429-ms": 429, "500": 500, "502": 502, "503": 503,
                "408": 408, "400": 400, "401": 401, "403": 403, "404": 404}
KINDS = tuple(STATUS_KINDS) + ("timeout", "reset", "truncated", "short-body", "badjson",
                               "oom", "safety", "unsafe-image", "moderation", "echo-key",
                               "echo-key-meta", "big-meta", "jpeg")
SAFETY_KINDS = ("safety", "unsafe-image", "moderation")
ROUTE_KINDS = ("api", "download", "*")

REASONS = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 408: "Request timeout", 413: "Payload too large",
           422: "Unprocessable entity", 429: "Too many requests",
           500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}


# --------------------------------------------------------------------------
# PNG: encoder, deterministic renderer, decoder, nearest-neighbour upscale

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _chunk(tag, data):
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def png_encode(width, height, raw, channels=3):
    """raw: height rows, each a filter byte (0) then width*channels bytes."""
    ctype = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    ihdr = struct.pack(">IIBBBBB", width, height, 8, ctype, 0, 0, 0)
    return (PNG_SIG + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw, 6))
            + _chunk(b"IEND", b""))


# A 5x7 bitmap font for the quoted text of a prompt: each glyph is seven
# rows of five bits, most significant bit leftmost.
FONT = {
    "A": (14, 17, 17, 31, 17, 17, 17), "B": (30, 17, 17, 30, 17, 17, 30),
    "C": (14, 17, 16, 16, 16, 17, 14), "D": (30, 17, 17, 17, 17, 17, 30),
    "E": (31, 16, 16, 30, 16, 16, 31), "F": (31, 16, 16, 30, 16, 16, 16),
    "G": (14, 17, 16, 23, 17, 17, 15), "H": (17, 17, 17, 31, 17, 17, 17),
    "I": (14, 4, 4, 4, 4, 4, 14), "J": (7, 2, 2, 2, 2, 18, 12),
    "K": (17, 18, 20, 24, 20, 18, 17), "L": (16, 16, 16, 16, 16, 16, 31),
    "M": (17, 27, 21, 21, 17, 17, 17), "N": (17, 17, 25, 21, 19, 17, 17),
    "O": (14, 17, 17, 17, 17, 17, 14), "P": (30, 17, 17, 30, 16, 16, 16),
    "Q": (14, 17, 17, 17, 21, 18, 13), "R": (30, 17, 17, 30, 20, 18, 17),
    "S": (15, 16, 16, 14, 1, 1, 30), "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14), "V": (17, 17, 17, 17, 17, 10, 4),
    "W": (17, 17, 17, 21, 21, 21, 10), "X": (17, 17, 10, 4, 10, 17, 17),
    "Y": (17, 17, 10, 4, 4, 4, 4), "Z": (31, 1, 2, 4, 8, 16, 31),
    "0": (14, 17, 19, 21, 25, 17, 14), "1": (4, 12, 4, 4, 4, 4, 14),
    "2": (14, 17, 1, 2, 4, 8, 31), "3": (31, 2, 4, 2, 1, 17, 14),
    "4": (2, 6, 10, 18, 31, 2, 2), "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14), "7": (31, 1, 2, 4, 8, 8, 8),
    "8": (14, 17, 17, 14, 17, 17, 14), "9": (14, 17, 17, 15, 1, 2, 12),
    "!": (4, 4, 4, 4, 4, 0, 4), ".": (0, 0, 0, 0, 0, 12, 12),
    "-": (0, 0, 0, 31, 0, 0, 0), "%": (24, 25, 2, 4, 8, 19, 3),
    " ": (0, 0, 0, 0, 0, 0, 0),
}
QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")


def quoted_text(prompt):
    m = QUOTED.search(prompt or "")
    return (m.group(1) or m.group(2)) if m else None


def garble(text):
    """The same shape of copy, every letter and digit wrong: what a model
    that cannot spell draws."""
    out = []
    for ch in text.upper():
        if "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + 13) % 26 + 65))
        elif "0" <= ch <= "9":
            out.append(chr((ord(ch) - 48 + 5) % 10 + 48))
        else:
            out.append(ch)
    return "".join(out)


def draw_text(raw_rows, width, height, text):
    """Draw text (upper case, 5x7 glyphs scaled up) black on a white band
    across the middle of raw_rows (lists of RGB bytearrays)."""
    text = "".join(ch if ch in FONT else " " for ch in text.upper())
    cols = len(text) * 6 - 1
    scale = max(1, min((width * 9 // 10) // max(cols, 1), (height // 2) // 9))
    tw, th = cols * scale, 7 * scale
    x0, y0 = (width - tw) // 2, (height - th) // 2
    for y in range(max(0, y0 - 2 * scale), min(height, y0 + th + 2 * scale)):
        raw_rows[y][:] = b"\xff" * (width * 3)
    for i, ch in enumerate(text):
        rows = FONT[ch]
        for gy in range(7):
            bits = rows[gy]
            for gx in range(5):
                if not bits & (16 >> gx):
                    continue
                px = x0 + (i * 6 + gx) * scale
                for yy in range(y0 + gy * scale, y0 + (gy + 1) * scale):
                    if 0 <= yy < height and px >= 0:
                        raw_rows[yy][px * 3:(px + scale) * 3] = b"\x00" * (3 * scale)


@lru_cache(maxsize=512)
def render_png(prompt, seed, width, height, variant="", text=None):
    """A deterministic RGB PNG whose pixels depend on (prompt, seed): two
    colours from a hash in a checker of stripes.  variant "filtered" is the
    flat grey a content filter leaves.  text "ok" draws the prompt's quoted
    text legibly over it, "garbled" draws it with every letter wrong."""
    h = hashlib.sha256(f"{variant}\0{prompt}\0{seed}".encode("utf-8", "surrogatepass")).digest()
    if variant == "filtered":
        c1 = c2 = b"\x80\x80\x80"
    else:
        c1, c2 = h[0:3], h[3:6]
        if c1 == c2:
            c2 = bytes(255 - b for b in c1)
    sx, sy = 2 + h[6] % 14, 2 + h[7] % 14
    reps = width // (2 * sx) + 1
    row_a = b"\x00" + ((c1 * sx + c2 * sx) * reps)[:width * 3]
    row_b = b"\x00" + ((c2 * sx + c1 * sx) * reps)[:width * 3]
    copy = text in ("ok", "garbled") and quoted_text(prompt)
    if copy:
        rows = [bytearray(row_a[1:] if (y // sy) % 2 == 0 else row_b[1:]) for y in range(height)]
        draw_text(rows, width, height, copy if text == "ok" else garble(copy))
        raw = b"".join(b"\x00" + bytes(r) for r in rows)
        return png_encode(width, height, raw, 3)
    raw = b"".join(row_a if (y // sy) % 2 == 0 else row_b for y in range(height))
    return png_encode(width, height, raw, 3)


def png_decode(data):
    """Decode an 8-bit, non-interlaced PNG (grey, RGB, palette, grey+alpha,
    RGBA; filters 0-4).  Returns (width, height, channels 3|4, pixels)."""
    if data[:8] != PNG_SIG:
        raise ValueError("not a PNG (bad signature)")
    pos, ihdr, plte, idat, ended = 8, None, None, [], False
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated chunk header")
        length, tag = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("truncated %r chunk" % tag)
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4:end])
        if zlib.crc32(tag + body) & 0xFFFFFFFF != crc:
            raise ValueError("bad CRC in %r chunk" % tag)
        if tag == b"IHDR":
            ihdr = body
        elif tag == b"PLTE":
            plte = body
        elif tag == b"IDAT":
            idat.append(body)
        elif tag == b"IEND":
            ended = True
            break
        pos = end
    if ihdr is None or len(ihdr) != 13:
        raise ValueError("missing IHDR")
    if not ended:
        raise ValueError("missing IEND")
    w, h, depth, ctype, _comp, _filt, interlace = struct.unpack(">IIBBBBB", ihdr)
    if depth != 8 or interlace != 0 or ctype not in (0, 2, 3, 4, 6):
        raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)"
                         % (depth, ctype, interlace))
    if w == 0 or h == 0 or w > 16384 or h > 16384:
        raise ValueError("bad PNG size %dx%d" % (w, h))
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise ValueError("bad IDAT: %s" % e) from None
    bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        raise ValueError("IDAT holds %d bytes, expected %d" % (len(raw), h * (stride + 1)))
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        i = y * (stride + 1)
        ft = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        if ft == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif ft == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif ft == 3:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((a + prev[x]) >> 1)) & 255
        elif ft == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        elif ft != 0:
            raise ValueError("bad filter type %d in row %d" % (ft, y))
        out += line
        prev = line
    if ctype == 2:
        return w, h, 3, bytes(out)
    if ctype == 6:
        return w, h, 4, bytes(out)
    if ctype == 0:
        return w, h, 3, bytes(v for g in out for v in (g, g, g))
    if ctype == 4:
        return w, h, 4, bytes(v for i in range(0, len(out), 2)
                              for v in (out[i], out[i], out[i], out[i + 1]))
    if plte is None or len(plte) % 3:
        raise ValueError("palette image without a valid PLTE")
    pal = [plte[i:i + 3] for i in range(0, len(plte), 3)]
    try:
        return w, h, 3, b"".join(pal[i] for i in out)
    except IndexError:
        raise ValueError("palette index out of range") from None



def pixels_digest(data):
    """What an image input shows: for a PNG, the SHA-256 of its size,
    channels and decoded pixels, whatever its encoding and metadata; for
    any other image (or a PNG this decoder refuses), None."""
    try:
        w, h, c, px = png_decode(data)
    except ValueError:
        return None
    return hashlib.sha256(b"%dx%dx%d\0" % (w, h, c) + bytes(px)).hexdigest()

def upscale_nearest(w, h, ch, pixels, nw, nh):
    xmap = [(x * w) // nw for x in range(nw)]
    cache, rows = {}, []
    for y in range(nh):
        sy = (y * h) // nh
        row = cache.get(sy)
        if row is None:
            src = pixels[sy * w * ch:(sy + 1) * w * ch]
            px = [src[i * ch:(i + 1) * ch] for i in range(w)]
            row = cache[sy] = b"\x00" + b"".join(px[sx] for sx in xmap)
        rows.append(row)
    return png_encode(nw, nh, b"".join(rows), ch)


def aspect_size(a, b):
    """Pixel size for aspect ratio a:b with the short side BASE pixels."""
    if a >= b:
        return int(BASE * a / b + 0.5), BASE
    return BASE, int(BASE * b / a + 0.5)


def cap(n, limit=MAX_SIDE):
    return max(1, min(int(n), limit))


def redact(text):
    """Keep keys out of stderr (a key sent in a query string)."""
    return re.sub(r"(?i)(key=)[^&\s'\"]+", r"\1<redacted>", text)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def half(data):
    return data[:len(data) // 2]


# --------------------------------------------------------------------------
# Responses and provider-shaped errors

class Response:
    def __init__(self, status, body, ctype="application/json", headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.ctype = ctype
        self.headers = list(headers or [])


class Violation(Exception):
    """A request that breaks the provider's documented wire format."""

    def __init__(self, problem, status=400):
        super().__init__(problem)
        self.problem = problem
        self.status = status


OPENAI_TYPES = {400: ("invalid_request_error", None),
                401: ("invalid_request_error", "invalid_api_key"),
                403: ("invalid_request_error", None), 404: ("invalid_request_error", None),
                405: ("invalid_request_error", None),
                408: ("server_error", None), 429: ("requests", "rate_limit_exceeded")}
STABILITY_NAMES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 408: "request_timeout", 413: "payload_too_large",
                   422: "invalid_request", 429: "rate_limit_exceeded", 500: "internal_error",
                   502: "bad_gateway", 503: "service_unavailable"}
GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 405: "INVALID_ARGUMENT", 408: "DEADLINE_EXCEEDED",
                 413: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE"}


def error_body(provider, status, message, rule=None, a1111_error=None):
    """The provider's JSON error body for status."""
    if provider == "openai":
        etype, code = OPENAI_TYPES.get(status, ("server_error", None))
        return {"error": {"message": message, "type": etype, "param": None, "code": code}}
    if provider == "a1111":
        if a1111_error:
            return {"error": a1111_error, "detail": "", "body": "", "errors": message}
        return {"error": "HTTPException", "detail": message, "body": "",
                "errors": "%d: %s" % (status, message)}
    if provider == "stability":
        if status == 429:
            return {"id": "rate_limit_exceeded", "name": "rate_limit_exceeded", "errors": [
                "You have exceeded the rate limit of 150 requests within a 10 second period, "
                "and have been timed out for 60 seconds."]}
        return {"id": os.urandom(16).hex(), "name": STABILITY_NAMES.get(status, "error"),
                "errors": [message]}
    if provider == "gemini":
        err = {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}
        if status == 429:
            delay = (rule or {}).get("retry_delay") or "2s"
            err["details"] = [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                    {"quotaMetric": "generativelanguage.googleapis.com/generate_content_requests",
                     "quotaId": "GenerateRequestsPerMinutePerProjectPerModel"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]
        return {"error": err}
    # http (generic), ideogram, unknown
    return {"error": message}


def error_response(provider, status, message, rule=None, a1111_error=None):
    return Response(status, error_body(provider, status, message, rule, a1111_error))


def fault_status_response(provider, kind, rule):
    status = STATUS_KINDS[kind]
    msg = rule.get("message") or "fake fault %s: %s" % (kind, REASONS.get(status, "error"))
    if provider == "a1111" and status >= 500:
        resp = error_response(provider, status, msg, rule, a1111_error="RuntimeError")
    else:
        resp = error_response(provider, status, msg, rule)
    if rule.get("retry_after") is not None:
        resp.headers.append(("Retry-After", rule["retry_after"]))
    if kind == "429-ms" or rule.get("retry_after_ms") is not None:
        resp.headers.append(("retry-after-ms", rule.get("retry_after_ms") or "1000"))
    return resp


def meta_fault(resp, cred, pad):
    """A success whose render_meta quotes the credential cred, as a
    debugging server might (as sent, lower-cased, percent-encoded, and the
    bare key or Basic token after 'Bearer ' or 'Basic '), or carries pad
    bytes more.  An Ideogram answer instead quotes cred in each item's
    prompt and its download link's query (percent-encoded and base64), as a
    server that signs links with the key might.  Other answers are
    unchanged."""
    try:
        obj = json.loads(resp.body)
    except ValueError:
        return resp
    if not isinstance(obj, dict):
        return resp
    scheme, _, token = (cred or "").partition(" ")
    key = token if scheme in ("Bearer", "Basic") and token else cred
    if cred is not None and isinstance(obj.get("data"), list):
        for item in obj["data"]:
            if isinstance(item, dict) and item.get("url"):
                item["prompt"] = "%s (debug: %s)" % (item.get("prompt"), cred)
                item["url"] += "?key=%s&auth=%s" % (
                    quote(key, safe=""), quote(b64(key.encode()), safe=""))
        return Response(resp.status, obj, resp.ctype, resp.headers)
    if not isinstance(obj.get("render_meta"), dict):
        return resp
    if cred is not None:
        obj["render_meta"]["debug"] = {
            "authorization": cred, "lower": cred.lower(),
            "query": "key=" + quote(key, safe=""), "key": key}
    if pad:
        obj["render_meta"]["pad"] = "x" * pad
    return Response(resp.status, obj, resp.ctype, resp.headers)


def oom_response(provider):
    if provider == "a1111":
        return error_response(provider, 500, OOM_MESSAGE, a1111_error="OutOfMemoryError")
    return error_response(provider, 500, OOM_MESSAGE)


def safety_response(provider):
    """Generic safety rejections (routes may answer their own first)."""
    if provider == "openai":
        return Response(400, {"error": {
            "message": "Your request was rejected as a result of our safety system.",
            "type": "image_generation_user_error", "param": None, "code": "moderation_blocked"}})
    if provider == "ideogram":
        return Response(422, {"error": "Prompt provided failed safety check due to the "
                                       "inclusion of prohibited content."})
    if provider == "stability":
        return Response(403, {"id": os.urandom(16).hex(), "name": "content_moderation", "errors": [
            "Your request was flagged by our content moderation system, as a result your "
            "request was denied and you were not charged."]})
    if provider == "a1111":
        return error_response(provider, 400, "Prompt rejected by the safety filter")
    if provider == "gemini":
        return Response(200, {"promptFeedback": {"blockReason": "SAFETY"},
                              "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8}})
    return Response(400, {"error": "Prompt rejected by the safety filter",
                          "code": "content_policy_violation"})


# --------------------------------------------------------------------------
# Request parsing helpers

def header_params(value):
    """'type/sub; a=1; b="x y"' -> ('type/sub', {'a': '1', 'b': 'x y'})"""
    main, _, rest = value.partition(";")
    params = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        j = i
        while j < n and rest[j] not in "=;":
            j += 1
        name = rest[i:j].strip().lower()
        i = j
        val = ""
        if i < n and rest[i] == "=":
            i += 1
            if i < n and rest[i] == '"':
                i += 1
                buf = []
                while i < n and rest[i] != '"':
                    if rest[i] == "\\" and i + 1 < n:
                        i += 1
                    buf.append(rest[i])
                    i += 1
                i += 1
                val = "".join(buf)
            else:
                j = i
                while j < n and rest[j] != ";":
                    j += 1
                val = rest[i:j].strip()
                i = j
        if name:
            params[name] = val
    return main.strip().lower(), params


def parse_multipart(body, boundary):
    """-> list of (name, data bytes, filename or None, content type or None)."""
    if not boundary or len(boundary) > 70:
        raise Violation("multipart boundary missing or too long")
    delim = b"--" + boundary.encode("latin-1")
    chunks = body.split(delim)
    if len(chunks) < 3:
        raise Violation("multipart body has no parts or no closing boundary")
    if chunks[0] not in (b"", b"\r\n"):
        raise Violation("multipart body does not start with the boundary")
    if not chunks[-1].startswith(b"--"):
        raise Violation("multipart body lacks the closing boundary")
    parts = []
    for raw in chunks[1:-1]:
        if not raw.startswith(b"\r\n") or not raw.endswith(b"\r\n"):
            raise Violation("malformed multipart part (CRLF framing)")
        raw = raw[2:-2]
        head, sep, data = raw.partition(b"\r\n\r\n")
        if not sep:
            raise Violation("multipart part without a header/body separator")
        name = filename = ptype = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            hname, colon, hval = line.partition(":")
            if not colon:
                raise Violation("malformed multipart part header %r" % line)
            hname = hname.strip().lower()
            if hname == "content-disposition":
                disp, params = header_params(hval)
                if disp != "form-data":
                    raise Violation("multipart part disposition is %r, not form-data" % disp)
                name = params.get("name")
                filename = params.get("filename")
            elif hname == "content-type":
                ptype = hval.strip()
        if not name:
            raise Violation("multipart part without a name")
        parts.append((name, data, filename, ptype))
    return parts


def _reject_constant(c):
    raise ValueError("%s is not JSON" % c)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def want(obj, key, check, what, where="", required=False):
    """Check obj[key] (if present) with check(); returns the value or None."""
    label = where + key
    if key not in obj:
        if required:
            raise Violation("%s: required field missing" % label)
        return None
    v = obj[key]
    if not check(v):
        raise Violation("%s: expected %s, got %s" % (label, what, json.dumps(v)[:80]))
    return v


def nonempty_str(v):
    return isinstance(v, str) and v != ""


def enum(*values):
    return lambda v: isinstance(v, str) and v in values


def int_range(lo, hi):
    return lambda v: is_int(v) and lo <= v <= hi


# --------------------------------------------------------------------------
# Server state

class State:
    def __init__(self, latency_ms=0):
        self.lock = threading.Lock()
        self.default_latency_ms = latency_ms
        self.files = OrderedDict()         # ideogram file id -> (png bytes, prompt)
        self.file_seq = 0
        self.seed_rng = random.Random()    # seeds chosen when the client sends none
        self._reset()

    def _reset(self):
        self.text = None                   # {"garble": set of seeds, "garble_rate": r}
        self.rules = []
        self.random = None
        self.rng = None
        self.latency_ms = self.default_latency_ms
        self.requests = []
        self.violations = []
        self.seq = 0

    def reset(self):
        with self.lock:
            self._reset()

    def new_record(self, provider, method, path, headers):
        with self.lock:
            self.seq += 1
            rec = {"n": self.seq, "provider": provider, "method": method, "path": path,
                   "prompt": None, "seed": None, "fault": None, "status": None,
                   "start": time.monotonic(), "end": None, "headers": headers,
                   "violation": None}
            self.requests.append(rec)
            return rec

    def add_violation(self, rec, provider, path, problem):
        with self.lock:
            rec["violation"] = problem
            self.violations.append({"n": rec["n"], "provider": provider, "path": path,
                                    "problem": problem})

    def choose_fault(self, provider, route, prompt):
        with self.lock:
            for r in self.rules:
                if r["count"] == 0:
                    continue
                if r["provider"] not in ("*", provider) or r["route"] not in ("*", route):
                    continue
                if r["match"] is not None and (prompt is None or r["match"] not in prompt):
                    continue
                if r["count"] > 0:
                    r["count"] -= 1
                r["hits"] += 1
                return r
            rnd = self.random
            if route == "api" and rnd and rnd["provider"] in ("*", provider):
                if self.rng.random() < rnd["rate"]:
                    return {"fault": self.rng.choice(rnd["kinds"]), "random": True}
            return None

    def text_mode(self, prompt, seed):
        """None (no text drawn), "ok" or "garbled": deterministic in
        (prompt, seed) for a given /_control/text setting."""
        with self.lock:
            t = self.text
        if not t or not quoted_text(prompt):
            return None
        if seed in t["garble"]:
            return "garbled"
        h = hashlib.sha256(f"text\0{prompt}\0{seed}".encode("utf-8", "surrogatepass")).digest()
        if int.from_bytes(h[:4], "big") / 2**32 < t["garble_rate"]:
            return "garbled"
        return "ok"

    def random_seed(self, lo, hi):
        with self.lock:
            return self.seed_rng.randint(lo, hi)

    def put_file(self, png, prompt):
        with self.lock:
            self.file_seq += 1
            fid = "%06d%s" % (self.file_seq, os.urandom(6).hex())
            self.files[fid] = (png, prompt)
            while len(self.files) > MAX_FILES:
                self.files.popitem(last=False)
            return fid

    def get_file(self, fid):
        with self.lock:
            return self.files.get(fid)


def parse_rule(r):
    if not isinstance(r, dict):
        raise ValueError("a rule must be an object")
    allowed = {"provider", "fault", "count", "match", "retry_after", "retry_after_ms",
               "retry_delay", "route", "sleep_s", "message"}
    extra = set(r) - allowed
    if extra:
        raise ValueError("unknown rule field(s): %s" % ", ".join(sorted(extra)))
    provider = r.get("provider", "*")
    if provider != "*" and provider not in PROVIDERS:
        raise ValueError("unknown provider %r" % provider)
    fault = r.get("fault")
    if fault not in KINDS:
        raise ValueError("unknown fault %r (kinds: %s)" % (fault, ", ".join(KINDS)))
    count = r.get("count", 1)
    if not is_int(count) or count < -1:
        raise ValueError("count must be an integer >= -1")
    match = r.get("match")
    if match is not None and not isinstance(match, str):
        raise ValueError("match must be a string")
    route = r.get("route", "api")
    if route not in ROUTE_KINDS:
        raise ValueError("route must be one of %s" % ", ".join(ROUTE_KINDS))
    out = {"provider": provider, "fault": fault, "count": count, "match": match,
           "route": route, "hits": 0}
    for key in ("retry_after", "retry_after_ms", "retry_delay"):
        v = r.get(key)
        if v is None:
            out[key] = None
        elif isinstance(v, str) or is_num(v):
            out[key] = v if isinstance(v, str) else ("%g" % v)
        else:
            raise ValueError("%s must be a string or a number" % key)
    sleep_s = r.get("sleep_s", TIMEOUT_SLEEP)
    if not is_num(sleep_s) or sleep_s < 0:
        raise ValueError("sleep_s must be a number >= 0")
    out["sleep_s"] = sleep_s
    message = r.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    out["message"] = message
    return out


# --------------------------------------------------------------------------
# Routes.  Each takes a Req, validates it (raising Violation), and returns a
# build(kind) function: kind None is the normal answer, "truncated" the same
# with a half-length PNG, a safety kind the route's own safety answer (or
# None to use the provider's generic one).

class Req:
    def __init__(self, handler, provider, method, path, query, headers, body, groups):
        self.handler = handler
        self.state = handler.server.state
        self.provider = provider
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.groups = groups
        self.rec = None
        self.prompt = None
        self.seed = None

    def set_prompt(self, prompt, seed=None):
        self.prompt = prompt if isinstance(prompt, str) else None
        self.seed = seed if is_int(seed) else None
        self.rec["prompt"] = self.prompt
        self.rec["seed"] = self.seed

    def json(self):
        ct = self.headers.get("content-type")
        if ct is None:
            raise Violation("missing content-type (expected application/json)")
        mtype, params = header_params(ct)
        if mtype != "application/json":
            raise Violation("content-type is %r, expected application/json" % ct)
        if params.get("charset", "utf-8").lower() != "utf-8":
            raise Violation("JSON charset is %r, expected utf-8" % params["charset"])
        try:
            obj = json.loads(self.body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as e:
            raise Violation("body is not valid JSON: %s" % e) from None
        if not isinstance(obj, dict):
            raise Violation("JSON body is not an object")
        return obj

    def no_query(self):
        if self.query:
            # never echoed: a misplaced key must not come back in an error body
            raise Violation("unexpected query string (%d bytes)" % len(self.query))

    def bearer(self, status=401, optional=False):
        v = self.headers.get("authorization")
        if v is None:
            if optional:
                return
            raise Violation("missing Authorization header (expected 'Bearer <key>')", status)
        if not re.fullmatch(r"Bearer [^\s]+", v):
            raise Violation("Authorization header is not 'Bearer <key>'", status)

    @property
    def port(self):
        return self.handler.server.server_address[1]


def mutate(kind):
    return half if kind == "truncated" else (lambda png: png)


IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "image/webp": b"RIFF"}


def check_http_inputs(inputs):
    """The generic endpoint's "inputs": [{role, image (base64), mime_type,
    strength (init only, 0..1)}], at most one init and one mask.  Returns
    what the tests may look at: role, type, strength and the image's
    SHA-256, per input."""
    if not isinstance(inputs, list) or not inputs:
        raise Violation("inputs must be a non-empty list")
    seen, out = {}, []
    for i, o in enumerate(inputs):
        if not isinstance(o, dict):
            raise Violation("inputs[%d] must be an object" % i)
        extra = set(o) - {"role", "image", "mime_type", "strength"}
        if extra:
            raise Violation("inputs[%d]: unknown field(s): %s" % (i, ", ".join(sorted(extra))))
        role = o.get("role")
        if role not in ("reference", "init", "mask"):
            raise Violation("inputs[%d].role must be reference, init or mask" % i)
        seen[role] = seen.get(role, 0) + 1
        if role != "reference" and seen[role] > 1:
            raise Violation("more than one input with role %s" % role)
        if ("strength" in o) != (role == "init"):
            raise Violation("inputs[%d]: strength goes with role init, and only there" % i)
        if role == "init" and not (isinstance(o["strength"], (int, float)) and 0 <= o["strength"] <= 1):
            raise Violation("inputs[%d].strength must be a number in 0..1" % i)
        mime = o.get("mime_type")
        if mime not in IMAGE_MAGIC:
            raise Violation("inputs[%d].mime_type must be image/png, image/jpeg or image/webp" % i)
        try:
            data = base64.b64decode(o.get("image") or "", validate=True)
        except (binascii.Error, TypeError):
            raise Violation("inputs[%d].image is not base64" % i)
        if not data.startswith(IMAGE_MAGIC[mime]):
            raise Violation("inputs[%d].image is not the %s its mime_type says" % (i, mime))
        out.append({"role": role, "mime_type": mime, "strength": o.get("strength"),
                    "sha256": hashlib.sha256(data).hexdigest(), "pixels": pixels_digest(data)})
    return out


def r_http_generate(req, as_json):
    req.no_query()
    # a team's own server: a key, or HTTP Basic (an endpoint URL's
    # user:password, as a proxy in front of it may ask for), or nothing
    if not re.fullmatch(r"Basic [A-Za-z0-9+/=]+", req.headers.get("authorization") or ""):
        req.bearer(optional=True)
    obj = req.json()
    req.set_prompt(obj.get("prompt"), obj.get("seed"))
    extra = set(obj) - {"prompt", "negative_prompt", "seed", "width", "height", "params", "inputs"}
    if extra:
        raise Violation("unknown field(s): %s" % ", ".join(sorted(extra)))
    if "inputs" in obj:
        req.rec["inputs"] = check_http_inputs(obj["inputs"])
    prompt = want(obj, "prompt", lambda v: isinstance(v, str), "a string", required=True)
    want(obj, "negative_prompt", lambda v: isinstance(v, str), "a string")
    seed = want(obj, "seed", lambda v: is_int(v) and v >= 0, "an integer >= 0", required=True)
    w = want(obj, "width", lambda v: is_int(v) and v > 0, "an integer > 0", required=True)
    h = want(obj, "height", lambda v: is_int(v) and v > 0, "an integer > 0", required=True)
    want(obj, "params", lambda v: isinstance(v, dict), "an object")
    w, h = cap(w), cap(h)

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        png = mutate(kind)(render_png(prompt, seed, w, h, text=req.state.text_mode(prompt, seed)))
        if not as_json:
            return Response(200, png, "image/png")
        return Response(200, {"image": b64(png), "render_meta": {
            "sampler": "euler", "seed": seed, "model": "fake-sd"}})
    return build


OPENAI_FIELDS = {"model", "prompt", "n", "size", "quality", "background", "output_format",
                 "output_compression", "moderation", "user", "stream", "partial_images",
                 "response_format", "style"}
# Shut down (the model pages say so): the API no longer knows them.
OPENAI_RETIRED = ("dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5",
                  "gpt-image-1.5-2025-12-16", "chatgpt-image-latest")
OPENAI_MODELS = ("gpt-image-2", "gpt-image-2-2026-04-21", "gpt-image-2.5-flare",
                 "gpt-image-2.5-sunburst", "gpt-image-2.6-flare", "gpt-image-2.6-sunburst")


def openai_size_ok(w, h):
    """gpt-image-2 and later: any WxH, sides multiples of 16, ratio 1:3..3:1,
    at most 3840x2160."""
    return (w % 16 == 0 and h % 16 == 0 and w <= 3 * h and h <= 3 * w
            and max(w, h) <= 3840 and min(w, h) <= 2160)


def r_openai(req):
    req.no_query()
    req.bearer()
    obj = req.json()
    req.set_prompt(obj.get("prompt"))
    # the real API names the first field it does not know
    for key in obj:
        if key not in OPENAI_FIELDS:
            raise Violation("Unrecognized request argument supplied: %s" % key)
    model = want(obj, "model", nonempty_str, "a non-empty string", required=True)
    if model in OPENAI_RETIRED or model not in OPENAI_MODELS:
        raise Violation("The model `%s` does not exist or you do not have access to it."
                        % model, 404)
    prompt = want(obj, "prompt", nonempty_str, "a non-empty string", required=True)
    if len(prompt) > 32000:
        raise Violation("prompt: at most 32000 characters")
    want(obj, "n", lambda v: is_int(v) and v == 1, "1 (the client makes one image per request)")
    size = want(obj, "size", lambda v: isinstance(v, str) and (
        v == "auto" or re.fullmatch(r"[1-9][0-9]*x[1-9][0-9]*", v)), "'WxH' or 'auto'")
    if size not in (None, "auto") and not openai_size_ok(*(int(x) for x in size.split("x"))):
        raise Violation("Invalid size '%s': sides must be multiples of 16, the aspect ratio "
                        "between 1:3 and 3:1, at most 3840x2160" % size)
    for key in ("response_format", "style"):
        if key in obj:
            raise Violation("%s is not supported for %s" % (key, model))
    for key, values in (("quality", ("low", "medium", "high", "auto")),
                        ("background", ("transparent", "opaque", "auto")),
                        ("output_format", ("png", "jpeg", "webp")),
                        ("moderation", ("low", "auto"))):
        want(obj, key, enum(*values), "one of " + "/".join(values))
    want(obj, "output_compression", int_range(0, 100), "an integer 0..100")
    if "output_compression" in obj and obj.get("output_format", "png") == "png":
        raise Violation("output_compression is only for jpeg and webp")
    want(obj, "user", lambda v: isinstance(v, str), "a string")
    if obj.get("stream") not in (None, False):
        raise Violation("stream: the fake does not stream")
    if size is None or size == "auto":
        w = h = 1024
    else:
        w, h = (cap(int(x)) for x in size.split("x"))

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        png = mutate(kind)(render_png(prompt, 0, w, h, text=req.state.text_mode(prompt, 0)))
        return Response(200, {
            "created": int(time.time()),
            "data": [{"b64_json": b64(png), "revised_prompt": prompt}],
            "size": "%dx%d" % (w, h), "output_format": "png",
            "quality": obj.get("quality", "auto"), "background": obj.get("background", "opaque"),
            "usage": {"input_tokens": 20, "input_tokens_details": {"text_tokens": 20,
                                                                   "image_tokens": 0},
                      "output_tokens": 1056, "total_tokens": 1076}})
    return build


def png_header(data):
    """(width, height, colour type) of a PNG, or None."""
    if not data.startswith(IMAGE_MAGIC["image/png"]) or len(data) < 26 or data[12:16] != b"IHDR":
        return None
    w, h = struct.unpack(">II", data[16:24])
    return w, h, data[25]


def r_openai_edits(req):
    """POST /v1/images/edits, multipart: image (one) or image[] (several,
    up to 16), mask (a PNG with alpha, the size of the first image)."""
    req.no_query()
    req.bearer()
    ct = req.headers.get("content-type", "")
    mtype, params = header_params(ct)
    if mtype != "multipart/form-data":
        raise Violation("content-type is %r, expected multipart/form-data" % ct)
    fields, images, mask = {}, [], None
    for name, data, filename, ptype in parse_multipart(req.body, params.get("boundary")):
        if name in ("image", "image[]"):
            if filename is None:
                raise Violation("%s must be a file part" % name)
            images.append((name, data, ptype))
        elif name == "mask":
            if filename is None or mask is not None:
                raise Violation("mask must be one file part")
            mask = data
        elif name in fields:
            raise Violation("multipart field %r sent twice" % name)
        else:
            fields[name] = data.decode("utf-8")
    req.set_prompt(fields.get("prompt"))
    for key in fields:
        if key not in OPENAI_FIELDS | {"input_fidelity"}:
            raise Violation("Unrecognized request argument supplied: %s" % key)
    if fields.get("model") not in OPENAI_MODELS:
        raise Violation("The model `%s` does not exist or you do not have access to it."
                        % fields.get("model"), 404)
    if not fields.get("prompt"):
        raise Violation("prompt: required")
    if not images:
        raise Violation("image: required")
    names = {n for n, _, _ in images}
    if len(names) > 1 or (names == {"image"} and len(images) > 1):
        raise Violation("several images go as repeated image[] parts; one as image")
    if names == {"image[]"} and len(images) == 1:
        raise Violation("one image goes as image, not image[]")
    if len(images) > 16:
        raise Violation("at most 16 images")
    rec = []
    for _, data, ptype in images:
        kind = next((m for m, magic in IMAGE_MAGIC.items() if data.startswith(magic)), None)
        if kind is None:
            raise Violation("image: png, webp or jpg only")
        if ptype != kind:
            raise Violation("image part typed %r holds %s" % (ptype, kind))
        rec.append({"role": "image", "mime_type": kind, "strength": None,
                    "sha256": hashlib.sha256(data).hexdigest(), "pixels": pixels_digest(data)})
    if mask is not None:
        mh, ih = png_header(mask), png_header(images[0][1])
        if mh is None:
            raise Violation("mask must be a PNG")
        if mh[2] not in (4, 6):
            raise Violation("mask must have an alpha channel (the edited area is where alpha is 0)")
        if ih is not None and mh[:2] != ih[:2]:
            raise Violation("mask must have the same dimensions as the first image")
        rec.append({"role": "mask", "mime_type": "image/png", "strength": None,
                    "sha256": hashlib.sha256(mask).hexdigest(), "pixels": pixels_digest(mask)})
    req.rec["inputs"] = rec
    size = fields.get("size", "1024x1024")
    w, h = (cap(int(x)) for x in size.split("x")) if size != "auto" else (1024, 1024)
    prompt = fields["prompt"]

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        png = mutate(kind)(render_png(prompt, 0, w, h, text=req.state.text_mode(prompt, 0)))
        return Response(200, {"created": int(time.time()), "data": [{"b64_json": b64(png)}],
                              "output_format": "png", "usage": {"input_tokens": 20,
                                                                "output_tokens": 1056,
                                                                "total_tokens": 1076}})
    return build


def a1111_auth(req):
    v = req.headers.get("authorization")
    if v is None:
        return
    m = re.fullmatch(r"Basic ([A-Za-z0-9+/=]+)", v)
    try:
        ok = m is not None and b":" in base64.b64decode(m.group(1), validate=True)
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise Violation("Authorization for A1111 must be HTTP Basic (--api-auth user:pass)", 401)


def a1111_image(v, what):
    """A base64 image as the webui takes it (a data: URL prefix allowed):
    its bytes."""
    if not nonempty_str(v):
        raise Violation("%s must be a base64 string" % what)
    if v.startswith("data:"):
        m = re.match(r"data:image/[A-Za-z0-9.+-]+;base64,", v)
        if not m:
            raise Violation("%s: malformed data: URL prefix" % what)
        v = v[m.end():]
    try:
        data = base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        raise Violation("%s is not base64" % what)
    if not any(data.startswith(m) for m in IMAGE_MAGIC.values()):
        raise Violation("%s is not a PNG, JPEG or WebP image" % what)
    return data


def r_a1111_txt2img(req, img2img=False):
    req.no_query()
    a1111_auth(req)
    obj = req.json()
    req.set_prompt(obj.get("prompt"), obj.get("seed"))
    if img2img:
        # modules/api/models.py: init_images (a list; "Init image not
        # found" without), denoising_strength (0.75 if absent), mask
        imgs = obj.get("init_images")
        if not isinstance(imgs, list) or not imgs:
            raise Violation("Init image not found", 404)
        if len(imgs) > 1:
            raise Violation("bad number of images passed: %d; expecting 1 or less than "
                            "batch_size" % len(imgs))
        init = a1111_image(imgs[0], "init_images[0]")
        strength = want(obj, "denoising_strength", lambda v: is_num(v) and 0 <= v <= 1,
                        "a number 0..1")
        rec = [{"role": "init", "strength": strength, "sha256": hashlib.sha256(init).hexdigest(),
                "pixels": pixels_digest(init)}]
        if "mask" in obj:
            mask = a1111_image(obj["mask"], "mask")
            if not mask.startswith(IMAGE_MAGIC["image/png"]):
                raise Violation("mask: send a PNG")
            rec.append({"role": "mask", "strength": None, "sha256": hashlib.sha256(mask).hexdigest(), "pixels": pixels_digest(mask)})
        req.rec["inputs"] = rec
    elif "init_images" in obj or "mask" in obj:
        raise Violation("init_images and mask are img2img fields, not txt2img's")
    prompt = want(obj, "prompt", lambda v: isinstance(v, str), "a string", required=True)
    want(obj, "negative_prompt", lambda v: isinstance(v, str), "a string")
    seed = want(obj, "seed", lambda v: is_int(v) and v >= -1, "an integer >= -1")
    w = want(obj, "width", lambda v: is_int(v) and v > 0, "an integer > 0")
    h = want(obj, "height", lambda v: is_int(v) and v > 0, "an integer > 0")
    steps = want(obj, "steps", lambda v: is_int(v) and v > 0, "an integer > 0")
    cfg = want(obj, "cfg_scale", is_num, "a number")
    sampler = want(obj, "sampler_name", nonempty_str, "a non-empty string")
    want(obj, "batch_size", lambda v: is_int(v) and v == 1, "1")
    want(obj, "n_iter", lambda v: is_int(v) and v == 1, "1")
    want(obj, "override_settings", lambda v: isinstance(v, dict), "an object")
    want(obj, "styles", lambda v: isinstance(v, list), "a list")
    w, h = cap(w or 512), cap(h or 512)
    steps = steps or 50
    cfg = 7.0 if cfg is None else cfg
    sampler = sampler or "DPM++ 2M"
    if seed is None or seed == -1:
        seed = req.state.random_seed(0, 4294967294)
    model = (obj.get("override_settings") or {}).get("sd_model_checkpoint") or "fake-sd"
    neg = obj.get("negative_prompt", "")

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        png = mutate(kind)(render_png(prompt, seed, w, h, text=req.state.text_mode(prompt, seed)))
        infotext = "%s\nNegative prompt: %s\nSteps: %d, Sampler: %s, CFG scale: %g, Seed: %d, " \
                   "Size: %dx%d, Model: %s" % (prompt, neg, steps, sampler, cfg, seed, w, h, model)
        info = {"prompt": prompt, "all_prompts": [prompt], "negative_prompt": neg,
                "all_negative_prompts": [neg], "seed": seed, "all_seeds": [seed],
                "subseed": seed, "all_subseeds": [seed], "subseed_strength": 0,
                "width": w, "height": h, "sampler_name": sampler, "cfg_scale": cfg,
                "steps": steps, "batch_size": 1, "restore_faces": False,
                "sd_model_name": model, "sd_model_hash": "fake0000", "seed_resize_from_w": -1,
                "seed_resize_from_h": -1, "denoising_strength": None,
                "extra_generation_params": {}, "index_of_first_image": 0,
                "infotexts": [infotext], "styles": [], "job_timestamp": "20250101000000",
                "clip_skip": 1, "is_using_inpainting_conditioning": False, "version": "fake"}
        return Response(200, {"images": [b64(png)], "parameters": obj, "info": json.dumps(info)})
    return build


def r_a1111_extras(req):
    req.no_query()
    a1111_auth(req)
    obj = req.json()
    image = want(obj, "image", nonempty_str, "a base64 string", required=True)
    mode = want(obj, "resize_mode", lambda v: is_int(v) and v in (0, 1), "0 or 1")
    want(obj, "upscaler_1", lambda v: isinstance(v, str), "a string")
    want(obj, "upscaler_2", lambda v: isinstance(v, str), "a string")
    data = image
    if data.startswith("data:"):
        m = re.match(r"data:image/[A-Za-z0-9.+-]+;base64,", data)
        if not m:
            raise Violation("image: malformed data: URL prefix")
        data = data[m.end():]
    try:
        png = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise Violation("image: not valid base64") from None
    try:
        w, h, ch, pixels = png_decode(png)
    except ValueError as e:
        raise Violation("image: not a decodable PNG: %s" % e) from None
    if mode == 1:
        nw = want(obj, "upscaling_resize_w", lambda v: is_int(v) and v > 0, "an integer > 0",
                  required=True)
        nh = want(obj, "upscaling_resize_h", lambda v: is_int(v) and v > 0, "an integer > 0",
                  required=True)
    else:
        f = want(obj, "upscaling_resize", lambda v: is_num(v) and 0 < v <= 16,
                 "a number in (0, 16]")
        f = 2 if f is None else f
        nw, nh = int(w * f + 0.5), int(h * f + 0.5)
    nw, nh = cap(nw, MAX_UPSCALE_SIDE), cap(nh, MAX_UPSCALE_SIDE)
    cache = []

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        if not cache:
            cache.append(upscale_nearest(w, h, ch, pixels, nw, nh))
        return Response(200, {"html_info": "<p>ok</p>", "image": b64(mutate(kind)(cache[0]))})
    return build


# The Resolution enum of the OpenAPI spec (RESOLUTION_<W>_<H>), 2.0 only.
IDEO_RESOLUTIONS = frozenset((
    (512, 1536), (576, 1408), (576, 1472), (576, 1536), (640, 1024), (640, 1344),
    (640, 1408), (640, 1472), (640, 1536), (704, 1152), (704, 1216), (704, 1280),
    (704, 1344), (704, 1408), (704, 1472), (720, 1280), (736, 1312), (768, 1024),
    (768, 1088), (768, 1152), (768, 1216), (768, 1232), (768, 1280), (768, 1344),
    (832, 960), (832, 1024), (832, 1088), (832, 1152), (832, 1216), (832, 1248),
    (864, 1152), (896, 960), (896, 1024), (896, 1088), (896, 1120), (896, 1152),
    (960, 832), (960, 896), (960, 1024), (960, 1088), (1024, 640), (1024, 768),
    (1024, 832), (1024, 896), (1024, 960), (1024, 1024), (1088, 768), (1088, 832),
    (1088, 896), (1088, 960), (1120, 896), (1152, 704), (1152, 768), (1152, 832),
    (1152, 864), (1152, 896), (1216, 704), (1216, 768), (1216, 832), (1232, 768),
    (1248, 832), (1280, 704), (1280, 720), (1280, 768), (1280, 800), (1312, 736),
    (1344, 640), (1344, 704), (1344, 768), (1408, 576), (1408, 640), (1408, 704),
    (1472, 576), (1472, 640), (1472, 704), (1536, 512), (1536, 576), (1536, 640)))
# ResolutionV3: not the legacy list (it adds 800x1280 and lacks ten).
IDEO_V3_RESOLUTIONS = frozenset(tuple(int(x) for x in r.split("x")) for r in (
    "512x1536", "576x1408", "576x1472", "576x1536", "640x1344", "640x1408", "640x1472", "640x1536",
    "704x1152", "704x1216", "704x1280", "704x1344", "704x1408", "704x1472", "736x1312", "768x1088",
    "768x1216", "768x1280", "768x1344", "800x1280", "832x960", "832x1024", "832x1088", "832x1152",
    "832x1216", "832x1248", "864x1152", "896x960", "896x1024", "896x1088", "896x1120", "896x1152",
    "960x832", "960x896", "960x1024", "960x1088", "1024x832", "1024x896", "1024x960", "1024x1024",
    "1088x768", "1088x832", "1088x896", "1088x960", "1120x896", "1152x704", "1152x832", "1152x864",
    "1152x896", "1216x704", "1216x768", "1216x832", "1248x832", "1280x704", "1280x768", "1280x800",
    "1312x736", "1344x640", "1344x704", "1344x768", "1408x576", "1408x640", "1408x704", "1472x576",
    "1472x640", "1472x704", "1536x512", "1536x576", "1536x640",))
# StylePresetV3
IDEO_V3_PRESETS = frozenset((
    "80S_ILLUSTRATION", "90S_NOSTALGIA", "ABSTRACT_ORGANIC", "ANALOG_NOSTALGIA", "ART_BRUT",
    "ART_DECO", "ART_POSTER", "AURA", "AVANT_GARDE", "BAUHAUS", "BLUEPRINT",
    "BLURRY_MOTION", "BRIGHT_ART", "C4D_CARTOON", "CHILDRENS_BOOK", "COLLAGE",
    "COLORING_BOOK_I", "COLORING_BOOK_II", "CUBISM", "DARK_AURA", "DOODLE",
    "DOUBLE_EXPOSURE", "DRAMATIC_CINEMA", "EDITORIAL", "EMOTIONAL_MINIMAL",
    "ETHEREAL_PARTY", "EXPIRED_FILM", "FLAT_ART", "FLAT_VECTOR", "FOREST_REVERIE",
    "GEO_MINIMALIST", "GLASS_PRISM", "GOLDEN_HOUR", "GRAFFITI_I", "GRAFFITI_II",
    "HALFTONE_PRINT", "HIGH_CONTRAST", "HIPPIE_ERA", "ICONIC", "JAPANDI_FUSION", "JAZZY",
    "LONG_EXPOSURE", "MAGAZINE_EDITORIAL", "MINIMAL_ILLUSTRATION", "MIXED_MEDIA",
    "MONOCHROME", "NIGHTLIFE", "OIL_PAINTING", "OLD_CARTOONS", "PAINT_GESTURE", "POP_ART",
    "RETRO_ETCHING", "RIVIERA_POP", "SPOTLIGHT_80S", "STYLIZED_RED", "SURREAL_COLLAGE",
    "TRAVEL_POSTER", "VINTAGE_GEO", "VINTAGE_POSTER", "WATERCOLOR", "WEIRD",
    "WOODBLOCK_PRINT",))
IDEO_V3_ASPECTS = ("1x3", "3x1", "1x2", "2x1", "9x16", "16x9", "10x16", "16x10", "2x3", "3x2",
                   "3x4", "4x3", "4x5", "5x4", "1x1")
IDEO_V3_STYLES = ("AUTO", "GENERAL", "REALISTIC", "DESIGN", "CUSTOM", "FICTION", "STYLIZED")
IDEO_SPEEDS = ("FLASH", "TURBO", "BALANCED", "DEFAULT", "QUALITY")
IDEO_MODELS = ("V_1", "V_1_TURBO", "V_2", "V_2_TURBO", "V_2A", "V_2A_TURBO", "V_3", "AUTO")
IDEO_ASPECTS = ("ASPECT_10_16", "ASPECT_16_10", "ASPECT_9_16", "ASPECT_16_9", "ASPECT_3_2",
                "ASPECT_2_3", "ASPECT_4_3", "ASPECT_3_4", "ASPECT_1_1", "ASPECT_1_3", "ASPECT_3_1")
IDEO_STYLES = ("AUTO", "GENERAL", "FICTION", "REALISTIC", "DESIGN", "RENDER_3D", "ANIME",
               "CUSTOM", "STYLIZED")
IDEO_PALETTES = ("EMBER", "FRESH", "JUNGLE", "MAGIC", "MELON", "MOSAIC", "PASTEL", "ULTRAMARINE")


def r_ideogram(req):
    req.no_query()
    if "authorization" in req.headers:
        raise Violation("Ideogram takes the key in Api-Key, not Authorization", 401)
    key = req.headers.get("api-key")
    if key is None or not re.fullmatch(r"[^\s]+", key):
        raise Violation("missing or empty Api-Key header", 401)
    obj = req.json()
    ir = obj.get("image_request")
    if isinstance(ir, dict):
        req.set_prompt(ir.get("prompt"), ir.get("seed"))
    if set(obj) != {"image_request"}:
        raise Violation("body must be exactly {\"image_request\": {...}}, got keys %s"
                        % sorted(obj))
    if not isinstance(ir, dict):
        raise Violation("image_request: expected an object")
    p = "image_request."
    allowed = {"prompt", "model", "aspect_ratio", "resolution", "magic_prompt_option",
               "magic_prompt_version", "seed", "style_type", "negative_prompt", "num_images",
               "color_palette"}
    extra = set(ir) - allowed
    if extra:
        raise Violation("%sunknown field(s): %s" % (p, ", ".join(sorted(extra))))
    prompt = want(ir, "prompt", nonempty_str, "a non-empty string", p, required=True)
    model = want(ir, "model", enum(*IDEO_MODELS), "one of " + "/".join(IDEO_MODELS), p) or "V_2"
    seed = want(ir, "seed", int_range(0, 2147483647), "an integer 0..2147483647", p)
    res = want(ir, "resolution", lambda v: isinstance(v, str) and re.fullmatch(
        r"RESOLUTION_(\d+)_(\d+)", v) and tuple(
            int(x) for x in v.split("_")[1:]) in IDEO_RESOLUTIONS,
        "one of the documented RESOLUTION_<W>_<H> values", p)
    ar = want(ir, "aspect_ratio", enum(*IDEO_ASPECTS), "an ASPECT_* value", p)
    if res is not None and ar is not None:
        raise Violation("%sresolution and aspect_ratio cannot be combined" % p)
    if res is not None and model not in ("V_2", "V_2_TURBO"):
        raise Violation("%sresolution is for model version 2.0 only (V_2, V_2_TURBO), not %s"
                        % (p, model))
    want(ir, "magic_prompt_option", enum("AUTO", "ON", "OFF"), "AUTO/ON/OFF", p)
    want(ir, "magic_prompt_version", lambda v: isinstance(v, str) and re.fullmatch(
        r"V_0(_[1-8])?", v), "V_0..V_0_8", p)
    style = want(ir, "style_type", enum(*IDEO_STYLES), "one of " + "/".join(IDEO_STYLES), p)
    if style is not None and model in ("V_1", "V_1_TURBO"):
        raise Violation("%sstyle_type is not applicable to %s" % (p, model))
    if want(ir, "negative_prompt", lambda v: isinstance(v, str), "a string", p) is not None \
            and model in ("V_2A", "V_2A_TURBO"):
        raise Violation("%snegative_prompt is not available for %s" % (p, model))
    n = want(ir, "num_images", int_range(1, 8), "an integer 1..8", p) or 1
    if "color_palette" in ir:
        cp = ir["color_palette"]
        ok = isinstance(cp, dict) and (
            (set(cp) == {"name"} and cp["name"] in IDEO_PALETTES) or
            (set(cp) == {"members"} and isinstance(cp["members"], list)
             and 1 <= len(cp["members"]) <= 10))
        if not ok:
            raise Violation("%scolor_palette: expected {name} or {members: [...]}" % p)
        if model in ("V_1", "V_1_TURBO", "V_2A", "V_2A_TURBO"):
            raise Violation("%scolor_palette is not supported by %s" % (p, model))
    if res is not None:
        w, h = (int(x) for x in res.split("_")[1:])
    else:
        a, b = (int(x) for x in (ar or "ASPECT_1_1").split("_")[1:])
        w, h = aspect_size(a, b)
    if seed is None:
        seed = req.state.random_seed(0, 2147483647)

    def build(kind):
        if kind == "safety" or kind == "moderation":
            return None
        items = []
        for i in range(n):
            s = (seed + i) % 2147483648
            item = {"prompt": prompt, "resolution": "%dx%d" % (w, h), "is_image_safe": True,
                    "seed": s, "style_type": style or "GENERAL"}
            if kind == "unsafe-image":
                item["is_image_safe"] = False
                item["url"] = None
            else:
                fid = req.state.put_file(mutate(kind)(render_png(
                    prompt, s, w, h, text=req.state.text_mode(prompt, s))), prompt)
                item["url"] = "http://127.0.0.1:%d/ideogram/files/%s.png" % (req.port, fid)
            items.append(item)
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return Response(200, {"created": created, "data": items})
    return build


def multipart_fields(req):
    """The text fields and file parts of a multipart/form-data body."""
    ct = req.headers.get("content-type", "")
    mtype, params = header_params(ct)
    if mtype != "multipart/form-data":
        raise Violation("content-type is %r, expected multipart/form-data" % ct)
    fields, files = {}, {}
    for name, data, filename, _ptype in parse_multipart(req.body, params.get("boundary")):
        if name in fields or name in files:
            raise Violation("multipart field %r sent twice" % name)
        if filename is not None:
            files[name] = data
        else:
            try:
                fields[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise Violation("multipart field %r is not UTF-8" % name) from None
    return fields, files


def r_ideogram_v3(req):
    """Ideogram 3.0: POST /v1/ideogram-v3/generate, multipart/form-data."""
    req.no_query()
    if "authorization" in req.headers:
        raise Violation("Ideogram takes the key in Api-Key, not Authorization", 401)
    key = req.headers.get("api-key")
    if key is None or not re.fullmatch(r"[^\s]+", key):
        raise Violation("missing or empty Api-Key header", 401)
    fields, files = multipart_fields(req)
    seed_txt = fields.get("seed")
    req.set_prompt(fields.get("prompt"),
                   int(seed_txt) if seed_txt and re.fullmatch(r"\d{1,10}", seed_txt) else None)
    allowed = {"prompt", "seed", "resolution", "aspect_ratio", "rendering_speed", "magic_prompt",
               "negative_prompt", "num_images", "color_palette", "style_codes", "style_type",
               "style_preset", "custom_model_uri"}
    extra = set(fields) - allowed
    if extra or files:
        raise Violation("unknown multipart field(s): %s"
                        % ", ".join(sorted(extra | set(files))))
    prompt = fields.get("prompt")
    if not prompt:
        raise Violation("prompt: required field missing")

    def check(name, ok, what):
        v = fields.get(name)
        if v is not None and not ok(v):
            raise Violation("%s: expected %s, got %r" % (name, what, v[:80]))
        return v

    seed = check("seed", lambda v: re.fullmatch(r"\d{1,10}", v) and int(v) <= 2147483647,
                 "an integer 0..2147483647")
    res = check("resolution", lambda v: re.fullmatch(r"\d+x\d+", v) and tuple(
        int(x) for x in v.split("x")) in IDEO_V3_RESOLUTIONS, "one of the ResolutionV3 values")
    ar = check("aspect_ratio", lambda v: v in IDEO_V3_ASPECTS, "one of " + ", ".join(IDEO_V3_ASPECTS))
    if res is not None and ar is not None:
        raise Violation("resolution and aspect_ratio cannot be combined")
    check("rendering_speed", lambda v: v in IDEO_SPEEDS, "one of " + "/".join(IDEO_SPEEDS))
    check("magic_prompt", lambda v: v in ("AUTO", "ON", "OFF"), "AUTO/ON/OFF")
    style = check("style_type", lambda v: v in IDEO_V3_STYLES, "one of " + "/".join(IDEO_V3_STYLES))
    check("style_preset", lambda v: v in IDEO_V3_PRESETS, "a StylePresetV3 name")
    if "style_codes" in fields and style is not None:
        raise Violation("style_codes cannot be combined with style_type")
    n = int(check("num_images", lambda v: re.fullmatch(r"[1-8]", v), "an integer 1..8") or 1)
    if res is not None:
        w, h = (int(x) for x in res.split("x"))
    else:
        a, b = (int(x) for x in (ar or "1x1").split("x"))
        w, h = aspect_size(a, b)
    seed = int(seed) if seed is not None else req.state.random_seed(0, 2147483647)

    def build(kind):
        if kind == "safety" or kind == "moderation":
            return None
        items = []
        for i in range(n):
            s = (seed + i) % 2147483648
            item = {"prompt": prompt, "resolution": "%dx%d" % (w, h), "is_image_safe": True,
                    "seed": s, "style_type": style or "GENERAL"}
            if kind == "unsafe-image":
                item["is_image_safe"] = False
                item["url"] = None
            else:
                fid = req.state.put_file(mutate(kind)(render_png(
                    prompt, s, w, h, text=req.state.text_mode(prompt, s))), prompt)
                item["url"] = "http://127.0.0.1:%d/ideogram/files/%s.png" % (req.port, fid)
            items.append(item)
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return Response(200, {"created": created, "data": items})
    return build


def r_ideogram_file(req):
    fid = req.groups[0]
    got = req.state.get_file(fid)
    if got is None:
        raise Violation("unknown Ideogram file id %r (never handed out)" % fid, 404)
    png, prompt = got
    req.set_prompt(prompt)

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        return Response(200, mutate(kind)(png), "image/png")
    return build


STAB_ASPECTS = ("21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21")
STAB_MODELS = ("sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium", "sd3.5-flash",
               "sd3-large", "sd3-large-turbo", "sd3-medium")
STAB_PRESETS = ("enhance", "anime", "photographic", "digital-art", "comic-book", "fantasy-art",
                "line-art", "analog-film", "neon-punk", "isometric", "low-poly", "origami",
                "modeling-compound", "cinematic", "3d-model", "pixel-art", "tile-texture")


# The form fields of each generate endpoint: SD3 (model, mode, cfg_scale),
# Stable Image Core (style_preset, no model) and Ultra (neither).
STAB_FIELDS = {
    "sd3": {"prompt", "mode", "image", "strength", "aspect_ratio", "model", "seed",
            "output_format", "style_preset", "negative_prompt", "cfg_scale"},
    "core": {"prompt", "aspect_ratio", "negative_prompt", "seed", "style_preset", "output_format"},
    "ultra": {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format", "image",
              "strength"},
}


def r_stability(req, ep="sd3"):
    req.no_query()
    req.bearer()
    accept = req.headers.get("accept", "image/*")
    if accept.strip() not in ("image/*", "application/json"):
        raise Violation("accept is %r, expected image/* or application/json" % accept)
    want_json = accept.strip() == "application/json"
    ct = req.headers.get("content-type", "")
    mtype, params = header_params(ct)
    if mtype != "multipart/form-data":
        raise Violation("content-type is %r, expected multipart/form-data" % ct)
    parts = parse_multipart(req.body, params.get("boundary"))
    fields, files = {}, {}
    for name, data, filename, _ptype in parts:
        if name in fields or name in files:
            raise Violation("multipart field %r sent twice" % name)
        if filename is not None:
            files[name] = data
        else:
            try:
                fields[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise Violation("multipart field %r is not UTF-8" % name) from None
    seed_txt = fields.get("seed")
    req.set_prompt(fields.get("prompt"),
                   int(seed_txt) if seed_txt and re.fullmatch(r"\d{1,10}", seed_txt) else None)
    allowed = STAB_FIELDS[ep]
    extra = (set(fields) | set(files)) - allowed
    if extra:
        raise Violation("unknown multipart field(s): %s" % ", ".join(sorted(extra)))
    if "image" in fields:
        raise Violation("image must be a file part (with a filename)")
    if set(files) - {"image"}:
        raise Violation("only image may be a file part")
    prompt = fields.get("prompt")
    if prompt is None:
        raise Violation("prompt: required field missing")
    if not 1 <= len(prompt) <= 10000:
        raise Violation("prompt: must be 1..10000 characters")

    def check(name, ok, what):
        v = fields.get(name)
        if v is not None and not ok(v):
            raise Violation("%s: expected %s, got %r" % (name, what, v[:80]))
        return v

    def number(lo, hi):
        def ok(v):
            try:
                return re.fullmatch(r"-?\d+(\.\d+)?", v) and lo <= float(v) <= hi
            except ValueError:
                return False
        return ok

    mode = check("mode", lambda v: v in ("text-to-image", "image-to-image"),
                 "text-to-image or image-to-image") or "text-to-image"
    if ep == "ultra" and "image" in files:
        mode = "image-to-image"
    ar = check("aspect_ratio", lambda v: v in STAB_ASPECTS, "one of " + ", ".join(STAB_ASPECTS))
    check("model", lambda v: v in STAB_MODELS, "one of " + ", ".join(STAB_MODELS))
    seed = check("seed", lambda v: re.fullmatch(r"\d{1,10}", v) and int(v) <= 4294967294,
                 "an integer 0..4294967294")
    check("output_format", lambda v: v in ("png", "jpeg", "webp"), "png, jpeg or webp")
    check("style_preset", lambda v: v in STAB_PRESETS, "a style preset")
    check("negative_prompt", lambda v: len(v) <= 10000, "at most 10000 characters")
    check("cfg_scale", number(1, 10), "a number 1..10")
    check("strength", number(0, 1), "a number 0..1")
    if mode == "image-to-image":
        if "image" not in files or "strength" not in fields:
            raise Violation("image-to-image needs an image file part and strength")
        if ar is not None:
            raise Violation("aspect_ratio is for text-to-image only")
        try:
            w, h, _ch, _px = png_decode(files["image"])
        except ValueError as e:
            raise Violation("image: not a decodable PNG: %s" % e) from None
        req.rec["inputs"] = [{"role": "init", "mime_type": "image/png",
                              "strength": float(fields["strength"]),
                              "sha256": hashlib.sha256(files["image"]).hexdigest(),
                              "pixels": pixels_digest(files["image"])}]
        w, h = cap(w), cap(h)
    else:
        if "image" in files or "strength" in fields:
            raise Violation("image and strength are for image-to-image only")
        a, b = (int(x) for x in (ar or "1:1").split(":"))
        w, h = aspect_size(a, b)
    seed = int(seed) if seed is not None else 0
    if seed == 0:
        seed = req.state.random_seed(1, 4294967294)

    def build(kind):
        if kind == "moderation":
            return None
        filtered = kind in ("safety", "unsafe-image")
        png = render_png(prompt, seed, w, h, "filtered" if filtered else "",
                         text=None if filtered else req.state.text_mode(prompt, seed))
        png = mutate(kind)(png)
        reason = "CONTENT_FILTERED" if filtered else "SUCCESS"
        if want_json:
            return Response(200, {"image": b64(png), "seed": seed, "finish_reason": reason},
                            "application/json; type=image/png",
                            [("x-request-id", os.urandom(16).hex())])
        return Response(200, png, "image/png", [("seed", str(seed)), ("finish-reason", reason),
                                                ("x-request-id", os.urandom(16).hex())])
    return build


JPEG_FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                            "progressive.jpg")
GEMINI_ASPECTS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
                  "1:4", "4:1", "1:8", "8:1")
GEMINI_GENCONFIG = {"responseModalities", "imageConfig", "temperature", "topP", "topK", "seed",
                    "maxOutputTokens", "stopSequences", "thinkingConfig", "candidateCount",
                    "responseMimeType", "presencePenalty", "frequencyPenalty", "mediaResolution",
                    "responseLogprobs", "logprobs"}


# Shut down: the API no longer serves them.
GEMINI_RETIRED = ("gemini-2.5-flash-image", "gemini-2.5-flash-image-preview",
                  "gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview")


def r_gemini(req):
    model = req.groups[0]
    if model in GEMINI_RETIRED or model.startswith("imagen-"):
        raise Violation("models/%s is not found for API version v1beta, or is not supported "
                        "for generateContent." % model, 404)
    if req.query:
        raise Violation("unexpected query string (the key belongs in x-goog-api-key, "
                        "never in the URL)")
    key = req.headers.get("x-goog-api-key")
    if key is None or not re.fullmatch(r"[^\s]+", key):
        raise Violation("missing or empty x-goog-api-key header", 403)
    obj = req.json()
    contents = obj.get("contents")
    texts = []
    if isinstance(contents, list):
        for c in contents:
            if isinstance(c, dict) and isinstance(c.get("parts"), list):
                texts += [p["text"] for p in c["parts"]
                          if isinstance(p, dict) and isinstance(p.get("text"), str)]
    gc = obj.get("generationConfig")
    seed = gc.get("seed") if isinstance(gc, dict) else None
    req.set_prompt("\n".join(texts) if texts else None, seed)
    extra = set(obj) - {"contents", "generationConfig", "safetySettings", "systemInstruction",
                        "tools", "toolConfig", "cachedContent"}
    if extra:
        raise Violation("unknown field(s): %s" % ", ".join(sorted(extra)))
    if not isinstance(contents, list) or not contents:
        raise Violation("contents: expected a non-empty list")
    for i, c in enumerate(contents):
        where = "contents[%d]" % i
        if not isinstance(c, dict) or set(c) - {"role", "parts"}:
            raise Violation("%s: expected {role, parts}" % where)
        want(c, "role", enum("user", "model"), "user or model", where + ".")
        parts = c.get("parts")
        if not isinstance(parts, list) or not parts:
            raise Violation("%s.parts: expected a non-empty list" % where)
        for j, part in enumerate(parts):
            pw = "%s.parts[%d]" % (where, j)
            if not isinstance(part, dict) or len(part) != 1 or \
                    next(iter(part)) not in ("text", "inlineData", "fileData"):
                raise Violation("%s: expected exactly one of text/inlineData/fileData" % pw)
            if "text" in part and not isinstance(part["text"], str):
                raise Violation("%s.text: expected a string" % pw)
            if "inlineData" in part:
                d = part["inlineData"]
                if not (isinstance(d, dict) and set(d) == {"mimeType", "data"}
                        and nonempty_str(d["mimeType"]) and isinstance(d["data"], str)):
                    raise Violation("%s.inlineData: expected {mimeType, data}" % pw)
                try:
                    data = base64.b64decode(d["data"], validate=True)
                except (binascii.Error, ValueError):
                    raise Violation("%s.inlineData.data is not base64" % pw)
                if d["mimeType"] not in IMAGE_MAGIC or not data.startswith(IMAGE_MAGIC[d["mimeType"]]):
                    raise Violation("Unhandled generated data mime type: %s" % d["mimeType"])
                req.rec.setdefault("inputs", []).append(
                    {"role": "reference", "mime_type": d["mimeType"], "strength": None,
                     "sha256": hashlib.sha256(data).hexdigest(), "pixels": pixels_digest(data)})
    if not texts:
        raise Violation("contents: no text part (no prompt)")
    w = h = BASE
    if gc is not None:
        if not isinstance(gc, dict):
            raise Violation("generationConfig: expected an object")
        extra = set(gc) - GEMINI_GENCONFIG
        if extra:
            # Google's words, for the first unknown field
            raise Violation("Invalid JSON payload received. Unknown name \"%s\" at "
                            "'generation_config': Cannot find field." % sorted(extra)[0])
        g = "generationConfig."
        mods = want(gc, "responseModalities", lambda v: isinstance(v, list) and v and all(
            m in ("TEXT", "IMAGE") for m in v), "a list of TEXT/IMAGE", g)
        if mods is not None and "IMAGE" not in mods:
            raise Violation("generationConfig.responseModalities lacks IMAGE")
        want(gc, "seed", is_int, "an integer", g)
        want(gc, "temperature", is_num, "a number", g)
        ic = gc.get("imageConfig")
        if isinstance(ic, dict) and set(ic) - {"aspectRatio", "imageSize"}:
            raise Violation("Invalid JSON payload received. Unknown name \"%s\" at "
                            "'generation_config.image_config': Cannot find field."
                            % sorted(set(ic) - {"aspectRatio", "imageSize"})[0])
        ic = want(gc, "imageConfig", lambda v: isinstance(v, dict), "{aspectRatio, imageSize}", g)
        if ic is not None:
            ar = want(ic, "aspectRatio", enum(*GEMINI_ASPECTS), "a supported aspect ratio",
                      g + "imageConfig.")
            want(ic, "imageSize", enum("1K", "2K", "4K"), "1K/2K/4K", g + "imageConfig.")
            if ar:
                w, h = aspect_size(*(int(x) for x in ar.split(":")))
    prompt = req.prompt
    seed = seed if is_int(seed) else 0

    def build(kind):
        if kind in SAFETY_KINDS:
            return None
        if kind == "jpeg":
            # Gemini 3 image models answer JPEG, at times labelled image/png
            with open(JPEG_FIXTURE, "rb") as f:
                png = f.read()
        else:
            png = mutate(kind)(render_png(prompt, seed, w, h, text=req.state.text_mode(prompt, seed)))
        return Response(200, {
            "candidates": [{"content": {"parts": [
                {"text": "Here is your image"},
                {"inlineData": {"mimeType": "image/png", "data": b64(png)}}], "role": "model"},
                "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 11, "candidatesTokenCount": 1290,
                              "totalTokenCount": 1301},
            "modelVersion": model, "responseId": os.urandom(8).hex()})
    return build


# (provider, method, path regex after the prefix, handler, route kind)
ROUTES = [
    ("http", "POST", r"/generate", lambda r: r_http_generate(r, False), "api"),
    ("http", "POST", r"/generate-json", lambda r: r_http_generate(r, True), "api"),
    ("openai", "POST", r"/images/generations", r_openai, "api"),
    ("openai", "POST", r"/images/edits", r_openai_edits, "api"),
    ("a1111", "POST", r"/sdapi/v1/txt2img", r_a1111_txt2img, "api"),
    ("a1111", "POST", r"/sdapi/v1/img2img", lambda r: r_a1111_txt2img(r, True), "api"),
    ("a1111", "POST", r"/sdapi/v1/extra-single-image", r_a1111_extras, "api"),
    ("ideogram", "POST", r"/generate", r_ideogram, "api"),
    ("ideogram", "POST", r"/v1/ideogram-v3/generate", r_ideogram_v3, "api"),
    ("ideogram", "GET", r"/files/([A-Za-z0-9_-]{1,64})\.png", r_ideogram_file, "download"),
    ("stability", "POST", r"/v2beta/stable-image/generate/sd3", r_stability, "api"),
    ("stability", "POST", r"/v2beta/stable-image/generate/core",
     lambda r: r_stability(r, "core"), "api"),
    ("stability", "POST", r"/v2beta/stable-image/generate/ultra",
     lambda r: r_stability(r, "ultra"), "api"),
    ("gemini", "POST", r"/models/([A-Za-z0-9._-]+):generateContent", r_gemini, "api"),
]
ROUTES = [(p, m, re.compile(rx), fn, kind) for p, m, rx, fn, kind in ROUTES]


# --------------------------------------------------------------------------
# HTTP handler

class BodyError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-image-api/1"
    timeout = 120              # idle keep-alive connections are dropped after this
    # headers and body go out in separate writes: with Nagle on, every
    # kept-alive response would wait ~40 ms for the client's delayed ACK
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):    # quiet: the client's tests read stdout
        pass

    def log_error(self, fmt, *args):
        msg = fmt % args
        if msg.startswith("Request timed out"):   # an idle keep-alive connection
            return
        sys.stderr.write("fake: %s\n" % redact(msg))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    # -- plumbing

    def read_body(self):
        te = self.headers.get("Transfer-Encoding")
        if te is not None:
            if te.strip().lower() != "chunked":
                raise BodyError(400, "unsupported Transfer-Encoding %r" % te)
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BodyError(400, "bad chunk size line") from None
                if n == 0:
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + n > MAX_BODY:
                    raise BodyError(413, "request body too large")
                out += self.rfile.read(n)
                self.rfile.readline(8)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        if not cl.strip().isdigit():
            raise BodyError(400, "bad Content-Length %r" % cl)
        n = int(cl)
        if n > MAX_BODY:
            raise BodyError(413, "request body too large")
        data = self.rfile.read(n)
        if len(data) != n:
            raise BodyError(400, "request body shorter than Content-Length")
        return data

    def send(self, resp, partial=False):
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.ctype)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers:
            self.send_header(name, value)
        self.end_headers()
        if partial:
            self.wfile.write(resp.body[:len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(resp.body)

    def abort(self):
        """Close the connection with a TCP RST and no response."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            os.close(self.connection.detach())
        except OSError:
            pass

    def dispatch(self):
        try:
            self._dispatch()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
        except Exception:
            sys.stderr.write("fake: internal error on %s %s\n%s"
                             % (self.command, urlsplit(self.path).path, traceback.format_exc()))
            self.close_connection = True

    def _dispatch(self):
        state = self.server.state
        url = urlsplit(self.path)
        path, query = url.path, url.query
        try:
            body = self.read_body()
        except BodyError as e:
            self.close_connection = True
            self.send(Response(e.status, {"error": str(e)}, headers=[("Connection", "close")]))
            return
        if path.startswith("/_control/queues"):
            queues.control(self, sys.modules[__name__], path[len("/_control/"):], body)
            return
        if path.startswith("/_control/"):
            self.control(path[len("/_control/"):], body)
            return
        if queues.owns(path):
            queues.serve(self, sys.modules[__name__], path, query, body)
            return

        headers = {}
        for name, value in self.headers.items():
            name = name.lower()
            headers[name] = headers[name] + ", " + value if name in headers else value
        seg = path.split("/", 2)
        provider = seg[1] if len(seg) > 1 and seg[1] in PROVIDERS else None
        rest = "/" + seg[2] if len(seg) > 2 else ""
        rec = state.new_record(provider, self.command, path, headers)

        def finish(status):
            with state.lock:
                rec["status"] = status
                rec["end"] = time.monotonic()

        route, allowed = None, []
        if provider:
            for p, method, rx, fn, kind in ROUTES:
                if p == provider:
                    m = rx.fullmatch(rest)
                    if m:
                        allowed.append(method)
                        if method == self.command:
                            route = (fn, kind, m.groups())
        if route is None:
            if allowed:
                problem, status = "method %s not allowed (use %s)" % (
                    self.command, ", ".join(allowed)), 405
            else:
                problem, status = "unknown path %s" % path, 404
            state.add_violation(rec, provider, path, problem)
            resp = error_response(provider, status, problem)
            if allowed:
                resp.headers.append(("Allow", ", ".join(allowed)))
            self.send(resp)
            finish(status)
            return

        fn, kind, groups = route
        req = Req(self, provider, self.command, path, query, headers, body, groups)
        req.rec = rec
        try:
            build = fn(req)
        except Violation as v:
            state.add_violation(rec, provider, path, v.problem)
            if provider == "gemini" and v.status == 403:
                resp = error_response(provider, 403, "Method doesn't allow unregistered "
                                      "callers (callers without established identity). Please "
                                      "use API Key or other form of API consumer identity to "
                                      "call this API.")
            else:
                resp = error_response(provider, v.status, v.problem)
            self.send(resp)
            finish(v.status)
            return

        rule = state.choose_fault(provider, kind, req.prompt)
        fault = rule["fault"] if rule else None
        rec["fault"] = fault
        if kind == "api":
            with state.lock:
                latency = state.latency_ms
            if latency > 0:
                time.sleep(latency / 1000.0)

        partial = False
        if fault == "timeout":
            self.server.stopping.wait(rule.get("sleep_s", TIMEOUT_SLEEP))
            resp = build(None)
        elif fault == "reset":
            self.abort()
            finish(None)
            return
        elif fault in STATUS_KINDS:
            resp = fault_status_response(provider, fault, rule)
        elif fault == "oom":
            resp = oom_response(provider)
        elif fault == "echo-key":
            # as some servers do: a 401 quoting the credential it was sent
            cred = (req.headers.get("authorization") or req.headers.get("api-key") or
                    req.headers.get("x-goog-api-key") or "")
            resp = error_response(provider, 401, "Incorrect API key provided: %s" % cred)
        elif fault == "echo-key-meta":
            resp = meta_fault(build(None), req.headers.get("authorization") or
                              req.headers.get("api-key") or "", 0)
        elif fault == "big-meta":
            resp = meta_fault(build(None), None, BIG_META)
        elif fault in SAFETY_KINDS:
            resp = build(fault) or safety_response(provider)
        elif fault == "truncated":
            resp = build("truncated")
        else:
            resp = build(None)
            if fault == "badjson":
                if resp.ctype.startswith("application/json"):
                    resp = Response(200, b'{"data": [ this is not json', resp.ctype)
                else:
                    resp = Response(200, b"not a png", resp.ctype)
            elif fault == "short-body":
                partial = True
        self.send(resp, partial)
        finish(resp.status)

    # -- control API

    def control(self, what, body):
        state = self.server.state
        method = self.command

        def reply(status, obj):
            self.send(Response(status, obj))

        if what == "health" and method == "GET":
            return reply(200, {"ok": True})
        if what == "requests" and method == "GET":
            with state.lock:
                data = json.dumps(state.requests).encode()
            return self.send(Response(200, data))
        if what == "violations" and method == "GET":
            with state.lock:
                data = json.dumps(state.violations).encode()
            return self.send(Response(200, data))
        if what == "reset" and method == "POST":
            state.reset()
            return reply(200, {"ok": True})
        if what == "text" and method == "POST":
            try:
                obj = json.loads(body.decode("utf-8") or "{}")
                if obj is not None:
                    if not isinstance(obj, dict) or set(obj) - {"garble", "garble_rate"}:
                        raise ValueError("text must be {garble: [seeds], garble_rate: 0..1} or null")
                    seeds = obj.get("garble", [])
                    if not isinstance(seeds, list) or not all(is_int(x) for x in seeds):
                        raise ValueError("garble must be a list of seeds")
                    rate = obj.get("garble_rate", 0)
                    if not is_num(rate) or not 0 <= rate <= 1:
                        raise ValueError("garble_rate must be a number 0..1")
                    obj = {"garble": set(seeds), "garble_rate": rate}
            except (UnicodeDecodeError, ValueError) as e:
                return reply(400, {"error": str(e)})
            with state.lock:
                state.text = obj
            return reply(200, {"ok": True})
        if what == "faults" and method == "GET":
            with state.lock:
                return reply(200, {"rules": state.rules, "random": state.random,
                                   "latency_ms": state.latency_ms})
        if what == "faults" and method == "POST":
            try:
                obj = json.loads(body.decode("utf-8") or "{}")
                if not isinstance(obj, dict):
                    raise ValueError("body must be a JSON object")
                extra = set(obj) - {"rules", "random", "latency_ms", "replace"}
                if extra:
                    raise ValueError("unknown field(s): %s" % ", ".join(sorted(extra)))
                rules = obj.get("rules", [])
                if not isinstance(rules, list):
                    raise ValueError("rules must be a list")
                rules = [parse_rule(r) for r in rules]
                rnd = obj.get("random", False)
                if rnd not in (False, None):
                    if not isinstance(rnd, dict) or set(rnd) - {"rate", "seed", "kinds",
                                                                "provider"}:
                        raise ValueError("random must be {rate, seed, kinds[, provider]}")
                    rate = rnd.get("rate")
                    if not is_num(rate) or not 0 <= rate <= 1:
                        raise ValueError("random.rate must be a number 0..1")
                    if not is_int(rnd.get("seed", 0)):
                        raise ValueError("random.seed must be an integer")
                    kinds = rnd.get("kinds")
                    if not isinstance(kinds, list) or not kinds or \
                            any(k not in KINDS for k in kinds):
                        raise ValueError("random.kinds must be a non-empty list of kinds")
                    rp = rnd.get("provider", "*")
                    if rp != "*" and rp not in PROVIDERS:
                        raise ValueError("random.provider: unknown provider %r" % rp)
                    rnd = {"rate": rate, "seed": rnd.get("seed", 0), "kinds": kinds,
                           "provider": rp}
                latency = obj.get("latency_ms")
                if latency is not None and (not is_num(latency) or latency < 0):
                    raise ValueError("latency_ms must be a number >= 0")
                replace = obj.get("replace", False)
                if not isinstance(replace, bool):
                    raise ValueError("replace must be a boolean")
            except (UnicodeDecodeError, ValueError) as e:
                return reply(400, {"error": str(e)})
            with state.lock:
                if replace:
                    state.rules = []
                state.rules.extend(rules)
                if rnd is None:
                    state.random, state.rng = None, None
                elif rnd is not False:
                    state.random, state.rng = rnd, random.Random(rnd["seed"])
                if latency is not None:
                    state.latency_ms = latency
                n = len(state.rules)
            return reply(200, {"ok": True, "rules": n})
        return reply(404, {"error": "unknown control request %s /_control/%s" % (method, what)})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        sys.stderr.write("fake: error serving %s\n%s" % (client_address, traceback.format_exc()))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Loopback fake of hosted image APIs.")
    ap.add_argument("--port", type=int, default=0, help="port to bind on 127.0.0.1 (0: any)")
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--latency-ms", type=float, default=0,
                    help="sleep before answering every generation request")
    args = ap.parse_args(argv)
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        sys.stderr.write("fake: cannot bind 127.0.0.1:%d: %s\n" % (args.port, e))
        return 1
    latency = int(args.latency_ms) if float(args.latency_ms).is_integer() else args.latency_ms
    server.state = State(max(0, latency))
    server.stopping = threading.Event()
    stop = threading.Event()

    def on_signal(_signo, _frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    port = server.server_address[1]
    if args.port_file:
        tmp = "%s.tmp.%d" % (args.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    while not stop.wait(0.2):
        pass
    server.stopping.set()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
