/* override.c: llama.cpp's tensor buffer overrides (-ot, --n-cpu-moe) */
/* SPDX-License-Identifier: MIT */
/*
 * llama.cpp's --override-tensor PATTERN=BUFFER[,PATTERN=BUFFER...]
 * (common/arg.cpp, parse_tensor_buffer_overrides: the list is cut at
 * commas, each item at its first '='; the buffer must be one of the
 * devices' own buffer types, "CPU", "CUDA0", ..., else "unknown buffer
 * type").  At load time (llama-model-loader.cpp, create_tensor) each
 * weight's GGUF name is tried against the patterns in order with
 * std::regex_search (ECMAScript grammar: the pattern may match anywhere
 * in the name) and the first match decides the buffer, whatever -ngl
 * says of the tensor's layer.  An override to the CPU picks from the CPU
 * buffer list (pinned host memory with a GPU, plain host memory under
 * mmap); one to a GPU puts the tensor in that GPU's buffer.
 *
 * --n-cpu-moe N / --cpu-moe are the same mechanism: common/arg.cpp adds
 * one override per layer i < N, "blk\.i\.ffn_(up|down|gate|gate_up)_
 * (ch|)exps" to the CPU.  memplan keeps that as one rule of its own kind
 * (expert tensors of layers below N) after the -ot rules, so that fit
 * can try every N without compiling N patterns; the command lines it
 * prints write -ot before --n-cpu-moe, which gives llama.cpp the same
 * order.
 *
 * The patterns: memplan matches with POSIX regcomp/regexec (extended
 * syntax, search anywhere, like regex_search).  It accepts what means
 * the same in both grammars: POSIX ERE (. [] [^] [[:digit:]] * + ? {n,m}
 * | () ^ $) with ECMAScript's escapes of punctuation (\. \( \[ ...), its
 * class escapes \d \D \w \W \s \S (inside brackets \d \w \s only), its
 * non-capturing groups (?:...) and lazy quantifiers (*? +? ?? {n,m}?:
 * whether a name matches does not depend on laziness).  Refused, with a
 * line saying so: backreferences (\1), word boundaries (\b \B),
 * lookarounds ((?= (?! (?<= (?<!), other letter or digit escapes (\n,
 * \x41, \u0041, \cJ, \0), an empty class ([] or [^]), and \] \\ \^ \-
 * inside brackets (write ] first, - last, ^ not first).
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

/* The GPU buffer type names of each backend: the device's own buffer
 * type is named after the device, "CUDA0" (ggml-cuda, GGML_CUDA_NAME;
 * "ROCm0" in a HIP build), "Vulkan0", "SYCL0", "MTL0" (ggml-metal). */
const char *
mp_override_gpu_prefix(enum mp_backend be)
{
	switch (be) {
	case MP_BE_ROCM:
		return "ROCm";
	case MP_BE_METAL:
		return "MTL";
	case MP_BE_VULKAN:
		return "Vulkan";
	case MP_BE_SYCL:
		return "SYCL";
	case MP_BE_CPU:
		return NULL;
	default:
		return "CUDA";
	}
}

static const char *const prefixes[] = { "CUDA", "ROCm", "Vulkan", "SYCL",
	"MTL", NULL };

/*
 * One buffer name: "CPU" (MP_OT_HOST), or a GPU prefix and an index,
 * which *which names.  false: not a buffer type name.
 */
static bool
buffer_parse(const char *s, size_t n, int32_t *dev, const char **which)
{
	size_t i, k, len;
	uint32_t v = 0;

	*which = NULL;
	if (n == 3 && strncmp(s, "CPU", 3) == 0) {
		*dev = MP_OT_HOST;
		return true;
	}
	for (i = 0; prefixes[i] != NULL; i++) {
		len = strlen(prefixes[i]);
		if (n <= len || n > len + 2 || strncmp(s, prefixes[i], len) != 0)
			continue;
		for (k = len; k < n; k++) {
			if (s[k] < '0' || s[k] > '9')
				return false;
			v = v * 10 + (uint32_t)(s[k] - '0');
		}
		*dev = (int32_t)v;
		*which = prefixes[i];
		return true;
	}
	return false;
}

static bool
put(char *out, size_t len, size_t *at, const char *s)
{
	size_t n = strlen(s);

	if (*at + n >= len)
		return false;
	memcpy(out + *at, s, n + 1);
	*at += n;
	return true;
}

