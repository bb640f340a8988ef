/* cmd_models.c: memplan models — the bundled configs */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "internal.h"	/* links libmemplan.a: see internal.h */

static bool
one(const char *name, const char *path, void *arg)
{
	struct mp_listing *c = arg;
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

static void
head(const struct mp_listing *c)
{
	fprintf(c->fp, "%-34s %-36s %10s\n", "name", "architecture",
	    "params");
}

int
cmd_models(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_listing	 l = { .folder = "models", .ext = ".json",
	    .key = "models", .head = head, .one = one };
	int			 rc;

	if ((rc = mp_cli_start(argc, argv, cli, MP_OPT_FORMAT, 0, &a)) >= 0)
		return rc;
	return mp_cli_list(cli, &a, &l);
}
