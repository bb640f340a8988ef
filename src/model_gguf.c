/* model_gguf.c: a .gguf file's header, metadata and tensor infos */
/* SPDX-License-Identifier: MIT */
/*
 * The layout follows the GGUF specification (ggml docs/gguf.md, and
 * gguf-py's constants.py for the value and ggml type ids):
 *
 *   u32 magic "GGUF", u32 version (2 or 3), u64 tensor_count,
 *   u64 metadata_kv_count,
 *   metadata: { gguf_string key; u32 value_type; value },
 *   tensor infos: { gguf_string name; u32 n_dims; u64 ne[n_dims];
 *                   u32 ggml_type; u64 offset },
 *   padding to general.alignment (32), tensor data.
 *
 * A gguf_string is a u64 length and that many bytes (no NUL); an array
 * value is a u32 element type, a u64 count and the elements.  All is
 * little-endian.  ne[0] is the row length (ggml order, the reverse of
 * PyTorch's shape).
 *
 * Only the header is read: every count and length is checked against
 * what is left of the file (and sane limits) before it is used, and big
 * arrays (the tokenizer's vocabulary) are skipped without being stored.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "internal.h"
#include "remote.h"

#define GG_MAGIC	0x46554747u	/* "GGUF" read little-endian */
#define GG_MAX_TENSORS	(1u << 20)
#define GG_MAX_KV	(1u << 20)
#define GG_MAX_KEY	65535u		/* the spec: keys < 2^16 bytes */
#define GG_MAX_NAME	256u		/* ggml: GGML_MAX_NAME is 64 */
#define GG_MAX_DIMS	4		/* ggml: GGML_MAX_DIMS */
#define GG_MAX_ILIST	65536u		/* per-layer arrays kept */
#define GG_BUF		(1u << 16)

/* Metadata value types (gguf.md, enum gguf_metadata_value_type). */
enum { GT_U8, GT_I8, GT_U16, GT_I16, GT_U32, GT_I32, GT_F32, GT_BOOL,
	GT_STRING, GT_ARRAY, GT_U64, GT_I64, GT_F64, GT__COUNT };
static const uint8_t gt_size[GT__COUNT] = {
	1, 1, 2, 2, 4, 4, 4, 1, 8 /* at least the length */, 12, 8, 8, 8
};

/*
 * ggml types by id (ggml.h enum ggml_type; block sizes and bytes from
 * ggml.c type_traits and ggml-common.h).  Ids 4, 5 and 31-33, 36-38 were
 * removed from ggml.  Types memplan has no name for carry MP_DT_NONE and
 * their own sizes.
 */
static const struct {
	int		 id;
	enum mp_dtype	 dt;
	uint32_t	 block, bytes;	/* used when dt is NONE */
	const char	*name;
} gg_types[] = {
	{ 0, MP_DT_F32, 0, 0, "F32" }, { 1, MP_DT_F16, 0, 0, "F16" },
	{ 2, MP_DT_Q4_0, 0, 0, "Q4_0" }, { 3, MP_DT_Q4_1, 0, 0, "Q4_1" },
	{ 6, MP_DT_Q5_0, 0, 0, "Q5_0" }, { 7, MP_DT_Q5_1, 0, 0, "Q5_1" },
	{ 8, MP_DT_Q8_0, 0, 0, "Q8_0" }, { 9, MP_DT_NONE, 32, 36, "Q8_1" },
	{ 10, MP_DT_Q2_K, 0, 0, "Q2_K" }, { 11, MP_DT_Q3_K, 0, 0, "Q3_K" },
	{ 12, MP_DT_Q4_K, 0, 0, "Q4_K" }, { 13, MP_DT_Q5_K, 0, 0, "Q5_K" },
	{ 14, MP_DT_Q6_K, 0, 0, "Q6_K" }, { 15, MP_DT_Q8_K, 0, 0, "Q8_K" },
	{ 16, MP_DT_IQ2_XXS, 0, 0, "IQ2_XXS" },
	{ 17, MP_DT_IQ2_XS, 0, 0, "IQ2_XS" },
	{ 18, MP_DT_IQ3_XXS, 0, 0, "IQ3_XXS" },
	{ 19, MP_DT_IQ1_S, 0, 0, "IQ1_S" },
	{ 20, MP_DT_IQ4_NL, 0, 0, "IQ4_NL" },
	{ 21, MP_DT_IQ3_S, 0, 0, "IQ3_S" },
	{ 22, MP_DT_IQ2_S, 0, 0, "IQ2_S" },
	{ 23, MP_DT_IQ4_XS, 0, 0, "IQ4_XS" },
	{ 24, MP_DT_INT8, 0, 0, "I8" }, { 25, MP_DT_NONE, 1, 2, "I16" },
	{ 26, MP_DT_NONE, 1, 4, "I32" }, { 27, MP_DT_NONE, 1, 8, "I64" },
	{ 28, MP_DT_NONE, 1, 8, "F64" }, { 29, MP_DT_IQ1_M, 0, 0, "IQ1_M" },
	{ 30, MP_DT_BF16, 0, 0, "BF16" },
	{ 34, MP_DT_TQ1_0, 0, 0, "TQ1_0" }, { 35, MP_DT_TQ2_0, 0, 0, "TQ2_0" },
	{ 39, MP_DT_MXFP4, 0, 0, "MXFP4" },
};
#define N_GG_TYPES	(sizeof(gg_types) / sizeof(gg_types[0]))

/* A buffered reader that knows how much of the file is left. */
struct rd {
	FILE		*fp;
	/* Or a prefix of the file already in memory (fetched over HTTP):
	 * the first mem_len of size bytes; reading past it sets more, so
	 * that the caller can fetch a longer one. */
	const unsigned char *mem;
	size_t		 mem_len;
	bool		 more;
	const char	*path;
	uint64_t	 size, pos;	/* pos: offset of the next byte */
	unsigned char	*buf;
	size_t		 len, off;
	struct mp_error	*err;
};

static uint64_t
left(const struct rd *r)
{
	return r->size - r->pos;
}

static bool
short_file(struct rd *r, const char *field, uint64_t need)
{
	return mp_error_set(r->err, MP_EINPUT, r->path, field,
	    "needs %llu bytes at offset %llu; the file is %llu bytes",
	    (unsigned long long)need, (unsigned long long)r->pos,
	    (unsigned long long)r->size);
}

static bool
rd_bytes(struct rd *r, void *dst, size_t n, const char *field)
{
	unsigned char *d = dst;

	if (n > left(r))
		return short_file(r, field, n);
	if (r->mem != NULL) {
		if (r->pos > r->mem_len || n > r->mem_len - r->pos) {
			r->more = true;
			return mp_error_set(r->err, MP_EINPUT, r->path, field,
			    "the header continues past the first %zu bytes "
			    "read", r->mem_len);
		}
		memcpy(d, r->mem + r->pos, n);
		r->pos += n;
		return true;
	}
	while (n > 0) {
		size_t k;

		if (r->off == r->len) {
			r->len = fread(r->buf, 1, GG_BUF, r->fp);
			r->off = 0;
			if (r->len == 0)
				return mp_error_set(r->err, MP_EIO, r->path,
				    field, "read error");
		}
		k = r->len - r->off < n ? r->len - r->off : n;
		memcpy(d, r->buf + r->off, k);
		r->off += k;
		r->pos += k;
		d += k;
		n -= k;
	}
	return true;
}

