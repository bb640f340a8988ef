/* planfile.c: plan files, the checks "memplan check" runs in CI */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memplan.h"
#include "ydoc.h"

static const char *const top_keys[] = {
	"model", "hardware", "checks", NULL
};

/* Scenario keys: the CLI's option names with "_" for "-". */
static const char *const check_keys[] = {
	"name", "model", "hardware", "max_memory",
	"mode", "weights", "batch", "seq", "kv_dtype", "runtime", "rank",
	"lora_targets", "optimizer", "grad_ckpt", "amp", "gpus",
	"gpu_layers", "flash_attn", "ubatch", "mmap", "convert_pipeline",
	"group_size", "double_quant", NULL
};

/*
 * More checks than this is a generated mistake, not a CI job: each costs
 * a few KiB, and 10 000 run in well under a second.
 */
#define MAX_CHECKS	10000

static bool
tristate(const char *v, enum mp_tristate *t)
{
	if (strcmp(v, "auto") == 0)
		*t = MP_AUTO;
	else if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0)
		*t = MP_ON;
	else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0)
		*t = MP_OFF;
	else
		return false;
	return true;
}

static bool
boolean(const char *v, bool *b)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "on") == 0)
		*b = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "off") == 0)
		*b = false;
	else
		return false;
	return true;
}

static bool
uint_opt(const char *v, uint64_t min, uint64_t max, bool kmul, uint64_t *out,
    char *why, size_t whylen)
{
	return mp_parse_uint(v, min, max, kmul, out, why, whylen);
}

bool
mp_plan_set_option(struct mp_scenario *sc, const char *key, const char *v,
    bool *known, char *why, size_t whylen)
{
	uint64_t	 u;
	enum mp_dtype	 dt;

	*known = true;
	if (strcmp(key, "mode") == 0) {
		if (mp_mode_parse(v, &sc->mode))
			return true;
		snprintf(why, whylen, "expected infer, lora, qlora, full or "
		    "convert, got \"%.40s\"", v);
		return false;
	}
	if (strcmp(key, "weights") == 0) {
		char	 lower[16];
		size_t	 i;
		bool	 gguf;

		if (strlen(v) >= sizeof(lower))
			goto badw;
		for (i = 0; v[i] != '\0'; i++)
			lower[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ?
			    v[i] + 32 : v[i]);
		lower[i] = '\0';
		dt = mp_dtype_parse(lower);
		gguf = mp_gguf_ftype_known(lower);
		/*
		 * As on the command line: a name both a dtype and a GGUF
		 * type (q8_0, bf16) is the GGUF type under llama.cpp and
		 * conversions, so callers set mode and runtime first.
		 */
		if (gguf && (sc->runtime == MP_RT_LLAMACPP ||
		    sc->mode == MP_MODE_CONVERT || dt == MP_DT_NONE)) {
			memcpy(sc->ftype, lower, strlen(lower) + 1);
			sc->weights = mp_dtype_info(dt)->is_float ? dt :
			    MP_DT_NONE;
			return true;
		}
		if (dt != MP_DT_NONE) {
			sc->weights = dt;
			sc->ftype[0] = '\0';
			return true;
		}
badw:
		snprintf(why, whylen, "unknown weight format \"%.24s\" "
		    "(fp32, fp16, bf16, int8, nf4, fp4, gptq, awq, q8_0, "
		    "q6_k, q4_k_m, ...)", v);
		return false;
	}
	if (strcmp(key, "kv_dtype") == 0 || strcmp(key, "amp") == 0) {
		dt = mp_dtype_parse(v);
		if (strcmp(key, "amp") == 0) {
			if (dt != MP_DT_BF16 && dt != MP_DT_F16) {
				snprintf(why, whylen,
				    "expected bf16 or fp16, got \"%.40s\"", v);
				return false;
			}
			sc->amp = dt;
			return true;
		}
		if (dt == MP_DT_NONE) {
			snprintf(why, whylen, "expected fp16, bf16, fp8, q8_0 "
			    "or q4_0, got \"%.40s\"", v);
			return false;
		}
		sc->kv_dtype = dt;
		return true;
	}
	if (strcmp(key, "runtime") == 0) {
		if (mp_runtime_parse(v, &sc->runtime))
			return true;
		snprintf(why, whylen, "expected transformers, vllm or "
		    "llamacpp, got \"%.40s\"", v);
		return false;
	}
	if (strcmp(key, "optimizer") == 0) {
		if (mp_optim_parse(v, &sc->optimizer))
			return true;
		snprintf(why, whylen, "expected adamw, adamw8bit, sgd or "
		    "adafactor, got \"%.40s\"", v);
		return false;
	}
	if (strcmp(key, "batch") == 0) {
		if (!uint_opt(v, 1, 1u << 20, true, &u, why, whylen))
			return false;
		sc->batch = u;
		return true;
	}
	if (strcmp(key, "seq") == 0) {
		if (!uint_opt(v, 1, 1ull << 32, true, &u, why, whylen))
			return false;
		sc->seq = u;
		return true;
	}
	if (strcmp(key, "rank") == 0) {
		if (!uint_opt(v, 1, 65536, false, &u, why, whylen))
			return false;
		sc->rank = (uint32_t)u;
		return true;
	}
	if (strcmp(key, "gpus") == 0) {
		if (!uint_opt(v, 1, 1024, false, &u, why, whylen))
			return false;
		sc->gpus = (uint32_t)u;
		return true;
	}
	if (strcmp(key, "ubatch") == 0) {
		if (!uint_opt(v, 1, 1u << 20, true, &u, why, whylen))
			return false;
		sc->ubatch = (uint32_t)u;
		return true;
	}
	if (strcmp(key, "group_size") == 0) {
		if (!uint_opt(v, 1, 1u << 20, false, &u, why, whylen))
			return false;
		sc->group_size = (uint32_t)u;
		return true;
	}
	if (strcmp(key, "gpu_layers") == 0) {
		if (strcmp(v, "all") == 0) {
			sc->gpu_layers = -1;
			return true;
		}
		if (!uint_opt(v, 0, 1u << 20, false, &u, why, whylen))
			return false;
		sc->gpu_layers = (int64_t)u;
		return true;
	}
	if (strcmp(key, "lora_targets") == 0) {
		if (strlen(v) >= sizeof(sc->lora_targets)) {
			snprintf(why, whylen, "list of targets too long");
			return false;
		}
		snprintf(sc->lora_targets, sizeof(sc->lora_targets), "%s",
		    strcmp(v, "all-linear") == 0 ? "" : v);
		return true;
	}
	if (strcmp(key, "convert_pipeline") == 0) {
		if (strlen(v) >= sizeof(sc->pipeline)) {
			snprintf(why, whylen, "unknown pipeline \"%.40s\"", v);
			return false;
		}
		snprintf(sc->pipeline, sizeof(sc->pipeline), "%s", v);
		return true;
	}
	if (strcmp(key, "grad_ckpt") == 0 || strcmp(key, "double_quant") == 0) {
		bool b;

		if (!boolean(v, &b)) {
			snprintf(why, whylen, "expected true or false, got "
			    "\"%.40s\"", v);
			return false;
		}
		if (key[0] == 'g')
			sc->grad_ckpt = b;
		else
			sc->double_quant = b;
		return true;
	}
	if (strcmp(key, "flash_attn") == 0 || strcmp(key, "mmap") == 0) {
		enum mp_tristate t;

		if (!tristate(v, &t) || (key[0] == 'm' && t == MP_AUTO)) {
			snprintf(why, whylen, "expected %son or off, got "
			    "\"%.40s\"", key[0] == 'f' ? "auto, " : "", v);
			return false;
		}
		if (key[0] == 'f')
			sc->flash_attn = t;
		else
			sc->mmap = t;
		return true;
	}
	*known = false;
	snprintf(why, whylen, "not a scenario option");
	return false;
}

