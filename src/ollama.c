/* ollama.c: llama.cpp as Ollama runs it (--runtime ollama) */
/* SPDX-License-Identifier: MIT */
/*
 * Ollama runs GGUF models on its vendored llama.cpp with its own
 * defaults.  Followed here (facts read in Ollama's repository; nothing
 * measured): docs/context-length.mdx at commit 01562a7f (the default
 * context by total VRAM: under 24 GiB 4096 tokens, 24-48 GiB 32768, 48 GiB
 * and more 262144; OLLAMA_CONTEXT_LENGTH overrides it), envconfig/
 * config.go (OLLAMA_NUM_PARALLEL default 1, OLLAMA_FLASH_ATTENTION a
 * boolean, OLLAMA_KV_CACHE_TYPE default f16), llm/server.go (num_ctx
 * capped at the model's training context; the runner's context is
 * num_ctx x parallel, one cache shared by the slots; num_batch 512; a
 * quantized cache only with flash attention, else f16).  A model's own
 * PARAMETER num_ctx (the ollama: source's params layer) wins over the
 * server's default.  The variables are read from the environment of
 * this process: what `ollama serve` would see if started from here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define GIB	(1024ull * 1024ull * 1024ull)

/* docs/context-length.mdx: the default context from each total VRAM
 * on (its rule is in GiB). */
static const struct {
	uint64_t	 vram, ctx;
} ctx_tiers[] = {
	{ 0, 4096 }, { 24 * GIB, 32768 }, { 48 * GIB, 262144 },
};

#define N_TIERS	(sizeof(ctx_tiers) / sizeof(ctx_tiers[0]))

/* The tier of the machine's total VRAM. */
static size_t
ctx_tier(uint64_t vram)
{
	size_t t = 0;

	while (t + 1 < N_TIERS && vram >= ctx_tiers[t + 1].vram)
		t++;
	return t;
}

void
mp_ollama_ctx_values(struct mp_note *n, const struct mp_scenario *sc)
{
	size_t t = ctx_tier(sc->vram_total);

	if (mp_note_names(n, "vram_from"))
		mp_note_size(n, "vram_from", ctx_tiers[t].vram);
	if (mp_note_names(n, "vram_to") && t + 1 < N_TIERS)
		mp_note_size(n, "vram_to", ctx_tiers[t + 1].vram);
}

/* A positive whole number of the environment, or an error naming it. */
static bool
env_uint(const char *name, uint64_t max, uint64_t *out, bool *set,
    struct mp_error *err)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	*set = false;
	if (s == NULL || s[0] == '\0')
		return true;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v == 0 || v > max)
		return mp_error_set(err, MP_EUSAGE, NULL, name,
		    "expected a whole number from 1 to %llu, got \"%.40s\"",
		    (unsigned long long)max, s);
	*out = v;
	*set = true;
	return true;
}

/* Go's strconv.ParseBool, which Ollama's envconfig.Bool uses. */
static bool
env_bool(const char *name, enum mp_tristate *t, struct mp_error *err)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true",
	    "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false",
	    "False", NULL };
	const char *s = getenv(name);

	if (s == NULL || s[0] == '\0')
		return true;
	if (mp_word_in(s, yes) || mp_word_in(s, no)) {
		*t = mp_word_in(s, yes) ? MP_ON : MP_OFF;
		return true;
	}
	return mp_error_set(err, MP_EUSAGE, NULL, name,
	    "expected a boolean (1, true, 0, false), got \"%.40s\"", s);
}

bool
mp_ollama_defaults(struct mp_scenario *sc, const struct mp_model *m,
    struct mp_error *err)
{
	const char *kv = getenv("OLLAMA_KV_CACHE_TYPE");
	uint64_t v = 0;
	bool set;

	if (!sc->ollama)
		return true;
	if (sc->batch == 0) {
		if (!env_uint("OLLAMA_NUM_PARALLEL", 256, &v, &set, err))
			return false;
		sc->batch = set ? v : 1;
	}
	if (sc->flash_attn == MP_AUTO &&
	    !env_bool("OLLAMA_FLASH_ATTENTION", &sc->flash_attn, err))
		return false;
	if (sc->kv_dtype == MP_DT_NONE && kv != NULL && kv[0] != '\0') {
		if (strcmp(kv, "f16") == 0)
			sc->kv_dtype = MP_DT_F16;
		else if (strcmp(kv, "q8_0") == 0)
			sc->kv_dtype = MP_DT_Q8_0;
		else if (strcmp(kv, "q4_0") == 0)
			sc->kv_dtype = MP_DT_Q4_0;
		else
			return mp_error_set(err, MP_EUSAGE, NULL,
			    "OLLAMA_KV_CACHE_TYPE", "expected f16, q8_0 or "
			    "q4_0, got \"%.40s\"", kv);
		/* Ollama keeps f16 when flash attention is off. */
		if (sc->flash_attn == MP_OFF)
			sc->kv_dtype = MP_DT_F16;
	}
	if (sc->seq == 0) {
		if (m->ctx_default != 0) {
			sc->seq = m->ctx_default;
			snprintf(sc->ollama_ctx, sizeof(sc->ollama_ctx),
			    "the model's PARAMETER num_ctx");
		} else {
			if (!env_uint("OLLAMA_CONTEXT_LENGTH", 1ull << 30, &v,
			    &set, err))
				return false;
			if (set) {
				sc->seq = v;
				snprintf(sc->ollama_ctx, sizeof(sc->ollama_ctx),
				    "OLLAMA_CONTEXT_LENGTH");
			} else {
				size_t t = ctx_tier(sc->vram_total);

				/* The tier's bounds are the note's values
				 * (mp_ollama_ctx_values). */
				sc->seq = ctx_tiers[t].ctx;
				snprintf(sc->ollama_ctx, sizeof(sc->ollama_ctx),
				    "Ollama's default for %s", sc->vram_total ==
				    0 ? "unknown VRAM (no machine)" : t == 0 ?
				    "under {vram_to} of VRAM" : t + 1 ==
				    N_TIERS ? "{vram_from} of VRAM or more" :
				    "{vram_from} to {vram_to} of VRAM");
			}
		}
		if (m->max_pos != 0 && sc->seq > m->max_pos)
			sc->seq = m->max_pos;
	}
	sc->kv_unified = true;
	return true;
}
