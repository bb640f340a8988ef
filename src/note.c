/* note.c: an estimate's notes, templates with typed values */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * A note is written by the computation as a template: printf fills in
 * what is words (names, flags), "{key}" marks a number the note carries
 * as a typed value.  Units are never chosen here: mp_note_text() formats
 * each value in the units the reader asked for (--units), and JSON
 * carries the values themselves (mp_jsonw_notes).
 */
static void
note_vset(struct mp_note *n, const char *what, const char *id,
    const char *fmt, va_list ap)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->what, sizeof(n->what), "%s", what);
	snprintf(n->id, sizeof(n->id), "%s", id);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
}

struct mp_note *
mp_estimate_note(struct mp_estimate *est, const char *what, const char *id,
    const char *fmt, ...)
{
	va_list		 ap;
	struct mp_note	*n;

	if (est->n_notes >= MP_MAX_NOTES)
		return NULL;
	n = &est->notes[est->n_notes++];
	va_start(ap, fmt);
	note_vset(n, what, id, fmt, ap);
	va_end(ap);
	return n;
}

void
mp_note_set(struct mp_note *n, const char *what, const char *id,
    const char *fmt, ...)
{
	va_list	 ap;

	if (n == NULL)
		return;
	va_start(ap, fmt);
	note_vset(n, what, id, fmt, ap);
	va_end(ap);
}

struct mp_note *
mp_estimate_note_add(struct mp_estimate *est, const struct mp_note *from)
{
	if (est->n_notes >= MP_MAX_NOTES)
		return NULL;
	est->notes[est->n_notes] = *from;
	return &est->notes[est->n_notes++];
}

/* A note's and a reason's value lists, with the room each has. */
#define NOTE_VALS(n)	(n)->values, &(n)->n_values, MP_NOTE_VALUES
#define REASON_VALS(r)	(r)->values, &(r)->n_values, MP_REASON_VALUES

/* Whether template names "{key}". */
static bool
names(const char *template, const char *key)
{
	char k[sizeof(((struct mp_note_value *)NULL)->key) + 2];

	snprintf(k, sizeof(k), "{%s}", key);
	return strstr(template, k) != NULL;
}

bool
mp_note_names(const struct mp_note *n, const char *key)
{
	return n != NULL && names(n->text, key);
}

bool
mp_reason_names(const struct mp_reason *r, const char *key)
{
	return names(r->text, key);
}

/* The next free value of a list, or NULL when it is full. */
static struct mp_note_value *
add_value(struct mp_note_value *vals, size_t *n, size_t max, const char *key,
    enum mp_note_kind kind)
{
	struct mp_note_value *v;

	if (*n >= max)
		return NULL;
	v = &vals[(*n)++];
	memset(v, 0, sizeof(*v));
	snprintf(v->key, sizeof(v->key), "%s", key);
	v->kind = kind;
	return v;
}

static void
add_u64(struct mp_note_value *vals, size_t *n, size_t max, const char *key,
    enum mp_note_kind kind, uint64_t u)
{
	struct mp_note_value *v = add_value(vals, n, max, key, kind);

	if (v != NULL)
		v->u = u;
}

static void
add_double(struct mp_note_value *vals, size_t *n, size_t max,
    const char *key, enum mp_note_kind kind, double d, unsigned decimals)
{
	struct mp_note_value *v = add_value(vals, n, max, key, kind);

	if (v != NULL) {
		v->d = d;
		v->decimals = (uint8_t)(decimals > 6 ? 6 : decimals);
	}
}

void
mp_note_size(struct mp_note *n, const char *key, uint64_t bytes)
{
	if (n != NULL)
		add_u64(NOTE_VALS(n), key, MP_NV_SIZE, bytes);
}

void
mp_note_count(struct mp_note *n, const char *key, uint64_t count)
{
	if (n != NULL)
		add_u64(NOTE_VALS(n), key, MP_NV_COUNT, count);
}

void
mp_note_percent(struct mp_note *n, const char *key, double pct,
    unsigned decimals)
{
	if (n != NULL)
		add_double(NOTE_VALS(n), key, MP_NV_PERCENT, pct, decimals);
}

void
mp_note_number(struct mp_note *n, const char *key, double x,
    unsigned decimals)
{
	if (n != NULL)
		add_double(NOTE_VALS(n), key, MP_NV_NUMBER, x, decimals);
}

