/* output.c: where a report goes: stdout, a device/FIFO/socket, or a file
 * replaced atomically */
/* SPDX-License-Identifier: MIT */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Linux's MAXSYMLINKS: a chain longer than this is a loop. */
#define LINK_MAX_HOPS	40

static char *
dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* The directory part of path ("." when it has none). */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return dup_n(".", 1);
	if (slash == path)
		return dup_n("/", 1);
	return dup_n(path, (size_t)(slash - path));
}

/*
 * Follows a chain of symbolic links by hand (the last one may dangle:
 * "-o link" then creates the link's target) and returns the final path,
 * malloc'd.  The report replaces that file, so the link stays a link.
 */
static char *
follow(const char *path, struct mp_error *err)
{
	struct stat	 st;
	char		*cur, *tgt, *dir, *next;
	ssize_t		 n;
	int		 hop;

	if ((cur = strdup(path)) == NULL)
		goto nomem;
	for (hop = 0; hop < LINK_MAX_HOPS; hop++) {
		if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
			return cur;
		/* st_size is the target's length; 0 on some /proc links */
		{
			size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 :
			    256;

			for (;;) {
				if ((tgt = malloc(cap)) == NULL)
					goto nomem_cur;
				n = readlink(cur, tgt, cap);
				if (n < 0) {
					int e = errno;

					free(tgt);
					free(cur);
					mp_error_set(err, MP_EIO, path, "-o",
					    "%s", strerror(e));
					return NULL;
				}
				if ((size_t)n < cap)
					break;
				free(tgt);
				cap *= 2;
			}
			tgt[n] = '\0';
		}
		if (tgt[0] == '/')
			next = tgt;
		else {
			if ((dir = dir_of(cur)) == NULL) {
				free(tgt);
				goto nomem_cur;
			}
			next = malloc(strlen(dir) + strlen(tgt) + 2);
			if (next != NULL)
				sprintf(next, "%s/%s", dir, tgt);
			free(dir);
			free(tgt);
			if (next == NULL)
				goto nomem_cur;
		}
		free(cur);
		cur = next;
	}
	free(cur);
	mp_error_set(err, MP_EUSAGE, path, "-o", "%s", strerror(ELOOP));
	return NULL;
nomem_cur:
	free(cur);
nomem:
	mp_error_set(err, MP_ENOMEM, path, "-o", "out of memory");
	return NULL;
}

/* What -o names, found without creating anything. */
struct target {
	int		 kind;		/* MP_OUT_* */
	char		*dest;		/* the file to replace or write */
	struct stat	 st;		/* dest's, when it exists */
	bool		 exists;
};

static bool
find_target(const char *path, struct target *t, struct mp_error *err)
{
	struct stat	 st;
	char		*dir;

	memset(t, 0, sizeof(*t));
	if (*path == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "-o",
		    "expected a file name, got an empty one");
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return mp_error_set(err, MP_EUSAGE, path, "-o",
			    "is a directory; expected a file name");
		if (!S_ISREG(st.st_mode)) {
			/* A device, FIFO or socket is written as it is, the
			 * way a shell's "> path" would. */
			t->kind = S_ISSOCK(st.st_mode) ? MP_OUT_SOCKET :
			    MP_OUT_DIRECT;
			t->st = st;
			t->exists = true;
			return (t->dest = strdup(path)) != NULL ||
			    mp_error_set(err, MP_ENOMEM, path, "-o",
			    "out of memory");
		}
	} else if (errno != ENOENT)
		return mp_error_set(err, MP_EUSAGE, path, "-o", "%s",
		    strerror(errno));
	if ((t->dest = follow(path, err)) == NULL)
		return false;
	if (lstat(t->dest, &t->st) == 0) {
		t->exists = true;
		/* A read-only file stays as it is, as with a shell's ">". */
		if (access(t->dest, W_OK) != 0) {
			int e = errno;

			free(t->dest);
			t->dest = NULL;
			return mp_error_set(err, MP_EUSAGE, path, "-o", "%s",
			    strerror(e));
		}
		/* A hard-linked file is rewritten in place so every name
		 * keeps seeing the report; rename() would break the link. */
		t->kind = t->st.st_nlink > 1 ? MP_OUT_INPLACE : MP_OUT_RENAME;
	} else
		t->kind = MP_OUT_RENAME;
	/* The temporary file goes beside the destination: check that
	 * directory now, before any work is done. */
	if ((dir = dir_of(t->dest)) == NULL) {
		free(t->dest);
		return mp_error_set(err, MP_ENOMEM, path, "-o",
		    "out of memory");
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(dir, W_OK | X_OK) != 0) {
		int e = errno;

		if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
			e = ENOTDIR;
		free(dir);
		free(t->dest);
		t->dest = NULL;
		return mp_error_set(err, MP_EUSAGE, path, "-o",
		    "cannot create a file there: %s", strerror(e));
	}
	free(dir);
	return true;
}