static bool
rd_skip(struct rd *r, uint64_t n, const char *field)
{
	if (n > left(r))
		return short_file(r, field, n);
	if (r->mem != NULL) {
		r->pos += n;
		return true;
	}
	if (n <= r->len - r->off) {
		r->off += (size_t)n;
		r->pos += n;
		return true;
	}
	r->pos += n;
	r->len = r->off = 0;
	if (fseeko(r->fp, (off_t)r->pos, SEEK_SET) != 0)
		return mp_error_set(r->err, MP_EIO, r->path, field,
		    "seek error");
	return true;
}

static bool
rd_u32(struct rd *r, uint32_t *v, const char *field)
{
	unsigned char b[4];

	if (!rd_bytes(r, b, 4, field))
		return false;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
	return true;
}

static bool
rd_u64(struct rd *r, uint64_t *v, const char *field)
{
	unsigned char	b[8];
	int		i;

	if (!rd_bytes(r, b, 8, field))
		return false;
	*v = 0;
	for (i = 7; i >= 0; i--)
		*v = *v << 8 | b[i];
	return true;
}

/* A string's length, checked against the file and a limit. */
static bool
rd_strlen(struct rd *r, uint64_t max, uint64_t *n, const char *field)
{
	if (!rd_u64(r, n, field))
		return false;
	if (*n > left(r))
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "string length %llu exceeds the file (%llu bytes left)",
		    (unsigned long long)*n, (unsigned long long)left(r));
	if (*n > max)
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "string length %llu; at most %llu expected",
		    (unsigned long long)*n, (unsigned long long)max);
	return true;
}

/* A string into out (cut to outlen - 1), or skipped when out is NULL. */
static bool
rd_str(struct rd *r, uint64_t max, char *out, size_t outlen,
    const char *field)
{
	uint64_t n;
	size_t k;

	if (!rd_strlen(r, max, &n, field))
		return false;
	if (out == NULL)
		return rd_skip(r, n, field);
	k = n < outlen - 1 ? (size_t)n : outlen - 1;
	if (!rd_bytes(r, out, k, field) || !rd_skip(r, n - k, field))
		return false;
	out[k] = '\0';
	return true;
}

/* What the metadata says, as far as memplan needs it. */
struct kv {
	char		*key;		/* malloc'd, exact */
	char		*str;		/* general.architecture's value */
	uint64_t	 u;
	uint64_t	 arr_n;		/* an array's length */
	uint32_t	*ilist;		/* an integer array, when short */
	bool		 num;		/* an integer scalar */
};

struct meta {
	struct kv	*kv;
	size_t		 n, cap;
	uint32_t	 alignment;
};

static void
meta_fini(struct meta *mt)
{
	size_t i;

	for (i = 0; i < mt->n; i++) {
		free(mt->kv[i].ilist);
		free(mt->kv[i].key);
		free(mt->kv[i].str);
	}
	free(mt->kv);
}

static int
cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Keys are sorted once (sort_meta): each look-up is a binary search, so
 * a 4,096-layer model with a million keys is read in O(n log n). */
static const struct kv *
kv_find(const struct meta *mt, const char *key)
{
	struct kv k;

	memset(&k, 0, sizeof(k));
	k.key = (char *)(uintptr_t)key;
	return mt->n == 0 ? NULL : bsearch(&k, mt->kv, mt->n, sizeof(k),
	    cmp_kv);
}

/* Sorts the keys; a key given twice is refused, as llama.cpp's gguf.cpp
 * refuses it ("duplicate key"). */
static bool
sort_meta(struct meta *mt, const char *path, struct mp_error *err)
{
	size_t i;

	if (mt->n > 1)
		qsort(mt->kv, mt->n, sizeof(*mt->kv), cmp_kv);
	for (i = 1; i < mt->n; i++)
		if (strcmp(mt->kv[i - 1].key, mt->kv[i].key) == 0)
			return mp_error_set(err, MP_EINPUT, path,
			    mt->kv[i].key, "key appears more than once "
			    "(llama.cpp refuses the file)");
	return true;
}

/* Integer scalar of a signed or unsigned type as u64 (negative: fail). */
static bool
int_value(struct rd *r, uint32_t type, uint64_t *u, bool *ok,
    const char *field)
{
	unsigned char	b[8];
	uint64_t	v = 0;
	int		i, sz = gt_size[type];

	if (!rd_bytes(r, b, (size_t)sz, field))
		return false;
	for (i = sz - 1; i >= 0; i--)
		v = v << 8 | b[i];
	*ok = true;
	switch (type) {
	case GT_I8:
		*ok = !(v & 0x80);
		break;
	case GT_I16:
		*ok = !(v & 0x8000);
		break;
	case GT_I32:
		*ok = !(v & 0x80000000u);
		break;
	case GT_I64:
		*ok = !(v >> 63);
		break;
	case GT_F32: case GT_F64: case GT_BOOL:
		*ok = type == GT_BOOL;
		break;
	default:
		break;
	}
	*u = v;
	return true;
}

static bool
is_int_type(uint32_t t)
{
	return t == GT_U8 || t == GT_I8 || t == GT_U16 || t == GT_I16 ||
	    t == GT_U32 || t == GT_I32 || t == GT_U64 || t == GT_I64;
}

/* One metadata value of type type for key (in kv when kept). */
static bool
read_value(struct rd *r, uint32_t type, struct kv *kv, const char *field)
{
	uint32_t	 at;
	uint64_t	 n, i, u, esz;
	bool		 ok;

	if (type >= GT__COUNT)
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "unknown value type %u; expected 0 to 12", type);
	if (type == GT_STRING) {
		char	 s[128];
		bool	 keep = kv != NULL &&
			    strcmp(kv->key, "general.architecture") == 0;

		/* Only the architecture's name is read as a string. */
		if (!rd_str(r, UINT64_MAX, keep ? s : NULL, sizeof(s), field))
			return false;
		if (keep && (kv->str = strdup(s)) == NULL)
			return mp_error_set(r->err, MP_ENOMEM, r->path, field,
			    "out of memory");
		return true;
	}
	if (type != GT_ARRAY) {
		if (!int_value(r, type, &u, &ok, field))
			return false;
		if (kv != NULL && ok && type != GT_BOOL) {
			kv->num = true;
			kv->u = u;
		}
		return true;
	}
	if (!rd_u32(r, &at, field) || !rd_u64(r, &n, field))
		return false;
	if (at >= GT__COUNT || at == GT_ARRAY)
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "array of value type %u; expected 0 to 12, not nested", at);
	esz = gt_size[at];
	/* Every element takes at least esz bytes: check before reading. */
	if (n > left(r) / esz)
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "array of %llu elements exceeds the file (%llu bytes left)",
		    (unsigned long long)n, (unsigned long long)left(r));
	if (kv != NULL)
		kv->arr_n = n;
	if (at == GT_STRING) {
		for (i = 0; i < n; i++) {
			uint64_t len;

			if (!rd_strlen(r, UINT64_MAX, &len, field) ||
			    !rd_skip(r, len, field))
				return false;
		}
		return true;
	}
	if (kv != NULL && is_int_type(at) && n > 0 && n <= GG_MAX_ILIST) {
		if ((kv->ilist = calloc((size_t)n, sizeof(uint32_t))) == NULL)
			return mp_error_set(r->err, MP_ENOMEM, r->path, field,
			    "out of memory");
		for (i = 0; i < n; i++) {
			if (!int_value(r, at, &u, &ok, field))
				return false;
			/* A negative count is an error, not 0. */
			if (!ok || u > UINT32_MAX)
				return mp_error_set(r->err, MP_EINPUT, r->path,
				    field, "element %llu is %s; expected a "
				    "count from 0 to %u", (unsigned long long)i,
				    ok ? "too large" : "negative", UINT32_MAX);
			kv->ilist[i] = (uint32_t)u;
		}
		return true;
	}
	return rd_skip(r, n * esz, field);
}

