/* args.c: one option table for every command; each command allows a set */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum opt_id {
	O_HARDWARE, O_FORMAT, O_OUTPUT, O_UNITS, O_HELP, O_SOLVE, O_OVER,
	O_DETECT, O_MODE, O_WEIGHTS, O_BATCH, O_SEQ, O_KV, O_RUNTIME, O_RANK,
	O_TARGETS, O_OPTIM, O_CKPT, O_AMP, O_GPUS, O_PARALLEL, O_LAYERS,
	O_FA, O_UBATCH, O_MMAP, O_PIPELINE, O_GROUP, O_DQ, O_COLOR
};

struct opt {
	const char	*name;		/* long name without "--" */
	char		 shrt;		/* short letter or 0 */
	enum opt_id	 id;
	bool		 arg;		/* takes a value */
	unsigned	 group;		/* MP_OPT_* that allows it */
	const char	*choices;	/* space-separated values, or NULL */
};

#define FLOAT_KV "fp16 bf16 fp8 q8_0 q4_0"
#define WEIGHTS "fp32 fp16 bf16 fp8 int8 nf4 fp4 gptq awq mxfp4 q8_0 " \
	"q6_k q5_k_m q5_k_s q5_0 q5_1 q4_k_m q4_k_s q4_0 q4_1 iq4_xs " \
	"iq4_nl q3_k_l q3_k_m q3_k_s q2_k"
#define PIPELINES "hf-full hf-lowmem hf-cast-save streaming llamacpp " \
	"llamacpp-no-lazy openvino llama2c-standard llama2c-mem-efficient " \
	"llama2c-low llama2c-ultra-low"

static const struct opt opts[] = {
	{ "hardware", 0, O_HARDWARE, true, MP_OPT_HARDWARE, NULL },
	{ "format", 'f', O_FORMAT, true, MP_OPT_FORMAT,
	    "text markdown json junit csv svg" },
	{ "output", 'o', O_OUTPUT, true, MP_OPT_FORMAT, NULL },
	{ "units", 0, O_UNITS, true, MP_OPT_FORMAT, "iec si" },
	{ "help", 'h', O_HELP, false, 0, NULL },
	{ "color", 0, O_COLOR, false, MP_OPT_FORMAT, NULL },
	{ "solve", 0, O_SOLVE, true, MP_OPT_SOLVE, "seq batch layers weights" },
	{ "over", 0, O_OVER, true, MP_OPT_OVER, NULL },
	{ "detect", 0, O_DETECT, false, MP_OPT_DETECT, NULL },
	{ "mode", 0, O_MODE, true, MP_OPT_SCENARIO,
	    "infer lora qlora full convert" },
	{ "weights", 0, O_WEIGHTS, true, MP_OPT_SCENARIO, WEIGHTS },
	{ "batch", 0, O_BATCH, true, MP_OPT_SCENARIO, NULL },
	{ "seq", 0, O_SEQ, true, MP_OPT_SCENARIO, NULL },
	{ "kv-dtype", 0, O_KV, true, MP_OPT_SCENARIO, FLOAT_KV },
	{ "runtime", 0, O_RUNTIME, true, MP_OPT_SCENARIO,
	    "transformers vllm llamacpp" },
	{ "rank", 0, O_RANK, true, MP_OPT_SCENARIO, NULL },
	{ "lora-targets", 0, O_TARGETS, true, MP_OPT_SCENARIO,
	    "all-linear attn mlp" },
	{ "optimizer", 0, O_OPTIM, true, MP_OPT_SCENARIO,
	    "adamw adamw8bit sgd adafactor" },
	{ "grad-ckpt", 0, O_CKPT, false, MP_OPT_SCENARIO, NULL },
	{ "amp", 0, O_AMP, true, MP_OPT_SCENARIO, "bf16 fp16" },
	{ "gpus", 0, O_GPUS, true, MP_OPT_SCENARIO, NULL },
	{ "parallel", 0, O_PARALLEL, true, MP_OPT_SCENARIO,
	    "ddp zero1 zero2 zero3 fsdp" },
	{ "gpu-layers", 0, O_LAYERS, true, MP_OPT_SCENARIO, NULL },
	{ "flash-attn", 0, O_FA, true, MP_OPT_SCENARIO, "auto on off" },
	{ "ubatch", 0, O_UBATCH, true, MP_OPT_SCENARIO, NULL },
	{ "mmap", 0, O_MMAP, true, MP_OPT_SCENARIO, "on off" },
	{ "convert-pipeline", 0, O_PIPELINE, true, MP_OPT_SCENARIO,
	    PIPELINES },
	{ "group-size", 0, O_GROUP, true, MP_OPT_SCENARIO, NULL },
	{ "double-quant", 0, O_DQ, false, MP_OPT_SCENARIO, NULL },
};

