/* test_accuracy.c: every measured H100 case against the estimate */
/* SPDX-License-Identifier: MIT */
/*
 * Mirrors the project's referee: for each row of measurements.jsonl the
 * same scenario is estimated through the library and compared with
 *   params, trainable   exact
 *   weights, kv_cache, optimizer   1 %
 *   peak (total - runtime)   5 %
 *   oom rows: total must exceed the 80 GB card.
 * Rows listed in known-deviations.txt are reported as TAP TODO items
 * (expected failures with their reason), and the test fails if one of
 * them starts passing, so the list cannot go stale.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* H100 80 GB (81559 MiB) less the measured CUDA context. */
#define OOM_BYTES	(81559ULL * (1ULL << 20) - 648871936ULL)

static char	*known;		/* known-deviations.txt */
static unsigned	 n_test, n_fail, n_todo_fixed;

static uint64_t
num(const cJSON *row, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(row, key);

	return cJSON_IsNumber(it) ? (uint64_t)it->valuedouble : 0;
}

static bool
flag(const cJSON *row, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, key));
}

static const char *
str(const cJSON *row, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(row, key);

	return cJSON_IsString(it) ? it->valuestring : "";
}

static bool
is_known(const char *label)
{
	const char *p = known;
	size_t n = strlen(label);

	while (p != NULL && (p = strstr(p, label)) != NULL) {
		if ((p == known || p[-1] == '\n') && p[n] == ' ')
			return true;
		p += n;
	}
	return false;
}

static void
judge(const char *label, uint64_t truth, uint64_t pred, double tol)
{
	double	 err = truth ? 100.0 * ((double)pred - (double)truth) /
		    (double)truth : 0.0;
	bool	 ok = tol == 0 ? pred == truth : fabs(err) <= tol;
	bool	 todo = is_known(label);

	n_test++;
	if (todo) {
		printf("%s %u - %s measured %llu predicted %llu (%+.2f%%) "
		    "# TODO known deviation\n", ok ? "ok" : "not ok", n_test,
		    label, (unsigned long long)truth, (unsigned long long)pred,
		    err);
		n_todo_fixed += ok;
		return;
	}
	printf("%s %u - %s measured %llu predicted %llu (%+.2f%%)\n",
	    ok ? "ok" : "not ok", n_test, label, (unsigned long long)truth,
	    (unsigned long long)pred, err);
	n_fail += !ok;
}

