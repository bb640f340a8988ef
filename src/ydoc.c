/* ydoc.c: libyaml documents with errors that name line, column and key */
/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ydoc.h"

static void
set_name(struct mp_ydoc *y, const char *name)
{
	const char	*s = name != NULL ? name : "-";
	size_t		 n = strlen(s);

	/* Too long to hold: its end (the file's own name) is kept. */
	if (n >= sizeof(y->file))
		snprintf(y->file, sizeof(y->file), "...%s",
		    s + n - (sizeof(y->file) - 4));
	else
		memcpy(y->file, s, n + 1);
}

/* libyaml marks count from 0; mp_error counts from 1. */
static bool
mark_err(struct mp_ydoc *y, yaml_mark_t m, const char *field,
    struct mp_error *err, const char *msg)
{
	return mp_error_setl(err, MP_EINPUT, y->file, (uint32_t)m.line + 1,
	    (uint32_t)m.column + 1, field, "%s", msg);
}

static bool
parser_err(struct mp_ydoc *y, yaml_parser_t *p, struct mp_error *err)
{
	char	 msg[200];

	if (p->error == YAML_MEMORY_ERROR)
		return mp_error_set(err, MP_ENOMEM, y->file, NULL,
		    "out of memory");
	if (p->context != NULL)
		snprintf(msg, sizeof(msg), "not valid YAML: %s %s",
		    p->problem != NULL ? p->problem : "error", p->context);
	else
		snprintf(msg, sizeof(msg), "not valid YAML: %s",
		    p->problem != NULL ? p->problem : "error");
	return mark_err(y, p->problem_mark, NULL, err, msg);
}

/*
 * A first pass over the events refuses aliases, and documents after the
 * first, before the loader sees them: the loader shares aliased nodes, so a walk over a document of
 * nested aliases visits exponentially many nodes.  Profiles and plans
 * never need them.
 */
static bool
scan_aliases(struct mp_ydoc *y, const char *text, size_t len,
    struct mp_error *err)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	bool		 ok = false, done = false;
	unsigned	 docs = 0, nodes = 0, depth = 0;

	if (!yaml_parser_initialize(&p))
		return mp_error_set(err, MP_ENOMEM, y->file, NULL,
		    "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			parser_err(y, &p, err);
			goto out;
		}
		/* A second document would be silently ignored: refuse it. */
		if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			mark_err(y, ev.start_mark, NULL, err,
			    "expected one YAML document, found a second");
			yaml_event_delete(&ev);
			goto out;
		}
		/* Bounded before the tree is built: libyaml keeps every
		 * node (about 100 bytes each) and composes recursively. */
		if (ev.type == YAML_SCALAR_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT) {
			if (++nodes > MP_YDOC_MAX_NODES) {
				mp_error_setl(err, MP_EINPUT, y->file,
				    (uint32_t)ev.start_mark.line + 1,
				    (uint32_t)ev.start_mark.column + 1, NULL,
				    "more than %u values; a profile or plan "
				    "has far fewer", MP_YDOC_MAX_NODES);
				yaml_event_delete(&ev);
				goto out;
			}
		}
		if (ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > MP_YDOC_MAX_DEPTH) {
				mp_error_setl(err, MP_EINPUT, y->file,
				    (uint32_t)ev.start_mark.line + 1,
				    (uint32_t)ev.start_mark.column + 1, NULL,
				    "nested deeper than %u levels",
				    MP_YDOC_MAX_DEPTH);
				yaml_event_delete(&ev);
				goto out;
			}
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (ev.type == YAML_ALIAS_EVENT) {
			mark_err(y, ev.start_mark, NULL, err,
			    "YAML aliases (*name) are not supported here");
			yaml_event_delete(&ev);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	ok = true;
out:
	yaml_parser_delete(&p);
	return ok;
}

bool
mp_ydoc_parse(struct mp_ydoc *y, const char *text, size_t len,
    const char *name, struct mp_error *err)
{
	yaml_parser_t	 p;
	bool		 ok = false;

	memset(y, 0, sizeof(*y));
	set_name(y, name);
	if (!scan_aliases(y, text, len, err))
		return false;
	if (!yaml_parser_initialize(&p))
		return mp_error_set(err, MP_ENOMEM, y->file, NULL,
		    "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &y->doc)) {
		parser_err(y, &p, err);
		goto out;
	}
	y->loaded = true;
	if (yaml_document_get_root_node(&y->doc) == NULL) {
		mp_error_setl(err, MP_EINPUT, y->file, 1, 1, NULL,
		    "the file is empty: expected a YAML mapping");
		mp_ydoc_fini(y);
		goto out;
	}
	ok = true;
out:
	yaml_parser_delete(&p);
	return ok;
}

bool
mp_ydoc_load(struct mp_ydoc *y, const char *path, struct mp_error *err)
{
	char	*buf = NULL;
	size_t	 len = 0;
	bool	 ok;

	memset(y, 0, sizeof(*y));
	set_name(y, path);
	if (!mp_file_slurp(path, MP_YDOC_MAX, "a YAML file", &buf, &len, err))
		return false;
	ok = mp_ydoc_parse(y, buf, len, path, err);
	free(buf);
	return ok;
}

void
mp_ydoc_fini(struct mp_ydoc *y)
{
	if (y != NULL && y->loaded) {
		yaml_document_delete(&y->doc);
		y->loaded = false;
	}
}

