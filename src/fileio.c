/* fileio.c: opening files to read, the same way for every reader */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

static const char *
kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO or pipe";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a file";
}

FILE *
mp_file_open(const char *path, uint64_t *size, struct mp_error *err)
{
	struct stat	 st;
	FILE		*fp;
	int		 fd, fl, e;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) == -1) {
		e = errno;
		mp_error_set(err, MP_EIO, path, NULL, "cannot open: %s",
		    strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		mp_error_set(err, MP_EIO, path, NULL, "%s", strerror(e));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		mp_error_set(err, MP_EINPUT, path, NULL,
		    "not a regular file (%s)", kind(st.st_mode));
		return NULL;
	}
	/* Regular files never block; clear the flag for stdio's sake. */
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((fp = fdopen(fd, "rb")) == NULL) {
		e = errno;
		close(fd);
		mp_error_set(err, MP_ENOMEM, path, NULL, "%s", strerror(e));
		return NULL;
	}
	if (size != NULL)
		*size = (uint64_t)st.st_size;
	return fp;
}

bool
mp_file_slurp(const char *path, uint64_t max, const char *what, char **buf,
    size_t *len, struct mp_error *err)
{
	FILE		*fp;
	uint64_t	 size;
	size_t		 n;
	char		*b;

	*buf = NULL;
	*len = 0;
	if ((fp = mp_file_open(path, &size, err)) == NULL)
		return false;
	if (size > max) {
		fclose(fp);
		return mp_error_set(err, MP_EINPUT, path, NULL,
		    "file is %llu bytes; %s is at most %llu",
		    (unsigned long long)size, what, (unsigned long long)max);
	}
	if ((b = malloc((size_t)size + 1)) == NULL) {
		fclose(fp);
		return mp_error_set(err, MP_ENOMEM, path, NULL,
		    "out of memory");
	}
	/* A file that shrank is read as it is now; one that grew, up to
	 * the size it had when opened. */
	n = fread(b, 1, (size_t)size, fp);
	if (ferror(fp)) {
		int e = errno;

		fclose(fp);
		free(b);
		return mp_error_set(err, MP_EIO, path, NULL, "read error: %s",
		    strerror(e));
	}
	fclose(fp);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return true;
}

bool
mp_file_missing(int e)
{
	return e == ENOENT || e == ENOTDIR;
}

char *
mp_path_join(const char *a, const char *b, bool sep)
{
	size_t	 la = strlen(a), lb = strlen(b);
	char	*p;

	if ((p = malloc(la + lb + 2)) == NULL)
		return NULL;
	memcpy(p, a, la);
	if (sep)
		p[la++] = '/';
	memcpy(p + la, b, lb + 1);
	return p;
}

bool
mp_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}
