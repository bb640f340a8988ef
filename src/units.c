/* units.c: checked size arithmetic, sizes with units, bounded integers */
/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

bool
mp_mul(uint64_t a, uint64_t b, uint64_t *r)
{
	uint64_t v;

	if (__builtin_mul_overflow(a, b, &v))
		return false;
	*r = v;
	return true;
}

bool
mp_add(uint64_t a, uint64_t b, uint64_t *r)
{
	uint64_t v;

	if (__builtin_add_overflow(a, b, &v))
		return false;
	*r = v;
	return true;
}

uint64_t
mp_umax(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t
mp_umin(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
mp_muls(uint64_t a, uint64_t b)
{
	uint64_t v;

	return __builtin_mul_overflow(a, b, &v) ? UINT64_MAX : v;
}

uint64_t
mp_adds(uint64_t a, uint64_t b)
{
	uint64_t v;

	return __builtin_add_overflow(a, b, &v) ? UINT64_MAX : v;
}

uint64_t
mp_round(double v)
{
	if (!(v > 0.0))
		return 0;
	if (v >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)llround(v);
}

static const struct {
	const char	*suffix;
	uint64_t	 mult;
} units[] = {
	{ "", 1 }, { "b", 1 }, { "bytes", 1 },
	{ "k", 1000ULL }, { "kb", 1000ULL }, { "kib", 1ULL << 10 },
	{ "m", 1000000ULL }, { "mb", 1000000ULL }, { "mib", 1ULL << 20 },
	{ "g", 1000000000ULL }, { "gb", 1000000000ULL }, { "gib", 1ULL << 30 },
	{ "t", 1000000000000ULL }, { "tb", 1000000000000ULL },
	{ "tib", 1ULL << 40 },
};

/*
 * "0.5", "24", "1.25": digits with at most one '.', read without the C
 * library (strtod follows LC_NUMERIC: after a program embedding
 * libmemplan sets a decimal-comma locale it stops at the '.').  The
 * integer part is exact up to 2^53; fraction digits past 15 are dropped.
 */
static bool
parse_decimal(const char *s, const char **end, double *v)
{
	static const double	 p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
				    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
				    1e15 };
	double			 ip = 0;
	uint64_t		 frac = 0;
	int			 nf = 0;
	bool			 dot = false, any = false;
	const char		*p;

	for (p = s; ; p++) {
		if (*p >= '0' && *p <= '9') {
			any = true;
			if (!dot)
				ip = ip * 10 + (*p - '0');
			else if (nf < 15) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				nf++;
			}
		} else if (*p == '.' && !dot)
			dot = true;
		else
			break;
	}
	*end = p;
	if (!any || !isfinite(ip))
		return false;
	*v = ip + (double)frac / p10[nf];
	return true;
}

bool
mp_parse_size(const char *s, uint64_t *out, char *why, size_t whylen)
{
	const char	*p = s, *num, *end;
	double		 v;
	size_t		 i, n;
	char		 suf[8];

	while (isspace((unsigned char)*p))
		p++;
	num = p;
	if (*p == '-' || *p == '+' || !(isdigit((unsigned char)*p) ||
	    *p == '.'))
		goto bad;
	if (!parse_decimal(num, &end, &v))
		goto bad;
	/* Hex floats and exponents are not sizes people write. */
	for (p = num; p < end; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= sizeof(suf))
		goto bad;
	memcpy(suf, p, n);
	suf[n] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(suf, units[i].suffix) != 0)
			continue;
		/* "Gb" is gigabits: refuse mixed case b that reads as bits. */
		if (n >= 2 && suf[n - 1] == 'b' && suf[n - 2] != 'i' &&
		    isupper((unsigned char)suf[0]))
			goto bad;
		v *= (double)units[i].mult;
		if (v >= 18446744073709551615.0) {
			snprintf(why, whylen, "size \"%s\" is too large", s);
			return false;
		}
		*out = (uint64_t)llround(v);
		return true;
	}
bad:
	snprintf(why, whylen,
	    "expected a size like \"24 GiB\", \"24GB\" or bytes, got \"%.40s\"",
	    s);
	return false;
}

static const char *const unit_systems[] = { "iec", "si" };

const char *
mp_units_choice(size_t i)
{
	return i < 2 ? unit_systems[i] : NULL;
}

bool
mp_units_parse(const char *s, enum mp_units *u)
{
	if (strcmp(s, "iec") == 0)
		*u = MP_UNITS_IEC;
	else if (strcmp(s, "si") == 0)
		*u = MP_UNITS_SI;
	else
		return false;
	return true;
}

