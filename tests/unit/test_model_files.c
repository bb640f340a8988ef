/* test_model_files.c: safetensors headers, GGUF files, the HF cache */
/* SPDX-License-Identifier: MIT */
/*
 * Every file here is written at test time: tiny but real safetensors
 * shards (8-byte length, JSON header, the data bytes), an index, and
 * GGUF v3 files, then read back through the library and the CLI.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"

/* ---- helpers ---- */

static char tmp[64];

static void
mktmp(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/memplan-files-XXXXXX");
	assert_non_null(mkdtemp(tmp));
}

static void
rmtree(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
put_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* A growable byte buffer. */
struct buf {
	unsigned char	*p;
	size_t		 n, cap;
};

static void
bput(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n > 0)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void	bprintf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	char	s[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(s));
	bput(b, s, (size_t)n);
}

/* The first occurrence of s in b. */
static unsigned char *
bfind(const struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + n <= b->n; i++)
		if (memcmp(b->p + i, s, n) == 0)
			return b->p + i;
	return NULL;
}

static void
u32le(struct buf *b, uint32_t v)
{
	unsigned char c[4] = { v, v >> 8, v >> 16, v >> 24 };

	bput(b, c, 4);
}

static void
u64le(struct buf *b, uint64_t v)
{
	unsigned char	c[8];
	int		i;

	for (i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	bput(b, c, 8);
}

/* ---- a tiny llama: config.json and the tensors its files hold ---- */

#define H	64
#define L	2
#define NH	4
#define KVH	2
#define HD	16
#define FF	128
#define V	256

static const char config_json[] =
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
    " \"hidden_size\": 64, \"num_hidden_layers\": 2,"
    " \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
    " \"intermediate_size\": 128, \"vocab_size\": 256,"
    " \"max_position_embeddings\": 2048, \"rms_norm_eps\": 1e-5,"
    " \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"%s}";

struct st {
	char		 name[96];
	const char	*dtype;
	int		 nd;
	uint64_t	 d[4];
};

struct stlist {
	struct st	 t[128];
	size_t		 n;
};

static void	st_add(struct stlist *, const char *, int, uint64_t, uint64_t,
		    const char *, ...) __attribute__((format(printf, 6, 7)));

static void
st_add(struct stlist *l, const char *dtype, int nd, uint64_t d0, uint64_t d1,
    const char *fmt, ...)
{
	struct st	*t = &l->t[l->n++];
	va_list		 ap;

	assert_true(l->n <= 128);
	va_start(ap, fmt);
	vsnprintf(t->name, sizeof(t->name), fmt, ap);
	va_end(ap);
	t->dtype = dtype;
	t->nd = nd;
	t->d[0] = d0;
	t->d[1] = d1;
}

static uint64_t
st_elsize(const char *dt)
{
	if (strcmp(dt, "F32") == 0 || strcmp(dt, "I32") == 0)
		return 4;
	if (strcmp(dt, "F16") == 0 || strcmp(dt, "BF16") == 0)
		return 2;
	return 1;
}

static uint64_t
st_numel(const struct st *t)
{
	uint64_t n = 1;
	int i;

	for (i = 0; i < t->nd; i++)
		n *= t->d[i];
	return n;
}

static uint64_t
st_bytes(const struct st *t)
{
	return st_numel(t) * st_elsize(t->dtype);
}

/* The unquantized checkpoint: every parameter of the tiny llama. */
static void
llama_tensors(struct stlist *l, const char *dt, const char *embed_dt)
{
	int i;

	st_add(l, embed_dt, 2, V, H, "model.embed_tokens.weight");
	for (i = 0; i < L; i++) {
		st_add(l, dt, 1, H, 0, "model.layers.%d.input_layernorm.weight",
		    i);
		st_add(l, dt, 2, NH * HD, H,
		    "model.layers.%d.self_attn.q_proj.weight", i);
		st_add(l, dt, 2, KVH * HD, H,
		    "model.layers.%d.self_attn.k_proj.weight", i);
		st_add(l, dt, 2, KVH * HD, H,
		    "model.layers.%d.self_attn.v_proj.weight", i);
		st_add(l, dt, 2, H, NH * HD,
		    "model.layers.%d.self_attn.o_proj.weight", i);
		st_add(l, dt, 1, H, 0,
		    "model.layers.%d.post_attention_layernorm.weight", i);
		st_add(l, dt, 2, FF, H, "model.layers.%d.mlp.gate_proj.weight",
		    i);
		st_add(l, dt, 2, FF, H, "model.layers.%d.mlp.up_proj.weight", i);
		st_add(l, dt, 2, H, FF, "model.layers.%d.mlp.down_proj.weight",
		    i);
	}
	st_add(l, dt, 1, H, 0, "model.norm.weight");
	st_add(l, dt, 2, V, H, "lm_head.weight");
}

/* Writes tensors [from, to) of l as one safetensors file. */
static void
write_st(const char *path, const struct stlist *l, size_t from, size_t to)
{
	struct buf	 hdr = { 0 }, file = { 0 };
	uint64_t	 off = 0, b;
	size_t		 i;
	int		 k;

	bprintf(&hdr, "{\"__metadata__\": {\"format\": \"pt\"}");
	for (i = from; i < to; i++) {
		const struct st *t = &l->t[i];

		b = st_bytes(t);
		bprintf(&hdr, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [",
		    t->name, t->dtype);
		for (k = 0; k < t->nd; k++)
			bprintf(&hdr, "%s%llu", k ? ", " : "",
			    (unsigned long long)t->d[k]);
		bprintf(&hdr, "], \"data_offsets\": [%llu, %llu]}",
		    (unsigned long long)off, (unsigned long long)(off + b));
		off += b;
	}
	bprintf(&hdr, "}");
	/* Padding to 8 bytes with spaces, as the reference writer does. */
	while (hdr.n % 8 != 0)
		bput(&hdr, " ", 1);
	u64le(&file, hdr.n);
	bput(&file, hdr.p, hdr.n);
	for (b = 0; b < off; b++)
		bput(&file, "\x01", 1);
	put_file(path, file.p, file.n);
	free(hdr.p);
	free(file.p);
}

/*
 * Writes l as tmp/model.safetensors, then loads the folder's config.json
 * alone (cfg: what the config predicts) and the folder (m: what the
 * files hold).
 */
static void
load_both(const struct stlist *l, struct mp_model *cfg, struct mp_model *m)
{
	struct mp_error	 e;
	char		 path[256];

	snprintf(path, sizeof(path), "%s/model.safetensors", tmp);
	write_st(path, l, 0, l->n);
	mp_model_init(cfg);
	snprintf(path, sizeof(path), "%s/config.json", tmp);
	if (!mp_model_load(path, cfg, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
	mp_model_init(m);
	if (!mp_model_load(tmp, m, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
}

/* What load_both() made, and tmp, gone. */
static void
finish(struct stlist *l, struct mp_model *cfg, struct mp_model *m)
{
	mp_model_fini(m);
	mp_model_fini(cfg);
	free(l);
	rmtree(tmp);
}

static void
write_config(const char *dir, const char *extra)
{
	char	path[1024], json[2048];
	int	n;

	n = snprintf(json, sizeof(json), config_json, extra);
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", dir) >=
	    sizeof(path))
		fail();
	put_file(path, json, (size_t)n);
}

static uint64_t
sum_numel(const struct stlist *l)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		n += st_numel(&l->t[i]);
	return n;
}

static uint64_t
sum_bytes(const struct stlist *l)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < l->n; i++)
		n += st_bytes(&l->t[i]);
	return n;
}

static const struct mp_tensor *
find(const struct mp_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n_tensors; i++)
		if (strcmp(m->tensors[i].name, name) == 0)
			return &m->tensors[i];
	return NULL;
}

