/* error.c: errors as values that name the place */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void
mp_error_clear(struct mp_error *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

static void	vset(struct mp_error *, enum mp_status, const char *,
		    uint32_t, uint32_t, const char *, const char *, va_list)
		    __attribute__((format(printf, 7, 0)));

static void
vset(struct mp_error *err, enum mp_status st, const char *file,
    uint32_t line, uint32_t col, const char *field, const char *fmt,
    va_list ap)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	err->status = st;
	err->line = line;
	err->col = col;
	if (file != NULL) {
		size_t n = strlen(file);

		/* A path too long for the buffer keeps its end (the file's
		 * own name), marked as cut: never a different-looking path. */
		if (n >= sizeof(err->file))
			snprintf(err->file, sizeof(err->file), "...%s",
			    file + n - (sizeof(err->file) - 4));
		else
			memcpy(err->file, file, n + 1);
	}
	if (field != NULL)
		snprintf(err->field, sizeof(err->field), "%s", field);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

bool
mp_error_set(struct mp_error *err, enum mp_status st, const char *file,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, st, file, 0, 0, field, fmt, ap);
	va_end(ap);
	return false;
}

bool
mp_error_setl(struct mp_error *err, enum mp_status st, const char *file,
    uint32_t line, uint32_t col, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, st, file, line, col, field, fmt, ap);
	va_end(ap);
	return false;
}

/*
 * One line, mandoc's shape: "memplan: file:line:col: field: message".
 * Control characters from hostile input are replaced so the line stays
 * one line.
 */
static void
put_clean(const char *s, FILE *fp)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i = 0, k;
	uint32_t		 cp;

	/* C0, DEL, C1 and bytes that are not UTF-8: '?' (text.c). */
	while (i < n) {
		k = mp_utf8_seq(p + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			fputc('?', fp);
			i += k > 0 ? k : 1;
		} else {
			fwrite(p + i, 1, k, fp);
			i += k;
		}
	}
}

void
mp_error_size(struct mp_error *err, uint64_t bytes)
{
	if (err == NULL || err->n_sizes >= sizeof(err->sizes) /
	    sizeof(err->sizes[0]))
		return;
	err->sizes[err->n_sizes++] = bytes;
}

/* The same formatter as notes (note.c): {0} and {1} are sizes. */
const char *
mp_error_text(const struct mp_error *err, enum mp_units u, char *buf,
    size_t len)
{
	struct mp_note_value	 v[2];
	uint32_t		 i;

	if (err->n_sizes == 0) {
		snprintf(buf, len, "%s", err->msg);
		return buf;
	}
	memset(v, 0, sizeof(v));
	for (i = 0; i < err->n_sizes && i < 2; i++) {
		snprintf(v[i].key, sizeof(v[i].key), "%u", (unsigned)i);
		v[i].kind = MP_NV_SIZE;
		v[i].u = err->sizes[i];
	}
	return mp_template_text(err->msg, v, i, u, buf, len);
}

void
mp_error_print(const struct mp_error *err, enum mp_units u, FILE *fp)
{
	char	 msg[sizeof(err->msg) + 64];

	fputs("memplan: ", fp);
	if (err->file[0] != '\0') {
		put_clean(err->file, fp);
		if (err->line > 0) {
			fprintf(fp, ":%u", (unsigned)err->line);
			if (err->col > 0)
				fprintf(fp, ":%u", (unsigned)err->col);
		}
		fputs(": ", fp);
	}
	if (err->field[0] != '\0') {
		put_clean(err->field, fp);
		fputs(": ", fp);
	}
	put_clean(err->msg[0] != '\0' ? mp_error_text(err, u, msg,
	    sizeof(msg)) : "unknown error", fp);
	fputc('\n', fp);
}
