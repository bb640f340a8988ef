/* runtime.h: what every runtime model shares (private to src/): the
 * constants of the CUDA libraries and the helpers of runtime.c */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_RUNTIME_H
#define MEMPLAN_RUNTIME_H

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

/* The sum of the components of mm, saturating. */
uint64_t mp_memory_sum(const struct mp_memory *mm);

#endif