/* Runs the CLI in-process; returns the exit code, *out its stdout. */
static int
run(char **argv, char **out)
{
	char	*o = NULL, *e = NULL;
	size_t	 ol = 0, el = 0;
	FILE	*fo = open_memstream(&o, &ol), *fe = open_memstream(&e, &el);
	int	 argc = 0, rc;

	while (argv[argc] != NULL)
		argc++;
	rc = mp_cli_main(argc, argv, fo, fe);
	fclose(fo);
	fclose(fe);
	*out = o;
	free(e);
	return rc;
}

/* The integer after "key": in JSON text. */
static uint64_t
json_u64(const char *s, const char *key)
{
	char		 k[64];
	const char	*p;

	snprintf(k, sizeof(k), "\"%s\": ", key);
	/* memory.weights, not scenario.weights */
	if (strcmp(key, "weights") == 0 && (p = strstr(s, "\"memory\"")) !=
	    NULL)
		s = p;
	p = strstr(s, k);
	if (p == NULL)
		fail_msg("no %s in output", key);
	return strtoull(p + strlen(k), NULL, 10);
}

/* memplan estimate spec --format json: params and weights. */
static void
cli_estimate(const char *spec, uint64_t *params, uint64_t *weights)
{
	char	 copy[512], *out = NULL;
	char	*argv[] = { "memplan", "estimate", copy, "--format", "json",
	    NULL };

	snprintf(copy, sizeof(copy), "%s", spec);
	assert_int_equal(run(argv, &out), MP_EXIT_OK);
	*params = json_u64(out, "params");
	*weights = json_u64(out, "weights");
	free(out);
}

/* ---- safetensors ---- */

static void
test_st_single_file(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m, cfg;
	uint64_t	 p, w, buf_bytes;
	const struct mp_tensor *t;
	size_t		 i;

	(void)state;
	mktmp();
	write_config(tmp, "");
	/* the embedding in F32, the rest in BF16 */
	llama_tensors(l, "BF16", "F32");
	load_both(l, &cfg, &m);
	assert_int_equal(cfg.source, MP_SRC_CONFIG);
	assert_int_equal(m.source, MP_SRC_SAFETENSORS);
	/* what the files contain */
	assert_int_equal(m.params, sum_numel(l));
	assert_int_equal(m.params, cfg.params);
	assert_int_equal(m.file_bytes, sum_bytes(l));
	assert_int_equal(m.file_bytes, (sum_numel(l) - V * H) * 2 + V * H * 4);
	t = find(&m, "model.embed_tokens.weight");
	assert_non_null(t);
	assert_int_equal(t->file_dtype, MP_DT_F32);
	assert_int_equal(t->file_bytes, V * H * 4);
	t = find(&m, "model.layers.1.self_attn.k_proj.weight");
	assert_non_null(t);
	assert_int_equal(t->file_dtype, MP_DT_BF16);
	assert_int_equal(t->file_bytes, KVH * HD * H * 2);
	for (i = 0; i < m.n_tensors; i++)
		if (!(m.tensors[i].flags & MP_TF_BUFFER))
			assert_true(m.tensors[i].file_bytes > 0);
	/* The CLI prices the weights as stored (+ fp32 rotary buffers). */
	buf_bytes = m.buffer_elems * 4;
	assert_true(buf_bytes < 1024);
	cli_estimate(tmp, &p, &w);
	assert_int_equal(p, sum_numel(l));
	assert_int_equal(w, sum_bytes(l) + buf_bytes);
	finish(l, &cfg, &m);
}

