/* ollama_layout.c: Ollama's scheduler: the layers it offloads and the
 * memory it keeps free (--runtime ollama) */
/* SPDX-License-Identifier: MIT */
/*
 * Ollama does not leave -ngl to llama.cpp: its scheduler decides how
 * many layers go to the GPUs from its own estimate and passes the count
 * to the runner (runner/llamarunner: NumGpuLayers = the layers assigned,
 * TensorSplit = each GPU's count), which llama.cpp reads as -ngl N (the
 * output layer and the last N - 1 repeating layers; llamacpp.c).
 * num_gpu (a Modelfile PARAMETER or an API option; --gpu-layers here)
 * bypasses all of this.  Read in Ollama v0.15.5 (the release
 * MP_OLLAMA_VERSION names), llm/server.go and fs/ggml/ggml.go:
 *
 * - The memory of a layer is its weights (the GGUF tensors of blk.N)
 *   plus its cache; the output layer is output_norm + output (or the
 *   tied token_embd).  llamaServer.Load estimates the cache per layer as
 *   num_ctx x num_parallel cells x (K + V width) x the cache type's
 *   bytes (2 f16, 1 q8_0, 0.5 q4_0) for attention layers, also for
 *   sliding-window ones, and (d_conv - 1)(d_inner + 2 groups d_state) +
 *   d_state d_inner f32 elements for the others (GGML.GraphSize).
 * - Each GPU first loses a "buffer" of one layer (blk.0 and its cache),
 *   then MinimumMemory (457 MiB; 512 on Metal), OLLAMA_GPU_OVERHEAD and,
 *   once the GPU is used, the graph: the larger of GraphSize's
 *   partial- and full-offload figures (closed formulas per architecture
 *   for llama, qwen2 and gemma2; others gqa x the whole cache / 6).
 * - assignLayers fills GPUs (by free memory, largest first; the fewest
 *   GPUs that hold everything) from the last layer backwards, each layer
 *   whole; findBestFit then shrinks every GPU's share by one factor as
 *   long as the count stays, which evens the split.  When not every
 *   layer fits, it tries again without the output layer, so a partial
 *   offload counts only repeating layers.
 * - The layout is built again after the graph is reserved on the GPUs
 *   the first one used, until no more GPUs are needed.
 *
 * Architectures Ollama runs on its own engine (OllamaEngineRequired)
 * are laid out the same way from the memory the runner reports for a
 * trial load (ollamaServer.Load); memplan stands llama.cpp's buffers in
 * for that report (the GGUF weights, the cache as llama.cpp sizes it,
 * the compute buffer of a full offload as the graph), with no one-layer
 * buffer: derived, not Ollama's numbers.  Not modelled: the backoff after
 * a failed allocation, OLLAMA_SCHED_SPREAD, the system-memory check of
 * verifyLayout, integrated GPUs, models already loaded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"


/*
 * Ollama places layers against each GPU's free memory less the GPU
 * library's minimum (ml/device.go DeviceInfo.MinimumMemory at v0.15.5:
 * 512 MiB on Metal, 457 MiB on every other library: "memory that should
 * be set aside on the device for overhead (e.g. VRAM consumed by context
 * structures independent of model allocations)") and OLLAMA_GPU_OVERHEAD
 * (envconfig: bytes per GPU, default 0); a server log prints them as
 * "free=10.5 GiB minimum=457.0 MiB overhead=0 B available=10.1 GiB"
 * (https://github.com/ollama/ollama/issues/12305).  The layout
 * (ollama_layout.c) keeps both free.  The estimate counts the overhead
 * as used (memory the user keeps for something else), and of the
 * minimum only what exceeds the GPU's own runtime term (the CUDA
 * context, which memplan counts already and the minimum stands for).
 */
#define MIB	(1024ull * 1024ull)

uint64_t
mp_ollama_min_memory(enum mp_backend be)
{
	return (be == MP_BE_METAL ? 512 : 457) * MIB;
}

