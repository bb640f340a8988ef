/* fileio.h: opening files to read, for every reader in libmemplan
 * (private to src/; the parsers take bytes and never open anything) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_FILEIO_H
#define MEMPLAN_FILEIO_H

#include <stdint.h>
#include <stdio.h>

#include "internal.h"

/*
 * Opens path to read: O_NONBLOCK so a FIFO or a device cannot hang the
 * open, then fstat, then regular files only ("not a regular file (a
 * FIFO)"), then back to blocking reads.  The error names path and the
 * cause (strerror: "Permission denied", "Too many levels of symbolic
 * links" are not "no such file").  *size is the file's size.
 */
FILE	*mp_file_open(const char *path, uint64_t *size, struct mp_error *);

/*
 * Reads the whole regular file (at most max bytes; what names the kind
 * of file in the error, "a config.json") into a malloc'd, NUL-terminated
 * buffer.
 */
bool	 mp_file_slurp(const char *path, uint64_t max, const char *what,
	    char **buf, size_t *len, struct mp_error *);

/* A file or folder that exists (stat): false with errno set.  Errors
 * other than ENOENT and ENOTDIR mean "there but unreadable". */
bool	 mp_file_missing(int err_no);

/*
 * Joins a and b ("a/b" when sep, else "ab") into a malloc'd string, or
 * NULL out of memory: no fixed-size buffer truncates a path.
 */
char	*mp_path_join(const char *a, const char *b, bool sep);

/*
 * snprintf that says whether all of it fitted: paths, URLs and cache keys
 * are built from bounded parts, and one cut short must not name another
 * file.
 */
bool	 mp_fmt(char *out, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif /* MEMPLAN_FILEIO_H */
