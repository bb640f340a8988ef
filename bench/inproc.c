/* inproc.c: in-process estimates per second through libmemplan */
/* SPDX-License-Identifier: MIT */
/*
 * Usage: inproc CONFIG.json [SECONDS]
 * Parses the config once, then calls mp_estimate() on the default
 * inference scenario, varying seq so that nothing can be hoisted out of
 * the loop, for SECONDS (1) and prints estimates per second.  A second
 * figure does the whole library path of one estimate: parse, estimate,
 * report.  A third one prices the speed of a llama.cpp q4_k_m estimate
 * on an RTX 4090 profile (what estimate --hardware adds, speed.c), with
 * the GGUF tensor list memoised as in plan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "memplan.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_report	 r;
	struct mp_error		 err;
	double			 secs = argc > 2 ? atof(argv[2]) : 1.0, t0, t;
	uint64_t		 n = 0, sink = 0;
	char			*buf;
	long			 len;
	FILE			*fp;

	if (argc < 2) {
		fprintf(stderr, "usage: inproc CONFIG.json [SECONDS]\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "rb")) == NULL || fseek(fp, 0, SEEK_END) ||
	    (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) ||
	    (buf = malloc((size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		perror(argv[1]);
		return 1;
	}
	fclose(fp);
	mp_model_init(&m);
	mp_error_clear(&err);
	if (!mp_model_parse(buf, (size_t)len, argv[1], &m, &err)) {
		mp_error_print(&err, MP_UNITS_IEC, stderr);
		return 1;
	}
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++, n++) {
			mp_scenario_init(&sc);
			sc.seq = 1024 + (n & 1023);
			if (!mp_estimate(&m, &sc, &est, &err)) {
				mp_error_print(&err, MP_UNITS_IEC, stderr);
				return 1;
			}
			sink += est.mem.total;
		}
	} while ((t = now() - t0) < secs);
	printf("estimate %.0f\n", (double)n / t);

	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < 100; i++, n++) {
			if (!mp_model_parse(buf, (size_t)len, argv[1], &m,
			    &err))
				return 1;
			mp_scenario_init(&sc);
			if (!mp_estimate(&m, &sc, &est, &err) ||
			    !mp_report_build(&r, &m, &est, NULL, NULL, &err))
				return 1;
			sink += r.est->mem.total;
		}
	} while ((t = now() - t0) < secs);
	printf("parse+estimate+report %.0f\n", (double)n / t);

	{
		struct mp_hardware	 hw;
		struct mp_speed_target	 tg;
		struct mp_speed		 sp;

		if (!mp_hardware_load("rtx-4090", &hw, &err)) {
			mp_error_print(&err, MP_UNITS_IEC, stderr);
			return 1;
		}
		mp_scenario_init(&sc);
		sc.runtime = MP_RT_LLAMACPP;
		snprintf(sc.ftype, sizeof(sc.ftype), "q4_k_m");
		if (!mp_estimate(&m, &sc, &est, &err))
			return 1;
		mp_speed_target(&hw, &est, &tg);
		n = 0;
		t0 = now();
		do {
			for (int i = 0; i < 100; i++, n++) {
				if (!mp_speed_estimate(&m, &est, &tg, NULL, 0,
				    &sp, &err))
					return 1;
				sink += (uint64_t)sp.decode_tps;
			}
		} while ((t = now() - t0) < secs);
		printf("speed %.0f\n", (double)n / t);
	}
	mp_model_fini(&m);
	free(buf);
	return sink == 42;	/* keeps sink alive; never 42 in practice */
}