bool
mp_ollama_gpu_overhead(uint64_t *over, struct mp_error *err)
{
	const char *s = getenv("OLLAMA_GPU_OVERHEAD");
	char *end;

	*over = 0;
	if (s == NULL || s[0] == '\0')
		return true;
	errno = 0;
	*over = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    *over > (1ull << 50))
		return mp_error_set(err, MP_EUSAGE, NULL, "OLLAMA_GPU_OVERHEAD",
		    "expected bytes per GPU as a whole number, got \"%.40s\"",
		    s);
	return true;
}

bool
mp_ollama_reserve(struct mp_estimate *est, struct mp_error *err)
{
	uint64_t over, per, min, rt, add = 0;
	uint32_t i, gpus;
	struct mp_note *n;

	if (!est->sc.ollama || est->sc.runtime != MP_RT_LLAMACPP ||
	    est->device_total == 0 || est->sc.backend == MP_BE_CPU)
		return true;
	if (!mp_ollama_gpu_overhead(&over, err))
		return false;
	min = mp_ollama_min_memory(est->sc.backend);
	rt = mp_llamacpp_gpu_runtime(est->sc.backend, &est->sc);
	per = (min > rt ? min - rt : 0) + over;
	if (per == 0)
		return true;
	for (i = 0; i < est->n_dev_bytes; i++)
		if (est->dev_bytes[i] != 0) {
			est->dev_bytes[i] += per;
			add += per;
		}
	if (est->n_dev_bytes == 0) {
		gpus = est->sc.gpus == 0 ? 1 : est->sc.gpus;
		add = per * gpus;
	}
	est->device_total += add;
	est->mem.runtime += add;
	if (est->mem.total != 0)
		est->mem.total += add;
	n = mp_estimate_note(est, "runtime", "ollama.reserve", "ollama keeps "
	    "its minimum {min} (less the {rt} runtime above) + "
	    "OLLAMA_GPU_OVERHEAD {over} of each GPU it uses free: {per} "
	    "counted as used");
	mp_note_size(n, "per", per);
	mp_note_size(n, "min", min);
	mp_note_size(n, "rt", rt);
	mp_note_size(n, "over", over);
	return true;
}

/* fs/ggml/ggml.go KV.OllamaEngineRequired at v0.15.5 (GGUF names). */
static const char *const own_engine[] = {
	"deepseek2", "gemma3", "gemma3n", "gptoss", "gpt-oss", "llama4",
	"mistral3", "mllama", "olmo3", "qwen25vl", "qwen3", "qwen3moe",
	"qwen3next", "qwen3vl", "qwen3vlmoe", "glm4moelite", "lfm2", NULL
};

struct lay {
	uint32_t	 n;		/* layers, the output last */
	uint64_t	*size;		/* weights + cache of each */
	uint32_t	 nd;
	uint64_t	 free[MP_MAX_GPUS];	/* less the one-layer buffer */
	uint64_t	 reserve;	/* minimum + OLLAMA_GPU_OVERHEAD */
	uint64_t	 graph;
	bool		 graph_on[MP_MAX_GPUS];
};

/* One assignment: layers per GPU, the GPUs it touched (first..k-1). */
struct assign {
	uint32_t	 count[MP_MAX_GPUS];
	uint32_t	 first, k, sum;
};

/*
 * greedyFit: the last GPU of the k takes layers from the top down while
 * they fit in capacity x its free memory, then the one before it.  The
 * factor is a float32 in Ollama, and so here.
 */
static void
greedy(const struct lay *l, const uint64_t *avail, uint32_t n, uint32_t k,
    float cap, struct assign *a)
{
	uint32_t dev = k - 1, i;
	uint64_t space = (uint64_t)((float)avail[dev] * cap);

	memset(a, 0, sizeof(*a));
	a->k = k;
	a->first = dev;
	for (i = n; i-- > 0;)
		for (;;) {
			if (l->size[i] <= space) {
				a->count[dev]++;
				a->sum++;
				space -= l->size[i];
				break;
			}
			if (dev == 0)
				return;
			a->first = --dev;
			space = (uint64_t)((float)avail[dev] * cap);
		}
}

/* findBestFit: the smallest factor that places as many layers. */
static void
best_fit(const struct lay *l, const uint64_t *avail, uint32_t n, uint32_t k,
    struct assign *best)
{
	struct assign a;
	float high = 1, low = 0, mid;

