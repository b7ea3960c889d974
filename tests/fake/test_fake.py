#!/usr/bin/env python3
"""test_fake.py - self-test of tests/fake/fake.py.

Starts the fake on an ephemeral port, exercises every route, the
validation, every fault kind and the control API with urllib (http.client
and a raw socket for keep-alive, chunked and Expect: 100-continue), then
stops it with SIGTERM.  Prints "ok - ..." / "not ok - ..." lines; exits 1
on any failure.  Run: python3 tests/fake/test_fake.py
"""

import base64
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import fake  # noqa: E402  (PNG helpers only; the server runs as a subprocess)

FAILED = 0
PORT = None
BASE_URL = None
T0 = time.monotonic()


def ok(cond, name, detail=""):
    global FAILED
    if cond:
        print("ok - %s" % name)
    else:
        FAILED += 1
        print("not ok - %s%s" % (name, (" # " + str(detail)[:300]) if detail else ""))
    sys.stdout.flush()
    return cond


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def call(method, path, body=None, headers=None, jbody=None, timeout=5):
    headers = dict(headers or {})
    if jbody is not None:
        body = json.dumps(jbody).encode()
        headers.setdefault("Content-Type", "application/json")
    if body is None and method == "POST":
        body = b""
    req = urllib.request.Request(BASE_URL + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Resp(r.status, r.getheaders(), r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers.items(), e.read())


def control(path, obj=None):
    if obj is None:
        return call("GET", "/_control/" + path).json()
    return call("POST", "/_control/" + path, jbody=obj).json()


def faults(*rules, **kw):
    body = {"rules": list(rules)}
    body.update(kw)
    r = call("POST", "/_control/faults", jbody=body)
    assert r.status == 200, r.body


def reset():
    call("POST", "/_control/reset")


def violations():
    return control("violations")


def png_size(data):
    """Independent check: signature, chunk CRCs, IHDR size, IEND last."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, size, tags = 8, None, []
    while pos + 8 <= len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 4:pos + 8 + n]
        if pos + 12 + n > len(data):
            return None
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(chunk) & 0xFFFFFFFF != crc:
            return None
        if tag == b"IHDR":
            size = struct.unpack(">II", data[pos + 8:pos + 16])
        tags.append(tag)
        pos += 12 + n
    if not tags or tags[0] != b"IHDR" or tags[-1] != b"IEND" or pos != len(data):
        return None
    return size


def encode_filtered(w, h, ch, px, filt):
    """PNG with row y filtered by filt(y) (0-4): exercises the decoder."""
    ctype = {3: 2, 4: 6}[ch]
    stride = w * ch
    prev = bytes(stride)
    raw = bytearray()
    for y in range(h):
        line = px[y * stride:(y + 1) * stride]
        ft = filt(y)
        out = bytearray(stride)
        for x in range(stride):
            a = line[x - ch] if x >= ch else 0
            b = prev[x]
            c = prev[x - ch] if x >= ch else 0
            if ft == 0:
                pred = 0
            elif ft == 1:
                pred = a
            elif ft == 2:
                pred = b
            elif ft == 3:
                pred = (a + b) >> 1
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[x] = (line[x] - pred) & 255
        raw.append(ft)
        raw += out
        prev = line

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(
            ">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


def multipart(fields, files=()):
    boundary = "------------------------fake%08x" % (os.getpid() & 0xFFFFFFFF)
    out = bytearray()
    for name, value in fields:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                % (boundary, name)).encode()
        out += value.encode() if isinstance(value, str) else value
        out += b"\r\n"
    for name, filename, ctype, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode()
        out += data + b"\r\n"
    out += ("--%s--\r\n" % boundary).encode()
    return bytes(out), "multipart/form-data; boundary=%s" % boundary


# -- request builders, one per route -------------------------------------

def http_gen(prompt="a red door", seed=7, w=70, h=33, path="/http/generate", timeout=5, **kw):
    body = {"prompt": prompt, "negative_prompt": "blurry", "seed": seed, "width": w,
            "height": h, "params": {"steps": 4}}
    body.update(kw)
    return call("POST", path, jbody=body, timeout=timeout)


OPENAI_H = {"Authorization": "Bearer sk-canary-openai"}


def openai(prompt="a blue key", headers=OPENAI_H, **kw):
    body = {"model": "gpt-image-2", "prompt": prompt, "n": 1, "size": "96x64"}
    body.update(kw)
    return call("POST", "/openai/images/generations", jbody=body, headers=headers)


def a1111(prompt="golden key", **kw):
    body = {"prompt": prompt, "negative_prompt": "text", "seed": 1234, "width": 48,
            "height": 32, "steps": 20, "cfg_scale": 6.5, "sampler_name": "DPM++ 2M",
            "batch_size": 1, "n_iter": 1}
    body.update(kw)
    return call("POST", "/a1111/sdapi/v1/txt2img", jbody=body)


IDEO_H = {"Api-Key": "ideo-canary-key"}


def ideogram(prompt="stone tower", headers=IDEO_H, **kw):
    ir = {"prompt": prompt, "model": "V_2A_TURBO", "aspect_ratio": "ASPECT_16_9",
          "magic_prompt_option": "OFF", "style_type": "RENDER_3D", "seed": 1234, "num_images": 1}
    ir.update(kw)
    ir = {k: v for k, v in ir.items() if v is not None}
    return call("POST", "/ideogram/generate", jbody={"image_request": ir}, headers=headers)


STAB_H = {"Authorization": "Bearer sk-canary-stability", "Accept": "image/*"}


def stability(prompt="low-poly pine", accept="image/*", fields=None, headers=None, ep="sd3"):
    f = [("prompt", prompt), ("model", "sd3.5-flash"), ("aspect_ratio", "16:9"),
         ("seed", "987654"), ("output_format", "png")]
    if fields is not None:
        f = fields
    body, ctype = multipart(f)
    h = dict(headers if headers is not None else STAB_H)
    h["Accept"] = accept
    h["Content-Type"] = ctype
    return call("POST", "/stability/v2beta/stable-image/generate/" + ep, body=body, headers=h)


GEM_H = {"x-goog-api-key": "gem-canary-key"}


def gemini(prompt="red potion", headers=GEM_H, query="", gc=None, model="gemini-nano-banana-2.1"):
    body = {"contents": [{"role": "user", "parts": [{"text": prompt}]}],
            "generationConfig": gc if gc is not None else {
                "responseModalities": ["IMAGE"], "imageConfig": {"aspectRatio": "1:1"}}}
    return call("POST", "/gemini/models/%s:generateContent%s" % (model, query),
                jbody=body, headers=headers)


def ideogram_v3(fields, headers=IDEO_H):
    body, ctype = multipart(fields)
    h = dict(headers)
    h["Content-Type"] = ctype
    return call("POST", "/ideogram/v1/ideogram-v3/generate", body=body, headers=h)


# -- tests ----------------------------------------------------------------

def t_basics(port_file):
    with open(port_file) as f:
        txt = f.read()
    ok(txt.strip().isdigit() and int(txt) == PORT, "port file holds the port", txt)
    r = call("GET", "/_control/health")
    ok(r.status == 200 and r.json() == {"ok": True}, "health")
    try:
        with open("/proc/net/tcp") as f:
            rows = [ln.split() for ln in f.read().splitlines()[1:]]
        mine = [r for r in rows if r[1].endswith(":%04X" % PORT) and r[3] == "0A"]
        ok(mine and all(r[1].startswith("0100007F:") for r in mine),
           "listens on 127.0.0.1 only", mine)
    except OSError:
        ok(True, "listens on 127.0.0.1 only # SKIP no /proc/net/tcp")


def t_http():
    r = http_gen()
    ok(r.status == 200 and r.headers.get("content-type") == "image/png"
       and int(r.headers.get("content-length", -1)) == len(r.body), "http: generate -> PNG")
    ok(png_size(r.body) == (70, 33), "http: PNG has requested size and valid CRCs",
       png_size(r.body))
    ok(fake.png_decode(r.body)[:3] == (70, 33, 3), "http: PNG decodes")
    ok(http_gen().body == r.body, "http: deterministic for (prompt, seed)")
    ok(http_gen(seed=8).body != r.body and http_gen(prompt="x").body != r.body,
       "http: pixels depend on prompt and seed")
    big = http_gen(w=5000, h=10)
    ok(png_size(big.body) == (2048, 10), "http: sides capped at 2048", png_size(big.body))
    j = http_gen(path="/http/generate-json", seed=99)
    d = j.json() or {}
    ok(j.status == 200 and j.headers["content-type"] == "application/json"
       and d.get("render_meta") == {"sampler": "euler", "seed": 99, "model": "fake-sd"}
       and png_size(base64.b64decode(d.get("image", ""))) == (70, 33),
       "http: generate-json -> base64 PNG + render_meta", d.get("render_meta"))
    before = len(violations())
    bad = call("POST", "/http/generate", jbody={"prompt": "x", "width": 8, "height": 8})
    v = violations()
    ok(bad.status == 400 and "error" in (bad.json() or {}) and len(v) == before + 1
       and v[-1]["provider"] == "http" and "seed" in v[-1]["problem"],
       "http: missing seed -> 400 + violation", v[-1:])
    bad = call("POST", "/http/generate", body=b'{"prompt":"x","seed":1,"width":8,"height":8}',
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    ok(bad.status == 400 and "content-type" in violations()[-1]["problem"],
       "http: wrong content-type -> violation")
    bad = http_gen(width=8.0)
    ok(bad.status == 400 and "width" in violations()[-1]["problem"],
       "http: float width -> violation")
    bad = call("POST", "/http/generate", body=b'{"prompt":"x","seed":NaN,"width":8,"height":8}',
               headers={"Content-Type": "application/json"})
    ok(bad.status == 400, "http: NaN is not JSON")


def t_openai():
    r = openai()
    d = r.json() or {}
    item = (d.get("data") or [{}])[0]
    ok(r.status == 200 and isinstance(d.get("created"), int)
       and png_size(base64.b64decode(item.get("b64_json", ""))) == (96, 64)
       and item.get("revised_prompt") == "a blue key", "openai: generations -> b64_json")
    r = openai(headers={})
    e = (r.json() or {}).get("error", {})
    ok(r.status == 401 and set(e) == {"message", "type", "param", "code"},
       "openai: missing key -> 401 in OpenAI's shape", e)
    r = openai(headers={"Authorization": "Bearer "})
    ok(r.status == 401, "openai: empty bearer -> 401")
    r = openai(n=2)
    ok(r.status == 400 and "n:" in violations()[-1]["problem"], "openai: n=2 -> violation")
    r = call("POST", "/openai/images/generations", jbody={"prompt": "x"}, headers=OPENAI_H)
    ok(r.status == 400 and "model" in violations()[-1]["problem"], "openai: model required")
    r = openai(size=1024)
    ok(r.status == 400, "openai: numeric size -> violation")
    r = openai(steps=30)
    ok(r.status == 400 and r.json()["error"]["message"] ==
       "Unrecognized request argument supplied: steps", "openai: unknown field -> 400 as the API")
    for model in ("dall-e-3", "dall-e-2", "gpt-image-1", "gpt-image-1.5"):
        r = openai(model=model)
        ok(r.status == 404 and "does not exist" in r.json()["error"]["message"],
           "openai: retired %s -> 404" % model)
    for size in ("100x64", "1000x200", "3856x1024", "2176x2176"):
        r = openai(size=size)
        ok(r.status == 400 and "Invalid size" in violations()[-1]["problem"],
           "openai: gpt-image-2 size %s -> violation" % size)
    r = openai(size="1200x624")
    ok(r.status == 200, "openai: gpt-image-2 1200x624 accepted")
    for kw in ({"quality": "hd"}, {"style": "vivid"}, {"response_format": "b64_json"},
               {"output_compression": 50}):
        r = openai(**kw)
        ok(r.status == 400, "openai: %s refused for gpt-image-2" % kw)
    r = openai(size="auto", quality="low", background="transparent", user="u1")
    ok(r.status == 200 and png_size(base64.b64decode(r.json()["data"][0]["b64_json"]))
       == (1024, 1024), "openai: size auto -> 1024x1024, other fields allowed")
    faults({"provider": "openai", "fault": "safety"})
    r = openai()
    e = (r.json() or {}).get("error", {})
    ok(r.status == 400 and e.get("code") == "moderation_blocked"
       and e.get("type") == "image_generation_user_error", "openai: safety -> moderation_blocked")


def t_a1111():
    r = a1111()
    d = r.json() or {}
    info = json.loads(d["info"]) if isinstance(d.get("info"), str) else {}
    ok(r.status == 200 and isinstance(d.get("info"), str) and info.get("seed") == 1234
       and info.get("all_seeds") == [1234] and info.get("width") == 48
       and info.get("sampler_name") == "DPM++ 2M" and info.get("steps") == 20
       and "sd_model_name" in info and d.get("parameters", {}).get("prompt") == "golden key"
       and png_size(base64.b64decode(d["images"][0])) == (48, 32),
       "a1111: txt2img -> images + parameters + info (a JSON string)", info)
    r = a1111(seed=-1)
    info = json.loads(r.json()["info"])
    ok(r.status == 200 and info["seed"] >= 0 and info["all_seeds"] == [info["seed"]],
       "a1111: seed -1 -> random seed reported", info["seed"])
    r = a1111(batch_size=2)
    d = r.json() or {}
    ok(r.status == 400 and set(d) == {"error", "detail", "body", "errors"}
       and "batch_size" in violations()[-1]["problem"], "a1111: batch_size 2 -> violation", d)
    r = a1111(prompt=None)
    ok(r.status == 400, "a1111: prompt must be a string")
    r = call("POST", "/a1111/sdapi/v1/txt2img", jbody={"prompt": "x"},
             headers={"Authorization": "Bearer k"})
    ok(r.status == 401, "a1111: only HTTP Basic auth")
    r = call("POST", "/a1111/sdapi/v1/txt2img", jbody={"prompt": "x", "width": 16, "height": 16},
             headers={"Authorization": "Basic " + base64.b64encode(b"u:p").decode()})
    ok(r.status == 200, "a1111: HTTP Basic accepted, defaults filled")


def t_a1111_extras():
    w, h = 7, 5
    px = bytes((x * 37 + y * 11 + c * 80) & 255 for y in range(h) for x in range(w) for c in range(4))
    for ft in range(5):
        png = encode_filtered(w, h, 4, px, lambda y, ft=ft: ft)
        ok(fake.png_decode(png) == (w, h, 4, px), "png decoder: filter type %d (RGBA)" % ft)
    mixed = encode_filtered(w, h, 4, px, lambda y: y % 5)
    r = call("POST", "/a1111/sdapi/v1/extra-single-image", jbody={
        "image": base64.b64encode(mixed).decode(), "resize_mode": 0, "upscaling_resize": 2,
        "upscaler_1": "R-ESRGAN 4x+"})
    d = r.json() or {}
    out = base64.b64decode(d.get("image", ""))
    ok(r.status == 200 and d.get("html_info") == "<p>ok</p>" and png_size(out) == (14, 10),
       "a1111: extra-single-image x2 -> 14x10", png_size(out))
    dw, dh, dch, dpx = fake.png_decode(out)

    def pix(buf, bw, x, y):
        return buf[(y * bw + x) * 4:(y * bw + x + 1) * 4]
    ok(dch == 4 and all(pix(dpx, 14, x, y) == pix(px, 7, x // 2, y // 2)
                        for y in range(10) for x in range(14)),
       "a1111: upscale is nearest-neighbour of the decoded input")
    rgb = fake.render_png("src", 1, 16, 8)
    r = call("POST", "/a1111/sdapi/v1/extra-single-image", jbody={
        "image": "data:image/png;base64," + base64.b64encode(rgb).decode(), "resize_mode": 1,
        "upscaling_resize_w": 40, "upscaling_resize_h": 20, "upscaler_1": "Lanczos"})
    ok(r.status == 200 and png_size(base64.b64decode(r.json()["image"])) == (40, 20),
       "a1111: resize_mode 1 to 40x20, data: prefix accepted")
    r = call("POST", "/a1111/sdapi/v1/extra-single-image", jbody={
        "image": "not base64!", "resize_mode": 0, "upscaling_resize": 2, "upscaler_1": "x"})
    ok(r.status == 400 and "base64" in violations()[-1]["problem"], "a1111: bad base64 -> violation")
    r = call("POST", "/a1111/sdapi/v1/extra-single-image", jbody={
        "image": base64.b64encode(rgb).decode(), "resize_mode": 1, "upscaler_1": "x"})
    ok(r.status == 400 and "upscaling_resize_w" in violations()[-1]["problem"],
       "a1111: resize_mode 1 needs upscaling_resize_w/h")


def t_ideogram():
    r = ideogram()
    d = r.json() or {}
    item = (d.get("data") or [{}])[0]
    ok(r.status == 200 and isinstance(d.get("created"), str) and item.get("resolution") == "114x64"
       and item.get("is_image_safe") is True and item.get("seed") == 1234
       and item.get("style_type") == "RENDER_3D" and item.get("prompt") == "stone tower"
       and str(item.get("url", "")).startswith("http://127.0.0.1:%d/ideogram/files/" % PORT),
       "ideogram: generate -> data[] with url", item)
    url = item.get("url", "")
    with urllib.request.urlopen(url, timeout=5) as f:
        png = f.read()
        ctype = f.headers["Content-Type"]
    ok(ctype == "image/png" and png_size(png) == (114, 64), "ideogram: url serves the PNG")
    r = ideogram(aspect_ratio=None, resolution="RESOLUTION_1024_640", num_images=2, seed=5,
                 model="V_2", negative_prompt="text")
    d = r.json() or {}
    ok(r.status == 200 and [i["resolution"] for i in d["data"]] == ["1024x640"] * 2
       and [i["seed"] for i in d["data"]] == [5, 6] and d["data"][0]["url"] != d["data"][1]["url"],
       "ideogram: resolution + num_images 2")
    r = ideogram(aspect_ratio=None, resolution="RESOLUTION_1024_576")
    ok(r.status == 400 and "documented" in violations()[-1]["problem"],
       "ideogram: a resolution not in the documented list -> 400")
    r = ideogram(seed=None)
    ok(r.status == 200 and isinstance(r.json()["data"][0]["seed"], int),
       "ideogram: seed reported when not sent")
    r = ideogram(headers={"Authorization": "Bearer ideo-canary-key"})
    ok(r.status == 401 and "error" in (r.json() or {}), "ideogram: Authorization Bearer -> 401")
    r = ideogram(resolution="RESOLUTION_1024_1024")
    ok(r.status == 400 and "resolution and aspect_ratio" in violations()[-1]["problem"],
       "ideogram: resolution + aspect_ratio -> 400")
    r = ideogram(negative_prompt="text")
    ok(r.status == 400 and "negative_prompt" in violations()[-1]["problem"],
       "ideogram: negative_prompt with V_2A_TURBO -> 400")
    r = ideogram(seed=2147483648)
    ok(r.status == 400, "ideogram: seed out of range -> 400")
    # the spec's resolution list, not "multiples of 32"
    r = ideogram(aspect_ratio=None, resolution="RESOLUTION_1280_720", model="V_2")
    ok(r.status == 200, "ideogram: RESOLUTION_1280_720 (a listed size) accepted")
    r = ideogram(aspect_ratio=None, resolution="RESOLUTION_1024_576", model="V_2")
    ok(r.status == 400 and "RESOLUTION_<W>_<H>" in violations()[-1]["problem"],
       "ideogram: RESOLUTION_1024_576 (not listed) -> 400")
    r = ideogram(aspect_ratio=None, resolution="RESOLUTION_1024_1024")
    ok(r.status == 400 and "2.0 only" in violations()[-1]["problem"],
       "ideogram: resolution for V_2A_TURBO -> 400")
    r = ideogram(model="V_4")
    ok(r.status == 400, "ideogram: unknown model -> 400")
    r = call("GET", "/ideogram/files/doesnotexist.png")
    ok(r.status == 404, "ideogram: unknown file id -> 404")
    faults({"provider": "ideogram", "fault": "safety"})
    r = ideogram()
    ok(r.status == 422 and "safety" in (r.json() or {}).get("error", ""),
       "ideogram: safety -> 422 {error}")
    faults({"provider": "ideogram", "fault": "unsafe-image"})
    r = ideogram()
    item = r.json()["data"][0]
    ok(r.status == 200 and item["is_image_safe"] is False and item["url"] is None,
       "ideogram: unsafe-image -> is_image_safe false, url null")


def t_stability_core_ultra():
    core = [("prompt", "a lighthouse"), ("aspect_ratio", "4:5"), ("negative_prompt", "fog"),
            ("seed", "7"), ("style_preset", "photographic"), ("output_format", "png")]
    r = stability(fields=core, ep="core")
    ok(r.status == 200 and png_size(r.body) == (64, 80), "stability core: documented fields")
    for extra in (("model", "sd3.5-large"), ("cfg_scale", "5"), ("steps", "30"), ("mode", "text-to-image")):
        r = stability(fields=core + [extra], ep="core")
        ok(r.status == 400 and "unknown multipart field" in violations()[-1]["problem"],
           "stability core: %s -> 400" % extra[0])
    ultra = [("prompt", "a lighthouse"), ("aspect_ratio", "21:9"), ("seed", "7"),
             ("output_format", "png")]
    r = stability(fields=ultra, ep="ultra")
    ok(r.status == 200 and png_size(r.body) == (149, 64), "stability ultra: documented fields")
    for extra in (("style_preset", "anime"), ("cfg_scale", "5"), ("model", "ultra")):
        r = stability(fields=ultra + [extra], ep="ultra")
        ok(r.status == 400, "stability ultra: %s -> 400" % extra[0])
    r = stability(fields=[("prompt", "x"), ("sampler", "euler")])
    ok(r.status == 400 and "sampler" in violations()[-1]["problem"], "stability sd3: sampler -> 400")


def t_ideogram_v3():
    # the documented example: prompt, aspect_ratio 1x1, rendering_speed TURBO,
    # magic_prompt OFF, seed 42, num_images 1
    base = [("prompt", "pixel-art treasure chest icon"), ("aspect_ratio", "1x1"),
            ("rendering_speed", "TURBO"), ("magic_prompt", "OFF"), ("seed", "42"),
            ("num_images", "1")]
    r = ideogram_v3(base)
    d = r.json() or {}
    item = (d.get("data") or [{}])[0]
    ok(r.status == 200 and item.get("seed") == 42 and item.get("resolution") == "64x64"
       and item.get("is_image_safe") is True and item.get("url", "").startswith("http://127.0.0.1"),
       "ideogram v3: the documented example", d)
    ok(call("GET", item["url"][len(BASE_URL):]).status == 200, "ideogram v3: the image downloads")
    r = ideogram_v3([("prompt", "x"), ("aspect_ratio", "4x5"), ("style_type", "DESIGN"),
                     ("style_preset", "WATERCOLOR"), ("negative_prompt", "blur")])
    ok(r.status == 200, "ideogram v3: style_type, style_preset, negative_prompt")
    r = ideogram_v3([("prompt", "x"), ("resolution", "800x1280")])
    ok(r.status == 200, "ideogram v3: resolution 800x1280 (ResolutionV3 only)")
    r = ideogram_v3([("prompt", "x"), ("resolution", "1280x720")])
    ok(r.status == 400, "ideogram v3: 1280x720 is not a ResolutionV3 value")
    for bad in (("aspect_ratio", "ASPECT_1_1"), ("aspect_ratio", "16:9"), ("rendering_speed", "FAST"),
                ("style_type", "ANIME"), ("style_preset", "NEON"), ("magic_prompt_option", "OFF"),
                ("model", "V_3"), ("steps", "30")):
        r = ideogram_v3([("prompt", "x"), bad])
        ok(r.status == 400, "ideogram v3: %s=%s -> 400" % bad)
    r = ideogram_v3(base, headers={"Authorization": "Bearer x"})
    ok(r.status == 401, "ideogram v3: Authorization instead of Api-Key -> 401")


def json_path(obj, path):
    """obj at a dotted path (numbers index lists), or raise KeyError."""
    for key in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(key)]
        elif isinstance(obj, dict):
            obj = obj[key]
        else:
            raise KeyError(path)
    return obj


def t_examples():
    """Replay the documented requests of examples.json."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "examples.json")) as f:
        examples = json.load(f)["examples"]
    for ex in examples:
        headers = dict(ex.get("headers", {}))
        if "form" in ex:
            body, ctype = multipart([tuple(x) for x in ex["form"]])
            headers["Content-Type"] = ctype
            r = call(ex["method"], ex["path"], body=body, headers=headers)
        else:
            r = call(ex["method"], ex["path"], jbody=ex["json"], headers=headers)
        d = r.json() if r.status != 200 or "json" in r.headers.get("content-type", "") else None
        missing = []
        for path in ex.get("expect", []):
            try:
                json_path(d, path)
            except (KeyError, IndexError, ValueError, TypeError):
                missing.append(path)
        msg_ok = True
        if "message" in ex:
            try:
                msg_ok = json_path(d, ex["message"][0]) == ex["message"][1]
            except (KeyError, IndexError, ValueError, TypeError):
                msg_ok = False
        ok(r.status == ex["status"] and not missing and msg_ok, "example: " + ex["name"],
           (r.status, missing, d if not msg_ok else None))


def t_stability():
    r = stability()
    ok(r.status == 200 and r.headers.get("content-type") == "image/png"
       and r.headers.get("seed") == "987654" and r.headers.get("finish-reason") == "SUCCESS"
       and png_size(r.body) == (114, 64), "stability: accept image/* -> PNG + seed/finish-reason",
       r.headers)
    r = stability(accept="application/json")
    d = r.json() or {}
    ok(r.status == 200 and r.headers["content-type"].startswith("application/json")
       and d.get("seed") == 987654 and d.get("finish_reason") == "SUCCESS"
       and png_size(base64.b64decode(d.get("image", ""))) == (114, 64)
       and "seed" not in r.headers, "stability: accept application/json -> base64 JSON")
    r = stability(fields=[("prompt", "x"), ("aspect_ratio", "9:21")])
    ok(r.status == 200 and png_size(r.body) == (64, 149) and int(r.headers["seed"]) > 0,
       "stability: 9:21 -> 64x149, random seed reported")
    r = call("POST", "/stability/v2beta/stable-image/generate/sd3", jbody={"prompt": "x"},
             headers=STAB_H)
    d = r.json() or {}
    ok(r.status == 400 and set(d) == {"id", "name", "errors"}
       and "multipart" in violations()[-1]["problem"], "stability: JSON body -> 400 {id,name,errors}")
    r = stability(accept="*/*")
    ok(r.status == 400 and "accept" in violations()[-1]["problem"], "stability: accept */* -> 400")
    r = stability(headers={"Accept": "image/*"})
    ok(r.status == 401, "stability: missing authorization -> 401")
    r = stability(fields=[("prompt", "x"), ("aspect_ratio", "1:2")])
    ok(r.status == 400, "stability: aspect_ratio outside the set -> 400")
    r = stability(fields=[("prompt", "x"), ("steps", "4")])
    ok(r.status == 400 and "steps" in violations()[-1]["problem"],
       "stability: unknown field -> 400")
    r = stability(fields=[("model", "sd3.5-flash")])
    ok(r.status == 400 and "prompt" in violations()[-1]["problem"], "stability: prompt required")
    body, ctype = multipart([("prompt", "x"), ("mode", "image-to-image"), ("strength", "0.5")],
                            [("image", "in.png", "image/png", fake.render_png("in", 1, 40, 24))])
    r = call("POST", "/stability/v2beta/stable-image/generate/sd3", body=body,
             headers=dict(STAB_H, **{"Content-Type": ctype}))
    ok(r.status == 200 and png_size(r.body) == (40, 24), "stability: image-to-image keeps the size")
    faults({"provider": "stability", "fault": "safety"})
    r = stability()
    ok(r.status == 200 and r.headers.get("finish-reason") == "CONTENT_FILTERED"
       and png_size(r.body) == (114, 64), "stability: safety -> 200 CONTENT_FILTERED")
    faults({"provider": "stability", "fault": "moderation"})
    r = stability()
    ok(r.status == 403 and (r.json() or {}).get("name") == "content_moderation",
       "stability: moderation -> 403 content_moderation")


def t_gemini():
    r = gemini()
    d = r.json() or {}
    parts = d.get("candidates", [{}])[0].get("content", {}).get("parts", [])
    img = [p["inlineData"] for p in parts if "inlineData" in p]
    ok(r.status == 200 and parts and parts[0].get("text") and img
       and img[0]["mimeType"] == "image/png" and png_size(base64.b64decode(img[0]["data"]))
       == (64, 64) and d["candidates"][0]["finishReason"] == "STOP" and "usageMetadata" in d,
       "gemini: generateContent -> text + inlineData parts")
    r = gemini(gc={"responseModalities": ["TEXT", "IMAGE"], "imageConfig": {"aspectRatio": "16:9"}})
    img = [p for p in r.json()["candidates"][0]["content"]["parts"] if "inlineData" in p]
    ok(png_size(base64.b64decode(img[0]["inlineData"]["data"])) == (114, 64),
       "gemini: aspectRatio 16:9 -> 114x64")
    r = gemini(headers={})
    e = (r.json() or {}).get("error", {})
    ok(r.status == 403 and e.get("status") == "PERMISSION_DENIED", "gemini: missing key -> 403")
    r = gemini(headers={}, query="?key=gem-canary-key")
    ok(r.status == 400 and "query" in violations()[-1]["problem"],
       "gemini: key in the URL -> 400 + violation")
    r = gemini(gc={"responseModalities": ["TEXT"]})
    ok(r.status == 400 and (r.json() or {}).get("error", {}).get("status") == "INVALID_ARGUMENT",
       "gemini: no IMAGE modality -> 400 INVALID_ARGUMENT")
    r = gemini(gc={"imageSizee": "1K"})
    ok(r.status == 400, "gemini: unknown generationConfig field -> 400")
    r = gemini(gc={"responseModalities": ["IMAGE"], "steps": 30})
    ok(r.status == 400 and r.json()["error"]["message"] == "Invalid JSON payload received. "
       "Unknown name \"steps\" at 'generation_config': Cannot find field.",
       "gemini: steps in generationConfig -> 400 Unknown name, as Google")
    r = gemini(gc={"responseModalities": ["IMAGE"], "imageConfig": {"outputMimeType": "image/png"}})
    ok(r.status == 400 and "image_config" in r.json()["error"]["message"],
       "gemini: unknown imageConfig field -> 400")
    r = gemini(gc={"responseModalities": ["IMAGE"], "imageConfig": {"imageSize": "512"}})
    ok(r.status == 400, "gemini: imageSize 512 -> 400")
    r = gemini(gc={"responseModalities": ["IMAGE"], "temperature": 0.5, "topP": 0.9,
                   "imageConfig": {"imageSize": "2K", "aspectRatio": "4:5"}})
    ok(r.status == 200, "gemini: temperature, topP, imageSize 2K accepted")
    for model in ("gemini-2.5-flash-image", "gemini-3-pro-image-preview", "imagen-4.0-generate-001"):
        r = gemini(model=model)
        ok(r.status == 404 and r.json()["error"]["status"] == "NOT_FOUND",
           "gemini: retired %s -> 404" % model)
    faults({"provider": "gemini", "fault": "safety"})
    r = gemini()
    d = r.json() or {}
    ok(r.status == 200 and d.get("promptFeedback", {}).get("blockReason") == "SAFETY"
       and "candidates" not in d, "gemini: safety -> promptFeedback.blockReason, no candidates")
    faults({"provider": "gemini", "fault": "429"})
    r = gemini()
    e = (r.json() or {}).get("error", {})
    ri = [x for x in e.get("details", []) if x.get("@type", "").endswith("RetryInfo")]
    ok(r.status == 429 and e.get("code") == 429 and e.get("status") == "RESOURCE_EXHAUSTED"
       and ri and ri[0]["retryDelay"] == "2s" and "retry-after" not in r.headers,
       "gemini: 429 -> RESOURCE_EXHAUSTED + RetryInfo 2s")


def t_paths():
    r = call("GET", "/nothing/here")
    ok(r.status == 404 and violations()[-1]["path"] == "/nothing/here", "unknown path -> 404 + violation")
    r = call("POST", "/ideogram/v1/ideogram-v5/generate", jbody={}, headers=IDEO_H)
    ok(r.status == 404 and violations()[-1]["provider"] == "ideogram", "unknown provider path -> 404")
    r = call("GET", "/http/generate")
    ok(r.status == 405 and "method" in violations()[-1]["problem"], "wrong method -> 405 + violation")
    r = call("GET", "/_control/nope")
    ok(r.status == 404, "unknown control path -> 404")


ERROR_SHAPES = {
    "http": lambda d: isinstance(d.get("error"), str),
    "openai": lambda d: set(d.get("error", {})) == {"message", "type", "param", "code"},
    "a1111": lambda d: set(d) == {"error", "detail", "body", "errors"},
    "ideogram": lambda d: isinstance(d.get("error"), str),
    "stability": lambda d: set(d) == {"id", "name", "errors"} and isinstance(d["errors"], list),
    "gemini": lambda d: set(d.get("error", {})) >= {"code", "message", "status"},
}
SENDERS = {"http": http_gen, "openai": openai, "a1111": a1111, "ideogram": ideogram,
           "stability": stability, "gemini": gemini}


def t_status_faults():
    kinds = ["429", "500", "502", "503", "408", "400", "401", "403", "404"]
    bad = []
    for provider, send in SENDERS.items():
        faults(*[{"provider": provider, "fault": k} for k in kinds])
        for k in kinds:
            r = send()
            d = r.json() or {}
            if r.status != int(k) or not ERROR_SHAPES[provider](d) \
                    or r.headers.get("content-length") != str(len(r.body)):
                bad.append((provider, k, r.status, d))
        if send().status != 200:
            bad.append((provider, "rules not consumed"))
    ok(not bad, "status faults: every status in every provider's error shape", bad[:3])
    faults({"provider": "http", "fault": "429", "retry_after": "2"})
    r = http_gen()
    ok(r.status == 429 and r.headers.get("retry-after") == "2", "429 + retry_after -> Retry-After: 2")
    faults({"provider": "http", "fault": "429"})
    r = http_gen()
    ok(r.status == 429 and "retry-after" not in r.headers, "429 without retry_after -> no Retry-After")
    faults({"provider": "openai", "fault": "429-ms", "retry_after_ms": "1500"})
    r = openai()
    ok(r.status == 429 and r.headers.get("retry-after-ms") == "1500"
       and r.json()["error"]["code"] == "rate_limit_exceeded", "429-ms -> retry-after-ms: 1500")
    faults({"provider": "stability", "fault": "503", "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT"})
    r = stability()
    ok(r.status == 503 and r.headers.get("retry-after") == "Wed, 21 Oct 2015 07:28:00 GMT",
       "503 + HTTP-date Retry-After")
    faults({"provider": "gemini", "fault": "429", "retry_delay": "7s", "retry_after": "7"})
    r = gemini()
    ri = [x for x in r.json()["error"]["details"] if x["@type"].endswith("RetryInfo")]
    ok(ri[0]["retryDelay"] == "7s" and r.headers.get("retry-after") == "7",
       "gemini 429 retry_delay / retry_after")


def t_oom():
    faults({"provider": "a1111", "fault": "oom"}, {"provider": "openai", "fault": "oom"},
           {"provider": "stability", "fault": "oom"})
    r = a1111()
    d = r.json() or {}
    ok(r.status == 500 and d.get("error") == "OutOfMemoryError"
       and "CUDA out of memory. Tried to allocate 2.00 GiB" in d.get("errors", ""),
       "oom: a1111 -> 500 OutOfMemoryError", d)
    r = openai()
    ok(r.status == 500 and "CUDA out of memory" in r.json()["error"]["message"], "oom: openai shape")
    r = stability()
    ok(r.status == 500 and "CUDA out of memory" in r.json()["errors"][0], "oom: stability shape")


def t_echo_key_meta():
    body = {"prompt": "echo", "negative_prompt": "", "seed": 3, "width": 8, "height": 8}
    faults({"provider": "http", "fault": "echo-key-meta"})
    r = call("POST", "/http/generate-json", jbody=body, headers={"Authorization": "Bearer Sk-A/b+c"})
    d = (r.json() or {}).get("render_meta", {})
    ok(r.status == 200 and d.get("debug") == {
        "authorization": "Bearer Sk-A/b+c", "lower": "bearer sk-a/b+c",
        "query": "key=Sk-A%2Fb%2Bc", "key": "Sk-A/b+c"} and d.get("sampler") == "euler",
       "echo-key-meta: render_meta quotes the credential in four forms", d)
    faults({"provider": "http", "fault": "echo-key-meta"})
    r = call("POST", "/http/generate-json", jbody=body, headers={"Authorization": "Basic Y2k6cA=="})
    d = (r.json() or {}).get("render_meta", {})
    ok(r.status == 200 and d.get("debug") == {
        "authorization": "Basic Y2k6cA==", "lower": "basic y2k6ca==",
        "query": "key=Y2k6cA%3D%3D", "key": "Y2k6cA=="},
       "echo-key-meta: a Basic token is quoted without its scheme", d)
    faults({"provider": "http", "fault": "echo-key-meta"})
    r = http_gen()
    ok(r.status == 200 and png_size(r.body) == (70, 33), "echo-key-meta: a PNG answer is unchanged")
    faults({"provider": "ideogram", "fault": "echo-key-meta"})
    r = ideogram(headers={"Api-Key": "ideo/key+1"})
    item = ((r.json() or {}).get("data") or [{}])[0]
    url = item.get("url", "")
    ok(r.status == 200 and item.get("prompt") == "stone tower (debug: ideo/key+1)"
       and url.endswith(".png?key=ideo%2Fkey%2B1&auth=aWRlby9rZXkrMQ%3D%3D"),
       "echo-key-meta: ideogram quotes the key in its prompt and its link", item)
    with urllib.request.urlopen(url, timeout=5) as f:
        ok(png_size(f.read()) == (114, 64), "echo-key-meta: ideogram's link still serves the PNG")
    faults({"provider": "http", "fault": "big-meta"})
    r = call("POST", "/http/generate-json", jbody=body)
    d = (r.json() or {}).get("render_meta", {})
    ok(r.status == 200 and d.get("pad") == "x" * (5 << 20) and "debug" not in d,
       "big-meta: 5 MiB more render_meta", len(d.get("pad", "")))
    faults({"provider": "http", "fault": "400", "message": "bad\n\x1b[2Jforged"})
    r = http_gen()
    ok(r.status == 400 and (r.json() or {}).get("error") == "bad\n\x1b[2Jforged", "message: a status fault's text",
       r.body)


def t_body_faults():
    normal = http_gen(prompt="trunc").body
    faults({"provider": "http", "fault": "truncated"})
    r = http_gen(prompt="trunc")
    broken = False
    try:
        fake.png_decode(r.body)
    except ValueError:
        broken = True
    ok(r.status == 200 and r.body == normal[:len(normal) // 2] and broken
       and r.headers["content-length"] == str(len(r.body)), "truncated: half PNG, matching length")
    faults({"provider": "a1111", "fault": "truncated"})
    r = a1111()
    img = base64.b64decode(r.json()["images"][0])
    ok(r.status == 200 and png_size(img) is None, "truncated: a1111 base64 image is cut")
    faults({"provider": "ideogram", "fault": "truncated"})
    r = ideogram()
    with urllib.request.urlopen(r.json()["data"][0]["url"], timeout=5) as f:
        png = f.read()
    ok(r.status == 200 and png_size(png) is None and png[:8] == b"\x89PNG\r\n\x1a\n",
       "truncated: ideogram url serves a cut PNG")
    faults({"provider": "http", "fault": "short-body"})
    try:
        http_gen()
        ok(False, "short-body: read fails")
    except http.client.IncompleteRead as e:
        ok(len(e.partial) > 0, "short-body: Content-Length of the full body, half sent, closed")
    faults({"provider": "http", "fault": "badjson"}, {"provider": "http", "fault": "badjson"},
           {"provider": "ideogram", "fault": "badjson"})
    r = http_gen(path="/http/generate-json")
    ok(r.status == 200 and r.headers["content-type"] == "application/json" and r.json() is None,
       "badjson: JSON route -> 200 application/json, not JSON")
    r = http_gen()
    ok(r.status == 200 and r.body == b"not a png", "badjson: PNG route -> 'not a png'")
    r = ideogram()
    ok(r.status == 200 and r.json() is None, "badjson: ideogram")
    faults({"provider": "ideogram", "fault": "500", "route": "download"})
    r = ideogram()
    url = r.json()["data"][0]["url"]
    ok(r.status == 200, "route download: generate not affected")
    r = call("GET", url[len(BASE_URL):])
    ok(r.status == 500 and "error" in r.json(), "route download: the file GET faults")
    r = call("GET", url[len(BASE_URL):])
    ok(r.status == 200, "route download: rule consumed")


def t_reset_fault():
    faults({"provider": "gemini", "fault": "reset"})
    try:
        gemini()
        ok(False, "reset: connection reset")
    except (urllib.error.URLError, ConnectionError) as e:
        reason = getattr(e, "reason", e)
        ok(isinstance(reason, ConnectionResetError), "reset: connection reset (RST)", repr(reason))
    reqs = control("requests")
    ok(reqs[-1]["fault"] == "reset" and reqs[-1]["status"] is None, "reset: logged, no status")


def t_timeout():
    faults({"provider": "http", "fault": "timeout"})
    out = {}

    def slow():
        t = time.monotonic()
        try:
            http_gen(prompt="slow", timeout=0.6)
            out["r"] = "answered"
        except (socket.timeout, TimeoutError, urllib.error.URLError) as e:
            out["r"] = e
        out["t"] = time.monotonic() - t
    th = threading.Thread(target=slow)
    th.start()
    time.sleep(0.1)
    t = time.monotonic()
    r = http_gen(prompt="fast")
    fast = time.monotonic() - t
    th.join()
    ok(not isinstance(out.get("r"), str) and out.get("t", 0) >= 0.5, "timeout: no answer in time",
       out)
    ok(r.status == 200 and fast < 0.4, "timeout: other requests are not blocked", fast)


def t_matching():
    faults({"provider": "*", "fault": "503", "match": "dragon", "count": 2})
    a = http_gen(prompt="a red dragon").status
    b = http_gen(prompt="a cat").status
    c = openai(prompt="dragon egg").status
    d = http_gen(prompt="dragon").status
    ok((a, b, c, d) == (503, 200, 503, 200), "match + provider * + count 2", (a, b, c, d))
    faults({"provider": "a1111", "fault": "502", "count": -1})
    ok([a1111().status for _ in range(4)] == [502] * 4, "count -1 applies forever")
    rules = control("faults")["rules"]
    ok(rules[-1]["count"] == -1 and rules[-1]["hits"] == 4 and rules[-2]["count"] == 0,
       "GET /_control/faults shows counts and hits")
    faults({"provider": "http", "fault": "500"}, {"provider": "http", "fault": "404"})
    ok([http_gen().status for _ in range(3)] == [500, 404, 200],
       "a forever rule of another provider does not shadow later rules")
    reset()
    faults({"provider": "http", "fault": "500"}, {"provider": "http", "fault": "404"})
    ok([http_gen().status for _ in range(3)] == [500, 404, 200], "rules consumed in order")
    r = call("POST", "/_control/faults", jbody={"rules": [{"fault": "teapot"}]})
    ok(r.status == 400 and "fault" in r.json()["error"], "control: unknown fault kind -> 400")
    r = call("POST", "/_control/faults", jbody={"rules": [], "bogus": 1})
    ok(r.status == 400, "control: unknown field -> 400")


def t_random():
    def run():
        reset()
        faults(random={"rate": 0.5, "seed": 7, "kinds": ["500", "503", "429"]})
        return [http_gen(prompt="r%d" % i).status for i in range(24)]
    a, b = run(), run()
    ok(a == b and 200 in a and set(a) - {200} and set(a) <= {200, 500, 503, 429},
       "random: reproducible with a seed", a)
    faults({"provider": "http", "fault": "404"})
    ok(http_gen().status == 404, "random: rules take precedence")
    faults(random=None)
    ok(all(http_gen().status == 200 for _ in range(5)), "random: null turns it off")


def t_latency():
    faults(latency_ms=150)
    t = time.monotonic()
    r = http_gen()
    dt = time.monotonic() - t
    c = control("health")
    ok(r.status == 200 and dt >= 0.15 and c == {"ok": True}, "latency_ms delays generation", dt)
    reset()
    t = time.monotonic()
    http_gen()
    ok(time.monotonic() - t < 0.15, "reset clears latency")


def t_concurrency():
    reset()
    faults(latency_ms=300)
    results = []
    lock = threading.Lock()

    def one(i):
        r = http_gen(prompt="par %d" % i, timeout=10)
        with lock:
            results.append(r.status)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(32)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    dt = time.monotonic() - t
    reqs = control("requests")
    ok(results == [200] * 32 and dt < 2.0, "32 parallel requests overlap (%.2fs)" % dt)
    ok(max(r["start"] for r in reqs) < min(r["end"] for r in reqs),
       "request log start/end show the overlap")
    reset()


def t_keepalive_chunked_expect():
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
    names, good = [], True
    for i in range(3):
        body = json.dumps({"prompt": "ka", "seed": i, "width": 8, "height": 8}).encode()
        conn.request("POST", "/http/generate", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        good = good and r.status == 200 and r.getheader("Content-Length") == str(len(data))
        names.append(conn.sock.getsockname())
    r = conn.request("GET", "/_control/health")
    r = conn.getresponse()
    r.read()
    names.append(conn.sock.getsockname())
    ok(good and len(set(names)) == 1, "keep-alive: 4 requests on one connection")
    body = json.dumps({"prompt": "chunky", "seed": 1, "width": 8, "height": 8}).encode()
    conn.request("POST", "/http/generate", body=iter([body[:10], body[10:]]),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    r = conn.getresponse()
    ok(r.status == 200 and png_size(r.read()) == (8, 8), "chunked request body")
    conn.close()
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    s.sendall(("POST /http/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % len(body)).encode())
    first = s.recv(100)
    s.sendall(body)
    rest = b""
    while b"\r\n\r\n" not in rest:
        rest += s.recv(4096)
    s.close()
    ok(first.startswith(b"HTTP/1.1 100") and rest.startswith(b"HTTP/1.1 200"),
       "Expect: 100-continue", first[:20])


def t_control():
    reset()
    openai(prompt="logged")
    stability(prompt="logged too")
    reqs = control("requests")
    keys = {"n", "provider", "method", "path", "prompt", "seed", "fault", "status", "start",
            "end", "headers"}
    ok(len(reqs) == 2 and all(keys <= set(r) for r in reqs), "requests: fields", reqs[:1])
    a, b = reqs
    ok(a["provider"] == "openai" and a["method"] == "POST" and a["prompt"] == "logged"
       and a["seed"] is None and a["status"] == 200 and a["fault"] is None
       and a["headers"].get("authorization") == "Bearer sk-canary-openai"
       and all(k == k.lower() for k in a["headers"]) and a["start"] <= a["end"],
       "requests: openai entry")
    ok(b["provider"] == "stability" and b["seed"] == 987654 and b["prompt"] == "logged too"
       and b["path"] == "/stability/v2beta/stable-image/generate/sd3", "requests: stability entry")
    faults({"provider": "http", "fault": "500"}, random={"rate": 1, "seed": 1, "kinds": ["500"]},
           latency_ms=5)
    http_gen(prompt="x", seed=3)
    r = control("requests")[-1]
    ok(r["fault"] == "500" and r["status"] == 500 and r["seed"] == 3, "requests: fault logged")
    ideogram(headers={"Authorization": "Bearer k"})
    v = violations()
    ok(v and set(v[-1]) >= {"provider", "path", "problem"} and v[-1]["provider"] == "ideogram",
       "violations: listed", v[-1:])
    reset()
    f = control("faults")
    ok(control("requests") == [] and violations() == [] and f["rules"] == []
       and f["random"] is None and f["latency_ms"] == 0, "reset clears rules, random, latency, logs")


def t_text():
    """/_control/text: quoted copy drawn legibly, or garbled on chosen seeds."""
    prompt = "poster reading 'Launch Sale'"
    plain = http_gen(prompt=prompt, seed=5, w=200, h=80).body
    ok(control("text", {"garble": [6]}) == {"ok": True}, "text: turned on")
    good = http_gen(prompt=prompt, seed=5, w=200, h=80).body
    again = http_gen(prompt=prompt, seed=5, w=200, h=80).body
    bad = http_gen(prompt=prompt, seed=6, w=200, h=80).body
    none = http_gen(prompt="no quotes here", seed=5, w=200, h=80).body
    ok(good != plain and good == again, "text: drawn, deterministically")
    ok(bad != good and png_size(bad) == (200, 80), "text: garbled on a listed seed")
    ok(none == http_gen(prompt="no quotes here", seed=5, w=200, h=80).body
       and fake.quoted_text("no quotes here") is None, "text: nothing to draw without quotes")
    ok(fake.garble("Launch Sale 2026") == "YNHAPU FNYR 7571", "text: garble replaces every letter and digit")
    r = call("POST", "/_control/text", jbody={"garble_rate": 2})
    ok(r.status == 400, "text: bad rate refused", r.body)
    reset()
    ok(http_gen(prompt=prompt, seed=5, w=200, h=80).body == plain, "text: reset turns it off")


def main():
    global PORT, BASE_URL
    tmp = tempfile.mkdtemp(prefix="fake-test-")
    port_file = os.path.join(tmp, "port")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake.py"), "--port", "0",
                             "--port-file", port_file], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 5
    while not os.path.exists(port_file) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    if not os.path.exists(port_file):
        print("not ok - fake started # %r" % (proc.communicate(timeout=5),))
        return 1
    ok(True, "fake started in %.2fs" % (time.monotonic() - T0))
    with open(port_file) as f:
        PORT = int(f.read())
    BASE_URL = "http://127.0.0.1:%d" % PORT
    tests = [lambda: t_basics(port_file), t_http, t_openai, t_a1111, t_a1111_extras, t_ideogram,
             t_stability, t_stability_core_ultra, t_ideogram_v3, t_gemini, t_examples, t_paths, t_status_faults, t_oom, t_echo_key_meta, t_body_faults, t_reset_fault,
             t_timeout, t_matching, t_random, t_latency, t_concurrency, t_keepalive_chunked_expect,
             t_control, t_text]
    try:
        for t in tests:
            reset()
            try:
                t()
            except Exception as e:  # a crash in one group must not hide the others
                import traceback
                ok(False, "%s raised %r" % (getattr(t, "__name__", "test"), e))
                print("".join("# " + ln + "\n" for ln in traceback.format_exc().splitlines()))
        # stop with a request still sleeping in a "timeout" fault
        faults({"provider": "http", "fault": "timeout"})
        hung = threading.Thread(target=lambda: _swallow(lambda: http_gen(timeout=10)), daemon=True)
        hung.start()
        time.sleep(0.2)
    finally:
        t = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        dt = time.monotonic() - t
    ok(proc.returncode == 0 and dt < 2, "SIGTERM: clean exit in %.2fs" % dt, proc.returncode)
    ok(out == b"", "nothing on stdout", out[:200])
    ok(err == b"", "nothing on stderr", err[:500])
    os.unlink(port_file)
    os.rmdir(tmp)
    total = time.monotonic() - T0
    ok(total < 20, "self-test finished in %.1fs" % total)
    return 1 if FAILED else 0


def _swallow(fn):
    try:
        fn()
    except Exception:
        pass


if __name__ == "__main__":
    sys.exit(main())