static void
test_st_sharded_index(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m;
	struct mp_error	 e;
	struct buf	 idx = { 0 };
	char		 path[256];
	size_t		 i, half;
	uint64_t	 p, w;

	(void)state;
	mktmp();
	write_config(tmp, "");
	llama_tensors(l, "F16", "F16");
	half = l->n / 2;
	snprintf(path, sizeof(path), "%s/model-00001-of-00002.safetensors",
	    tmp);
	write_st(path, l, 0, half);
	snprintf(path, sizeof(path), "%s/model-00002-of-00002.safetensors",
	    tmp);
	write_st(path, l, half, l->n);
	bprintf(&idx, "{\"metadata\": {\"total_size\": %llu}, "
	    "\"weight_map\": {", (unsigned long long)sum_bytes(l));
	for (i = 0; i < l->n; i++)
		bprintf(&idx, "%s\"%s\": \"model-0000%d-of-00002.safetensors\"",
		    i ? ", " : "", l->t[i].name, i < half ? 1 : 2);
	bprintf(&idx, "}}");
	snprintf(path, sizeof(path), "%s/model.safetensors.index.json", tmp);
	put_file(path, idx.p, idx.n);
	free(idx.p);

	mp_model_init(&m);
	if (!mp_model_load(tmp, &m, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
	assert_int_equal(m.source, MP_SRC_SAFETENSORS);
	assert_int_equal(m.params, sum_numel(l));
	assert_int_equal(m.file_bytes, sum_numel(l) * 2);
	assert_int_equal(find(&m, "lm_head.weight")->file_dtype, MP_DT_F16);
	cli_estimate(tmp, &p, &w);
	assert_int_equal(p, sum_numel(l));
	assert_int_equal(w, sum_numel(l) * 2 + m.buffer_elems * 4);
	mp_model_fini(&m);

	/* A shard the index names but the folder lacks. */
	snprintf(path, sizeof(path), "%s/model-00002-of-00002.safetensors",
	    tmp);
	assert_int_equal(unlink(path), 0);
	assert_false(mp_model_load(tmp, &m, &e));
	assert_int_equal(e.status, MP_EINPUT);
	assert_non_null(strstr(e.file, "model-00002-of-00002"));
	free(l);
	rmtree(tmp);
}

/*
 * A GPTQ checkpoint (AutoGPTQ layout, 4 bits, group 32): each Linear of
 * the layers is qweight (int32 {in/8, out}), qzeros (int32 {in/32,
 * out/8}), scales (fp16 {in/32, out}) and g_idx (int32 {in}).
 */
static void
gptq_linear(struct stlist *l, const char *name, uint64_t out, uint64_t in)
{
	st_add(l, "I32", 2, in / 8, out, "%s.qweight", name);
	st_add(l, "I32", 2, in / 32, out / 8, "%s.qzeros", name);
	st_add(l, "F16", 2, in / 32, out, "%s.scales", name);
	st_add(l, "I32", 1, in, 0, "%s.g_idx", name);
}

static void
test_st_gptq_params_from_config(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m, cfg;
	char		 n[96];
	const struct mp_tensor *t;
	uint64_t	 p, w, q_bytes;
	int		 i;

	(void)state;
	mktmp();
	write_config(tmp, ", \"quantization_config\": {\"quant_method\": "
	    "\"gptq\", \"bits\": 4, \"group_size\": 32}");
	st_add(l, "F16", 2, V, H, "model.embed_tokens.weight");
	for (i = 0; i < L; i++) {
		st_add(l, "F16", 1, H, 0,
		    "model.layers.%d.input_layernorm.weight", i);
		st_add(l, "F16", 1, H, 0,
		    "model.layers.%d.post_attention_layernorm.weight", i);
		snprintf(n, sizeof(n), "model.layers.%d.self_attn.q_proj", i);
		gptq_linear(l, n, NH * HD, H);
		snprintf(n, sizeof(n), "model.layers.%d.self_attn.k_proj", i);
		gptq_linear(l, n, KVH * HD, H);
		snprintf(n, sizeof(n), "model.layers.%d.self_attn.v_proj", i);
		gptq_linear(l, n, KVH * HD, H);
		snprintf(n, sizeof(n), "model.layers.%d.self_attn.o_proj", i);
		gptq_linear(l, n, H, NH * HD);
		snprintf(n, sizeof(n), "model.layers.%d.mlp.gate_proj", i);
		gptq_linear(l, n, FF, H);
		snprintf(n, sizeof(n), "model.layers.%d.mlp.up_proj", i);
		gptq_linear(l, n, FF, H);
		snprintf(n, sizeof(n), "model.layers.%d.mlp.down_proj", i);
		gptq_linear(l, n, H, FF);
	}
	st_add(l, "F16", 1, H, 0, "model.norm.weight");
	st_add(l, "F16", 2, V, H, "lm_head.weight");
	load_both(l, &cfg, &m);
	assert_string_equal(m.quant_method, "gptq");
	/* params stay the model's; the bytes are the files' */
	assert_int_equal(m.params, cfg.params);
	assert_int_equal(m.n_tensors, cfg.n_tensors);
	assert_int_equal(m.file_bytes, sum_bytes(l));
	t = find(&m, "model.layers.0.self_attn.q_proj.weight");
	assert_non_null(t);
	assert_int_equal(t->file_dtype, MP_DT_INT4_GPTQ);
	q_bytes = H / 8 * NH * HD * 4 + H / 32 * NH * HD / 8 * 4 +
	    H / 32 * NH * HD * 2 + H * 4;
	assert_int_equal(t->file_bytes, q_bytes);
	assert_int_equal(find(&m, "lm_head.weight")->file_dtype, MP_DT_F16);
	cli_estimate(tmp, &p, &w);
	assert_int_equal(p, cfg.params);
	assert_int_equal(w, sum_bytes(l) + m.buffer_elems * 4);
	finish(l, &cfg, &m);
}

/* A tensor config.json does not predict is added and counted. */
static void
test_st_extra_tensor(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m;
	struct mp_error	 e;
	char		 path[256];
	const struct mp_tensor *t;

	(void)state;
	mktmp();
	write_config(tmp, "");
	llama_tensors(l, "BF16", "BF16");
	st_add(l, "F32", 2, 3, 5, "model.extra_proj.weight");
	snprintf(path, sizeof(path), "%s/model.safetensors", tmp);
	write_st(path, l, 0, l->n);
	mp_model_init(&m);
	if (!mp_model_load(tmp, &m, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
	assert_int_equal(m.params, sum_numel(l));
	assert_int_equal(m.file_bytes, sum_bytes(l));
	t = find(&m, "model.extra_proj.weight");
	assert_non_null(t);
	assert_int_equal(t->file_bytes, 60);
	assert_true(m.warning[0] != '\0');
	mp_model_fini(&m);
	free(l);
	rmtree(tmp);
}

/* config.json text with the tiny llama's sizes and extra keys. */
static void
write_config_text(const char *dir, const char *json)
{
	char path[1024];

	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", dir) >=
	    sizeof(path))
		fail();
	put_file(path, json, strlen(json));
}

/*
 * Mixtral as its checkpoints store it: block_sparse_moe, one w1/w3/w2
 * Linear per expert, which memplan's config path holds as one fused
 * 3-D parameter per projection.  And a layer past num_hidden_layers
 * (multi-token prediction) that the model does not load.
 */
static void
test_st_per_expert_checkpoint(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m, cfg;
	const struct mp_tensor *t;
	size_t		 i;
	int		 x, j;
	uint64_t	 p, w, loaded;
	static const char *w_of[] = { "w1", "w3", "w2" };

	(void)state;
	mktmp();
	write_config_text(tmp, "{\"architectures\": [\"MixtralForCausalLM\"],"
	    " \"model_type\": \"mixtral\", \"hidden_size\": 64,"
	    " \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	    " \"num_key_value_heads\": 2, \"intermediate_size\": 128,"
	    " \"vocab_size\": 256, \"num_local_experts\": 4,"
	    " \"num_experts_per_tok\": 2, \"max_position_embeddings\": 2048,"
	    " \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"}");
	st_add(l, "BF16", 2, V, H, "model.embed_tokens.weight");
	for (x = 0; x < L; x++) {
		st_add(l, "BF16", 1, H, 0,
		    "model.layers.%d.input_layernorm.weight", x);
		st_add(l, "BF16", 2, NH * HD, H,
		    "model.layers.%d.self_attn.q_proj.weight", x);
		st_add(l, "BF16", 2, KVH * HD, H,
		    "model.layers.%d.self_attn.k_proj.weight", x);
		st_add(l, "BF16", 2, KVH * HD, H,
		    "model.layers.%d.self_attn.v_proj.weight", x);
		st_add(l, "BF16", 2, H, NH * HD,
		    "model.layers.%d.self_attn.o_proj.weight", x);
		st_add(l, "BF16", 1, H, 0,
		    "model.layers.%d.post_attention_layernorm.weight", x);
		st_add(l, "BF16", 2, 4, H,
		    "model.layers.%d.block_sparse_moe.gate.weight", x);
		for (j = 0; j < 4; j++) {
			st_add(l, "BF16", 2, FF, H, "model.layers.%d."
			    "block_sparse_moe.experts.%d.%s.weight", x, j,
			    w_of[0]);
			st_add(l, "BF16", 2, FF, H, "model.layers.%d."
			    "block_sparse_moe.experts.%d.%s.weight", x, j,
			    w_of[1]);
			st_add(l, "BF16", 2, H, FF, "model.layers.%d."
			    "block_sparse_moe.experts.%d.%s.weight", x, j,
			    w_of[2]);
		}
	}
	st_add(l, "BF16", 1, H, 0, "model.norm.weight");
	st_add(l, "BF16", 2, V, H, "lm_head.weight");
	loaded = sum_bytes(l);
	st_add(l, "BF16", 2, H, H, "model.layers.2.eh_proj.weight");
	load_both(l, &cfg, &m);
	/* every file tensor found its fused parameter */
	assert_int_equal(m.n_tensors, cfg.n_tensors);
	assert_int_equal(m.params, cfg.params);
	assert_int_equal(m.params, sum_numel(l) - H * H);
	assert_int_equal(m.file_bytes, sum_bytes(l));
	t = find(&m, "model.layers.1.mlp.experts.down_proj");
	assert_non_null(t);
	assert_int_equal(t->file_bytes, 4 * H * FF * 2);
	assert_int_equal(t->file_dtype, MP_DT_BF16);
	for (i = 0; i < m.n_tensors; i++)
		if (!(m.tensors[i].flags & MP_TF_BUFFER))
			assert_true(m.tensors[i].file_bytes > 0);
	assert_null(find(&m, "model.layers.2.eh_proj.weight"));
	assert_non_null(strstr(m.warning, "not loaded"));
	cli_estimate(tmp, &p, &w);
	assert_int_equal(p, cfg.params);
	assert_int_equal(w, loaded + m.buffer_elems * 4);
	finish(l, &cfg, &m);
}

/*
 * A block-wise FP8 checkpoint (DeepSeek-V3 style: e4m3 weights, one fp32
 * weight_scale_inv per 16x16 block) of a tied model that still stores
 * lm_head.weight: the copy is not loaded.
 */
static void
test_st_fp8_tied(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m, cfg;
	char		 json[2048];
	const struct mp_tensor *t;
	size_t		 i, n;
	uint64_t	 p, w, lm, base;

	(void)state;
	mktmp();
	snprintf(json, sizeof(json), config_json, ", \"quantization_config\":"
	    " {\"quant_method\": \"fp8\", \"weight_block_size\": [16, 16]}");
	/* tie the embedding */
	memcpy(strstr(json, "false"), "true ", 5);
	write_config_text(tmp, json);
	llama_tensors(l, "BF16", "BF16");
	n = l->n;
	base = sum_numel(l);
	for (i = 0; i < n; i++) {
		struct st *x = &l->t[i];

		if (strstr(x->name, "_proj.weight") == NULL)
			continue;
		x->dtype = "F8_E4M3";
		st_add(l, "F32", 2, (x->d[0] + 15) / 16, (x->d[1] + 15) / 16,
		    "%.*s_scale_inv", (int)strlen(x->name), x->name);
	}
	lm = (uint64_t)V * H * 2;
	load_both(l, &cfg, &m);
	assert_true(cfg.tied);
	assert_int_equal(m.params, cfg.params);
	/* the parameters: every tensor but the scales and the tied copy */
	assert_int_equal(m.params, base - V * H);
	assert_int_equal(m.file_bytes, sum_bytes(l));
	assert_null(find(&m, "lm_head.weight"));
	t = find(&m, "model.layers.0.mlp.down_proj.weight");
	assert_non_null(t);
	assert_int_equal(t->file_dtype, MP_DT_F8_E4M3);
	assert_int_equal(t->file_bytes, H * FF + (H / 16) * (FF / 16) * 4);
	cli_estimate(tmp, &p, &w);
	assert_int_equal(p, cfg.params);
	assert_int_equal(w, sum_bytes(l) - lm + m.buffer_elems * 4);
	finish(l, &cfg, &m);
}

/* A folder whose model.safetensors is the given bytes. */
static void
bad_st(const void *data, size_t len, const char *field_part)
{
	struct mp_model	 m;
	struct mp_error	 e;
	char		 path[256];

	mktmp();
	write_config(tmp, "");
	snprintf(path, sizeof(path), "%s/model.safetensors", tmp);
	put_file(path, data, len);
	mp_model_init(&m);
	memset(&e, 0, sizeof(e));
	assert_false(mp_model_load(tmp, &m, &e));
	assert_int_equal(e.status, MP_EINPUT);
	if (strstr(e.field, field_part) == NULL)
		fail_msg("field \"%s\" lacks \"%s\" (%s)", e.field, field_part,
		    e.msg);
	assert_non_null(strstr(e.file, "model.safetensors"));
	assert_int_equal(m.n_tensors, 0);
	rmtree(tmp);
}

static void
bad_st_header(const char *json, size_t data, const char *field_part)
{
	struct buf b = { 0 };
	size_t i;

	u64le(&b, strlen(json));
	bput(&b, json, strlen(json));
	for (i = 0; i < data; i++)
		bput(&b, "", 1);
	bad_st(b.p, b.n, field_part);
	free(b.p);
}

static void
test_st_hostile(void **state)
{
	struct buf b = { 0 };

	(void)state;
	/* header length far beyond the file: no 2^60-byte malloc */
	u64le(&b, 1ull << 60);
	bput(&b, "{}", 2);
	bad_st(b.p, b.n, "header_size");
	b.n = 0;
	/* header length one byte beyond the file */
	u64le(&b, 3);
	bput(&b, "{}", 2);
	bad_st(b.p, b.n, "header_size");
	b.n = 0;
	/* shorter than the length field */
	bad_st("\x02\0\0", 3, "header_size");
	free(b.p);
	/* truncated JSON */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F16\", \"sha", 0,
	    "header");
	/* data_offsets beyond the data */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F16\", \"shape\": [4], "
	    "\"data_offsets\": [0, 8]}}", 4, "a.weight.data_offsets");
	/* span that does not match dtype x shape */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F32\", \"shape\": [4], "
	    "\"data_offsets\": [0, 8]}}", 8, "a.weight.data_offsets");
	/* a shape whose element count overflows */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F16\", \"shape\": "
	    "[4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 8]}}",
	    8, "a.weight.shape");
	/* negative and fractional sizes */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F16\", \"shape\": [-4], "
	    "\"data_offsets\": [0, 8]}}", 8, "a.weight.shape");
	/* the same tensor twice */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F16\", \"shape\": [4], "
	    "\"data_offsets\": [0, 8]}, \"a.weight\": {\"dtype\": \"F16\", "
	    "\"shape\": [4], \"data_offsets\": [8, 16]}}", 16, "a.weight");
	/* unknown dtype */
	bad_st_header("{\"a.weight\": {\"dtype\": \"F12\", \"shape\": [4], "
	    "\"data_offsets\": [0, 8]}}", 8, "a.weight.dtype");
}