bool
mp_output_check(const char *path, const char *const *inputs, size_t n,
    struct mp_error *err)
{
	struct target	 t;
	struct stat	 st;
	size_t		 i;
	bool		 ok = true;

	if (path == NULL || strcmp(path, "-") == 0)
		return true;
	if (!find_target(path, &t, err))
		return false;
	/* "check plan.yaml -o plan.yaml" would replace its own input. */
	for (i = 0; ok && t.exists && t.kind != MP_OUT_DIRECT &&
	    t.kind != MP_OUT_SOCKET && i < n; i++)
		if (inputs[i] != NULL && stat(inputs[i], &st) == 0 &&
		    st.st_dev == t.st.st_dev && st.st_ino == t.st.st_ino)
			ok = mp_error_set(err, MP_EUSAGE, path, "-o",
			    "is the input %s; write the report elsewhere",
			    inputs[i]);
	free(t.dest);
	return ok;
}

static bool
open_socket(struct mp_output *o, struct mp_error *err)
{
	struct sockaddr_un	 sa;
	int			 fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(o->dest) >= sizeof(sa.sun_path))
		return mp_error_set(err, MP_EUSAGE, o->name, "-o",
		    "path too long for a socket (at most %zu bytes)",
		    sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, o->dest, strlen(o->dest));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return mp_error_set(err, MP_EIO, o->name, "-o", "%s",
		    strerror(errno));
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		return mp_error_set(err, MP_EIO, o->name, "-o",
		    "cannot connect to the socket: %s", strerror(e));
	}
	o->fd = fd;
	return true;
}

bool
mp_output_open(struct mp_output *o, const char *path, FILE *dflt,
    struct mp_error *err)
{
	struct target	 t;
	struct stat	 st, so;
	char		*dir;
	int		 fd;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (path == NULL || strcmp(path, "-") == 0) {
		/* The report is held in memory and written on commit, so a
		 * failure half-way (a listing's bad directory) leaves
		 * nothing on stdout. */
		o->name = "stdout";
		o->kind = MP_OUT_STREAM;
		o->dfp = dflt;
		if ((o->fp = open_memstream(&o->buf, &o->len)) == NULL)
			return mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
		return true;
	}
	/* "-o /dev/stdout" (or the file stdout already is): replacing
	 * that file would leave the shell's descriptor on the old one. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    fstat(STDOUT_FILENO, &so) == 0 && st.st_dev == so.st_dev &&
	    st.st_ino == so.st_ino)
		return mp_output_open(o, NULL, dflt, err);
	if (!find_target(path, &t, err))
		return false;
	o->name = path;
	o->dest = t.dest;
	o->kind = t.kind;
	if (t.kind == MP_OUT_SOCKET) {
		if (!open_socket(o, err))
			goto fail;
		fd = o->fd;
	} else if (t.kind == MP_OUT_DIRECT) {
		/* No O_TRUNC: a device or FIFO has nothing to truncate. */
		if ((fd = open(o->dest, O_WRONLY | O_NOCTTY | O_CLOEXEC)) ==
		    -1) {
			mp_error_set(err, MP_EIO, path, "-o", "%s",
			    strerror(errno));
			goto fail;
		}
	} else {
		if ((dir = dir_of(t.dest)) == NULL || (o->tmp =
		    malloc(strlen(dir) + sizeof("/.memplan.XXXXXX"))) == NULL) {
			free(dir);
			mp_error_set(err, MP_ENOMEM, path, "-o",
			    "out of memory");
			goto fail;
		}
		sprintf(o->tmp, "%s/.memplan.XXXXXX", dir);
		free(dir);
		if ((fd = mkstemp(o->tmp)) == -1) {
			mp_error_set(err, MP_EIO, path, "-o",
			    "cannot create a file there: %s", strerror(errno));
			free(o->tmp);
			o->tmp = NULL;
			goto fail;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (t.exists) {
			/* The replacement keeps the old file's permissions
			 * (and, for root, its owner). */
			(void)fchmod(fd, t.st.st_mode & 07777);
			if (geteuid() == 0)
				(void)fchown(fd, t.st.st_uid, t.st.st_gid);
		} else {
			/* mkstemp makes the file 0600; a new report is as
			 * readable as any file the user creates. */
			mode_t um = umask(0);

			umask(um);
			(void)fchmod(fd, 0666 & ~um);
		}
	}
	if ((o->dfp = fdopen(fd, "w")) == NULL ||
	    (o->fp = open_memstream(&o->buf, &o->len)) == NULL) {
		mp_error_set(err, MP_EIO, path, "-o", "%s", strerror(errno));
		if (o->dfp != NULL)
			fclose(o->dfp);
		else
			close(fd);
		o->dfp = NULL;
		if (o->tmp != NULL)
			unlink(o->tmp);
		goto fail;
	}
	o->is_file = true;
	return true;
fail:
	free(o->tmp);
	free(o->dest);
	o->tmp = o->dest = NULL;
	return false;
}