size_t
mp_cli_options(size_t i, const char **name, char *shrt, bool *arg,
    unsigned *group, const char **choices)
{
	size_t n = sizeof(opts) / sizeof(opts[0]);

	if (i < n) {
		*name = opts[i].name;
		*shrt = opts[i].shrt;
		*arg = opts[i].arg;
		*group = opts[i].group;
		*choices = opts[i].choices;
	}
	return n;
}

static const struct { const char *name; enum mp_format f; } formats[] = {
	{ "text", MP_FMT_TEXT }, { "markdown", MP_FMT_MARKDOWN },
	{ "md", MP_FMT_MARKDOWN }, { "json", MP_FMT_JSON },
	{ "junit", MP_FMT_JUNIT }, { "csv", MP_FMT_CSV }, { "svg", MP_FMT_SVG },
};

static const struct { const char *name; enum mp_parallel p; } pars[] = {
	{ "none", MP_PAR_NONE }, { "ddp", MP_PAR_DDP },
	{ "zero1", MP_PAR_ZERO1 }, { "zero2", MP_PAR_ZERO2 },
	{ "zero3", MP_PAR_ZERO3 }, { "fsdp", MP_PAR_FSDP },
};

#define WEIGHT_CHOICES "fp32, fp16, bf16, fp8, int8, nf4, fp4, gptq, awq, " \
	"mxfp4 or a GGUF type (q8_0, q6_k, q5_k_m, q5_k_s, q5_0, q5_1, " \
	"q4_k_m, q4_k_s, q4_0, q4_1, iq4_xs, iq4_nl, q3_k_l, q3_k_m, " \
	"q3_k_s, q2_k, ...)"

static bool
uint_opt(const char *name, const char *v, uint64_t min, uint64_t max,
    bool kmul, uint64_t *out, struct mp_error *err)
{
	char why[160], field[48];

	if (mp_parse_uint(v, min, max, kmul, out, why, sizeof(why)))
		return true;
	snprintf(field, sizeof(field), "--%s", name);
	return mp_error_set(err, MP_EUSAGE, NULL, field, "%s", why);
}

static bool
tri(const char *name, const char *v, enum mp_tristate *out,
    struct mp_error *err)
{
	char field[48];

	if (strcmp(v, "auto") == 0)
		*out = MP_AUTO;
	else if (strcmp(v, "on") == 0)
		*out = MP_ON;
	else if (strcmp(v, "off") == 0)
		*out = MP_OFF;
	else {
		snprintf(field, sizeof(field), "--%s", name);
		return mp_error_set(err, MP_EUSAGE, NULL, field,
		    "expected auto, on or off, got \"%.40s\"", v);
	}
	return true;
}

