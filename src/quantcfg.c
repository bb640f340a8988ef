/* quantcfg.c: what a pre-quantized checkpoint's quantization_config ships */
/* SPDX-License-Identifier: MIT */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

/*
 * config.json's quantization_config names the format the checkpoint's
 * Linear weights are stored in and which modules it leaves alone.  Read
 * here into mp_model.shipq (the scheme) and MP_TF_KEEP (the tensors left
 * in the compute dtype), so that weights.c prices the checkpoint as
 * shipped:
 *
 *   bitsandbytes (transformers' BitsAndBytesConfig): load_in_4bit with
 *     bnb_4bit_quant_type "nf4" or "fp4" (the class's default is "fp4"),
 *     bnb_4bit_use_double_quant, or load_in_8bit; llm_int8_skip_modules
 *     lists modules not converted.  transformers never converts the
 *     output head (get_keys_to_not_convert).
 *   compressed-tensors (llm-compressor's checkpoints): config_groups,
 *     each with "weights" {num_bits, type, strategy, group_size,
 *     block_structure, symmetric, actorder} and "targets"; "format" at
 *     the top or per group: pack-quantized, naive-/int-/float-quantized,
 *     nvfp4-pack-quantized; "ignore" lists modules left unquantized.
 *   gptq / awq: bits and group_size; mxfp4, fp8, fbgemm_fp8: the format
 *     alone; modules_to_not_convert where given.
 */

static const cJSON *
obj_item(const cJSON *o, const char *key)
{
	const cJSON *it;

	if (!cJSON_IsObject(o))
		return NULL;
	it = cJSON_GetObjectItemCaseSensitive(o, key);
	return it == NULL || cJSON_IsNull(it) ? NULL : it;
}