	greedy(l, avail, n, k, high, best);
	while (high - low > 1e-6f) {
		mid = (low + high) / 2;
		greedy(l, avail, n, k, mid, &a);
		if (a.sum == best->sum) {
			high = mid;
			*best = a;
		} else
			low = mid;
	}
}

/* assignLayers (num_gpu unset, no OLLAMA_SCHED_SPREAD). */
static void
assign(const struct lay *l, const uint64_t *avail, uint32_t last_used,
    struct assign *a)
{
	uint32_t n = l->n, pass, k;

	memset(a, 0, sizeof(*a));
	for (pass = 0; pass < 2 && n > 0; pass++, n--) {
		for (k = last_used + 1; k <= l->nd; k++) {
			best_fit(l, avail, n, k, a);
			if (a->sum == n)
				break;
		}
		if (a->sum == n)
			return;
	}
}

/* Llama.Load's loop: lay out, reserve the graph where used, again. */
static void
layout(struct lay *l, struct assign *a)
{
	uint64_t avail[MP_MAX_GPUS], used;
	uint32_t d, last, prev = 0;

	for (;;) {
		last = 0;
		for (d = 0; d < l->nd; d++) {
			used = l->reserve + (l->graph_on[d] ? l->graph : 0);
			avail[d] = l->free[d] > used ? l->free[d] - used : 0;
			if (l->graph_on[d])
				last = d;
		}
		assign(l, avail, last, a);
		if (a->k - a->first <= prev)
			return;
		prev = a->k - a->first;
		for (d = a->first; d < a->k; d++)
			l->graph_on[d] = true;
	}
}

static double
cache_bytes(enum mp_dtype kv)
{
	switch (kv) {
	case MP_DT_Q8_0:
		return 1;
	case MP_DT_Q4_0:
		return 0.5;
	case MP_DT_F32:
		return 4;
	default:
		return 2;
	}
}

/*
 * GGML.GraphSize's compute graph for the llama runner: the larger of its
 * partial- and full-offload figures (only the partial one on Metal).
 * b: num_batch; ctx: num_ctx x num_parallel; gexps: blk.0's
 * ffn_gate_exps bytes (Mixtral), 0 else; kv_total: the whole cache.
 */
static uint64_t
graph_llama_runner(const struct mp_model *m, const char *arch, uint64_t b,
    uint64_t ctx, uint64_t gexps, uint64_t kv_total, bool metal)
{
	uint64_t e = m->hidden, h = m->heads, hkv = m->kv_heads, v = m->vocab,
	    dh = m->head_dim, ff = m->intermediate, full = 0, part = 0, gqa;
	uint32_t i;

	if (strcmp(arch, "llama") == 0) {
		full = mp_umax(4 * b * (1 + 4 * e + ctx * (1 + h)),
		    4 * b * (e + v));
		part = 4 * b * e + mp_umax(4 * b * (1 + e + mp_umax(ctx, e)) +
		    e * e * 9 / 16 + 4 * ctx * (b * h + dh * hkv),
		    4 * b * (e + v) + e * v * 105 / 128);
		if (gexps != 0)
			part = mp_umax(3 * gexps + 4 * b * (2 * ff + hkv + e +
			    ctx + dh * hkv), 4 * (ctx * b * h + ctx * dh * hkv +
			    b * 1024 + dh * hkv * b));
	} else if (strcmp(arch, "qwen2") == 0) {
		full = mp_umax(4 * b * (e + v), 4 * b * (1 + 2 * e + ctx +
		    ctx * h));
		part = mp_umax(4 * b * (e + v) + e * v * 105 / 128,
		    4 * (b * (1 + 2 * e + ctx * (1 + h)) + e * (1 + ctx)));
	} else if (strcmp(arch, "gemma") == 0 || strcmp(arch, "gemma2") == 0) {
		full = mp_umax(4 * b * (e + v), 4 * b * (2 + ctx + ctx * h +
		    2 * e + 2 * dh * h));
		part = mp_umax(4 * e * b + e * v * 105 / 128 + 4 * v * b,
		    4 * b * (2 * e + 1 + 2 * dh * h + ctx + ctx * h) +
		    4 * dh * ctx * 8 + e * dh * h * 9 / 16);
	}
	if (part == 0) {
		/* no formula: gqa x the cache / 6, gqa over the fewest KV
		 * heads of a layer (a layer without any counts as 1) */
		hkv = m->kv_heads;
		for (i = 0; m->layer != NULL && i < m->layers; i++)
			if (m->layer[i].kind == MP_LK_MAMBA ||
			    m->layer[i].kind == MP_LK_MLP)
				hkv = 0;
		gqa = h / (hkv == 0 ? 1 : hkv);
		part = gqa * kv_total / 6;
	}
	if (full == 0)
		full = part;
	if (metal)
		part = full;
	return mp_umax(part, full);
}

