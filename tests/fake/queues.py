"""queues.py - the queued image APIs of the fake (fake.py serves them)

  /bfl/v1/<flux-2 model>, /bfl/v1/get_result?id=   Black Forest Labs FLUX.2
  /fal/<owner>/<app>[/<sub>], .../requests/<id>[/status|/cancel]   fal queue
  /replicate/v1/models/<owner>/<name>/predictions, /replicate/v1/predictions,
  /replicate/v1/predictions/<id>[/cancel]           Replicate
  /comfyui/prompt, /comfyui/history/<id>, /comfyui/view, /comfyui/queue,
  /comfyui/interrupt                                 ComfyUI

A submit makes a job that is ready after `render_s` seconds (wall clock);
its result can be fetched for `lifetime_s` seconds after that, then
answers 404 (Replicate: data_removed).  Each request is checked as
strictly as the real API checks it (auth header, path, body fields) and
logged with the fake's other requests; a violation is listed with its
other violations.  Control, beside fake.py's own:

  POST /_control/queues {"render_s", "lifetime_s", "hold_s" (the longest a
                         Prefer: wait is held, 60), "rules": [...], "replace": bool}
       rule: {"provider": bfl|fal|replicate|comfyui|*, "kind": K,
              "count": n (1; -1 forever), "match": "prompt substring"}
       K: stay-queued (never finishes), lost (forgotten at once),
          expire (result gone as soon as it is ready), moderated, error,
          429-submit (a submit refused once, Retry-After 1),
          429-poll (a status request refused, Retry-After 1),
          node-error (ComfyUI: the graph fails validation),
          execution-error (ComfyUI: a node fails while running)
  GET  /_control/queues    {"submits": {provider: n}, "polls": {provider: n},
                            "cancels": {provider: n}, "jobs": [...], ...}
  POST /_control/queues/reset
"""

import json
import re
import threading
import time
import uuid
from urllib.parse import parse_qs

PROVIDERS = ("bfl", "fal", "replicate", "comfyui")
KINDS = ("stay-queued", "lost", "expire", "moderated", "error", "429-submit", "429-poll",
         "node-error", "execution-error")
BFL_MODELS = ("flux-2-pro", "flux-2-max", "flux-2-flex", "flux-2-klein-4b", "flux-2-klein-9b",
              "flux-2-pro-preview", "flux-2-max-preview", "flux-2-flex-preview")
MAX_JOBS = 4096


class Bad(Exception):
    def __init__(self, problem, status=400, body=None, violation=True):
        super().__init__(problem)
        self.problem = problem
        self.status = status
        self.body = body
        self.violation = violation      # False: an answer the API gives a valid request


class Queues:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.render_s = 0.2
            self.lifetime_s = 600.0
            self.hold_s = 60.0              # the longest a Replicate `Prefer: wait` is held
            self.rules = []
            self.jobs = {}
            self.submits = {p: 0 for p in PROVIDERS}
            self.polls = {p: 0 for p in PROVIDERS}
            self.cancels = {p: 0 for p in PROVIDERS}

    def take(self, provider, kinds, prompt):
        """The first rule of one of kinds for this provider and prompt (used up)."""
        with self.lock:
            for r in self.rules:
                if r["count"] == 0 or r["kind"] not in kinds:
                    continue
                if r["provider"] not in ("*", provider):
                    continue
                if r["match"] is not None and (prompt is None or r["match"] not in prompt):
                    continue
                if r["count"] > 0:
                    r["count"] -= 1
                return r["kind"]
        return None

    def new_job(self, provider, prompt, seed, w, h, extra=None):
        kind = self.take(provider, ("stay-queued", "lost", "expire", "moderated", "error",
                                    "execution-error"), prompt)
        now = time.time()
        job = {"id": uuid.uuid4().hex, "provider": provider, "prompt": prompt, "seed": seed,
               "w": w, "h": h, "created": now, "kind": kind, "polls": 0,
               "ready_at": float("inf") if kind == "stay-queued" else now + self.render_s,
               "cancelled": False, "extra": extra or {}}
        with self.lock:
            self.submits[provider] += 1
            if kind != "lost":
                self.jobs[job["id"]] = job
                while len(self.jobs) > MAX_JOBS:
                    self.jobs.pop(next(iter(self.jobs)))
        return job

    def get(self, jid):
        with self.lock:
            return self.jobs.get(jid)

    def state(self, job):
        """queued, running, ready, expired, cancelled."""
        now = time.time()
        if job["cancelled"]:
            return "cancelled"
        if now < job["ready_at"]:
            return "queued" if now < job["created"] + min(0.05, self.render_s / 2) else "running"
        life = 0 if job["kind"] == "expire" else self.lifetime_s
        return "expired" if now > job["ready_at"] + life else "ready"


