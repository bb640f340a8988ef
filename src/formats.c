/* formats.c: the output formats renderers write, named once */
/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "internal.h"

static const struct {
	const char	*name;
	enum mp_format	 f;
} formats[] = {
	{ "text", MP_FMT_TEXT }, { "markdown", MP_FMT_MARKDOWN },
	{ "json", MP_FMT_JSON }, { "junit", MP_FMT_JUNIT },
	{ "csv", MP_FMT_CSV }, { "svg", MP_FMT_SVG },
};

#define NFORMATS	(sizeof(formats) / sizeof(formats[0]))

const char *
mp_format_name(size_t i)
{
	return i < NFORMATS ? formats[i].name : NULL;
}

bool
mp_format_parse(const char *s, enum mp_format *f)
{
	size_t i;

	/* "md": the file extension people type for markdown. */
	if (strcmp(s, "md") == 0) {
		*f = MP_FMT_MARKDOWN;
		return true;
	}
	for (i = 0; i < NFORMATS; i++)
		if (strcmp(s, formats[i].name) == 0) {
			*f = formats[i].f;
			return true;
		}
	return false;
}
