/* runtime.c: what every runtime's estimate uses (transformers, train,
 * convert, llama.cpp, vLLM) besides its notes (note.c): the CUDA
 * constants and the memory components.  It calls no runtime and no
 * dispatcher: estimate.c calls the runtimes, the runtimes call down. */
/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "runtime.h"

/*
 * The CUDA context and the kernels PyTorch loads at start-up: measured
 * as 0.60 GiB (648,871,936 bytes) on an H100 with PyTorch 2.11 / CUDA 13
 * (groundtruth cuda_context_bytes); cuBLAS adds its workspace on the
 * first matmul (CUBLAS_WORKSPACE_BYTES, runtime.h).
 *
 * Part of that context depends on the GPU: when a context is created
 * the driver reserves local memory for the stack of every thread the
 * GPU can hold at once (cudaLimitStackSize, 1 KiB by default, x the
 * resident threads per SM x the SMs; CUDA Runtime API, cudaDeviceSetLimit,
 * and the Programming Guide's table of per-SM limits).  On the H100 SXM
 * (132 SMs x 2048 threads) that is 264 MiB; the rest (driver state and the
 * kernels loaded lazily, CUDA_MODULE_LOADING=LAZY) is taken as the same
 * on every CUDA GPU: derived, not measured off the H100.
 */
#define CUDA_CONTEXT_BYTES	648871936ULL
#define STACK_PER_THREAD	1024ULL		/* cudaLimitStackSize default */
#define H100_STACK_RESERVE	(132ULL * 2048ULL * STACK_PER_THREAD)

/* Resident threads per SM by compute capability (CUDA C++ Programming
 * Guide, "Technical Specifications per Compute Capability"). */
static uint32_t
threads_per_sm(uint32_t cc)
{
	switch (cc) {
	case 75:
		return 1024;
	case 86:
	case 89:
	case 120:
	case 121:
		return 1536;
	default:
		return cc >= 50 ? 2048 : 0;
	}
}

uint64_t
mp_cuda_stack_reserve(const struct mp_device *d)
{
	if (d == NULL || d->backend != MP_BE_CUDA || d->sms == 0 ||
	    threads_per_sm(d->cc) == 0)
		return 0;
	return (uint64_t)d->sms * threads_per_sm(d->cc) * STACK_PER_THREAD;
}

uint64_t
mp_cuda_context_on(uint64_t measured_h100, const struct mp_scenario *sc)
{
	if (sc == NULL || sc->cuda_stack == 0 ||
	    measured_h100 < H100_STACK_RESERVE)
		return measured_h100;
	return measured_h100 - H100_STACK_RESERVE + sc->cuda_stack;
}

uint64_t
mp_cuda_context(const struct mp_scenario *sc)
{
	return mp_cuda_context_on(CUDA_CONTEXT_BYTES, sc);
}

/* "CUDA context 0.60 GiB (measured, H100, PyTorch 2.11) + cuBLAS
 * workspace", or the same moved to another GPU. */
void
mp_cuda_context_note(struct mp_estimate *est, const struct mp_scenario *sc)
{
	struct mp_note	*n;

	if (sc == NULL || sc->cuda_stack == 0) {
		mp_note_size(mp_estimate_note(est, "runtime", "runtime.cuda",
		    "CUDA context "
		    "{context} (measured, H100, PyTorch 2.11) + cuBLAS "
		    "workspace"), "context", CUDA_CONTEXT_BYTES);
		return;
	}
	n = mp_estimate_note(est, "runtime", "runtime.cuda_stack",
	    "CUDA context {context} "
	    "({measured} measured on an H100, with this GPU's {stack} stack "
	    "reservation for the H100's {h100_stack}) + cuBLAS workspace");
	mp_note_size(n, "context", mp_cuda_context(sc));
	mp_note_size(n, "measured", CUDA_CONTEXT_BYTES);
	mp_note_size(n, "stack", sc->cuda_stack);
	mp_note_size(n, "h100_stack", H100_STACK_RESERVE);
}

uint64_t
mp_cuda_stack_h100(void)
{
	return H100_STACK_RESERVE;
}

uint64_t
mp_runtime_transformers(const struct mp_scenario *sc)
{
	return mp_cuda_context(sc) + CUBLAS_WORKSPACE_BYTES;
}

uint64_t
mp_memory_sum(const struct mp_memory *mm)
{
	uint64_t t = 0;

	t = mp_adds(t, mm->weights);
	t = mp_adds(t, mm->kv_cache);
	t = mp_adds(t, mm->activations);
	t = mp_adds(t, mm->logits);
	t = mp_adds(t, mm->gradients);
	t = mp_adds(t, mm->optimizer);
	t = mp_adds(t, mm->adapters);
	t = mp_adds(t, mm->runtime);
	return t;
}

static const char *const comp_names[MP_N_COMPONENTS] = {
	"weights", "kv_cache", "activations", "logits", "gradients",
	"optimizer", "adapters", "runtime"
};

const char *
mp_component_name(size_t i)
{
	return i < MP_N_COMPONENTS ? comp_names[i] : "";
}

uint64_t
mp_component_value(const struct mp_memory *mm, size_t i)
{
	const uint64_t v[MP_N_COMPONENTS] = { mm->weights, mm->kv_cache,
	    mm->activations, mm->logits, mm->gradients, mm->optimizer,
	    mm->adapters, mm->runtime };

	return i < MP_N_COMPONENTS ? v[i] : 0;
}

const struct mp_note *
mp_component_note(const struct mp_estimate *est, const char *name)
{
	size_t k = 0;

	return mp_note_next(est, name, &k);
}

bool
mp_component_row(const struct mp_estimate *est, size_t i,
    struct mp_comp_row *row)
{
	row->name = mp_component_name(i);
	row->size = mp_component_value(&est->mem, i);
	row->k = 0;
	row->note = mp_note_next(est, row->name, &row->k);
	return row->size != 0 || row->note != NULL;
}

const struct mp_note *
mp_note_next(const struct mp_estimate *est, const char *what, size_t *k)
{
	for (; *k < est->n_notes; (*k)++)
		if (what != NULL ? strcmp(est->notes[*k].what, what) == 0 :
		    !mp_component_known(est->notes[*k].what))
			return &est->notes[(*k)++];
	return NULL;
}

bool
mp_component_known(const char *name)
{
	size_t i;

	for (i = 0; i < MP_N_COMPONENTS; i++)
		if (strcmp(name, comp_names[i]) == 0)
			return true;
	return false;
}
