/* kv.c: the bytes each layer keeps between tokens */
/* SPDX-License-Identifier: MIT */
#include "internal.h"

/*
 * One layer's cache for `tokens` tokens of one sequence: K and V rows
 * (or MLA's single latent row), in kv's storage (block types such as
 * q8_0 pack each row in blocks, as llama.cpp stores them).  Sliding
 * layers keep at most their window when cap_window is set; Mamba layers
 * keep a fixed state whatever the length.
 */
uint64_t
mp_kv_layer_bytes(const struct mp_model *m, uint32_t l, uint64_t tokens,
    enum mp_dtype kv, bool cap_window)
{
	const struct mp_layer	*ly = &m->layer[l];
	uint64_t		 t = tokens;

	switch (ly->kind) {
	case MP_LK_MAMBA:
		/*
		 * A fixed state per sequence, whatever its length: the conv
		 * window in the cache dtype, the SSM state in fp32 where the
		 * config asks (mamba_ssm_cache_dtype), else the cache dtype.
		 */
		return mp_adds(mp_dtype_bytes(kv, ly->conv), m->ssm_f32 ?
		    mp_muls(ly->state, 4) : mp_dtype_bytes(kv, ly->state));
	case MP_LK_MLP:
		return 0;
	case MP_LK_SLIDING:
		if (cap_window && ly->window > 0 && t > ly->window)
			t = ly->window;
		break;
	default:
		break;
	}
	return mp_adds(mp_muls(t, mp_dtype_bytes(kv, ly->kv_k)),
	    mp_muls(t, mp_dtype_bytes(kv, ly->kv_v)));
}

uint64_t
mp_kv_total(const struct mp_model *m, uint64_t batch, uint64_t seq,
    enum mp_dtype kv, bool cap_window)
{
	uint64_t	 sum = 0;
	uint32_t	 l;

	for (l = 0; l < m->layers; l++)
		sum = mp_adds(sum, mp_kv_layer_bytes(m, l, seq, kv,
		    cap_window));
	return mp_muls(sum, batch);
}

uint64_t
mp_kv_bytes(const struct mp_model *m, uint64_t batch, uint64_t seq,
    enum mp_dtype kv)
{
	return mp_kv_total(m, batch, seq, kv, true);
}

void
mp_kv_rate(const struct mp_model *m, enum mp_dtype kv, uint64_t *per_token,
    uint64_t *fixed)
{
	uint64_t	 tok = 0, fix = 0;
	uint32_t	 l;

	/*
	 * Without window caps every attention layer grows by the same rows
	 * per token and Mamba layers hold a constant state: one pass gives
	 * the cache of any length.
	 */
	uint64_t	 row = 0;
	const struct mp_layer *prev = NULL;

	for (l = 0; l < m->layers; l++) {
		const struct mp_layer *ly = &m->layer[l];

		if (ly->kind == MP_LK_MAMBA || ly->kind == MP_LK_MLP) {
			fix = mp_adds(fix, mp_kv_layer_bytes(m, l, 1, kv,
			    false));
			continue;
		}
		/* Layers of one shape repeat: price a row once. */
		if (prev == NULL || prev->kv_k != ly->kv_k ||
		    prev->kv_v != ly->kv_v)
			row = mp_adds(mp_dtype_bytes(kv, ly->kv_k),
			    mp_dtype_bytes(kv, ly->kv_v));
		prev = ly;
		tok = mp_adds(tok, row);
	}
	*per_token = tok;
	*fixed = fix;
}