Q = Queues()


def owns(path):
    seg = path.split("/", 2)
    return len(seg) > 1 and seg[1] in PROVIDERS


# ---------------------------------------------------------------------------

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def body_json(req):
    ct = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ct != "application/json":
        raise Bad("content-type is %r, expected application/json" % ct, 422)
    try:
        obj = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Bad("body is not valid JSON: %s" % e, 422) from None
    if not isinstance(obj, dict):
        raise Bad("JSON body is not an object", 422)
    return obj


class Req:
    def __init__(self, handler, F, provider, method, rest, query, headers, body):
        self.handler, self.F = handler, F
        self.provider, self.method, self.rest = provider, method, rest
        self.query, self.headers, self.body = query, headers, body
        self.port = handler.server.server_address[1]
        self.base = "http://127.0.0.1:%d/%s" % (self.port, provider)
        self.prompt = None

    def image(self, job):
        return self.F.render_png(job["prompt"], job["seed"], job["w"], job["h"])


def png_response(req, job):
    st = Q.state(job)
    if st != "ready":
        raise Bad("no such file (%s)" % st, 404, violation=False)
    return req.F.Response(200, req.image(job), "image/png")


def retry_429(req, message):
    return req.F.Response(429, {"detail": message}, headers=[("Retry-After", "1")])


# ---- Black Forest Labs -----------------------------------------------------

def bfl_auth(req):
    if "authorization" in req.headers:
        raise Bad("BFL takes the key in x-key, not Authorization", 403)
    if not re.fullmatch(r"[^\s]+", req.headers.get("x-key") or ""):
        raise Bad("missing or empty x-key header", 403, {"detail": "Not authenticated"})


def bfl_detail(field, msg):
    return {"detail": [{"loc": ["body", field], "msg": msg, "type": "value_error"}]}


