/* main.c: the memplan binary */
/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	int	rc, e;
	bool	ok;

	/* One buffer large enough for --help and a report, so that a write
	 * error surfaces in the fflush below with its own errno (ENOSPC,
	 * EPIPE) rather than in a flush inside fprintf, whose errno is gone
	 * by the time ferror is looked at. */
	static char outbuf[1 << 16];

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = mp_cli_main(argc, argv, stdout, stderr);
	/* Whatever reached stdout (--help, --version, a listing) counts
	 * only when it was written: a full disk is exit 2, not 0. */
	errno = 0;
	ok = fflush(stdout) == 0 && !ferror(stdout);
	e = errno;
	if (fclose(stdout) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (!ok && rc != MP_EXIT_BAD) {
		fprintf(stderr, "memplan: stdout: %s\n",
		    strerror(e != 0 ? e : EIO));
		rc = MP_EXIT_BAD;
	}
	return rc;
}
