/* cmd_models.c: memplan models — the bundled configs */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "internal.h"	/* links libmemplan.a: see internal.h */

struct list_ctx {
	FILE		*fp;
	struct mp_jsonw	*w;		/* NULL for text */
	unsigned	 bad;
};

static bool
one(const char *name, const char *path, void *arg)
{
	struct list_ctx	*c = arg;
	struct mp_model	 m;
	struct mp_error	 e;
	char		 num[32];

	mp_model_init(&m);
	if (!mp_model_load(path, &m, &e)) {
		c->bad++;
		if (c->w == NULL)
			fprintf(c->fp, "%-34s (unreadable: %s)\n", name, e.msg);
		return true;
	}
	if (c->w != NULL) {
		mp_jsonw_obj(c->w, NULL);
		mp_jsonw_str(c->w, "name", name);
		mp_jsonw_str(c->w, "architecture", m.arch[0] ? m.arch :
		    m.model_type);
		mp_jsonw_u64(c->w, "params", m.params);
		mp_jsonw_u64(c->w, "vision_params", m.vision_params);
		mp_jsonw_u64(c->w, "layers", m.layers);
		mp_jsonw_u64(c->w, "max_position_embeddings", m.max_pos);
		mp_jsonw_end(c->w, '}');
	} else
		fprintf(c->fp, "%-34s %-36s %9sB%s\n", name,
		    m.arch[0] ? m.arch : m.model_type,
		    mp_fmt_fixed((double)m.params / 1e9, 2, num, sizeof(num)),
		    m.vision_params ?
		    " (incl. vision)" : "");
	mp_model_fini(&m);
	return true;
}

int
cmd_models(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args	 a;
	struct mp_error	 e;
	struct mp_jsonw	 w;
	struct list_ctx	 c = { NULL, NULL, 0 };
	struct mp_output out;
	int		 rc;

	mp_error_clear(&e);
	if ((rc = mp_cli_start(argc, argv, cli, MP_OPT_FORMAT, 0, &a)) >= 0)
		return rc;
	if (!mp_cli_output_check(&a, &e))
		return mp_cli_fail(cli, &e);
	if (!mp_output_open(&out, a.output, cli->out, &e))
		return mp_cli_fail(cli, &e);
	c.fp = out.fp;
	if (a.format == MP_FMT_JSON) {
		mp_jsonw_init(&w, out.fp, true);
		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "schema", MP_SCHEMA);
		mp_jsonw_arr(&w, "models");
		c.w = &w;
	} else
		fprintf(out.fp, "%-34s %-36s %10s\n", "name", "architecture",
		    "params");
	if (!mp_catalog_list("models", ".json", one, &c, &e)) {
		mp_output_abort(&out);
		return mp_cli_fail(cli, &e);
	}
	if (c.w != NULL) {
		mp_jsonw_end(&w, ']');
		mp_jsonw_end(&w, '}');
	}
	if (!mp_output_finish(&out, !ferror(out.fp), &e))
		return mp_cli_fail(cli, &e);
	return MP_EXIT_OK;
}
