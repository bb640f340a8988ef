/* fuzz_hardware.c: libFuzzer target for YAML hardware profiles */
/* SPDX-License-Identifier: MIT */
/*
 * hardware.c reads profiles only from a path, so each input is written
 * to one temporary file (made once per process) and loaded from there.
 * A profile that loads is then used to judge a fixed estimate.
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
	struct mp_hardware	 hw;
	struct mp_estimate	 est;
	struct mp_judgement	 j;
	struct mp_error		 err;

	mp_error_clear(&err);
	if (!mp_hardware_load(fuzz_put(data, size), &hw, &err)) {
		if (err.status == MP_OK || err.msg[0] == '\0')
			abort();
		return 0;
	}
	memset(&est, 0, sizeof(est));
	est.mem.total = est.device_total = 20ULL << 30;
	est.host_total = 1ULL << 30;
	mp_hardware_judge_ex(&hw, &est, &j);
	est.on_host = true;
	mp_hardware_judge_ex(&hw, &est, &j);
	(void)mp_hardware_primary(&hw);
	return 0;
}
