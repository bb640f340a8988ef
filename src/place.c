/* place.c: one scenario on one machine -> bytes per device and host -> verdict */
/* SPDX-License-Identifier: MIT */
/*
 * Every command (estimate, fit, sweep, check, plan and the suggestions)
 * judges a scenario here and nowhere else, so that one scenario on one
 * machine gets one verdict.  The steps:
 *   1. mp_place_scenario: the GPUs used (all of the profile's unless
 *      --gpus says fewer), the backend and CPU ISA the estimators model,
 *      llama.cpp on the CPU where there is no accelerator;
 *   2. mp_estimate on that scenario;
 *   3. mp_hardware_judge_ex: each GPU's share against its usable memory,
 *      the host's resident memory against RAM less the OS reserve;
 *   4. mp_place_gate: what the platform cannot run (verdict unsupported).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void	put(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
put(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* The GPUs a profile offers to the runtimes: none without an accelerator
 * or when the accelerator is the CPU itself; every entry of a mixed
 * machine (mp_hardware_gpus). */
static uint32_t
gpu_count(const struct mp_hardware *hw, const struct mp_device *d)
{
	size_t n;

	if (d == NULL || d->backend == MP_BE_CPU)
		return 0;
	n = mp_hardware_gpus(hw, NULL, 0);
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* The smallest usable memory among the first n GPUs. */
static uint64_t
smallest_gpu(const struct mp_hardware *hw, uint64_t n)
{
	const struct mp_device	*g[MP_MAX_GPUS];
	size_t			 k, i;
	uint64_t		 u, min = 0;

	k = mp_hardware_gpus(hw, g, MP_MAX_GPUS);
	if (n == 0)
		n = 1;
	for (i = 0; i < k && i < MP_MAX_GPUS && i < n; i++) {
		u = mp_device_usable(g[i], hw);
		if (i == 0 || u < min)
			min = u;
	}
	return min;
}

/* vLLM's tensor parallelism must divide the attention heads, and the KV
 * heads or be a multiple of them (vllm.c refuses the others). */
static bool
tp_divides(const struct mp_model *m, uint32_t tp)
{
	return tp > 0 && m->heads % tp == 0 && (m->kv_heads == 0 ||
	    m->kv_heads % tp == 0 || tp % m->kv_heads == 0);
}

/* The first GPU without bf16 compute, NULL when all have it. */
static const struct mp_device *
no_bf16(const struct mp_hardware *hw)
{
	const struct mp_device	*g[MP_MAX_GPUS];
	size_t			 n, i;

	n = mp_hardware_gpus(hw, g, MP_MAX_GPUS);
	for (i = 0; i < n && i < MP_MAX_GPUS; i++)
		if (!g[i]->bf16)
			return g[i];
	return NULL;
}

/* The lowest compute capability of the GPUs, 0 when one is not CUDA
 * or does not say. */
static uint32_t
lowest_cc(const struct mp_hardware *hw)
{
	const struct mp_device	*g[MP_MAX_GPUS];
	size_t			 n, i;
	uint32_t		 cc = 0;

	n = mp_hardware_gpus(hw, g, MP_MAX_GPUS);
	for (i = 0; i < n && i < MP_MAX_GPUS; i++) {
		if (g[i]->backend != MP_BE_CUDA || g[i]->cc == 0)
			return 0;
		if (cc == 0 || g[i]->cc < cc)
			cc = g[i]->cc;
	}
	return cc;
}

static bool
all_bf16(const struct mp_hardware *hw)
{
	return no_bf16(hw) == NULL;
}

static const char *
no_bf16_name(const struct mp_hardware *hw)
{
	return no_bf16(hw) != NULL ? no_bf16(hw)->name : "?";
}

static bool
is_training(const struct mp_scenario *sc)
{
	return sc->mode == MP_MODE_LORA || sc->mode == MP_MODE_QLORA ||
	    sc->mode == MP_MODE_FULL;
}

/* Runtimes PyTorch has a device backend for (MPS on Metal, XPU on SYCL). */
static bool
torch_backend(enum mp_backend b)
{
	return b == MP_BE_CUDA || b == MP_BE_ROCM || b == MP_BE_METAL ||
	    b == MP_BE_SYCL || b == MP_BE_NONE;
}

/* A bf16 checkpoint with no --weights on a device without bf16. */
static void
bf16_checkpoint(const struct mp_model *m, const struct mp_hardware *hw,
    struct mp_scenario *sc, bool fp32, struct mp_note *note)
{
	if (sc->mode == MP_MODE_FULL && sc->amp == MP_DT_NONE &&
	    sc->optimizer != MP_OPT_SGD) {
		/* AdamW on pure fp16 overflows: the recipe there is fp32
		 * master weights under fp16 autocast. */
		sc->weights = MP_DT_F32;
		sc->amp = MP_DT_F16;
		mp_note_set(note, "placement", "placement.no_bf16",
		    "%s has no bf16: full fine-tuning in fp32 with fp16 "
		    "autocast", no_bf16_name(hw));
	} else if (fp32) {
		sc->weights = MP_DT_F32;
		mp_note_set(note, "placement", "placement.no_bf16",
		    "%s has no bf16 and vLLM refuses fp16 for %s (numerical "
		    "instability): dtype auto loads the bf16 checkpoint in "
		    "fp32", no_bf16_name(hw), m->model_type);
	} else {
		sc->weights = MP_DT_F16;
		mp_note_set(note, "placement", "placement.no_bf16",
		    "%s has no bf16: the bf16 checkpoint runs in fp16",
		    no_bf16_name(hw));
	}
}

bool
mp_place_scenario(const struct mp_model *m, const struct mp_hardware *hw,
    struct mp_scenario *sc, struct mp_note *note, struct mp_error *err)
{
	const struct mp_device	*d;
	struct mp_note		 none;
	uint32_t		 n, tp;

	if (note == NULL)
		note = &none;
	memset(note, 0, sizeof(*note));
	if (hw == NULL)
		return true;
	d = mp_hardware_primary(hw);
	n = gpu_count(hw, d);
	sc->cpu_isa = hw->cpu_isa;
	/* Each GPU's usable memory: llama.cpp's default layer split. */
	mp_scenario_machine(sc, hw);
	sc->backend = n > 0 ? d->backend : MP_BE_CPU;
	/* The CUDA context's per-GPU part (estimate.c). */
	sc->cuda_stack = n > 0 ? mp_cuda_stack_reserve(d) : 0;
	/* PyTorch's SDPA kernel choice follows it (transformers.c). */
	sc->cc = n > 0 && d->backend == MP_BE_CUDA ? d->cc : 0;
	if (sc->gpus > (n > 0 ? n : 1)) {
		if (n == 0)
			return mp_error_set(err, MP_EUSAGE, NULL, "--gpus",
			    "%u GPUs asked for, but %s has no GPU", sc->gpus,
			    hw->name);
		return mp_error_set(err, MP_EUSAGE, NULL, "--gpus",
		    "%u GPUs asked for, but %s has %u", sc->gpus, hw->name,
		    n);
	}
	/* A profile of several identical machines: all of them. */
	if (sc->nodes == 0 && hw->nodes > 1)
		sc->nodes = hw->nodes;
	/* A conversion runs in host memory whatever the machine has. */
	if (sc->mode == MP_MODE_CONVERT)
		return true;
	/*
	 * PyTorch has no Vulkan device: transformers (and training) on such
	 * a machine run on the CPU.
	 */
	if (sc->runtime != MP_RT_LLAMACPP && sc->runtime != MP_RT_VLLM &&
	    !torch_backend(sc->backend)) {
		sc->backend = MP_BE_CPU;
		n = 0;
	}
	if (n > 0)
		sc->cuda_cc = lowest_cc(hw);
	/*
	 * A device without bf16 (T4, V100): what would be bf16 is fp16.
	 * A bf16 checkpoint is loaded in fp16, as one runs transformers
	 * there and as vLLM's dtype "auto" does by itself (vLLM PR 17265,
	 * April 2025: _resolve_auto_dtype takes the first of the
	 * platform's supported_dtypes, and CUDA lists bf16 only from
	 * compute capability 8.0; earlier vLLM refused bf16 there and
	 * needed --dtype float16, which the command line says).  Under
	 * quantized weights the tensors the quantization leaves, the
	 * activations and the KV cache follow, and so does QLoRA's
	 * compute dtype.  vLLM refuses fp16 for some models (gemma2,
	 * gemma3): "auto" falls back to fp32 there.
	 */
	if (n > 0 && !all_bf16(hw) && sc->runtime != MP_RT_LLAMACPP) {
		bool	fp32 = sc->runtime == MP_RT_VLLM &&
			    mp_vllm_refuses_fp16(m);
		enum mp_dtype w = sc->weights != MP_DT_NONE ? sc->weights :
			    sc->mode == MP_MODE_INFER ? mp_shipped_dtype(m) :
			    MP_DT_NONE;

		sc->bf16_as = fp32 ? MP_DT_F32 : MP_DT_F16;
		if (w == MP_DT_NONE && m->torch_dtype == MP_DT_BF16)
			bf16_checkpoint(m, hw, sc, fp32, note);
		else if (w != MP_DT_NONE && !mp_dtype_info(w)->is_float &&
		    m->torch_dtype != MP_DT_F16 && sc->mode == MP_MODE_INFER)
			mp_note_set(note, "placement", "placement.no_bf16",
			    "%s has no bf16: the tensors the quantization "
			    "leaves, the activations and the KV cache in %s",
			    no_bf16_name(hw), fp32 ? "fp32 (vLLM refuses "
			    "fp16 for this model)" : "fp16");
	}
	/* llama.cpp without an accelerator keeps every layer on the CPU. */
	if (sc->runtime == MP_RT_LLAMACPP && sc->mode == MP_MODE_INFER &&
	    n == 0 && !sc->gpu_layers_set)
		sc->gpu_layers = 0;
	if (sc->gpus != 0 || n <= 1)
		return true;
	/* Default: every GPU of the profile. */
	if (sc->runtime == MP_RT_VLLM && sc->mode == MP_MODE_INFER) {
		for (tp = n; tp > 1 && !tp_divides(m, tp); tp--)
			continue;
		sc->gpus = tp;
		if (tp < n && note->text[0] == '\0') {
			mp_note_set(note, "placement", "placement.tp_divides",
			    "tensor parallel over {tp} of the {gpus} GPUs: "
			    "{heads} attention heads and {kv_heads} KV heads do "
			    "not split over {gpus}");
			mp_note_count(note, "tp", tp);
			mp_note_count(note, "gpus", n);
			mp_note_count(note, "heads", m->heads);
			mp_note_count(note, "kv_heads", m->kv_heads);
		}
		return true;
	}
	sc->gpus = n;
	if (is_training(sc) && sc->parallel == MP_PAR_NONE &&
	    note->text[0] == '\0') {
		mp_note_set(note, "placement", "placement.ddp", "all {gpus} "
		    "GPUs of %s as data-parallel replicas (DDP); --parallel "
		    "zero3 or fsdp shards instead", hw->name);
		mp_note_count(note, "gpus", n);
	}
	return true;
}

bool
mp_parse_headroom(const char *v, struct mp_scenario *sc, char *why,
    size_t whylen)
{
	size_t		 n = strlen(v);
	uint64_t	 u;
	char		 num[32];

	if (n > 1 && v[n - 1] == '%') {
		if (n - 1 >= sizeof(num)) {
			put(why, whylen, "expected a size like \"2 GiB\" or a "
			    "percentage like \"10%%\"");
			return false;
		}
		memcpy(num, v, n - 1);
		num[n - 1] = '\0';
		/* Beyond 90 % nothing would be left to fit. */
		if (!mp_parse_uint(num, 0, 90, false, &u, why, whylen)) {
			put(why, whylen, "expected a percentage from 0%% to "
			    "90%% or a size like \"2 GiB\", got \"%.40s\"", v);
			return false;
		}
		sc->headroom_pct = (uint32_t)u;
		sc->headroom = 0;
		/* 0 % is no margin, not the default one. */
		if (u == 0) {
			sc->headroom_pct = 0;
			sc->headroom = 0;
		}
		sc->headroom_set = true;
		return true;
	}
	if (!mp_parse_size(v, &u, why, whylen)) {
		put(why, whylen, "expected a size like \"2 GiB\" or a "
		    "percentage like \"10%%\", got \"%.40s\"", v);
		return false;
	}
	sc->headroom = u;
	sc->headroom_pct = 0;
	sc->headroom_set = true;
	return true;
}

uint64_t
mp_place_margin(const struct mp_scenario *sc, uint64_t cap)
{
	if (sc->headroom_set && sc->headroom_pct == 0)
		return sc->headroom;
	return mp_muls(cap, sc->headroom_set ? sc->headroom_pct :
	    MP_TIGHT_PERCENT) / 100;
}

/* a - b as a signed number, saturating at the int64_t range. */
static int64_t
sat_diff(uint64_t a, uint64_t b)
{
	if (a >= b)
		return a - b > (uint64_t)INT64_MAX ? INT64_MAX :
		    (int64_t)(a - b);
	return b - a > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)(b - a);
}