static bool
apply(const struct opt *o, const char *v, struct mp_args *a,
    const char **weights, struct mp_error *err)
{
	struct mp_scenario	*sc = &a->sc;
	uint64_t		 u;
	size_t			 i;

	switch (o->id) {
	case O_HARDWARE:
		a->hardware = v;
		break;
	case O_FORMAT:
		for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			if (strcmp(v, formats[i].name) == 0) {
				a->format = formats[i].f;
				a->set |= MP_SET_FORMAT;
				return true;
			}
		return mp_error_set(err, MP_EUSAGE, NULL, "--format",
		    "expected text, markdown or json (check: also junit), "
		    "got \"%.40s\"", v);
	case O_OUTPUT:
		a->output = v;
		break;
	case O_UNITS:
		if (strcmp(v, "iec") == 0)
			a->units = MP_UNITS_IEC;
		else if (strcmp(v, "si") == 0)
			a->units = MP_UNITS_SI;
		else
			return mp_error_set(err, MP_EUSAGE, NULL, "--units",
			    "expected iec (GiB) or si (GB), got \"%.40s\"", v);
		break;
	case O_HELP:
		a->help = true;
		break;
	case O_COLOR:
		a->color = true;
		break;
	case O_SOLVE:
		a->solve = v;
		break;
	case O_OVER:
		a->over = v;
		break;
	case O_DETECT:
		a->detect = true;
		break;
	case O_MODE:
		if (!mp_mode_parse(v, &sc->mode))
			return mp_error_set(err, MP_EUSAGE, NULL, "--mode",
			    "expected infer, lora, qlora, full or convert, "
			    "got \"%.40s\"", v);
		a->set |= MP_SET_MODE;
		break;
	case O_WEIGHTS:
		*weights = v;
		a->set |= MP_SET_WEIGHTS;
		break;
	case O_BATCH:
		if (!uint_opt(o->name, v, 1, 1ULL << 20, false, &sc->batch,
		    err))
			return false;
		a->set |= MP_SET_BATCH;
		break;
	case O_SEQ:
		if (!uint_opt(o->name, v, 1, 1ULL << 30, true, &sc->seq, err))
			return false;
		a->set |= MP_SET_SEQ;
		break;
	case O_KV:
		sc->kv_dtype = mp_dtype_parse(v);
		if (sc->kv_dtype == MP_DT_NONE)
			return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
			    "expected fp16, bf16, fp8, q8_0 or q4_0, got "
			    "\"%.40s\"", v);
		break;
	case O_RUNTIME:
		if (!mp_runtime_parse(v, &sc->runtime))
			return mp_error_set(err, MP_EUSAGE, NULL, "--runtime",
			    "expected transformers, vllm or llamacpp, got "
			    "\"%.40s\"", v);
		a->set |= MP_SET_RUNTIME;
		break;
	case O_RANK:
		if (!uint_opt(o->name, v, 1, 65536, false, &u, err))
			return false;
		sc->rank = (uint32_t)u;
		break;
	case O_TARGETS:
		if (strlen(v) >= sizeof(sc->lora_targets))
			return mp_error_set(err, MP_EUSAGE, NULL,
			    "--lora-targets", "list too long");
		snprintf(sc->lora_targets, sizeof(sc->lora_targets), "%s", v);
		break;
	case O_OPTIM:
		if (!mp_optim_parse(v, &sc->optimizer))
			return mp_error_set(err, MP_EUSAGE, NULL, "--optimizer",
			    "expected adamw, adamw8bit, sgd or adafactor, got "
			    "\"%.40s\"", v);
		break;
	case O_CKPT:
		sc->grad_ckpt = true;
		break;
	case O_AMP:
		sc->amp = mp_dtype_parse(v);
		if (sc->amp != MP_DT_BF16 && sc->amp != MP_DT_F16)
			return mp_error_set(err, MP_EUSAGE, NULL, "--amp",
			    "expected bf16 or fp16, got \"%.40s\"", v);
		break;
	case O_GPUS:
		if (!uint_opt(o->name, v, 1, 4096, false, &u, err))
			return false;
		sc->gpus = (uint32_t)u;
		break;
	case O_PARALLEL:
		for (i = 0; i < sizeof(pars) / sizeof(pars[0]); i++)
			if (strcmp(v, pars[i].name) == 0) {
				sc->parallel = pars[i].p;
				return true;
			}
		return mp_error_set(err, MP_EUSAGE, NULL, "--parallel",
		    "expected ddp, zero1, zero2, zero3 or fsdp, got \"%.40s\"",
		    v);
	case O_LAYERS:
		sc->gpu_layers_set = true;
		if (strcmp(v, "all") == 0)
			sc->gpu_layers = -1;
		else {
			if (!uint_opt(o->name, v, 0, 1u << 20, false, &u, err))
				return false;
			sc->gpu_layers = (int64_t)u;
		}
		break;
	case O_FA:
		return tri(o->name, v, &sc->flash_attn, err);
	case O_UBATCH:
		if (!uint_opt(o->name, v, 1, 1u << 20, false, &u, err))
			return false;
		sc->ubatch = (uint32_t)u;
		break;
	case O_MMAP:
		return tri(o->name, v, &sc->mmap, err);
	case O_PIPELINE:
		if (strlen(v) >= sizeof(sc->pipeline))
			return mp_error_set(err, MP_EUSAGE, NULL,
			    "--convert-pipeline", "name too long");
		snprintf(sc->pipeline, sizeof(sc->pipeline), "%s", v);
		if (!(a->set & MP_SET_MODE))
			sc->mode = MP_MODE_CONVERT;
		break;
	case O_GROUP:
		if (!uint_opt(o->name, v, 1, 1u << 20, false, &u, err))
			return false;
		sc->group_size = (uint32_t)u;
		break;
	case O_DQ:
		sc->double_quant = true;
		break;
	}
	return true;
}

