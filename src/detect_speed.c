/* detect_speed.c: the host CPU's cores and FLOPS, and a GPU's speed
 * fields from the bundled profile of the same card, for --detect */
/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect.h"
#include "fileio.h"

/* Distinct (physical id, core id) pairs kept: more cores than any host. */
#define MAX_CORE_IDS	4096

struct core_id {
	long	 pkg, core;
};

/* "key<tabs>: value" -> value when the line's key is key. */
static const char *
cpuinfo_value(const char *line, const char *key)
{
	size_t kl = strlen(key);

	if (strncmp(line, key, kl) != 0)
		return NULL;
	line += kl;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != ':')
		return NULL;
	line++;
	while (*line == ' ')
		line++;
	return line;
}

/* Whether the space-separated list holds the word w. */
static bool
has_word(const char *list, const char *w)
{
	size_t		 wl = strlen(w);
	const char	*p = list;

	while ((p = strstr(p, w)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[wl] == ' ' || p[wl] == '\n' || p[wl] == '\0'))
			return true;
		p += wl;
	}
	return false;
}

/* A decimal number of GHz ("3.40GHz") as MHz, digits only (no locale). */
static uint32_t
ghz_to_mhz(const char *s)
{
	uint64_t	 whole = 0, frac = 0, scale = 1000;
	int		 nd = 0;

	while (isdigit((unsigned char)*s) && nd++ < 3)
		whole = whole * 10 + (uint64_t)(*s++ - '0');
	if (nd == 0)
		return 0;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
	if (strncmp(s, "GHz", 3) != 0)
		return 0;
	return (uint32_t)(whole * 1000 + frac);
}

/* Intel's model names carry the base clock: "... CPU @ 3.40GHz". */
static uint32_t
model_name_mhz(const char *name)
{
	const char *at = strstr(name, "@ ");

	return at != NULL ? ghz_to_mhz(at + 2) : 0;
}

/* cpufreq's base_frequency (intel_pstate): kHz on one line. */
static uint32_t
base_freq_mhz(const char *path)
{
	FILE		*fp;
	char		 buf[32], *end;
	unsigned long	 khz;

	if (path == NULL || (fp = mp_file_open(path, NULL, NULL)) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), fp) == NULL || !isdigit((unsigned char)
	    buf[0])) {
		fclose(fp);
		return 0;
	}
	fclose(fp);
	khz = strtoul(buf, &end, 10);
	if (*end != '\n' && *end != '\0')
		return 0;
	/* 100 MHz to 10 GHz: anything else is no base clock. */
	if (khz < 100000 || khz > 10000000)
		return 0;
	return (uint32_t)(khz / 1000);
}

bool
mp_detect_cpu(const char *cpuinfo, const char *base_freq,
    struct mp_cpu_facts *f)
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0, nid = 0, i;
	const char	*v;
	struct core_id	*ids, cur = { -1, -1 };
	uint32_t	 procs = 0, name_mhz = 0;
	bool		 flags_seen = false, avx2 = false, fma = false,
			 avx512 = false, overflow = false;

	memset(f, 0, sizeof(*f));
	if ((fp = mp_file_open(cpuinfo, NULL, NULL)) == NULL)
		return false;
	if ((ids = calloc(MAX_CORE_IDS, sizeof(*ids))) == NULL) {
		fclose(fp);
		return false;
	}
	while (getline(&line, &cap, fp) > 0) {
		if ((v = cpuinfo_value(line, "processor")) != NULL &&
		    isdigit((unsigned char)*v)) {
			procs++;
			cur.pkg = cur.core = -1;
		} else if ((v = cpuinfo_value(line, "physical id")) != NULL)
			cur.pkg = strtol(v, NULL, 10);
		else if ((v = cpuinfo_value(line, "core id")) != NULL) {
			cur.core = strtol(v, NULL, 10);
			for (i = 0; i < nid; i++)
				if (ids[i].pkg == cur.pkg &&
				    ids[i].core == cur.core)
					break;
			if (i == nid && nid < MAX_CORE_IDS)
				ids[nid++] = cur;
			else if (i == nid)
				overflow = true;
		} else if (!flags_seen &&
		    (v = cpuinfo_value(line, "flags")) != NULL) {
			flags_seen = true;
			avx2 = has_word(v, "avx2");
			fma = has_word(v, "fma");
			avx512 = has_word(v, "avx512f");
			f->hybrid = has_word(v, "hybrid_cpu");
		} else if (name_mhz == 0 &&
		    (v = cpuinfo_value(line, "model name")) != NULL)
			name_mhz = model_name_mhz(v);
	}
	free(line);
	fclose(fp);
	f->cores = nid > 0 && !overflow ? (uint32_t)nid : procs;
	free(ids);
	/*
	 * FP32 FLOP per cycle: two 256-bit FMA units x 8 lanes x 2 (AVX2
	 * with FMA3: Zen 2-5, Haswell and later), the bundled profiles'
	 * count.  AVX-512 is counted on the same two 256-bit units (Zen 4
	 * splits it so); the second 512-bit FMA unit some Xeons have is not
	 * in the flags.  Arm cores differ in their NEON pipes (2 to 4 x
	 * 128-bit) and nothing in cpuinfo says how many: not derived.
	 */
	if (avx2 && fma) {
		f->flop_cycle = 32;
		snprintf(f->simd, sizeof(f->simd), "%s, 2 x 256-bit FMA",
		    avx512 ? "AVX-512" : "AVX2");
	}
	if ((f->base_mhz = base_freq_mhz(base_freq)) != 0)
		snprintf(f->clock_src, sizeof(f->clock_src), "cpufreq "
		    "base_frequency");
	else if ((f->base_mhz = name_mhz) != 0)
		snprintf(f->clock_src, sizeof(f->clock_src), "the model name");
	return true;
}

