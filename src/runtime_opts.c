/* runtime_opts.c: llama.cpp placement options and the machine a run sees */
/* SPDX-License-Identifier: MIT */
/*
 * The values of the options people pass to llama.cpp to place a model
 * (llama.cpp's common/arg.cpp: --tensor-split, --split-mode), read by the
 * option table (options.c), and the machine facts the runtimes read from
 * a hardware profile.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The names of --split-mode, in enum mp_split_mode order. */
static const char *const split_modes[] = { "layer", "row", "none", NULL };

const char *
mp_split_mode_choice(size_t i)
{
	return i < 3 ? split_modes[i] : NULL;
}

bool
mp_split_mode_parse(const char *s, enum mp_split_mode *out)
{
	size_t i;

	for (i = 0; split_modes[i] != NULL; i++)
		if (strcmp(s, split_modes[i]) == 0) {
			*out = (enum mp_split_mode)i;
			return true;
		}
	return false;
}

/*
 * One split proportion: digits with an optional fraction ("3", "0.5",
 * "24.5"), read without the C locale's help so that a German locale
 * does not turn "0.5" into 0.  At most 1e6.
 */
static bool
proportion(const char *s, size_t n, float *out)
{
	double	 v = 0, scale = 1;
	size_t	 i, digits = 0;
	bool	 frac = false;

	for (i = 0; i < n; i++) {
		if (s[i] == '.' && !frac) {
			frac = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return false;
		digits++;
		if (frac) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		} else
			v = v * 10 + (s[i] - '0');
		if (v > 1e6)
			return false;
	}
	if (digits == 0)
		return false;
	*out = (float)v;
	return true;
}

/* "3,1" or "3/1" (llama.cpp accepts both separators), not all zero. */
bool
mp_tensor_split_parse(struct mp_scenario *sc, const char *v)
{
	const char	*p = v, *e;
	float		 f[MP_MAX_GPUS], sum = 0;
	uint32_t	 n = 0;

	for (;;) {
		e = p + strcspn(p, ",/");
		if (n >= MP_MAX_GPUS || !proportion(p, (size_t)(e - p), &f[n]))
			return false;
		sum += f[n++];
		if (*e == '\0')
			break;
		p = e + 1;
	}
	if (sum <= 0)
		return false;
	memcpy(sc->tensor_split, f, n * sizeof(f[0]));
	sc->n_tensor_split = n;
	return true;
}

/*
 * llama.cpp's default --tensor-split follows each GPU's free memory: the
 * usable memory of every GPU the model can spread over, numbered as
 * mp_hardware_gpus numbers them (a mixed machine's cards each with its
 * own).  The placement step (place.c) calls this.
 */
void
mp_scenario_machine(struct mp_scenario *sc, const struct mp_hardware *hw)
{
	const struct mp_device	*g[MP_MAX_GPUS];
	size_t			 i, n;

	sc->n_dev_free = 0;
	sc->vram_total = 0;
	n = mp_hardware_gpus(hw, g, MP_MAX_GPUS);
	for (i = 0; i < n && i < MP_MAX_GPUS; i++) {
		sc->dev_stack[i] = mp_cuda_stack_reserve(g[i]);
		sc->dev_free[sc->n_dev_free++] = mp_device_usable(g[i], hw);
		/* Ollama's default context follows the total (ollama.c) */
		sc->vram_total = mp_adds(sc->vram_total, g[i]->memory);
	}
}

/*
 * The llama.cpp placement a user chose (-ts, -sm, -mg, --n-cpu-moe,
 * -ot): what plan rows and estimate's try lines keep from the asked
 * scenario, and what other runtimes' rows drop.
 */
void
mp_scenario_placement_copy(struct mp_scenario *dst,
    const struct mp_scenario *src)
{
	memcpy(dst->tensor_split, src->tensor_split,
	    sizeof(dst->tensor_split));
	dst->n_tensor_split = src->n_tensor_split;
	dst->split_mode = src->split_mode;
	dst->main_gpu = src->main_gpu;
	dst->n_cpu_moe = src->n_cpu_moe;
	memcpy(dst->override_tensor, src->override_tensor,
	    sizeof(dst->override_tensor));
}

void
mp_scenario_placement_clear(struct mp_scenario *sc)
{
	struct mp_scenario d;

	mp_scenario_init(&d);
	mp_scenario_placement_copy(sc, &d);
}
