/* fixtures.c: models, scenarios and paths several unit tests share */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "fixtures.h"

const char *
fx_srcdir(void)
{
	static char	 buf[512];
	const char	*s = getenv("MP_TEST_SRCDIR");
	size_t		 n;

	if (s != NULL)
		return s;
	if ((s = getenv("MEMPLAN_DATADIR")) != NULL) {
		snprintf(buf, sizeof(buf), "%s", s);
		n = strlen(buf);
		while (n > 0 && buf[n - 1] == '/')
			buf[--n] = '\0';
		if (n >= 5 && strcmp(buf + n - 5, "/data") == 0) {
			buf[n - 5] = '\0';
			return buf;
		}
	}
	return ".";
}

void
fx_load_bundled(const char *name, struct mp_model *m)
{
	char		path[640];
	struct mp_error	err;

	snprintf(path, sizeof(path), "%s/data/models/%s.json", fx_srcdir(),
	    name);
	mp_model_init(m);
	mp_error_clear(&err);
	if (!mp_model_load(path, m, &err))
		fail_msg("load %s: %s: %s", path, err.field, err.msg);
}

static const char tiny_json[] =
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
    " \"hidden_size\": 256, \"intermediate_size\": 512,"
    " \"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
    " \"num_key_value_heads\": 2, \"vocab_size\": 1000,"
    " \"max_position_embeddings\": 8192, \"rms_norm_eps\": 1e-5,"
    " \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\"}";

void
fx_tiny_llama(struct mp_model *m)
{
	struct mp_error err;

	mp_model_init(m);
	mp_error_clear(&err);
	if (!mp_model_parse(tiny_json, strlen(tiny_json), "tiny.json", m, &err))
		fail_msg("parse: %s: %s", err.field, err.msg);
}

void
fx_llamacpp_scenario(struct mp_scenario *sc, uint64_t seq, uint64_t batch)
{
	mp_scenario_init(sc);
	sc->runtime = MP_RT_LLAMACPP;
	sc->weights = MP_DT_BF16;
	sc->seq = seq;
	sc->batch = batch;
}

/* llama.cpp at batch 1 on one GGUF type (the weights come from ftype). */
void
fx_gguf_scenario(struct mp_scenario *sc, uint64_t seq, const char *ftype)
{
	fx_llamacpp_scenario(sc, seq, 1);
	sc->weights = MP_DT_NONE;
	snprintf(sc->ftype, sizeof(sc->ftype), "%s", ftype);
}

void
fx_estimate(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est)
{
	struct mp_error err;

	mp_error_clear(&err);
	if (!mp_estimate(m, sc, est, &err))
		fail_msg("estimate: %s: %s", err.field, err.msg);
}

int
fx_cli(char **argv, char **out, char **err)
{
	char	*o = NULL, *e = NULL;
	size_t	 ol = 0, el = 0;
	FILE	*fo = open_memstream(&o, &ol), *fe = open_memstream(&e, &el);
	int	 argc = 0, rc;

	if (fo == NULL || fe == NULL)
		fail_msg("open_memstream failed");
	while (argv[argc] != NULL)
		argc++;
	rc = mp_cli_main(argc, argv, fo, fe);
	fclose(fo);
	fclose(fe);
	if (out != NULL)
		*out = o;
	else
		free(o);
	if (err != NULL)
		*err = e;
	else
		free(e);
	return rc;
}

char *
fx_tsv_field(char **cur, const char *file)
{
	char *f = *cur, *e;

	if (f == NULL)
		fail_msg("%s: a row has too few fields", file);
	e = f + strcspn(f, "\t\n");
	*cur = *e == '\t' ? e + 1 : NULL;
	*e = '\0';
	return f;
}

FILE *
fx_open_tests(const char *rel)
{
	const char	*dir = getenv("MP_TESTS_DIR");
	char		 path[512];
	FILE		*fp;

	if (dir != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
	else
		snprintf(path, sizeof(path), "%s/tests/%s", fx_srcdir(), rel);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	return fp;
}

bool
fx_table_row(FILE *fp, char *line, size_t len)
{
	while (fgets(line, (int)len, fp) != NULL)
		if (line[0] != '#' && line[0] != '\n')
			return true;
	return false;
}