def bfl(req):
    F = req.F
    m = re.fullmatch(r"/v1/([a-z0-9.-]+)", req.rest)
    if req.method == "POST" and m:
        if req.query:
            raise Bad("unexpected query string", 404)
        bfl_auth(req)
        model = m.group(1)
        if model not in BFL_MODELS:
            raise Bad("unknown path /v1/%s" % model, 404, {"detail": "Not Found"})
        obj = body_json(req)
        req.prompt = obj.get("prompt")
        allowed = {"prompt", "seed", "width", "height", "output_format", "safety_tolerance",
                   "prompt_upsampling", "webhook_url", "webhook_secret"} | \
            {"input_image" + ("" if i == 1 else "_%d" % i) for i in range(1, 9)}
        if model.startswith("flux-2-flex"):
            allowed |= {"steps", "guidance"}
        for k in obj:
            if k not in allowed:
                raise Bad("%s: extra inputs are not permitted" % k, 422,
                          bfl_detail(k, "Extra inputs are not permitted"))
        if not isinstance(obj.get("prompt"), str) or not obj["prompt"]:
            raise Bad("prompt: field required", 422, bfl_detail("prompt", "Field required"))
        for k in ("width", "height"):
            v = obj.get(k, 1024)
            if not is_int(v) or v < 64 or v % 16:
                raise Bad("%s: must be a multiple of 16, at least 64" % k, 422,
                          bfl_detail(k, "must be a multiple of 16, at least 64"))
        w, h = obj.get("width", 1024), obj.get("height", 1024)
        if w * h > 4 << 20:
            raise Bad("width x height over 4 MP", 422, bfl_detail("width", "over 4 megapixels"))
        seed = obj.get("seed")
        if seed is not None and not is_int(seed):
            raise Bad("seed: an integer", 422, bfl_detail("seed", "an integer"))
        if obj.get("output_format", "jpeg") not in ("jpeg", "png", "webp"):
            raise Bad("output_format: jpeg, png or webp", 422, bfl_detail("output_format", "enum"))
        st = obj.get("safety_tolerance")
        if st is not None and not (is_int(st) and 0 <= st <= 5):
            raise Bad("safety_tolerance: 0..5", 422, bfl_detail("safety_tolerance", "0..5"))
        if "prompt_upsampling" in obj and not isinstance(obj["prompt_upsampling"], bool):
            raise Bad("prompt_upsampling: a boolean", 422, bfl_detail("prompt_upsampling", "bool"))
        if "steps" in obj and not (is_int(obj["steps"]) and 1 <= obj["steps"] <= 50):
            raise Bad("steps: 1..50", 422, bfl_detail("steps", "1..50"))
        if "guidance" in obj and not (is_num(obj["guidance"]) and 1.5 <= obj["guidance"] <= 10):
            raise Bad("guidance: 1.5..10", 422, bfl_detail("guidance", "1.5..10"))
        if Q.take("bfl", ("429-submit",), req.prompt):
            return F.Response(429, {"detail": "You have exceeded the number of active tasks"},
                              headers=[("Retry-After", "1")])
        job = Q.new_job("bfl", obj["prompt"], seed if seed is not None else 0, w, h)
        return F.Response(200, {"id": job["id"], "polling_url": "%s/v1/get_result?id=%s"
                                % (req.base, job["id"]), "cost": 3.0})
    if req.method == "GET" and req.rest == "/v1/get_result":
        bfl_auth(req)
        q = parse_qs(req.query, keep_blank_values=True)
        if set(q) != {"id"} or len(q["id"]) != 1:
            raise Bad("get_result takes exactly one id", 422, bfl_detail("id", "Field required"))
        jid = q["id"][0]
        job = Q.get(jid)
        with Q.lock:
            Q.polls["bfl"] += 1
            if job:
                job["polls"] += 1
        if Q.take("bfl", ("429-poll",), job["prompt"] if job else None):
            return retry_429(req, "Too many requests")
        if not job:
            return F.Response(200, {"id": jid, "status": "Task not found", "result": None})
        st = Q.state(job)
        if st in ("queued", "running"):
            return F.Response(200, {"id": jid, "status": "Pending", "result": None,
                                    "progress": 0.5 if st == "running" else 0.0})
        if job["kind"] == "moderated":
            return F.Response(200, {"id": jid, "status": "Content Moderated", "result": None,
                                    "details": {"Moderation Reasons": ["Content"]}})
        if job["kind"] == "error":
            return F.Response(200, {"id": jid, "status": "Error", "result": None})
        return F.Response(200, {"id": jid, "status": "Ready", "result": {
            "sample": "%s/results/%s.png?se=%d&sig=fake" % (req.base, jid, int(job["ready_at"])),
            "seed": job["seed"], "prompt": job["prompt"]}})
    m = re.fullmatch(r"/results/([0-9a-f]{32})\.png", req.rest)
    if req.method == "GET" and m:
        if "x-key" in req.headers:
            raise Bad("a signed result link takes no x-key", 400)
        job = Q.get(m.group(1))
        if not job:
            raise Bad("not found", 404, violation=False)
        return png_response(req, job)
    raise Bad("unknown path %s %s" % (req.method, req.rest), 404, {"detail": "Not Found"})


# ---- fal -------------------------------------------------------------------

FAL_FIELDS = {"prompt": str, "negative_prompt": str, "seed": int, "image_size": None,
              "num_inference_steps": int, "guidance_scale": float, "num_images": int,
              "enable_safety_checker": bool, "output_format": str, "sync_mode": bool,
              "acceleration": str}


def fal_auth(req):
    v = req.headers.get("authorization") or ""
    if v.startswith("Bearer "):
        raise Bad("fal takes 'Authorization: Key <key>', not Bearer", 401)
    if not re.fullmatch(r"Key [^\s]+", v):
        raise Bad("missing 'Authorization: Key <key>'", 401)


def fal_detail(field, msg):
    return {"detail": [{"loc": ["body", field], "msg": msg, "type": "value_error"}]}