uint64_t
mp_detect_cpu_gflops(const struct mp_cpu_facts *f)
{
	if (f->hybrid || f->cores == 0 || f->flop_cycle == 0 ||
	    f->base_mhz == 0)
		return 0;
	return (uint64_t)f->cores * f->flop_cycle * f->base_mhz / 1000;
}

/* The card's name without case and vendor words drivers add or drop
 * ("Tesla T4" and "NVIDIA T4"; "GeForce RTX 3090" before R510). */
static const char *
card_name(const char *s)
{
	static const char *const vendor[] = { "NVIDIA ", "Tesla ",
	    "GeForce " };
	size_t	 i;
	bool	 again = true;

	while (again) {
		again = false;
		for (i = 0; i < sizeof(vendor) / sizeof(vendor[0]); i++)
			if (strncasecmp(s, vendor[i], strlen(vendor[i])) == 0) {
				s += strlen(vendor[i]);
				again = true;
			}
	}
	return s;
}

struct gpu_match {
	const char		*name;
	uint64_t		 mib;
	struct mp_device	*dev;
	char			*profile;
	size_t			 len;
	size_t			 best;	/* devices of the match, 0 = none */
	struct mp_hardware	 hw;
};

static bool
match_cb(const char *name, const char *path, void *arg)
{
	struct gpu_match	*m = arg;
	struct mp_error		 e;
	size_t			 i, ndev = 0;
	uint64_t		 mib;

	if (!mp_hardware_load(path, &m->hw, &e))
		return true;
	for (i = 0; i < m->hw.n_dev; i++)
		ndev += m->hw.dev[i].count;
	for (i = 0; i < m->hw.n_dev; i++) {
		const struct mp_device *d = &m->hw.dev[i];

		mib = d->total >> 20;
		if (strcasecmp(card_name(d->name), card_name(m->name)) != 0 ||
		    mib * 10 < m->mib * 9 || mib * 10 > m->mib * 11)
			continue;
		if (m->best == 0 || ndev < m->best) {
			m->best = ndev;
			*m->dev = *d;
			snprintf(m->profile, m->len, "%s", name);
		}
		break;
	}
	return true;
}

bool
mp_detect_gpu_profile(const char *name, uint64_t mib, struct mp_device *dev,
    char *profile, size_t len)
{
	struct gpu_match	*m;
	struct mp_error		 e;
	bool			 found;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return false;
	m->name = name;
	m->mib = mib;
	m->dev = dev;
	m->profile = profile;
	m->len = len;
	mp_error_clear(&e);
	(void)mp_catalog_list("hardware", ".yaml", match_cb, m, &e);
	found = m->best > 0;
	free(m);
	return found;
}