/* GPU i's bytes: the estimator's split, else an even one. */
static uint64_t
share_of(const struct mp_estimate *est, uint64_t gpus, size_t i)
{
	uint64_t t;

	if (est->n_dev_bytes > 0)
		return i < est->n_dev_bytes ? est->dev_bytes[i] :
		    est->dev_bytes[est->n_dev_bytes - 1];
	t = est->device_total != 0 ? est->device_total : est->mem.total;
	return t / gpus + (i < t % gpus ? 1 : 0);
}

void
mp_hardware_judge_ex(const struct mp_hardware *hw,
    const struct mp_estimate *est, struct mp_judgement *j)
{
	const struct mp_device	*d, *g[MP_MAX_GPUS];
	uint64_t		 hostcap, recl, resident, cap, sum = 0, p;
	size_t			 i, per;
	uint32_t		 ng;

	memset(j, 0, sizeof(*j));
	d = mp_hardware_primary(hw);
	ng = gpu_count(hw, d);
	if (ng == 0 || est->sc.backend == MP_BE_CPU)
		d = NULL;
	(void)mp_hardware_gpus(hw, g, MP_MAX_GPUS);
	hostcap = hw->ram > hw->os_reserve ? hw->ram - hw->os_reserve : 0;
	recl = est->host_reclaimable < est->host_total ?
	    est->host_reclaimable : est->host_total;
	j->host.reclaimable = recl;
	if (est->has_convert) {
		/*
		 * A conversion runs in host memory.  Its anonymous memory
		 * must fit in RAM plus swap; file-backed pages (mmap'd
		 * weights, the page cache) are reclaimable and only slow
		 * it down.
		 */
		j->where = MP_JUDGE_HOST;
		resident = est->conv.peak_anon != 0 ? est->conv.peak_anon :
		    (est->host_total != 0 ? est->host_total : est->mem.total);
		j->host.reclaimable = est->conv.peak_file;
		cap = mp_adds(hostcap, hw->swap);
		if (resident > hostcap)
			j->swap_needed = resident - hostcap;
	} else if (est->on_host || d == NULL) {
		/*
		 * On the CPU everything lands in RAM; what the kernel can
		 * drop (mapped file pages of repacked tensors) is not
		 * resident.  Swap is not counted: inference that pages is of
		 * no use.
		 */
		j->where = MP_JUDGE_HOST;
		resident = mp_adds(est->device_total, est->host_total);
		if (resident < est->mem.total)
			resident = est->mem.total;
		resident -= recl < resident ? recl : resident;
		cap = hostcap;
	} else {
		j->where = MP_JUDGE_DEVICE;
		j->gpus = est->sc.gpus == 0 ? 1 : est->sc.gpus;
		if (j->gpus > ng)
			j->gpus = ng;
		per = j->gpus < MP_MAX_GPUS ? j->gpus : MP_MAX_GPUS;
		/* llama.cpp's RPC split: every GPU of every node, node by
		 * node (memplan.h, dev_nodes), each judged as its card. */
		if (est->dev_nodes > 1) {
			j->gpus = mp_muls(j->gpus, est->dev_nodes);
			j->nodes = est->dev_nodes;
			j->node_gpus = per;
		}
		j->n_dev = j->gpus < MP_MAX_GPUS ? j->gpus : MP_MAX_GPUS;
		/* Each GPU against its own usable memory (a mixed machine's
		 * cards differ); GPUs past MP_MAX_GPUS as the last listed. */
		for (i = 0; i < j->gpus; i++) {
			cap = mp_device_usable(g[est->dev_nodes > 1 ? i % per :
			    i < MP_MAX_GPUS ? i : MP_MAX_GPUS - 1], hw);
			p = share_of(est, j->gpus, i);
			sum = mp_adds(sum, p);
			if (i >= j->n_dev)
				continue;
			j->dev[i].capacity = cap;
			j->dev[i].predicted = p;
			j->dev[i].headroom = sat_diff(cap, p);
			j->dev[i].fits = p <= cap;
			if (j->dev[i].headroom < j->dev[j->fullest].headroom)
				j->fullest = i;
		}
		j->judged = j->dev[j->fullest].predicted;
		cap = j->capacity = j->dev[j->fullest].capacity;
		j->headroom = j->dev[j->fullest].headroom;
		j->device = g[est->dev_nodes > 1 ? j->fullest % per :
		    j->fullest];
		put(j->device_name, sizeof(j->device_name), "%s",
		    j->device->name);
		/*
		 * The host holds what the runtime keeps there (llama.cpp's
		 * CPU layers and buffers).  On unified memory the GPUs'
		 * shares come out of the same RAM: one pool, judged once.
		 */
		resident = est->host_total - recl;
		if (d->unified)
			resident = mp_adds(resident, sum);
		/* Several nodes' hosts (RPC): the fullest decides. */
		if (est->node_host > resident)
			resident = est->node_host;
		j->host.capacity = hostcap;
		j->host.predicted = resident;
		j->host.headroom = sat_diff(hostcap, resident);
		j->host.fits = resident <= hostcap;
		j->host_short = !j->host.fits;
		j->fits = j->dev[j->fullest].fits && j->host.fits;
		/*
		 * PyTorch: the caching allocator may hold more than it
		 * allocates (alloc.c; memory.* is one GPU's).  Allocated
		 * fits but the reserve may not: a fragmentation risk.
		 */
		if (est->mem.reserved > est->mem.total) {
			j->reserved = mp_adds(j->judged,
			    est->mem.reserved - est->mem.total);
			j->frag_risk = j->fits && j->reserved > cap;
		}
		goto verdict;
	}
	j->judged = resident;
	j->capacity = cap;
	j->headroom = sat_diff(cap, resident);
	j->host.capacity = cap;
	j->host.predicted = resident;
	j->host.headroom = j->headroom;
	j->host.fits = resident <= cap;
	j->fits = j->host.fits;
verdict:
	/*
	 * ZeRO-Infinity (--offload nvme): each node's NVMe holds its GPUs'
	 * partitions; judged against the profile's disk when it states one
	 * (mp_place says when it does not).
	 */
	j->disk.predicted = est->disk_total;
	if (est->disk_total > 0 && hw->disk > 0) {
		j->disk.judged = true;
		j->disk.capacity = hw->disk;
		j->disk.headroom = sat_diff(hw->disk, est->disk_total);
		j->disk.fits = est->disk_total <= hw->disk;
		if (!j->disk.fits)
			j->fits = false;
	}
	j->margin = mp_place_margin(&est->sc, j->capacity);
	if (!j->fits)
		j->verdict = MP_VERDICT_NO;
	else if ((uint64_t)j->headroom < j->margin || j->swap_needed > 0 ||
	    j->frag_risk)
		j->verdict = MP_VERDICT_TIGHT;
	else
		j->verdict = MP_VERDICT_FITS;
}

