/* convert.c: host memory and disk of model conversion pipelines */
/* SPDX-License-Identifier: MIT */
/*
 * Each pipeline is replayed as a sequence of moments, one or two per
 * tensor and per step: at each moment the process holds some anonymous
 * memory (heap, torch and numpy buffers: it must fit in RAM + swap) and
 * some file-backed pages (mmap'd checkpoints and shared libraries: the
 * kernel can drop them again).  A step's peaks are the maxima over its
 * moments, and the resident peak (host_total) is the largest
 * anon + file of one moment, which is less than the sum of the two
 * maxima when they happen at different times.
 *
 * The mechanisms come from the tools' sources:
 * - transformers modeling_utils.py from_pretrained / save_pretrained
 *   (v4: float32 unless torch_dtype is given, max_shard_size "5GB";
 *   v5: the checkpoint dtype, "50GB");
 * - safetensors bindings/python/src/lib.rs: safe_open for PyTorch maps the
 *   file with UntypedStorage.from_file(shared=False), so get_tensor()
 *   returns a view of file-backed pages; py_src/safetensors/torch.py:
 *   before 0.8 save_file() copies every tensor of a shard into bytes
 *   (_tobytes), from 0.8 it writes from the tensors' pointers
 *   (_flatten_as_ptr);
 * - llama.cpp convert_hf_to_gguf.py (conversion/base.py prepare_tensors,
 *   gguf-py/gguf/utility.py SafetensorsLocal, gguf/quants.py) and
 *   src/llama-quant.cpp;
 * - optimum-intel optimum/exporters/openvino/__main__.py and convert.py;
 * - llama2.c export.py (load_hf_model, quantize_q80, serialize_int8).
 * The constants were measured (groundtruth/conversion.md and
 * conversion-llamacpp.jsonl); each says where it comes from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Python 3.11 + PyTorch 2.11 + transformers 5 + safetensors, imported:
 * 0.80 GB resident, of which 0.46 GB anonymous (interpreter heap,
 * PyTorch's CPU allocator state, module objects) and 0.34 GB file-backed
 * (libtorch_cpu.so and the other shared libraries).  The split is the
 * measured stream_copy row: 0.93 GB anonymous is exactly this baseline
 * plus the one 0.467 GB tobytes() copy of the embedding.
 */
#define PY_ANON		463000000ull
#define PY_FILE		337000000ull
/*
 * The same for convert_hf_to_gguf.py (Python 3.11, Debian's torch 1.13,
 * numpy, gguf-py): 0.146 GB anonymous and 0.120 GB file-backed, what is
 * left of the measured rows for Qwen2.5-1.5B and -7B after the per-tensor
 * terms below (both models give the same figures to 1 MB).
 */
#define CONV_ANON	146000000ull
#define CONV_FILE	120000000ull
/* llama-quantize itself: the measured Q8_0 row less its two buffers. */
#define QUANT_ANON	22000000ull
#define QUANT_FILE	10000000ull
/*
 * OpenVINO runtime + nncf + optimum imported on top of transformers:
 * not measured; the size of libopenvino*.so and its plugin registry.
 */
#define OV_ANON		300000000ull
#define OV_FILE		150000000ull
/*
 * A page fault on a mapped file reads ahead (the kernel's fault-around
 * and read-ahead window): touching one element of a mapped tensor makes
 * about this much of it resident (load_bf16: 0.86 GB with 338 tensors
 * touched once each).
 */
#define READAHEAD	(128ull << 10)
/* transformers 4.x save_pretrained(max_shard_size="5GB"). */
#define SHARD_V4	5000000000ull
/*
 * llama2.c export.py per element of one weight, measured with the
 * kernel's VmHWM (tests/groundtruth/conversion.jsonl, Debian's Python
 * 3.11 + torch 1.13 + numpy 1.24, a 32000 x 4096 float32 weight):
 * quantize_q80() 17.1 bytes, serialize_int8() 49.1 bytes (one numpy
 * scalar object and one tuple slot per element for struct.pack(*d), the
 * astype copy and the packed bytes), serialize_fp32() 48.0 bytes.
 */
#define L2C_QUANT	17.1
#define L2C_SER_I8	49.1
#define L2C_SER_F32	48.0
/* llama2.c export.py version 2: Q8_0 groups of 64 with an fp32 scale. */
#define L2C_GROUP	64u

enum pl {
	PL_HF_FULL, PL_HF_LOWMEM, PL_HF_CAST_SAVE, PL_STREAMING,
	PL_LLAMACPP, PL_LLAMACPP_NO_LAZY, PL_OPENVINO,
	PL_L2C_STANDARD, PL_L2C_MEM_EFFICIENT, PL_L2C_LOW, PL_L2C_ULTRA_LOW
};

/*
 * The pipelines, their properties for the planner (mp_convert_pipeline_info)
 * and the one line it says about each.  low_memory: the pipeline holds
 * smaller pieces at a time than the checkpoint and pays for it in time.
 * output: what it writes (plan recommends one pipeline per output).
 */
#define OUT_HF	"Hugging Face safetensors"
#define OUT_L2C	"llama2.c model file"
static const struct {
	enum pl				 pl;
	struct mp_pipeline_info		 info;
} pipelines[] = {
	{ PL_HF_FULL, { "hf-full", false, OUT_HF,
	  "one pass over the checkpoint" } },
	{ PL_HF_LOWMEM, { "hf-lowmem", true, OUT_HF,
	  "trades time for memory: smaller pieces at a time" } },
	{ PL_HF_CAST_SAVE, { "hf-cast-save", false, OUT_HF,
	  "one pass over the checkpoint" } },
	{ PL_STREAMING, { "streaming", true, "raw tensors (streamed)",
	  "trades time for memory: smaller pieces at a time" } },
	{ PL_LLAMACPP, { "llamacpp", false, "GGUF",
	  "one pass over the checkpoint" } },
	{ PL_LLAMACPP_NO_LAZY, { "llamacpp-no-lazy", false, "GGUF",
	  "convert_hf_to_gguf.py --no-lazy: every tensor held until "
	  "written" } },
	{ PL_OPENVINO, { "openvino", false, "OpenVINO IR",
	  "one pass over the checkpoint" } },
	{ PL_L2C_STANDARD, { "llama2c-standard", false, OUT_L2C,
	  "one pass over the checkpoint" } },
	{ PL_L2C_MEM_EFFICIENT, { "llama2c-mem-efficient", true, OUT_L2C,
	  "trades time for memory: smaller pieces at a time" } },
	{ PL_L2C_LOW, { "llama2c-low", true, OUT_L2C,
	  "trades time for memory: smaller pieces at a time" } },
	{ PL_L2C_ULTRA_LOW, { "llama2c-ultra-low", true, OUT_L2C,
	  "trades time for memory: smaller pieces at a time" } },
};

