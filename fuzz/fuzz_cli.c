/* fuzz_cli.c: libFuzzer target for whole command lines */
/* SPDX-License-Identifier: MIT */
/*
 * The input is split at newlines into a command line for mp_cli_main()
 * with memory streams for stdout and stderr, so every command, option
 * and renderer runs as the CLI runs it.  To keep the run on bundled
 * data, a command line is skipped when an argument names a path ('/'),
 * writes a file (-o, --output) or probes the machine (--detect).  The
 * result must be an exit status of 0, 1 or 2, and a status of 2 must
 * come with exactly one line on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_ARGV	24

static bool
allowed(const char *a)
{
	return strchr(a, '/') == NULL && strcmp(a, "-o") != 0 &&
	    strncmp(a, "--output", 8) != 0 && strncmp(a, "--detect", 8) != 0 &&
	    strncmp(a, "-o", 2) != 0 && strncmp(a, "--o", 3) != 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, *argv[MAX_ARGV + 1], *p, *obuf = NULL, *ebuf = NULL;
	size_t	 olen = 0, elen = 0;
	int	 argc = 0, rc;
	FILE	*out, *err;

	if (size > 4096 || (buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"memplan";
	for (p = buf; argc < MAX_ARGV; ) {
		char *nl = strchr(p, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (!allowed(p))
			goto out;
		argv[argc++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;
	if ((out = open_memstream(&obuf, &olen)) == NULL)
		goto out;
	if ((err = open_memstream(&ebuf, &elen)) == NULL) {
		fclose(out);
		goto out;
	}
	rc = mp_cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (rc < 0 || rc > 2)
		abort();
	/* "memplan" alone prints the usage; every other error is a line. */
	if (rc == 2 && argc > 1 &&
	    (elen == 0 || memchr(ebuf, '\n', elen) != ebuf + elen - 1))
		abort();
out:
	free(obuf);
	free(ebuf);
	free(buf);
	return 0;
}
