/* runtime.h: what every runtime model shares (private to src/): the
 * constants of the CUDA libraries and the helpers of runtime.c */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_RUNTIME_H
#define MEMPLAN_RUNTIME_H

#include <regex.h>
#include <stdint.h>

#include "internal.h"

#define MIB	(1024ull * 1024ull)

/*
 * The workspace cuBLAS takes per handle on the first matmul, through
 * PyTorch's caching allocator (so it shows in max_memory_allocated):
 * CUBLAS_WORKSPACE_CONFIG's default on Hopper is ":4096:8", 8 buffers
 * of 4096 KiB = 32 MiB.  Inference runs one handle; training a second
 * one for autograd's device thread in backward (train.c).
 */
#define CUBLAS_WORKSPACE_BYTES	(32 * MIB)

/*
 * llama.cpp's tensor buffer overrides (override.c): the -ot rules in
 * order, then --n-cpu-moe's as one rule of its own kind.  The first rule
 * that matches a GGUF tensor name decides its buffer.
 */
#define MP_OT_MAX	16
#define MP_OT_NONE	(-2)	/* no rule matched: the layer's device */
#define MP_OT_HOST	(-1)	/* host memory (buffer "CPU") */
struct mp_ot_rule {
	regex_t		 re;
	bool		 experts;	/* --n-cpu-moe: expert tensors of */
	uint32_t	 below;		/* layers 0..below-1 */
	int32_t		 dev;		/* MP_OT_HOST or a GPU */
};
struct mp_overrides {
	struct mp_ot_rule r[MP_OT_MAX + 1];
	size_t		 n;
};
/* The scenario's rules, their buffers checked against the machine (its
 * backend's names, GPUs 0..gpus-1).  Free with mp_overrides_free (also
 * after a failure). */
bool	mp_overrides_build(struct mp_overrides *, const struct mp_scenario *,
	    uint32_t n_layer, uint32_t gpus, struct mp_error *);
/* The buffer of tensor name of layer (-1 none): MP_OT_NONE, MP_OT_HOST
 * or a GPU index; *rule (may be NULL) the index of the rule that
 * matched. */
int32_t	mp_overrides_dev(const struct mp_overrides *, const char *name,
	    int32_t layer, size_t *rule);
void	mp_overrides_free(struct mp_overrides *);

/*
 * Eager attention's memory (transformers.c): bytes per score element
 * at the worst moment of the forward and kept for backward, and the
 * float masks of one forward (bytes).
 */
uint64_t mp_eager_peak(enum mp_dtype compute, bool cuda);
uint64_t mp_eager_saved(enum mp_dtype compute, bool dropout);
uint64_t mp_eager_masks(const struct mp_model *, uint64_t batch,
	    uint64_t seq, enum mp_dtype compute);

/* transformers' sdpa runs PyTorch's math kernel (scores materialised
 * in fp32): grouped-query attention without a fused kernel for it. */
bool	mp_sdpa_math(const struct mp_model *, const struct mp_scenario *,
	    enum mp_dtype compute);

/* The sum of the components of mm, saturating. */
uint64_t mp_memory_sum(const struct mp_memory *mm);

#endif
