/* cmd_hardware.c: memplan hardware — bundled profiles, or one profile */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "internal.h"	/* links libmemplan.a: see internal.h */

/* "NVIDIA GeForce RTX 4090 x2" or "-" for a RAM-only machine. */
static void
accel(const struct mp_hardware *hw, char *buf, size_t len)
{
	const struct mp_device *d = mp_hardware_primary(hw);

	if (d == NULL)
		snprintf(buf, len, "-");
	else if (d->count > 1)
		snprintf(buf, len, "%s x%u", d->name, d->count);
	else
		snprintf(buf, len, "%s", d->name);
}

static bool
one(const char *name, const char *path, void *arg)
{
	struct mp_listing	*c = arg;
	struct mp_hardware	 hw;
	struct mp_error		 e;
	const struct mp_device	*d;
	char			 ac[128], u[32], r[32];

	(void)name;
	mp_error_clear(&e);
	if (!mp_hardware_load(path, &hw, &e)) {
		/* A broken bundled file is a bug: name it, list the rest. */
		c->bad++;
		mp_error_print(&e, c->units, c->err);
		return true;
	}
	d = mp_hardware_primary(&hw);
	if (c->w != NULL) {
		mp_jsonw_obj(c->w, NULL);
		mp_jsonw_str(c->w, "name", hw.name);
		mp_jsonw_str(c->w, "description", hw.description);
		mp_jsonw_u64(c->w, "ram", hw.ram);
		mp_jsonw_u64(c->w, "swap", hw.swap);
		if (d != NULL) {
			mp_jsonw_str(c->w, "accelerator", d->name);
			mp_jsonw_str(c->w, "type", d->type);
			mp_jsonw_u64(c->w, "count", d->count);
			mp_jsonw_u64(c->w, "usable", mp_device_usable(d, &hw));
			mp_jsonw_bool(c->w, "unified", d->unified);
		} else
			mp_jsonw_null(c->w, "accelerator");
		mp_jsonw_end(c->w, '}');
		return true;
	}
	accel(&hw, ac, sizeof(ac));
	mp_fmt_size(d != NULL ? mp_device_usable(d, &hw) : 0, c->units, u,
	    sizeof(u));
	mp_fmt_size(hw.ram, c->units, r, sizeof(r));
	if (c->md)
		fprintf(c->fp, "| `%s` | %s | %s | %s | %s |\n", hw.name, ac,
		    d != NULL ? u : "-", r, hw.description);
	else
		fprintf(c->fp, "%-22s %-34s %11s %11s  %s\n", hw.name, ac,
		    d != NULL ? u : "-", r, hw.description);
	return true;
}

/* One profile in full: what memplan understood from the file. */
static int
show(const char *spec, struct mp_args *a, struct mp_cli *cli)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;
	struct mp_jsonw		 w;
	struct mp_output	 out;
	FILE			*fp;
	size_t			 i;
	char			 b1[32], b2[32], b3[32];

	mp_error_clear(&e);
	if (!mp_cli_output_check(a, &e) || !mp_hardware_load(spec, &hw, &e) ||
	    !mp_output_open(&out, a->output, cli->out, &e))
		return mp_cli_fail(cli, &e);
	fp = out.fp;
	if (a->format == MP_FMT_JSON) {
		mp_jsonw_doc(&w, fp, a->units);
		mp_jsonw_hardware(&w, &hw);
		mp_jsonw_end(&w, '}');
		goto done;
	}
	fprintf(fp, "%s: %s\n  ram %s, swap %s, OS reserve %s, CPU "
	    "%s\n", hw.name, hw.description, mp_fmt_size(hw.ram, a->units, b1,
	    sizeof(b1)), mp_fmt_size(hw.swap, a->units, b2, sizeof(b2)),
	    mp_fmt_size(hw.os_reserve, a->units, b3, sizeof(b3)),
	    mp_isa_name(hw.cpu_isa));
	if (hw.nodes > 1 || hw.disk != 0)
		fprintf(fp, "  %u node%s%s%s%s\n", hw.nodes, hw.nodes > 1 ?
		    "s" : "", hw.disk != 0 ? ", NVMe " : "", hw.disk != 0 ?
		    mp_fmt_size(hw.disk, a->units, b1, sizeof(b1)) : "",
		    hw.disk != 0 ? " per node" : "");
	for (i = 0; i < hw.n_dev; i++) {
		const struct mp_device *d = &hw.dev[i];

		fprintf(fp, "  %s x%u (%s%s): memory %s", d->name, d->count,
		    d->type, d->unified ? ", unified" : "",
		    mp_fmt_size(d->memory, a->units, b1, sizeof(b1)));
		if (d->total != 0 && d->total != d->memory)
			fprintf(fp, ", driver total %s", mp_fmt_size(d->total,
			    a->units, b1, sizeof(b1)));
		fprintf(fp, ", reserved %s, usable %s each\n",
		    mp_fmt_size(d->reserved, a->units, b2, sizeof(b2)),
		    mp_fmt_size(mp_device_usable(d, &hw), a->units, b3,
		    sizeof(b3)));
		fprintf(fp, "    backend %s", mp_backend_name(d->backend));
		if (d->cc != 0)
			fprintf(fp, ", compute capability %u.%u",
			    d->cc / 10, d->cc % 10);
		if (d->sms != 0)
			fprintf(fp, ", %u multiprocessors", d->sms);
		fprintf(fp, "; bf16 %s, fp8 %s, int8 tensor cores %s, "
		    "flash attention %s\n", d->bf16 ? "yes" : "no",
		    d->fp8 ? "yes" : "no", d->int8_tc ? "yes" : "no",
		    d->flash_attn ? "yes" : "no");
	}
	if (hw.n_dev == 0)
		fputs("  no accelerator: models run in host memory\n", fp);