/* A bracket expression from p (after the '['); *pp is left after ']'. */
static bool
bracket(const char **pp, const char *end, char *out, size_t len, size_t *at,
    char *why, size_t whylen)
{
	const char *p = *pp;
	char one[2] = { 0, 0 };

	if (!put(out, len, at, "["))
		goto long_;
	if (p < end && *p == '^') {
		if (!put(out, len, at, "^"))
			goto long_;
		p++;
	}
	if (p < end && *p == ']') {
		snprintf(why, whylen, "an empty class ([] or [^]) is "
		    "ECMAScript only; memplan reads POSIX ERE");
		return false;
	}
	for (; p < end && *p != ']'; p++) {
		if (*p == '[' && p + 1 < end &&
		    (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			/* [:digit:] [.x.] [=x=]: both grammars (C++'s) */
			const char *q = p + 2;
			char close = p[1];

			while (q + 1 < end && !(q[0] == close && q[1] == ']'))
				q++;
			if (q + 1 >= end)
				break;
			while (p <= q + 1) {
				one[0] = *p++;
				if (!put(out, len, at, one))
					goto long_;
			}
			p--;
			continue;
		}
		if (*p != '\\') {
			one[0] = *p;
			if (!put(out, len, at, one))
				goto long_;
			continue;
		}
		if (++p >= end)
			break;
		switch (*p) {
		case 'd':
			if (!put(out, len, at, "0-9"))
				goto long_;
			break;
		case 'w':
			if (!put(out, len, at, "A-Za-z0-9_"))
				goto long_;
			break;
		case 's':
			if (!put(out, len, at, "[:space:]"))
				goto long_;
			break;
		case ']': case '\\': case '^': case '-':
			snprintf(why, whylen, "\\%c inside [...] is ECMAScript; "
			    "in POSIX ERE write ] first, - last, ^ not first, "
			    "and no backslash", *p);
			return false;
		default:
			if ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9')) {
				snprintf(why, whylen, "\\%c inside [...]: "
				    "memplan accepts \\d \\w \\s there", *p);
				return false;
			}
			one[0] = *p;
			if (!put(out, len, at, one))
				goto long_;
		}
	}
	if (p >= end) {
		snprintf(why, whylen, "a [ without its ]");
		return false;
	}
	if (!put(out, len, at, "]"))
		goto long_;
	*pp = p + 1;
	return true;
long_:
	snprintf(why, whylen, "the pattern is too long");
	return false;
}

/*
 * The ECMAScript pattern [s, s+n) as the POSIX ERE that matches the same
 * names, or false with why (the subset is described at the top).
 */
static bool
ere_of(const char *s, size_t n, char *out, size_t len, char *why,
    size_t whylen)
{
	const char *p = s, *end = s + n;
	size_t at = 0;
	char two[3] = { 0, 0, 0 };

	out[0] = '\0';
	while (p < end) {
		if (*p == '[') {
			p++;
			if (!bracket(&p, end, out, len, &at, why, whylen))
				return false;
			continue;
		}
		if (*p == '(' && p + 1 < end && p[1] == '?') {
			if (p + 2 < end && p[2] == ':') {
				/* (?:...) groups like (...) for matching */
				if (!put(out, len, &at, "("))
					goto long_;
				p += 3;
				continue;
			}
			snprintf(why, whylen, "lookarounds ((?= (?! (?<= "
			    "(?<!) are ECMAScript only; memplan reads POSIX "
			    "ERE");
			return false;
		}
		if ((*p == '*' || *p == '+' || *p == '?' || *p == '}') &&
		    p + 1 < end && p[1] == '?') {
			/* a lazy quantifier matches the same names */
			two[0] = *p;
			two[1] = '\0';
			if (!put(out, len, &at, two))
				goto long_;
			p += 2;
			continue;
		}
		if (*p != '\\') {
			two[0] = *p++;
			two[1] = '\0';
			if (!put(out, len, &at, two))
				goto long_;
			continue;
		}
		if (++p >= end) {
			snprintf(why, whylen, "a pattern cannot end in a "
			    "backslash");
			return false;
		}
		switch (*p) {
		case 'd': if (!put(out, len, &at, "[0-9]")) goto long_; break;
		case 'D': if (!put(out, len, &at, "[^0-9]")) goto long_; break;
		case 'w':
			if (!put(out, len, &at, "[A-Za-z0-9_]"))
				goto long_;
			break;
		case 'W':
			if (!put(out, len, &at, "[^A-Za-z0-9_]"))
				goto long_;
			break;
		case 's':
			if (!put(out, len, &at, "[[:space:]]"))
				goto long_;
			break;
		case 'S':
			if (!put(out, len, &at, "[^[:space:]]"))
				goto long_;
			break;
		case 'b': case 'B':
			snprintf(why, whylen, "\\%c (word boundary) is "
			    "ECMAScript only; memplan reads POSIX ERE", *p);
			return false;
		default:
			if (*p >= '1' && *p <= '9') {
				snprintf(why, whylen, "backreferences (\\%c) "
				    "are not accepted", *p);
				return false;
			}
			if ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || *p == '0') {
				snprintf(why, whylen, "\\%c: memplan accepts "
				    "the escapes \\d \\D \\w \\W \\s \\S and "
				    "escaped punctuation", *p);
				return false;
			}
			/* escaped punctuation: literal; ERE escapes its
			 * own special characters and takes the rest as is */
			two[0] = strchr(".[\\()*+?{|^$", *p) != NULL ? '\\' :
			    *p;
			two[1] = two[0] == '\\' ? *p : '\0';
			if (!put(out, len, &at, two))
				goto long_;
		}
		p++;
	}
	return true;