static const char *
obj_str(const cJSON *o, const char *key)
{
	const cJSON *it = obj_item(o, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static bool
bad(struct mp_error *err, const char *path, const char *field,
    const char *msg)
{
	char f[200];

	snprintf(f, sizeof(f), "quantization_config.%.160s", field);
	return mp_error_set(err, MP_EINPUT, path, f, "%s", msg);
}

/* A whole number in [lo, hi], or absent (*v keeps its default). */
static bool
get_uint(const cJSON *o, const char *key, const char *pfx, unsigned lo,
    unsigned hi, unsigned *v, const char *path, struct mp_error *err)
{
	const cJSON	*it = obj_item(o, key);
	char		 f[96], msg[64];

	if (it == NULL)
		return true;
	snprintf(f, sizeof(f), "%s%s", pfx, key);
	if (!cJSON_IsNumber(it) || it->valuedouble != (double)(long)
	    it->valuedouble || it->valuedouble < lo || it->valuedouble > hi) {
		snprintf(msg, sizeof(msg), "expected a whole number from %u to "
		    "%u", lo, hi);
		return bad(err, path, f, msg);
	}
	*v = (unsigned)it->valuedouble;
	return true;
}

/* A boolean, or absent. */
static bool
get_bool(const cJSON *o, const char *key, const char *pfx, bool *v,
    const char *path, struct mp_error *err)
{
	const cJSON	*it = obj_item(o, key);
	char		 f[96];

	if (it == NULL)
		return true;
	snprintf(f, sizeof(f), "%s%s", pfx, key);
	if (!cJSON_IsBool(it))
		return bad(err, path, f, "expected true or false");
	*v = cJSON_IsTrue(it);
	return true;
}

/* A list of strings, or absent; each entry must be a string. */
static bool
str_list(const cJSON *o, const char *key, const char *path,
    struct mp_error *err, const cJSON **out)
{
	const cJSON	*it = obj_item(o, key), *e;
	char		 f[96];

	*out = NULL;
	if (it == NULL)
		return true;
	snprintf(f, sizeof(f), "%s", key);
	if (!cJSON_IsArray(it))
		return bad(err, path, f, "expected a list of module names");
	cJSON_ArrayForEach(e, it)
		if (!cJSON_IsString(e))
			return bad(err, path, f, "expected a list of module "
			    "names (strings)");
	*out = it;
	return true;
}

/*
 * A Python regular expression as POSIX ERE: the \d and \. escapes
 * checkpoints use; re.match anchors at the start, hence the caret.
 */
static bool
compile(const char *py, regex_t *re)
{
	char	 buf[512];
	size_t	 i = 0, o = 0;

	buf[o++] = '^';
	for (; py[i] != '\0' && o + 8 < sizeof(buf); i++) {
		if (py[i] == '\\' && py[i + 1] == 'd') {
			memcpy(buf + o, "[0-9]", 5);
			o += 5;
			i++;
		} else
			buf[o++] = py[i];
	}
	if (py[i] != '\0')
		return false;
	buf[o] = '\0';
	return regcomp(re, buf, REG_EXTENDED | REG_NOSUB) == 0;
}

/* The module a tensor belongs to: its name less ".weight". */
static void
module_of(const struct mp_tensor *t, char *mod, size_t len)
{
	size_t n = strlen(t->name);

	if (n > 7 && strcmp(t->name + n - 7, ".weight") == 0)
		n -= 7;
	if (n >= len)
		n = len - 1;
	memcpy(mod, t->name, n);
	mod[n] = '\0';
}

/*
 * compressed-tensors' match (utils/match.py _match_name): "re:PATTERN"
 * is re.match on the module name, anything else the exact name.
 */
static bool
ct_match(const char *pat, const char *mod)
{
	regex_t	 re;
	bool	 hit;

	if (strncmp(pat, "re:", 3) != 0)
		return strcmp(pat, mod) == 0;
	if (!compile(pat + 3, &re))
		return false;
	hit = regexec(&re, mod, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

/*
 * transformers' should_convert_module (quantizers_utils.py), for
 * llm_int8_skip_modules and modules_to_not_convert: a module is left
 * alone when the pattern matches at the start of its name (re.match) or
 * its name ends with the pattern.
 */
static bool
hf_match(const char *pat, const char *mod)
{
	regex_t	 re;
	size_t	 n = strlen(mod), p = strlen(pat);
	bool	 hit = false;

	if (p <= n && strcmp(mod + n - p, pat) == 0)
		return true;
	if (compile(pat, &re)) {
		hit = regexec(&re, mod, 0, NULL, 0) == 0;
		regfree(&re);
	}
	return hit;
}

/* Marks every tensor a module list (or the output head) leaves alone. */
static void
mark_kept(struct mp_model *m, const cJSON *list, bool ct)
{
	const cJSON	*e;
	char		 mod[80];
	size_t		 i;

	for (i = 0; i < m->n_tensors; i++) {
		struct mp_tensor *t = &m->tensors[i];

		if (!ct && t->kind == MP_TK_OUTPUT)
			t->flags |= MP_TF_KEEP;
		if (list == NULL)
			continue;
		module_of(t, mod, sizeof(mod));
		cJSON_ArrayForEach(e, list)
			if (ct ? ct_match(e->valuestring, mod) :
			    hf_match(e->valuestring, mod)) {
				t->flags |= MP_TF_KEEP;
				break;
			}
	}
}

static bool
read_bnb(const cJSON *qc, struct mp_model *m, const char *path,
    struct mp_error *err)
{
	struct mp_shipq	*q = &m->shipq;
	bool		 b4 = false, b8 = false;
	const char	*qt;
	const cJSON	*skip;

	if (!get_bool(qc, "load_in_4bit", "", &b4, path, err) ||
	    !get_bool(qc, "load_in_8bit", "", &b8, path, err) ||
	    !get_bool(qc, "bnb_4bit_use_double_quant", "", &q->double_quant,
	    path, err) || !str_list(qc, "llm_int8_skip_modules", path, err,
	    &skip))
		return false;
	if (b4 && b8)
		return bad(err, path, "load_in_8bit", "expected load_in_4bit "
		    "or load_in_8bit, not both");
	if (b4) {
		qt = obj_str(qc, "bnb_4bit_quant_type");
		if (qt == NULL || strcmp(qt, "fp4") == 0)
			q->dt = MP_DT_FP4;
		else if (strcmp(qt, "nf4") == 0)
			q->dt = MP_DT_NF4;
		else
			return bad(err, path, "bnb_4bit_quant_type",
			    "expected \"nf4\" or \"fp4\"");
		snprintf(q->scheme, sizeof(q->scheme), "bitsandbytes %s%s",
		    q->dt == MP_DT_NF4 ? "nf4" : "fp4", q->double_quant ?
		    ", double quantization" : "");
	} else if (b8) {
		q->dt = MP_DT_INT8;
		q->double_quant = false;
		snprintf(q->scheme, sizeof(q->scheme), "bitsandbytes "
		    "LLM.int8()");
	} else
		snprintf(q->why, sizeof(q->why), "bitsandbytes without "
		    "load_in_4bit or load_in_8bit");
	if (q->dt != MP_DT_NONE)
		snprintf(q->label, sizeof(q->label), "%s bitsandbytes",
		    mp_dtype_info(q->dt)->name);
	mark_kept(m, skip, false);
	return true;
}

/* One compressed-tensors "weights" block. */
static bool
read_ct_weights(const cJSON *w, const char *pfx, struct mp_shipq *q,
    const char *path, struct mp_error *err)
{
	const char	*ty = obj_str(w, "type"), *st = obj_str(w, "strategy");
	const char	*ao = obj_str(w, "actorder");
	const cJSON	*bs = obj_item(w, "block_structure");
	unsigned	 bits = 8, gs = 0;
	char		 f[160];

	q->symmetric = true;
	if (!get_uint(w, "num_bits", pfx, 1, 8, &bits, path, err) ||
	    !get_uint(w, "group_size", pfx, 1, 1u << 20, &gs, path, err) ||
	    !get_bool(w, "symmetric", pfx, &q->symmetric, path, err))
		return false;
	q->bits = (uint8_t)bits;
	q->is_float = ty != NULL && strcmp(ty, "float") == 0;
	q->group_size = gs;
	q->g_idx = ao != NULL && strcmp(ao, "group") == 0;
	if (st == NULL || strcmp(st, "tensor") == 0)
		q->strategy = MP_SQ_TENSOR;
	else if (strcmp(st, "channel") == 0)
		q->strategy = MP_SQ_CHANNEL;
	else if (strcmp(st, "group") == 0 || strcmp(st, "tensor_group") == 0)
		q->strategy = MP_SQ_GROUP;
	else if (strcmp(st, "block") == 0)
		q->strategy = MP_SQ_BLOCK;
	else {
		snprintf(f, sizeof(f), "%sstrategy", pfx);
		return bad(err, path, f, "expected \"tensor\", \"channel\", "
		    "\"group\", \"tensor_group\" or \"block\"");
	}
	if (q->strategy == MP_SQ_GROUP && gs == 0) {
		snprintf(f, sizeof(f), "%sgroup_size", pfx);
		return bad(err, path, f, "expected a group size for a "
		    "group strategy");
	}
	if (q->strategy == MP_SQ_BLOCK) {
		const cJSON *a = cJSON_GetArrayItem(bs, 0),
		    *b = cJSON_GetArrayItem(bs, 1);

		if (!cJSON_IsArray(bs) || cJSON_GetArraySize(bs) != 2 ||
		    !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
		    a->valuedouble < 1 || b->valuedouble < 1 ||
		    a->valuedouble > 65536 || b->valuedouble > 65536) {
			snprintf(f, sizeof(f), "%sblock_structure", pfx);
			return bad(err, path, f, "expected [rows, columns] for "
			    "a block strategy");
		}
		q->block[0] = (uint32_t)a->valuedouble;
		q->block[1] = (uint32_t)b->valuedouble;
	}
	return true;
}

static bool
read_ct(const cJSON *qc, struct mp_model *m, const char *path,
    struct mp_error *err)
{
	struct mp_shipq	*q = &m->shipq;
	const cJSON	*groups = obj_item(qc, "config_groups"), *g, *w;
	const cJSON	*ign;
	const char	*fmt = obj_str(qc, "format"), *gf;
	char		 pfx[96];
	unsigned	 n = 0;
	struct mp_shipq	 one;

	if (!str_list(qc, "ignore", path, err, &ign))
		return false;
	if (groups != NULL && !cJSON_IsObject(groups))
		return bad(err, path, "config_groups", "expected an object of "
		    "quantization groups");
	/*
	 * Several groups: the widest weights decide (an upper bound on the
	 * checkpoint; mixed schemes per layer are rare).
	 */
	cJSON_ArrayForEach(g, groups) {
		snprintf(pfx, sizeof(pfx), "config_groups.%.40s.weights.",
		    g->string);
		w = obj_item(g, "weights");
		if (w == NULL)
			continue;
		if (!cJSON_IsObject(w))
			return bad(err, path, pfx, "expected an object");
		memset(&one, 0, sizeof(one));
		if (!read_ct_weights(w, pfx, &one, path, err))
			return false;
		gf = obj_str(g, "format");
		if (n++ == 0 || one.bits > q->bits) {
			q->bits = one.bits;
			q->is_float = one.is_float;
			q->strategy = one.strategy;
			q->group_size = one.group_size;
			q->block[0] = one.block[0];
			q->block[1] = one.block[1];
			q->symmetric = one.symmetric;
			q->g_idx = one.g_idx;
			if (gf != NULL)
				fmt = gf;
		}
	}
	if (n == 0) {
		snprintf(q->why, sizeof(q->why), "compressed-tensors without "
		    "quantized weights (sparsity only)");
		return true;
	}
	if (fmt == NULL)
		fmt = "naive-quantized";
	if (strcmp(fmt, "pack-quantized") == 0)
		q->layout = MP_SQ_PACKED;
	else if (strcmp(fmt, "naive-quantized") == 0 ||
	    strcmp(fmt, "int-quantized") == 0 ||
	    strcmp(fmt, "float-quantized") == 0)
		q->layout = MP_SQ_BYTE;
	else if (strcmp(fmt, "nvfp4-pack-quantized") == 0)
		q->layout = MP_SQ_NVFP4;
	else {
		snprintf(q->why, sizeof(q->why), "compressed-tensors format "
		    "\"%.40s\" is not priced", fmt);
		return true;
	}
	/* The closest format memplan names (speed, runtimes, gates). */
	if (q->layout == MP_SQ_NVFP4)
		q->dt = MP_DT_FP4;
	else if (q->is_float)
		q->dt = q->bits == 8 ? MP_DT_F8_E4M3 : MP_DT_NONE;
	else
		q->dt = q->bits <= 4 ? MP_DT_INT4_GPTQ : MP_DT_INT8;
	if (q->dt == MP_DT_NONE) {
		snprintf(q->why, sizeof(q->why), "compressed-tensors %u-bit "
		    "float weights are not priced", q->bits);
		return true;
	}
	snprintf(q->scheme, sizeof(q->scheme), "compressed-tensors %.24s "
	    "%s%u", fmt, q->is_float ? "fp" : "int", q->bits);
	if (q->strategy == MP_SQ_GROUP)
		snprintf(q->scheme + strlen(q->scheme), sizeof(q->scheme) -
		    strlen(q->scheme), " group %u", q->group_size);
	else if (q->strategy == MP_SQ_CHANNEL)
		snprintf(q->scheme + strlen(q->scheme), sizeof(q->scheme) -
		    strlen(q->scheme), " per channel");
	snprintf(q->label, sizeof(q->label), "%s%u compressed-tensors",
	    q->layout == MP_SQ_NVFP4 ? "nvfp" : q->is_float ? "fp" : "int",
	    q->bits);
	mark_kept(m, ign, true);
	return true;
}

bool
mp_quantcfg_read(const cJSON *qc, struct mp_model *m, const char *path,
    struct mp_error *err)
{
	struct mp_shipq	*q = &m->shipq;
	const char	*qm;
	const cJSON	*keep;
	unsigned	 bits = 4, gs = 128;
	static const struct {
		const char	*method;
		enum mp_dtype	 dt;
	} simple[] = {
		{ "mxfp4", MP_DT_MXFP4 }, { "fp8", MP_DT_F8_E4M3 },
		{ "fbgemm_fp8", MP_DT_F8_E4M3 }, { "gptq", MP_DT_INT4_GPTQ },
		{ "awq", MP_DT_INT4_AWQ },
	};
	size_t i;

	memset(q, 0, sizeof(*q));
	if (qc == NULL)
		return true;
	if (!cJSON_IsObject(qc))
		return mp_error_set(err, MP_EINPUT, path, "quantization_config",
		    "expected an object");
	qm = obj_str(qc, "quant_method");
	snprintf(m->quant_method, sizeof(m->quant_method), "%s",
	    qm != NULL ? qm : "unknown");
	if (qm == NULL)
		return true;
	if (strcmp(qm, "bitsandbytes") == 0)
		return read_bnb(qc, m, path, err);
	if (strcmp(qm, "compressed-tensors") == 0)
		return read_ct(qc, m, path, err);
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (strcmp(qm, simple[i].method) == 0)
			break;
	if (i == sizeof(simple) / sizeof(simple[0])) {
		snprintf(q->why, sizeof(q->why), "quant_method \"%.40s\" is "
		    "not priced", qm);
		return true;
	}
	/* GPTQ and AWQ: 4-bit weights in groups (the layout weights.c
	 * prices); other widths are not priced. */
	if (simple[i].dt == MP_DT_INT4_GPTQ || simple[i].dt == MP_DT_INT4_AWQ) {
		const cJSON *g = obj_item(qc, "group_size");

		if (!get_uint(qc, "bits", "", 2, 8, &bits, path, err))
			return false;
		if (cJSON_IsNumber(g) && g->valuedouble == -1)
			gs = 0;		/* per output channel */
		else if (!get_uint(qc, "group_size", "", 1, 1u << 20, &gs,
		    path, err))
			return false;
		if (bits != 4) {
			snprintf(q->why, sizeof(q->why), "%s with %u-bit "
			    "weights is not priced", qm, bits);
			return true;
		}
		q->bits = 4;
		q->group_size = gs;
	}
	q->dt = simple[i].dt;
	snprintf(q->scheme, sizeof(q->scheme), "%s", qm);
	snprintf(q->label, sizeof(q->label), "%s", mp_dtype_info(q->dt)->name);
	if (!str_list(qc, "modules_to_not_convert", path, err, &keep))
		return false;
	if (keep != NULL)
		mark_kept(m, keep, false);
	return true;
}