static bool
read_meta(struct rd *r, uint64_t n_kv, struct meta *mt)
{
	uint64_t	 i, klen;
	uint32_t	 type;
	char		 field[96];

	mt->alignment = 32;
	for (i = 0; i < n_kv; i++) {
		struct kv *kv;

		/* Grown as pairs are read: never sized by n_kv itself. */
		if (mt->n == mt->cap) {
			size_t cap = mt->cap ? mt->cap * 2 : 64;

			if ((kv = realloc(mt->kv, cap * sizeof(*kv))) == NULL)
				return mp_error_set(r->err, MP_ENOMEM, r->path,
				    NULL, "out of memory");
			mt->kv = kv;
			mt->cap = cap;
		}
		kv = &mt->kv[mt->n];
		memset(kv, 0, sizeof(*kv));

		snprintf(field, sizeof(field), "metadata[%llu].key",
		    (unsigned long long)i);
		if (!rd_strlen(r, GG_MAX_KEY, &klen, field))
			return false;
		/* Every key is kept (whole) for the duplicate check. */
		if ((kv->key = malloc((size_t)klen + 1)) == NULL)
			return mp_error_set(r->err, MP_ENOMEM, r->path, NULL,
			    "out of memory");
		mt->n++;	/* owned from here (key, ilist, str) */
		if (!rd_bytes(r, kv->key, (size_t)klen, field))
			return false;
		kv->key[klen] = '\0';
		if (memchr(kv->key, '\0', (size_t)klen) != NULL)
			return mp_error_set(r->err, MP_EINPUT, r->path, field,
			    "key contains a NUL byte");
		snprintf(field, sizeof(field), "%s", kv->key);
		if (!rd_u32(r, &type, field) ||
		    !read_value(r, type, kv, field))
			return false;
		if (strcmp(kv->key, "general.alignment") == 0) {
			if (!kv->num || kv->u == 0 || kv->u > (1u << 20) ||
			    (kv->u & (kv->u - 1)) != 0)
				return mp_error_set(r->err, MP_EINPUT, r->path,
				    field, "expected a power of two up to 2^20");
			mt->alignment = (uint32_t)kv->u;
		}
	}
	return true;
}

/* "<arch>.<suffix>" as an integer; def when absent. */
static bool
arch_u(const struct meta *mt, const char *arch, const char *suffix,
    uint64_t def, uint64_t max, uint64_t *out, const char *path,
    struct mp_error *err)
{
	char			 key[160];
	const struct kv		*kv;

	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	kv = kv_find(mt, key);
	*out = def;
	if (kv == NULL)
		return true;
	if (kv->ilist != NULL) {	/* per layer: the largest */
		uint64_t i, m = 0;

		for (i = 0; i < kv->arr_n; i++)
			if (kv->ilist[i] > m)
				m = kv->ilist[i];
		*out = m;
	} else if (kv->num)
		*out = kv->u;
	else
		return mp_error_set(err, MP_EINPUT, path, key,
		    "expected an unsigned integer");
	if (*out > max)
		return mp_error_set(err, MP_EINPUT, path, key,
		    "%llu is more than %llu", (unsigned long long)*out,
		    (unsigned long long)max);
	return true;
}

/* Per-layer value of "<arch>.<suffix>" (an array or one scalar). */
static uint64_t
arch_layer(const struct meta *mt, const char *arch, const char *suffix,
    uint32_t l, uint64_t def)
{
	char		 key[160];
	const struct kv	*kv;

	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	if ((kv = kv_find(mt, key)) == NULL)
		return def;
	if (kv->ilist != NULL)
		return l < kv->arr_n ? kv->ilist[l] : def;
	return kv->num ? kv->u : def;
}

/* Is "<arch>.<suffix>" an array (one value per layer)? */
static bool
per_layer(const struct meta *mt, const char *arch, const char *suffix)
{
	char		 key[160];
	const struct kv	*kv;

	snprintf(key, sizeof(key), "%s.%s", arch, suffix);
	kv = kv_find(mt, key);
	return kv != NULL && kv->arr_n > 0;
}

/* Tensor infos sorted by name, or by offset. */
struct tref {
	const char	*name;
	uint64_t	 off, len;
	size_t		 i;
};

