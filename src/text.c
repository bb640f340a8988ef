/* text.c: strings from files made safe to show (terminals, JSON) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when
 * the bytes there are not one (overlong forms, surrogates and code points
 * above U+10FFFF are not: RFC 3629 section 4).  *cp gets the code point.
 */
size_t
mp_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char	c = s[0];
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;
	uint32_t	v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

/* C0 controls, DEL and the C1 controls (U+0080..U+009F). */
static bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

size_t
mp_text_clean(char *s, size_t len, bool lines)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 i = 0, o = 0, k;
	uint32_t	 cp;

	while (i < len) {
		k = mp_utf8_seq(p + i, len - i, &cp);
		if (k == 0) {
			/* Not UTF-8: one '?' per stray byte. */
			p[o++] = '?';
			i++;
		} else if (is_control(cp) && !(lines && (cp == '\n' ||
		    cp == '\t'))) {
			p[o++] = '?';
			i += k;
		} else {
			memmove(p + o, p + i, k);
			o += k;
			i += k;
		}
	}
	if (o < len)
		p[o] = '\0';
	return o;
}

void
mp_str_clean(char *s)
{
	size_t n = strlen(s);

	s[mp_text_clean(s, n, false)] = '\0';
}

bool
mp_word_in(const char *s, const char *const *words)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}
