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

/*
 * Every GPU creates a context of its own, and the driver sizes each
 * one's stack reservation by that GPU's SMs and resident threads: on a
 * machine of different cards (a 4090 beside a 3060) they differ.
 */
uint64_t
mp_cuda_context_gpu(uint64_t measured_h100, const struct mp_scenario *sc,
    uint32_t i)
{
	if (sc == NULL || sc->cuda_stack == 0 || i >= sc->n_dev_free ||
	    i >= MP_MAX_GPUS || sc->dev_stack[i] == 0 ||
	    measured_h100 < H100_STACK_RESERVE)
		return mp_cuda_context_on(measured_h100, sc);
	return measured_h100 - H100_STACK_RESERVE + sc->dev_stack[i];
}

bool
mp_cuda_mixed(const struct mp_scenario *sc, uint32_t gpus)
{
	uint32_t i;

	for (i = 1; i < gpus && i < MP_MAX_GPUS; i++)
		if (mp_cuda_context_gpu(1ULL << 40, sc, i) !=
		    mp_cuda_context_gpu(1ULL << 40, sc, 0))
			return true;
	return false;
}

void
mp_cuda_cards_note(struct mp_estimate *est, const struct mp_scenario *sc,
    uint64_t measured_h100, uint32_t gpus)
{
	struct mp_note	*n;
	char		 buf[200], key[8];
	size_t		 len = 0;
	uint32_t	 i;

	if (!mp_cuda_mixed(sc, gpus))
		return;
	buf[0] = '\0';
	for (i = 0; i < gpus && i < 8 && len + 24 < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%sGPU %u {c%u}", i == 0 ? "" : ", ", i, i);
	n = mp_estimate_note(est, "runtime", "runtime.cuda_cards", "context "
	    "per card, each with its own stack reservation: %s", buf);
	for (i = 0; i < gpus && i < 8; i++) {
		snprintf(key, sizeof(key), "c%u", i);
		mp_note_size(n, key, mp_cuda_context_gpu(measured_h100, sc, i));
	}
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
mp_cuda_context_h100(void)
{
	return CUDA_CONTEXT_BYTES;
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
mp_runtime_transformers_gpu(const struct mp_scenario *sc, uint32_t i)
{
	return mp_cuda_context_gpu(CUDA_CONTEXT_BYTES, sc, i) +
	    CUBLAS_WORKSPACE_BYTES;
}

void
mp_cuda_cards_note_torch(struct mp_estimate *est,
    const struct mp_scenario *sc, uint32_t gpus, bool cublas)
{
	mp_cuda_cards_note(est, sc, CUDA_CONTEXT_BYTES +
	    (cublas ? CUBLAS_WORKSPACE_BYTES : 0), gpus);
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
