/* model_st.c: safetensors headers as the tensors a checkpoint stores */
/* SPDX-License-Identifier: MIT */
/*
 * The safetensors format (huggingface/safetensors README, "Format"): an
 * 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
 * (possibly padded with spaces), then the byte buffer.  The JSON maps
 * each tensor name to {"dtype", "shape", "data_offsets": [begin, end]},
 * offsets relative to the start of the byte buffer; "__metadata__" is an
 * optional string-to-string map.  Sharded checkpoints add
 * model.safetensors.index.json, whose "weight_map" names the shard of
 * each tensor (transformers' modeling_utils).
 *
 * Only the length and the JSON header of each shard are read, never the
 * tensor data.  Every number from a file is checked against the file's
 * size and against limits before it is used to allocate or to multiply.
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "jsonread.h"
#include "internal.h"
#include "remote.h"

/* A real header is a few MiB at most (DeepSeek-V3: ~2 MiB per shard). */
#define ST_MAX_HEADER	(100ull << 20)
/* The index lists every tensor name once: a few MiB. */
#define ST_MAX_INDEX	(100ull << 20)
#define ST_MAX_SHARDS	65536
#define ST_MAX_TENSORS	(1u << 20)
#define ST_MAX_DIMS	8
/* JSON values in one header or index, counted before cJSON builds them
 * (about 8 per tensor: 500,000 tensors, far above any real shard). */
#define ST_MAX_VALUES	(1u << 22)
#define ST_MAX_DEPTH	16
/* JSON numbers are doubles: integers above 2^53 are not exact. */
#define ST_MAX_INT	(1ull << 53)

/* Element types of the format with their widths in bits. */
static const struct {
	const char	*name;
	uint32_t	 bits;
	enum mp_dtype	 dt;		/* as memplan names it, or NONE */
	bool		 is_float;	/* a plain float weight */
} st_types[] = {
	{ "BOOL", 8, MP_DT_NONE, false },
	{ "U8", 8, MP_DT_NONE, false },
	{ "I8", 8, MP_DT_INT8, false },
	{ "F8_E4M3", 8, MP_DT_F8_E4M3, true },
	{ "F8_E5M2", 8, MP_DT_NONE, true },
	{ "F8_E8M0", 8, MP_DT_NONE, false },
	{ "F4", 4, MP_DT_FP4, false },
	{ "F6_E2M3", 6, MP_DT_NONE, false },
	{ "F6_E3M2", 6, MP_DT_NONE, false },
	{ "I16", 16, MP_DT_NONE, false },
	{ "U16", 16, MP_DT_NONE, false },
	{ "F16", 16, MP_DT_F16, true },
	{ "BF16", 16, MP_DT_BF16, true },
	{ "I32", 32, MP_DT_NONE, false },
	{ "U32", 32, MP_DT_NONE, false },
	{ "F32", 32, MP_DT_F32, true },
	{ "I64", 64, MP_DT_NONE, false },
	{ "U64", 64, MP_DT_NONE, false },
	{ "F64", 64, MP_DT_NONE, true },
	{ "C64", 64, MP_DT_NONE, false },
};
#define N_ST_TYPES	(sizeof(st_types) / sizeof(st_types[0]))

/* One tensor as a shard header declares it. */
struct ftensor {
	char		*name;
	uint8_t		 type;		/* index into st_types */
	uint8_t		 ndim;
	uint64_t	 dims[ST_MAX_DIMS];
	uint64_t	 numel, bytes;
	uint64_t	 begin, end;	/* data_offsets in its shard */
};

struct ftlist {
	struct ftensor	*t;
	size_t		 n, cap;
	uint64_t	 bytes;		/* sum of every tensor's bytes */
};

static void
ftlist_fini(struct ftlist *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->t[i].name);
	free(fl->t);
	memset(fl, 0, sizeof(*fl));
}

/*
 * "<tensor>.<what>" for an error, keeping the end of a long name (the
 * part that says which projection) when it does not fit.
 */
static const char *
tfield(char *buf, size_t len, const char *name, const char *what)
{
	size_t nl = strlen(name), wl = strlen(what) + 1;

	if (nl + wl >= len && len > wl + 4) {
		name += nl - (len - wl - 4);
		snprintf(buf, len, "...%s.%s", name, what);
	} else
		snprintf(buf, len, "%s.%s", name, what);
	return buf;
}