#define NPIPELINES	(sizeof(pipelines) / sizeof(pipelines[0]))

/* "hf-full, hf-lowmem, ..." for messages. */
static const char *
known_pipelines(char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < NPIPELINES && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i ? ", " : "", pipelines[i].info.name);
	return buf;
}

/* One tensor of the source checkpoint. */
struct ft {
	const struct mp_tensor	*t;
	uint64_t		 n;	/* elements */
	uint64_t		 src;	/* bytes in the safetensors file */
	uint64_t		 unit;	/* elements read at once by streaming */
	uint32_t		 shard;
};

struct cv {
	const struct mp_model	*m;
	struct mp_estimate	*est;
	struct ft		*ft;	/* checkpoint tensors, file order */
	size_t			 nft;
	enum mp_dtype		 src_dt;	/* checkpoint float type */
	struct mp_scenario	 src_sc;	/* pre-quantized storage, or NONE */
	enum mp_dtype		 dst_dt;	/* target format */
	char			 target[16];	/* its name: "q4_k_m", "bf16" */
	bool			 explicit_target;
	uint64_t		 src_bytes;	/* all checkpoint tensors */
	uint64_t		 elems;		/* their elements */
	uint64_t		 max_n;		/* largest tensor, elements */
	uint64_t		 max_shard;	/* largest shard, bytes */
	struct mp_convert_step	*st;	/* the step being replayed */
	uint64_t		 rss;	/* peak anon + file of one moment */
	bool			 gguf_noted;	/* the fallback note is out */
};

/* n elements times a fractional number of bytes. */
static uint64_t
fbytes(uint64_t n, double per)
{
	return mp_round((double)n * per);
}

/* A note carrying one size as {key}: the renderer picks the units. */
static void
note1(struct mp_estimate *est, const char *what, const char *id,
    const char *tmpl, const char *key, uint64_t v)
{
	mp_note_size(mp_estimate_note(est, what, id, "%s", tmpl), key, v);
}

/* ... and two. */
static void
note2(struct mp_note *n, const char *k1, uint64_t v1, const char *k2,
    uint64_t v2)
{
	mp_note_size(n, k1, v1);
	mp_note_size(n, k2, v2);
}

/* ---------------------------------------------------------------------- */
/* Steps and moments */

static bool
step_begin(struct cv *c, const char *name, struct mp_error *err)
{
	struct mp_convert *cv = &c->est->conv;

	if (cv->n_steps >= MP_MAX_STEPS)
		return mp_error_set(err, MP_ERANGE, NULL, NULL,
		    "more than %d conversion steps", MP_MAX_STEPS);
	c->st = &cv->steps[cv->n_steps++];
	memset(c->st, 0, sizeof(*c->st));
	snprintf(c->st->name, sizeof(c->st->name), "%s", name);
	return true;
}

/* The process holds anon + file bytes at one instant of the step. */
static void
moment(struct cv *c, uint64_t anon, uint64_t file)
{
	c->st->peak_anon = mp_umax(c->st->peak_anon, anon);
	c->st->peak_file = mp_umax(c->st->peak_file, file);
	c->rss = mp_umax(c->rss, mp_adds(anon, file));
}

static void
step_end(struct cv *c, uint64_t disk_write)
{
	struct mp_convert *cv = &c->est->conv;

	c->st->disk_write = disk_write;
	cv->peak_anon = mp_umax(cv->peak_anon, c->st->peak_anon);
	cv->peak_file = mp_umax(cv->peak_file, c->st->peak_file);
}

/* A step with one moment: anon + file held while it writes disk_write. */
static bool
step1(struct cv *c, const char *name, uint64_t anon, uint64_t file,
    uint64_t disk_write, struct mp_error *err)
{
	if (!step_begin(c, name, err))
		return false;
	moment(c, anon, file);
	step_end(c, disk_write);
	return true;
}

/*
 * safe_open maps one shard at a time and its pages stay until it is
 * closed: what is mapped once tensor i is read, from mapped before it.
 */
static uint64_t
mapped_after(const struct cv *c, size_t i, uint64_t mapped)
{
	if (i > 0 && c->ft[i].shard != c->ft[i - 1].shard)
		mapped = 0;
	return mp_adds(mapped, c->ft[i].src);
}

/* ---------------------------------------------------------------------- */
/* The checkpoint */

static bool
is_float(enum mp_dtype dt)
{
	return dt == MP_DT_F32 || dt == MP_DT_F16 || dt == MP_DT_BF16;
}

static uint32_t
fsize(enum mp_dtype dt)
{
	return dt == MP_DT_F32 ? 4 : 2;
}

static int
cmp_name(const void *a, const void *b)
{
	const struct ft *x = a, *y = b;

	if (x->shard != y->shard)
		return x->shard < y->shard ? -1 : 1;
	return strcmp(x->t->name, y->t->name);
}

/*
 * The tensors of the safetensors checkpoint.  Registered buffers are not
 * saved.  save_pretrained fills shards in state-dict order up to
 * max_shard_size (5 GB, what most published checkpoints used); inside a
 * shard the safetensors header lists tensors sorted by name, which is
 * the order safe_open().keys() and the converter's reader return them.
 */
static bool
load_tensors(struct cv *c, struct mp_error *err)
{
	const struct mp_model *m = c->m;
	uint64_t shard_fill = 0, bytes;
	uint32_t shard = 0;
	size_t i;

	c->ft = calloc(m->n_tensors ? m->n_tensors : 1, sizeof(*c->ft));
	if (c->ft == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];
		struct ft *f;

		if (t->flags & MP_TF_BUFFER)
			continue;
		f = &c->ft[c->nft++];
		f->t = t;
		f->n = mp_tensor_numel(t);
		/*
		 * A pre-quantized checkpoint (MXFP4, FP8, GPTQ/AWQ) stores
		 * its quantized Linear weights as weights.c sizes them.
		 */
		if (c->src_sc.weights != MP_DT_NONE)
			bytes = mp_tensor_bytes(m, t, &c->src_sc);
		else
			bytes = mp_muls(f->n, (t->flags & MP_TF_F32) ? 4 :
			    fsize(c->src_dt));
		f->src = bytes;
		/*
		 * Published MoE checkpoints store one tensor per expert
		 * (mlp.experts.N.*); pre-quantized ones keep the stack.
		 */
		f->unit = f->n;
		if ((t->flags & MP_TF_EXPERTS) && t->ndim == 3 &&
		    t->dims[0] > 1 && c->src_sc.weights == MP_DT_NONE)
			f->unit = f->n / t->dims[0];
		if (shard_fill > 0 && mp_adds(shard_fill, bytes) > SHARD_V4) {
			shard++;
			shard_fill = 0;
		}
		shard_fill = mp_adds(shard_fill, bytes);
		f->shard = shard;
		c->max_shard = mp_umax(c->max_shard, shard_fill);
		c->src_bytes = mp_adds(c->src_bytes, bytes);
		c->elems = mp_adds(c->elems, f->n);
		c->max_n = mp_umax(c->max_n, f->n);
	}
	if (c->nft == 0)
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "the model has no weight tensors to convert");
	qsort(c->ft, c->nft, sizeof(*c->ft), cmp_name);
	return true;
}

