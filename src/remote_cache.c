/* remote_cache.c: what was read over HTTP, kept under ~/.cache/memplan */
/* SPDX-License-Identifier: MIT */
/*
 * The cache holds the bytes the readers parse, never weights and never a
 * token: a repository's file listing, config.json, the index, each
 * shard's length prefix and JSON header, a GGUF file's header.  Keys
 * name the repository and its commit (hf/Org--Name/<commit>/...), so an
 * entry never goes stale; only refs (a branch name to its commit, an
 * Ollama tag to its manifest) age, and are looked up again after a day
 * when online.  $XDG_CACHE_HOME/memplan, else ~/.cache/memplan
 * (the XDG Base Directory specification).  Entries are written to a
 * temporary file in the same folder and renamed into place, so a reader
 * sees a whole entry or none.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "remote.h"

void
mp_rcache_name(const char *in, char *out, size_t outlen)
{
	/* No leading '.': a name is never "." or ".." or hidden. */
	mp_pct_encode(in, "-_", true, out, outlen);
}

bool
mp_rcache_path(const char *key, char *out, size_t outlen)
{
	const char	*e;
	int		 n;

	if ((e = getenv("XDG_CACHE_HOME")) != NULL && *e == '/')
		n = snprintf(out, outlen, "%s/memplan/%s", e, key);
	else if ((e = getenv("HOME")) != NULL && *e != '\0')
		n = snprintf(out, outlen, "%s/.cache/memplan/%s", e, key);
	else
		return false;
	return n > 0 && (size_t)n < outlen;
}

bool
mp_rcache_get(const char *key, size_t cap, unsigned char **buf,
    size_t *len, uint64_t *age)
{
	char		 p[2048];
	FILE		*fp;
	struct stat	 st;
	time_t		 now = time(NULL);

	*buf = NULL;
	*len = 0;
	if (!mp_rcache_path(key, p, sizeof(p)) ||
	    (fp = mp_file_open(p, NULL, NULL)) == NULL)
		return false;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > cap ||
	    (*buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(fp);
		return false;
	}
	*len = fread(*buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp) || *len != (size_t)st.st_size) {
		fclose(fp);
		free(*buf);
		*buf = NULL;
		return false;
	}
	fclose(fp);
	(*buf)[*len] = '\0';
	*age = now > st.st_mtime ? (uint64_t)(now - st.st_mtime) : 0;
	return true;
}

/* mkdir -p of the folders above path. */
static bool
make_parents(char *path)
{
	char *s;

	for (s = path + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*s = '/';
			return false;
		}
		*s = '/';
	}
	return true;
}

bool
mp_rcache_put(const char *key, const void *buf, size_t len)
{
	char	 p[2048], tmp[2100];
	int	 fd;
	bool	 ok;

	if (!mp_rcache_path(key, p, sizeof(p)) || !make_parents(p))
		return false;
	snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", p);
	if ((fd = mkstemp(tmp)) < 0)
		return false;
	ok = len == 0 || write(fd, buf, len) == (ssize_t)len;
	ok = fsync(fd) == 0 && ok;
	ok = close(fd) == 0 && ok;
	if (ok)
		ok = rename(tmp, p) == 0;
	if (!ok)
		unlink(tmp);
	return ok;
}