/* A whole JSON number in [0, max]. */
static bool
json_uint(const cJSON *it, uint64_t max, uint64_t *out)
{
	double v;

	if (!cJSON_IsNumber(it))
		return false;
	v = it->valuedouble;
	if (!isfinite(v) || v < 0 || v != floor(v) || v > (double)max)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* Opens a regular file and gives its size. */
static FILE *
open_regular(const char *path, uint64_t *size, struct mp_error *err)
{
	struct stat	 st;
	FILE		*fp;

	/* A shard the index names but the folder lacks is bad input. */
	if ((fp = mp_file_open(path, size, err)) == NULL && err != NULL &&
	    lstat(path, &st) != 0 && mp_file_missing(errno))
		err->status = MP_EINPUT;
	return fp;
}

/*
 * The JSON header's length from a shard's first 8 bytes, checked against
 * the file's size and ST_MAX_HEADER before anything is allocated (local
 * files and remote ones alike).
 */
bool
mp_st_header_len(const unsigned char b[8], uint64_t size, const char *path,
    uint64_t *len, struct mp_error *err)
{
	uint64_t	n = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		n = n << 8 | b[i];
	if (n > size - 8)
		return mp_error_set(err, MP_EINPUT, path, "header_size",
		    "header length %llu exceeds the file (%llu bytes)",
		    (unsigned long long)n, (unsigned long long)size);
	if (n > ST_MAX_HEADER || n < 2)
		return mp_error_set(err, MP_EINPUT, path, "header_size",
		    "header length %llu; expected 2 to %llu bytes of JSON",
		    (unsigned long long)n, (unsigned long long)ST_MAX_HEADER);
	*len = n;
	return true;
}

/*
 * Reads a shard's JSON header into *json (NUL-terminated) and the size
 * of its byte buffer into *data_len.
 */
static bool
read_header(const char *path, char **json, size_t *len, uint64_t *data_len,
    struct mp_error *err)
{
	FILE		*fp;
	uint64_t	 size, n = 0;
	unsigned char	 b[8];
	char		*buf;

	*json = NULL;
	if ((fp = open_regular(path, &size, err)) == NULL)
		return false;
	if (size < 8 || fread(b, 1, 8, fp) != 8) {
		fclose(fp);
		return mp_error_set(err, MP_EINPUT, path, "header_size",
		    "file is %llu bytes; a safetensors file starts with an "
		    "8-byte header length", (unsigned long long)size);
	}
	if (!mp_st_header_len(b, size, path, &n, err)) {
		fclose(fp);
		return false;
	}
	if ((buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		return mp_error_set(err, MP_EIO, path, "header", "read error");
	}
	fclose(fp);
	buf[n] = '\0';
	*json = buf;
	*len = (size_t)n;
	*data_len = size - 8 - n;
	return true;
}

static bool
ftlist_push(struct ftlist *fl, const char *path, struct ftensor *t,
    struct mp_error *err)
{
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 256;
		struct ftensor *nt;

		if (fl->n >= ST_MAX_TENSORS)
			return mp_error_set(err, MP_EINPUT, path, "header",
			    "more than %u tensors", ST_MAX_TENSORS);
		if ((nt = realloc(fl->t, cap * sizeof(*nt))) == NULL)
			return mp_error_set(err, MP_ENOMEM, path, NULL,
			    "out of memory");
		fl->t = nt;
		fl->cap = cap;
	}
	fl->t[fl->n++] = *t;
	return true;
}

/* One header entry: dtype, shape and data_offsets, all checked. */
static bool
parse_entry(const char *path, const cJSON *e, uint64_t data_len,
    struct ftlist *fl, struct mp_error *err)
{
	const cJSON	*dt, *shape, *off, *it;
	struct ftensor	 t;
	char		 f[96];
	uint64_t	 b, en, bits;
	size_t		 k;
	int		 nd;

	memset(&t, 0, sizeof(t));
	if (!cJSON_IsObject(e))
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "dtype"),
		    "expected an object with dtype, shape and data_offsets");
	dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
	if (!cJSON_IsString(dt))
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "dtype"),
		    "missing; expected a dtype such as \"BF16\"");
	for (k = 0; k < N_ST_TYPES; k++)
		if (strcmp(dt->valuestring, st_types[k].name) == 0)
			break;
	if (k == N_ST_TYPES)
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "dtype"),
		    "unknown dtype \"%.32s\"; expected BOOL, U8, I8, F8_E4M3, "
		    "F8_E5M2, F16, BF16, I32, F32, I64, F64, ...",
		    dt->valuestring);
	t.type = (uint8_t)k;
	shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
	nd = cJSON_IsArray(shape) ? cJSON_GetArraySize(shape) : -1;
	if (nd < 0 || nd > ST_MAX_DIMS)
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "shape"),
		    "expected an array of at most %d sizes", ST_MAX_DIMS);
	t.ndim = (uint8_t)nd;
	t.numel = 1;
	k = 0;
	cJSON_ArrayForEach(it, shape) {
		if (!json_uint(it, ST_MAX_INT, &t.dims[k]))
			return mp_error_set(err, MP_EINPUT, path,
			    tfield(f, sizeof(f), e->string, "shape"),
			    "expected whole numbers from 0 to 2^53");
		if (!mp_mul(t.numel, t.dims[k], &t.numel))
			return mp_error_set(err, MP_EINPUT, path,
			    tfield(f, sizeof(f), e->string, "shape"),
			    "element count overflows 64-bit arithmetic");
		k++;
	}
	bits = st_types[t.type].bits;
	if (!mp_mul(t.numel, bits, &t.bytes))
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "shape"),
		    "byte count overflows 64-bit arithmetic");
	t.bytes = t.bytes / 8 + (t.bytes % 8 != 0);
	off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
	if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 ||
	    !json_uint(cJSON_GetArrayItem(off, 0), ST_MAX_INT, &b) ||
	    !json_uint(cJSON_GetArrayItem(off, 1), ST_MAX_INT, &en) || en < b)
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "data_offsets"),
		    "expected [begin, end] with begin <= end");
	if (en > data_len)
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "data_offsets"),
		    "end %llu is beyond the data (%llu bytes after the header)",
		    (unsigned long long)en, (unsigned long long)data_len);
	if (en - b != t.bytes)
		return mp_error_set(err, MP_EINPUT, path,
		    tfield(f, sizeof(f), e->string, "data_offsets"),
		    "span %llu bytes; dtype %s and shape need %llu",
		    (unsigned long long)(en - b), st_types[t.type].name,
		    (unsigned long long)t.bytes);
	t.begin = b;
	t.end = en;
	if ((t.name = strdup(e->string)) == NULL)
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	if (!ftlist_push(fl, path, &t, err)) {
		free(t.name);
		return false;
	}
	if (!mp_add(fl->bytes, t.bytes, &fl->bytes))
		return mp_error_set(err, MP_ERANGE, path, NULL,
		    "tensor bytes overflow 64-bit arithmetic");
	return true;
}

