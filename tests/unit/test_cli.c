/* test_cli.c: the CLI in-process: exit codes, -o atomicity, every model */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int
run(char **argv, char **out)
{
	char	*o = NULL, *e = NULL;
	size_t	 ol = 0, el = 0;
	FILE	*fo = open_memstream(&o, &ol), *fe = open_memstream(&e, &el);
	int	 argc = 0, rc;

	while (argv[argc] != NULL)
		argc++;
	rc = mp_cli_main(argc, argv, fo, fe);
	fclose(fo);
	fclose(fe);
	if (out != NULL)
		*out = o;
	else
		free(o);
	free(e);
	return rc;
}

static bool
exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* Files other than . and .. in dir (no temporary files left behind). */
static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_cli_output_file_is_atomic(void **state)
{
	char dir[] = "/tmp/memplan-test-XXXXXX", path[128], *out = NULL;
	char *ok[] = { "memplan", "estimate", "qwen2.5-0.5b", "--format",
	    "json", "-o", path, NULL };
	char *bad[] = { "memplan", "estimate", "no-such-model", "-o", path,
	    NULL };
	char *badw[] = { "memplan", "estimate", "qwen2.5-0.5b", "--weights",
	    "int3", "-o", path, NULL };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/report.json", dir);
	assert_int_equal(run(bad, NULL), MP_EXIT_BAD);
	assert_false(exists(path));
	assert_int_equal(run(badw, NULL), MP_EXIT_BAD);
	assert_false(exists(path));
	assert_int_equal(entries(dir), 0);
	assert_int_equal(run(ok, &out), MP_EXIT_OK);
	assert_string_equal(out, "");
	free(out);
	assert_true(exists(path));
	assert_int_equal(entries(dir), 1);
	unlink(path);
	rmdir(dir);
}

static void
test_cli_output_into_missing_dir_fails(void **state)
{
	char *argv[] = { "memplan", "estimate", "qwen2.5-0.5b", "-o",
	    "/nonexistent-dir/x.json", NULL };

	(void)state;
	assert_int_equal(run(argv, NULL), MP_EXIT_BAD);
}

static bool
each_model(const char *name, const char *path, void *arg)
{
	char copy[1024];
	char *argv[] = { "memplan", "estimate", copy, "--format", "json",
	    NULL };
	char *out = NULL;
	int *n = arg;

	snprintf(copy, sizeof(copy), "%s", path);
	if (run(argv, &out) != MP_EXIT_OK || strstr(out, "\"schema\": "
	    "\"memplan/1\"") == NULL || strstr(out, "\"total\": ") == NULL)
		fail_msg("estimate %s failed", name);
	free(out);
	(*n)++;
	return true;
}

static void
test_cli_every_bundled_model_estimates(void **state)
{
	struct mp_error e;
	int n = 0;

	(void)state;
	assert_true(mp_catalog_list("models", ".json", each_model, &n, &e));
	/* every config of data/models (59 when this was written) */
	assert_true(n >= 59);
}

static void
test_cli_exit_codes(void **state)
{
	char *help[] = { "memplan", "--help", NULL };
	char *none[] = { "memplan", NULL };
	char *fits[] = { "memplan", "estimate", "qwen2.5-0.5b", NULL };

	(void)state;
	assert_int_equal(run(help, NULL), MP_EXIT_OK);
	assert_int_equal(run(none, NULL), MP_EXIT_BAD);
	assert_int_equal(run(fits, NULL), MP_EXIT_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_output_file_is_atomic),
		cmocka_unit_test(test_cli_output_into_missing_dir_fails),
		cmocka_unit_test(test_cli_every_bundled_model_estimates),
		cmocka_unit_test(test_cli_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