/* Bytes of all checkpoint tensors stored as dt (F32-pinned ones stay). */
static uint64_t
model_bytes(const struct cv *c, enum mp_dtype dt)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < c->nft; i++)
		sum = mp_adds(sum, (c->ft[i].t->flags & MP_TF_F32) ?
		    mp_muls(c->ft[i].n, 4) : mp_muls(c->ft[i].n, fsize(dt)));
	return sum;
}

/* A matrix a blockwise quantizer can take (the measuring script's test). */
static bool
quantizable(const struct ft *f)
{
	return f->t->ndim >= 2 && f->n % 32 == 0 &&
	    !(f->t->flags & MP_TF_F32);
}

/* ---------------------------------------------------------------------- */
/* GGUF sizes */

struct gguf_sz {
	uint64_t	 bytes;		/* all tensor data */
	uint64_t	 max_q;		/* largest tensor llama-quantize converts */
	bool		 fallback;	/* gguf_quant.c could not lay it out */
};

/*
 * The tensor data of the GGUF that llama.cpp writes for ftype
 * (gguf_quant.c), and the largest tensor whose type changes from the
 * converter's float file (those llama-quantize dequantizes and quantizes).
 * When gguf_quant.c has no layout for the architecture, a flat
 * bits-per-weight over the matrices is used instead, and a note says so.
 */
static void
gguf_size(struct cv *c, const char *ftype, enum mp_dtype from,
    struct gguf_sz *out)
{
	struct mp_gguf_tensor *q = NULL, *f = NULL;
	struct mp_error e;
	size_t nq = 0, nf = 0, i;
	const char *fname = from == MP_DT_F16 ? "f16" :
	    from == MP_DT_F32 ? "f32" : "bf16";

	memset(out, 0, sizeof(*out));
	mp_error_clear(&e);
	if (mp_gguf_tensors(c->m, ftype, &q, &nq, &e) &&
	    mp_gguf_tensors(c->m, fname, &f, &nf, &e) && nf == nq) {
		for (i = 0; i < nq; i++) {
			out->bytes = mp_adds(out->bytes, q[i].bytes);
			if (q[i].type != f[i].type)
				out->max_q = mp_umax(out->max_q, mp_muls(q[i].ne[0],
				    mp_muls(q[i].ne[1], q[i].ne[2])));
		}
	} else {
		bool published;
		double bpw = mp_gguf_ftype_bpw(ftype, &published);

		out->fallback = true;
		for (i = 0; i < c->nft; i++) {
			const struct ft *t = &c->ft[i];

			if (t->t->ndim >= 2 && !(t->t->flags & MP_TF_F32)) {
				out->bytes = mp_adds(out->bytes,
				    fbytes(t->n, bpw / 8));
				if (!is_float(mp_dtype_parse(ftype)) ||
				    mp_dtype_parse(ftype) != from)
					out->max_q = mp_umax(out->max_q, t->n);
			} else {
				out->bytes = mp_adds(out->bytes,
				    mp_muls(t->n, 4));
			}
		}
	}
	free(q);
	free(f);
	if (out->fallback && !c->gguf_noted) {
		bool published;
		double bpw = mp_gguf_ftype_bpw(ftype, &published);

		c->gguf_noted = true;
		mp_note_number(mp_estimate_note(c->est, "gguf",
		    "convert.gguf_flat_bits",
		    "no GGUF "
		    "tensor layout for %s: GGUF sizes at flat bits per matrix "
		    "weight (%s {bpw}, %s)", c->m->arch[0] ? c->m->arch :
		    "this model", ftype, published ? "llama.cpp's published "
		    "Llama 2 7B figure" : "its default type's blocks"), "bpw",
		    bpw, 2);
	}
}

/* ---------------------------------------------------------------------- */
/* transformers: hf-full, hf-lowmem, hf-cast-save */

/*
 * What safetensors < 0.8 save_file() adds while writing one shard: the
 * bytes copy of every tensor in it (torch.py _tobytes -> tobytes()),
 * alive until serialize_file() returns.  A shard is at most
 * max_shard_size, or one tensor when a single tensor is larger.
 */
static uint64_t
serializer_copy(uint64_t out_bytes, uint64_t max_tensor)
{
	return mp_umin(out_bytes, mp_umax(SHARD_V4, max_tensor));
}