static int
cmp_name(const void *a, const void *b)
{
	const struct tref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

static int
cmp_off(const void *a, const void *b)
{
	const struct tref *x = a, *y = b;

	if (x->off != y->off)
		return (x->off > y->off) - (x->off < y->off);
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * The layout gguf.cpp and llama-model-loader.cpp require: without offs,
 * names unique over the n tensors from base (every part of a split
 * model: "tensor is duplicated"); with offs, one file's data ranges
 * disjoint (gguf_init_from_file_impl places each tensor after the
 * previous one).
 */
static bool
check_layout(const struct mp_model *m, size_t base, size_t n,
    const uint64_t *offs, const uint64_t *lens, const char *path,
    struct mp_error *err)
{
	struct tref	*r;
	size_t		 i;
	char		 field[96];
	bool		 ok = true;

	if ((r = calloc(n + 1, sizeof(*r))) == NULL)
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	for (i = 0; i < n; i++) {
		r[i].name = m->tensors[base + i].name;
		r[i].off = offs != NULL ? offs[i] : 0;
		r[i].len = lens != NULL ? lens[i] : 0;
		r[i].i = base + i;
	}
	qsort(r, n, sizeof(*r), offs == NULL ? cmp_name : cmp_off);
	for (i = 1; i < n && ok; i++)
		if (offs == NULL && strcmp(r[i].name, r[i - 1].name) == 0) {
			snprintf(field, sizeof(field), "tensors[%zu].name",
			    r[i].i);
			ok = mp_error_set(err, MP_EINPUT, path, field,
			    "duplicate tensor name \"%s\"", r[i].name);
		} else if (offs != NULL && (r[i].off < r[i - 1].off +
		    r[i - 1].len || (r[i].off == r[i - 1].off &&
		    r[i - 1].len == 0 && r[i].len == 0))) {
			snprintf(field, sizeof(field), "%s.offset", r[i].name);
			ok = mp_error_set(err, MP_EINPUT, path, field,
			    "overlaps %s", r[i - 1].name);
		}
	free(r);
	return ok;
}

/* Tensor kinds from llama.cpp's tensor names (llama-arch.cpp). */
static const struct {
	const char	*name;	/* after "blk.N." or whole; ".weight" off */
	enum mp_tkind	 kind;
	unsigned	 flags;
} gg_kinds[] = {
	{ "token_embd", MP_TK_EMBED, 0 },
	{ "position_embd", MP_TK_POS_EMBED, 0 },
	{ "output", MP_TK_OUTPUT, MP_TF_LINEAR },
	{ "attn_q", MP_TK_ATTN_Q, MP_TF_LINEAR },
	{ "attn_k", MP_TK_ATTN_K, MP_TF_LINEAR },
	{ "attn_v", MP_TK_ATTN_V, MP_TF_LINEAR },
	{ "attn_output", MP_TK_ATTN_O, MP_TF_LINEAR },
	{ "attn_qkv", MP_TK_ATTN_QKV, MP_TF_LINEAR },
	{ "attn_q_a", MP_TK_ATTN_Q_A, MP_TF_LINEAR },
	{ "attn_q_b", MP_TK_ATTN_Q_B, MP_TF_LINEAR },
	{ "attn_kv_a_mqa", MP_TK_ATTN_KV_A, MP_TF_LINEAR },
	{ "attn_kv_b", MP_TK_ATTN_KV_B, MP_TF_LINEAR },
	{ "attn_k_b", MP_TK_ATTN_KV_B, MP_TF_LINEAR },
	{ "attn_v_b", MP_TK_ATTN_KV_B, MP_TF_LINEAR },
	{ "attn_sinks", MP_TK_ATTN_SINKS, 0 },
	{ "ffn_gate", MP_TK_FFN_GATE, MP_TF_LINEAR },
	{ "ffn_up", MP_TK_FFN_UP, MP_TF_LINEAR },
	{ "ffn_down", MP_TK_FFN_DOWN, MP_TF_LINEAR },
	{ "ffn_gate_up", MP_TK_FFN_GATE_UP, MP_TF_LINEAR },
	{ "ffn_gate_inp", MP_TK_ROUTER, 0 },
	{ "exp_probs_b", MP_TK_ROUTER_BIAS, 0 },
	{ "ffn_gate_exps", MP_TK_EXP_GATE, MP_TF_EXPERTS },
	{ "ffn_up_exps", MP_TK_EXP_UP, MP_TF_EXPERTS },
	{ "ffn_down_exps", MP_TK_EXP_DOWN, MP_TF_EXPERTS },
	{ "ffn_gate_up_exps", MP_TK_EXP_GATE_UP, MP_TF_EXPERTS },
	{ "ffn_gate_shexp", MP_TK_SHEXP_GATE, MP_TF_LINEAR },
	{ "ffn_up_shexp", MP_TK_SHEXP_UP, MP_TF_LINEAR },
	{ "ffn_down_shexp", MP_TK_SHEXP_DOWN, MP_TF_LINEAR },
	{ "ffn_gate_inp_shexp", MP_TK_SHEXP_ROUTER, 0 },
	{ "ssm_in", MP_TK_SSM_IN, MP_TF_LINEAR },
	{ "ssm_out", MP_TK_SSM_OUT, MP_TF_LINEAR },
	{ "ssm_conv1d", MP_TK_SSM_CONV, 0 },
	{ "ssm_a", MP_TK_SSM_A, 0 },
	{ "ssm_d", MP_TK_SSM_D, 0 },
	{ "ssm_dt", MP_TK_SSM_DT_BIAS, 0 },
	{ "ssm_norm", MP_TK_SSM_NORM, 0 },
};

static void
tensor_kind(const char *name, int32_t *layer, enum mp_tkind *kind,
    unsigned *flags)
{
	char		 base[GG_MAX_NAME + 1];
	const char	*p = name, *dot;
	size_t		 i, n;
	bool		 bias;

	*layer = -1;
	*kind = MP_TK_OTHER;
	*flags = 0;
	if (strncmp(name, "blk.", 4) == 0 && name[4] >= '0' && name[4] <= '9') {
		long v = strtol(name + 4, NULL, 10);

		*layer = v >= 0 && v < 1000000 ? (int32_t)v : -1;
		if ((dot = strchr(name + 4, '.')) != NULL)
			p = dot + 1;
	}
	n = strlen(p);
	bias = n > 5 && strcmp(p + n - 5, ".bias") == 0;
	if (n > 7 && strcmp(p + n - 7, ".weight") == 0)
		n -= 7;
	else if (bias)
		n -= 5;
	if (n >= sizeof(base))
		return;
	memcpy(base, p, n);
	base[n] = '\0';
	if (strstr(base, "norm") != NULL && strncmp(base, "ssm_norm", 8) != 0) {
		*kind = MP_TK_NORM;
		return;
	}
	for (i = 0; i < sizeof(gg_kinds) / sizeof(gg_kinds[0]); i++)
		if (strcmp(base, gg_kinds[i].name) == 0) {
			*kind = gg_kinds[i].kind;
			*flags = gg_kinds[i].flags;
			break;
		}
	if (bias) {
		*kind = MP_TK_BIAS;
		*flags = 0;
	}
}

static int
gg_type(uint32_t id)
{
	size_t i;

	for (i = 0; i < N_GG_TYPES; i++)
		if ((uint32_t)gg_types[i].id == id)
			return (int)i;
	return -1;
}

/* Bytes of rows x ne0 elements of ggml type ti; false when ne0 does
 * not fill whole blocks or the size overflows. */
static bool
gg_bytes(int ti, uint64_t ne0, uint64_t rows, uint64_t *out, bool *blocks)
{
	uint32_t	 block = gg_types[ti].block, bb = gg_types[ti].bytes;
	uint64_t	 row;

	if (gg_types[ti].dt != MP_DT_NONE) {
		block = mp_dtype_info(gg_types[ti].dt)->block;
		bb = mp_dtype_info(gg_types[ti].dt)->block_bytes;
	}
	*blocks = ne0 % block == 0;
	if (!*blocks)
		return false;
	row = ne0 / block * bb;
	return mp_mul(row, rows, out);
}

/* One tensor info, appended to m. */
static bool
read_tensor(struct rd *r, uint64_t i, uint64_t *offset, uint64_t *bytes,
    struct mp_model *m)
{
	char		 field[96], name[GG_MAX_NAME + 1];
	uint32_t	 nd, type;
	uint64_t	 ne[GG_MAX_DIMS] = { 1, 1, 1, 1 }, rows = 1, d[3];
	uint64_t	 numel;
	enum mp_tkind	 kind;
	unsigned	 flags;
	int32_t		 layer;
	uint8_t		 pnd;
	int		 ti;
	bool		 whole;
	uint32_t	 k;

	snprintf(field, sizeof(field), "tensors[%llu].name",
	    (unsigned long long)i);
	if (!rd_str(r, GG_MAX_NAME, name, sizeof(name), field))
		return false;
	if (strlen(name) >= sizeof(m->tensors[0].name))
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "name \"%.40s...\" is longer than %zu bytes", name,
		    sizeof(m->tensors[0].name) - 1);
	snprintf(field, sizeof(field), "%s.n_dims", name);
	if (!rd_u32(r, &nd, field))
		return false;
	if (nd == 0 || nd > GG_MAX_DIMS)
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "%u dimensions; expected 1 to %d", nd, GG_MAX_DIMS);
	snprintf(field, sizeof(field), "%s.dims", name);
	numel = 1;
	for (k = 0; k < nd; k++) {
		if (!rd_u64(r, &ne[k], field))
			return false;
		if (!mp_mul(numel, ne[k], &numel) || numel > (1ull << 62))
			return mp_error_set(r->err, MP_EINPUT, r->path, field,
			    "element count overflows (dimension %u is %llu)",
			    k, (unsigned long long)ne[k]);
	}
	snprintf(field, sizeof(field), "%s.type", name);
	if (!rd_u32(r, &type, field))
		return false;
	if ((ti = gg_type(type)) < 0)
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    "unknown ggml type id %u", type);
	snprintf(field, sizeof(field), "%s.offset", name);
	if (!rd_u64(r, offset, field))
		return false;
	for (k = 1; k < GG_MAX_DIMS; k++)
		rows *= ne[k];		/* exact: numel did not overflow */
	if (!gg_bytes(ti, ne[0], rows, bytes, &whole)) {
		snprintf(field, sizeof(field), "%s.dims", name);
		return mp_error_set(r->err, MP_EINPUT, r->path, field,
		    whole ? "byte count overflows" :
		    "row of %llu elements is not whole %s blocks",
		    (unsigned long long)ne[0], gg_types[ti].name);
	}
	/* PyTorch order, leading dimensions folded into the first. */
	if (nd <= 3) {
		pnd = (uint8_t)nd;
		for (k = 0; k < nd; k++)
			d[k] = ne[nd - 1 - k];
		for (; k < 3; k++)
			d[k] = 0;
	} else {
		pnd = 3;
		d[0] = ne[3] * ne[2];
		d[1] = ne[1];
		d[2] = ne[0];
	}
	tensor_kind(name, &layer, &kind, &flags);
	if (flags & MP_TF_LINEAR && pnd != 2)
		flags &= ~MP_TF_LINEAR;
	if (!mp_model_add(m, name, layer, kind, flags, pnd, d[0], d[1], d[2],
	    r->err))
		return false;
	m->tensors[m->n_tensors - 1].file_dtype = (uint8_t)gg_types[ti].dt;
	m->tensors[m->n_tensors - 1].file_bytes = *bytes;
	return true;
}

