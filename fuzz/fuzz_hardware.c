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

#include "memplan.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	tmppath[256];

static void
cleanup(void)
{
	if (tmppath[0] != '\0')
		unlink(tmppath);
}

/* Writes data to the temporary file; returns its path or NULL. */
static const char *
put(const uint8_t *data, size_t size)
{
	FILE	*fp;
	int	 fd;

	if (tmppath[0] == '\0') {
		const char *dir = getenv("TMPDIR");

		snprintf(tmppath, sizeof(tmppath), "%s/memplan-fuzz.XXXXXX",
		    dir != NULL ? dir : "/tmp");
		if ((fd = mkstemp(tmppath)) == -1)
			abort();
		close(fd);
		atexit(cleanup);
	}
	if ((fp = fopen(tmppath, "wb")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size)
		abort();
	fclose(fp);
	return tmppath;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_hardware	 hw;
	struct mp_estimate	 est;
	struct mp_judgement	 j;
	struct mp_error		 err;

	mp_error_clear(&err);
	if (!mp_hardware_load(put(data, size), &hw, &err)) {
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