long_:
	snprintf(why, whylen, "the pattern is too long");
	return false;
}

void
mp_overrides_free(struct mp_overrides *ot)
{
	size_t i;

	for (i = 0; i < ot->n; i++)
		if (!ot->r[i].experts)
			regfree(&ot->r[i].re);
	ot->n = 0;
}

/*
 * Reads text into ot (NULL: only check it).  gpus 0: the buffers are not
 * checked against a machine; else each GPU buffer must be one of be's
 * GPUs 0..gpus-1.
 */
static bool
parse(const char *text, struct mp_overrides *ot, uint32_t gpus,
    enum mp_backend be, char *why, size_t whylen)
{
	const char *p = text, *e, *eq, *which, *want;
	char ere[1024], msg[160];
	struct mp_overrides tmp;
	size_t item = 0;
	int32_t dev;
	regex_t re;
	int rc;

	if (ot == NULL)
		ot = &tmp;
	ot->n = 0;
	for (;; p = e + 1) {
		e = p + strcspn(p, ",");
		item++;
		eq = memchr(p, '=', (size_t)(e - p));
		if (eq == NULL) {
			snprintf(why, whylen, "item %zu \"%.*s\": expected "
			    "PATTERN=BUFFER", item, (int)(e - p > 40 ? 40 :
			    e - p), p);
			goto fail;
		}
		if (!buffer_parse(eq + 1, (size_t)(e - eq - 1), &dev,
		    &which)) {
			struct mp_suggest sg;
			char cand[16];
			size_t i;

			snprintf(cand, sizeof(cand), "%.*s", (int)(e - eq - 1 >
			    15 ? 15 : e - eq - 1), eq + 1);
			mp_suggest_init(&sg, cand);
			mp_suggest_add(&sg, "CPU");
			for (i = 0; prefixes[i] != NULL; i++) {
				char g[16];

				snprintf(g, sizeof(g), "%s0", prefixes[i]);
				mp_suggest_add(&sg, g);
			}
			snprintf(why, whylen, "item %zu: unknown buffer type "
			    "\"%.*s\"; expected CPU or a GPU's buffer (CUDA0, "
			    "ROCm0, Vulkan0, SYCL0, MTL0)%s%s%s", item,
			    (int)(e - eq - 1 > 20 ? 20 : e - eq - 1), eq + 1,
			    mp_suggest_best(&sg) != NULL ? "; did you mean \"" :
			    "", mp_suggest_best(&sg) != NULL ?
			    mp_suggest_best(&sg) : "",
			    mp_suggest_best(&sg) != NULL ? "\"?" : "");
			goto fail;
		}
		if (gpus != 0 && which != NULL) {
			want = mp_override_gpu_prefix(be);
			if (want == NULL) {
				snprintf(why, whylen, "item %zu: buffer %s%d: "
				    "this machine has no GPU; the only buffer "
				    "is CPU", item, which, dev);
				goto fail;
			}
			if (strcmp(which, want) != 0) {
				char have[64];

				if (gpus == 1)
					snprintf(have, sizeof(have), "its "
					    "GPU's buffer is %s0", want);
				else
					snprintf(have, sizeof(have), "its "
					    "GPUs' buffers are %s0..%s%u", want, want,
					    gpus - 1);
				snprintf(why, whylen, "item %zu: buffer %s%d "
				    "is not on this machine; %s", item,
				    which, dev, have);
				goto fail;
			}
			if ((uint32_t)dev >= gpus) {
				snprintf(why, whylen, "item %zu: buffer %s%d: "
				    "GPU %d does not exist: %u GPU%s (--gpus), "
				    "numbered from 0", item, which, dev, dev,
				    gpus, gpus == 1 ? "" : "s");
				goto fail;
			}
		}
		if (ot->n >= MP_OT_MAX) {
			snprintf(why, whylen, "more than %d PATTERN=BUFFER "
			    "items", MP_OT_MAX);
			goto fail;
		}
		if (!ere_of(p, (size_t)(eq - p), ere, sizeof(ere), msg,
		    sizeof(msg))) {
			snprintf(why, whylen, "item %zu \"%.*s\": %s", item,
			    (int)(eq - p > 40 ? 40 : eq - p), p, msg);
			goto fail;
		}
		rc = regcomp(&re, ere, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &re, msg, sizeof(msg));
			snprintf(why, whylen, "item %zu \"%.*s\": invalid "
			    "regular expression: %s", item, (int)(eq - p > 40 ?
			    40 : eq - p), p, msg);
			goto fail;
		}
		ot->r[ot->n].re = re;
		ot->r[ot->n].experts = false;
		ot->r[ot->n].below = 0;
		ot->r[ot->n].dev = dev;
		ot->n++;
		if (*e == '\0')
			break;
	}
	if (ot == &tmp)
		mp_overrides_free(ot);
	return true;