static bool
pl_hf(struct cv *c, enum pl pl, struct mp_error *err)
{
	enum mp_dtype dst = c->dst_dt;
	uint64_t out = model_bytes(c, dst);
	uint64_t out_max = mp_muls(c->max_n, fsize(dst));
	uint64_t fp32 = model_bytes(c, MP_DT_F32);
	uint64_t touched = mp_adds(PY_FILE, mp_muls(c->nft, READAHEAD));
	uint64_t copy;

	if (!is_float(dst))
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "%s writes safetensors in f32, f16 or bf16, not %s",
		    pipelines[pl].info.name, c->target);
	switch (pl) {
	case PL_HF_FULL:
		/*
		 * transformers 4.x from_pretrained() without torch_dtype
		 * builds the model in float32 (random init, then every
		 * tensor copied from the mmap'd checkpoint): 4 bytes per
		 * parameter anonymous, on top of every source page read.
		 */
		if (!step1(c, "load", mp_adds(PY_ANON, fp32), mp_adds(PY_FILE,
		    c->src_bytes), 0, err))
			return false;
		note1(c->est, "load", "convert.load_fp32",
		    "from_pretrained() without torch_dtype: "
		    "transformers < 5 builds float32 ({fp32} anonymous); "
		    "transformers >= 5 keeps the checkpoint dtype (see "
		    "hf-lowmem)", "fp32", fp32);
		/*
		 * model.to(dtype) replaces one parameter at a time: the new
		 * tensor exists next to the old one, then the old is freed.
		 * save_pretrained then writes shard by shard; the source
		 * mapping is gone (every tensor was copied out of it).
		 */
		if (!step_begin(c, "save", err))
			return false;
		if (dst != MP_DT_F32)
			moment(c, mp_adds(mp_adds(PY_ANON, fp32), out_max),
			    PY_FILE);
		copy = serializer_copy(out, out_max);
		moment(c, mp_adds(mp_adds(PY_ANON, out), copy), PY_FILE);
		step_end(c, out);
		mp_note_size(mp_estimate_note(c->est, "save",
		    "convert.save_copy",
		    "%s"
		    "save_pretrained(): safetensors < 0.8 copies each shard "
		    "(max_shard_size 5GB) into bytes before writing: +{copy}",
		    dst != MP_DT_F32 ? "model.to(dtype), one parameter at a "
		    "time, then " : ""), "copy", copy);
		break;
	case PL_HF_LOWMEM:
		/*
		 * low_cpu_mem_usage / meta-device loading (the default of
		 * transformers >= 5): parameters are materialised straight
		 * from the checkpoint.  In the checkpoint dtype they stay
		 * views of the mmap'd file, and only touched pages are
		 * resident; in another dtype each tensor is cast on load,
		 * reading every source page.
		 */
		if (!step_begin(c, "load", err))
			return false;
		if (dst == c->src_dt) {
			moment(c, PY_ANON, touched);
			mp_estimate_note(c->est, "load", "convert.load_mapped",
			    "from_pretrained("
			    "dtype=%s) maps the safetensors: parameters are "
			    "file-backed views, resident only as pages are "
			    "touched", c->target);
		} else {
			moment(c, mp_adds(PY_ANON, out), mp_adds(PY_FILE,
			    c->src_bytes));
			note2(mp_estimate_note(c->est, "load",
			    "convert.load_cast",
			    "from_pretrained(dtype=%s) casts every tensor as "
			    "it loads it: {cast} anonymous next to the mapped "
			    "{source} source", c->target), "cast", out,
			    "source", c->src_bytes);
		}
		step_end(c, 0);
		/*
		 * safetensors >= 0.8 save_file() writes from the tensors'
		 * pointers (_flatten_as_ptr): no copy.  Writing mapped
		 * parameters reads all of their pages.
		 */
		if (!step_begin(c, "save", err))
			return false;
		if (dst == c->src_dt)
			moment(c, PY_ANON, mp_adds(PY_FILE, c->src_bytes));
		else
			moment(c, mp_adds(PY_ANON, out), PY_FILE);
		step_end(c, out);
		mp_estimate_note(c->est, "save", "convert.save_direct",
		    "save_pretrained() with "
		    "safetensors >= 0.8 writes from the tensors' memory, no "
		    "copy; output through the page cache");
		break;
	default:
		/*
		 * hf-cast-save: load in the checkpoint dtype (mapped), cast
		 * with model.to()/.half() (every parameter becomes an
		 * anonymous tensor; the mapping of a shard lives until its
		 * last view is replaced), then save_pretrained with the
		 * serializer copies of safetensors < 0.8.
		 */
		if (!step1(c, "load", PY_ANON, touched, 0, err))
			return false;
		mp_estimate_note(c->est, "load", "convert.load_native",
		    "from_pretrained() in the "
		    "checkpoint dtype maps the safetensors (file-backed "
		    "views)");
		if (dst != c->src_dt) {
			if (!step1(c, "convert", mp_adds(PY_ANON, out),
			    mp_adds(PY_FILE, c->src_bytes), 0, err))
				return false;
			note2(mp_estimate_note(c->est, "convert",
			    "convert.cast_copy",
			    "model.to("
			    "%s): a {copy} anonymous copy while the {source} "
			    "source is still mapped", c->target), "copy", out,
			    "source", c->src_bytes);
		}
		if (!step_begin(c, "save", err))
			return false;
		copy = serializer_copy(out, out_max);
		if (dst != c->src_dt)
			moment(c, mp_adds(mp_adds(PY_ANON, out), copy),
			    PY_FILE);
		else
			moment(c, mp_adds(PY_ANON, copy), mp_adds(PY_FILE,
			    c->src_bytes));
		step_end(c, out);
		note1(c->est, "save", "convert.save_copy",
		    "save_pretrained(): safetensors < 0.8 "
		    "copies each shard (5GB) into bytes: +{copy}; from 0.8 it "
		    "writes without a copy", "copy", copy);
		break;
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* streaming: safe_open, one tensor at a time */

/*
 * The measured reference (groundtruth/convert_measure.py stream_*):
 * x = safe_open().get_tensor(k) is a view of the mapped file; a matrix
 * is quantized to int8 in blocks of 32 through b = x.float() (a 4-byte
 * copy, none when the source is already float32), then (b / sc) and its
 * .round() (4 bytes each, alive together with b); everything else is
 * written with x...numpy().tobytes(), one copy of the tensor, after a
 * .to(dtype) copy when the target float type differs.
 */
static uint64_t
stream_work(const struct cv *c, const struct ft *f, bool quant,
    uint64_t *out)
{
	uint64_t per = f->n ? f->src / f->n : 0;	/* bytes per element */

	if (quant && quantizable(f)) {
		*out = mp_adds(f->n, mp_muls(f->n / 32, 2));
		return mp_muls(f->unit, c->src_dt == MP_DT_F32 ? 8 : 12);
	}
	if (!quant && c->dst_dt != c->src_dt && !(f->t->flags & MP_TF_F32)) {
		*out = mp_muls(f->n, fsize(c->dst_dt));
		return mp_muls(f->unit, 2 * fsize(c->dst_dt));
	}
	*out = f->src;
	return per ? mp_muls(f->unit, per) : f->src;
}

static bool
pl_streaming(struct cv *c, struct mp_error *err)
{
	bool quant;
	uint64_t mapped = 0, out = 0, o, w, worst = 0;
	const struct ft *big = NULL;
	size_t i;

	if (c->dst_dt == MP_DT_INT8 || c->dst_dt == MP_DT_Q8_0)
		quant = true;
	else if (is_float(c->dst_dt))
		quant = false;
	else
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "streaming writes f32, f16, bf16 or int8 (q8_0), not %s",
		    c->target);
	if (!step_begin(c, quant ? "quantize" : "convert", err))
		return false;
	for (i = 0; i < c->nft; i++) {
		const struct ft *f = &c->ft[i];

		mapped = mapped_after(c, i, mapped);
		w = stream_work(c, f, quant, &o);
		out = mp_adds(out, o);
		if (w > worst) {
			worst = w;
			big = f;
		}
		moment(c, mp_adds(PY_ANON, w), mp_adds(PY_FILE, mapped));
	}
	step_end(c, out);
	mp_note_size(mp_estimate_note(c->est, c->st->name,
	    "convert.stream_peak",
	    "one tensor at a "
	    "time from the mapped file; the peak is the largest tensor's "
	    "temporaries: {peak} for %s%s", big ? big->t->name : "?",
	    quant ? " (float32 copy + 2 float32 temporaries)" : ""), "peak",
	    worst);
	note1(c->est, "file", "convert.shard_pages",
	    "source pages of the open shard (up to "
	    "{shard}) stay mapped and count as file-backed until it is "
	    "closed; the kernel can reclaim them", "shard", c->max_shard);
	if (quant)
		note1(c->est, "chunked", "convert.chunked",
		    "quantizing rows in chunks instead of "
		    "whole tensors would bound this to the int8 output of one "
		    "tensor ({int8})", "int8", c->max_n);
	return true;
}

