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
#include "fixtures.h"

static int
run(char **argv, char **out)
{
	return fx_cli(argv, out, NULL);
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

/* The README's "memplan hardware --detect -o ~/.config/memplan/..." on a
 * fresh account: the folders are created. */
static void
test_cli_detect_creates_parent_folders(void **state)
{
	char	 dir[] = "/tmp/memplan-detect.XXXXXX", path[128], sub[128];
	char	*argv[] = { "memplan", "hardware", "--detect", "-o", path,
	    NULL };
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config/memplan/hardware.yaml", dir);
	assert_int_equal(run(argv, NULL), MP_EXIT_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size > 0);
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/config/memplan", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/config", dir);
	rmdir(sub);
	rmdir(dir);
}

struct hub_count {
	size_t	 ids;
};

/* Every bundled config's Hugging Face id, in any case, loads it. */
static bool
each_hub_id(const char *name, const char *id, void *arg)
{
	struct hub_count	*c = arg;
	struct mp_model		 m;
	struct mp_error		 e;
	char			 up[160], lo[160];
	size_t			 i;

	for (i = 0; id[i] != '\0' && i + 1 < sizeof(up); i++) {
		up[i] = (char)(id[i] >= 'a' && id[i] <= 'z' ? id[i] - 32 :
		    id[i]);
		lo[i] = (char)(id[i] >= 'A' && id[i] <= 'Z' ? id[i] + 32 :
		    id[i]);
	}
	up[i] = lo[i] = '\0';
	mp_error_clear(&e);
	mp_model_init(&m);
	if (!mp_model_load(id, &m, &e))
		fail_msg("%s: %s", id, e.msg);
	assert_string_equal(m.name, name);
	mp_model_fini(&m);
	if (!mp_model_load(up, &m, &e))
		fail_msg("%s: %s", up, e.msg);
	assert_string_equal(m.name, name);
	mp_model_fini(&m);
	if (!mp_model_load(lo, &m, &e))
		fail_msg("%s: %s", lo, e.msg);
	assert_string_equal(m.name, name);
	mp_model_fini(&m);
	c->ids++;
	return true;
}

static bool
count_model(const char *name, const char *path, void *arg)
{
	(void)name;
	(void)path;
	(*(size_t *)arg)++;
	return true;
}

static void
test_cli_hub_ids_name_bundled_models(void **state)
{
	struct hub_count	 c = { 0 };
	struct mp_error		 e;
	size_t			 models = 0;

	(void)state;
	mp_error_clear(&e);
	assert_true(mp_catalog_hub_ids(each_hub_id, &c));
	assert_true(mp_catalog_list("models", ".json", count_model, &models,
	    &e));
	/* One id per bundled config, none for a config that is not there. */
	assert_int_equal(c.ids, models);
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
		cmocka_unit_test(test_cli_detect_creates_parent_folders),
		cmocka_unit_test(test_cli_hub_ids_name_bundled_models),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