fail:
	mp_overrides_free(ot);
	return false;
}

bool
mp_override_check(const char *text, char *why, size_t whylen)
{
	return parse(text, NULL, 0, MP_BE_NONE, why, whylen);
}

bool
mp_overrides_build(struct mp_overrides *ot, const struct mp_scenario *sc,
    uint32_t n_layer, uint32_t gpus, struct mp_error *err)
{
	char why[320];

	ot->n = 0;
	if (sc->override_tensor[0] != '\0' && !parse(sc->override_tensor, ot,
	    gpus, sc->backend, why, sizeof(why)))
		return mp_error_set(err, MP_EUSAGE, NULL, "--override-tensor",
		    "%s", why);
	if (sc->n_cpu_moe != 0) {
		ot->r[ot->n].experts = true;
		ot->r[ot->n].below = sc->n_cpu_moe > n_layer ? n_layer :
		    sc->n_cpu_moe;
		ot->r[ot->n].dev = MP_OT_HOST;
		ot->n++;
	}
	return true;
}

/*
 * Expert tensors as --n-cpu-moe / --cpu-moe match them (common/arg.cpp:
 * "\\.ffn_(up|down|gate|gate_up)_(ch|)exps"), weights and biases alike.
 */
static bool
is_expert_tensor(const char *name)
{
	static const char *const pat[] = {
		".ffn_up_exps", ".ffn_down_exps", ".ffn_gate_exps",
		".ffn_gate_up_exps", ".ffn_up_chexps", ".ffn_down_chexps",
		".ffn_gate_chexps", ".ffn_gate_up_chexps", NULL
	};
	size_t i;

	for (i = 0; pat[i] != NULL; i++)
		if (strstr(name, pat[i]) != NULL)
			return true;
	return false;
}

int32_t
mp_overrides_dev(const struct mp_overrides *ot, const char *name,
    int32_t layer, size_t *rule)
{
	size_t i;

	for (i = 0; i < ot->n; i++) {
		const struct mp_ot_rule *r = &ot->r[i];

		if (r->experts ? layer >= 0 && (uint32_t)layer < r->below &&
		    is_expert_tensor(name) :
		    regexec(&r->re, name, 0, NULL, 0) == 0) {
			if (rule != NULL)
				*rule = i;
			return r->dev;
		}
	}
	return MP_OT_NONE;
}