/* ---------------------------------------------------------------------- */
/* llama.cpp: convert_hf_to_gguf.py, then llama-quantize */

/* The converter's --outtype for a target; quantized targets go via float. */
static enum mp_dtype
conv_outtype(const struct cv *c)
{
	if (is_float(c->dst_dt))
		return c->dst_dt;
	/* --outtype auto: bf16 for a bf16 checkpoint, else f16. */
	return c->src_dt == MP_DT_BF16 ? MP_DT_BF16 : MP_DT_F16;
}

/*
 * One tensor through prepare_tensors() and gguf.quants.quantize():
 * the source is a per-tensor np.memmap (SafetensorsLocal.mmap_bytes,
 * unmapped when the tensor is dropped); a dtype other than f16/f32 is
 * first cast to float32 (data_torch.to(torch.float32)); BF16 and Q8_0
 * output go through _apply_over_grouped_rows(), which holds the list of
 * every group's result and the concatenated output at once (2x the
 * output); F16 output is one astype() copy, F32 none for f32 input.
 * (--outtype q8_0 exists too; memplan routes every quantized target
 * through a float GGUF and llama-quantize, the usual workflow.)
 */
static void
conv_tensor(const struct cv *c, const struct ft *f, enum mp_dtype ot,
    uint64_t *in_copy, uint64_t *work, uint64_t *out)
{
	enum mp_dtype sdt = (f->t->flags & MP_TF_F32) ? MP_DT_F32 : c->src_dt;
	bool vec = f->t->ndim < 2 || (f->t->flags & MP_TF_F32) ||
	    f->t->kind == MP_TK_NORM;

	*in_copy = (sdt == MP_DT_F16 || sdt == MP_DT_F32) ? 0 :
	    mp_muls(f->n, 4);
	if (vec || ot == MP_DT_F32) {
		/* 1-D tensors and norms are written as F32. */
		*out = mp_muls(f->n, 4);
		*work = (sdt == MP_DT_F32 || *in_copy) ? 0 : *out;
	} else if (ot == MP_DT_F16) {
		*out = mp_muls(f->n, 2);
		*work = sdt == MP_DT_F16 ? 0 : *out;
	} else {
		*out = mp_muls(f->n, 2);	/* BF16 */
		*work = mp_muls(*out, 2);
	}
}

static bool
pl_llamacpp(struct cv *c, bool lazy, struct mp_error *err)
{
	enum mp_dtype ot = conv_outtype(c);
	const char *otn = mp_dtype_info(ot)->name;
	uint64_t acc = 0, in, w, o, worst = 0, file_t;
	struct gguf_sz conv, q;
	const char *ftn;
	size_t i;

	if (!is_float(c->dst_dt) && !mp_gguf_ftype_known(c->target))
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "llama.cpp writes GGUF types (f16, bf16, q8_0, q4_k_m, "
		    "...), not %s", c->target);
	gguf_size(c, otn, ot, &conv);
	if (!step_begin(c, "convert", err))
		return false;
	for (i = 0; i < c->nft; i++) {
		const struct ft *f = &c->ft[i];

		/* A vision tower goes to a separate --mmproj run. */
		if (f->t->flags & MP_TF_VISION)
			continue;
		conv_tensor(c, f, ot, &in, &w, &o);
		/* Reading: the mapped source and the float32 cast. */
		moment(c, mp_adds(mp_adds(CONV_ANON, acc), in),
		    mp_adds(CONV_FILE, f->src));
		/*
		 * Quantizing: the cast, the group results and the output;
		 * without a cast the input is still the mapped source.
		 */
		file_t = in ? CONV_FILE : mp_adds(CONV_FILE, f->src);
		moment(c, mp_adds(mp_adds(CONV_ANON, acc), mp_adds(in, w)),
		    file_t);
		worst = mp_umax(worst, mp_adds(in, w));
		/* --no-lazy keeps every converted tensor until writing. */
		if (!lazy)
			acc = mp_adds(acc, o);
	}
	step_end(c, conv.bytes);
	if (lazy)
		mp_note_size(mp_estimate_note(c->est, "convert", "convert.lazy",
		    "lazy "
		    "(default): each tensor is materialised while writing; "
		    "peak = largest tensor's float32 cast + %s grouped output: "
		    "{peak}", otn), "peak", worst);
	else
		note2(mp_estimate_note(c->est, "convert", "convert.no_lazy",
		    "--no-lazy keeps "
		    "every converted tensor ({kept}) until the file is "
		    "written; --use-temp-file spills them to a temporary file "
		    "instead (peak as lazy, +{disk} temporary disk)"), "kept",
		    acc, "disk", conv.bytes);
	if (is_float(c->dst_dt)) {
		c->est->conv.disk_out = conv.bytes;
		return true;
	}

	/*
	 * llama-quantize maps its input GGUF (every page is read once) and
	 * writes the output sequentially.  Per tensor it dequantizes to
	 * float32 into f32_conv_buf (4 bytes/element, unless the input is
	 * F32) and quantizes into `work`, resized to nelements * 4 (an upper
	 * bound on any output); both vectors only grow, so they end at the
	 * size of the largest converted tensor.  Worker threads share them.
	 */
	ftn = c->target;
	gguf_size(c, ftn, ot, &q);
	if (!step_begin(c, "quantize", err))
		return false;
	w = mp_adds(mp_muls(q.max_q, ot == MP_DT_F32 ? 0 : 4),
	    mp_muls(q.max_q, 4));
	moment(c, mp_adds(QUANT_ANON, w), QUANT_FILE);
	moment(c, mp_adds(QUANT_ANON, w), mp_adds(QUANT_FILE, conv.bytes));
	step_end(c, q.bytes);
	note2(mp_estimate_note(c->est, "quantize", "convert.quantize",
	    "llama-quantize maps the "
	    "%s GGUF ({gguf}, file-backed) and holds a float32 buffer and a "
	    "work buffer of the largest tensor: {buffers}", otn), "gguf",
	    conv.bytes, "buffers", w);
	c->est->conv.disk_out = q.bytes;
	c->est->conv.disk_tmp = conv.bytes;
	return true;
}

