/* cli.h: the command-line front end (not part of libmemplan) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_CLI_H
#define MEMPLAN_CLI_H

#include <stdio.h>

#include "memplan.h"

/* Exit codes: the contract in SPEC.md. */
#define MP_EXIT_OK	0	/* fits, or nothing to judge */
#define MP_EXIT_NOFIT	1	/* does not fit / a check failed */
#define MP_EXIT_BAD	2	/* bad usage or bad input */

#define MP_MAX_POS	4

/* Everything a command line can say; each command reads what it allows. */
struct mp_args {
	const char	*pos[MP_MAX_POS];	/* positional arguments */
	size_t		 npos;
	const char	*hardware;	/* --hardware */
	enum mp_format	 format;	/* --format */
	const char	*output;	/* -o, --output */
	enum mp_units	 units;		/* --units */
	const char	*solve;		/* --solve */
	const char	*over;		/* --over */
	bool		 detect;	/* --detect */
	bool		 color;		/* --color: pictures even when piped */
	char		 hwbuf[4096];	/* the default machine's path */
	bool		 help;		/* -h, --help */
	const char	*revision;	/* --revision: a Hub repo's revision */
	bool		 offline;	/* --offline */
	struct mp_scenario sc;		/* scenario options */
	unsigned	 set;		/* MP_SET_* bits: options given */
};

#define MP_SET_MODE	MP_GIVEN_MODE
#define MP_SET_WEIGHTS	MP_GIVEN_WEIGHTS
#define MP_SET_SEQ	MP_GIVEN_SEQ
#define MP_SET_BATCH	MP_GIVEN_BATCH
#define MP_SET_RUNTIME	MP_GIVEN_RUNTIME
#define MP_SET_FORMAT	0x020u

struct mp_cmd;

/*
 * Parses argv[1..argc-1] (argv[0] is the command name).  cmd is the
 * command's row (its --format choices; NULL: every format); allow is a
 * mask of MP_OPT_*; maxpos the number of positional arguments allowed.
 */
bool	mp_args_parse(int argc, char **argv, const struct mp_cmd *cmd,
	    unsigned allow, size_t maxpos, struct mp_args *,
	    struct mp_error *);

/*
 * Where a report goes.  Without -o (or with "-"), the given stream,
 * checked for write errors on commit.  With -o: a device, FIFO or socket
 * is written directly; otherwise the report is written to a temporary
 * file beside the destination (a symbolic link's final target) and
 * renamed onto it on commit, keeping the old file's mode; a hard-linked
 * file is rewritten in place.  abort removes what was written: no
 * partial file is ever left behind.
 */
enum { MP_OUT_STREAM, MP_OUT_RENAME, MP_OUT_INPLACE, MP_OUT_DIRECT,
	MP_OUT_SOCKET };

struct mp_output {
	FILE		*fp;
	const char	*name;		/* "stdout" or the -o argument */
	char		*tmp;		/* malloc'd temporary file, or NULL */
	char		*dest;		/* malloc'd resolved destination */
	int		 kind;		/* MP_OUT_* */
	int		 fd;
	bool		 is_file;
	FILE		*dfp;		/* where the held report goes */
	char		*buf;		/* the report, held until commit */
	size_t		 len;
};

/*
 * Checks -o before any work is done: the location can take a file, and
 * the target is none of inputs[0..n-1] (same device and inode).  NULL
 * entries are skipped.
 */
bool	mp_output_check(const char *path, const char *const *inputs,
	    size_t n, struct mp_error *);
bool	mp_output_open(struct mp_output *, const char *path, FILE *dflt,
	    struct mp_error *);
bool	mp_output_commit(struct mp_output *, struct mp_error *);
/* Commits what was rendered, or (rendered false) removes it and says the
 * write failed, naming the stream and the error. */
bool	mp_output_finish(struct mp_output *, bool rendered, struct mp_error *);
void	mp_output_abort(struct mp_output *);

struct mp_cli {
	FILE			*out;
	FILE			*err;
	const struct mp_cmd	*cmd;	/* the command run (cli.c sets it) */
	enum mp_units		 units;	/* of error lines: --units once parsed */
};

struct mp_cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv, struct mp_cli *);
	const char	*usage;		/* the man page's SYNOPSIS line */
	const char	*summary;
	unsigned	 formats;	/* MP_FMTS(): what --format may name */
};

/* A set of output formats, one bit per enum mp_format. */
#define MP_FMT_BIT(f)	(1u << (f))
#define MP_FMTS_DOC	(MP_FMT_BIT(MP_FMT_TEXT) | MP_FMT_BIT(MP_FMT_MARKDOWN) | \
	MP_FMT_BIT(MP_FMT_JSON))

/* The command named name, or NULL. */
const struct mp_cmd *mp_cli_command(const char *name);