done:
	if (!mp_output_finish(&out, !ferror(fp), &e))
		return mp_cli_fail(cli, &e);
	return MP_EXIT_OK;
}

/*
 * --detect: a profile for this machine from what Linux reports, written
 * atomically; what could not be detected goes to stderr, one line each.
 */
/*
 * The folders above a profile being written (the README's
 * ~/.config/memplan/hardware.yaml on a fresh account), created as
 * mkdir -p would, private to the user like the XDG config folder.
 */
static bool
make_parents(const char *path, struct mp_error *e)
{
	char		 dir[1024];
	struct stat	 st;
	size_t		 i, n = strlen(path);

	if (n >= sizeof(dir))
		return mp_error_set(e, MP_EUSAGE, path, "-o", "path too long");
	memcpy(dir, path, n + 1);
	while (n > 0 && dir[n - 1] != '/')
		n--;
	if (n <= 1)
		return true;
	dir[n - 1] = '\0';
	for (i = 1; i <= n - 1; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		dir[i] = '\0';
		if (stat(dir, &st) != 0 && mkdir(dir, 0700) != 0 &&
		    errno != EEXIST)
			return mp_error_set(e, MP_EIO, dir, "-o",
			    "cannot create the folder: %s", strerror(errno));
		if (i < n - 1)
			dir[i] = '/';
	}
	return true;
}

static int
detect(const struct mp_args *a, struct mp_cli *cli)
{
	struct mp_output	 out;
	struct mp_error		 e;
	char			 notes[4096], *s, *save = NULL;

	mp_error_clear(&e);
	if (a->npos > 0) {
		mp_error_set(&e, MP_EUSAGE, NULL, "--detect",
		    "takes no profile name (write it with -o FILE)");
		return mp_cli_fail(cli, &e);
	}
	notes[0] = '\0';
	if ((a->output != NULL && strcmp(a->output, "-") != 0 &&
	    !make_parents(a->output, &e)) || !mp_cli_output_check(a, &e) ||
	    !mp_output_open(&out, a->output, cli->out, &e))
		return mp_cli_fail(cli, &e);
	if (!mp_hardware_detect(out.fp, notes, sizeof(notes), &e)) {
		mp_output_abort(&out);
		return mp_cli_fail(cli, &e);
	}
	if (!mp_output_commit(&out, &e))
		return mp_cli_fail(cli, &e);
	for (s = strtok_r(notes, "\n", &save); s != NULL;
	    s = strtok_r(NULL, "\n", &save))
		fprintf(cli->err, "memplan: not detected: %s\n", s);
	return MP_EXIT_OK;
}

static void
head(const struct mp_listing *c)
{
	if (c->md)
		fputs("| name | accelerator | usable | RAM | description |\n"
		    "| --- | --- | ---: | ---: | --- |\n", c->fp);
	else
		fprintf(c->fp, "%-22s %-34s %11s %11s  %s\n", "name",
		    "accelerator", "usable", "ram", "description");
}

int
cmd_hardware(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_listing	 l = { .folder = "hardware", .ext = ".yaml",
	    .key = "hardware", .head = head, .one = one };
	int			 rc;

	if ((rc = mp_cli_start(argc, argv, cli, MP_OPT_FORMAT | MP_OPT_DETECT,
	    1, &a)) >= 0)
		return rc;
	if (a.detect)
		return detect(&a, cli);
	if (a.npos == 1)
		return show(a.pos[0], &a, cli);
	/* The listing shows every readable profile; each unreadable one
	 * was named on stderr, and the exit status says so. */
	if ((rc = mp_cli_list(cli, &a, &l)) == MP_EXIT_OK && l.bad > 0)
		return MP_EXIT_BAD;
	return rc;
}
