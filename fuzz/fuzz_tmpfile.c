/* fuzz_tmpfile.c: one temporary file per fuzz process */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_tmpfile.h"

static char	tmppath[256];

static void
cleanup(void)
{
	if (tmppath[0] != '\0')
		unlink(tmppath);
}

const char *
fuzz_put(const uint8_t *data, size_t size)
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