bool
mp_parse_uint(const char *s, uint64_t min, uint64_t max, bool kmul,
    uint64_t *out, char *why, size_t whylen)
{
	const char		*p = s;
	unsigned long long	 v;
	char			*end;
	uint64_t		 r;

	if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s))
		goto bad;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0)
		goto range;
	r = v;
	if (kmul && (*end == 'k' || *end == 'K')) {
		if (!mp_mul(r, 1024, &r))
			goto range;
		end++;
	}
	if (*end != '\0')
		goto bad;
	if (r < min || r > max)
		goto range;
	*out = r;
	return true;
bad:
	snprintf(why, whylen, "expected a whole number, got \"%.40s\"", s);
	return false;
range:
	snprintf(why, whylen, "expected a number from %llu to %llu, got \"%.40s\"",
	    (unsigned long long)min, (unsigned long long)max, s);
	return false;
}

/*
 * printf's "%.*f" and "%.*g" follow LC_NUMERIC: a program embedding
 * libmemplan that sets de_DE gets "0,5".  The number is printed by
 * snprintf (its rounding and digits are exact and do not depend on the
 * locale: only the radix character does) and the radix, whatever bytes
 * the locale uses for it, is replaced by '.'.  Every renderer prints
 * non-integer numbers through these two (issue 15); a thread's own
 * uselocale() is honoured by snprintf and undone here the same way.
 */
static const char *
c_radix(char *buf, size_t len, int n)
{
	char	*p = buf, *q, *digits;

	if (n < 0 || (size_t)n >= len) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (*p == '-')
		p++;
	for (digits = p; *p >= '0' && *p <= '9'; p++)
		;
	if (p == digits || *p == '\0' || *p == 'e' || *p == 'E')
		return buf;	/* no radix: "12", "1e+06", "-inf", "nan" */
	for (q = p; *q != '\0' && !(*q >= '0' && *q <= '9') &&
	    *q != 'e' && *q != 'E'; q++)
		;
	*p = '.';
	memmove(p + 1, q, strlen(q) + 1);
	return buf;
}

const char *
mp_fmt_fixed(double v, unsigned places, char *buf, size_t len)
{
	return c_radix(buf, len, snprintf(buf, len, "%.*f",
	    (int)(places > 17 ? 17 : places), v));
}

unsigned
mp_fixed_places(double v, unsigned min, unsigned max)
{
	double	 scale = 1;
	unsigned p;

	for (p = 0; p < max; p++, scale *= 10)
		if (p >= min && fabs(round(v * scale) - v * scale) <= 1e-9 *
		    fmax(1, fabs(v * scale)))
			return p;
	return max;
}

const char *
mp_fmt_g(double v, unsigned digits, char *buf, size_t len)
{
	return c_radix(buf, len, snprintf(buf, len, "%.*g",
	    (int)(digits < 1 ? 1 : digits > 17 ? 17 : digits), v));
}

const char *
mp_fmt_size(uint64_t bytes, enum mp_units u, char *buf, size_t len)
{
	static const char *iec[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	static const char *si[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double	 base = u == MP_UNITS_SI ? 1000.0 : 1024.0;
	double	 v = (double)bytes;
	size_t	 i = 0;

	while (v >= base && i < 5) {
		v /= base;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else {
		char	num[32];

		snprintf(buf, len, "%s %s", mp_fmt_fixed(v, 2, num,
		    sizeof(num)), u == MP_UNITS_SI ? si[i] : iec[i]);
	}
	return buf;
}

/* 7615616512 -> "7,615,616,512": counts people compare digit by digit. */
const char *
mp_fmt_count(uint64_t v, char *buf, size_t len)
{
	char	raw[32];
	size_t	n, i, o = 0;

	snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v);
	n = strlen(raw);
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A signed size ("-1.50 GiB" for a shortfall). */
const char *
mp_fmt_ssize(int64_t v, enum mp_units u, char *buf, size_t len)
{
	char		 t[32];
	uint64_t	 a;

	if (v >= 0)
		return mp_fmt_size((uint64_t)v, u, buf, len);
	/* -(v + 1) + 1 avoids overflowing on INT64_MIN. */
	a = (uint64_t)(-(v + 1)) + 1;
	snprintf(buf, len, "-%s", mp_fmt_size(a, u, t, sizeof(t)));
	return buf;
}