def fal(req):
    F = req.F
    fal_auth(req)
    m = re.fullmatch(r"/([a-z0-9-]+)/([a-z0-9.-]+)/requests/([0-9a-f]{32})(/status|/cancel)?",
                     req.rest)
    if m:
        jid, what = m.group(3), m.group(4) or ""
        job = Q.get(jid)
        if job and job["extra"]["app"] != "%s/%s" % (m.group(1), m.group(2)):
            job = None
        if what == "/status" and req.method == "GET":
            with Q.lock:
                Q.polls["fal"] += 1
                if job:
                    job["polls"] += 1
            if Q.take("fal", ("429-poll",), job["prompt"] if job else None):
                return retry_429(req, "Too many requests")
            if not job:
                raise Bad("request not found", 404, {"detail": "Request not found"}, violation=False)
            st = Q.state(job)
            if st == "queued":
                return F.Response(202, {"status": "IN_QUEUE", "queue_position": 0,
                                        "response_url": job["extra"]["response_url"]})
            if st == "running":
                return F.Response(202, {"status": "IN_PROGRESS", "logs": None,
                                        "response_url": job["extra"]["response_url"]})
            return F.Response(200, {"status": "COMPLETED", "logs": None, "metrics": {},
                                    "response_url": job["extra"]["response_url"]})
        if what == "/cancel" and req.method == "PUT":
            if not job:
                raise Bad("request not found", 404, {"detail": "Request not found"}, violation=False)
            if Q.state(job) in ("queued", "running"):
                with Q.lock:
                    job["cancelled"] = True
                    Q.cancels["fal"] += 1
                return F.Response(202, {"status": "CANCELLATION_REQUESTED"})
            return F.Response(400, {"status": "ALREADY_COMPLETED"})
        if what == "" and req.method == "GET":
            if not job:
                raise Bad("request not found", 404, {"detail": "Request not found"}, violation=False)
            st = Q.state(job)
            if st in ("queued", "running"):
                raise Bad("request is still in progress", 400, {"detail": "Request is still in progress"},
                          violation=False)
            if st == "expired":
                raise Bad("the result expired", 404, {"detail": "Request not found"}, violation=False)
            if job["kind"] == "error":
                return F.Response(422, {"detail": [{"msg": "the model failed", "type": "model_error"}]},
                                  headers=[("X-Fal-Retryable", "false")])
            return F.Response(200, {
                "images": [{"url": "%s/files/%s.png" % (req.base, jid), "width": job["w"],
                            "height": job["h"], "content_type": "image/png"}],
                "seed": job["seed"], "has_nsfw_concepts": [job["kind"] == "moderated"],
                "prompt": job["prompt"], "timings": {"inference": 0.2}})
        raise Bad("method %s not allowed here" % req.method, 405)
    m = re.fullmatch(r"/files/([0-9a-f]{32})\.png", req.rest)
    if m:
        raise Bad("unreachable", 500)   # handled before auth (see serve)
    m = re.fullmatch(r"/([a-z0-9-]+)/([a-z0-9.-]+)(/[a-z0-9/_.-]+)?", req.rest)
    if m and req.method == "POST":
        if req.query:
            raise Bad("unexpected query string", 400)
        obj = body_json(req)
        req.prompt = obj.get("prompt")
        for k, t in FAL_FIELDS.items():
            if k not in obj or t is None:
                continue
            v = obj[k]
            ok = is_int(v) if t is int else is_num(v) if t is float else isinstance(v, t)
            if not ok:
                raise Bad("%s: wrong type" % k, 422, fal_detail(k, "wrong type"))
        if not isinstance(obj.get("prompt"), str) or not obj["prompt"]:
            raise Bad("prompt: field required", 422, fal_detail("prompt", "field required"))
        size = obj.get("image_size", "landscape_4_3")
        if isinstance(size, dict):
            if set(size) != {"width", "height"} or not all(is_int(v) and 0 < v <= 14142
                                                             for v in size.values()):
                raise Bad("image_size: {width, height}", 422, fal_detail("image_size", "bad size"))
            w, h = size["width"], size["height"]
        elif size in ("square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3",
                      "landscape_16_9"):
            w, h = 1024, 1024
        else:
            raise Bad("image_size: unknown", 422, fal_detail("image_size", "unknown"))
        if Q.take("fal", ("429-submit",), req.prompt):
            return retry_429(req, "Too many requests")
        app = "%s/%s" % (m.group(1), m.group(2))
        job = Q.new_job("fal", obj["prompt"], obj.get("seed", 0), min(w, 2048), min(h, 2048),
                        {"app": app})
        base = "%s/%s/requests/%s" % (req.base, app, job["id"])
        job["extra"]["response_url"] = base
        return F.Response(200, {"request_id": job["id"], "status": "IN_QUEUE",
                                "response_url": base, "status_url": base + "/status",
                                "cancel_url": base + "/cancel", "queue_position": 0})
    raise Bad("unknown path %s %s" % (req.method, req.rest), 404, {"detail": "Not Found"})


# ---- Replicate -------------------------------------------------------------