/* ---- GGUF ---- */

enum { GT_U32 = 4, GT_STRING = 8, GT_ARRAY = 9 };

static void
gstr(struct buf *b, const char *s)
{
	u64le(b, strlen(s));
	bput(b, s, strlen(s));
}

static void
kv_u32(struct buf *b, const char *key, uint32_t v)
{
	gstr(b, key);
	u32le(b, GT_U32);
	u32le(b, v);
}

static void
kv_str(struct buf *b, const char *key, const char *v)
{
	gstr(b, key);
	u32le(b, GT_STRING);
	gstr(b, v);
}

struct gt {
	char		 name[64];
	uint32_t	 nd, type;
	uint64_t	 ne[4];
	uint64_t	 bytes;
};

/* ggml type ids and sizes used here (ggml.h, ggml-common.h) */
#define G_F32	0
#define G_Q8_0	8
#define G_Q4_K	12
#define G_Q6_K	14

static uint64_t
g_row(uint32_t type, uint64_t ne0)
{
	switch (type) {
	case G_F32: return ne0 * 4;
	case G_Q8_0: return ne0 / 32 * 34;
	case G_Q4_K: return ne0 / 256 * 144;
	case G_Q6_K: return ne0 / 256 * 210;
	}
	fail();
	return 0;
}