/*
 * Render options from the command line: units, and the stacked bar when
 * stdout is a terminal (or --color), unless NO_COLOR is set.
 */
void	mp_cli_render_opts(const struct mp_args *, struct mp_cli *,
	    struct mp_render_opts *);

/*
 * Without --hardware: the user's default machine ($MEMPLAN_HARDWARE,
 * $XDG_CONFIG_HOME/memplan/hardware.yaml); false with an error saying
 * how to name one when there is none.
 */
bool	mp_cli_hardware_env(struct mp_args *, struct mp_error *);
bool	mp_cli_default_hardware(struct mp_args *, struct mp_cli *,
	    const char *cmd, struct mp_error *);
/*
 * Memory against context length for one scenario: a Mermaid chart with
 * its table (markdown reports) or an SVG chart.
 */
bool	mp_cli_context_chart(FILE *, const struct mp_model *,
	    const struct mp_hardware *, const struct mp_scenario *,
	    const char *what, bool svg, const struct mp_render_opts *);

/*
 * -o checked before any work: a place a file can go, and none of the
 * command's inputs (positional arguments, a folder's config.json,
 * --hardware).
 */
bool	mp_cli_output_check(const struct mp_args *, struct mp_error *);
/* --convert-pipeline or --lora-targets with a mode that does not use
 * them (estimate, fit, sweep: one mode each): a usage error. */
bool	mp_cli_mode_options(const struct mp_args *, struct mp_error *);

/* The one MODEL argument of estimate, plan, fit and sweep. */
bool	mp_cli_one_model(const struct mp_args *, struct mp_error *);
/*
 * How every command starts: argv parsed for the option groups it takes
 * (MP_OPT_*) and at most max_pos operands, --help answered.  Returns -1
 * to go on, else the exit status (the help printed, or the error).
 * mp_cli_start_model: the same for a command of one MODEL.
 */
int	mp_cli_start(int argc, char **argv, struct mp_cli *, unsigned groups,
	    size_t max_pos, struct mp_args *);
int	mp_cli_start_model(int argc, char **argv, struct mp_cli *,
	    unsigned groups, struct mp_args *);
/* --format svg refused (a usage error) when built without cairo. */
bool	mp_cli_svg_check(const struct mp_args *, struct mp_error *);

/* Prints the error once, on one line, and returns MP_EXIT_BAD. */
int	mp_cli_fail(struct mp_cli *, const struct mp_error *);

/*
 * A listing of a catalog folder (memplan models, memplan hardware): with
 * --format json the document {"schema", key: [one object an entry]},
 * else head() and a line (or a markdown row) an entry; one() writes each
 * entry.  Written whole or not at all: an unreadable folder leaves no
 * output, not even the header.  Returns the exit status.
 */
struct mp_jsonw;
struct mp_listing {
	const char	*folder;	/* the catalog folder ("models") */
	const char	*ext;		/* its entries' file ending */
	const char	*key;		/* the JSON document's array */
	void		(*head)(const struct mp_listing *);
	bool		(*one)(const char *name, const char *path,
			    void *listing);
	/* Set by mp_cli_list for head() and one(): */
	FILE		*fp;		/* the output */
	struct mp_jsonw	*w;		/* the JSON array, NULL for text */
	enum mp_units	 units;
	bool		 md;		/* --format markdown */
	FILE		*err;		/* where unreadable entries are named */
	unsigned	 bad;		/* entries one() could not read */
};
int	mp_cli_list(struct mp_cli *, const struct mp_args *,
	    struct mp_listing *);

/* The command table (for completion and man-page checks). */
const struct mp_cmd *mp_cli_commands(size_t *n);
/*
 * Option i of the option table (long name, short letter or 0, whether it
 * takes a value, the MP_OPT_* group that allows it, its space-separated
 * choices or NULL); returns the number of options.
 */
size_t	mp_cli_options(size_t i, const char **name, char *shrt, bool *arg,
	    unsigned *group, const char **choices);

/* Prints "usage: memplan NAME ..." and the options, for NAME --help. */
void	mp_cli_cmd_help(const struct mp_cmd *, FILE *fp);
/* Every option of the table, as --help lines (common.c). */
void	mp_cli_options_help(FILE *fp);

/* Entry point; streams are parameters so tests run the CLI in-process. */
int	mp_cli_main(int argc, char **argv, FILE *out, FILE *err);

int	cmd_estimate(int, char **, struct mp_cli *);
int	cmd_models(int, char **, struct mp_cli *);
int	cmd_hardware(int, char **, struct mp_cli *);
int	cmd_plan(int, char **, struct mp_cli *);
int	cmd_fit(int, char **, struct mp_cli *);
int	cmd_check(int, char **, struct mp_cli *);
int	cmd_sweep(int, char **, struct mp_cli *);

#endif /* MEMPLAN_CLI_H */
