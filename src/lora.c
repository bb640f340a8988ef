/* lora.c: which modules peft's LoRA adapts and how many parameters it adds */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * peft (0.21) with transformers 5 (5.17), as measured in the ground truth:
 *
 * - target_modules="all-linear" (peft tuners_utils.py,
 *   _maybe_include_all_linear_layers) selects every torch.nn.Linear and
 *   transformers Conv1D except the output embedding.  Each adapted module
 *   gets lora_A {r, in} and lora_B {out, r}: r * (in + out) parameters,
 *   two tensors.
 * - transformers 5 stores routed experts as 3-D parameters, not Linear
 *   modules.  For the model types transformers converts from v4
 *   checkpoints (conversion_mapping.py _MODEL_TO_CONVERSION_PATTERN:
 *   "qwen2_moe" style and "mixtral" style), peft rewrites the targets so
 *   an adapter means what it meant on v4 (peft
 *   utils/transformers_weight_conversion.py, _convert_peft_config_moe):
 *   the v4 leaf names {gate, gate_proj, up_proj, down_proj} (mixtral:
 *   {gate, w1, w3, w2}) become target_parameters: the router weight
 *   (rank r), the fused experts.gate_up_proj (rank 2r: gate and up were
 *   two adapters) and experts.down_proj (rank r).  A ParamWrapper on a
 *   {E, out, in} parameter holds lora_A {r*E, in} and lora_B {out, r*E}.
 *   Those leaf names are then no longer module targets, so dense MLPs and
 *   shared experts named gate_proj/up_proj/down_proj get no adapter.
 *   This reproduces deepseek-v2-lite (358,994,944) and qwen3-30b-a3b
 *   (996,507,648) at r=16 exactly.
 * - Other MoE types (gpt_oss, llama4, phimoe) keep their fused experts
 *   as plain parameters: all-linear leaves them frozen.
 */

enum conv { CONV_NONE, CONV_QWEN2MOE, CONV_MIXTRAL };

static const char *const qwen2moe_types[] = {
	"qwen2_moe", "deepseek_v2", "deepseek_v3", "dots1", "ernie4_5_moe",
	"glm4_moe", "glm4_moe_lite", "glm4v_moe", "longcat_flash",
	"solar_open", "qwen3_moe", "qwen3_omni_moe", "qwen3_next",
	"qwen3_vl_moe", "hunyuan_v1_moe", "flex_olmo", "olmoe"
};
static const char *const mixtral_types[] = { "mixtral", "minimax",
	"minimax_m2" };

/* The v4 leaf names peft maps onto v5 parameters, per conversion. */
static const char *const conv_keys[3][4] = {
	{ NULL, NULL, NULL, NULL },
	{ "gate", "gate_proj", "up_proj", "down_proj" },
	{ "gate", "w1", "w3", "w2" },
};

static enum conv
conversion(const struct mp_model *m)
{
	size_t i;

	for (i = 0; i < sizeof(qwen2moe_types) / sizeof(qwen2moe_types[0]);
	    i++)
		if (strcmp(m->model_type, qwen2moe_types[i]) == 0)
			return CONV_QWEN2MOE;
	for (i = 0; i < sizeof(mixtral_types) / sizeof(mixtral_types[0]); i++)
		if (strcmp(m->model_type, mixtral_types[i]) == 0)
			return CONV_MIXTRAL;
	return CONV_NONE;
}

/* The module's leaf name: "model.layers.0.self_attn.q_proj.weight" ->
 * "q_proj"; "model.layers.0.mlp.experts.down_proj" -> "down_proj". */
static void
leaf(const char *name, char *out, size_t len)
{
	size_t		 n = strlen(name), end = n, start;

	if (n > 7 && strcmp(name + n - 7, ".weight") == 0)
		end = n - 7;
	else if (n > 5 && strcmp(name + n - 5, ".bias") == 0)
		end = n - 5;
	for (start = end; start > 0 && name[start - 1] != '.'; start--)
		continue;
	n = end - start;
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, name + start, n);
	out[n] = '\0';
}

static bool
is_expert(const struct mp_tensor *t)
{
	return (t->flags & MP_TF_EXPERTS) != 0 && t->ndim == 3;
}

/* A module all-linear can select: an nn.Linear that is not the head. */
static bool
linear_target(const struct mp_tensor *t)
{
	return (t->flags & MP_TF_LINEAR) != 0 && t->kind != MP_TK_OUTPUT &&
	    (t->flags & MP_TF_BUFFER) == 0 && t->ndim == 2;
}

static bool
is_attn_kind(unsigned k)
{
	return k >= MP_TK_ATTN_Q && k <= MP_TK_ATTN_KV_B;
}

