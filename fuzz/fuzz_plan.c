/* fuzz_plan.c: libFuzzer target for plan files (memplan check) */
/* SPDX-License-Identifier: MIT */
/*
 * planfile.c reads plans only from a path: each input goes to one
 * temporary file and mp_plan_load() reads it.  Checks are not run: they
 * would load models and profiles named by the input from anywhere.
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
	struct mp_plan	 pl;
	struct mp_error	 err;
	size_t		 i;

	mp_error_clear(&err);
	if (!mp_plan_load(fuzz_put(data, size), &pl, &err)) {
		if (err.status == MP_OK || err.msg[0] == '\0')
			abort();
		mp_plan_fini(&pl);
		return 0;
	}
	/* Every accepted check names a model and has a budget. */
	for (i = 0; i < pl.n_checks; i++)
		if (pl.checks[i].model[0] == '\0' ||
		    (pl.checks[i].max_memory == 0 &&
		    pl.checks[i].hardware[0] == '\0'))
			abort();
	mp_plan_fini(&pl);
	return 0;
}
