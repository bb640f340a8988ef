/* fuzz_config.c: libFuzzer target for the config.json parser */
/* SPDX-License-Identifier: MIT */
/*
 * mp_model_parse() on arbitrary bytes; a config that parses is then
 * estimated in one of four scenarios (picked by the input's length) and
 * rendered, so the arithmetic behind
 * every accepted config runs too.  Any crash, sanitizer report or leak
 * is a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
estimate_one(const struct mp_model *m, enum mp_mode mode,
    enum mp_runtime rt, uint64_t seq)
{
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_report	 r;
	struct mp_render_opts	 ro = { .units = MP_UNITS_IEC };
	struct mp_error		 err;
	FILE			*fp;

	mp_scenario_init(&sc);
	sc.mode = mode;
	sc.runtime = rt;
	sc.seq = seq;
	mp_error_clear(&err);
	if (!mp_estimate(m, &sc, &est, &err))
		return;
	if (!mp_report_build(&r, m, &est, NULL, NULL, &err))
		return;
	if ((fp = fopen("/dev/null", "w")) == NULL)
		return;
	mp_render_json(&r, &ro, fp);
	mp_render_text(&r, &ro, fp);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_model	 m;
	struct mp_error	 err;

	mp_model_init(&m);
	mp_error_clear(&err);
	if (mp_model_parse((const char *)data, size, "fuzz.json", &m, &err)) {
		/* One scenario per input keeps the executions fast. */
		switch (size % 4) {
		case 0:
			estimate_one(&m, MP_MODE_LORA, MP_RT_TRANSFORMERS, 512);
			break;
		case 1:
			estimate_one(&m, MP_MODE_INFER, MP_RT_LLAMACPP, 1024);
			break;
		case 2:
			estimate_one(&m, MP_MODE_FULL, MP_RT_VLLM, 2048);
			break;
		default:
			estimate_one(&m, MP_MODE_INFER, MP_RT_TRANSFORMERS, 0);
			break;
		}
	} else if (err.status == MP_OK || err.msg[0] == '\0') {
		/* A failure must always say why. */
		abort();
	}
	mp_model_fini(&m);
	return 0;
}