void
mp_hardware_judge(const struct mp_hardware *hw, const struct mp_estimate *est,
    uint64_t *capacity, bool *fits, int64_t *headroom)
{
	struct mp_judgement j;

	mp_hardware_judge_ex(hw, est, &j);
	*capacity = j.capacity;
	*fits = j.fits;
	*headroom = j.headroom;
}

/* bitsandbytes formats: LLM.int8(), NF4 and FP4 weights, 8-bit AdamW. */
static bool
uses_bnb(const struct mp_model *m, const struct mp_scenario *sc)
{
	bool w = sc->weights == MP_DT_INT8 || sc->weights == MP_DT_NF4 ||
	    sc->weights == MP_DT_FP4;

	/* A compressed-tensors int8 / nvfp4 checkpoint is no bitsandbytes. */
	if (sc->weights_shipped && strcmp(m->quant_method, "bitsandbytes") != 0)
		w = false;

	if (sc->mode == MP_MODE_CONVERT)
		return false;
	if (sc->mode == MP_MODE_QLORA)
		return true;
	if (is_training(sc) && sc->optimizer == MP_OPT_ADAMW8BIT)
		return true;
	return w && sc->runtime == MP_RT_TRANSFORMERS;
}

static bool
quant_kv(enum mp_dtype kv)
{
	return kv != MP_DT_NONE && kv != MP_DT_F32 && kv != MP_DT_F16 &&
	    kv != MP_DT_BF16 && kv != MP_DT_F8_E4M3;
}