#define LF_MOE	0x01u	/* blk.N.ffn_gate_inp: a router */
#define LF_SSM	0x02u	/* blk.N.ssm_in: a Mamba mixer */
#define LF_ATTN	0x04u	/* blk.N.attn_*: attention */

/* What each layer holds, in one pass over the tensors. */
static void
layer_flags(const struct mp_model *m, uint8_t *lf)
{
	size_t		 i;
	const char	*p;

	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		if (t->layer < 0 || (uint32_t)t->layer >= m->layers ||
		    (p = strchr(t->name + 4, '.')) == NULL)
			continue;
		p++;
		if (strncmp(p, "ffn_gate_inp", 12) == 0)
			lf[t->layer] |= LF_MOE;
		if (strncmp(p, "ssm_in", 6) == 0)
			lf[t->layer] |= LF_SSM;
		if (strncmp(p, "attn_", 5) == 0)
			lf[t->layer] |= LF_ATTN;
	}
}

/*
 * Hyperparameters from "<arch>.*" keys (llama.cpp's LLM_KV names in
 * llama-arch.cpp), and what each layer caches.
 */
static bool
hyper(struct mp_model *m, const struct meta *mt, const char *arch,
    struct mp_error *err)
{
	const char	*path = m->path;
	const struct kv	*tok;
	uint64_t	 v, kl, vl, rope, lora, win, inner, state, conv, grp;
	uint32_t	 l;
	size_t		 i;
	bool		 ssm;
	uint8_t		 lf[4096];	/* block_count is at most 4096 */

#define U(suf, def, max, dst) do {					\
	if (!arch_u(mt, arch, suf, def, max, &v, path, err))		\
		return false;						\
	dst = v;							\
} while (0)
	U("block_count", 0, 4096, m->layers);
	if (m->layers == 0)
		return mp_error_set(err, MP_EINPUT, path, "block_count",
		    "missing %s.block_count; expected the number of layers",
		    arch);
	/* GLM-4.5's converter keeps its MTP layers as the last blocks
	 * (LLM_KV_NEXTN_PREDICT_LAYERS); llama.cpp skips their tensors. */
	U("nextn_predict_layers", 0, m->layers - 1, m->nextn_layers);
	U("embedding_length", 0, 1u << 20, m->hidden);
	U("attention.head_count", 0, 65536, m->heads);
	U("attention.head_count_kv", m->heads, 65536, m->kv_heads);
	U("feed_forward_length", 0, 1u << 22, m->intermediate);
	U("context_length", 0, 1ull << 34, m->max_pos);
	U("expert_count", 0, 65536, m->n_experts);
	U("expert_used_count", 0, 65536, m->experts_per_tok);
	U("expert_feed_forward_length", 0, 1u << 22, m->moe_intermediate);
	U("expert_shared_count", 0, 65536, m->n_shared_experts);
	U("expert_shared_feed_forward_length", 0, 1u << 22,
	    m->shared_intermediate);
	U("attention.key_length", m->heads ? m->hidden / m->heads : 0,
	    1u << 20, kl);
	U("attention.value_length", kl, 1u << 20, vl);
	U("rope.dimension_count", kl, 1u << 20, rope);
	U("attention.kv_lora_rank", 0, 1u << 20, lora);
	U("attention.q_lora_rank", 0, 1u << 20, m->q_lora_rank);
	U("attention.sliding_window", 0, 1ull << 32, win);
	U("ssm.inner_size", 0, 1u << 22, inner);
	U("ssm.state_size", 0, 1u << 20, state);
	U("ssm.conv_kernel", 0, 1u << 10, conv);
	U("ssm.group_count", 1, 1u << 16, grp);
	U("ssm.time_step_rank", 0, 1u << 20, m->ssm_heads);
	U("vocab_size", 0, 1ull << 32, m->vocab);