/* __metadata__ is a map of strings (the safetensors format; its library
 * refuses anything else). */
static bool
metadata_ok(const char *path, const cJSON *md, struct mp_error *err)
{
	const cJSON *it;

	if (!cJSON_IsObject(md))
		return mp_error_set(err, MP_EINPUT, path, "__metadata__",
		    "expected an object of strings");
	cJSON_ArrayForEach(it, md)
		if (!cJSON_IsString(it))
			return mp_error_set(err, MP_EINPUT, path,
			    "__metadata__", "value of \"%.40s\" is not a "
			    "string", it->string);
	return true;
}

static int
cmp_begin(const void *a, const void *b)
{
	const struct ftensor *x = a, *y = b;

	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/*
 * The data ranges of one shard tile its byte buffer exactly, as the
 * safetensors library's validation demands: sorted by start, each begins
 * where the previous ended, the first at 0, the last at the buffer's end
 * (no overlap, no gap, no trailing bytes).
 */
static bool
tiles(const char *path, struct ftlist *fl, size_t first, uint64_t data_len,
    struct mp_error *err)
{
	struct ftensor	*v;
	size_t		 n = fl->n - first, i;
	uint64_t	 at = 0;
	char		 f[96];

	if (n == 0)
		return true;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	memcpy(v, fl->t + first, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_begin);
	for (i = 0; i < n; i++) {
		if (v[i].begin != at) {
			mp_error_set(err, MP_EINPUT, path,
			    tfield(f, sizeof(f), v[i].name, "data_offsets"),
			    "begins at %llu; expected %llu (tensor data must "
			    "follow each other without %s)",
			    (unsigned long long)v[i].begin,
			    (unsigned long long)at, v[i].begin < at ?
			    "overlapping" : "gaps");
			free(v);
			return false;
		}
		at = v[i].end;
	}
	free(v);
	if (at != data_len)
		return mp_error_set(err, MP_EINPUT, path, "data_offsets",
		    "the tensors end at byte %llu of %llu; the rest of the "
		    "file is not described", (unsigned long long)at,
		    (unsigned long long)data_len);
	return true;
}

/*
 * Appends the tensors of one shard's JSON header (len bytes at json, in
 * memory: read from a file or fetched over HTTP) to fl; data_len is the
 * size of the shard's byte buffer.
 */
static bool
parse_shard(const char *path, const char *json, size_t len,
    uint64_t data_len, struct ftlist *fl, struct mp_error *err)
{
	const char	*end = NULL;
	cJSON		*root = NULL;
	const cJSON	*e;
	size_t		 first;
	bool		 ok = false;

	if (memchr(json, '\0', len) != NULL) {
		mp_error_set(err, MP_EINPUT, path, "header",
		    "contains a NUL byte; expected JSON text");
		goto out;
	}
	if (mp_json_scan(json, len, ST_MAX_DEPTH, ST_MAX_VALUES) !=
	    MP_JSON_SCAN_OK) {
		mp_error_set(err, MP_EINPUT, path, "header", "more than %u JSON "
		    "values or %d levels of nesting; a header has about 8 per "
		    "tensor, 3 levels", ST_MAX_VALUES, ST_MAX_DEPTH);
		goto out;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (root == NULL || !cJSON_IsObject(root)) {
		mp_error_set(err, MP_EINPUT, path, "header",
		    "malformed or truncated JSON header (%zu bytes); expected "
		    "an object of tensors", len);
		goto out;
	}
	/* Only padding may follow the object. */
	for (; end != NULL && end < json + len; end++)
		if (*end != ' ' && *end != '\n' && *end != '\r' &&
		    *end != '\t') {
			mp_error_set(err, MP_EINPUT, path, "header",
			    "unexpected text after the JSON object");
			goto out;
		}
	if (!mp_json_last_wins(root)) {
		mp_error_set(err, MP_ENOMEM, path, NULL, "out of memory");
		goto out;
	}
	first = fl->n;
	cJSON_ArrayForEach(e, root) {
		if (strcmp(e->string, "__metadata__") == 0) {
			if (!metadata_ok(path, e, err))
				goto out;
			continue;
		}
		if (!parse_entry(path, e, data_len, fl, err))
			goto out;
	}
	ok = tiles(path, fl, first, data_len, err);
out:
	cJSON_Delete(root);
	return ok;
}

/* Appends the tensors of one shard file's header to fl. */
static bool
read_shard(const char *path, struct ftlist *fl, struct mp_error *err)
{
	char		*json = NULL;
	size_t		 len = 0;
	uint64_t	 data_len = 0;
	bool		 ok;

	if (!read_header(path, &json, &len, &data_len, err))
		return false;
	ok = parse_shard(path, json, len, data_len, fl, err);
	free(json);
	return ok;
}

/* A shard name from the index: a plain file name in the folder. */
static bool
safe_name(const char *s)
{
	return *s != '\0' && strchr(s, '/') == NULL &&
	    strcmp(s, ".") != 0 && strcmp(s, "..") != 0 && strlen(s) < 256;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
mp_st_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * The shard files an index (model.safetensors.index.json text, in
 * memory) names in its weight_map: sorted, each once.
 */
bool
mp_st_index_names(const char *json, size_t len, const char *ipath,
    char ***out, size_t *nout, struct mp_error *err)
{
	const char	**names = NULL;
	char		**v = NULL;
	cJSON		*root = NULL;
	const cJSON	*wm, *it;
	size_t		 n = 0, i, k = 0;
	int		 cnt;
	bool		 ok = false;

	*out = NULL;
	*nout = 0;
	if (len == 0 || len > ST_MAX_INDEX)
		return mp_error_set(err, MP_EINPUT, ipath, NULL,
		    "file is %zu bytes; expected 1 to %llu", len,
		    (unsigned long long)ST_MAX_INDEX);
	if (memchr(json, '\0', len) != NULL ||
	    mp_json_scan(json, len, ST_MAX_DEPTH, ST_MAX_VALUES) !=
	    MP_JSON_SCAN_OK ||
	    (root = cJSON_ParseWithLength(json, len)) == NULL ||
	    !mp_json_last_wins(root)) {
		mp_error_set(err, MP_EINPUT, ipath, NULL,
		    "malformed JSON; expected a safetensors index object");
		goto out;
	}
	wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
	if (!cJSON_IsObject(wm)) {
		mp_error_set(err, MP_EINPUT, ipath, "weight_map",
		    "missing; expected an object of tensor name to shard file");
		goto out;
	}
	cnt = cJSON_GetArraySize(wm);
	if (cnt <= 0 || (unsigned)cnt > ST_MAX_TENSORS) {
		mp_error_set(err, MP_EINPUT, ipath, "weight_map",
		    "expected 1 to %u tensors", ST_MAX_TENSORS);
		goto out;
	}
	if ((names = calloc((size_t)cnt, sizeof(*names))) == NULL ||
	    (v = calloc((size_t)cnt, sizeof(*v))) == NULL) {
		mp_error_set(err, MP_ENOMEM, ipath, NULL, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(it, wm) {
		char f[96];

		if (!cJSON_IsString(it) || !safe_name(it->valuestring)) {
			mp_error_set(err, MP_EINPUT, ipath,
			    tfield(f, sizeof(f), it->string, "shard"),
			    "expected the file name of a shard in the folder");
			goto out;
		}
		names[n++] = it->valuestring;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if ((v[k] = strdup(names[i])) == NULL) {
			mp_error_set(err, MP_ENOMEM, ipath, NULL,
			    "out of memory");
			goto out;
		}
		k++;
	}
	*out = v;
	*nout = k;
	v = NULL;
	ok = true;
out:
	mp_st_names_free(v, k);
	cJSON_Delete(root);
	free(names);
	return ok;
}

/* The shards an index file names, each read once. */
static bool
read_index(const char *dir, const char *ipath, struct ftlist *fl,
    struct mp_error *err)
{
	FILE		*fp;
	uint64_t	 size;
	char		*buf = NULL, *path, **names = NULL;
	size_t		 n = 0, i;
	bool		 ok = false;

	if ((fp = open_regular(ipath, &size, err)) == NULL)
		return false;
	if (size == 0 || size > ST_MAX_INDEX) {
		fclose(fp);
		return mp_error_set(err, MP_EINPUT, ipath, NULL,
		    "file is %llu bytes; expected 1 to %llu",
		    (unsigned long long)size, (unsigned long long)ST_MAX_INDEX);
	}
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		fclose(fp);
		return mp_error_set(err, MP_ENOMEM, ipath, NULL,
		    "out of memory");
	}
	if (fread(buf, 1, (size_t)size, fp) != (size_t)size) {
		fclose(fp);
		mp_error_set(err, MP_EIO, ipath, NULL, "read error");
		goto out;
	}
	fclose(fp);
	buf[size] = '\0';
	if (!mp_st_index_names(buf, (size_t)size, ipath, &names, &n, err))
		goto out;
	for (i = 0; i < n; i++) {
		if ((path = mp_path_join(dir, names[i], true)) == NULL) {
			mp_error_set(err, MP_ENOMEM, dir, NULL,
			    "out of memory");
			goto out;
		}
		ok = read_shard(path, fl, err);
		free(path);
		if (!ok)
			goto out;
	}
	ok = true;
out:
	mp_st_names_free(names, n);
	free(buf);
	return ok;
}

/* ---- matching the files' tensors to the config's ---- */

struct nmap {
	size_t		*slot;		/* index + 1; 0 = empty */
	size_t		 mask;
	const struct mp_tensor *t;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static bool
nmap_init(struct nmap *nm, const struct mp_model *m)
{
	size_t n = 16, i, h;

	while (n < m->n_tensors * 2)
		n *= 2;
	if ((nm->slot = calloc(n, sizeof(*nm->slot))) == NULL)
		return false;
	nm->mask = n - 1;
	nm->t = m->tensors;
	for (i = 0; i < m->n_tensors; i++) {
		h = (size_t)hash_str(m->tensors[i].name) & nm->mask;
		while (nm->slot[h] != 0)
			h = (h + 1) & nm->mask;
		nm->slot[h] = i + 1;
	}
	return true;
}

/* Index of the config tensor named s, or -1. */
static long
nmap_find(const struct nmap *nm, const char *s)
{
	size_t h = (size_t)hash_str(s) & nm->mask;

	while (nm->slot[h] != 0) {
		if (strcmp(nm->t[nm->slot[h] - 1].name, s) == 0)
			return (long)(nm->slot[h] - 1);
		h = (h + 1) & nm->mask;
	}
	return -1;
}

static bool
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcmp(s + n - k, suf) == 0;
}

/*
 * Tensors that quantized checkpoints store beside (or instead of) a
 * module's weight, and the module they belong to:
 * GPTQ/AWQ (AutoGPTQ, AutoAWQ: qweight, qzeros, scales, g_idx),
 * FP8 (weight_scale_inv for block-wise, weight_scale / input_scale for
 * compressed-tensors), compressed-tensors packed int4 (weight_packed,
 * weight_shape, weight_zero_point, weight_global_scale), bitsandbytes
 * (weight.absmax, quant_map, nested_*, quant_state.*, SCB,
 * weight_format) and gpt-oss MXFP4 (<param>_blocks, <param>_scales).
 */
static const char *side_suffix[] = {
	".weight.quant_state.bitsandbytes__nf4",
	".weight.quant_state.bitsandbytes__fp4",
	".weight.nested_quant_map", ".weight.nested_absmax",
	".weight.quant_map", ".weight.absmax", ".weight.SCB",
	".weight_format", ".SCB",
	".qweight", ".qzeros", ".scales", ".g_idx",
	".weight_scale_inv", ".weight_scale", ".input_scale",
	".weight_packed", ".weight_shape", ".weight_zero_point",
	".weight_global_scale", ".input_global_scale",
	"_blocks", "_scales",
};
#define N_SIDE	(sizeof(side_suffix) / sizeof(side_suffix[0]))

/* Suffixes whose tensor holds the weight values themselves. */
static bool
is_payload(const char *suf)
{
	return strcmp(suf, ".qweight") == 0 ||
	    strcmp(suf, ".weight_packed") == 0 || strcmp(suf, "_blocks") == 0;
}

/* dst = a b c in place (dst may be a), or false when it does not fit. */
static bool
join3(char *dst, size_t len, const char *a, const char *b, const char *c)
{
	char	 t[512];
	size_t	 la = strlen(a), lb = strlen(b), lc = strlen(c);

	if (la + lb + lc >= sizeof(t) || la + lb + lc >= len)
		return false;
	memcpy(t, a, la);
	memcpy(t + la, b, lb);
	memcpy(t + la + lb, c, lc + 1);
	memcpy(dst, t, la + lb + lc + 1);
	return true;
}

/*
 * Names the same parameter goes by in checkpoints and in memplan's
 * config-derived list: multimodal wrappers (model.language_model.,
 * language_model.model.), Mixtral's block_sparse_moe with w1/w3/w2,
 * and per-expert Linears that transformers 5 fuses into one 3-D
 * parameter per projection (experts.N.gate_proj.weight ->
 * experts.gate_proj).  Writes the candidate into out.
 */
static bool
canonical(const char *in, char *out, size_t len, bool *sliced)
{
	char		 b[512], *p, *q;
	size_t		 n;
	static const struct { const char *from, *to; } pre[] = {
		{ "model.language_model.", "model." },
		{ "language_model.model.", "model." },
		{ "language_model.lm_head.", "lm_head." },
	};

	*sliced = false;
	if (strlen(in) >= sizeof(b) - 16)
		return false;
	memcpy(b, in, strlen(in) + 1);
	for (n = 0; n < sizeof(pre) / sizeof(pre[0]); n++)
		if (strncmp(b, pre[n].from, strlen(pre[n].from)) == 0) {
			if (!join3(b, sizeof(b), pre[n].to,
			    in + strlen(pre[n].from), ""))
				return false;
			break;
		}
	if ((p = strstr(b, ".block_sparse_moe.")) != NULL) {
		char rest[512];

		memcpy(rest, p + strlen(".block_sparse_moe."),
		    strlen(p + strlen(".block_sparse_moe.")) + 1);
		*p = '\0';
		if (!join3(b, sizeof(b), b, ".mlp.", rest))
			return false;
	}
	/* experts.<N>.<proj>.weight -> experts.<proj> */
	if ((p = strstr(b, ".experts.")) != NULL) {
		q = p + strlen(".experts.");
		if (*q >= '0' && *q <= '9') {
			char	 proj[64], *r = q;
			size_t	 k;

			while (*r >= '0' && *r <= '9')
				r++;
			if (*r == '.' && ends_with(r, ".weight") &&
			    (k = strlen(r + 1) - strlen(".weight")) > 0 &&
			    k < sizeof(proj)) {
				memcpy(proj, r + 1, k);
				proj[k] = '\0';
				if (strchr(proj, '.') == NULL) {
					if (strcmp(proj, "w1") == 0)
						snprintf(proj, sizeof(proj),
						    "gate_proj");
					else if (strcmp(proj, "w3") == 0)
						snprintf(proj, sizeof(proj),
						    "up_proj");
					else if (strcmp(proj, "w2") == 0)
						snprintf(proj, sizeof(proj),
						    "down_proj");
					*q = '\0';
					*sliced = true;
					if (!join3(b, sizeof(b), b, proj, ""))
						return false;
				}
			}
		}
	}
	if (strlen(b) >= len)
		return false;
	snprintf(out, len, "%s", b);
	return true;
}

/* The config tensor a file tensor belongs to; *payload when it holds
 * the values (not a scale or zero point). */
static long
owner(const struct nmap *nm, const char *name, bool *exact, bool *payload)
{
	char	 base[512], c[512];
	size_t	 i, n = strlen(name), k;
	long	 ix;
	bool	 sl;

	*exact = false;
	*payload = true;
	if ((ix = nmap_find(nm, name)) >= 0) {
		*exact = true;
		return ix;
	}
	if (canonical(name, c, sizeof(c), &sl) &&
	    (ix = nmap_find(nm, c)) >= 0) {
		/* a per-expert slice of a fused tensor is not the whole */
		*exact = !sl;
		return ix;
	}
	for (i = 0; i < N_SIDE; i++) {
		k = strlen(side_suffix[i]);
		if (n <= k || n - k >= sizeof(base) - 8 ||
		    strcmp(name + n - k, side_suffix[i]) != 0)
			continue;
		memcpy(base, name, n - k);
		base[n - k] = '\0';
		*payload = is_payload(side_suffix[i]);
		if ((ix = nmap_find(nm, base)) >= 0)
			return ix;
		strcat(base, ".weight");
		if ((ix = nmap_find(nm, base)) >= 0)
			return ix;
		if (canonical(base, c, sizeof(c), &sl) &&
		    (ix = nmap_find(nm, c)) >= 0)
			return ix;
		base[n - k] = '\0';
		if (canonical(base, c, sizeof(c), &sl) &&
		    (ix = nmap_find(nm, c)) >= 0)
			return ix;
		break;
	}
	*payload = true;
	return -1;
}

/* Is the name a quantization side tensor (scale, zero point, ...)? */
static bool
is_side(const char *name)
{
	size_t i;

	for (i = 0; i < N_SIDE; i++)
		if (ends_with(name, side_suffix[i]))
			return !is_payload(side_suffix[i]);
	return ends_with(name, ".k_scale") || ends_with(name, ".v_scale");
}

/* Layer number of "...layers.N..." / "...h.N..." / "...blocks.N...". */
static int32_t
name_layer(const char *s)
{
	static const char *keys[] = { ".layers.", ".h.", ".blocks." };
	const char	*p;
	size_t		 i;
	long		 v;

	for (i = 0; i < 3; i++)
		if ((p = strstr(s, keys[i])) != NULL) {
			p += strlen(keys[i]);
			if (*p < '0' || *p > '9')
				continue;
			v = strtol(p, NULL, 10);
			return v >= 0 && v < 1000000 ? (int32_t)v : -1;
		}
	return -1;
}

/* A kind for a tensor the config path did not predict, from its name. */
static enum mp_tkind
name_kind(const char *s, unsigned *flags)
{
	static const struct { const char *pat; enum mp_tkind k; bool lin; }
	    kinds[] = {
		{ "embed_tokens", MP_TK_EMBED, false },
		{ "wte", MP_TK_EMBED, false },
		{ "lm_head", MP_TK_OUTPUT, true },
		{ "norm", MP_TK_NORM, false },
		{ "q_proj", MP_TK_ATTN_Q, true },
		{ "k_proj", MP_TK_ATTN_K, true },
		{ "v_proj", MP_TK_ATTN_V, true },
		{ "o_proj", MP_TK_ATTN_O, true },
		{ "qkv_proj", MP_TK_ATTN_QKV, true },
		{ "gate_up_proj", MP_TK_FFN_GATE_UP, true },
		{ "gate_proj", MP_TK_FFN_GATE, true },
		{ "up_proj", MP_TK_FFN_UP, true },
		{ "down_proj", MP_TK_FFN_DOWN, true },
	};
	size_t i;

	*flags = 0;
	if (strstr(s, "vision") != NULL || strstr(s, "visual") != NULL ||
	    strstr(s, "multi_modal_projector") != NULL ||
	    strstr(s, "mm_projector") != NULL) {
		*flags = MP_TF_VISION;
		return MP_TK_VISION;
	}
	if (ends_with(s, ".bias"))
		return MP_TK_BIAS;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(s, kinds[i].pat) != NULL) {
			if (kinds[i].lin && ends_with(s, ".weight"))
				*flags = MP_TF_LINEAR;
			return kinds[i].k;
		}
	return MP_TK_OTHER;
}

/*
 * File tensors transformers does not load into the model: an lm_head
 * stored beside a tied embedding, and decoder layers past
 * num_hidden_layers (DeepSeek-V3's multi-token-prediction layer 61).
 */
static bool
not_loaded(const struct mp_model *m, const char *name)
{
	char	c[512];
	bool	sl;
	long	l;

	if (!canonical(name, c, sizeof(c), &sl))
		return false;
	if (m->tied && strncmp(c, "lm_head.", 8) == 0)
		return true;
	if (strncmp(c, "model.layers.", 13) == 0 && c[13] >= '0' &&
	    c[13] <= '9') {
		l = strtol(c + 13, NULL, 10);
		return l >= (long)m->layers;
	}
	return false;
}

/*
 * Rebuilds m's tensor list from the files: every config tensor found in
 * them keeps its kind and flags and gets file_bytes (its own tensor plus
 * its scales, zero points, ...); config tensors the files lack are
 * dropped (buffers aside); file tensors no config tensor claims are
 * added.  In a pre-quantized checkpoint (quantization_config) the
 * parameter count stays the config's: packed int32 words, scales and
 * zero points are storage, not parameters, so such extras are flagged
 * MP_TF_BUFFER (counted in weights as stored, not in params).
 */
static bool
merge(struct mp_model *m, const char *dir, const struct ftlist *fl,
    struct mp_error *err)
{
	struct nmap	 nm = { 0 };
	struct mp_tensor *old = NULL;
	bool		*hit = NULL, exact, payload;
	long		*own = NULL, ix;
	size_t		 i, n_old, dropped = 0, extra = 0, unused = 0;
	bool		 quant = m->quant_method[0] != '\0', ok = false;

	if (!nmap_init(&nm, m) ||
	    (hit = calloc(m->n_tensors + 1, sizeof(*hit))) == NULL ||
	    (own = calloc(fl->n + 1, sizeof(*own))) == NULL) {
		mp_error_set(err, MP_ENOMEM, dir, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < fl->n; i++) {
		const struct ftensor *f = &fl->t[i];
		struct mp_tensor *t;

		own[i] = ix = owner(&nm, f->name, &exact, &payload);
		if (ix < 0)
			continue;
		t = &m->tensors[ix];
		hit[ix] = true;
		if (!mp_add(t->file_bytes, f->bytes, &t->file_bytes)) {
			mp_error_set(err, MP_ERANGE, dir, f->name,
			    "tensor bytes overflow 64-bit arithmetic");
			goto out;
		}
		if (!payload)
			continue;
		if (st_types[f->type].dt != MP_DT_NONE)
			t->file_dtype = (uint8_t)st_types[f->type].dt;
		if (strcmp(st_types[f->type].name, "I32") == 0 &&
		    strcmp(m->quant_method, "awq") == 0)
			t->file_dtype = MP_DT_INT4_AWQ;
		else if (strcmp(st_types[f->type].name, "I32") == 0)
			t->file_dtype = MP_DT_INT4_GPTQ;
		else if (strcmp(st_types[f->type].name, "U8") == 0 &&
		    ends_with(f->name, "_blocks"))
			t->file_dtype = MP_DT_MXFP4;
		else if (strcmp(st_types[f->type].name, "U8") == 0 &&
		    strcmp(m->quant_method, "bitsandbytes") == 0)
			t->file_dtype = MP_DT_NF4;	/* packed 4-bit */
		/* A float tensor under its own name: its shape is the truth. */
		if (exact && st_types[f->type].is_float && f->ndim >= 1 &&
		    f->ndim <= 3 && f->numel != mp_tensor_numel(t)) {
			memset(t->dims, 0, sizeof(t->dims));
			memcpy(t->dims, f->dims, f->ndim * sizeof(f->dims[0]));
			t->ndim = f->ndim;
		}
	}
	/* Keep the claimed config tensors (and buffers), in order. */
	old = m->tensors;
	n_old = m->n_tensors;
	m->tensors = NULL;
	m->n_tensors = m->cap_tensors = 0;
	for (i = 0; i < n_old; i++) {
		const struct mp_tensor *t = &old[i];

		if (!hit[i] && !(t->flags & MP_TF_BUFFER)) {
			dropped++;
			continue;
		}
		if (!mp_model_add(m, t->name, t->layer, (enum mp_tkind)t->kind,
		    t->flags, t->ndim, t->dims[0], t->dims[1], t->dims[2], err))
			goto out;
		m->tensors[m->n_tensors - 1].file_dtype = t->file_dtype;
		m->tensors[m->n_tensors - 1].file_bytes = t->file_bytes;
	}
	/* Then the files' tensors nothing claimed. */
	for (i = 0; i < fl->n; i++) {
		const struct ftensor *f = &fl->t[i];
		struct mp_tensor *t;
		enum mp_tkind	 k;
		unsigned	 flags;
		uint64_t	 d[3] = { 0, 0, 0 };
		uint8_t		 nd = f->ndim;
		size_t		 j;

		if (own[i] >= 0)
			continue;
		if (not_loaded(m, f->name)) {
			unused++;
			continue;
		}
		extra++;
		k = name_kind(f->name, &flags);
		/* Collapse the leading dimensions of a >3-D tensor. */
		if (nd > 3) {
			d[0] = 1;
			for (j = 0; j + 2 < nd; j++)
				d[0] = mp_muls(d[0], f->dims[j]);
			d[1] = f->dims[nd - 2];
			d[2] = f->dims[nd - 1];
			nd = 3;
		} else
			for (j = 0; j < nd; j++)
				d[j] = f->dims[j];
		if (nd == 0) {		/* a scalar */
			nd = 1;
			d[0] = 1;
		}
		if (quant || is_side(f->name) || !st_types[f->type].is_float) {
			flags |= MP_TF_BUFFER;
			flags &= ~MP_TF_LINEAR;
		}
		if (!mp_model_add(m, f->name, name_layer(f->name), k, flags,
		    nd, d[0], d[1], d[2], err))
			goto out;
		t = &m->tensors[m->n_tensors - 1];
		t->file_bytes = f->bytes;
		t->file_dtype = (uint8_t)st_types[f->type].dt;
	}
	m->source = MP_SRC_SAFETENSORS;
	m->file_bytes = fl->bytes;
	if (!mp_model_count(m, err))
		goto out;
	if (dropped > 0 || extra > 0)
		snprintf(m->warning, sizeof(m->warning), "the safetensors "
		    "files lack %zu tensor(s) config.json implies and hold "
		    "%zu it does not; weights are priced as the files store "
		    "them", dropped, extra);
	else if (unused > 0)
		snprintf(m->warning, sizeof(m->warning), "%zu tensor(s) of "
		    "the safetensors files are not loaded by the model (a tied "
		    "lm_head, layers past num_hidden_layers such as MTP) and "
		    "not counted", unused);
	else if (quant)
		snprintf(m->warning, sizeof(m->warning), "pre-quantized "
		    "(%s) checkpoint: params is the model's parameter count "
		    "from config.json; weights are the files' bytes",
		    m->quant_method);
	ok = true;
out:
	free(old);
	free(nm.slot);
	free(hit);
	free(own);
	return ok;
}

static int
cmp_ft(const void *a, const void *b)
{
	return strcmp((*(const struct ftensor *const *)a)->name,
	    (*(const struct ftensor *const *)b)->name);
}

/* A tensor stored twice (a repeated key, or in two shards) would count
 * twice: the files contradict themselves. */
static bool
unique(const struct ftlist *fl, const char *dir, struct mp_error *err)
{
	const struct ftensor	**v;
	size_t			 i;
	bool			 ok = true;
	char			 f[96];

	if ((v = calloc(fl->n + 1, sizeof(*v))) == NULL)
		return mp_error_set(err, MP_ENOMEM, dir, NULL, "out of memory");
	for (i = 0; i < fl->n; i++)
		v[i] = &fl->t[i];
	qsort(v, fl->n, sizeof(*v), cmp_ft);
	for (i = 1; i < fl->n && ok; i++)
		if (strcmp(v[i]->name, v[i - 1]->name) == 0)
			ok = mp_error_set(err, MP_EINPUT, dir,
			    tfield(f, sizeof(f), v[i]->name, "dtype"),
			    "tensor stored twice in the safetensors files");
	free(v);
	return ok;
}

/* Whether p is there at all: a FIFO or an unreadable file named
 * model.safetensors is refused by the reader, not skipped. */
static bool
present(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 || !mp_file_missing(errno);
}

bool
mp_model_read_safetensors(const char *dir, struct mp_model *m,
    struct mp_error *err)
{
	char		*idx, *one, *p;
	struct ftlist	 fl = { 0 };
	bool		 ok;

	idx = mp_path_join(dir, "model.safetensors.index.json", true);
	one = mp_path_join(dir, "model.safetensors", true);
	if (idx == NULL || one == NULL) {
		free(idx);
		free(one);
		return mp_error_set(err, MP_ENOMEM, dir, NULL,
		    "out of memory");
	}
	if (present(idx)) {
		p = idx;
		ok = read_index(dir, p, &fl, err);
	} else if (present(one)) {
		p = one;
		ok = read_shard(p, &fl, err);
	} else {
		free(idx);
		free(one);
		return true;	/* config.json alone */
	}
	if (ok && fl.n == 0)
		ok = mp_error_set(err, MP_EINPUT, p, "header",
		    "no tensors in the safetensors files");
	if (ok)
		ok = unique(&fl, p, err);
	if (ok)
		ok = merge(m, dir, &fl, err);
	ftlist_fini(&fl);
	free(idx);
	free(one);
	return ok;
}

/*
 * The same checkpoint as shard headers already in memory (fetched over
 * HTTP or from memplan's cache): each part holds a shard's first 8 + N
 * bytes, its length prefix and JSON header, and the shard's full size.
 */
bool
mp_model_st_parts(struct mp_model *m, const char *origin,
    const struct mp_head *parts, size_t n, struct mp_error *err)
{
	struct ftlist	 fl = { 0 };
	uint64_t	 hl;
	size_t		 i;
	bool		 ok = true;

	for (i = 0; i < n && ok; i++) {
		const struct mp_head *p = &parts[i];

		if (p->len < 8 || p->size < 8)
			ok = mp_error_set(err, MP_EINPUT, p->path,
			    "header_size", "file is %llu bytes; a safetensors "
			    "file starts with an 8-byte header length",
			    (unsigned long long)p->size);
		else if (!mp_st_header_len(p->head, p->size, p->path, &hl,
		    err))
			ok = false;
		else if (p->len != 8 + hl)
			ok = mp_error_set(err, MP_EINPUT, p->path, "header",
			    "%zu bytes read; the header needs %llu", p->len,
			    (unsigned long long)(8 + hl));
		else
			ok = parse_shard(p->path, (const char *)p->head + 8,
			    (size_t)hl, p->size - 8 - hl, &fl, err);
	}
	if (ok && fl.n == 0)
		ok = mp_error_set(err, MP_EINPUT, origin, "header",
		    "no tensors in the safetensors files");
	if (ok)
		ok = unique(&fl, origin, err);
	if (ok)
		ok = merge(m, origin, &fl, err);
	ftlist_fini(&fl);
	return ok;
}
