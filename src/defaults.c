/* defaults.c: the user's default machine, and detecting this one */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memplan.h"

#define MEMINFO		"/proc/meminfo"
#define NVSMI		"nvidia-smi"
#define NVSMI_ARGS	" --query-gpu=name,memory.total " \
			"--format=csv,noheader,nounits 2>/dev/null"
#define MAX_GPUS	64

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* path = a + b, false when it does not fit. */
static bool
join(char *path, size_t len, const char *a, const char *b)
{
	int n = snprintf(path, len, "%s%s", a, b);

	return n >= 0 && (size_t)n < len;
}

/*
 * $MEMPLAN_HARDWARE wins, as given (a path or a bundled name), so that a
 * broken or missing file is named by the loader's error rather than
 * silently skipped.  Then the XDG base directory: $XDG_CONFIG_HOME when
 * it is set to an absolute path (the specification says to ignore a
 * relative one), else ~/.config.
 */
bool
mp_hardware_default(char *path, size_t len)
{
	const char	*env, *xdg, *home;

	if (len == 0)
		return false;
	path[0] = '\0';
	if ((env = getenv("MEMPLAN_HARDWARE")) != NULL && *env != '\0') {
		if (join(path, len, env, ""))
			return true;
		path[0] = '\0';
		return false;
	}
	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && xdg[0] == '/') {
		if (join(path, len, xdg, "/memplan/hardware.yaml") &&
		    is_file(path))
			return true;
	} else if ((home = getenv("HOME")) != NULL && home[0] == '/') {
		if (join(path, len, home, "/.config/memplan/hardware.yaml") &&
		    is_file(path))
			return true;
	}
	path[0] = '\0';
	return false;
}

/* Appends one sentence (and a newline) to notes, truncating quietly. */
static void
note(char *notes, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
note(char *notes, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 used;

	if (notes == NULL || len == 0)
		return;
	used = strlen(notes);
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(notes + used, len - used, fmt, ap);
	va_end(ap);
	used = strlen(notes);
	if (used + 1 < len) {
		notes[used] = '\n';
		notes[used + 1] = '\0';
	}
}

/* strerror() is not thread-safe; the library must be (memplan.h). */
static const char *
errstr(int e, char *buf, size_t len)
{
	if (strerror_r(e, buf, len) != 0)
		snprintf(buf, len, "error %d", e);
	return buf;
}

/* A YAML double-quoted scalar: quotes, backslashes and controls escaped. */
static void
yaml_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

/*
 * "MemTotal:       32761236 kB": the kernel's kB are KiB.  Returns false
 * when the key is not there.
 */
static bool
meminfo_kib(const char *line, const char *key, uint64_t *kib)
{
	size_t		 kl = strlen(key);
	const char	*p;
	char		*end;
	unsigned long long v;

	if (strncmp(line, key, kl) != 0 || line[kl] != ':')
		return false;
	p = line + kl + 1;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (end == p || errno != 0)
		return false;
	*kib = v;
	return true;
}

/* The directory on PATH holding an executable prog, into out. */
static bool
on_path(const char *prog, char *out, size_t len)
{
	const char	*path = getenv("PATH"), *p, *colon;
	int		 n;

	if (path == NULL || *path == '\0')
		return false;
	for (p = path; ; p = colon + 1) {
		colon = strchr(p, ':');
		n = snprintf(out, len, "%.*s/%s",
		    (int)(colon ? (size_t)(colon - p) : strlen(p)), p, prog);
		if (n > 0 && (size_t)n < len && out[0] == '/' &&
		    access(out, X_OK) == 0 && is_file(out))
			return true;
		if (colon == NULL)
			return false;
	}
}

struct gpu {
	char		 name[96];
	uint64_t	 mib;
	uint32_t	 count;
};

/*
 * One line of nvidia-smi's CSV: "NVIDIA GeForce RTX 4090, 24564".  A
 * GPU name has no comma; the memory is MiB (nounits).
 */
static bool
gpu_line(char *line, struct gpu *g)
{
	char		*comma, *end, *name = line, *num;
	unsigned long long v;
	size_t		 n;

	line[strcspn(line, "\r\n")] = '\0';
	if ((comma = strrchr(line, ',')) == NULL)
		return false;
	*comma = '\0';
	while (*name == ' ')
		name++;
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		name[--n] = '\0';
	num = comma + 1;
	while (*num == ' ')
		num++;
	errno = 0;
	v = strtoull(num, &end, 10);
	while (*end == ' ')
		end++;
	if (n == 0 || end == num || *end != '\0' || errno != 0 || v == 0)
		return false;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->mib = v;
	g->count = 1;
	return true;
}

/*
 * The CPU's vector instruction set from the cpuinfo file beside meminfo
 * (/proc/cpuinfo): x86 "flags" avx512f or avx2, arm64 "Features" asimd.
 * NULL when the file is missing or names none of them.
 */
static const char *
cpu_isa(const char *meminfo)
{
	char		 path[1024], line[4096];
	const char	*slash = strrchr(meminfo, '/'), *isa = NULL;
	FILE		*fp;
	int		 n;

	n = snprintf(path, sizeof(path), "%.*scpuinfo",
	    slash != NULL ? (int)(slash - meminfo + 1) : 0, meminfo);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (fp = fopen(path, "r")) == NULL)
		return NULL;
	while (isa == NULL && fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "flags", 5) == 0) {
			if (strstr(line, " avx512f") != NULL)
				isa = "avx512";
			else if (strstr(line, " avx2") != NULL)
				isa = "avx2";
		} else if (strncmp(line, "Features", 8) == 0 &&
		    strstr(line, " asimd") != NULL)
			isa = "neon";
	}
	fclose(fp);
	return isa;
}