/*
 * --weights names a float or bitsandbytes type, or a GGUF ftype; a name
 * both can mean (q8_0, bf16) goes to the GGUF module under llama.cpp and
 * conversions, which price it per tensor as llama-quantize writes it.
 */
static bool
resolve_weights(const char *w, struct mp_scenario *sc, struct mp_error *err)
{
	enum mp_dtype	 dt = mp_dtype_parse(w);
	bool		 gguf = mp_gguf_ftype_known(w);
	char		 lower[16];
	size_t		 i;

	if (strlen(w) >= sizeof(lower))
		goto bad;
	for (i = 0; w[i] != '\0'; i++)
		lower[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
	lower[i] = '\0';
	dt = mp_dtype_parse(lower);
	gguf = mp_gguf_ftype_known(lower);
	if (gguf && (sc->runtime == MP_RT_LLAMACPP ||
	    sc->mode == MP_MODE_CONVERT || dt == MP_DT_NONE)) {
		snprintf(sc->ftype, sizeof(sc->ftype), "%s", lower);
		sc->weights = mp_dtype_info(dt)->is_float ? dt : MP_DT_NONE;
		return true;
	}
	if (dt != MP_DT_NONE) {
		sc->weights = dt;
		return true;
	}
bad:
	return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
	    "unknown format \"%.24s\"; expected " WEIGHT_CHOICES, w);
}

bool
mp_args_parse(int argc, char **argv, unsigned allow, size_t maxpos,
    struct mp_args *a, struct mp_error *err)
{
	const char	*weights = NULL;
	bool		 dashdash = false;
	int		 i;

	memset(a, 0, sizeof(*a));
	mp_scenario_init(&a->sc);
	for (i = 1; i < argc; i++) {
		const char		*s = argv[i], *v = NULL, *eq;
		const struct opt	*o = NULL;
		size_t			 k, nl;

		if (dashdash || s[0] != '-' || s[1] == '\0') {
			if (a->npos >= maxpos || a->npos >= MP_MAX_POS)
				return mp_error_set(err, MP_EUSAGE, NULL, NULL,
				    "unexpected argument \"%.60s\"", s);
			a->pos[a->npos++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (s[1] == '-') {
			eq = strchr(s + 2, '=');
			nl = eq ? (size_t)(eq - (s + 2)) : strlen(s + 2);
			for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
				if (strlen(opts[k].name) == nl &&
				    strncmp(opts[k].name, s + 2, nl) == 0)
					o = &opts[k];
			if (eq != NULL)
				v = eq + 1;
		} else if (s[2] == '\0') {
			for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
				if (opts[k].shrt == s[1])
					o = &opts[k];
		}
		if (o == NULL || (o->group != 0 && !(o->group & allow)))
			return mp_error_set(err, MP_EUSAGE, NULL, NULL,
			    "unknown option \"%.60s\" for '%s' (see "
			    "'memplan %s --help')", s, argv[0], argv[0]);
		if (o->arg && v == NULL) {
			if (i + 1 >= argc)
				return mp_error_set(err, MP_EUSAGE, NULL, s,
				    "expected a value");
			v = argv[++i];
		} else if (!o->arg && v != NULL)
			return mp_error_set(err, MP_EUSAGE, NULL, s,
			    "takes no value");
		if (!apply(o, v, a, &weights, err))
			return false;
	}
	if (weights != NULL && !resolve_weights(weights, &a->sc, err))
		return false;
	return true;
}