/* ---------------------------------------------------------------------- */
/* OpenVINO: optimum-cli export openvino */

enum ovc { OV_NONE, OV_INT8, OV_INT4 };

/* Bytes of the compressed weights nncf writes. */
static uint64_t
ov_compressed(const struct cv *c, enum ovc mode)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < c->nft; i++) {
		const struct ft *f = &c->ft[i];
		bool mat = f->t->ndim >= 2 && !(f->t->flags & MP_TF_F32);
		bool edge = f->t->kind == MP_TK_EMBED ||
		    f->t->kind == MP_TK_OUTPUT;

		if (!mat)
			sum = mp_adds(sum, f->src);
		else if (mode == OV_INT4 && !edge)
			/* int4 asym, group 128: f16 scale + u4 zero point. */
			sum = mp_adds(sum, fbytes(f->n, 0.5 + 2.5 / 128));
		else
			/* int8 asym per output channel (and int4's backup). */
			sum = mp_adds(sum, mp_adds(f->n,
			    mp_muls(f->t->dims[0], 3)));
	}
	return sum;
}

static bool
pl_openvino(struct cv *c, struct mp_error *err)
{
	enum ovc mode;
	uint64_t base_a = mp_adds(PY_ANON, OV_ANON);
	uint64_t base_f = mp_adds(PY_FILE, OV_FILE);
	uint64_t ir, cw, tmp, inmem;

	switch (c->dst_dt) {
	case MP_DT_INT8:
	case MP_DT_Q8_0:
		mode = OV_INT8;
		break;
	case MP_DT_INT4_GPTQ:
	case MP_DT_INT4_AWQ:
	case MP_DT_NF4:
	case MP_DT_Q4_0:
	case MP_DT_Q4_K:
		mode = OV_INT4;
		break;
	case MP_DT_F32:
	case MP_DT_F16:
	case MP_DT_BF16:
		/*
		 * Without --weight-format, optimum-intel compresses models
		 * of 1B parameters or more to int8_asym
		 * (_apply_model_size_based_quantization).
		 */
		mode = (!c->explicit_target && c->elems >= 1000000000ull) ?
		    OV_INT8 : OV_NONE;
		break;
	default:
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "openvino writes f32, f16, bf16, int8 or int4 (nf4, q4_0, "
		    "q4_k_m as int4), not %s", c->target);
	}
	ir = c->src_bytes;
	if (mode == OV_NONE && c->dst_dt == MP_DT_F32)
		ir = model_bytes(c, MP_DT_F32);
	else if (mode == OV_NONE && c->dst_dt == MP_DT_F16)
		ir = model_bytes(c, MP_DT_F16);

	/*
	 * main_export() loads with from_pretrained(torch_dtype = the
	 * config's 16-bit dtype).  optimum-intel requires transformers < 5
	 * (setup.py), whose loader copies every tensor of the mapped
	 * checkpoint into the model's own parameters: anonymous memory, and
	 * the mapping is dropped once a shard is loaded.
	 */
	if (!step1(c, "load", mp_adds(base_a, c->src_bytes), mp_adds(base_f,
	    c->src_bytes), 0, err))
		return false;
	note1(c->est, "load", "convert.ov_load",
	    "optimum-intel from_pretrained() in the "
	    "checkpoint dtype (transformers < 5: copied out of the mapped "
	    "files, {copy} anonymous)", "copy", c->src_bytes);
	/*
	 * export_pytorch(): TorchScript trace + ov.convert_model() +
	 * save_model().  The OpenVINO model's constants hold their own
	 * copy of every weight next to the PyTorch model (optimum-intel
	 * issue #1708: the BF16 weight set, the traced graph and the OV
	 * constants are resident together, about twice the weights); the
	 * IR is written through the page cache.  Not measured here.
	 */
	if (!step1(c, "export", mp_adds(mp_adds(base_a, c->src_bytes), ir),
	    base_f, ir, err))
		return false;
	note1(c->est, "export", "convert.ov_export",
	    "trace + convert_model + save_model: "
	    "OpenVINO constants ({constants}) next to the PyTorch weights, "
	    "~2x the model (not measured: optimum-intel #1708)", "constants",
	    ir);
	if (mode == OV_NONE) {
		c->est->conv.disk_out = ir;
		return true;
	}
	/*
	 * The model is deleted, the saved IR read back (core.read_model()
	 * maps the .bin) and nncf compresses weight by weight: a float32
	 * copy of the weight and two float32 temporaries, and the compressed
	 * constants accumulate until the compressed IR is saved.  The
	 * uncompressed IR is temporary disk.
	 */
	cw = ov_compressed(c, mode);
	tmp = mp_muls(c->max_n, 12);
	if (!step1(c, "compress", mp_adds(mp_adds(base_a, cw), tmp),
	    mp_adds(base_f, ir), cw, err))
		return false;
	inmem = mp_adds(mp_adds(mp_adds(base_a, ir), cw), tmp);
	note2(mp_estimate_note(c->est, "compress", "convert.ov_compress",
	    "nncf %s on the IR read "
	    "back from disk (mapped): {compressed} compressed + "
	    "{temporaries} of float32 temporaries", mode == OV_INT8 ?
	    "int8_asym" : "int4 (embeddings int8)"), "compressed", cw,
	    "temporaries", tmp);
	note1(c->est, "in-memory", "convert.ov_in_memory",
	    "compressing before saving (optimum-intel "
	    "< 1.19, or the Python API) keeps the constants too: {anon} "
	    "anonymous", "anon", inmem);
	c->est->conv.disk_out = cw;
	c->est->conv.disk_tmp = ir;
	return true;
}

/* ---------------------------------------------------------------------- */
/* llama2.c export.py */

/*
 * One weight through version2_export(): quantize_q80() holds, at its
 * worst, quant, int8val, fp32val, fp32valr - w and its abs() (4+1+4+4+4
 * bytes per element, plus a float32 copy of a 16-bit w); serialize_int8()
 * then builds struct.pack(f'{n}b', *d): a numpy scalar object and a
 * tuple slot per element, next to d (astype copy), the packed bytes and
 * q.  Version 1 (float32) is serialize_fp32(): the same tuple, 4-byte
 * packed output.  Both sizes per element are measured (L2C_*).
 */
static uint64_t
l2c_work(uint64_t n, bool cast, bool v1)
{
	uint64_t q, s;

	if (v1)
		return mp_adds(fbytes(n, L2C_SER_F32), cast ? mp_muls(n, 4) :
		    0);
	q = mp_adds(fbytes(n, L2C_QUANT), cast ? mp_muls(n, 4) : 0);
	s = fbytes(n, L2C_SER_I8);
	return mp_umax(q, s);
}

