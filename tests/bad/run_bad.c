/* run_bad.c: the bad-input suite, every case run through the real CLI */
/* SPDX-License-Identifier: MIT */
/*
 * Usage: run_bad DIR [CASE...]
 *
 * Each case is DIR/NAME.args: one argument per line, given to
 * mp_cli_main() in-process (so the whole run is under the sanitizers of
 * the build).  Lines starting with '#' are comments; lines starting with
 * '%' are set-up directives run before the command:
 *
 *	%big PATH BYTES		a file of BYTES bytes ('{"a":"xxx...')
 *	%mkdir PATH		an empty directory
 *	%write PATH TEXT	a file holding TEXT and a newline
 *	%repeat PATH N TEXT	TEXT and a newline appended N times
 *
 * In %write and %repeat, "\n" in TEXT is a newline and "\0" a NUL byte.
 *
 * In arguments and directives, @DIR@ is DIR and @TMP@ a fresh directory
 * that exists only for this case.  Every case must:
 *   - exit with status 2 (or the number in DIR/NAME.rc);
 *   - write nothing on stdout;
 *   - write exactly one line on stderr, equal to DIR/NAME.stderr once
 *     DIR, @TMP@ and $MEMPLAN_DATADIR are replaced by @DIR@, @TMP@ and
 *     @DATA@ (so goldens do not depend on where the tree lives);
 *   - leave @TMP@ exactly as the directives made it: no -o output file,
 *     no temporary file left behind.
 * MEMPLAN_REGEN=1 rewrites the .stderr goldens from what the CLI prints.
 *
 * A case with a DIR/NAME.todo file is a known bug not fixed yet (the file
 * says which): it is reported as "not ok ... # TODO", which does not fail
 * the suite, with what the CLI did.  Its golden is the line a fix is
 * expected to print (MEMPLAN_REGEN=1 leaves it alone); once the case
 * passes, it is reported as ok with a note to delete NAME.todo.
 * Output is TAP.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_ARGS	64
#define MAX_LINE	4096

struct sbuf {
	char	*s;
	size_t	 len, cap;
};

static const char	*casedir;
static char		 tmpdir[512];
static const char	*datadir;
static bool		 regen;
static char		 why[1024];

static void	fail_why(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static void
fail_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

/* The reason for a failure as TAP diagnostics, without a blank line. */
static void
print_why(void)
{
	size_t n = strlen(why);

	printf("# %s%s", why, n > 0 && why[n - 1] == '\n' ? "" : "\n");
}

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((b->s = realloc(b->s, cap)) == NULL) {
			perror("realloc");
			exit(99);
		}
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Replaces every occurrence of from by to in s; the result is malloc'd. */
static char *
replace(const char *s, const char *from, const char *to)
{
	struct sbuf	 b = { NULL, 0, 0 };
	size_t		 fl = strlen(from);
	const char	*p;

	sb_add(&b, "", 0);
	if (fl == 0) {
		sb_add(&b, s, strlen(s));
		return b.s;
	}
	while ((p = strstr(s, from)) != NULL) {
		sb_add(&b, s, (size_t)(p - s));
		sb_add(&b, to, strlen(to));
		s = p + fl;
	}
	sb_add(&b, s, strlen(s));
	return b.s;
}

/* @DIR@ and @TMP@ in an argument become real paths. */
static char *
expand(const char *s)
{
	char *a = replace(s, "@DIR@", casedir);
	char *b = replace(a, "@TMP@", tmpdir);

	free(a);
	return b;
}

/* Real paths in the CLI's stderr become placeholders. */
static char *
unexpand(const char *s)
{
	char *a = replace(s, tmpdir, "@TMP@");
	char *b = replace(a, casedir, "@DIR@");
	char *c = datadir != NULL ? replace(b, datadir, "@DATA@") :
	    replace(b, "", "");

	free(a);
	free(b);
	return c;
}

static char *
read_file(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf = NULL;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		size_t got = fread(buf, 1, (size_t)n, fp);

		buf[got] = '\0';
		if (lenp != NULL)
			*lenp = got;
	}
	fclose(fp);
	return buf;
}

static bool
write_file(const char *path, const char *s, size_t len)
{
	FILE	*fp;
	bool	 ok;

	if ((fp = fopen(path, "wb")) == NULL)
		return false;
	ok = fwrite(s, 1, len, fp) == len;
	return fclose(fp) == 0 && ok;
}

