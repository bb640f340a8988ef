/* fixtures.h: what several unit tests share (tests/unit/fixtures.c) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_TEST_FIXTURES_H
#define MEMPLAN_TEST_FIXTURES_H

#include <stdint.h>
#include <stdio.h>

#include "internal.h"

/*
 * The source root, where the ground truth rows and the bundled configs
 * are: $MP_TEST_SRCDIR, else the parent of $MEMPLAN_DATADIR (meson sets
 * it to <source>/data), else the current directory.
 */
const char *fx_srcdir(void);
/* data/models/<name>.json of the source tree; fails the test if not. */
void	fx_load_bundled(const char *name, struct mp_model *);
/* A small Llama: 4 layers, hidden 256, 4 heads of 64, 2 KV heads. */
void	fx_tiny_llama(struct mp_model *);
/* A llama.cpp scenario in bf16 of batch sequences of seq tokens. */
void	fx_llamacpp_scenario(struct mp_scenario *, uint64_t seq,
	    uint64_t batch);
/* The same at batch 1 on one GGUF type (weights from ftype). */
void	fx_gguf_scenario(struct mp_scenario *, uint64_t seq,
	    const char *ftype);
/* mp_estimate() that fails the test when it fails. */
void	fx_estimate(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *);

/*
 * argv (NULL-terminated) through the CLI in-process: the exit status;
 * what it wrote to stdout and stderr in *out and *err (malloc'd; either
 * may be NULL, then it is dropped).
 */
int	fx_cli(char **argv, char **out, char **err);

/* tests/<rel> (under $MP_TESTS_DIR, else the source tree's tests/),
 * open for reading; fails the test when it cannot be opened. */
FILE	*fx_open_tests(const char *rel);
/* The next row of a table: comment and blank lines skipped; false at
 * the end. */
bool	fx_table_row(FILE *fp, char *line, size_t len);
/* The next tab-separated field of a row of file (a tests/ table) at
 * *cur, cut in place; *cur moves past it (NULL after the last). */
char	*fx_tsv_field(char **cur, const char *file);

#endif /* MEMPLAN_TEST_FIXTURES_H */