/* What one GPU cannot run of the scenario; NULL when it can. */
static const char *
device_gate(const struct mp_device *d, const struct mp_scenario *sc,
    char *buf, size_t len)
{
	enum mp_backend	 be = sc->backend;

	/*
	 * FP8 weights in vLLM: FP8 tensor cores (8.9+), or weight-only
	 * W8A16 through FP8 Marlin from compute capability 7.5 (vLLM docs,
	 * features/quantization/fp8: "FP8 models will run on compute
	 * capability >= 7.5 (Turing) as weight-only W8A16, utilizing FP8
	 * Marlin"; marlin_utils_fp8.py is_fp8_marlin_supported():
	 * has_device_capability(75)).  Earlier releases (v0.5-v0.6 docs,
	 * PR 5975) needed 8.0.
	 */
	if (sc->runtime == MP_RT_VLLM && sc->weights == MP_DT_F8_E4M3 &&
	    !d->fp8 && !(be == MP_BE_CUDA && d->cc >= 75)) {
		put(buf, len, "vLLM runs FP8 weights from compute capability "
		    "7.5 (weight-only, FP8 Marlin) or on FP8 tensor cores; %s "
		    "has neither", d->name);
		return buf;
	}
	/*
	 * An FP8 KV cache in vLLM (--kv-cache-dtype fp8): stored in FP8 and
	 * dequantized in the attention kernels, which vLLM's backends do on
	 * FP8 hardware and from compute capability 8.0 (FlashInfer's and
	 * Triton's paths on Ampere; vLLM docs, "Quantized KV Cache");
	 * nothing below.  Derived from the backends' requirements, not
	 * measured.
	 */
	if (sc->runtime == MP_RT_VLLM && sc->kv_dtype == MP_DT_F8_E4M3 &&
	    !d->fp8 && !(be == MP_BE_CUDA && d->cc >= 80)) {
		put(buf, len, "vLLM keeps an FP8 KV cache on FP8 hardware or "
		    "from compute capability 8.0; %s has neither: use "
		    "--kv-dtype fp16", d->name);
		return buf;
	}
	/*
	 * transformers' flash_attention_2 is the flash-attn package:
	 * "Ampere, Ada, or Hopper GPUs" (flash-attn README; its CUDA
	 * kernels are built for sm80 and up, so Turing and Volta (T4, V100)
	 * cannot run it).  On ROCm its composable_kernel backend covers
	 * MI200/MI250/MI300 (CDNA2/3) and its Triton backend CDNA and RDNA
	 * (flash-attn README, flash_attn_triton_amd/README.md): the
	 * profile's flash_attention capability says which.
	 */
	if (sc->runtime == MP_RT_TRANSFORMERS && sc->attn == MP_ATTN_FLASH2 &&
	    sc->mode != MP_MODE_CONVERT) {
		if (be == MP_BE_CUDA && d->cc != 0 && d->cc < 80) {
			put(buf, len, "FlashAttention-2 (flash-attn) needs "
			    "compute capability 8.0 or newer (Ampere, Ada, "
			    "Hopper); %s has %u.%u: use --attn sdpa", d->name,
			    d->cc / 10, d->cc % 10);
			return buf;
		}
		if ((be == MP_BE_CUDA || be == MP_BE_ROCM) && !d->flash_attn) {
			put(buf, len, "%s cannot run FlashAttention-2 "
			    "(flash-attn; the profile's flash_attention is "
			    "false): use --attn sdpa", d->name);
			return buf;
		}
	}
	/* bf16 compute (T4, V100 have none): transformers and vLLM. */
	if (!d->bf16 && sc->runtime != MP_RT_LLAMACPP &&
	    (sc->weights == MP_DT_BF16 || sc->amp == MP_DT_BF16)) {
		put(buf, len, "%s has no bf16 compute%s%u.%u%s: use fp16",
		    d->name, d->cc ? " (compute capability " : "",
		    d->cc / 10, d->cc % 10, d->cc ? ")" : "");
		if (d->cc == 0)
			put(buf, len, "%s has no bf16 compute: use fp16",
			    d->name);
		return buf;
	}
	return NULL;
}

