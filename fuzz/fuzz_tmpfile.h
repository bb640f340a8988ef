/* fuzz_tmpfile.h: one temporary file per fuzz process (private) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_FUZZ_TMPFILE_H
#define MEMPLAN_FUZZ_TMPFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The readers that only take a path (hardware, plan, GGUF) get each input
 * through this file: made once per process under $TMPDIR, rewritten with
 * data, removed at exit.  Returns its path; aborts when it cannot.
 */
const char	*fuzz_put(const uint8_t *data, size_t size);

#endif