/* Copies src when it fits; false otherwise. */
static bool
copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/*
 * A value naming a file or folder next to the plan becomes that path;
 * anything else stays as written, a bundled name.  Absolute paths stay.
 */
static void
resolve(const char *dir, const char *v, char *out, size_t len)
{
	struct stat	 st;
	char		 p[2048];
	bool		 pathy;

	pathy = strchr(v, '/') != NULL;
	if (v[0] == '/' || dir[0] == '\0') {
		copy(out, len, v);
		return;
	}
	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, v) >= sizeof(p))
		p[0] = '\0';
	if (p[0] != '\0' && (pathy || stat(p, &st) == 0) &&
	    copy(out, len, p))
		return;
	copy(out, len, v);
}

static bool
scalar_text(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    char *out, size_t len, struct mp_error *err)
{
	return mp_ydoc_str(y, n, field, out, len, err);
}

static bool
load_check(struct mp_ydoc *y, yaml_node_t *n, size_t idx, const char *dir,
    const char *model, const char *hw, struct mp_check *c,
    struct mp_error *err)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k, *v, *wnode = NULL;
	char			 pre[32], field[96], val[1024], why[200];
	const char		*key;
	bool			 known;

	snprintf(pre, sizeof(pre), "checks[%zu]", idx);
	if (!mp_ydoc_keys(y, n, pre, check_keys, err))
		return false;
	memset(c, 0, sizeof(*c));
	mp_scenario_init(&c->sc);
	c->line = (uint32_t)n->start_mark.line + 1;
	c->col = (uint32_t)n->start_mark.column + 1;
	snprintf(c->name, sizeof(c->name), "check %zu", idx + 1);
	copy(c->model, sizeof(c->model), model);
	copy(c->hardware, sizeof(c->hardware), hw);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = mp_ydoc_node(y, p->key);
		v = mp_ydoc_node(y, p->value);
		key = (const char *)k->data.scalar.value;
		snprintf(field, sizeof(field), "%s.%s", pre, key);
		if (strcmp(key, "max_memory") == 0) {
			if (!mp_ydoc_size(y, v, field, false, &c->max_memory,
			    err))
				return false;
			continue;
		}
		if (!scalar_text(y, v, field, val, sizeof(val), err))
			return false;
		if (strcmp(key, "name") == 0) {
			if (!copy(c->name, sizeof(c->name), val))
				return mp_ydoc_err(y, v, field, err,
				    "name longer than %zu characters",
				    sizeof(c->name) - 1);
			continue;
		}
		if (strcmp(key, "model") == 0) {
			resolve(dir, val, c->model, sizeof(c->model));
			continue;
		}
		if (strcmp(key, "hardware") == 0) {
			resolve(dir, val, c->hardware, sizeof(c->hardware));
			continue;
		}
		/* Weights depend on mode and runtime: set them last. */
		if (strcmp(key, "weights") == 0) {
			wnode = v;
			continue;
		}
		if (!mp_plan_set_option(&c->sc, key, val, &known, why,
		    sizeof(why)))
			return mp_ydoc_err(y, v, field, err, "%s", why);
		if (strcmp(key, "mode") == 0)
			c->set |= MP_CK_MODE;
		else if (strcmp(key, "weights") == 0)
			c->set |= MP_CK_WEIGHTS;
		else if (strcmp(key, "seq") == 0)
			c->set |= MP_CK_SEQ;
		else if (strcmp(key, "batch") == 0)
			c->set |= MP_CK_BATCH;
		else if (strcmp(key, "runtime") == 0)
			c->set |= MP_CK_RUNTIME;
	}
	if (wnode != NULL) {
		snprintf(field, sizeof(field), "%s.weights", pre);
		if (!scalar_text(y, wnode, field, val, sizeof(val), err))
			return false;
		if (!mp_plan_set_option(&c->sc, "weights", val, &known, why,
		    sizeof(why)))
			return mp_ydoc_err(y, wnode, field, err, "%s", why);
	}
	if (c->model[0] == '\0')
		return mp_ydoc_err(y, n, pre, err,
		    "no model: set \"model\" at the top or in the check");
	if (c->max_memory == 0 && c->hardware[0] == '\0')
		return mp_ydoc_err(y, n, pre, err,
		    "no budget: set \"max_memory\" or \"hardware\"");
	return true;
}