static bool
is_mlp_kind(unsigned k)
{
	return (k >= MP_TK_FFN_GATE && k <= MP_TK_FFN_GATE_UP) ||
	    (k >= MP_TK_EXP_GATE && k <= MP_TK_SHEXP_DOWN) ||
	    k == MP_TK_SSM_IN || k == MP_TK_SSM_OUT;
}

/* Short names accepted besides the model's own leaf names. */
static const struct { const char *name; unsigned kinds[3]; } aliases[] = {
	{ "q", { MP_TK_ATTN_Q, MP_TK_ATTN_Q_A, MP_TK_ATTN_Q_B } },
	{ "k", { MP_TK_ATTN_K, MP_TK_ATTN_K, MP_TK_ATTN_K } },
	{ "v", { MP_TK_ATTN_V, MP_TK_ATTN_V, MP_TK_ATTN_V } },
	{ "o", { MP_TK_ATTN_O, MP_TK_ATTN_O, MP_TK_ATTN_O } },
	{ "qkv", { MP_TK_ATTN_QKV, MP_TK_ATTN_QKV, MP_TK_ATTN_QKV } },
	{ "kv", { MP_TK_ATTN_KV_A, MP_TK_ATTN_KV_B, MP_TK_ATTN_KV_B } },
	{ "up", { MP_TK_FFN_UP, MP_TK_SHEXP_UP, MP_TK_EXP_UP } },
	{ "down", { MP_TK_FFN_DOWN, MP_TK_SHEXP_DOWN, MP_TK_EXP_DOWN } },
	{ "gate_up", { MP_TK_FFN_GATE_UP, MP_TK_EXP_GATE_UP,
	    MP_TK_EXP_GATE_UP } },
};

/* Which expert parameter a v4 leaf name stands for under conversion:
 * 1 gate part, 2 up part, 3 down, 4 router, 0 none. */
static int
conv_role(enum conv cv, const char *name)
{
	int i;

	if (cv == CONV_NONE)
		return 0;
	for (i = 0; i < 4; i++)
		if (strcmp(name, conv_keys[cv][i]) == 0)
			return i == 0 ? 4 : i;
	return 0;
}

static int
expert_role(const struct mp_tensor *t)
{
	switch (t->kind) {
	case MP_TK_EXP_GATE:
		return 1;
	case MP_TK_EXP_UP:
		return 2;
	case MP_TK_EXP_GATE_UP:
		return 5;	/* both parts in one tensor */
	case MP_TK_EXP_DOWN:
		return 3;
	default:
		return 0;
	}
}

/* Appends name to the comma list buf when it is not there yet. */
static void
list_add(char *buf, size_t len, const char *name)
{
	char	 pat[80];
	size_t	 n = strlen(buf);

	snprintf(pat, sizeof(pat), ",%s,", name);
	{
		char tmp[1024];

		snprintf(tmp, sizeof(tmp), ",%s,", buf);
		/* "a, b" is how the list is written: compare without spaces */
		{
			char *s, *d;

			for (s = d = tmp; *s != '\0'; s++)
				if (*s != ' ')
					*d++ = *s;
			*d = '\0';
		}
		if (strstr(tmp, pat) != NULL)
			return;
	}
	if (n + strlen(name) + 3 >= len)
		return;
	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", name);
}

/* The names --lora-targets accepts for this model, for error messages. */
static void
valid_names(const struct mp_model *m, enum conv cv, char *buf, size_t len)
{
	char	 lf[72];
	size_t	 i;

	buf[0] = '\0';
	list_add(buf, len, "all-linear");
	list_add(buf, len, "attn");
	list_add(buf, len, "mlp");
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		if (linear_target(t)) {
			leaf(t->name, lf, sizeof(lf));
			list_add(buf, len, lf);
		}
	}
	if (cv != CONV_NONE)
		for (i = 0; i < 4; i++)
			list_add(buf, len, conv_keys[cv][i]);
}

/* r * (in + out) for a Linear; r * E * (in + out) for an expert stack. */
static uint64_t
adapter_params(const struct mp_tensor *t, uint64_t r)
{
	if (t->ndim == 3)
		return mp_muls(mp_muls(r, t->dims[0]),
		    mp_adds(t->dims[1], t->dims[2]));
	return mp_muls(r, mp_adds(t->dims[0], t->ndim > 1 ? t->dims[1] : 0));
}

/*
 * The selection, before counting: sel[i] is set for each tensor adapted.
 * Under conversion a name's role (gate part, up part, down, router) is
 * recorded in roles instead and resolved per layer afterwards.
 */