/* The cache of layer i as the estimate sizes it (see the top). */
static uint64_t
layer_cache(const struct mp_model *m, uint32_t i, uint64_t ctx, uint64_t b,
    uint64_t nseq, double per, bool own)
{
	const struct mp_layer *ly = m->layer != NULL ? &m->layer[i] : NULL;
	uint64_t width = ly != NULL ? (uint64_t)ly->kv_k + ly->kv_v :
	    2ull * m->kv_heads * m->head_dim, cells = ctx, inner, r, s;

	if (ly != NULL && (ly->kind == MP_LK_MAMBA || ly->kind == MP_LK_MLP)) {
		inner = (uint64_t)m->ssm_heads * m->ssm_head_dim;
		r = m->ssm_conv > 0 ? (uint64_t)(m->ssm_conv - 1) * (inner +
		    2ull * m->ssm_groups * m->ssm_state) : 0;
		s = (uint64_t)m->ssm_state * inner;
		return (r + s) * 4;
	}
	/* Ollama's own engine keeps a window (and a batch) of cells */
	if (own && ly != NULL && ly->kind == MP_LK_SLIDING &&
	    ly->window * nseq + b < cells)
		cells = ly->window * nseq + b;
	return (uint64_t)((double)(cells * width) * per);
}

static bool
sizes(const struct mp_model *m, const struct mp_scenario *sc, struct lay *l,
    bool own, uint64_t *buffer, struct mp_error *err)
{
	struct mp_gguf_tensor *t = NULL;
	size_t nt = 0, i;
	uint64_t nseq = sc->batch == 0 ? 1 : sc->batch, ctx, b, embd = 0,
	    gexps = 0, kv_total = 0, kv;
	bool has_output = false;
	double per = cache_bytes(sc->kv_dtype);
	uint32_t il, nl = m->layers;

	if (!mp_gguf_tensors(m, mp_llamacpp_ftype(m, sc), &t, &nt, err))
		return false;
	for (i = 0; i < nt; i++) {
		if (t[i].layer >= 0 && (uint32_t)t[i].layer < nl)
			il = (uint32_t)t[i].layer;
		else if (strncmp(t[i].name, "output.", 7) == 0 ||
		    strncmp(t[i].name, "output_norm.", 12) == 0)
			il = nl;
		else {
			if (strcmp(t[i].name, "token_embd.weight") == 0)
				embd = t[i].bytes;
			continue;
		}
		has_output |= strcmp(t[i].name, "output.weight") == 0;
		if (strcmp(t[i].name, "blk.0.ffn_gate_exps.weight") == 0)
			gexps = t[i].bytes;
		l->size[il] = mp_adds(l->size[il], t[i].bytes);
	}
	free(t);
	if (!has_output)
		l->size[nl] = mp_adds(l->size[nl], embd);
	*buffer = l->size[0];
	/* num_ctx x num_parallel; num_batch is 512 at most num_ctx */
	ctx = mp_muls(sc->seq, nseq);
	b = sc->seq < 512 ? sc->seq : 512;
	for (il = 0; il < nl; il++) {
		kv = layer_cache(m, il, ctx, b, nseq, per, own);
		if (il == 0)
			*buffer = mp_adds(*buffer, kv);
		kv_total = mp_adds(kv_total, kv);
		l->size[il] = mp_adds(l->size[il], kv);
	}
	if (!own) {
		l->graph = graph_llama_runner(m, mp_gguf_arch(m), b, ctx, gexps,
		    kv_total, sc->backend == MP_BE_METAL);
		return true;
	}
	{
		/* the runner's report: llama.cpp's compute buffer, all layers
		 * on one GPU */
		struct mp_scenario one = *sc;
		struct mp_llamacpp_use u;

		one.gpus = 1;
		one.gpu_layers = -1;
		one.n_tensor_split = 0;
		if (!mp_llamacpp_device_use(m, &one, &u, err))
			return false;
		l->graph = u.compute[0];
		*buffer = 0;
	}
	return true;
}