static void	gt_add(struct gt *, size_t *, uint32_t, uint64_t, uint64_t,
		    const char *, ...) __attribute__((format(printf, 6, 7)));

static void
gt_add(struct gt *t, size_t *n, uint32_t type, uint64_t ne0, uint64_t ne1,
    const char *fmt, ...)
{
	struct gt	*g = &t[(*n)++];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(g->name, sizeof(g->name), fmt, ap);
	va_end(ap);
	g->type = type;
	g->nd = ne1 ? 2 : 1;
	g->ne[0] = ne0;
	g->ne[1] = ne1 ? ne1 : 1;
	g->bytes = g_row(type, ne0) * g->ne[1];
}

#define GH	256
#define GFF	512
#define GV	300
#define GL	2

/* A llama GGUF, q4_k_m-like: the tensors and the whole file. */
static size_t
gguf_tensors(struct gt *t)
{
	size_t	 n = 0;
	int	 i;

	gt_add(t, &n, G_Q4_K, GH, GV, "token_embd.weight");
	for (i = 0; i < GL; i++) {
		gt_add(t, &n, G_F32, GH, 0, "blk.%d.attn_norm.weight", i);
		gt_add(t, &n, G_Q4_K, GH, GH, "blk.%d.attn_q.weight", i);
		gt_add(t, &n, G_Q4_K, GH, 128, "blk.%d.attn_k.weight", i);
		gt_add(t, &n, G_Q6_K, GH, 128, "blk.%d.attn_v.weight", i);
		gt_add(t, &n, G_Q4_K, GH, GH, "blk.%d.attn_output.weight", i);
		gt_add(t, &n, G_F32, GH, 0, "blk.%d.ffn_norm.weight", i);
		gt_add(t, &n, G_Q4_K, GH, GFF, "blk.%d.ffn_gate.weight", i);
		gt_add(t, &n, G_Q4_K, GH, GFF, "blk.%d.ffn_up.weight", i);
		gt_add(t, &n, G_Q6_K, GFF, GH, "blk.%d.ffn_down.weight", i);
	}
	gt_add(t, &n, G_F32, GH, 0, "output_norm.weight");
	gt_add(t, &n, G_Q8_0, GH, GV, "output.weight");
	return n;
}

/* llama.nextn_predict_layers written when not 0 (GLM-4.5's MTP). */
static uint32_t g_nextn;