static void
one_row(const char *dir, const cJSON *row)
{
	const char		*cfg = str(row, "config"), *c = str(row, "case");
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_error		 e;
	char			 path[1024], label[200], l2[240];
	bool			 infer = strcmp(c, "infer") == 0;
	bool			 train = strcmp(c, "lora") == 0 ||
				    strcmp(c, "full") == 0 ||
				    strcmp(c, "fullamp") == 0;

	if (cJSON_GetObjectItemCaseSensitive(row, "error") != NULL)
		return;
	snprintf(path, sizeof(path), "%s/configs/%s.json", dir, cfg);
	mp_model_init(&m);
	mp_scenario_init(&sc);
	if (strcmp(c, "weights") == 0)
		snprintf(label, sizeof(label), "%s weights", cfg);
	else
		snprintf(label, sizeof(label), "%s %s b%llu s%llu%s", cfg, c,
		    (unsigned long long)num(row, "batch"),
		    (unsigned long long)num(row, "seq"),
		    flag(row, "grad_ckpt") ? " ckpt" : "");
	if (!mp_model_load(path, &m, &e)) {
		printf("not ok %u - %s: %s\n", ++n_test, label, e.msg);
		n_fail++;
		return;
	}
	sc.weights = MP_DT_BF16;
	sc.batch = num(row, "batch");
	sc.seq = num(row, "seq");
	sc.grad_ckpt = flag(row, "grad_ckpt");
	if (strcmp(c, "lora") == 0) {
		sc.mode = MP_MODE_LORA;
		sc.rank = (uint32_t)num(row, "rank");
	} else if (strcmp(c, "full") == 0)
		sc.mode = MP_MODE_FULL;
	else if (strcmp(c, "fullamp") == 0) {
		sc.mode = MP_MODE_FULL;
		sc.weights = MP_DT_F32;
		sc.amp = MP_DT_BF16;
	}
	if (!mp_estimate(&m, &sc, &est, &e)) {
		printf("not ok %u - %s: %s\n", ++n_test, label, e.msg);
		n_fail++;
		mp_model_fini(&m);
		return;
	}
	if (strcmp(c, "weights") == 0) {
		snprintf(l2, sizeof(l2), "%s params", label);
		judge(l2, num(row, "params"), m.params, 0);
		snprintf(l2, sizeof(l2), "%s weights", label);
		judge(l2, num(row, "param_bytes"), est.mem.weights, 1.0);
	} else if (flag(row, "oom")) {
		bool ok = est.mem.total > OOM_BYTES, todo;

		snprintf(l2, sizeof(l2), "%s oom", label);
		todo = is_known(l2);
		n_test++;
		printf("%s %u - %s predicted %llu > card %llu%s\n",
		    ok ? "ok" : "not ok", n_test, l2,
		    (unsigned long long)est.mem.total,
		    (unsigned long long)OOM_BYTES,
		    todo ? " # TODO known deviation" : "");
		/* the allocator's predicted reserve, for the record */
		printf("# %s reserved %llu (%s the card)\n", l2,
		    (unsigned long long)est.mem.reserved,
		    est.mem.reserved > OOM_BYTES ? "over" : "under");
		if (todo)
			n_todo_fixed += ok;
		else
			n_fail += !ok;
	} else if (infer) {
		uint64_t fixed = num(row, "param_bytes") +
		    num(row, "buffer_bytes");
		uint64_t pre = num(row, "prefill_peak_over_weights");
		uint64_t dec = num(row, "decode_peak_over_weights");

		snprintf(l2, sizeof(l2), "%s kv_cache", label);
		judge(l2, num(row, "kv_cache_bytes"), est.mem.kv_cache, 1.0);
		snprintf(l2, sizeof(l2), "%s peak", label);
		judge(l2, fixed + (pre > dec ? pre : dec),
		    est.mem.total - est.mem.runtime, 5.0);
	} else if (train) {
		if (cJSON_GetObjectItemCaseSensitive(row, "trainable_params")) {
			snprintf(l2, sizeof(l2), "%s trainable", label);
			judge(l2, num(row, "trainable_params"),
			    est.trainable_params, 0);
		}
		snprintf(l2, sizeof(l2), "%s optimizer", label);
		judge(l2, num(row, "optimizer_state_bytes"), est.mem.optimizer,
		    1.0);
		snprintf(l2, sizeof(l2), "%s peak", label);
		judge(l2, num(row, "peak_total") - num(row, "init_extra_bytes"),
		    est.mem.total - est.mem.runtime, 5.0);
	}
	mp_model_fini(&m);
}

int
main(int argc, char **argv)
{
	const char	*dir = argc > 1 ? argv[1] : "tests/groundtruth";
	const char	*only = argc > 2 ? argv[2] : NULL;
	char		 path[1024], *line = NULL;
	size_t		 cap = 0;
	FILE		*fp;
	long		 ksz;

	snprintf(path, sizeof(path), "%s/known-deviations.txt", dir);
	if ((fp = fopen(path, "rb")) != NULL) {
		fseek(fp, 0, SEEK_END);
		ksz = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		known = calloc(1, (size_t)(ksz > 0 ? ksz : 0) + 1);
		if (known != NULL && ksz > 0 &&
		    fread(known, 1, (size_t)ksz, fp) != (size_t)ksz)
			known[0] = '\0';
		fclose(fp);
	}
	snprintf(path, sizeof(path), "%s/measurements.jsonl", dir);
	if ((fp = fopen(path, "rb")) == NULL) {
		printf("Bail out! cannot open %s\n", path);
		return 1;
	}
	while (getline(&line, &cap, fp) > 0) {
		cJSON *row = cJSON_Parse(line);

		if (row == NULL)
			continue;
		if (only == NULL || strstr(only, str(row, "case")) != NULL)
			one_row(dir, row);
		cJSON_Delete(row);
	}
	free(line);
	fclose(fp);
	free(known);
	printf("1..%u\n", n_test);
	printf("# %u judged, %u outside tolerance, %u known deviations now "
	    "pass\n", n_test, n_fail, n_todo_fixed);
	return n_fail > 0 || n_todo_fixed > 0;
}
