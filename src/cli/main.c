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
