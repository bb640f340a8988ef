/* fuzz_args.c: libFuzzer target for command-line values */
/* SPDX-License-Identifier: MIT */
/*
 * The input is split at newlines into an argument vector for
 * mp_args_parse() with every option allowed.  What parses is estimated
 * on a small built-in model (and swept, with --over), so option values
 * reach the arithmetic.  Each argument also goes through the size and
 * integer parsers and, as "key=value", through mp_plan_set_option().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_ARGV	32

static const char tiny[] =
    "{\"model_type\": \"llama\", \"hidden_size\": 256, "
    "\"intermediate_size\": 512, \"num_attention_heads\": 8, "
    "\"num_key_value_heads\": 2, \"num_hidden_layers\": 4, "
    "\"vocab_size\": 1000, \"max_position_embeddings\": 8192, "
    "\"torch_dtype\": \"bfloat16\"}";

static struct mp_model	model;
static bool		loaded;

static void
one_value(char *s)
{
	struct mp_scenario	 sc;
	char			 why[256], *eq;
	uint64_t		 v;
	bool			 known;

	(void)mp_parse_size(s, &v, why, sizeof(why));
	(void)mp_parse_uint(s, 0, UINT64_MAX, true, &v, why, sizeof(why));
	if ((eq = strchr(s, '=')) != NULL) {
		*eq = '\0';
		mp_scenario_init(&sc);
		(void)mp_plan_set_option(&sc, s, eq + 1, &known, why,
		    sizeof(why));
		*eq = '=';
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*buf, *argv[MAX_ARGV + 1], *p;
	int			 argc = 0;
	struct mp_args		 a;
	struct mp_error		 err;
	struct mp_estimate	 est;
	struct mp_sweep		 sw;

	if (!loaded) {
		mp_model_init(&model);
		if (!mp_model_parse(tiny, sizeof(tiny) - 1, "tiny.json", &model,
		    &err))
			abort();
		loaded = true;
	}
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"estimate";
	for (p = buf; argc < MAX_ARGV; ) {
		char *nl = strchr(p, '\n');

		argv[argc++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;
	mp_error_clear(&err);
	if (mp_args_parse(argc, argv, mp_cli_command(argv[0]),
	    MP_OPT_SCENARIO | MP_OPT_HARDWARE | MP_OPT_FORMAT | MP_OPT_SOLVE |
	    MP_OPT_OVER | MP_OPT_DETECT,
	    MP_MAX_POS, &a, &err)) {
		mp_error_clear(&err);
		if (a.over != NULL) {
			memset(&sw, 0, sizeof(sw));
			if (mp_planner_sweep(&model, NULL, &a.sc, a.over, &sw,
			    &err))
				mp_sweep_fini(&sw);
		} else
			(void)mp_estimate(&model, &a.sc, &est, &err);
	} else if (err.msg[0] == '\0')
		abort();
	for (int i = 1; i < argc; i++)
		one_value(argv[i]);
	free(buf);
	return 0;
}
