/* model.c: a model as the list of its tensors; exact parameter counts */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* More tensors than any real checkpoint lists (DeepSeek-V3: ~1,000 here). */
#define MAX_TENSORS	(1u << 20)

void
mp_model_init(struct mp_model *m)
{
	memset(m, 0, sizeof(*m));
}

void
mp_model_fini(struct mp_model *m)
{
	size_t i;

	if (m == NULL)
		return;
	if (m->cache != NULL) {
		for (i = 0; i < MP_CACHE_SLOTS; i++)
			free(m->cache->gguf[i].t);
		mp_model_fini(m->cache->draft);
		free(m->cache->draft);
	}
	free(m->cache);
	free(m->layer);
	free(m->tensors);
	memset(m, 0, sizeof(*m));
}

uint64_t
mp_tensor_numel(const struct mp_tensor *t)
{
	uint64_t n = 1;
	uint8_t i;

	for (i = 0; i < t->ndim && i < 3; i++)
		n = mp_muls(n, t->dims[i]);
	return n;
}

bool
mp_model_add(struct mp_model *m, const char *name, int32_t layer,
    enum mp_tkind kind, unsigned flags, uint8_t ndim, uint64_t d0,
    uint64_t d1, uint64_t d2, struct mp_error *err)
{
	struct mp_tensor	*t;
	uint64_t		 n;

	if (m->n_tensors == m->cap_tensors) {
		size_t cap = m->cap_tensors ? m->cap_tensors * 2 : 256;

		if (cap > MAX_TENSORS)
			return mp_error_set(err, MP_EINPUT, m->path, NULL,
			    "more than %u tensors", MAX_TENSORS);
		t = realloc(m->tensors, cap * sizeof(*t));
		if (t == NULL)
			return mp_error_set(err, MP_ENOMEM, m->path, NULL,
			    "out of memory");
		m->tensors = t;
		m->cap_tensors = cap;
	}
	t = &m->tensors[m->n_tensors];
	memset(t, 0, sizeof(*t));
	{
		size_t len = strlen(name);

		if (len >= sizeof(t->name))
			len = sizeof(t->name) - 1;
		memcpy(t->name, name, len);
		t->name[len] = '\0';
	}
	t->layer = layer;
	t->kind = (uint8_t)kind;
	t->flags = (uint8_t)flags;
	t->ndim = ndim;
	t->dims[0] = d0;
	t->dims[1] = ndim > 1 ? d1 : 0;
	t->dims[2] = ndim > 2 ? d2 : 0;
	/* Every element count must stay exact: refuse what would wrap. */
	if ((ndim > 1 && !mp_mul(d0, d1, &n)) ||
	    (ndim > 2 && !mp_mul(n, d2, &n)))
		return mp_error_set(err, MP_ERANGE, m->path, name,
		    "tensor size overflows 64-bit arithmetic");
	m->n_tensors++;
	return true;
}

bool
mp_model_count(struct mp_model *m, struct mp_error *err)
{
	uint64_t	 params = 0, vision = 0, bufs = 0, f32 = 0, n;
	size_t		 i;

	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];

		n = mp_tensor_numel(t);
		if ((t->flags & MP_TF_F32) && !mp_add(f32, n, &f32))
			goto range;
		if (t->flags & MP_TF_BUFFER) {
			if (!mp_add(bufs, n, &bufs))
				goto range;
			continue;
		}
		if (!mp_add(params, n, &params))
			goto range;
		if ((t->flags & MP_TF_VISION) && !mp_add(vision, n, &vision))
			goto range;
	}
	m->params = params;
	m->vision_params = vision;
	m->buffer_elems = bufs;
	m->f32_elems = f32;
	/* The tensor list is final: a cache for what estimators derive from
	 * it (none at all when memory is short: only slower). */
	if (m->cache == NULL)
		m->cache = calloc(1, sizeof(*m->cache));
	else
		for (i = 0; i < MP_CACHE_SLOTS; i++) {
			free(m->cache->gguf[i].t);
			m->cache->gguf[i].t = NULL;
			m->cache->gguf[i].ftype[0] = '\0';
		}
	return true;
range:
	return mp_error_set(err, MP_ERANGE, m->path, NULL,
	    "parameter count overflows 64-bit arithmetic");
}

void
mp_path_stem(const char *path, const char *ext, char *out, size_t len)
{
	const char	*b = strrchr(path, '/');
	size_t		 n, el = strlen(ext);

	b = b != NULL ? b + 1 : path;
	n = strlen(b);
	if (n > el && strcmp(b + n - el, ext) == 0)
		n -= el;
	if (n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

/*
 * What the rope scaling types mean for the context (transformers
 * modeling_rope_utils.py): yarn and dynamic stretch the original length
 * (original_max_position_embeddings, else max_position_embeddings) by
 * factor; llama3 and longrope configs already state the stretched length
 * in max_position_embeddings (Llama 3.1: 131072 from an original 8192);
 * linear (Gemma 3) states it too unless an original length is given.
 */
uint64_t
mp_model_context_limit(const struct mp_model *m, bool *scaled)
{
	uint64_t	 base, ext = 0;
	const char	*t = m->rope_type;

	*scaled = false;
	if (m->max_pos == 0)
		return 0;
	if (t[0] == '\0' || m->rope_factor <= 1)
		return m->max_pos;
	base = m->rope_orig != 0 ? m->rope_orig : m->max_pos;
	if (strcmp(t, "yarn") == 0 || strcmp(t, "dynamic") == 0 ||
	    (strcmp(t, "linear") == 0 && m->rope_orig != 0))
		ext = (uint64_t)((double)base * m->rope_factor);
	if (ext <= m->max_pos)
		return m->max_pos;
	*scaled = true;
	return ext;
}
