/* estimate.c: a model's KV cache per 1k tokens, through libmemplan */
/* SPDX-License-Identifier: MIT */
/* cc estimate.c $(pkg-config --cflags --libs memplan) -o estimate */
#include <inttypes.h>
#include <stdio.h>

#include <memplan.h>

int
main(int argc, char *argv[])
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_error		 err;
	char			 buf[32];
	int			 rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODEL\n", argv[0]);
		return 2;
	}
	mp_error_clear(&err);
	mp_model_init(&m);
	mp_scenario_init(&sc);
	if (!mp_model_load(argv[1], &m, &err) ||
	    !mp_estimate(&m, &sc, &est, &err)) {
		/* The caller prints, not the library; sizes in GiB. */
		mp_error_print(&err, MP_UNITS_IEC, stderr);
		goto out;
	}
	printf("%s: KV cache %s per 1k tokens (%" PRIu64 " bytes, %s)\n",
	    m.name, mp_fmt_size(est.kv_per_token * 1024, MP_UNITS_IEC, buf,
	    sizeof(buf)), est.kv_per_token * 1024,
	    mp_dtype_info(est.sc.kv_dtype)->name);
	rc = 0;
out:
	mp_model_fini(&m);
	return rc;
}