def rep_prediction(req, job):
    st = Q.state(job)
    urls = {"get": "%s/v1/predictions/%s" % (req.base, job["id"]),
            "cancel": "%s/v1/predictions/%s/cancel" % (req.base, job["id"])}
    p = {"id": job["id"], "model": job["extra"]["model"], "version": job["extra"]["version"],
         "input": job["extra"]["input"], "logs": "", "output": None, "error": None,
         "status": "starting", "created_at": "2026-01-01T00:00:00Z", "urls": urls,
         "data_removed": False}
    if st == "cancelled":
        p["status"] = "canceled"
    elif st == "queued":
        p["status"] = "starting"
    elif st == "running":
        p["status"] = "processing"
    elif job["kind"] == "moderated":
        p["status"], p["error"] = "failed", "NSFW content detected. Try running it again."
    elif job["kind"] == "error":
        p["status"], p["error"] = "failed", "the model failed"
    elif st == "expired":
        p["status"], p["data_removed"] = "succeeded", True
    else:
        p["status"] = "succeeded"
        p["output"] = ["%s/files/%s.png" % (req.base, job["id"])]
    return p


def rep_auth(req):
    if not re.fullmatch(r"Bearer [^\s]+", req.headers.get("authorization") or ""):
        raise Bad("missing 'Authorization: Bearer <token>'", 401,
                  {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token",
                   "status": 401})


def rep(req):
    F = req.F
    rep_auth(req)
    m = re.fullmatch(r"/v1/models/([a-z0-9_-]+)/([a-z0-9._-]+)/predictions", req.rest)
    if req.method == "POST" and (m or req.rest == "/v1/predictions"):
        obj = body_json(req)
        need = {"input"} if m else {"version", "input"}
        allowed = need | {"webhook", "webhook_events_filter", "stream"}
        if not need <= set(obj) or set(obj) - allowed:
            raise Bad("body must have %s, got %s" % (sorted(need), sorted(obj)), 422,
                      {"title": "Invalid request", "detail": "- input: Additional property is not allowed",
                       "status": 422})
        if not m and not re.fullmatch(r"[0-9a-f]{64}", str(obj["version"])):
            raise Bad("version: not a version id", 422, {"detail": "Invalid version", "status": 422})
        inp = obj["input"]
        if not isinstance(inp, dict) or not isinstance(inp.get("prompt"), str):
            raise Bad("input.prompt: required string", 422, {"detail": "input.prompt is required",
                                                             "status": 422})
        for k in ("seed", "width", "height", "num_inference_steps"):
            if k in inp and not is_int(inp[k]):
                raise Bad("input.%s: an integer" % k, 422, {"detail": "input.%s: integer" % k,
                                                            "status": 422})
        wait = req.headers.get("prefer")
        hold = 0
        if wait is not None:
            mm = re.fullmatch(r"wait(?:=(\d+))?", wait.strip())
            if not mm or (mm.group(1) and not 1 <= int(mm.group(1)) <= 60):
                raise Bad("Prefer: wait or wait=1..60", 400, {"detail": "invalid Prefer header"})
            hold = min(int(mm.group(1) or 60), Q.hold_s)
        if Q.take("replicate", ("429-submit",), inp["prompt"]):
            return F.Response(429, {"detail": "Request was throttled. Your rate limit resets in ~1s."},
                              headers=[("Retry-After", "1")])
        model = "%s/%s" % (m.group(1), m.group(2)) if m else "owner/model"
        job = Q.new_job("replicate", inp["prompt"], inp.get("seed", 0),
                        min(inp.get("width", 1024), 2048), min(inp.get("height", 1024), 2048),
                        {"model": model, "version": obj.get("version"), "input": inp})
        if job["kind"] == "lost":
            # forgotten at once: the create still answers
            Q.jobs[job["id"]] = job
            pred = rep_prediction(req, job)
            Q.jobs.pop(job["id"], None)
            return F.Response(201, pred)
        end = time.time() + hold
        while hold and time.time() < min(end, job["ready_at"]) and \
                not req.handler.server.stopping.is_set():
            time.sleep(0.02)
        return F.Response(201, rep_prediction(req, job))
    m = re.fullmatch(r"/v1/predictions/([0-9a-f]{32})(/cancel)?", req.rest)
    if m:
        job = Q.get(m.group(1))
        if m.group(2) and req.method == "POST":
            if not job:
                raise Bad("not found", 404, {"detail": "Not found."}, violation=False)
            with Q.lock:
                if Q.state(job) in ("queued", "running"):
                    job["cancelled"] = True
                    Q.cancels["replicate"] += 1
            return F.Response(200, rep_prediction(req, job))
        if not m.group(2) and req.method == "GET":
            with Q.lock:
                Q.polls["replicate"] += 1
                if job:
                    job["polls"] += 1
            if Q.take("replicate", ("429-poll",), job["prompt"] if job else None):
                return retry_429(req, "Request was throttled. Your rate limit resets in ~1s.")
            if not job:
                raise Bad("not found", 404, {"detail": "Not found."}, violation=False)
            return F.Response(200, rep_prediction(req, job))
    raise Bad("unknown path %s %s" % (req.method, req.rest), 404, {"detail": "Not found."})