struct want {
	bool	 all;
	bool	 attn, mlp;
	bool	 roles[6];		/* conv_role values 1..4 */
};

static bool
token_matches(const struct mp_model *m, enum conv cv, const char *tok,
    bool *sel, struct want *w)
{
	char	 lf[72];
	bool	 hit = false;
	size_t	 i, a;
	int	 role;

	if (strcmp(tok, "all-linear") == 0) {
		w->all = true;
		return true;
	}
	if (strcmp(tok, "attn") == 0) {
		w->attn = true;
		return true;
	}
	if (strcmp(tok, "mlp") == 0) {
		w->mlp = true;
		return true;
	}
	role = conv_role(cv, tok);
	if (role != 0) {
		w->roles[role] = true;
		hit = true;
	}
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		if (!linear_target(t))
			continue;
		leaf(t->name, lf, sizeof(lf));
		if (strcmp(lf, tok) != 0)
			continue;
		hit = true;
		/* under conversion these names mean the experts instead */
		if (role == 0)
			sel[i] = true;
	}
	if (hit)
		return true;
	for (a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++) {
		if (strcmp(aliases[a].name, tok) != 0)
			continue;
		for (i = 0; i < m->n_tensors; i++) {
			const struct mp_tensor *t = &m->tensors[i];
			size_t k;

			for (k = 0; k < 3; k++)
				if (t->kind == aliases[a].kinds[k] &&
				    (linear_target(t) || (cv != CONV_NONE &&
				    is_expert(t)))) {
					if (is_expert(t) &&
					    expert_role(t) == 5)
						w->roles[1] = w->roles[2] =
						    true;
					else if (is_expert(t))
						w->roles[expert_role(t)] =
						    true;
					else
						sel[i] = true;
					hit = true;
				}
		}
		return hit;
	}
	return false;
}

void
mp_lora_fini(struct mp_lora *lo)
{
	if (lo == NULL)
		return;
	free(lo->rank);
	memset(lo, 0, sizeof(*lo));
}

bool
mp_lora_plan(const struct mp_model *m, const char *targets, uint32_t r,
    struct mp_lora *lo, struct mp_error *err)
{
	enum conv	 cv = conversion(m);
	struct want	 w;
	bool		*sel = NULL;
	char		 spec[256], names[512], lf[72], *tok, *save = NULL;
	size_t		 i;
	bool		 ok = false;