#undef U
	if (m->hidden == 0) {
		char key[160];

		snprintf(key, sizeof(key), "%s.embedding_length", arch);
		return mp_error_set(err, MP_EINPUT, path, key,
		    "missing; expected the hidden size");
	}
	if (m->max_pos == 0) {
		m->max_pos = 4096;
		snprintf(m->warning, sizeof(m->warning), "no %.64s."
		    "context_length in the GGUF; assumed 4096 tokens", arch);
	}
	/* Mixtral's GGUF gives the experts' width as feed_forward_length. */
	if (m->n_experts != 0 && m->moe_intermediate == 0)
		m->moe_intermediate = m->intermediate;
	if (m->heads == 0 && state == 0) {
		char key[160];

		snprintf(key, sizeof(key), "%s.attention.head_count", arch);
		return mp_error_set(err, MP_EINPUT, path, key,
		    "expected 1 to 65536, got 0");
	}
	if (!per_layer(mt, arch, "attention.head_count") &&
	    !per_layer(mt, arch, "attention.head_count_kv") &&
	    m->kv_heads != 0 && m->heads % m->kv_heads != 0) {
		char key[160];

		snprintf(key, sizeof(key), "%s.attention.head_count_kv", arch);
		return mp_error_set(err, MP_EINPUT, path, key,
		    "expected a divisor of %s.attention.head_count", arch);
	}
	m->head_dim = (uint32_t)kl;
	m->v_head_dim = (uint32_t)vl;
	m->rotary_dim = (uint32_t)rope;
	m->sliding_window = (uint32_t)win;
	m->kv_lora_rank = (uint32_t)lora;
	m->ssm_state = (uint32_t)state;
	m->ssm_conv = (uint32_t)conv;
	m->ssm_groups = (uint32_t)grp;
	if (m->ssm_heads != 0 && inner != 0)
		m->ssm_head_dim = (uint32_t)(inner / m->ssm_heads);
	if (lora != 0) {
		m->qk_rope_dim = (uint32_t)rope;
		m->qk_nope_dim = kl > rope ? (uint32_t)(kl - rope) : 0;
	}
	if (m->vocab == 0 && (tok = kv_find(mt, "tokenizer.ggml.tokens")) !=
	    NULL)
		m->vocab = tok->arr_n;
	m->tied = true;
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		if (strcmp(t->name, "output.weight") == 0)
			m->tied = false;
		if (t->kind == MP_TK_FFN_GATE || t->kind == MP_TK_EXP_GATE ||
		    t->kind == MP_TK_FFN_GATE_UP)
			m->gated_mlp = true;
		if (m->vocab == 0 && t->kind == MP_TK_EMBED && t->ndim == 2)
			m->vocab = t->dims[0];
	}

	if ((m->layer = calloc(m->layers, sizeof(*m->layer))) == NULL)
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	memset(lf, 0, sizeof(lf));
	layer_flags(m, lf);
	for (l = 0; l < m->layers; l++) {
		struct mp_layer	*ly = &m->layer[l];
		uint64_t	 kvh = arch_layer(mt, arch,
		    "attention.head_count_kv", l, m->kv_heads);

		ly->moe = (lf[l] & LF_MOE) != 0;
		ssm = (lf[l] & LF_SSM) != 0;
		if (ssm) {
			/* conv state: (kernel - 1) x (inner + 2 groups x
			 * state); SSM state: inner x state (Mamba2). */
			ly->kind = MP_LK_MAMBA;
			ly->conv = mp_muls(conv > 0 ? conv - 1 : 0,
			    mp_adds(inner, mp_muls(2 * grp, state)));
			ly->state = mp_muls(inner, state);
			continue;
		}
		if (!(lf[l] & LF_ATTN)) {
			ly->kind = MP_LK_MLP;
			continue;
		}
		if (lora != 0) {
			/* MLA caches the latent and the rotary part of K. */
			ly->kind = MP_LK_MLA;
			ly->kv_k = (uint32_t)(lora + rope);
			ly->kv_v = 0;
			continue;
		}
		ly->kv_k = (uint32_t)mp_muls(kvh, kl);
		ly->kv_v = (uint32_t)mp_muls(kvh, vl);
		/*
		 * Sliding-window layers as llama.cpp lays them out: Gemma 2
		 * and gpt-oss alternate (even layers local), Gemma 3 keeps
		 * every sixth layer global.
		 */
		if (win != 0 && ((strcmp(arch, "gemma2") == 0 && l % 2 == 0) ||
		    (strcmp(arch, "gpt-oss") == 0 && l % 2 == 0) ||
		    (strcmp(arch, "gemma3") == 0 && (l + 1) % 6 != 0))) {
			ly->kind = MP_LK_SLIDING;
			ly->window = (uint32_t)win;
		}
	}
	return true;
}

/*
 * llama.cpp's architecture names (llama-arch.cpp LLM_ARCH_NAMES) and the
 * transformers classes and model_type the converter read them from, so
 * that modules keyed on model_type treat a GGUF like its config.
 */
static const struct {
	const char	*gguf, *cls, *type;
} gg_archs[] = {
	{ "llama", "LlamaForCausalLM", "llama" },
	{ "qwen2", "Qwen2ForCausalLM", "qwen2" },
	{ "qwen3", "Qwen3ForCausalLM", "qwen3" },
	{ "qwen3moe", "Qwen3MoeForCausalLM", "qwen3_moe" },
	{ "qwen2moe", "Qwen2MoeForCausalLM", "qwen2_moe" },
	{ "phi3", "Phi3ForCausalLM", "phi3" },
	{ "phimoe", "PhiMoEForCausalLM", "phimoe" },
	{ "gemma2", "Gemma2ForCausalLM", "gemma2" },
	{ "gemma3", "Gemma3ForCausalLM", "gemma3_text" },
	{ "deepseek2", "DeepseekV3ForCausalLM", "deepseek_v3" },
	{ "gpt-oss", "GptOssForCausalLM", "gpt_oss" },
	{ "gpt2", "GPT2LMHeadModel", "gpt2" },
	{ "gptneox", "GPTNeoXForCausalLM", "gpt_neox" },
	{ "gptj", "GPTJForCausalLM", "gptj" },
	{ "olmo2", "Olmo2ForCausalLM", "olmo2" },
	{ "granite", "GraniteForCausalLM", "granite" },
	{ "nemotron_h", "NemotronHForCausalLM", "nemotron_h" },
	{ "llama4", "Llama4ForConditionalGeneration", "llama4_text" },
};

static void
set_arch(struct mp_model *m, const char *arch)
{
	size_t i;

	for (i = 0; i < sizeof(gg_archs) / sizeof(gg_archs[0]); i++)
		if (strcmp(arch, gg_archs[i].gguf) == 0) {
			snprintf(m->arch, sizeof(m->arch), "%s",
			    gg_archs[i].cls);
			snprintf(m->model_type, sizeof(m->model_type), "%s",
			    gg_archs[i].type);
			return;
		}
	snprintf(m->model_type, sizeof(m->model_type), "%.*s",
	    (int)sizeof(m->model_type) - 1, arch);
	snprintf(m->arch, sizeof(m->arch), "%.*s", (int)sizeof(m->arch) - 1,
	    arch);
}

bool
mp_model_gguf_tensors(const struct mp_model *m, struct mp_gguf_tensor **out,
    size_t *n, struct mp_error *err)
{
	struct mp_gguf_tensor	*g;
	size_t			 i;
	uint8_t			 k;

	*out = NULL;
	*n = 0;
	if (m->source != MP_SRC_GGUF)
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "not read from a .gguf file");
	if ((g = calloc(m->n_tensors + 1, sizeof(*g))) == NULL)
		return mp_error_set(err, MP_ENOMEM, m->path, NULL,
		    "out of memory");
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		snprintf(g[i].name, sizeof(g[i].name), "%.*s",
		    (int)sizeof(g[i].name) - 1, t->name);
		g[i].layer = t->layer;
		g[i].type = (enum mp_dtype)t->file_dtype;
		g[i].ne[0] = g[i].ne[1] = g[i].ne[2] = 1;
		for (k = 0; k < t->ndim && k < 3; k++)
			g[i].ne[k] = t->dims[t->ndim - 1 - k];
		g[i].bytes = t->file_bytes;
	}
	*out = g;
	*n = m->n_tensors;
	return true;
}

/*
 * Split models: llama.cpp's gguf-split (tools/gguf-split) writes
 * NAME-00001-of-0000N.gguf ... with the model's metadata in the first
 * part only; every part carries split.no (0-based), split.count and
 * split.tensors.count, the model's tensor total (llama-arch.cpp
 * LLM_KV_SPLIT_*).  llama-model-loader.cpp opens the first and finds the
 * others by that name pattern (llama_split_path, "%s-%05d-of-%05d.gguf").
 */
static uint64_t
kv_num(const struct meta *mt, const char *key, uint64_t dflt)
{
	const struct kv *kv = kv_find(mt, key);

	return kv != NULL && kv->num ? kv->u : dflt;
}

bool
mp_gguf_split_name(const char *path, unsigned *no, unsigned *of,
    size_t *prefix)
{
	size_t		 n = strlen(path);
	const char	*p;
	unsigned	 a = 0, b = 0;
	int		 k;

	*no = *of = 0;
	*prefix = 0;
	/* "-NNNNN-of-NNNNN.gguf" is 20 bytes. */
	if (n < 21 || strcasecmp(path + n - 5, ".gguf") != 0)
		return false;
	p = path + n - 20;
	if (p[0] != '-' || strncmp(p + 6, "-of-", 4) != 0)
		return false;
	for (k = 1; k <= 5; k++) {
		if (p[k] < '0' || p[k] > '9' || p[k + 9] < '0' || p[k + 9] > '9')
			return false;
		a = a * 10 + (unsigned)(p[k] - '0');
		b = b * 10 + (unsigned)(p[k + 9] - '0');
	}
	if (a == 0 || b < 2 || a > b)
		return false;
	*no = a;
	*of = b;
	*prefix = (size_t)(p - path);
	return true;
}