# ---------------------------------------------------------------------------

HANDLERS = {"bfl": bfl, "fal": fal, "replicate": rep}


def serve(handler, F, path, query, body):
    """Answer one request under a queued provider's prefix."""
    state = handler.server.state
    headers = {}
    for name, value in handler.headers.items():
        name = name.lower()
        headers[name] = headers[name] + ", " + value if name in headers else value
    seg = path.split("/", 2)
    provider = seg[1]
    rest = "/" + seg[2] if len(seg) > 2 else ""
    rec = state.new_record(provider, handler.command, path, headers)
    req = Req(handler, F, provider, handler.command, rest, query, headers, body)
    try:
        m = re.fullmatch(r"/files/([0-9a-f]{32})\.png", rest)
        if m and handler.command == "GET" and provider in ("fal", "replicate"):
            if "authorization" in headers:
                raise Bad("a result file takes no Authorization", 400)
            job = Q.get(m.group(1))
            if not job:
                raise Bad("not found", 404, violation=False)
            resp = png_response(req, job)
        elif provider in HANDLERS:
            resp = HANDLERS[provider](req)
        else:
            resp = comfy(req)
    except Bad as b:
        if b.violation:
            state.add_violation(rec, provider, path, b.problem)
        resp = F.Response(b.status, b.body if b.body is not None else {"detail": b.problem})
    if req.prompt is not None:
        rec["prompt"] = req.prompt
    handler.send(resp)
    with state.lock:
        rec["status"] = resp.status
        rec["end"] = time.monotonic()


COMFY_CKPTS = ("sdxl.safetensors", "flux1-dev.safetensors")
COMFY_CLASSES = {
    "CheckpointLoaderSimple": {"ckpt_name": str},
    "EmptyLatentImage": {"width": int, "height": int, "batch_size": int},
    "CLIPTextEncode": {"text": str, "clip": list},
    "KSampler": {"seed": int, "steps": int, "cfg": float, "sampler_name": str, "scheduler": str,
                 "denoise": float, "model": list, "positive": list, "negative": list,
                 "latent_image": list},
    "VAEDecode": {"samples": list, "vae": list},
    "SaveImage": {"images": list, "filename_prefix": str},
}


def comfy_node_error(nid, cls, etype, message, details):
    return {nid: {"errors": [{"type": etype, "message": message, "details": details,
                              "extra_info": {}}], "dependent_outputs": [],
                  "class_type": cls}}


def comfy_validate(graph):
    """(prompt, negative, seed, w, h) from the graph, or Bad with node_errors."""
    errors = {}
    for nid, node in graph.items():
        if not isinstance(node, dict) or not isinstance(node.get("class_type"), str) or \
                not isinstance(node.get("inputs"), dict):
            raise Bad("node %s: not {class_type, inputs}" % nid, 400, {
                "error": {"type": "invalid_prompt", "message": "Cannot execute because a node"
                          " is missing the class_type property.", "details": "Node ID '#%s'" % nid,
                          "extra_info": {}}, "node_errors": {}})
        cls = node["class_type"]
        if cls not in COMFY_CLASSES:
            raise Bad("unknown class %s" % cls, 400, {
                "error": {"type": "invalid_prompt", "message": "Cannot execute because node %s"
                          " does not exist." % cls, "details": "Node ID '#%s'" % nid,
                          "extra_info": {}}, "node_errors": {}})
        for k, t in COMFY_CLASSES[cls].items():
            v = node["inputs"].get(k)
            if v is None:
                errors.update(comfy_node_error(nid, cls, "required_input_missing",
                                               "Required input is missing", k))
                continue
            if t is list:
                ok = isinstance(v, list) and len(v) == 2 and str(v[0]) in graph and is_int(v[1])
            elif t is float:
                ok = is_num(v)
            elif t is int:
                ok = is_int(v)
            else:
                ok = isinstance(v, str)
            if not ok:
                errors.update(comfy_node_error(nid, cls, "invalid_input_type",
                                               "Failed to convert an input value", "%s: %r" % (k, v)))
        if cls == "CheckpointLoaderSimple" and node["inputs"].get("ckpt_name") not in COMFY_CKPTS:
            errors.update(comfy_node_error(nid, cls, "value_not_in_list", "Value not in list",
                                           "ckpt_name: '%s' not in %s" % (
                                               node["inputs"].get("ckpt_name"), list(COMFY_CKPTS))))
    if errors:
        raise Bad("node errors: %s" % ", ".join(sorted(errors)), 400, {
            "error": {"type": "prompt_outputs_failed_validation",
                      "message": "Prompt outputs failed validation", "details": "",
                      "extra_info": {}}, "node_errors": errors})
    ks = [n for n in graph.values() if n["class_type"] == "KSampler"]
    lat = [n for n in graph.values() if n["class_type"] == "EmptyLatentImage"]
    if not ks or not lat or not any(n["class_type"] == "SaveImage" for n in graph.values()):
        raise Bad("no KSampler, EmptyLatentImage and SaveImage", 400, {
            "error": {"type": "prompt_no_outputs", "message": "Prompt has no outputs",
                      "details": "", "extra_info": {}}, "node_errors": []})
    pos = graph[str(ks[0]["inputs"]["positive"][0])]["inputs"].get("text", "")
    neg = graph[str(ks[0]["inputs"]["negative"][0])]["inputs"].get("text", "")
    return pos, neg, ks[0]["inputs"]["seed"], lat[0]["inputs"]["width"], lat[0]["inputs"]["height"]