	memset(lo, 0, sizeof(*lo));
	memset(&w, 0, sizeof(w));
	if (r == 0)
		return mp_error_set(err, MP_EUSAGE, NULL, "--rank",
		    "expected a LoRA rank of at least 1, got 0");
	if (r > m->hidden)
		return mp_error_set(err, MP_EUSAGE, NULL, "--rank",
		    "rank %u is larger than the model's width (hidden size "
		    "%u): a LoRA rank must be below the layer width", r,
		    m->hidden);
	if (m->n_tensors == 0)
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "the model has no tensors to adapt");
	sel = calloc(m->n_tensors, sizeof(*sel));
	lo->rank = calloc(m->n_tensors, sizeof(*lo->rank));
	if (sel == NULL || lo->rank == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	lo->conversion = cv != CONV_NONE;
	snprintf(spec, sizeof(spec), "%s", targets != NULL && targets[0] ?
	    targets : "all-linear");
	for (tok = strtok_r(spec, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (!token_matches(m, cv, tok, sel, &w)) {
			valid_names(m, cv, names, sizeof(names));
			mp_error_set(err, MP_EUSAGE, NULL, "--lora-targets",
			    "unknown module \"%s\" for %s; expected some of: "
			    "%s",
			    tok, m->model_type[0] ? m->model_type : m->arch,
			    names);
			goto out;
		}
	}
	/* Groups: all-linear, attn, mlp. */
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];
		int role;

		if (!linear_target(t))
			continue;
		leaf(t->name, lf, sizeof(lf));
		role = conv_role(cv, lf);
		if (role != 0) {
			/* v4 names: the router and experts instead */
			if (w.all || (w.mlp && role != 4))
				w.roles[role] = true;
			continue;
		}
		if (w.all || (w.attn && is_attn_kind(t->kind)) ||
		    (w.mlp && is_mlp_kind(t->kind)))
			sel[i] = true;
	}
	if (cv != CONV_NONE && (w.all || w.mlp)) {
		w.roles[1] = w.roles[2] = w.roles[3] = true;
		if (w.all)
			w.roles[4] = true;
	}
	if (cv != CONV_NONE && w.roles[1] != w.roles[2]) {
		mp_error_set(err, MP_EUSAGE, NULL, "--lora-targets",
		    "%s and %s are one fused parameter (experts.gate_up_proj) "
		    "in transformers 5: target both or neither",
		    conv_keys[cv][1], conv_keys[cv][2]);
		goto out;
	}
	/* Count: modules first, then the converted expert parameters. */
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		if (!sel[i])
			continue;
		lo->rank[i] = r;
		lo->trainable = mp_adds(lo->trainable, adapter_params(t, r));
		lo->tensors += 2;
		lo->modules++;
	}
	if (cv != CONV_NONE) {
		for (i = 0; i < m->n_tensors; i++) {
			const struct mp_tensor *t = &m->tensors[i];
			int role = expert_role(t);

			if (t->kind == MP_TK_ROUTER && w.roles[4] &&
			    lo->rank[i] == 0) {
				lo->rank[i] = r;
				lo->trainable = mp_adds(lo->trainable,
				    adapter_params(t, r));
				lo->tensors += 2;
				lo->modules++;
			} else if (role == 3 && w.roles[3]) {
				lo->rank[i] = r;
				lo->trainable = mp_adds(lo->trainable,
				    adapter_params(t, r));
				lo->tensors += 2;
				lo->modules++;
			} else if (role == 5 && w.roles[1]) {
				lo->rank[i] = 2 * r;
				lo->trainable = mp_adds(lo->trainable,
				    adapter_params(t, 2ULL * r));
				lo->tensors += 2;
				lo->modules++;
			} else if (role == 1 && w.roles[1]) {
				/*
				 * Stored as separate gate and up stacks here;
				 * transformers 5 fuses them into gate_up_proj
				 * {E, 2I, H}: one ParamWrapper of rank 2r
				 * over in = H and out = I_gate + I_up.
				 */
				uint64_t out = t->dims[1];
				size_t j;

				for (j = 0; j < m->n_tensors; j++)
					if (m->tensors[j].layer == t->layer &&
					    m->tensors[j].kind ==
					    MP_TK_EXP_UP &&
					    is_expert(&m->tensors[j])) {
						out = mp_adds(out,
						    m->tensors[j].dims[1]);
						lo->rank[j] = 2 * r;
					}
				lo->rank[i] = 2 * r;
				lo->trainable = mp_adds(lo->trainable,
				    mp_muls(mp_muls(2ULL * r, t->dims[0]),
				    mp_adds(out, t->dims[2])));
				lo->tensors += 2;
				lo->modules++;
			}
		}
	}
	if (lo->trainable == 0) {
		valid_names(m, cv, names, sizeof(names));
		mp_error_set(err, MP_EUSAGE, NULL, "--lora-targets",
		    "\"%s\" selects no module of %s; expected some of: %s",
		    targets != NULL && targets[0] ? targets : "all-linear",
		    m->model_type[0] ? m->model_type : m->arch, names);
		goto out;
	}
	ok = true;
out:
	free(sel);
	if (!ok)
		mp_lora_fini(lo);
	return ok;
}

/*
 * The two adapter tensors peft creates for model tensor i: lora_A
 * {a[0], a[1]} and lora_B {b[0], b[1]}.  False when tensor i has no
 * adapter of its own (not adapted, or the up half of an expert stack
 * whose adapter sits with its gate half).
 */
bool
mp_lora_shapes(const struct mp_model *m, const struct mp_lora *lo, size_t i,
    uint64_t a[2], uint64_t b[2])
{
	const struct mp_tensor	*t = &m->tensors[i];
	uint64_t		 r = lo->rank[i], in, out, e = 1;
	size_t			 j;

	if (r == 0)
		return false;
	if (t->ndim == 3) {
		e = t->dims[0];
		out = t->dims[1];
		in = t->dims[2];
		if (t->kind == MP_TK_EXP_UP)
			for (j = 0; j < m->n_tensors; j++)
				if (m->tensors[j].layer == t->layer &&
				    m->tensors[j].kind == MP_TK_EXP_GATE &&
				    lo->rank[j] != 0)
					return false;
		if (t->kind == MP_TK_EXP_GATE)
			for (j = 0; j < m->n_tensors; j++)
				if (m->tensors[j].layer == t->layer &&
				    m->tensors[j].kind == MP_TK_EXP_UP &&
				    lo->rank[j] != 0)
					out = mp_adds(out,
					    m->tensors[j].dims[1]);
	} else {
		out = t->dims[0];
		in = t->ndim > 1 ? t->dims[1] : 1;
	}
	a[0] = mp_muls(r, e);
	a[1] = in;
	b[0] = out;
	b[1] = mp_muls(r, e);
	return true;
}