/*
 * A reason (plan's why, a check's failure) is a note without a component,
 * longer: the same template and values.
 */
void
mp_reason_set(struct mp_reason *r, const char *fmt, ...)
{
	va_list ap;

	memset(r, 0, sizeof(*r));
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

/* Appends to the template (values keep their keys). */
void
mp_reason_add(struct mp_reason *r, const char *fmt, ...)
{
	va_list ap;
	size_t	l = strlen(r->text);

	va_start(ap, fmt);
	vsnprintf(r->text + l, sizeof(r->text) - l, fmt, ap);
	va_end(ap);
}

void
mp_reason_size(struct mp_reason *r, const char *key, uint64_t bytes)
{
	add_u64(REASON_VALS(r), key, MP_NV_SIZE, bytes);
}

void
mp_reason_ssize(struct mp_reason *r, const char *key, int64_t bytes)
{
	struct mp_note_value *v = add_value(REASON_VALS(r), key,
	    MP_NV_SSIZE);

	if (v != NULL)
		v->i = bytes;
}

void
mp_reason_count(struct mp_reason *r, const char *key, uint64_t count)
{
	add_u64(REASON_VALS(r), key, MP_NV_COUNT, count);
}

void
mp_reason_number(struct mp_reason *r, const char *key, double x,
    unsigned decimals)
{
	add_double(REASON_VALS(r), key, MP_NV_NUMBER, x, decimals);
}

void
mp_reason_percent(struct mp_reason *r, const char *key, double pct,
    unsigned decimals)
{
	add_double(REASON_VALS(r), key, MP_NV_PERCENT, pct, decimals);
}

const char *
mp_note_kind_name(enum mp_note_kind k)
{
	switch (k) {
	case MP_NV_SIZE:
		return "bytes";
	case MP_NV_COUNT:
		return "count";
	case MP_NV_SSIZE:
		return "bytes";
	case MP_NV_PERCENT:
		return "percent";
	case MP_NV_NUMBER:
	default:
		return "number";
	}
}

const char *
mp_note_value_text(const struct mp_note_value *v, enum mp_units u,
    char *buf, size_t len)
{
	switch (v->kind) {
	case MP_NV_SIZE:
		return mp_fmt_size(v->u, u, buf, len);
	case MP_NV_SSIZE:
		return mp_fmt_ssize(v->i, u, buf, len);
	case MP_NV_COUNT:
		snprintf(buf, len, "%llu", (unsigned long long)v->u);
		return buf;
	case MP_NV_PERCENT:
	case MP_NV_NUMBER:
	default:
		return mp_fmt_fixed(v->d, v->decimals, buf, len);
	}
}

static const struct mp_note_value *
find_value(const struct mp_note_value *vals, size_t n, const char *key,
    size_t keylen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(vals[i].key) == keylen &&
		    memcmp(vals[i].key, key, keylen) == 0)
			return &vals[i];
	return NULL;
}

/*
 * A template in words: every "{key}" naming one of the values is replaced
 * by the value in units u; any other brace (from a model's own text) is
 * kept as it stands.  Cut to fit len.
 */
const char *
mp_template_text(const char *tmpl, const struct mp_note_value *vals,
    size_t n, enum mp_units u, char *buf, size_t len)
{
	const char	*p = tmpl, *close;
	size_t		 o = 0;
	char		 vb[48];

	if (len == 0)
		return buf;
	while (*p != '\0' && o + 1 < len) {
		const struct mp_note_value *v = NULL;
		const char *add = p;
		size_t addlen = 1;

		if (*p == '{' && (close = strchr(p + 1, '}')) != NULL &&
		    (v = find_value(vals, n, p + 1, (size_t)(close - p - 1))) !=
		    NULL) {
			add = mp_note_value_text(v, u, vb, sizeof(vb));
			addlen = strlen(add);
			p = close + 1;
		} else
			p++;
		if (addlen > len - 1 - o)
			addlen = len - 1 - o;
		memcpy(buf + o, add, addlen);
		o += addlen;
	}
	buf[o] = '\0';
	return buf;
}

const char *
mp_note_text(const struct mp_note *n, enum mp_units u, char *buf, size_t len)
{
	return mp_template_text(n->text, n->values, n->n_values, u, buf, len);
}

const char *
mp_reason_text(const struct mp_reason *r, enum mp_units u, char *buf,
    size_t len)
{
	return mp_template_text(r->text, r->values, r->n_values, u, buf, len);
}