def comfy_history(job):
    nid = job["extra"]["save"]
    if job["kind"] == "execution-error":
        return {"prompt": [0, job["id"], {}, {}, [nid]], "outputs": {},
                "status": {"status_str": "error", "completed": False, "messages": [
                    ["execution_start", {"prompt_id": job["id"]}],
                    ["execution_error", {"prompt_id": job["id"], "node_id": job["extra"]["ksampler"],
                                         "node_type": "KSampler",
                                         "exception_message": "CUDA error: an illegal memory access",
                                         "exception_type": "RuntimeError", "traceback": []}]]}}
    return {"prompt": [0, job["id"], {}, {}, [nid]],
            "outputs": {nid: {"images": [{"filename": "assetgen_%s_.png" % job["id"][:8],
                                          "subfolder": "", "type": "output"}]}},
            "status": {"status_str": "success", "completed": True, "messages": []}}


def comfy(req):
    F = req.F
    if "authorization" in req.headers:
        raise Bad("ComfyUI takes no Authorization", 400)
    path = req.rest[4:] if req.rest.startswith("/api/") else req.rest
    if req.method == "POST" and path == "/prompt":
        obj = body_json(req)
        if set(obj) - {"prompt", "client_id", "extra_data", "front", "number", "prompt_id"}:
            raise Bad("unknown field(s) %s" % sorted(set(obj) - {"prompt", "client_id"}), 400)
        graph = obj.get("prompt")
        if not isinstance(graph, dict):
            raise Bad("no prompt", 400, {"error": {"type": "no_prompt", "message": "No prompt provided",
                                                   "details": "", "extra_info": {}}, "node_errors": []})
        pos, neg, seed, w, h = comfy_validate(graph)
        req.prompt = pos
        if Q.take("comfyui", ("node-error",), pos):
            nid = next(k for k, n in graph.items() if n["class_type"] == "CheckpointLoaderSimple")
            return F.Response(400, {"error": {"type": "prompt_outputs_failed_validation",
                                              "message": "Prompt outputs failed validation",
                                              "details": "", "extra_info": {}},
                                    "node_errors": comfy_node_error(
                                        nid, "CheckpointLoaderSimple", "value_not_in_list",
                                        "Value not in list", "ckpt_name: 'missing.safetensors'"
                                        " not in (list of length 2)")})
        save = next(k for k, n in graph.items() if n["class_type"] == "SaveImage")
        ksid = next(k for k, n in graph.items() if n["class_type"] == "KSampler")
        job = Q.new_job("comfyui", pos, seed, min(w, 2048), min(h, 2048),
                        {"save": save, "ksampler": ksid, "negative": neg})
        return F.Response(200, {"prompt_id": job["id"], "number": 0, "node_errors": {}})
    if req.method == "GET" and path == "/queue":
        with Q.lock:
            Q.polls["comfyui"] += 1
            jobs = [j for j in Q.jobs.values() if j["provider"] == "comfyui"]
        running, pending = [], []
        for j in jobs:
            st = Q.state(j)
            if st in ("queued", "running"):
                (running if st == "running" else pending).append(
                    [0, j["id"], {}, {"client_id": "x"}, [j["extra"]["save"]]])
        return F.Response(200, {"queue_running": running, "queue_pending": pending})
    if req.method == "POST" and path == "/queue":
        obj = body_json(req)
        ids = obj.get("delete")
        if set(obj) - {"delete", "clear"} or not isinstance(ids, list):
            raise Bad("queue takes {delete: [ids]} or {clear: true}", 400)
        with Q.lock:
            for jid in ids:
                j = Q.jobs.get(jid)
                if j and j["provider"] == "comfyui" and Q.state(j) in ("queued", "running"):
                    j["cancelled"] = True
                    Q.cancels["comfyui"] += 1
        return F.Response(200, b"", "text/plain")
    m = re.fullmatch(r"/history/([0-9a-f-]{1,64})", path)
    if req.method == "GET" and m:
        job = Q.get(m.group(1))
        if not job or Q.state(job) in ("queued", "running", "cancelled"):
            return F.Response(200, {})
        return F.Response(200, {job["id"]: comfy_history(job)})
    if req.method == "GET" and path == "/view":
        q = parse_qs(req.query, keep_blank_values=True)
        if set(q) - {"filename", "subfolder", "type", "preview", "channel"} or "filename" not in q:
            raise Bad("view takes filename, subfolder, type", 400)
        f = q["filename"][0]
        if f.startswith("/") or ".." in f:
            raise Bad("bad filename", 400)
        if q.get("type", ["output"])[0] not in ("output", "input", "temp"):
            raise Bad("bad type", 400)
        mm = re.fullmatch(r"assetgen_([0-9a-f]{8})_\.png", f)
        with Q.lock:
            jobs = [j for j in Q.jobs.values() if mm and j["id"].startswith(mm.group(1))]
        if not jobs:
            raise Bad("no such file", 404, violation=False)
        return png_response(req, jobs[0])
    raise Bad("unknown path %s %s" % (req.method, req.rest), 404)