const char *
mp_place_gate(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *sc, char *buf, size_t len)
{
	const struct mp_device	*d;
	enum mp_backend		 be = sc->backend;
	bool			 gpu;

	if (hw == NULL || sc->mode == MP_MODE_CONVERT)
		return NULL;
	d = mp_hardware_primary(hw);
	gpu = be == MP_BE_CUDA || be == MP_BE_ROCM;
	if (uses_bnb(m, sc) && !gpu) {
		put(buf, len, "bitsandbytes (%s) needs a CUDA or ROCm GPU; "
		    "%s runs %s", sc->mode == MP_MODE_QLORA ? "QLoRA's NF4 "
		    "base" : sc->optimizer == MP_OPT_ADAMW8BIT &&
		    is_training(sc) ? "8-bit AdamW" :
		    mp_dtype_info(sc->weights)->name, hw->name,
		    mp_backend_name(be));
		return buf;
	}
	if (sc->runtime == MP_RT_VLLM && sc->mode == MP_MODE_INFER && !gpu) {
		put(buf, len, "vLLM needs a CUDA or ROCm GPU; %s runs %s",
		    hw->name, mp_backend_name(be));
		return buf;
	}
	/* vLLM's own refusal (mp_vllm_refuses_fp16), on every card. */
	if (sc->runtime == MP_RT_VLLM && sc->mode == MP_MODE_INFER &&
	    mp_vllm_refuses_fp16(m) && mp_compute_dtype(m, sc) == MP_DT_F16) {
		put(buf, len, "vLLM refuses float16 for %s (numerical "
		    "instability): use bf16, or fp32 where the card has no "
		    "bf16", m->model_type);
		return buf;
	}
	if (sc->runtime == MP_RT_LLAMACPP && sc->mode == MP_MODE_INFER &&
	    be == MP_BE_CPU && sc->gpu_layers_set && sc->gpu_layers != 0) {
		put(buf, len, "%s has no GPU to offload layers to "
		    "(--gpu-layers 0 runs on the CPU)", hw->name);
		return buf;
	}
	/*
	 * FlashAttention-2 (flash-attn) runs on CUDA and ROCm GPUs only
	 * (transformers refuses it elsewhere: "Flash Attention 2 is not
	 * available on CPU"; no MPS build), and in fp16 or bf16: its
	 * kernels take no fp32 (flash_attn_func: "FlashAttention only
	 * support fp16 and bf16 data type"); fp32 weights need --amp.
	 */
	if (sc->runtime == MP_RT_TRANSFORMERS && sc->attn == MP_ATTN_FLASH2 &&
	    sc->mode != MP_MODE_CONVERT) {
		enum mp_dtype cd = mp_compute_dtype(m, sc);

		if (!gpu) {
			put(buf, len, "FlashAttention-2 (flash-attn) needs a "
			    "CUDA or ROCm GPU; %s runs %s: use --attn sdpa",
			    hw->name, mp_backend_name(be));
			return buf;
		}
		if (cd != MP_DT_F16 && cd != MP_DT_BF16) {
			put(buf, len, "FlashAttention-2 computes in fp16 or "
			    "bf16, not %s: use --amp bf16 (or fp16) or "
			    "--attn sdpa", mp_dtype_info(cd)->name);
			return buf;
		}
	}
	if (d == NULL || be == MP_BE_CPU)
		return NULL;
	/* Every GPU the scenario uses: on a mixed machine the weakest
	 * card decides what can run. */
	{
		const struct mp_device	*g[MP_MAX_GPUS];
		size_t			 n, k;

		n = mp_hardware_gpus(hw, g, MP_MAX_GPUS);
		if (n > MP_MAX_GPUS)
			n = MP_MAX_GPUS;
		if (sc->gpus > 0 && sc->gpus < n)
			n = sc->gpus;
		for (k = 0; k < n; k++)
			if (device_gate(g[k], sc, buf, len) != NULL)
				return buf;
		if (n == 0)
			return device_gate(d, sc, buf, len);
	}
	return NULL;
}