static bool
pl_llama2c(struct cv *c, enum pl pl, struct mp_error *err)
{
	struct mp_note *nt;
	const struct mp_model *m = c->m;
	bool v1, cast;
	uint64_t fp32 = model_bytes(c, MP_DT_F32), out = 0, w, l2c, vocab_d;
	uint64_t mapped = 0, worst = 0;
	size_t i;

	if (strcmp(m->model_type, "llama") != 0 || m->n_experts > 0)
		return mp_error_set(err, MP_EUSAGE, NULL, "--convert-pipeline",
		    "%s: llama2.c's export.py converts Llama models only, not "
		    "%s", pipelines[pl].info.name, m->arch[0] ? m->arch : "this one");
	if (m->kv_heads != m->heads)
		return mp_error_set(err, MP_EUSAGE, NULL, "--convert-pipeline",
		    "%s: llama2.c's export.py sets n_kv_heads = n_heads and "
		    "cannot convert grouped-query attention (%u heads, %u KV "
		    "heads)", pipelines[pl].info.name, m->heads, m->kv_heads);
	if (c->dst_dt == MP_DT_F32 && c->explicit_target) {
		v1 = true;
	} else if (c->dst_dt == MP_DT_Q8_0 || c->dst_dt == MP_DT_INT8 ||
	    !c->explicit_target) {
		v1 = false;
	} else {
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "%s cannot write %s: llama2.c's export.py writes q8_0 "
		    "(--version 2) or f32 (--version 1)", pipelines[pl].info.name,
		    c->target);
	}
	for (i = 0; i < c->nft; i++) {
		const struct ft *f = &c->ft[i];

		if (f->t->ndim >= 2)
			out = mp_adds(out, v1 ? mp_muls(f->n, 4) :
			    mp_adds(f->n, mp_muls(f->n / L2C_GROUP, 4)));
		else
			out = mp_adds(out, mp_muls(f->n, 4));
	}
	out = mp_adds(out, 256);	/* the header */

	if (pl == PL_L2C_ULTRA_LOW) {
		/*
		 * --ultra-low-memory: safe_open() per file, one tensor at a
		 * time (a view of the mapped file), cast to float32 by
		 * quantize_q80 and written.
		 */
		cast = c->src_dt != MP_DT_F32;
		if (!step_begin(c, "export", err))
			return false;
		for (i = 0; i < c->nft; i++) {
			const struct ft *f = &c->ft[i];

			mapped = mapped_after(c, i, mapped);
			w = l2c_work(f->n, cast, v1);
			worst = mp_umax(worst, w);
			moment(c, mp_adds(PY_ANON, w), mp_adds(PY_FILE,
			    mapped));
		}
		step_end(c, out);
		nt = mp_estimate_note(c->est, "export", "convert.l2c_read",
		    "safetensors read "
		    "one tensor at a time; the peak is the largest tensor's "
		    "quantize_q80 and struct.pack(*d) temporaries ({per} "
		    "bytes per element, measured): {peak}");
		mp_note_number(nt, "per", v1 ? L2C_SER_F32 : L2C_SER_I8, 1);
		mp_note_size(nt, "peak", worst);
		c->est->conv.disk_out = out;
		return true;
	}

	/* The llama2.c Transformer shares output with tok_embeddings. */
	vocab_d = mp_muls(m->vocab, m->hidden);
	l2c = fp32 > mp_muls(vocab_d, 4) && !m->tied ?
	    fp32 - mp_muls(vocab_d, 4) : fp32;
	if (!step_begin(c, "load", err))
		return false;
	/*
	 * All three load with from_pretrained() and no torch_dtype, which
	 * transformers < 5 builds in float32, copying every source page.
	 */
	moment(c, mp_adds(PY_ANON, fp32), mp_adds(PY_FILE, c->src_bytes));
	if (pl == PL_L2C_STANDARD) {
		/*
		 * load_hf_model(): model = Transformer(config) allocates and
		 * initialises (self.apply(_init_weights)) a second float32
		 * model before the HF tensors are assigned into it.
		 */
		moment(c, mp_adds(mp_adds(PY_ANON, fp32), l2c), PY_FILE);
		note2(mp_estimate_note(c->est, "load", "convert.l2c_load",
		    "from_pretrained() in "
		    "float32 ({fp32}) + llama2.c's Transformer(config), a "
		    "second randomly initialised float32 model ({second})"),
		    "fp32", fp32, "second", l2c);
	} else {
		note1(c->est, "load", "convert.l2c_load_fp32",
		    "from_pretrained(low_cpu_mem_usage=True) "
		    "without torch_dtype: float32 in transformers < 5 ({fp32}), "
		    "no second model", "fp32", fp32);
		if (pl == PL_L2C_LOW)
			mp_estimate_note(c->est, "low",
			    "convert.l2c_low_memory",
			    "--low-memory only sets "
			    "CUDA allocator limits and deterministic kernels: "
			    "no effect on host memory on a CPU");
	}
	step_end(c, 0);
	/*
	 * version2_export(): the whole model stays in memory while each
	 * weight is quantized and written (tok_embeddings first); the
	 * memory-efficient modes free each tensor after writing it, which
	 * lowers memory only after the first, largest one.
	 */
	w = l2c_work(c->max_n, false, v1);
	if (!step1(c, "export", mp_adds(mp_adds(PY_ANON, fp32), w), PY_FILE,
	    out, err))
		return false;
	nt = mp_estimate_note(c->est, "export", "convert.l2c_export",
	    "%s: %s: each weight "
	    "quantized (quantize_q80) and written with struct.pack(*d), "
	    "{per} bytes per element of the largest weight: {peak}", v1 ?
	    "version 1 (f32)" : "version 2 (Q8_0, groups of 64)",
	    pl == PL_L2C_STANDARD ? "the float32 model stays" : "tensors "
	    "freed after writing");
	mp_note_number(nt, "per", v1 ? L2C_SER_F32 : L2C_SER_I8, 1);
	mp_note_size(nt, "peak", w);
	c->est->conv.disk_out = out;
	return true;
}

/* ---------------------------------------------------------------------- */

const char *
mp_convert_pipeline(size_t i)
{
	return i < NPIPELINES ? pipelines[i].info.name : NULL;
}

const struct mp_pipeline_info *
mp_convert_pipeline_info(const char *name)
{
	size_t i;

	for (i = 0; i < NPIPELINES; i++)
		if (strcmp(name, pipelines[i].info.name) == 0)
			return &pipelines[i].info;
	return NULL;
}

