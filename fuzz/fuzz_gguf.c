/* fuzz_gguf.c: libFuzzer target for the GGUF reader */
/* SPDX-License-Identifier: MIT */
/*
 * model_gguf.c reads from a path (it seeks and reads in pieces), so each
 * input is written to one temporary file and mp_model_load_gguf() reads
 * it.  A file that loads is estimated once on llama.cpp.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tmpfile.h"
#include "internal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_error		 err;

	mp_model_init(&m);
	mp_error_clear(&err);
	if (mp_model_load_gguf(fuzz_put(data, size), &m, &err)) {
		mp_scenario_init(&sc);
		sc.runtime = size % 2 ? MP_RT_LLAMACPP : MP_RT_TRANSFORMERS;
		sc.seq = 256;
		(void)mp_estimate(&m, &sc, &est, &err);
	} else if (err.status == MP_OK || err.msg[0] == '\0')
		abort();
	mp_model_fini(&m);
	return 0;
}