/* Expands \n and \0 in place; returns the new length. */
static size_t
unescape(char *s)
{
	size_t i, j;

	for (i = j = 0; s[i] != '\0'; i++, j++) {
		if (s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == '0')) {
			s[j] = s[i + 1] == 'n' ? '\n' : '\0';
			i++;
		} else
			s[j] = s[i];
	}
	s[j] = '\0';
	return j;
}

static bool
directive(char *line)
{
	char		*cmd = strtok(line, " "), *arg1 = strtok(NULL, " ");
	char		*rest = strtok(NULL, "");
	char		*path, *text = NULL;
	bool		 ok = false;
	FILE		*fp;

	if (cmd == NULL || arg1 == NULL) {
		fail_why("bad directive");
		return false;
	}
	path = expand(arg1);
	errno = 0;
	if (strcmp(cmd, "%mkdir") == 0)
		ok = mkdir(path, 0755) == 0;
	else if (strcmp(cmd, "%write") == 0 && rest != NULL) {
		size_t n;

		text = expand(rest);
		n = unescape(text);
		if ((fp = fopen(path, "wb")) != NULL) {
			ok = fwrite(text, 1, n, fp) == n && putc('\n', fp) !=
			    EOF;
			ok = fclose(fp) == 0 && ok;
		}
	} else if (strcmp(cmd, "%repeat") == 0 && rest != NULL) {
		unsigned long	 count = strtoul(rest, &rest, 10), i;
		size_t		 n;

		text = expand(rest + (*rest == ' '));
		n = unescape(text);
		if ((fp = fopen(path, "ab")) != NULL) {
			ok = true;
			for (i = 0; i < count && ok; i++)
				ok = fwrite(text, 1, n, fp) == n &&
				    putc('\n', fp) != EOF;
			ok = fclose(fp) == 0 && ok;
		}
	} else if (strcmp(cmd, "%big") == 0 && rest != NULL) {
		unsigned long long	 size = strtoull(rest, NULL, 10), i;
		static const char	 head[] = "{\"a\":\"";

		if ((fp = fopen(path, "wb")) != NULL) {
			fputs(head, fp);
			for (i = sizeof(head) - 1; i < size; i++)
				putc(i + 2 == size ? '"' : i + 1 == size ?
				    '}' : 'x', fp);
			ok = fclose(fp) == 0;
		}
	}
	if (!ok)
		fail_why("directive %s %s failed: %s", cmd, path,
		    errno != 0 ? strerror(errno) : "bad arguments");
	free(text);
	free(path);
	return ok;
}

/* The sorted names in dir, one per line, to compare before and after. */
static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
listing(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	char		*names[256];
	size_t		 n = 0, i;
	struct sbuf	 b = { NULL, 0, 0 };

	sb_add(&b, "", 0);
	if (d == NULL)
		return b.s;
	while ((de = readdir(d)) != NULL && n < 256)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmpstr);
	for (i = 0; i < n; i++) {
		sb_add(&b, names[i], strlen(names[i]));
		sb_add(&b, " ", 1);
		free(names[i]);
	}
	return b.s;
}

/* Removes path and, for a directory, everything under it. */
static void
rm_tree(const char *path)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;
	char		 sub[1024];

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_tree(sub);
		}
		closedir(d);
	}
	remove(path);
}