def control(handler, F, what, body):
    def reply(status, obj):
        handler.send(F.Response(status, obj))

    if what == "queues/reset" and handler.command == "POST":
        Q.reset()
        return reply(200, {"ok": True})
    if what == "queues" and handler.command == "GET":
        with Q.lock:
            jobs = [{"id": j["id"], "provider": j["provider"], "prompt": j["prompt"],
                     "polls": j["polls"], "state": Q.state(j)} for j in Q.jobs.values()]
            return reply(200, {"submits": Q.submits, "polls": Q.polls, "cancels": Q.cancels,
                               "render_s": Q.render_s, "lifetime_s": Q.lifetime_s,
                               "jobs": jobs, "rules": Q.rules})
    if what == "queues" and handler.command == "POST":
        try:
            obj = json.loads(body.decode("utf-8") or "{}")
            if not isinstance(obj, dict) or set(obj) - {"render_s", "lifetime_s", "hold_s", "rules",
                                                     "replace"}:
                raise ValueError("body must be {render_s, lifetime_s, hold_s, rules, replace}")
            rules = []
            for r in obj.get("rules", []):
                if not isinstance(r, dict) or set(r) - {"provider", "kind", "count", "match"}:
                    raise ValueError("a rule is {provider, kind, count, match}")
                if r.get("provider", "*") not in PROVIDERS + ("*",):
                    raise ValueError("unknown provider %r" % r.get("provider"))
                if r.get("kind") not in KINDS:
                    raise ValueError("unknown kind %r (kinds: %s)" % (r.get("kind"), ", ".join(KINDS)))
                count = r.get("count", 1)
                if not is_int(count) or count < -1:
                    raise ValueError("count must be an integer >= -1")
                rules.append({"provider": r.get("provider", "*"), "kind": r["kind"],
                              "count": count, "match": r.get("match")})
            for k in ("render_s", "lifetime_s", "hold_s"):
                if k in obj and (not is_num(obj[k]) or obj[k] < 0):
                    raise ValueError("%s must be a number >= 0" % k)
        except (UnicodeDecodeError, ValueError) as e:
            return reply(400, {"error": str(e)})
        with Q.lock:
            if obj.get("replace"):
                Q.rules = []
            Q.rules.extend(rules)
            if "render_s" in obj:
                Q.render_s = float(obj["render_s"])
            if "lifetime_s" in obj:
                Q.lifetime_s = float(obj["lifetime_s"])
            if "hold_s" in obj:
                Q.hold_s = float(obj["hold_s"])
        return reply(200, {"ok": True})
    return reply(404, {"error": "unknown control request %s /_control/%s" % (handler.command, what)})