bool
mp_gguf_part_name(const char *path, unsigned no, char *out, size_t len)
{
	unsigned	 a, b;
	size_t		 pre;

	if (!mp_gguf_split_name(path, &a, &b, &pre) || no == 0 || no > b)
		return false;
	/* The extension as the first part spells it; what follows the
	 * name (a URL's query) stays. */
	return mp_fmt(out, len, "%.*s-%05u-of-%05u%s", (int)pre, path, no, b,
	    path + pre + 15);
}

/* Which header read_head reads. */
enum part { PART_FIRST, PART_LATER, PART_ANY };

/*
 * One file's header at r (a file or a prefix in memory): magic, counts,
 * metadata into mt, tensor infos appended to m, their data ranges checked
 * within this file.  PART_FIRST: the metadata must describe a model;
 * PART_ANY: only the header's length is wanted.
 */
static bool
read_head(struct rd *r, enum part which, struct meta *mt, struct mp_model *m,
    struct mp_error *err)
{
	const char	*path = r->path;
	uint32_t	 magic, version;
	uint64_t	 n_t, n_kv, i, off, data_start, data_len;
	uint64_t	*offs = NULL, *lens = NULL;
	size_t		 base = m->n_tensors;
	const struct kv	*arch;
	bool		 ok = false;

	if (!rd_u32(r, &magic, "magic"))
		return false;
	if (magic != GG_MAGIC)
		return mp_error_set(err, MP_EINPUT, path, "magic",
		    "not a GGUF file (expected the bytes \"GGUF\")");
	if (!rd_u32(r, &version, "version"))
		return false;
	if (version != 2 && version != 3)
		return mp_error_set(err, MP_EINPUT, path, "version",
		    "GGUF version %u; expected 2 or 3", version);
	if (!rd_u64(r, &n_t, "tensor_count") ||
	    !rd_u64(r, &n_kv, "metadata_kv_count"))
		return false;
	/* A tensor info is at least 8 + 4 + 8 + 4 + 8 bytes, a KV 8+4+1. */
	if (n_t > GG_MAX_TENSORS || n_t > left(r) / 32)
		return mp_error_set(err, MP_EINPUT, path, "tensor_count",
		    "%llu tensors; expected 1 to %u that fit in the file",
		    (unsigned long long)n_t, GG_MAX_TENSORS);
	if (n_kv > GG_MAX_KV || n_kv > left(r) / 13)
		return mp_error_set(err, MP_EINPUT, path, "metadata_kv_count",
		    "%llu key/value pairs; expected at most %u that fit in "
		    "the file", (unsigned long long)n_kv, GG_MAX_KV);
	if (!read_meta(r, n_kv, mt) || !sort_meta(mt, path, err))
		return false;
	arch = kv_find(mt, "general.architecture");
	if (which == PART_FIRST &&
	    (arch == NULL || arch->str == NULL || arch->str[0] == '\0'))
		return mp_error_set(err, MP_EINPUT, path,
		    "general.architecture",
		    "missing; expected the model's architecture (\"llama\")");
	/* Only the first part of a split model may hold no tensor
	 * (gguf-split --no-tensor-first-split). */
	if (n_t == 0 && (which == PART_LATER ||
	    (which == PART_FIRST && kv_num(mt, "split.count", 1) < 2)))
		return mp_error_set(err, MP_EINPUT, path, "tensor_count",
		    "0 tensors; expected 1 to %u that fit in the file",
		    GG_MAX_TENSORS);
	if (n_t > left(r) / 32)
		return mp_error_set(err, MP_EINPUT, path, "tensor_count",
		    "%llu tensors do not fit in the rest of the file",
		    (unsigned long long)n_t);
	offs = calloc((size_t)n_t + 1, sizeof(*offs));
	lens = calloc((size_t)n_t + 1, sizeof(*lens));
	if (offs == NULL || lens == NULL) {
		mp_error_set(err, MP_ENOMEM, path, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n_t; i++) {
		if (!read_tensor(r, i, &offs[i], &lens[i], m))
			goto out;
		if (!mp_add(m->file_bytes, lens[i], &m->file_bytes)) {
			mp_error_set(err, MP_EINPUT, path, "tensors",
			    "byte count overflows");
			goto out;
		}
	}
	/* The data starts at the next multiple of the alignment. */
	data_start = (r->pos + mt->alignment - 1) / mt->alignment *
	    mt->alignment;
	data_len = data_start <= r->size ? r->size - data_start : 0;
	for (i = 0; i < n_t; i++) {
		const struct mp_tensor *t = &m->tensors[base + i];
		char field[96];

		snprintf(field, sizeof(field), "%s.offset", t->name);
		off = offs[i];
		if (off % mt->alignment != 0 || off > data_len ||
		    lens[i] > data_len - off) {
			mp_error_set(err, MP_EINPUT, path, field,
			    "data at %llu+%llu is not aligned to %u or lies "
			    "beyond the file's %llu bytes of tensor data",
			    (unsigned long long)off,
			    (unsigned long long)lens[i], mt->alignment,
			    (unsigned long long)data_len);
			goto out;
		}
	}
	if (!check_layout(m, base, (size_t)n_t, offs, lens, path, err))
		goto out;
	if (r->mem != NULL && r->pos > r->mem_len) {
		/* A skip ran past the prefix. */
		r->more = true;
		mp_error_set(err, MP_EINPUT, path, NULL,
		    "the header continues past the first %zu bytes read",
		    r->mem_len);
		goto out;
	}
	ok = true;
out:
	free(offs);
	free(lens);
	return ok;
}

/* A later part is the one its name says, of the same model. */
static bool
part_ok(const struct meta *mt, const char *path, uint64_t no,
    uint64_t count, struct mp_error *err)
{
	uint64_t n = kv_num(mt, "split.count", 0);

	if (n != count)
		return mp_error_set(err, MP_EINPUT, path, "split.count",
		    "%llu; the first part says %llu", (unsigned long long)n,
		    (unsigned long long)count);
	if ((n = kv_num(mt, "split.no", count)) != no)
		return mp_error_set(err, MP_EINPUT, path, "split.no",
		    "%llu; expected %llu (part %llu of %llu)",
		    (unsigned long long)n, (unsigned long long)no,
		    (unsigned long long)no + 1, (unsigned long long)count);
	return true;
}

/* The model from the first part's metadata (mt) and parts' tensors. */
static bool
finish(struct mp_model *m, const struct meta *mt, const char *path,
    size_t parts, struct mp_error *err)
{
	const struct kv	*arch = kv_find(mt, "general.architecture");
	uint64_t	 count = kv_num(mt, "split.count", 1), total;
	size_t		 f16 = 0, bf16 = 0, f32 = 0, i, pre;
	unsigned	 no, of;

	if (count != parts)
		return mp_error_set(err, MP_EINPUT, path, "split.count",
		    count > 1 && parts == 1 ? "the first of %llu parts of a "
		    "split model; the others are read beside it: name the "
		    "-00001-of-%05llu.gguf file with every part next to it" :
		    "%llu parts; %llu were read",
		    (unsigned long long)count,
		    count > 1 && parts == 1 ? (unsigned long long)count :
		    (unsigned long long)parts);
	total = kv_num(mt, "split.tensors.count", m->n_tensors);
	if (total != m->n_tensors)
		return mp_error_set(err, MP_EINPUT, path,
		    "split.tensors.count", "%llu tensors in all; the %zu "
		    "parts hold %zu", (unsigned long long)total, parts,
		    m->n_tensors);
	if (m->n_tensors == 0)
		return mp_error_set(err, MP_EINPUT, path, "tensor_count",
		    "no tensor in any part");
	if (!check_layout(m, 0, m->n_tensors, NULL, NULL, path, err))
		return false;
	set_arch(m, arch->str);
	mp_path_stem(path, ".gguf", m->name, sizeof(m->name));
	/* A split model is named without its "-00001-of-0000N". */
	if (parts > 1 && mp_gguf_split_name(path, &no, &of, &pre)) {
		const char *b = strrchr(path, '/');
		size_t at = b != NULL ? (size_t)(b + 1 - path) : 0;

		if (pre > at && pre - at < sizeof(m->name))
			m->name[pre - at] = '\0';
	}
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		switch (t->file_dtype) {
		case MP_DT_F16: f16++; break;
		case MP_DT_BF16: bf16++; break;
		case MP_DT_F32: if (t->ndim > 1) f32++; break;
		default: break;
		}
	}
	/* The float type the model computes in: llama.cpp's KV cache is
	 * f16 whatever; a bf16 or f32 GGUF keeps its type. */
	m->torch_dtype = bf16 > f16 && bf16 >= f32 ? MP_DT_BF16 :
	    f32 > f16 ? MP_DT_F32 : MP_DT_F16;
	if (!hyper(m, mt, arch->str, err))
		return false;
	m->source = MP_SRC_GGUF;
	/* llama.cpp counts every element of every tensor as a parameter. */
	return mp_model_count(m, err);
}