/* Header, metadata and tensor infos; the data padded after them. */
static void
gguf_file(struct buf *b, const struct gt *t, size_t n, bool data)
{
	uint64_t	 off = 0, i, k;

	bput(b, "GGUF", 4);
	u32le(b, 3);
	u64le(b, n);
	u64le(b, g_nextn != 0 ? 10 : 9);
	if (g_nextn != 0)
		kv_u32(b, "llama.nextn_predict_layers", g_nextn);
	kv_str(b, "general.architecture", "llama");
	kv_str(b, "general.name", "tiny");
	kv_u32(b, "llama.block_count", GL);
	kv_u32(b, "llama.embedding_length", GH);
	kv_u32(b, "llama.attention.head_count", 4);
	kv_u32(b, "llama.attention.head_count_kv", 2);
	kv_u32(b, "llama.feed_forward_length", GFF);
	kv_u32(b, "llama.context_length", 2048);
	/* the vocabulary: an array of strings, skipped, its length kept */
	gstr(b, "tokenizer.ggml.tokens");
	u32le(b, GT_ARRAY);
	u32le(b, GT_STRING);
	u64le(b, GV);
	for (i = 0; i < GV; i++) {
		char s[16];

		snprintf(s, sizeof(s), "tok%llu", (unsigned long long)i);
		gstr(b, s);
	}
	for (i = 0; i < n; i++) {
		gstr(b, t[i].name);
		u32le(b, t[i].nd);
		for (k = 0; k < t[i].nd; k++)
			u64le(b, t[i].ne[k]);
		u32le(b, t[i].type);
		u64le(b, off);
		off += (t[i].bytes + 31) / 32 * 32;
	}
	if (!data)
		return;
	while (b->n % 32 != 0)
		bput(b, "", 1);
	for (i = 0; i < off; i++)
		bput(b, "\x02", 1);
}