bool
mp_ollama_layout(const struct mp_model *m, struct mp_scenario *sc,
    struct mp_ollama_lay *r, struct mp_error *err)
{
	struct lay l;
	struct assign a;
	const char *arch = mp_gguf_arch(m);
	uint64_t buffer = 0, over;
	uint32_t d, nl = m->layers;
	bool ok = false;
	size_t at = 0;

	memset(r, 0, sizeof(*r));
	if (!sc->ollama || sc->runtime != MP_RT_LLAMACPP ||
	    sc->gpu_layers_set || sc->fit || nl == 0 || sc->n_dev_free == 0 ||
	    sc->backend == MP_BE_CPU || arch == NULL)
		return true;
	memset(&l, 0, sizeof(l));
	l.n = nl + 1;
	l.nd = sc->gpus == 0 ? 1 : sc->gpus;
	if (l.nd > sc->n_dev_free || l.nd > MP_MAX_GPUS)
		return true;
	if (!mp_ollama_gpu_overhead(&over, err))
		return false;
	if ((l.size = calloc(l.n, sizeof(*l.size))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	r->own = mp_word_in(arch, own_engine);
	if (!sizes(m, sc, &l, r->own, &buffer, err))
		goto out;
	l.reserve = mp_ollama_min_memory(sc->backend) + over;
	for (d = 0; d < l.nd; d++)
		l.free[d] = sc->dev_free[d] > buffer ? sc->dev_free[d] - buffer :
		    0;
	layout(&l, &a);

	/* the runner's -ngl and, on several GPUs, its -ts */
	sc->gpu_layers = a.sum >= l.n ? -1 : (int64_t)a.sum;
	sc->gpu_layers_set = true;
	sc->ollama_layout = true;
	if (r->own && a.sum > 0 && a.sum < l.n &&
	    sc->override_tensor[0] == '\0') {
		/* Ollama's engine loads the layers it was given: the last
		 * a.sum repeating ones, the output layer on the CPU (as
		 * llama.cpp's -ngl a.sum+1 with the output overridden) */
		sc->gpu_layers = (int64_t)a.sum + 1;
		snprintf(sc->override_tensor, sizeof(sc->override_tensor),
		    "^%s$=CPU", m->tied ? "token_embd\\.weight" :
		    "output\\.weight");
	}
	if (l.nd > 1 && a.sum > 0) {
		sc->n_tensor_split = l.nd;
		for (d = 0; d < l.nd; d++) {
			sc->tensor_split[d] = (float)a.count[d];
			at += (size_t)snprintf(r->split + at, sizeof(r->split) -
			    at, "%s%u", d ? "," : "", a.count[d]);
		}
	}
	r->layers = a.sum;
	r->of = l.n;
	r->reserve = l.reserve;
	r->graph = l.graph;
	r->buffer = buffer;
	ok = true;
out:
	free(l.size);
	return ok;
}

void
mp_ollama_layout_note(struct mp_estimate *est, const struct mp_ollama_lay *r)
{
	struct mp_note *n;

	if (r->of == 0)
		return;
	n = mp_estimate_note(est, "weights", "ollama.layout", "Ollama "
	    MP_OLLAMA_VERSION "'s scheduler (%s, derived): {layers} of {of} "
	    "layers fit its estimate (per GPU {reserve} kept free, {graph} "
	    "graph%s)%s%s", r->own ? "its own engine, llama.cpp's buffers "
	    "as the runner's report" : "llama runner", r->buffer != 0 ?
	    ", a layer's {buffer}" : "", r->split[0] != '\0' ? "; per GPU " :
	    "", r->split);
	mp_note_count(n, "layers", r->layers);
	mp_note_count(n, "of", r->of);
	mp_note_size(n, "reserve", r->reserve);
	mp_note_size(n, "graph", r->graph);
	mp_note_size(n, "buffer", r->buffer);
}
