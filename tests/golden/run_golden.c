/* run_golden.c: runs the real CLI in-process on each tests/golden case */
/* SPDX-License-Identifier: MIT */
/*
 * A case is NAME.args (one argument per line; "@DIR@" becomes the case
 * directory) with NAME.stdout, and optionally NAME.stderr and NAME.exit
 * (default 0; stderr default empty).  MEMPLAN_REGEN=1 rewrites the
 * expectations from what the CLI prints now.  Output is TAP.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf = NULL;
	long	 n;

	*len = 0;
	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)n, fp);
		buf[*len] = '\0';
	}
	fclose(fp);
	return buf;
}

static void
spit(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL)
		return;
	fwrite(data, 1, len, fp);
	fclose(fp);
}

/* First differing line, printed as TAP diagnostics: expected, actual. */
static void
show_diff(const char *what, const char *exp, const char *act)
{
	size_t line = 1;

	while (*exp != '\0' && *exp == *act) {
		if (*exp == '\n')
			line++;
		exp++;
		act++;
	}
	while (line > 1 && exp[-1] != '\n') {
		exp--;
		act--;
	}
	printf("#   %s differs at line %zu\n#   expected: %.*s\n#   actual:   "
	    "%.*s\n", what, line, (int)strcspn(exp, "\n"), exp,
	    (int)strcspn(act, "\n"), act);
}

/* Paths under the case directory print as @DIR@ so goldens travel. */
static char *
unlocate(char *buf, const char *dir)
{
	size_t	 dl = strlen(dir), n = strlen(buf);
	char	*p;

	while (dl > 0 && (p = strstr(buf, dir)) != NULL) {
		memmove(p + 5, p + dl, n - (size_t)(p - buf) - dl + 1);
		memcpy(p, "@DIR@", 5);
		n = n - dl + 5;
	}
	return buf;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
run_case(const char *dir, const char *name, bool regen)
{
	char		 path[1024], *args, *argv[MAX_ARGS], *p, *outb = NULL,
			*errb = NULL, *exp;
	char		 subst[MAX_ARGS][1024];
	size_t		 len, outl = 0, errl = 0, el;
	int		 argc = 1, rc, want = 0;
	FILE		*out, *err;
	bool		 ok = true;

	snprintf(path, sizeof(path), "%s/%s.args", dir, name);
	if ((args = slurp(path, &len)) == NULL)
		return false;
	argv[0] = (char *)"memplan";
	for (p = strtok(args, "\n"); p != NULL && argc < MAX_ARGS - 1;
	    p = strtok(NULL, "\n")) {
		char *at = strstr(p, "@DIR@");

		if (at != NULL) {
			snprintf(subst[argc], sizeof(subst[argc]), "%.*s%s%s",
			    (int)(at - p), p, dir, at + 5);
			argv[argc] = subst[argc];
			argc++;
		} else
			argv[argc++] = p;
	}
	argv[argc] = NULL;
	out = open_memstream(&outb, &outl);
	err = open_memstream(&errb, &errl);
	rc = mp_cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	if (strlen(dir) >= 5) {
		unlocate(outb, dir);
		unlocate(errb, dir);
		outl = strlen(outb);
		errl = strlen(errb);
	}
	snprintf(path, sizeof(path), "%s/%s.exit", dir, name);
	if ((exp = slurp(path, &el)) != NULL) {
		want = atoi(exp);
		free(exp);
	}
	if (regen) {
		snprintf(path, sizeof(path), "%s/%s.stdout", dir, name);
		spit(path, outb, outl);
		snprintf(path, sizeof(path), "%s/%s.stderr", dir, name);
		if (errl > 0)
			spit(path, errb, errl);
		else
			remove(path);
		snprintf(path, sizeof(path), "%s/%s.exit", dir, name);
		if (rc != 0) {
			char b[16];

			snprintf(b, sizeof(b), "%d\n", rc);
			spit(path, b, strlen(b));
		} else
			remove(path);
		goto out;
	}
	if (rc != want) {
		printf("#   exit %d, expected %d\n", rc, want);
		ok = false;
	}
	snprintf(path, sizeof(path), "%s/%s.stdout", dir, name);
	exp = slurp(path, &el);
	if (exp == NULL || strcmp(exp, outb) != 0) {
		show_diff("stdout", exp ? exp : "", outb);
		ok = false;
	}
	free(exp);
	snprintf(path, sizeof(path), "%s/%s.stderr", dir, name);
	exp = slurp(path, &el);
	if (strcmp(exp ? exp : "", errb) != 0) {
		show_diff("stderr", exp ? exp : "", errb);
		ok = false;
	}
	free(exp);
out:
	free(outb);
	free(errb);
	free(args);
	return ok;
}

int
main(int argc, char **argv)
{
	const char	*dir = argc > 1 ? argv[1] : "tests/golden";
	bool		 regen = getenv("MEMPLAN_REGEN") != NULL;
	DIR		*d;
	struct dirent	*de;
	char		*names[1024];
	size_t		 n = 0, i, failed = 0;

	if ((d = opendir(dir)) == NULL) {
		printf("Bail out! cannot open %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < 1024) {
		size_t l = strlen(de->d_name);

		if (l > 5 && strcmp(de->d_name + l - 5, ".args") == 0)
			names[n++] = strndup(de->d_name, l - 5);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		bool ok = run_case(dir, names[i], regen);

		printf("%s %zu - %s\n", ok ? "ok" : "not ok", i + 1, names[i]);
		failed += !ok;
		free(names[i]);
	}
	return failed > 0;
}