static void
test_gguf_model(void **state)
{
	struct gt	 t[64];
	struct buf	 b = { 0 };
	struct mp_model	 m;
	struct mp_error	 e;
	char		 path[256];
	size_t		 n, i;
	uint64_t	 numel = 0, bytes = 0, p, w;
	const struct mp_tensor *x;

	(void)state;
	mktmp();
	n = gguf_tensors(t);
	for (i = 0; i < n; i++) {
		numel += t[i].ne[0] * t[i].ne[1];
		bytes += t[i].bytes;
	}
	gguf_file(&b, t, n, true);
	snprintf(path, sizeof(path), "%s/tiny-Q4_K_M.gguf", tmp);
	put_file(path, b.p, b.n);
	free(b.p);

	mp_model_init(&m);
	if (!mp_model_load(path, &m, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
	assert_int_equal(m.source, MP_SRC_GGUF);
	assert_string_equal(m.name, "tiny-Q4_K_M");
	assert_string_equal(m.model_type, "llama");
	assert_string_equal(m.arch, "LlamaForCausalLM");
	assert_int_equal(m.layers, GL);
	assert_int_equal(m.hidden, GH);
	assert_int_equal(m.heads, 4);
	assert_int_equal(m.kv_heads, 2);
	assert_int_equal(m.head_dim, 64);
	assert_int_equal(m.intermediate, GFF);
	assert_int_equal(m.vocab, GV);
	assert_int_equal(m.max_pos, 2048);
	assert_false(m.tied);
	assert_true(m.gated_mlp);
	assert_int_equal(m.n_tensors, n);
	assert_int_equal(m.params, numel);
	assert_int_equal(m.file_bytes, bytes);
	/* Q4_K: 144 bytes per 256; Q6_K 210; Q8_0 34 per 32 */
	x = find(&m, "blk.1.attn_v.weight");
	assert_non_null(x);
	assert_int_equal(x->file_dtype, MP_DT_Q6_K);
	assert_int_equal(x->file_bytes, 128 * 210);
	assert_int_equal(x->kind, MP_TK_ATTN_V);
	assert_int_equal(x->layer, 1);
	assert_int_equal(x->dims[0], 128);
	assert_int_equal(x->dims[1], GH);
	x = find(&m, "output.weight");
	assert_int_equal(x->kind, MP_TK_OUTPUT);
	assert_int_equal(x->file_bytes, GV * GH / 32 * 34);
	assert_int_equal(find(&m, "token_embd.weight")->kind, MP_TK_EMBED);
	assert_int_equal(find(&m, "blk.0.ffn_norm.weight")->kind, MP_TK_NORM);
	/* the cache of each layer: 2 KV heads x 64 */
	assert_int_equal(m.layer[0].kind, MP_LK_FULL);
	assert_int_equal(m.layer[1].kv_k, 128);
	assert_int_equal(m.layer[1].kv_v, 128);
	/* as llama.cpp holds them: ggml order, the file's types */
	{
		struct mp_gguf_tensor	*g = NULL;
		size_t			 ng = 0;
		uint64_t		 sum = 0;

		assert_true(mp_model_gguf_tensors(&m, &g, &ng, &e));
		assert_int_equal(ng, n);
		for (i = 0; i < ng; i++) {
			assert_string_equal(g[i].name, t[i].name);
			assert_int_equal(g[i].ne[0], t[i].ne[0]);
			assert_int_equal(g[i].ne[1], t[i].ne[1]);
			sum += g[i].bytes;
		}
		assert_int_equal(g[3].type, MP_DT_Q4_K);
		assert_int_equal(g[3].layer, 0);
		assert_int_equal(sum, bytes);
		free(g);
	}
	cli_estimate(path, &p, &w);
	assert_int_equal(p, numel);
	assert_int_equal(w, bytes);
	/* A GGUF runs on llama.cpp unless --runtime says otherwise. */
	{
		struct mp_scenario	 sc;

		mp_scenario_init(&sc);
		mp_option_finish(&sc, 0);
		assert_true(mp_scenario_resolve(&sc, &m, &e));
		assert_int_equal(sc.runtime, MP_RT_LLAMACPP);
		mp_scenario_init(&sc);
		sc.runtime = MP_RT_TRANSFORMERS;
		mp_option_finish(&sc, MP_GIVEN_RUNTIME);
		assert_true(mp_scenario_resolve(&sc, &m, &e));
		assert_int_equal(sc.runtime, MP_RT_TRANSFORMERS);
	}
	/* plan serves the file as stored, on llama.cpp only: no
	 * re-quantizations, transformers, vLLM, training or conversions. */
	{
		struct mp_hardware	*hw = malloc(sizeof(*hw));
		struct mp_scenario	 base;
		struct mp_planres	 pr;
		size_t			 nserve = 0;

		assert_non_null(hw);
		mp_scenario_init(&base);
		if (!mp_hardware_load("rtx-4090", hw, &e))
			fail_msg("%s", e.msg);
		if (!mp_planner_plan(&m, hw, &base, 0, &pr, &e))
			fail_msg("%s", e.msg);
		assert_true(pr.n_opt > 0);
		for (i = 0; i < pr.n_opt; i++) {
			assert_int_equal(pr.opt[i].goal, MP_GOAL_SERVE);
			assert_int_equal(pr.opt[i].est.sc.runtime,
			    MP_RT_LLAMACPP);
			assert_string_equal(pr.opt[i].est.sc.ftype, "");
			assert_non_null(strstr(pr.opt[i].label,
			    "llama.cpp, as stored"));
			nserve++;
		}
		assert_true(nserve >= 1);
		assert_non_null(strstr(pr.skipped_what, "GGUF"));
		mp_planres_fini(&pr);
		free(hw);
	}
	mp_model_fini(&m);
	rmtree(tmp);
}

/* A GGUF file of the given bytes fails with MP_EINPUT naming field. */
static void
bad_gguf(const struct buf *b, const char *field_part)
{
	struct mp_model	 m;
	struct mp_error	 e;
	char		 path[256];

	snprintf(path, sizeof(path), "%s/bad.gguf", tmp);
	put_file(path, b->p, b->n);
	mp_model_init(&m);
	memset(&e, 0, sizeof(e));
	assert_false(mp_model_load(path, &m, &e));
	assert_int_equal(e.status, MP_EINPUT);
	if (strstr(e.field, field_part) == NULL)
		fail_msg("field \"%s\" lacks \"%s\" (%s)", e.field, field_part,
		    e.msg);
	assert_int_equal(m.n_tensors, 0);
}

static void
gguf_head(struct buf *b, uint64_t n_t, uint64_t n_kv)
{
	b->n = 0;
	bput(b, "GGUF", 4);
	u32le(b, 3);
	u64le(b, n_t);
	u64le(b, n_kv);
}

static void
test_gguf_hostile(void **state)
{
	struct buf	 b = { 0 };
	struct gt	 t[64];
	size_t		 n;
	char		*argv[] = { "memplan", "estimate", NULL, NULL };
	char		 path[256], *out = NULL;
	static const char zeros[64];

	(void)state;
	mktmp();
	/* tensor count 2^62 */
	gguf_head(&b, 1ull << 62, 0);
	bad_gguf(&b, "tensor_count");
	/* KV count 2^62 */
	gguf_head(&b, 1, 1ull << 62);
	bput(&b, zeros, sizeof(zeros));
	bad_gguf(&b, "metadata_kv_count");
	/* a string value 2^40 bytes long */
	gguf_head(&b, 1, 1);
	gstr(&b, "general.architecture");
	u32le(&b, GT_STRING);
	u64le(&b, 1ull << 40);
	bput(&b, "llama", 5);
	bad_gguf(&b, "general.architecture");
	/* an array of 2^61 strings */
	gguf_head(&b, 1, 1);
	gstr(&b, "tokenizer.ggml.tokens");
	u32le(&b, GT_ARRAY);
	u32le(&b, GT_STRING);
	u64le(&b, 1ull << 61);
	bad_gguf(&b, "tokenizer.ggml.tokens");
	/* a key 2^40 bytes long */
	gguf_head(&b, 1, 1);
	u64le(&b, 1ull << 40);
	bput(&b, "general", 7);
	bput(&b, zeros, sizeof(zeros));
	bad_gguf(&b, "metadata[0].key");
	/* bad magic, bad version */
	gguf_head(&b, 1, 0);
	memcpy(b.p, "GGML", 4);
	bad_gguf(&b, "magic");
	gguf_head(&b, 1, 0);
	b.p[4] = 1;
	bad_gguf(&b, "version");

	/* an unknown ggml type id (99) */
	n = gguf_tensors(t);
	t[3].type = 99;
	b.n = 0;
	gguf_file(&b, t, n, false);
	bad_gguf(&b, "blk.0.attn_k.weight.type");
	/* dimensions whose product overflows */
	n = gguf_tensors(t);
	t[2].nd = 3;
	t[2].ne[0] = 1ull << 32;
	t[2].ne[1] = 1ull << 32;
	t[2].ne[2] = 1ull << 32;
	b.n = 0;
	gguf_file(&b, t, n, false);
	bad_gguf(&b, "blk.0.attn_q.weight.dims");
	/* a row that is not whole blocks */
	n = gguf_tensors(t);
	t[2].ne[0] = 100;
	b.n = 0;
	gguf_file(&b, t, n, false);
	bad_gguf(&b, "blk.0.attn_q.weight.dims");
	/* tensor data beyond the end of the file */
	n = gguf_tensors(t);
	b.n = 0;
	gguf_file(&b, t, n, false);
	bad_gguf(&b, ".offset");
	/* the same name twice */
	n = gguf_tensors(t);
	snprintf(t[5].name, sizeof(t[5].name), "%s", t[2].name);
	b.n = 0;
	gguf_file(&b, t, n, true);
	bad_gguf(&b, "tensors[5].name");
	/* two tensors over the same bytes: the data fits the file */
	n = gguf_tensors(t);
	b.n = 0;
	gguf_file(&b, t, n, true);
	{
		/* rewrite the offset of tensor 1 to tensor 0's (0) */
		unsigned char *p = bfind(&b, "blk.0.attn_norm.weight",
		    22);

		assert_non_null(p);
		/* name, n_dims (4), ne0 (8), type (4), then the offset */
		memset(p + 22 + 4 + 8 + 4, 0, 8);
	}
	bad_gguf(&b, "blk.0.attn_norm.weight.offset");
	/* heads that the KV heads do not divide */
	n = gguf_tensors(t);
	b.n = 0;
	gguf_file(&b, t, n, true);
	{
		unsigned char *p = bfind(&b,
		    "llama.attention.head_count_kv", 29);

		assert_non_null(p);
		p[29 + 4] = 3;		/* after the u32 type */
	}
	bad_gguf(&b, "llama.attention.head_count_kv");
	/* truncated in the middle of the tensor infos */
	b.n -= 40;
	bad_gguf(&b, "");

	/* the CLI: one line, exit 2 */
	gguf_head(&b, 1ull << 62, 0);
	snprintf(path, sizeof(path), "%s/bad.gguf", tmp);
	put_file(path, b.p, b.n);
	argv[2] = path;
	assert_int_equal(run(argv, &out), MP_EXIT_BAD);
	free(out);
	free(b.p);
	rmtree(tmp);
}

/* ---- the HuggingFace cache ---- */

static void
test_hf_cache(void **state)
{
	struct stlist	*l = calloc(1, sizeof(*l));
	struct mp_model	 m;
	struct mp_error	 e;
	char		 dir[200], path[1024], hub[100];
	const char	*old = getenv("HF_HUB_CACHE");
	char		*saved = old != NULL ? strdup(old) : NULL;
	uint64_t	 p, w;

	(void)state;
	mktmp();
	snprintf(hub, sizeof(hub), "%s/hub", tmp);
	snprintf(dir, sizeof(dir), "%s/models--Org--Tiny-LM", hub);
	snprintf(path, sizeof(path), "mkdir -p '%s/snapshots/abc123' "
	    "'%s/snapshots/old999' '%s/refs'", dir, dir, dir);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/refs/main", dir);
	put_file(path, "abc123\n", 7);
	snprintf(path, sizeof(path), "%s/snapshots/abc123", dir);
	write_config(path, "");
	llama_tensors(l, "BF16", "BF16");
	snprintf(path, sizeof(path), "%s/snapshots/abc123/model.safetensors",
	    dir);
	write_st(path, l, 0, l->n);
	/* an older snapshot with config.json alone: not the one refs/main
	 * names */
	snprintf(path, sizeof(path), "%s/snapshots/old999", dir);
	write_config(path, "");

	setenv("HF_HUB_CACHE", hub, 1);
	mp_model_init(&m);
	if (!mp_model_load("Org/Tiny-LM", &m, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
	assert_string_equal(m.name, "Tiny-LM");
	assert_int_equal(m.source, MP_SRC_SAFETENSORS);
	assert_int_equal(m.file_bytes, sum_numel(l) * 2);
	assert_non_null(strstr(m.path, "snapshots/abc123/config.json"));
	cli_estimate("Org/Tiny-LM", &p, &w);
	assert_int_equal(p, sum_numel(l));
	mp_model_fini(&m);

	/* Without refs/main: the newest snapshot. */
	snprintf(path, sizeof(path), "%s/refs/main", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "touch -d '2000-01-01' "
	    "'%s/snapshots/old999'", dir);
	assert_int_equal(system(path), 0);
	assert_true(mp_model_load("Org/Tiny-LM", &m, &e));
	assert_non_null(strstr(m.path, "snapshots/abc123/"));
	mp_model_fini(&m);

	/* Not in the cache. */
	assert_false(mp_model_load("Org/Absent", &m, &e));
	assert_int_equal(e.status, MP_EINPUT);
	assert_non_null(strstr(e.msg, "models--Org--Absent"));
	/* HF_HOME/hub when HF_HUB_CACHE is unset */
	unsetenv("HF_HUB_CACHE");
	setenv("HF_HOME", tmp, 1);
	assert_true(mp_model_load("Org/Tiny-LM", &m, &e));
	mp_model_fini(&m);
	unsetenv("HF_HOME");
	if (saved != NULL)
		setenv("HF_HUB_CACHE", saved, 1);
	free(saved);
	free(l);
	rmtree(tmp);
}

/*
 * A GGUF whose last block is an MTP layer (nextn_predict_layers 1, as
 * GLM-4.5's converter writes it): llama.cpp creates its tensors with
 * TENSOR_SKIP, so they take no device memory and no cache, while -ngl
 * still counts the block; with mmap the whole file is mapped.
 */
static void
test_gguf_nextn_skipped(void **state)
{
	struct gt	 t[64];
	struct buf	 b = { 0 };
	struct mp_model	 m, plain;
	struct mp_scenario sc;
	struct mp_estimate a, c;
	struct mp_error	 e;
	char		 path[256], path2[256];
	size_t		 n, i;
	uint64_t	 blk1 = 0;

	(void)state;
	mktmp();
	n = gguf_tensors(t);
	for (i = 0; i < n; i++)
		if (strncmp(t[i].name, "blk.1.", 6) == 0)
			blk1 += t[i].bytes;
	g_nextn = 1;
	gguf_file(&b, t, n, true);
	g_nextn = 0;
	snprintf(path, sizeof(path), "%s/mtp-Q4_K_M.gguf", tmp);
	put_file(path, b.p, b.n);
	free(b.p);
	memset(&b, 0, sizeof(b));
	gguf_file(&b, t, n, true);
	snprintf(path2, sizeof(path2), "%s/plain-Q4_K_M.gguf", tmp);
	put_file(path2, b.p, b.n);
	free(b.p);

	mp_model_init(&m);
	mp_model_init(&plain);
	if (!mp_model_load(path, &m, &e) || !mp_model_load(path2, &plain, &e))
		fail_msg("%s: %s: %s", e.file, e.field, e.msg);
	assert_int_equal(m.nextn_layers, 1);
	assert_int_equal(plain.nextn_layers, 0);
	mp_scenario_init(&sc);
	sc.runtime = MP_RT_LLAMACPP;
	sc.runtime_set = true;
	sc.gpu_layers_set = true;
	mp_error_clear(&e);
	assert_true(mp_estimate(&m, &sc, &a, &e));
	assert_true(mp_estimate(&plain, &sc, &c, &e));
	assert_int_equal(c.mem.weights - a.mem.weights, blk1);
	assert_int_equal(a.mem.kv_cache * 2, c.mem.kv_cache);
	assert_int_equal(c.device_total - a.device_total,
	    blk1 + a.mem.kv_cache);
	/* the file is mapped whole: host memory is the same */
	assert_int_equal(a.host_total, c.host_total);
	mp_model_fini(&m);
	mp_model_fini(&plain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_st_single_file),
		cmocka_unit_test(test_st_sharded_index),
		cmocka_unit_test(test_st_gptq_params_from_config),
		cmocka_unit_test(test_st_extra_tensor),
		cmocka_unit_test(test_st_per_expert_checkpoint),
		cmocka_unit_test(test_st_fp8_tied),
		cmocka_unit_test(test_st_hostile),
		cmocka_unit_test(test_gguf_model),
		cmocka_unit_test(test_gguf_nextn_skipped),
		cmocka_unit_test(test_gguf_hostile),
		cmocka_unit_test(test_hf_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