void
mp_plan_init(struct mp_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
}

void
mp_plan_fini(struct mp_plan *pl)
{
	if (pl == NULL)
		return;
	free(pl->checks);
	memset(pl, 0, sizeof(*pl));
}

bool
mp_plan_load(const char *path, struct mp_plan *pl, struct mp_error *err)
{
	struct mp_ydoc	 y;
	yaml_node_t	*root, *v, *checks;
	yaml_node_item_t *it;
	char		 dir[512], model[1024] = "", hw[1024] = "", val[1024];
	const char	*slash;
	size_t		 i, n;
	bool		 ok = false;

	mp_plan_init(pl);
	snprintf(pl->path, sizeof(pl->path), "%s", path);
	slash = strrchr(path, '/');
	if (slash == NULL)
		dir[0] = '\0';
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (!mp_ydoc_load(&y, path, err))
		return false;
	root = mp_ydoc_root(&y);
	if (!mp_ydoc_keys(&y, root, "", top_keys, err))
		goto out;
	if ((v = mp_ydoc_get(&y, root, "model")) != NULL) {
		if (!scalar_text(&y, v, "model", val, sizeof(val), err))
			goto out;
		resolve(dir, val, model, sizeof(model));
	}
	if ((v = mp_ydoc_get(&y, root, "hardware")) != NULL) {
		if (!scalar_text(&y, v, "hardware", val, sizeof(val), err))
			goto out;
		resolve(dir, val, hw, sizeof(hw));
	}
	if ((checks = mp_ydoc_get(&y, root, "checks")) == NULL) {
		mp_ydoc_err(&y, root, "checks", err,
		    "missing; expected a list of checks");
		goto out;
	}
	if (!mp_ydoc_seq(&y, checks, "checks", err))
		goto out;
	n = (size_t)(checks->data.sequence.items.top -
	    checks->data.sequence.items.start);
	if (n == 0) {
		mp_ydoc_err(&y, checks, "checks", err,
		    "the list is empty: a plan needs at least one check");
		goto out;
	}
	if (n > MAX_CHECKS) {
		mp_ydoc_err(&y, checks, "checks", err, "more than %d checks",
		    MAX_CHECKS);
		goto out;
	}
	if ((pl->checks = calloc(n, sizeof(*pl->checks))) == NULL) {
		mp_error_set(err, MP_ENOMEM, path, NULL, "out of memory");
		goto out;
	}
	for (i = 0, it = checks->data.sequence.items.start; i < n;
	    i++, it++) {
		if (!load_check(&y, mp_ydoc_node(&y, *it), i, dir, model, hw,
		    &pl->checks[i], err))
			goto out;
		pl->n_checks = i + 1;
	}
	ok = true;
out:
	mp_ydoc_fini(&y);
	if (!ok) {
		free(pl->checks);
		pl->checks = NULL;
		pl->n_checks = 0;
	}
	return ok;
}
