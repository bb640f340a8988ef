#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/remote/test_remote.py MEMPLAN [STATS.md]: remote models on loopback.
(tests/remote/test_remote.py --serve: only the servers, for bench/run.sh.)

A stand-in Hugging Face Hub (127.0.0.1), its CDN (127.0.0.2, another host,
so that the token rule is tested) and an Ollama registry, started here with
Python's standard library.  They serve repositories built here: a sharded
bf16 safetensors repo with a fictional config, a GPTQ repo, a GGUF repo with
several quantizations, an Ollama model, and broken or hostile ones.  Files
are "sparse": the headers, then zeros; the servers count every byte they
send from the tensor data, and the test fails if memplan reads any.

Asserted: each answer equals the one for the same files read locally; the
token goes to the Hub host only and is never printed or cached; a second
run passes with the servers stopped (memplan's cache); HF_HUB_OFFLINE=1 and
--offline on an uncached id are clean errors; every broken server is one
line on stderr and exit 2.  TAP on stdout.  With STATS.md, requests and
bytes per lookup are written there (for the issue's note).
"""
import difflib
import email.utils
import hashlib
import http.server
import json
import os
import shutil
import shlex
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

MEMPLAN = os.path.abspath(sys.argv[1])
SRCDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
STATS = sys.argv[2] if len(sys.argv) > 2 else None
TOKEN = "hf_loopbackSECRETtoken123"

# ---------------------------------------------------------------- files


class VFile:
    """A file as its first bytes, then zeros up to size."""

    def __init__(self, head, size, data_start):
        self.head = head
        self.size = size
        self.data_start = data_start  # tensor data starts here

    def read(self, a, b):  # bytes [a, b)
        out = self.head[a:b] if a < len(self.head) else b""
        return out + b"\0" * (b - a - len(out))

    def write_local(self, path):
        with open(path, "wb") as f:
            f.write(self.head)
            f.truncate(self.size)  # sparse: no disk for the zeros


ST_BYTES = {"BF16": 2, "F16": 2, "F32": 4, "I32": 4}


def safetensors(tensors):
    """tensors: [(name, dtype, shape)] -> VFile."""
    hdr, off = {}, 0
    for name, dt, shape in tensors:
        n = ST_BYTES[dt]
        for d in shape:
            n *= d
        hdr[name] = {"dtype": dt, "shape": list(shape),
                     "data_offsets": [off, off + n]}
        off += n
    hdr["__metadata__"] = {"format": "pt"}
    js = json.dumps(hdr, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)
    head = struct.pack("<Q", len(js)) + js
    return VFile(head, len(head) + off, len(head))


def llama_tensors(cfg, dt, qk_norm=False):
    H, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = cfg.get("head_dim", H // cfg["num_attention_heads"])
    q = cfg["num_attention_heads"] * hd
    kv = cfg["num_key_value_heads"] * hd
    t = [("model.embed_tokens.weight", dt, (V, H))]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        if qk_norm:
            t += [(p + "self_attn.q_norm.weight", dt, (hd,)),
                  (p + "self_attn.k_norm.weight", dt, (hd,))]
        t += [(p + "input_layernorm.weight", dt, (H,)),
              (p + "self_attn.q_proj.weight", dt, (q, H)),
              (p + "self_attn.k_proj.weight", dt, (kv, H)),
              (p + "self_attn.v_proj.weight", dt, (kv, H)),
              (p + "self_attn.o_proj.weight", dt, (H, q)),
              (p + "post_attention_layernorm.weight", dt, (H,)),
              (p + "mlp.gate_proj.weight", dt, (F, H)),
              (p + "mlp.up_proj.weight", dt, (F, H)),
              (p + "mlp.down_proj.weight", dt, (H, F))]
    t += [("model.norm.weight", dt, (H,)), ("lm_head.weight", dt, (V, H))]
    return t


def gptq_tensors(cfg):
    H, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = H // cfg["num_attention_heads"]
    kv = cfg["num_key_value_heads"] * hd
    g = 128
    t = [("model.embed_tokens.weight", "F16", (V, H))]

    def q(name, out, inn):
        return [(name + ".qweight", "I32", (inn // 8, out)),
                (name + ".qzeros", "I32", (inn // g, out // 8)),
                (name + ".scales", "F16", (inn // g, out)),
                (name + ".g_idx", "I32", (inn,))]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        t += [(p + "input_layernorm.weight", "F16", (H,)),
              (p + "post_attention_layernorm.weight", "F16", (H,))]
        t += q(p + "self_attn.q_proj", H, H) + q(p + "self_attn.k_proj", kv, H)
        t += q(p + "self_attn.v_proj", kv, H) + q(p + "self_attn.o_proj", H, H)
        t += q(p + "mlp.gate_proj", F, H) + q(p + "mlp.up_proj", F, H)
        t += q(p + "mlp.down_proj", H, F)
    t += [("model.norm.weight", "F16", (H,)), ("lm_head.weight", "F16", (V, H))]
    return t


# A fictional model: no bundled config has these dimensions.
FICT = {
    "architectures": ["LlamaForCausalLM"], "model_type": "llama",
    "hidden_size": 1536, "intermediate_size": 4352, "num_hidden_layers": 6,
    "num_attention_heads": 12, "num_key_value_heads": 4, "vocab_size": 40960,
    "max_position_embeddings": 16384, "rms_norm_eps": 1e-5,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "rope_theta": 500000.0,
}
GPTQ = dict(FICT, torch_dtype="float16", quantization_config={
    "quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False,
    "sym": True})

# GGUF (ggml docs/gguf.md): the same tiny llama in two quantizations.
GT_U32, GT_STRING, GT_ARRAY = 4, 8, 9
G_F32, G_Q8_0, G_Q4_K, G_Q6_K = 0, 8, 12, 14
GGUF_ROW = {G_F32: lambda n: n * 4, G_Q8_0: lambda n: n // 32 * 34,
            G_Q4_K: lambda n: n // 256 * 144, G_Q6_K: lambda n: n // 256 * 210}


def gstr(s):
    s = s.encode()
    return struct.pack("<Q", len(s)) + s


GT_U16, GT_I32 = 2, 5


def gguf_file(kv, ts, tokens=0):
    """kv: [(key, type, value)], ts: [(name, type, ne)] -> VFile."""
    b = b"GGUF" + struct.pack("<IQQ", 3, len(ts), len(kv) + (1 if tokens
                                                            else 0))
    for k, t, v in kv:
        b += gstr(k) + struct.pack("<I", t)
        b += gstr(v) if t == GT_STRING else struct.pack(
            {GT_U32: "<I", GT_U16: "<H", GT_I32: "<i"}[t], v)
    if tokens:
        b += gstr("tokenizer.ggml.tokens") + struct.pack(
            "<IIQ", GT_ARRAY, GT_STRING, tokens)
        for i in range(tokens):
            b += gstr("tok%d" % i)
    off = 0
    for name, t, ne in ts:
        rows = 1
        for d in ne[1:]:
            rows *= d
        b += gstr(name) + struct.pack("<I", len(ne))
        b += b"".join(struct.pack("<Q", d) for d in ne)
        b += struct.pack("<IQ", t, off)
        off += (GGUF_ROW[t](ne[0]) * rows + 31) // 32 * 32
    b += b"\0" * (-len(b) % 32)
    return VFile(b, len(b) + off, len(b))


def gguf_model(mix, vocab):
    H, FF, L = 512, 1536, 3
    big = G_Q4_K if mix == "q4_k_m" else G_Q8_0
    side = G_Q6_K if mix == "q4_k_m" else G_Q8_0
    ts = [("token_embd.weight", big, (H, vocab))]
    for i in range(L):
        ts += [("blk.%d.attn_norm.weight" % i, G_F32, (H,)),
               ("blk.%d.attn_q.weight" % i, big, (H, H)),
               ("blk.%d.attn_k.weight" % i, big, (H, 256)),
               ("blk.%d.attn_v.weight" % i, side, (H, 256)),
               ("blk.%d.attn_output.weight" % i, big, (H, H)),
               ("blk.%d.ffn_norm.weight" % i, G_F32, (H,)),
               ("blk.%d.ffn_gate.weight" % i, big, (H, FF)),
               ("blk.%d.ffn_up.weight" % i, big, (H, FF)),
               ("blk.%d.ffn_down.weight" % i, side, (FF, H))]
    ts += [("output_norm.weight", G_F32, (H,)), ("output.weight", side,
                                                  (H, vocab))]
    kv = [("general.architecture", GT_STRING, "llama"),
          ("general.name", GT_STRING, "tiny"),
          ("llama.block_count", GT_U32, L),
          ("llama.embedding_length", GT_U32, H),
          ("llama.attention.head_count", GT_U32, 8),
          ("llama.attention.head_count_kv", GT_U32, 4),
          ("llama.feed_forward_length", GT_U32, FF),
          ("llama.context_length", GT_U32, 32768)]
    return kv, ts


def gguf(mix, vocab=2000):
    kv, ts = gguf_model(mix, vocab)
    return gguf_file(kv, ts, vocab)


def gguf_split(mix, n, vocab=2000, bad_no=False):
    """The same model as gguf(mix) cut by llama.cpp's gguf-split: the
    metadata in the first part only, split.no/count/tensors.count in
    every part (llama-arch.cpp LLM_KV_SPLIT_*)."""
    kv, ts = gguf_model(mix, vocab)
    per = (len(ts) + n - 1) // n
    parts = []
    for k in range(n):
        sk = [("split.no", GT_U16, (k + 1) % n if bad_no and k else k),
              ("split.count", GT_U16, n),
              ("split.tensors.count", GT_I32, len(ts))]
        parts.append(gguf_file((kv if k == 0 else []) + sk,
                               ts[k * per:(k + 1) * per],
                               vocab if k == 0 else 0))
    return parts


# ---------------------------------------------------------------- repos

def sha(s):
    return hashlib.sha1(s.encode()).hexdigest()


class Repo:
    def __init__(self, name, files, mode=None):
        self.name = name
        self.files = files  # path -> bytes (small) or VFile (LFS)
        self.mode = mode
        self.commit = sha(name)

    def size(self, p):
        f = self.files[p]
        return f.size if isinstance(f, VFile) else len(f)


def js(o):
    return json.dumps(o, indent=1).encode()


def sharded(cfg, tensors, nshards):
    per = (len(tensors) + nshards - 1) // nshards
    files, wm = {"config.json": js(cfg), "README.md": b"# fictional\n"}, {}
    for k in range(nshards):
        nm = "model-%05d-of-%05d.safetensors" % (k + 1, nshards)
        part = tensors[k * per:(k + 1) * per]
        files[nm] = safetensors(part)
        for t in part:
            wm[t[0]] = nm
    files["model.safetensors.index.json"] = js(
        {"metadata": {"total_size": 0}, "weight_map": wm})
    return files


REPOS = {}


def moving(version):
    """fict/moving: its main branch moves from a 6-layer to a 4-layer
    model (another commit), for the branch revalidation."""
    cfg = dict(FICT, num_hidden_layers=6 if version == 1 else 4)
    r = Repo("fict/moving", {"config.json": js(cfg), "model.safetensors":
                             safetensors(llama_tensors(cfg, "BF16"))})
    r.commit = sha("fict/moving v%d" % version)
    REPOS["fict/moving"] = r


def add(name, files, mode=None):
    REPOS[name] = Repo(name, files, mode)


def build_repos():
    sh = sharded(FICT, llama_tensors(FICT, "BF16"), 3)
    add("fict/sharded-bf16", sh)
    add("fict/gptq-4bit", {"config.json": js(GPTQ),
                           "model.safetensors": safetensors(
                               gptq_tensors(GPTQ))})
    q4, q8 = gguf("q4_k_m"), gguf("q8_0")
    add("fict/tiny-GGUF", {"tiny-Q4_K_M.gguf": q4, "tiny-Q8_0.gguf": q8,
                           "mmproj-tiny-f16.gguf": q8,
                           "README.md": b"# tiny\n"})
    add("gated/model", dict(sh), "gated")
    add("test/norange", dict(sh), "norange")
    add("test/loop", dict(sh), "loop")
    add("test/stall", dict(sh), "stall")
    add("test/trunc", dict(sh), "trunc")
    add("test/badrange", dict(sh), "badrange")
    add("test/ftp", dict(sh), "ftp")
    add("test/ratelimit", dict(sh), "ratelimit")
    add("test/flaky", dict(sh), "flaky")
    add("test/down", dict(sh), "down")
    add("test/big", {"config.json": b" " * (17 << 20) + b"{}",
                     "model.safetensors": safetensors(
                         llama_tensors(FICT, "BF16"))})
    add("test/missing-shard", dict(sh, **{
        "model.safetensors.index.json": js({"weight_map": {
            "model.embed_tokens.weight": "model-00009-of-00009.safetensors"}})}))
    gone = dict(sh)
    add("test/gone-file", gone, "gone")
    add("test/nothing", {"README.md": b"nothing here\n",
                         "pytorch_model.bin": b"\0" * 64})
    huge = VFile(struct.pack("<Q", 1 << 40) + b"{}", 1 << 41, 10)
    add("test/huge-header", {"config.json": js(FICT),
                             "model.safetensors": huge})
    # The README's and man page's examples: the real repositories' names
    # and shapes (Qwen3-32B's config.json as bundled, 17 shards; a GGUF
    # header with a 152,064-token vocabulary), zeros for weights.
    with open(os.path.join(SRCDIR, "data", "models", "qwen3-32b.json")) as f:
        qwen = json.load(f)
    add("Qwen/Qwen3-32B", sharded(qwen, llama_tensors(qwen, "BF16", True),
                                  17))
    q4big = gguf("q4_k_m", vocab=152064)
    # A split model (gguf-split): three parts, plus a single-file quant.
    parts = gguf_split("q4_k_m", 3)
    split = {"tiny-Q4_K_M-%05d-of-00003.gguf" % (k + 1): f
             for k, f in enumerate(parts)}
    add("fict/split-GGUF", dict(split, **{"tiny-Q8_0.gguf": q8}))
    add("test/split-missing", {k: v for k, v in split.items()
                               if "00002-of" not in k})
    add("test/split-badno", {
        "tiny-Q4_K_M-%05d-of-00003.gguf" % (k + 1): f
        for k, f in enumerate(gguf_split("q4_k_m", 3, bad_no=True))})
    # Shards served slowly: the test sees how many are read at once.
    add("test/slow", sharded(FICT, llama_tensors(FICT, "BF16"), 12), "slow")
    add("test/ratelimit-date", dict(sh), "ratelimit-date")
    add("test/ratelimit-long", dict(sh), "ratelimit-long")
    add("test/ratelimit-longdate", dict(sh), "ratelimit-longdate")
    add("bartowski/Qwen2.5-7B-Instruct-GGUF", {
        "Qwen2.5-7B-Instruct-Q4_K_M.gguf": q4big,
        "Qwen2.5-7B-Instruct-Q8_0.gguf": q8})


# Ollama: library/tiny:7b is the Q4_K_M file, with num_ctx 8192.
PARAMS = json.dumps({"num_ctx": 8192, "stop": ["<|im_end|>"]}).encode()
OLLAMA = {"manifests": {}, "blobs": {}, "models": set()}


def build_ollama():
    ollama_model("tiny", "7b", gguf("q4_k_m"), PARAMS)
    ollama_model("qwen2.5", "7b", REPOS["bartowski/Qwen2.5-7B-Instruct-GGUF"]
                 .files["Qwen2.5-7B-Instruct-Q4_K_M.gguf"],
                 json.dumps({"stop": ["<|im_end|>"]}).encode())


def ollama_model(name, tag, model, params):
    md = "sha256:" + hashlib.sha256(model.head).hexdigest()
    pd = "sha256:" + hashlib.sha256(params).hexdigest()
    manifest = js({"schemaVersion": 2, "mediaType":
                   "application/vnd.docker.distribution.manifest.v2+json",
                   "config": {"mediaType": "application/vnd.docker.container"
                              ".image.v1+json", "digest": pd, "size": 2},
                   "layers": [
                       {"mediaType": "application/vnd.ollama.image.model",
                        "digest": md, "size": model.size},
                       {"mediaType": "application/vnd.ollama.image.params",
                        "digest": pd, "size": len(params)}]})
    OLLAMA["manifests"][(name, tag)] = manifest
    OLLAMA["blobs"].update({md: model, pd: params})
    OLLAMA["models"].add(md)


# ---------------------------------------------------------------- servers

class Count:
    lock = threading.Lock()

    def __init__(self):
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = 0
            self.bytes = 0
            self.data_bytes = 0  # tensor data served
            self.tree_pages = 0
            self.inflight = 0  # CDN requests being answered now
            self.max_inflight = 0
            self.auth_hub = 0
            self.auth_cdn = 0
            self.bad_token = 0
            self.hits = {}


COUNT = Count()
HUB = {}


def send_range(h, f, extra=None, ignore_range=False, bad_range=False):
    """Serves f (bytes or VFile) with Range support."""
    size = f.size if isinstance(f, VFile) else len(f)
    rng = h.headers.get("Range")
    a, b = 0, size
    status = 200
    if rng and not ignore_range:
        unit, _, spec = rng.partition("=")
        s, _, e = spec.partition("-")
        a = int(s)
        b = min(int(e) + 1, size) if e else size
        if unit != "bytes" or a >= size:
            h.send_response(416)
            h.send_header("Content-Range", "bytes */%d" % size)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        status = 206
    h.send_response(status)
    if status == 206:
        cr = (a + 3, b - 1, size) if bad_range else (a, b - 1, size)
        h.send_header("Content-Range", "bytes %d-%d/%d" % cr)
    h.send_header("Content-Length", str(b - a))
    h.send_header("Accept-Ranges", "bytes")
    for k, v in (extra or {}).items():
        h.send_header(k, v)
    h.end_headers()
    pos = a
    try:
        while pos < b:
            n = min(b, pos + (1 << 16))
            chunk = f.read(pos, n) if isinstance(f, VFile) else f[pos:n]
            h.wfile.write(chunk)
            with Count.lock:
                COUNT.bytes += len(chunk)
                if isinstance(f, VFile) and n > f.data_start:
                    COUNT.data_bytes += n - max(pos, f.data_start)
            pos = n
    except (BrokenPipeError, ConnectionResetError):
        pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with Count.lock:
            COUNT.bytes += len(body)

    def count(self):
        auth = self.headers.get("Authorization")
        with Count.lock:
            COUNT.requests += 1
            cdn = self.server.server_address[0] == "127.0.0.2"
            if auth is not None:
                if cdn:
                    COUNT.auth_cdn += 1
                else:
                    COUNT.auth_hub += 1
                    if auth != "Bearer " + TOKEN:
                        COUNT.bad_token += 1
        return auth

    def do_GET(self):
        self.count()
        path, _, query = self.path.partition("?")
        parts = path.split("/")
        if self.server.server_address[0] == "127.0.0.2":
            return self.cdn(parts, query)
        if path.startswith("/v2/"):
            return self.ollama(parts)
        if path.startswith("/api/models/"):
            return self.api(parts, query)
        # /{org}/{name}/resolve/{rev}/{path...}
        if len(parts) >= 6 and parts[3] == "resolve":
            return self.resolve(parts)
        self.reply(404, b"not found")

    def repo(self, org, name):
        r = REPOS.get(org + "/" + name)
        if r is None:
            self.reply(404, b'{"error":"Repository not found"}')
            return None
        if r.mode == "gated":
            self.reply(401, b'{"error":"Access to model is restricted"}')
            return None
        if r.mode == "down":
            self.reply(503, b"down")
            return None
        if r.mode is not None and r.mode.startswith(("ratelimit", "flaky")):
            k = r.name
            with Count.lock:
                n = COUNT.hits.get(k, 0)
                COUNT.hits[k] = n + 1
            if r.mode == "ratelimit" and n == 0:
                self.reply(429, b"slow down", {"Retry-After": "1"})
                return None
            if r.mode == "flaky" and n < 2:
                self.reply(500, b"oops")
                return None
            # Retry-After as an HTTP date (RFC 9110 10.2.3) or seconds.
            ra = {"ratelimit-date": email.utils.formatdate(
                time.time() + 2, usegmt=True),
                  "ratelimit-long": "120",
                  "ratelimit-longdate": email.utils.formatdate(
                      time.time() + 3600, usegmt=True)}.get(r.mode)
            if ra is not None and (n == 0 or r.mode != "ratelimit-date"):
                self.reply(429, b"slow down", {"Retry-After": ra})
                return None
        return r

    def api(self, parts, query):
        # /api/models/{org}/{name}/(revision|tree)/{rev}
        if len(parts) < 7:
            return self.reply(404, b"")
        r = self.repo(parts[3], parts[4])
        if r is None:
            return
        if parts[5] == "revision":
            sib = [{"rfilename": p} for p in sorted(r.files)]
            return self.reply(200, js({"id": r.name, "sha": r.commit,
                                       "siblings": sib}),
                              {"Content-Type": "application/json"})
        if parts[5] == "tree":
            if parts[6] != r.commit:
                return self.reply(404, b"")
            with Count.lock:
                COUNT.tree_pages += 1
            names = sorted(r.files)
            page = 2
            cur = 0
            for q in query.split("&"):
                if q.startswith("cursor="):
                    cur = int(q[7:])
            items = []
            for p in names[cur:cur + page]:
                it = {"type": "file", "oid": sha(p), "size": r.size(p),
                      "path": p}
                if isinstance(r.files[p], VFile):
                    it["lfs"] = {"oid": sha(p + "l"), "size": r.size(p),
                                 "pointerSize": 134}
                items.append(it)
            if cur == 0:
                items.append({"type": "directory", "oid": "0", "size": 0,
                              "path": "docs"})
            hdr = {"Content-Type": "application/json"}
            if cur + page < len(names):
                hdr["Link"] = ('<http://%s:%d/api/models/%s/tree/%s?'
                               'recursive=true&cursor=%d>; rel="next"' % (
                                   HUB["host"], HUB["port"], r.name,
                                   r.commit, cur + page))
            return self.reply(200, js(items), hdr)
        self.reply(404, b"")

    def resolve(self, parts):
        r = self.repo(parts[1], parts[2])
        if r is None:
            return
        p = "/".join(parts[5:])
        hdr = {"X-Repo-Commit": r.commit}
        if r.mode == "loop":
            return self.reply(302, b"", {"Location": self.path})
        if r.mode == "ftp":
            return self.reply(302, b"", {"Location": "ftp://127.0.0.1/x"})
        if r.mode == "gone" and p.endswith(".safetensors"):
            return self.reply(404, b"Entry not found")
        if parts[4] not in (r.commit, "main") or p not in r.files:
            return self.reply(404, b"Entry not found")
        f = r.files[p]
        if r.mode == "stall" and p == "config.json":
            self.send_response(200)
            self.send_header("Content-Length", str(len(f)))
            self.end_headers()
            self.wfile.write(f[:10])
            self.wfile.flush()
            time.sleep(6)
            return
        if r.mode == "trunc" and p == "config.json":
            self.send_response(200)
            self.send_header("Content-Length", str(len(f) + 1000))
            self.end_headers()
            self.wfile.write(f[:len(f) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if isinstance(f, VFile):
            loc = "http://127.0.0.2:%d/cdn/%s/%s?X-Amz-Signature=abc" % (
                HUB["cdn_port"], r.name, p)
            return self.reply(302, b"", dict(hdr, Location=loc))
        send_range(self, f, hdr)

    def cdn(self, parts, query):
        with Count.lock:
            COUNT.inflight += 1
            COUNT.max_inflight = max(COUNT.max_inflight, COUNT.inflight)
        try:
            self.cdn_file(parts, query)
        finally:
            with Count.lock:
                COUNT.inflight -= 1

    def cdn_file(self, parts, query):
        # /cdn/{org}/{name}/{path...}  /blob/{digest}
        if parts[1] == "blob":
            f = OLLAMA["blobs"].get(parts[2])
            if f is None:
                return self.reply(404, b"")
            return send_range(self, f)
        r = REPOS.get(parts[2] + "/" + parts[3])
        p = "/".join(parts[4:])
        if r is None or p not in r.files:
            return self.reply(404, b"")
        if r.mode == "slow":
            time.sleep(0.3)
        send_range(self, r.files[p], ignore_range=r.mode == "norange",
                   bad_range=r.mode == "badrange")

    def ollama(self, parts):
        # /v2/{ns}/{name}/manifests/{tag} | /v2/{ns}/{name}/blobs/{digest}
        if len(parts) != 6 or parts[2] != "library":
            return self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}')
        if parts[4] == "manifests":
            m = OLLAMA["manifests"].get((parts[3], parts[5]))
            if m is None:
                return self.reply(404, b"")
            if "manifest.v2+json" not in self.headers.get("Accept", ""):
                return self.reply(406, b"")
            return self.reply(200, m, {
                "Content-Type": "application/vnd.docker.distribution."
                "manifest.v2+json"})
        if parts[4] == "blobs":
            d = parts[5]
            if d in OLLAMA["models"]:
                return self.reply(307, b"", {
                    "Location": "http://127.0.0.2:%d/blob/%s" % (
                        HUB["cdn_port"], d)})
            if d in OLLAMA["blobs"]:
                return send_range(self, OLLAMA["blobs"][d])
        self.reply(404, b"")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a cap or a timeout: expected


PEM = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "loopback-tls.pem")


def start_tls():
    """The Hub again over HTTPS, with a self-signed certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(PEM)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def start():
    hub = Server(("127.0.0.1", 0), Handler)
    cdn = Server(("127.0.0.2", 0), Handler)
    HUB.update(host="127.0.0.1", port=hub.server_address[1],
               cdn_port=cdn.server_address[1])
    for s in (hub, cdn):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return [hub, cdn]


# ---------------------------------------------------------------- driver

N = 0
FAILED = 0


def ok(cond, what, detail=""):
    global N, FAILED
    N += 1
    if cond:
        print("ok %d - %s" % (N, what))
    else:
        FAILED += 1
        print("not ok %d - %s" % (N, what))
        for line in str(detail).splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()


def nocmd(text):
    return "\n".join(ln for ln in text.splitlines()
                     if not ln.lstrip().startswith('"command":'))


def run(args, env, timeout=60):
    p = subprocess.run([MEMPLAN] + args, env=env, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix="memplan-remote-")
    try:
        return body(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def body(tmp):
    build_repos()
    build_ollama()
    servers = start()
    hub = "http://127.0.0.1:%d" % HUB["port"]
    env = dict(os.environ)
    for k in ("HF_HUB_OFFLINE", "HF_TOKEN", "HF_HOME", "HF_HUB_CACHE",
              "OLLAMA_MODELS", "http_proxy", "https_proxy", "HTTP_PROXY",
              "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    env.update(HOME=os.path.join(tmp, "home"),
               XDG_CACHE_HOME=os.path.join(tmp, "cache"),
               HF_ENDPOINT=hub, MEMPLAN_OLLAMA_REGISTRY=hub,
               HF_TOKEN=TOKEN, MEMPLAN_HTTP_TIMEOUT="2", NO_PROXY="*")
    os.makedirs(env["HOME"])
    stats = []

    # The same files on disk, for the local answers.
    local = os.path.join(tmp, "local")
    for name in ("fict/sharded-bf16", "fict/gptq-4bit"):
        d = os.path.join(local, name.split("/")[1])
        os.makedirs(d)
        for p, f in REPOS[name].files.items():
            if isinstance(f, VFile):
                f.write_local(os.path.join(d, p))
            else:
                with open(os.path.join(d, p), "wb") as fp:
                    fp.write(f)
    for p in ("tiny-Q4_K_M.gguf", "tiny-Q8_0.gguf"):
        REPOS["fict/tiny-GGUF"].files[p].write_local(os.path.join(local, p))
    splitdir = os.path.join(local, "split")
    os.makedirs(splitdir)
    for p, f in REPOS["fict/split-GGUF"].files.items():
        f.write_local(os.path.join(splitdir, p))
    single = os.path.join(local, "tiny-Q4_K_M.gguf")

    cases = [
        ("fict/sharded-bf16", os.path.join(local, "sharded-bf16"), []),
        ("fict/gptq-4bit", os.path.join(local, "gptq-4bit"), []),
        ("fict/tiny-GGUF:Q4_K_M", os.path.join(local, "tiny-Q4_K_M.gguf"),
         ["--runtime", "llamacpp"]),
        ("fict/tiny-GGUF:q8_0", os.path.join(local, "tiny-Q8_0.gguf"),
         ["--runtime", "llamacpp"]),
        ("fict/tiny-GGUF", os.path.join(local, "tiny-Q4_K_M.gguf"),
         ["--runtime", "llamacpp"]),
        (hub + "/fict/tiny-GGUF/resolve/main/tiny-Q8_0.gguf",
         os.path.join(local, "tiny-Q8_0.gguf"), ["--runtime", "llamacpp"]),
        ("ollama:tiny:7b", os.path.join(local, "tiny-Q4_K_M.gguf"),
         ["--runtime", "llamacpp", "--seq", "8192"]),
        # A split model is the same model as the single file.
        ("fict/split-GGUF:Q4_K_M", single, []),
        (hub + "/fict/split-GGUF/resolve/main/tiny-Q4_K_M-00001-of-00003"
         ".gguf", single, []),
    ]
    answers = {}
    for k, (spec, path, extra) in enumerate(cases):
        args = ["estimate", spec, "--format", "json"] + extra
        COUNT.reset()
        # A cold cache for each: the requests and bytes of a first lookup.
        cenv = dict(env, XDG_CACHE_HOME=os.path.join(tmp, "cache-%d" % k))
        rc, out, err = run(args, cenv)
        want = run(["estimate", path, "--format", "json"] + extra, env)
        # The command to run names where the file is: not the same.
        want = (want[0], nocmd(want[1]), want[2])
        out = nocmd(out)
        okd = rc == 0 and out == want[1] and want[0] == 0
        if okd and spec.startswith("ollama:"):
            # The name is the tag's; everything else is the file's.
            okd = out.replace('"tiny:7b"', '"tiny-Q4_K_M"') == want[1]
        elif not okd and rc == 0 and spec.startswith("ollama:"):
            okd = out.replace('"tiny:7b"', '"tiny-Q4_K_M"') == want[1]
        ok(okd, "%s: the same answer as the local files" % spec,
           "rc %d\n%s\n%s" % (rc, err, "\n".join(difflib.unified_diff(
               want[1].splitlines(), out.splitlines(), "local", "remote",
               lineterm="", n=1))))
        if path.endswith(".gguf"):
            # The header's end is known once it parses: the last range
            # may run past it, never by more than the first range (256
            # KiB for a model's first file, 64 KiB for a later part).
            cap = (256 << 10) + (2 * (64 << 10) if "split" in spec else 0)
            ok(COUNT.data_bytes <= cap,
               "%s: at most %d bytes past the GGUF headers" % (spec, cap),
               "%d bytes of tensor data" % COUNT.data_bytes)
        else:
            ok(COUNT.data_bytes == 0, "%s: no tensor data read" % spec,
               "%d bytes of tensor data" % COUNT.data_bytes)
        stats.append((spec, COUNT.requests, COUNT.bytes, COUNT.data_bytes))
        answers[spec] = (args, out, cenv)
    ok(COUNT.auth_cdn == 0, "the token never reaches the CDN host")
    # The split model on disk: any part names the whole, read as one
    # model equal to the single file.
    want = nocmd(run(["estimate", single, "--format", "json"], env)[1])
    for k in (1, 2):
        p = os.path.join(splitdir, "tiny-Q4_K_M-%05d-of-00003.gguf" % k)
        rc, out, err = run(["estimate", p, "--format", "json"], env)
        ok(rc == 0 and nocmd(out) == want,
           "local split GGUF named by part %d: the single file's answer" % k,
           "rc %d %s\n%s" % (rc, err, "\n".join(difflib.unified_diff(
               want.splitlines(), nocmd(out).splitlines(), lineterm="",
               n=1))))
    os.rename(os.path.join(splitdir, "tiny-Q4_K_M-00003-of-00003.gguf"),
              os.path.join(splitdir, "gone.gguf"))
    rc, out, err = run(["estimate", os.path.join(
        splitdir, "tiny-Q4_K_M-00001-of-00003.gguf")], env)
    ok(rc == 2 and out == "" and err.count("\n") == 1 and
       "00003-of-00003" in err, "local split GGUF with a part missing: "
       "one line naming it", err)
    COUNT.reset()
    rc, out, err = run(["estimate", "fict/sharded-bf16", "--revision",
                        "main"], dict(env, XDG_CACHE_HOME=os.path.join(
                            tmp, "cache2")))
    ok(rc == 0 and COUNT.auth_hub > 0 and COUNT.bad_token == 0 and
       COUNT.auth_cdn == 0,
       "the token goes to the Hub as Bearer, not to the CDN",
       "hub %d cdn %d bad %d %s" % (COUNT.auth_hub, COUNT.auth_cdn,
                                    COUNT.bad_token, err))
    ok(COUNT.tree_pages >= 3, "the tree listing is followed over %d pages" %
       COUNT.tree_pages)
    # The README's and the man page's examples, cold, with their cost.
    # (Qwen/Qwen3-32B is bundled, so it answers without a request;
    # @main asks the Hub for it.)
    docs = [["estimate", "Qwen/Qwen3-32B"],
            ["estimate", "Qwen/Qwen3-32B@main"],
            ["plan", "bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M",
             "--hardware", "rtx-4060-ti-16gb"],
            ["estimate", "ollama:qwen2.5:7b"]]
    for k, args in enumerate(docs):
        COUNT.reset()
        rc, out, err = run(args, dict(env, XDG_CACHE_HOME=os.path.join(
            tmp, "cache-doc-%d" % k)))
        ok(rc in (0, 1) and out != "" and err == "",
           "doc example: memplan %s" % " ".join(args), "rc %d %s" % (rc, err))
        stats.append((" ".join(args[:2]), COUNT.requests, COUNT.bytes,
                      COUNT.data_bytes))
        if STATS:
            with open(STATS + ".%d.txt" % k, "w") as f:
                f.write("$ memplan %s\n%s" % (" ".join(args), out))
    # The command fetches the model the way its runtime does.
    for args, want in [
            (["fict/tiny-GGUF:Q4_K_M"],
             "llama-server -hf fict/tiny-GGUF:Q4_K_M -c 4096"),
            (["fict/split-GGUF:q4_k_m"],
             "llama-server -hf fict/split-GGUF:q4_k_m -c 4096"),
            (["fict/tiny-GGUF@" + REPOS["fict/tiny-GGUF"].commit + ":Q8_0"],
             "llama-server -mu " + hub + "/fict/tiny-GGUF/resolve/" +
             REPOS["fict/tiny-GGUF"].commit + "/tiny-Q8_0.gguf -c 4096"),
            ([hub + "/fict/tiny-GGUF/resolve/main/tiny-Q8_0.gguf"],
             "llama-server -mu " + hub +
             "/fict/tiny-GGUF/resolve/main/tiny-Q8_0.gguf -c 4096"),
            (["ollama:tiny:7b"], "ollama run tiny:7b\n"),
            (["ollama:tiny:7b", "--seq", "2048"],
             "ollama run tiny:7b (then /set parameter num_ctx 2048)"),
            (["fict/sharded-bf16"],
             'AutoModelForCausalLM.from_pretrained("fict/sharded-bf16", '
             'device_map="auto"'),
            (["fict/sharded-bf16", "--runtime", "vllm"],
             "vllm serve fict/sharded-bf16 --max-model-len"),
            (["fict/sharded-bf16@" + REPOS["fict/sharded-bf16"].commit,
              "--runtime", "vllm"], "vllm serve fict/sharded-bf16 "
             "--max-model-len 4096 --gpu-memory-utilization 0.90 --revision "
             + REPOS["fict/sharded-bf16"].commit)]:
        rc, out, err = run(["estimate"] + args, env)
        ok(rc == 0 and ("command: " + want) in out,
           "command for %s: %s" % (" ".join(args), want.strip()),
           "rc %d %s\n%s" % (rc, err, "\n".join(
               ln for ln in out.splitlines() if "command" in ln)))
    for cmd in (["estimate"], ["plan", "--hardware", "rtx-4090"]):
        rc, out, err = run(cmd[:1] + ["fict/tiny-GGUF:Q4_K_M", "--weights",
                                      "q8_0"] + cmd[1:], env)
        ok(rc == 2 and out == "" and err.count("\n") == 1 and
           "priced as stored" in err and "Org/Repo:QUANT" in err,
           "--weights on a GGUF source: %s refuses it in one line" % cmd[0],
           err)
    # Seq default from Ollama's params layer, named in the report.
    rc, out, err = run(["estimate", "ollama:tiny:7b", "--runtime",
                        "llamacpp"], env)
    ok(rc == 0 and "8192" in out and "num_ctx" in out,
       "ollama: num_ctx from the params layer is the default seq",
       out + err)
    # Every command takes a remote model.
    plan = os.path.join(tmp, "plan.yaml")
    with open(plan, "w") as f:
        f.write("model: fict/sharded-bf16\nhardware: rtx-4090\nchecks:\n"
                "  - name: remote\n    seq: 2048\n")
    for args in (["plan", "fict/sharded-bf16", "--hardware", "rtx-4090"],
                 ["fit", "fict/sharded-bf16", "--hardware", "rtx-4090",
                  "--solve", "seq"],
                 ["sweep", "fict/sharded-bf16", "--over", "seq=1k..8k"],
                 ["check", plan]):
        rc, out, err = run(args, env)
        ok(rc in (0, 1) and out != "" and err == "",
           "%s takes a remote model" % args[0], "rc %d %s" % (rc, err))

    # Errors: one line on stderr, exit 2, and nothing on stdout.
    bad = [
        (["estimate", "gated/model"], "gated"),
        (["estimate", "fict/no-such-model"], "no such repository on the "
         "Hub (HTTP 404)"),
        # A typo of a bundled model's Hub id: memplan's one did-you-mean.
        (["estimate", "Qwen/Qwen3-32X"], 'did you mean the bundled '
         '"qwen3-32b"'),
        (["estimate", "fict/tiny-GGUF:Q2_K"], "tiny-Q4_K_M.gguf"),
        (["estimate", "test/gone-file"], "not found"),
        (["estimate", "test/missing-shard"], "no such file"),
        (["estimate", "test/nothing"], "neither safetensors"),
        (["estimate", "test/loop"], "redirects"),
        (["estimate", "test/ftp"], "http or https"),
        (["estimate", "test/stall"], "timed out"),
        (["estimate", "test/trunc"], "truncated"),
        (["estimate", "test/badrange"], "Content-Range"),
        (["estimate", "test/big"], "more than 16777216 bytes"),
        (["estimate", "test/huge-header"], "header length"),
        (["estimate", "test/down"], "HTTP 503"),
        (["estimate", "test/split-missing:Q4_K_M"], "part 2 of 3"),
        (["estimate", "test/split-badno:Q4_K_M"], "split.no"),
        (["estimate", "test/ratelimit-long"], "rate limited: retry after "
         "120 s"),
        (["estimate", "test/ratelimit-longdate"], "rate limited: retry "
         "after 3"),
        (["estimate", "ollama:tiny:13b"], "Ollama registry"),
        (["estimate", hub + "/x/model.bin"], ".gguf or .safetensors"),
    ]
    for args, want in bad:
        t0 = time.time()
        rc, out, err = run(args, env)
        ok(rc == 2 and out == "" and err.count("\n") == 1 and want in err
           and TOKEN not in err,
           "%s: exit 2, one line: %s" % (args[1], want),
           "rc %d (%.1f s) stderr: %s" % (rc, time.time() - t0, err))
    # A branch's cached commit: revalidated by one request online (a
    # moved branch is read again), used as it is offline.
    moving(1)
    menv = dict(env, XDG_CACHE_HOME=os.path.join(tmp, "c-moving"))
    rc, out1, err = run(["estimate", "fict/moving"], menv)
    COUNT.reset()
    rc2, out, err2 = run(["estimate", "fict/moving"], menv)
    ok(rc == 0 and rc2 == 0 and out == out1 and " 6 layers" in out1 and
       COUNT.requests == 1, "a cached branch online: the same answer after "
       "one revalidation request (%d)" % COUNT.requests, err + err2)
    moving(2)
    COUNT.reset()
    rc, out, err = run(["estimate", "fict/moving", "--offline"], menv)
    ok(rc == 0 and out == out1 and COUNT.requests == 0,
       "offline: the cached commit as it is, no request", err)
    rc, out, err = run(["estimate", "fict/moving"], menv)
    ok(rc == 0 and " 4 layers" in out, "online after the branch moved: "
       "the new commit's model", "rc %d %s %s" % (rc, err, out[:200]))
    COUNT.reset()
    rc, out2, err = run(["estimate", "fict/moving", "--offline"], menv)
    ok(rc == 0 and out2 == out and COUNT.requests == 0,
       "offline after that: the new commit from the cache", err)
    # TLS: the same Hub over HTTPS with a certificate no CA signed.  It
    # answers a client that trusts that certificate; memplan, which
    # trusts the system's CAs only, refuses it in one line.
    tls = start_tls()
    servers.append(tls)
    turl = "https://127.0.0.1:%d" % tls.server_address[1]
    try:
        with urllib.request.urlopen(
                turl + "/api/models/fict/sharded-bf16/revision/main",
                context=ssl.create_default_context(cafile=PEM),
                timeout=10) as r:
            tls_ok = r.status == 200
    except OSError as e:
        tls_ok = str(e)
    ok(tls_ok is True, "the loopback HTTPS Hub answers a client that "
       "trusts its certificate", tls_ok)
    rc, out, err = run(["estimate", "fict/sharded-bf16"],
                       dict(env, HF_ENDPOINT=turl,
                            XDG_CACHE_HOME=os.path.join(tmp, "c-tls")))
    ok(rc == 2 and out == "" and err.count("\n") == 1 and "TLS" in err
       and turl in err, "a self-signed certificate: one line naming TLS",
       "rc %d %s" % (rc, err))
    # Progress on a terminal: script(1) gives memplan a tty; the line is
    # redrawn in place and erased at the end.  Without a tty (every
    # other run here) stderr stays empty.
    if shutil.which("script"):
        cmd = " ".join(shlex.quote(a) for a in [
            MEMPLAN, "estimate", "fict/sharded-bf16", "--format", "json"])
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"],
                           env=dict(env, XDG_CACHE_HOME=os.path.join(
                               tmp, "c-tty")), capture_output=True,
                           timeout=120)
        tty = p.stdout.decode("utf-8", "replace")  # \r kept as it is
        ok(p.returncode == 0 and "\rmemplan: read 2/5 files (" in tty and
           "\rmemplan: read 4/5 files (fict/sharded-bf16/model-" in tty and
           "\r\033[K{" in tty,
           "on a terminal: a progress line while the shards are read, "
           "erased before the report", "rc %d %r" % (p.returncode, tty[:300]))
    else:
        ok(True, "progress line # SKIP script(1) is not installed")
    rc, out, err = run(["estimate", "fict/sharded-bf16"],
                       dict(env, HF_ENDPOINT="http://127.0.0.1:9",
                            XDG_CACHE_HOME=os.path.join(tmp, "c3")))
    ok(rc == 2 and "no network" in err, "no server: a clean error", err)
    # Bounded retries that succeed.
    t0 = time.time()
    rc, out, err = run(["estimate", "test/ratelimit"], env)
    ok(rc == 0 and time.time() - t0 >= 1.0,
       "429 with Retry-After: 1 is retried after a second", err)
    t0 = time.time()
    rc, out, err = run(["estimate", "test/ratelimit-date"], env)
    ok(rc == 0 and time.time() - t0 >= 1.0,
       "429 with Retry-After as an HTTP date 2 s ahead: retried after it",
       "rc %d %.1f s %s" % (rc, time.time() - t0, err))
    for mode in ("long", "longdate"):
        t0 = time.time()
        run(["estimate", "test/ratelimit-" + mode], env)
        ok(time.time() - t0 < 10, "Retry-After beyond 30 s (%s): no wait"
           % mode, "%.1f s" % (time.time() - t0))
    # Shard headers at once: 12 slow shards, at most 8 in flight.
    COUNT.reset()
    t0 = time.time()
    rc, out, err = run(["estimate", "test/slow"], env)
    ok(rc == 0 and 2 <= COUNT.max_inflight <= 8,
       "shard headers fetched in parallel, at most 8 at once (%d seen, "
       "%.1f s)" % (COUNT.max_inflight, time.time() - t0), err)
    rc, out, err = run(["estimate", "test/flaky"], env)
    ok(rc == 0, "two 500s, then the answer", err)
    # A server that ignores Range: read up to what is needed, then cut.
    rc, out, err = run(["estimate", "test/norange", "--format", "json"], env)
    ok(rc == 0 and nocmd(out).replace('"norange"', '"sharded-bf16"') ==
       answers["fict/sharded-bf16"][1],
       "a server ignoring Range: the same answer", "rc %d %s" % (rc, err))

    # The cache: never the token; the second run needs no server.
    leaked = []
    for root, _, files in os.walk(env["XDG_CACHE_HOME"]):
        for f in files:
            with open(os.path.join(root, f), "rb") as fp:
                if TOKEN.encode() in fp.read():
                    leaked.append(f)
    ok(not leaked, "no cache file holds the token", leaked)
    for s in servers:
        s.shutdown()
        s.server_close()
    for spec, (args, out, cenv) in answers.items():
        rc, out2, err = run(args, cenv)
        out2 = nocmd(out2)
        ok(rc == 0 and out2 == out, "server stopped: %s from the cache" % spec,
           err)
        rc, out2, err = run(args + ["--offline"], cenv)
        out2 = nocmd(out2)
        ok(rc == 0 and out2 == out, "--offline: %s from the cache" % spec,
           err)
    # The local Ollama store comes first (server stopped, no cache).
    store = os.path.join(tmp, "ollama")
    man = os.path.join(store, "manifests", "registry.ollama.ai", "library",
                       "tiny", "7b")
    os.makedirs(os.path.dirname(man))
    os.makedirs(os.path.join(store, "blobs"))
    with open(man, "wb") as f:
        f.write(OLLAMA["manifests"][("tiny", "7b")])
    for d, blob in OLLAMA["blobs"].items():
        p = os.path.join(store, "blobs", d.replace(":", "-"))
        if isinstance(blob, VFile):
            blob.write_local(p)
        else:
            with open(p, "wb") as f:
                f.write(blob)
    args, out, _ = answers["ollama:tiny:7b"]
    rc, out2, err = run(args, dict(env, OLLAMA_MODELS=store,
                                   XDG_CACHE_HOME=os.path.join(tmp, "c4")))
    ok(rc == 0 and nocmd(out2) == out,
       "ollama: the local store ($OLLAMA_MODELS) without a server", err)
    rc, out, err = run(["estimate", "fict/never-seen"],
                       dict(env, HF_HUB_OFFLINE="1"))
    ok(rc == 2 and "offline" in err and err.count("\n") == 1,
       "HF_HUB_OFFLINE=1 on an uncached id: a clean error", err)
    rc, out, err = run(["estimate", "fict/never-seen:Q4_K_M", "--offline"],
                       env)
    ok(rc == 2 and "offline" in err, "--offline on an uncached id", err)

    if STATS:
        with open(STATS, "w") as f:
            f.write("| lookup | requests | bytes sent | tensor bytes |\n")
            f.write("|---|---:|---:|---:|\n")
            for s in stats:
                f.write("| `%s` | %d | %d | %d |\n" % s)
    print("1..%d" % N)
    return 1 if FAILED else 0


def serve():
    """--serve: the loopback Hub, CDN and registry with every fixture
    repository, until killed (bench/run.sh times cached lookups with
    it); its URL is the first line on stdout."""
    build_repos()
    build_ollama()
    start()
    print("http://127.0.0.1:%d" % HUB["port"], flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1] == "--serve" else main())