static bool
begin(struct mp_model *m, const char *path, struct mp_error *err)
{
	mp_model_fini(m);
	mp_model_init(m);
	if (strlen(path) >= sizeof(m->path))
		return mp_error_set(err, MP_EUSAGE, path, NULL, "path too long "
		    "(at most %zu bytes)", sizeof(m->path) - 1);
	snprintf(m->path, sizeof(m->path), "%s", path);
	return true;
}

static bool
rd_open(struct rd *r, const char *path, struct mp_error *err)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->err = err;
	if ((r->fp = mp_file_open(path, &r->size, err)) == NULL)
		return false;
	if ((r->buf = malloc(GG_BUF)) == NULL) {
		fclose(r->fp);
		r->fp = NULL;
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	}
	return true;
}

static void
rd_close(struct rd *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

bool
mp_model_load_gguf(const char *spec, struct mp_model *m,
    struct mp_error *err)
{
	struct rd	 r;
	struct meta	 mt = { 0 }, lm;
	char		 first[4096], part[4096];
	const char	*path = spec;
	unsigned	 no, of, k;
	size_t		 pre;
	uint64_t	 count = 1;
	bool		 ok;

	/* Any part of a split model names the whole: read from the first,
	 * as llama.cpp does. */
	if (mp_gguf_split_name(spec, &no, &of, &pre) && no > 1) {
		if (!mp_gguf_part_name(spec, 1, first, sizeof(first)))
			return mp_error_set(err, MP_EUSAGE, spec, NULL,
			    "path too long");
		path = first;
	}
	if (!begin(m, path, err))
		return false;
	ok = rd_open(&r, path, err) && read_head(&r, PART_FIRST, &mt, m, err);
	rd_close(&r);
	if (ok && (count = kv_num(&mt, "split.count", 1)) > 1) {
		if (!mp_gguf_split_name(path, &no, &of, &pre) || no != 1 ||
		    of != count)
			ok = mp_error_set(err, MP_EINPUT, path, "split.count",
			    "%llu parts, but the file is not named "
			    "-00001-of-%05llu.gguf, so the others cannot be "
			    "found", (unsigned long long)count,
			    (unsigned long long)count);
		for (k = 2; ok && k <= of; k++) {
			if (!mp_gguf_part_name(path, k, part, sizeof(part))) {
				ok = mp_error_set(err, MP_EUSAGE, path, NULL,
				    "path too long");
				break;
			}
			memset(&lm, 0, sizeof(lm));
			ok = rd_open(&r, part, err) &&
			    read_head(&r, PART_LATER, &lm, m, err) &&
			    part_ok(&lm, part, k - 1, count, err);
			rd_close(&r);
			meta_fini(&lm);
		}
	}
	ok = ok && finish(m, &mt, path, (size_t)count, err);
	meta_fini(&mt);
	if (!ok)
		mp_model_fini(m);
	return ok;
}

static void
rd_mem(struct rd *r, const struct mp_head *p, struct mp_error *err)
{
	memset(r, 0, sizeof(*r));
	r->path = p->path;
	r->err = err;
	r->mem = p->head;
	r->mem_len = p->len < p->size ? p->len : (size_t)p->size;
	r->size = p->size;
}

/* parts in memory; *more and *used tell about the first one. */
static bool
parts_mem(const struct mp_head *p, size_t n, struct mp_model *m,
    bool *more, size_t *used, struct mp_error *err)
{
	struct rd	 r;
	struct meta	 mt = { 0 }, lm;
	size_t		 k;
	bool		 ok;

	if (!begin(m, p[0].path, err))
		return false;
	rd_mem(&r, &p[0], err);
	ok = read_head(&r, PART_FIRST, &mt, m, err);
	*more = r.more;
	*used = ok ? (size_t)r.pos : 0;
	for (k = 1; ok && k < n; k++) {
		memset(&lm, 0, sizeof(lm));
		rd_mem(&r, &p[k], err);
		ok = read_head(&r, PART_LATER, &lm, m, err) &&
		    part_ok(&lm, p[k].path, k, n, err);
		meta_fini(&lm);
	}
	ok = ok && finish(m, &mt, p[0].path, n, err);
	meta_fini(&mt);
	if (!ok)
		mp_model_fini(m);
	return ok;
}

bool
mp_model_gguf_parts(const struct mp_head *p, size_t n,
    struct mp_model *m, struct mp_error *err)
{
	bool	more;
	size_t	used;

	if (n == 0)
		return mp_error_set(err, MP_EINPUT, NULL, NULL, "no GGUF file");
	return parts_mem(p, n, m, &more, &used, err);
}

bool
mp_model_gguf_mem(const char *path, const unsigned char *buf, size_t len,
    uint64_t size, struct mp_model *m, bool *more, size_t *used,
    struct mp_error *err)
{
	struct mp_head p = { path, buf, len, size };

	return parts_mem(&p, 1, m, more, used, err);
}

bool
mp_gguf_head_mem(const char *path, const unsigned char *buf, size_t len,
    uint64_t size, bool *more, size_t *used, struct mp_error *err)
{
	struct mp_head	 p = { path, buf, len, size };
	struct mp_model		*m;
	struct meta		 mt = { 0 };
	struct rd		 r;
	bool			 ok;

	*more = false;
	*used = 0;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	rd_mem(&r, &p, err);
	ok = read_head(&r, PART_ANY, &mt, m, err);
	*more = r.more;
	if (ok)
		*used = (size_t)r.pos;
	meta_fini(&mt);
	mp_model_fini(m);
	free(m);
	return ok;
}