/* The storage of a pre-quantized checkpoint's quant_method, or NONE. */
static enum mp_dtype
prequant_dtype(const char *qm)
{
	if (strcmp(qm, "mxfp4") == 0)
		return MP_DT_MXFP4;
	if (strcmp(qm, "fp8") == 0)
		return MP_DT_F8_E4M3;
	if (strcmp(qm, "gptq") == 0)
		return MP_DT_INT4_GPTQ;
	if (strcmp(qm, "awq") == 0)
		return MP_DT_INT4_AWQ;
	return MP_DT_NONE;
}

/* The block type of a GGUF mixture name ("q4_k_m" -> q4_k). */
static enum mp_dtype
ftype_dtype(const char *ftype, enum mp_dtype def)
{
	char buf[16];
	size_t len;
	enum mp_dtype dt;

	if (ftype[0] == '\0')
		return def;
	if ((dt = mp_dtype_parse(ftype)) != MP_DT_NONE)
		return dt;
	snprintf(buf, sizeof(buf), "%s", ftype);
	len = strlen(buf);
	if (len > 2 && buf[len - 2] == '_')
		buf[len - 2] = '\0';
	dt = mp_dtype_parse(buf);
	return dt != MP_DT_NONE ? dt : MP_DT_Q4_K;
}

/* The target's name: the GGUF mixture when one was given. */
static void
target_name(struct cv *c, const struct mp_scenario *sc)
{
	if (sc->ftype[0] != '\0')
		snprintf(c->target, sizeof(c->target), "%s", sc->ftype);
	else if (c->dst_dt == MP_DT_Q4_K)
		snprintf(c->target, sizeof(c->target), "q4_k_m");
	else if (c->dst_dt == MP_DT_Q5_K)
		snprintf(c->target, sizeof(c->target), "q5_k_m");
	else if (c->dst_dt == MP_DT_Q3_K)
		snprintf(c->target, sizeof(c->target), "q3_k_m");
	else
		snprintf(c->target, sizeof(c->target), "%s",
		    mp_dtype_info(c->dst_dt)->name);
}

bool
mp_estimate_convert(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est, struct mp_error *err)
{
	struct cv c;
	struct mp_convert *cv = &est->conv;
	struct mp_note *n;
	char list[256];
	size_t p;
	bool ok = false;

	for (p = 0; p < NPIPELINES; p++)
		if (strcmp(sc->pipeline, pipelines[p].info.name) == 0)
			break;
	if (sc->pipeline[0] == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "--convert-pipeline",
		    "--mode convert needs a pipeline (one of: %s)",
		    known_pipelines(list, sizeof(list)));
	if (p == NPIPELINES)
		return mp_error_set(err, MP_EUSAGE, NULL, "--convert-pipeline",
		    "unknown pipeline \"%s\" (known: %s)", sc->pipeline,
		    known_pipelines(list, sizeof(list)));

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.est = est;
	/*
	 * The checkpoint's float type: torch_dtype; without one, bf16 for a
	 * pre-quantized model (its other tensors), else float32 (as
	 * scenario.c resolves the default).
	 */
	if (is_float(m->torch_dtype))
		c.src_dt = m->torch_dtype;
	else
		c.src_dt = m->quant_method[0] != '\0' ? MP_DT_BF16 : MP_DT_F32;
	mp_scenario_init(&c.src_sc);
	c.src_sc.weights = prequant_dtype(m->quant_method);
	c.src_sc.group_size = 128;
	c.dst_dt = sc->weights != MP_DT_NONE ? sc->weights :
	    ftype_dtype(sc->ftype, c.src_dt);
	/* A target equal to the checkpoint's dtype counts as the default. */
	c.explicit_target = sc->ftype[0] != '\0' ||
	    (sc->weights != MP_DT_NONE && sc->weights != c.src_dt);
	target_name(&c, sc);

	memset(cv, 0, sizeof(*cv));
	snprintf(cv->pipeline, sizeof(cv->pipeline), "%s", pipelines[p].info.name);
	est->has_convert = true;
	est->on_host = true;
	if (!load_tensors(&c, err))
		goto out;

	switch (pipelines[p].pl) {
	case PL_HF_FULL:
	case PL_HF_LOWMEM:
	case PL_HF_CAST_SAVE:
		ok = pl_hf(&c, pipelines[p].pl, err);
		if (ok)
			cv->disk_out = est->conv.steps[cv->n_steps - 1].disk_write;
		break;
	case PL_STREAMING:
		ok = pl_streaming(&c, err);
		if (ok)
			cv->disk_out = cv->steps[0].disk_write;
		break;
	case PL_LLAMACPP:
	case PL_LLAMACPP_NO_LAZY:
		ok = pl_llamacpp(&c, pipelines[p].pl == PL_LLAMACPP, err);
		break;
	case PL_OPENVINO:
		ok = pl_openvino(&c, err);
		break;
	default:
		ok = pl_llama2c(&c, pipelines[p].pl, err);
		break;
	}
	if (!ok)
		goto out;

	/* The planner fills swap_needed against a machine. */
	cv->swap_needed = 0;
	est->host_total = c.rss;
	est->device_total = 0;
	est->mem.weights = c.src_bytes;
	est->mem.total = c.rss;
	est->file_bytes = c.src_bytes;
	n = mp_estimate_note(est, "weights", "convert.source", "the %s%s%s "
	    "checkpoint, {tensors} tensors in {source}",
	    mp_dtype_info(c.src_dt)->name, m->quant_method[0] ? " + " : "",
	    m->quant_method);
	mp_note_count(n, "tensors", c.nft);
	mp_note_size(n, "source", c.src_bytes);
	if (m->quant_method[0] != '\0')
		mp_estimate_note(est, "prequant", "convert.prequant",
		    "pre-quantized (%s): the "
		    "per-tensor work is priced as for its dequantized float "
		    "tensors, an upper bound", m->quant_method);
	note2(mp_estimate_note(est, "baseline", "convert.baseline",
	    "every Python step includes "
	    "the interpreter + torch import: {anon} anonymous + {file} "
	    "file-backed (measured)"), "anon", pipelines[p].pl ==
	    PL_LLAMACPP || pipelines[p].pl == PL_LLAMACPP_NO_LAZY ? CONV_ANON :
	    PY_ANON, "file", pipelines[p].pl == PL_LLAMACPP ||
	    pipelines[p].pl == PL_LLAMACPP_NO_LAZY ? CONV_FILE : PY_FILE);
	note2(mp_estimate_note(est, "peak", "convert.peak",
	    "peak anonymous {anon} must fit in "
	    "RAM + swap; file-backed {file} is reclaimable page cache"),
	    "anon", cv->peak_anon, "file", cv->peak_file);
out:
	free(c.ft);
	if (!ok) {
		est->has_convert = false;
		memset(cv, 0, sizeof(*cv));
	}
	return ok;
}
