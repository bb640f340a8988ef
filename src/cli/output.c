/* output.c: -o FILE written atomically (temp file + rename) */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

bool
mp_output_open(struct mp_output *o, const char *path, FILE *dflt,
    struct mp_error *err)
{
	const char	*slash;
	int		 fd, n;

	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		o->fp = dflt;
		return true;
	}
	if (*path == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "-o",
		    "expected a file name, got an empty one");
	/* The temporary file lives beside the destination so rename(2) is
	 * atomic; a reader never sees half a report. */
	slash = strrchr(path, '/');
	if (slash == NULL)
		n = snprintf(o->tmp, sizeof(o->tmp), ".memplan.XXXXXX");
	else
		n = snprintf(o->tmp, sizeof(o->tmp), "%.*s/.memplan.XXXXXX",
		    (int)(slash - path), path);
	if (n < 0 || (size_t)n >= sizeof(o->tmp) ||
	    strlen(path) >= sizeof(o->dest))
		return mp_error_set(err, MP_EUSAGE, path, "-o",
		    "path too long");
	snprintf(o->dest, sizeof(o->dest), "%s", path);
	if ((fd = mkstemp(o->tmp)) == -1)
		return mp_error_set(err, MP_EIO, path, "-o",
		    "cannot create a file there: %s", strerror(errno));
	/* mkstemp makes the file 0600; a report is as readable as any
	 * file the user creates (0666 less the umask). */
	{
		mode_t um = umask(0);

		umask(um);
		(void)fchmod(fd, 0666 & ~um);
	}
	if ((o->fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(o->tmp);
		return mp_error_set(err, MP_EIO, path, "-o", "%s",
		    strerror(errno));
	}
	o->is_file = true;
	return true;
}

bool
mp_output_commit(struct mp_output *o, struct mp_error *err)
{
	bool ok;

	if (!o->is_file) {
		fflush(o->fp);
		return true;
	}
	ok = fflush(o->fp) == 0 && !ferror(o->fp);
	ok = fclose(o->fp) == 0 && ok;
	o->fp = NULL;
	o->is_file = false;
	if (!ok) {
		unlink(o->tmp);
		return mp_error_set(err, MP_EIO, o->dest, "-o",
		    "write failed: %s", strerror(errno));
	}
	if (rename(o->tmp, o->dest) != 0) {
		int e = errno;

		unlink(o->tmp);
		return mp_error_set(err, MP_EIO, o->dest, "-o",
		    "cannot rename into place: %s", strerror(e));
	}
	return true;
}

void
mp_output_abort(struct mp_output *o)
{
	if (o->is_file) {
		fclose(o->fp);
		unlink(o->tmp);
	}
	o->fp = NULL;
	o->is_file = false;
}