static void
release(struct mp_output *o)
{
	free(o->buf);
	o->buf = NULL;
	free(o->tmp);
	free(o->dest);
	o->tmp = o->dest = NULL;
	o->fp = NULL;
	o->is_file = false;
}

/* Copies the finished temporary file over a hard-linked destination. */
static bool
copy_into(struct mp_output *o, struct mp_error *err)
{
	char	 buf[65536];
	ssize_t	 n, w, off;
	int	 in, out, e = 0;

	if ((in = open(o->tmp, O_RDONLY | O_CLOEXEC)) == -1)
		return mp_error_set(err, MP_EIO, o->name, "-o", "%s",
		    strerror(errno));
	if ((out = open(o->dest, O_WRONLY | O_TRUNC | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		e = errno;
		close(in);
		return mp_error_set(err, MP_EIO, o->name, "-o", "%s",
		    strerror(e));
	}
	while (e == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				e = errno;
			continue;
		}
		for (off = 0; e == 0 && off < n; off += w > 0 ? w : 0)
			if ((w = write(out, buf + off, (size_t)(n - off))) < 0
			    && errno != EINTR)
				e = errno;
	}
	close(in);
	if (close(out) != 0 && e == 0)
		e = errno;
	if (e != 0)
		return mp_error_set(err, MP_EIO, o->name, "-o",
		    "write failed: %s", strerror(e));
	return true;
}

/*
 * Writes the held report to its destination.  Names from files are shown
 * only once made safe: every C0/C1 control but newline and tab, DEL and
 * byte that is not UTF-8 becomes '?' (the JSON writer has escaped its
 * own; no renderer writes escape sequences).
 */
static bool
deliver(struct mp_output *o, int *e)
{
	size_t n;

	if (fclose(o->fp) != 0) {
		o->fp = NULL;
		*e = ENOMEM;
		return false;
	}
	o->fp = NULL;
	n = o->buf != NULL ? mp_text_clean(o->buf, o->len, true) : 0;
	errno = 0;
	if ((n > 0 && fwrite(o->buf, 1, n, o->dfp) != n) ||
	    fflush(o->dfp) != 0 || ferror(o->dfp)) {
		*e = errno != 0 ? errno : EIO;
		return false;
	}
	return true;
}

bool
mp_output_commit(struct mp_output *o, struct mp_error *err)
{
	bool	ok;
	int	e = 0;

	if (!o->is_file) {
		/* stdout: a full disk or a closed pipe is an error, not an
		 * empty report that exits 0. */
		ok = deliver(o, &e);
		if (!ok)
			/* Reported here, once: main() does not repeat it. */
			clearerr(o->dfp);
		release(o);
		if (!ok)
			return mp_error_set(err, MP_EIO, o->name, NULL, "%s",
			    strerror(e));
		return true;
	}
	ok = deliver(o, &e);
	if (fclose(o->dfp) != 0 && ok) {
		ok = false;
		e = errno;
	}
	o->dfp = NULL;
	if (!ok) {
		if (o->tmp != NULL)
			unlink(o->tmp);
		release(o);
		return mp_error_set(err, MP_EIO, o->name, "-o",
		    "write failed: %s", strerror(e != 0 ? e : EIO));
	}
	if (o->kind == MP_OUT_INPLACE) {
		ok = copy_into(o, err);
		unlink(o->tmp);
		release(o);
		return ok;
	}
	if (o->kind == MP_OUT_RENAME && rename(o->tmp, o->dest) != 0) {
		e = errno;
		unlink(o->tmp);
		release(o);
		return mp_error_set(err, MP_EIO, o->name, "-o",
		    "cannot rename into place: %s", strerror(e));
	}
	release(o);
	return true;
}

void
mp_output_abort(struct mp_output *o)
{
	if (o->fp != NULL)
		fclose(o->fp);
	o->fp = NULL;
	if (o->is_file && o->dfp != NULL) {
		fclose(o->dfp);
		if (o->tmp != NULL)
			unlink(o->tmp);
	}
	o->dfp = NULL;
	release(o);
}