yaml_node_t *
mp_ydoc_root(struct mp_ydoc *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *
mp_ydoc_node(struct mp_ydoc *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

bool
mp_ydoc_err(struct mp_ydoc *y, const yaml_node_t *n, const char *field,
    struct mp_error *err, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n == NULL)
		return mp_error_set(err, MP_EINPUT, y->file, field, "%s", msg);
	return mark_err(y, n->start_mark, field, err, msg);
}

static const char *
kind_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

bool
mp_ydoc_map(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    struct mp_error *err)
{
	if (n->type == YAML_MAPPING_NODE)
		return true;
	return mp_ydoc_err(y, n, field, err,
	    "expected a mapping of keys to values, got %s", kind_name(n));
}

bool
mp_ydoc_seq(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    struct mp_error *err)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return true;
	return mp_ydoc_err(y, n, field, err, "expected a list, got %s",
	    kind_name(n));
}

const char *
mp_ydoc_closest(const char *s, const char *const *known)
{
	struct mp_suggest	 sg;
	size_t			 i;

	mp_suggest_init(&sg, s);
	for (i = 0; known[i] != NULL; i++)
		mp_suggest_add(&sg, known[i]);
	/* The key itself, from the list: sg.best is a copy. */
	for (i = 0; mp_suggest_best(&sg) != NULL && known[i] != NULL; i++)
		if (strcmp(known[i], sg.best) == 0)
			return known[i];
	return NULL;
}

static void
join(char *out, size_t len, const char *prefix, const char *key)
{
	if (prefix == NULL || *prefix == '\0')
		snprintf(out, len, "%s", key);
	else
		snprintf(out, len, "%s.%s", prefix, key);
}

bool
mp_ydoc_keys(struct mp_ydoc *y, yaml_node_t *n, const char *prefix,
    const char *const *known, struct mp_error *err)
{
	yaml_node_pair_t	*p, *q;
	yaml_node_t		*k, *k2;
	const char		*ks, *close;
	char			 field[96], list[200];
	size_t			 i, used;
	bool			 found;

	if (!mp_ydoc_map(y, n, prefix, err))
		return false;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = mp_ydoc_node(y, p->key);
		if (k == NULL || k->type != YAML_SCALAR_NODE)
			return mp_ydoc_err(y, k, prefix, err,
			    "expected a plain key, got %s",
			    k != NULL ? kind_name(k) : "nothing");
		ks = (const char *)k->data.scalar.value;
		join(field, sizeof(field), prefix, ks);
		found = false;
		for (i = 0; known[i] != NULL && !found; i++)
			found = strcmp(ks, known[i]) == 0;
		if (!found) {
			close = mp_ydoc_closest(ks, known);
			if (close != NULL)
				return mp_ydoc_err(y, k, field, err,
				    "unknown key; did you mean \"%s\"?",
				    close);
			list[0] = '\0';
			for (i = 0; known[i] != NULL; i++) {
				used = strlen(list);
				if (used + strlen(known[i]) + 3 >= sizeof(list))
					break;
				if (i > 0)
					strcat(list, ", ");
				strcat(list, known[i]);
			}
			return mp_ydoc_err(y, k, field, err,
			    "unknown key; expected one of: %s", list);
		}
		/* A repeated key silently overriding the first hides typos. */
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			k2 = mp_ydoc_node(y, q->key);
			if (k2 != NULL && k2->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)k2->data.scalar.value,
			    ks) == 0)
				return mp_ydoc_err(y, k, field, err,
				    "key given twice (first on line %zu)",
				    k2->start_mark.line + 1);
		}
	}
	return true;
}

yaml_node_t *
mp_ydoc_get(struct mp_ydoc *y, yaml_node_t *n, const char *key)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = mp_ydoc_node(y, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return mp_ydoc_node(y, p->value);
	}
	return NULL;
}

/* A scalar that is not null: "", "~" and "null" plain scalars are. */
static bool
scalar(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    const char **out, struct mp_error *err)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return mp_ydoc_err(y, n, field, err,
		    "expected a single value, got %s", kind_name(n));
	s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (*s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0))
		return mp_ydoc_err(y, n, field, err,
		    "expected a value, got nothing");
	if (strlen(s) != n->data.scalar.length)
		return mp_ydoc_err(y, n, field, err,
		    "value contains a NUL character");
	*out = s;
	return true;
}

bool
mp_ydoc_str(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    char *out, size_t len, struct mp_error *err)
{
	const char *s;

	if (!scalar(y, n, field, &s, err))
		return false;
	if (strlen(s) >= len)
		return mp_ydoc_err(y, n, field, err,
		    "value longer than %zu characters", len - 1);
	memcpy(out, s, strlen(s) + 1);
	return true;
}

bool
mp_ydoc_size(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    bool allow_zero, uint64_t *out, struct mp_error *err)
{
	const char	*s;
	char		 why[160];
	uint64_t	 v;

	if (!scalar(y, n, field, &s, err))
		return false;
	if (!mp_parse_size(s, &v, why, sizeof(why)))
		return mp_ydoc_err(y, n, field, err, "%s", why);
	if (v == 0 && !allow_zero)
		return mp_ydoc_err(y, n, field, err,
		    "expected a size above zero, got \"%s\"", s);
	*out = v;
	return true;
}

bool
mp_ydoc_uint(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    uint64_t min, uint64_t max, uint64_t *out, struct mp_error *err)
{
	const char	*s;
	char		 why[160];

	if (!scalar(y, n, field, &s, err))
		return false;
	if (!mp_parse_uint(s, min, max, false, out, why, sizeof(why)))
		return mp_ydoc_err(y, n, field, err, "%s", why);
	return true;
}

bool
mp_ydoc_bool(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    bool *out, struct mp_error *err)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	const char	*s;

	if (!scalar(y, n, field, &s, err))
		return false;
	if (mp_word_in(s, yes) || mp_word_in(s, no)) {
		*out = mp_word_in(s, yes);
		return true;
	}
	return mp_ydoc_err(y, n, field, err,
	    "expected true or false, got \"%.40s\"", s);
}