bool
mp_hardware_detect_from(FILE *fp, const char *meminfo, const char *gpu_cmd,
    char *notes, size_t notes_len, struct mp_error *err)
{
	FILE		*mf = NULL, *pp = NULL;
	char		 line[512], host[128], why[128];
	uint64_t	 ram = 0, swap = 0;
	bool		 has_ram = false, has_swap = false, ok = false;
	const char	*isa;
	struct gpu	 gpus[MAX_GPUS], g;
	size_t		 ngpus = 0, i, bad = 0;
	int		 st;

	if (notes != NULL && notes_len > 0)
		notes[0] = '\0';
	if ((mf = fopen(meminfo, "r")) == NULL) {
		mp_error_set(err, MP_EIO, meminfo, NULL,
		    "cannot read the host memory: %s", errstr(errno, why,
		    sizeof(why)));
		goto out;
	}
	while (fgets(line, sizeof(line), mf) != NULL) {
		if (meminfo_kib(line, "MemTotal", &ram))
			has_ram = true;
		else if (meminfo_kib(line, "SwapTotal", &swap))
			has_swap = true;
	}
	if (!has_ram || ram == 0) {
		mp_error_set(err, MP_EINPUT, meminfo, "MemTotal",
		    "expected a line \"MemTotal: N kB\"");
		goto out;
	}
	if (!has_swap)
		note(notes, notes_len, "swap: %s has no SwapTotal line, so swap "
		    "is left out of the profile", meminfo);

	if (gpu_cmd == NULL)
		note(notes, notes_len, "GPUs: nvidia-smi is not on PATH, so no "
		    "NVIDIA GPU was looked for; other accelerators (AMD, Intel, "
		    "Apple, NPUs) are never detected: add them under devices");
	else if ((pp = popen(gpu_cmd, "r")) == NULL)
		note(notes, notes_len, "GPUs: could not run nvidia-smi (%s)",
		    errstr(errno, why, sizeof(why)));
	else {
		while (fgets(line, sizeof(line), pp) != NULL) {
			if (!gpu_line(line, &g)) {
				if (line[strspn(line, " \r\n")] != '\0')
					bad++;
				continue;
			}
			/* Identical cards are one device with a count. */
			for (i = 0; i < ngpus; i++)
				if (strcmp(gpus[i].name, g.name) == 0 &&
				    gpus[i].mib == g.mib) {
					gpus[i].count++;
					break;
				}
			if (i == ngpus && ngpus < MAX_GPUS)
				gpus[ngpus++] = g;
		}
		st = pclose(pp);
		pp = NULL;
		if (st != 0) {
			note(notes, notes_len, "GPUs: nvidia-smi failed (status "
			    "%d), so no GPU is listed (no driver, or no "
			    "permission to query it?)", WIFEXITED(st) ?
			    WEXITSTATUS(st) : st);
			ngpus = 0;
		} else if (bad > 0)
			note(notes, notes_len, "GPUs: %zu line(s) of nvidia-smi "
			    "output were not \"name, MiB\" and were skipped",
			    bad);
		else if (ngpus == 0)
			note(notes, notes_len, "GPUs: nvidia-smi lists none");
	}
	if (ngpus > 0) {
		note(notes, notes_len, "GPUs: memory held by the display and "
		    "driver is not detected: set devices[].reserved");
		note(notes, notes_len, "GPUs: the compute capability is not "
		    "detected, so bf16, FP8 and flash attention are assumed "
		    "present: set devices[].compute_capability (nvidia-smi "
		    "--query-gpu=compute_cap)");
	}
	isa = cpu_isa(meminfo);
	if (isa == NULL)
		note(notes, notes_len, "cpu_isa: no cpuinfo beside %s, so the "
		    "CPU's instruction set is left out", meminfo);
	note(notes, notes_len, "os_reserve: what the OS and desktop keep is "
	    "not detected (0 is assumed): set os_reserve");
	note(notes, notes_len, "bandwidth is not detected (optional, for "
	    "speed hints)");

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this-machine");
	host[sizeof(host) - 1] = '\0';
	fputs("# memplan hardware profile of this machine, written by\n"
	    "# \"memplan hardware --detect\" from what Linux reports; see\n"
	    "# memplan-hardware(5).  Sizes are as the system gives them.\n",
	    fp);
	fputs("name: ", fp);
	yaml_str(fp, host);
	snprintf(line, sizeof(line), "detected from %s%s", meminfo,
	    ngpus > 0 ? " and nvidia-smi" : "");
	fputs("\ndescription: ", fp);
	yaml_str(fp, line);
	fputc('\n', fp);
	fprintf(fp, "ram: %" PRIu64 " KiB\n", ram);
	if (has_swap)
		fprintf(fp, "swap: %" PRIu64 " KiB\n", swap);
	if (isa != NULL)
		fprintf(fp, "cpu_isa: %s\n", isa);
	if (ngpus == 0)
		fputs("devices: []\n", fp);
	else
		fputs("devices:\n", fp);
	for (i = 0; i < ngpus; i++) {
		fputs("  - name: ", fp);
		yaml_str(fp, gpus[i].name);
		fprintf(fp, "\n    type: gpu\n    memory: %" PRIu64 " MiB\n"
		    "    count: %" PRIu32 "\n    unified: false\n"
		    "    backend: cuda\n", gpus[i].mib, gpus[i].count);
	}
	if (fflush(fp) != 0 || ferror(fp)) {
		mp_error_set(err, MP_EIO, NULL, NULL, "cannot write the profile");
		goto out;
	}
	ok = true;
out:
	if (pp != NULL)
		pclose(pp);
	if (mf != NULL)
		fclose(mf);
	return ok;
}

bool
mp_hardware_detect(FILE *fp, char *notes, size_t notes_len,
    struct mp_error *err)
{
	char dir[1024];

	/* Only a real nvidia-smi is run; its path is not guessed either. */
	if (!on_path(NVSMI, dir, sizeof(dir)))
		return mp_hardware_detect_from(fp, MEMINFO, NULL, notes,
		    notes_len, err);
	return mp_hardware_detect_from(fp, MEMINFO, NVSMI NVSMI_ARGS, notes,
	    notes_len, err);
}
