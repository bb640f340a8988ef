/* ydoc.h: private YAML helpers shared by hardware.c and planfile.c */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_YDOC_H
#define MEMPLAN_YDOC_H

#include <yaml.h>

#include "internal.h"

/*
 * A loaded YAML document and the file it came from.  libyaml stays in
 * hardware.c, planfile.c and ydoc.c: nothing of it reaches memplan.h.
 * Every error names the node's line and column (libyaml marks are
 * 0-based, mp_error's are 1-based) and the key path of the value.
 */
struct mp_ydoc {
	yaml_document_t	 doc;
	bool		 loaded;
	char		 file[4096];	/* as struct mp_error's */
};

/* Largest file read: far above any real profile or plan. */
#define MP_YDOC_MAX	(64u << 20)
/* Values (scalars, lists, mappings) and nesting in one file: a plan of
 * 10,000 checks has about 50,000 values. */
#define MP_YDOC_MAX_NODES	(1u << 20)
#define MP_YDOC_MAX_DEPTH	64u

/*
 * Reads and parses path.  Aliases are refused (a billion-laughs
 * document expands them exponentially) and so is an empty document.
 */
bool	mp_ydoc_load(struct mp_ydoc *, const char *path, struct mp_error *);
/* Parses text already in memory; name is what errors call it. */
bool	mp_ydoc_parse(struct mp_ydoc *, const char *text, size_t len,
	    const char *name, struct mp_error *);
void	mp_ydoc_fini(struct mp_ydoc *);
yaml_node_t *mp_ydoc_root(struct mp_ydoc *);
yaml_node_t *mp_ydoc_node(struct mp_ydoc *, int id);

/* Sets an MP_EINPUT error at node n for field; returns false. */
bool	mp_ydoc_err(struct mp_ydoc *, const yaml_node_t *n, const char *field,
	    struct mp_error *, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

/* Checks that n is a mapping (or sequence) and says so otherwise. */
bool	mp_ydoc_map(struct mp_ydoc *, yaml_node_t *n, const char *field,
	    struct mp_error *);
bool	mp_ydoc_seq(struct mp_ydoc *, yaml_node_t *n, const char *field,
	    struct mp_error *);

/*
 * Checks every key of mapping n against the NULL-terminated list known:
 * keys must be scalars, unique and known; an unknown key's error names
 * the closest known key.  prefix is the path of n ("devices[0]" or "").
 */
bool	mp_ydoc_keys(struct mp_ydoc *, yaml_node_t *n, const char *prefix,
	    const char *const *known, struct mp_error *);
/* The value node of key in mapping n, or NULL. */
yaml_node_t *mp_ydoc_get(struct mp_ydoc *, yaml_node_t *n, const char *key);

/* Scalar conversions; each names field in its error. */
bool	mp_ydoc_str(struct mp_ydoc *, yaml_node_t *n, const char *field,
	    char *out, size_t len, struct mp_error *);
/* A size with units; zero refused unless allow_zero. */
bool	mp_ydoc_size(struct mp_ydoc *, yaml_node_t *n, const char *field,
	    bool allow_zero, uint64_t *out, struct mp_error *);
bool	mp_ydoc_uint(struct mp_ydoc *, yaml_node_t *n, const char *field,
	    uint64_t min, uint64_t max, uint64_t *out, struct mp_error *);
bool	mp_ydoc_bool(struct mp_ydoc *, yaml_node_t *n, const char *field,
	    bool *out, struct mp_error *);

/* The entry of known closest to s, or NULL when none is close. */
const char *mp_ydoc_closest(const char *s, const char *const *known);

#endif /* MEMPLAN_YDOC_H */