static bool
run_case(const char *name, bool todo)
{
	char		 path[1024], line[MAX_LINE];
	char		*argv[MAX_ARGS + 2], *before = NULL, *after = NULL;
	char		*obuf = NULL, *ebuf = NULL, *got = NULL, *want = NULL;
	size_t		 olen = 0, elen = 0;
	int		 argc = 0, rc, want_rc = 2, i;
	FILE		*fp, *out, *err;
	bool		 ok = false;

	why[0] = '\0';
	snprintf(tmpdir, sizeof(tmpdir), "%s/memplan-bad.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		fail_why("mkdtemp: %s", strerror(errno));
		return false;
	}
	argv[argc++] = strdup("memplan");
	snprintf(path, sizeof(path), "%s/%s.args", casedir, name);
	if ((fp = fopen(path, "r")) == NULL) {
		fail_why("%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		size_t n = strlen(line);

		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '%') {
			if (!directive(line)) {
				fclose(fp);
				goto out;
			}
			continue;
		}
		if (argc >= MAX_ARGS) {
			fail_why("too many arguments");
			fclose(fp);
			goto out;
		}
		argv[argc++] = expand(line);
	}
	fclose(fp);
	argv[argc] = NULL;
	snprintf(path, sizeof(path), "%s/%s.rc", casedir, name);
	if ((want = read_file(path, NULL)) != NULL) {
		want_rc = atoi(want);
		free(want);
		want = NULL;
	}
	before = listing(tmpdir);

	out = open_memstream(&obuf, &olen);
	err = open_memstream(&ebuf, &elen);
	if (out == NULL || err == NULL) {
		fail_why("open_memstream: %s", strerror(errno));
		goto out;
	}
	rc = mp_cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	after = listing(tmpdir);
	got = unexpand(ebuf);

	snprintf(path, sizeof(path), "%s/%s.stderr", casedir, name);
	if (regen && !todo) {
		if (!write_file(path, got, strlen(got))) {
			fail_why("cannot write %s", path);
			goto out;
		}
	}
	if ((want = read_file(path, NULL)) == NULL) {
		fail_why("no golden %s (MEMPLAN_REGEN=1 writes it); got: %s",
		    path, got);
		goto out;
	}
	if (rc != want_rc)
		fail_why("exit %d, expected %d; stderr: %s", rc, want_rc, got);
	else if (olen != 0)
		fail_why("wrote %zu bytes on stdout on error", olen);
	else if (elen == 0 || strchr(ebuf, '\n') != ebuf + elen - 1)
		fail_why("stderr is not exactly one line: \"%s\"", got);
	else if (strncmp(got, "memplan: ", 9) != 0)
		fail_why("stderr does not start with \"memplan: \": %s", got);
	else if (strcmp(got, want) != 0)
		fail_why("stderr differs\n# want: %s# got:  %s", want, got);
	else if (strcmp(before, after) != 0)
		fail_why("files left behind: before [%s] after [%s]", before,
		    after);
	else
		ok = true;
out:
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(before);
	free(after);
	free(obuf);
	free(ebuf);
	free(got);
	free(want);
	rm_tree(tmpdir);
	return ok;
}

int
main(int argc, char **argv)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL;
	size_t		 n = 0, cap = 0, i, failed = 0, ntodo = 0;
	const char	*r = getenv("MEMPLAN_REGEN");

	if (argc < 2) {
		fprintf(stderr, "usage: run_bad DIR [CASE...]\n");
		return 2;
	}
	casedir = argv[1];
	datadir = getenv("MEMPLAN_DATADIR");
	regen = r != NULL && strcmp(r, "1") == 0;
	if (argc > 2) {
		names = (char **)argv + 2;
		n = (size_t)argc - 2;
	} else {
		if ((d = opendir(casedir)) == NULL) {
			fprintf(stderr, "run_bad: %s: %s\n", casedir,
			    strerror(errno));
			return 2;
		}
		while ((de = readdir(d)) != NULL) {
			size_t l = strlen(de->d_name);

			if (l <= 5 || strcmp(de->d_name + l - 5, ".args") != 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 128;
				names = realloc(names, cap * sizeof(*names));
				if (names == NULL)
					return 99;
			}
			names[n++] = strndup(de->d_name, l - 5);
		}
		closedir(d);
		qsort(names, n, sizeof(names[0]), cmpstr);
	}
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		char		 tpath[1024], *reason;
		bool		 todo;

		snprintf(tpath, sizeof(tpath), "%s/%s.todo", casedir,
		    names[i]);
		reason = read_file(tpath, NULL);
		todo = reason != NULL;
		if (todo)
			reason[strcspn(reason, "\n")] = '\0';
		if (run_case(names[i], todo)) {
			printf("ok %zu - %s\n", i + 1, names[i]);
			if (todo)
				printf("# %s passes now: delete %s.todo\n",
				    names[i], names[i]);
		} else if (todo) {
			printf("not ok %zu - %s # TODO %s\n", i + 1, names[i],
			    reason);
			print_why();
			ntodo++;
		} else {
			failed++;
			printf("not ok %zu - %s\n", i + 1, names[i]);
			print_why();
		}
		free(reason);
		fflush(stdout);
	}
	if (argc <= 2) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	printf("# %zu cases, %zu failed, %zu known bugs (TODO)\n", n, failed,
	    ntodo);
	return failed == 0 ? 0 : 1;
}