bool
mp_place(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *sc_in, struct mp_estimate *est,
    struct mp_judgement *j, struct mp_error *err)
{
	struct mp_scenario	 sc = *sc_in;
	const struct mp_device	*d;
	struct mp_note		 note;
	char			 why[200];
	uint64_t		 per, i, g;

	memset(j, 0, sizeof(*j));
	/* Only llama.cpp has block-quantized caches: a usage error on any
	 * machine. */
	if (sc.mode != MP_MODE_CONVERT && sc.runtime != MP_RT_LLAMACPP &&
	    quant_kv(sc.kv_dtype))
		return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
		    "%s has no %s KV cache (llama.cpp has): use fp16, bf16 or "
		    "fp8", mp_runtime_name(sc.runtime),
		    mp_dtype_info(sc.kv_dtype)->name);
	if (!mp_place_scenario(m, hw, &sc, &note, err))
		return false;
	if (!mp_estimate(m, &sc, est, err))
		return false;
	if (note.text[0] != '\0')
		mp_estimate_note_add(est, &note);
	d = hw != NULL ? mp_hardware_primary(hw) : NULL;
	/*
	 * vLLM sizes its KV pool from the card it runs on; over tensor
	 * parallel ranks of unequal cards every rank holds the same blocks,
	 * so the smallest card decides (vLLM takes the minimum of the
	 * workers' block counts).
	 */
	if (d != NULL && est->sc.runtime == MP_RT_VLLM &&
	    est->sc.mode == MP_MODE_INFER && gpu_count(hw, d) > 0 &&
	    smallest_gpu(hw, est->sc.gpus) > 0 &&
	    !mp_vllm_fill_pool(m, est, smallest_gpu(hw, est->sc.gpus), err))
		return false;
	/*
	 * transformers over several GPUs (device_map="auto", which
	 * accelerate balances): the layers and their cache spread evenly,
	 * and every GPU holds a CUDA context of its own.
	 */
	g = est->sc.gpus;
	if (est->sc.mode == MP_MODE_INFER &&
	    est->sc.runtime == MP_RT_TRANSFORMERS && g > 1 && !est->on_host &&
	    est->n_dev_bytes == 0) {
		const struct mp_device	*gl[MP_MAX_GPUS];
		uint64_t		 all = 0, k, body;

		/* accelerate's balanced map follows each GPU's memory. */
		k = mp_hardware_gpus(hw, gl, MP_MAX_GPUS);
		for (i = 0; i < g && i < k && i < MP_MAX_GPUS; i++)
			all = mp_adds(all, mp_device_usable(gl[i], hw));
		body = est->mem.total - est->mem.runtime;
		est->device_total = 0;
		for (i = 0; i < g; i++) {
			per = body / g;
			if (i < k && i < MP_MAX_GPUS && all > 0 && g <= k)
				per = (uint64_t)((double)body *
				    (double)mp_device_usable(gl[i], hw) /
				    (double)all);
			/* each card its own context (a mixed machine) */
			per = mp_adds(per, est->mem.runtime ==
			    mp_runtime_transformers(&est->sc) ?
			    mp_runtime_transformers_gpu(&est->sc,
			    (uint32_t)i) : est->mem.runtime);
			if (i < MP_MAX_GPUS)
				est->dev_bytes[i] = per;
			est->device_total = mp_adds(est->device_total, per);
		}
		est->n_dev_bytes = (uint32_t)(g < MP_MAX_GPUS ? g :
		    MP_MAX_GPUS);
		/* the layers in order, each GPU its share of the body (the
		 * speed of a mixed machine: each card runs its own) */
		{
			uint64_t cum = 0, done = 0, upto, sh;

			for (i = 0; i < est->n_dev_bytes; i++) {
				sh = mp_runtime_transformers_gpu(&est->sc,
				    (uint32_t)i);
				sh = est->dev_bytes[i] > sh ?
				    est->dev_bytes[i] - sh : 0;
				cum = mp_adds(cum, sh);
				upto = body == 0 ? 0 : (uint64_t)((double)
				    m->layers * (double)cum / (double)body +
				    0.5);
				if (upto > m->layers || i + 1 ==
				    est->n_dev_bytes)
					upto = m->layers;
				est->dev_layers[i] = (uint32_t)(upto > done ?
				    upto - done : 0);
				done = upto > done ? upto : done;
			}
		}
		mp_cuda_cards_note_torch(est, &est->sc, (uint32_t)g, false);
		mp_note_count(mp_estimate_note(est, "placement",
		    "placement.device_map", "device_map=\"auto\" balances "
		    "the layers over {gpus} GPUs; each holds a CUDA context"),
		    "gpus", g);
	}
	/* FP8 weights without FP8 tensor cores: vLLM's weight-only path. */
	if (d != NULL && est->sc.runtime == MP_RT_VLLM &&
	    est->sc.weights == MP_DT_F8_E4M3 && !d->fp8 &&
	    d->backend == MP_BE_CUDA && d->cc >= 75)
		mp_estimate_note(est, "placement", "place.fp8_marlin",
		    "%s has no FP8 tensor "
		    "cores: vLLM runs the FP8 weights weight-only (W8A16, FP8 "
		    "Marlin), activations in %s", d->name,
		    mp_compute_dtype(m, &est->sc) == MP_DT_F32 ? "fp32" :
		    mp_compute_dtype(m, &est->sc) == MP_DT_F16 ? "fp16" :
		    "bf16");
	if (hw == NULL) {
		j->judged = est->mem.total;
		j->fits = true;
		j->verdict = MP_VERDICT_FITS;
	} else {
		mp_hardware_judge_ex(hw, est, j);
		if (est->disk_total > 0 && !j->disk.judged)
			mp_estimate_note(est, "placement",
			    "placement.disk_unjudged", "disk not in the "
			    "profile: NVMe bytes not judged");
	}
	if (mp_place_gate(m, hw, &est->sc, why, sizeof(why)) != NULL) {
		j->verdict = MP_VERDICT_UNSUPPORTED;
		j->fits = false;
		put(j->reason, sizeof(j->reason), "%s", why);
	}
	return true;
}

uint32_t
mp_judgement_node(const struct mp_judgement *j, size_t i)
{
	size_t remote;

	if (j->nodes <= 1 || j->node_gpus == 0)
		return 1;
	remote = (size_t)(j->nodes - 1) * j->node_gpus;
	return i >= remote ? 1 : (uint32_t)(2 + i / j->node_gpus);
}

/* The verdict's name in every report (plan, policy, renderers). */
const char *
mp_verdict_name(enum mp_verdict v)
{
	switch (v) {
	case MP_VERDICT_FITS:
		return "fits";
	case MP_VERDICT_TIGHT:
		return "tight";
	case MP_VERDICT_UNSUPPORTED:
		return "unsupported";
	default:
		return "no";
	}
}
