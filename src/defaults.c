/* defaults.c: the user's default machine, and detecting this one */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "fileio.h"
#include "internal.h"

#define MEMINFO		"/proc/meminfo"
#define NVSMI		"nvidia-smi"
/*
 * memory.reserved is what the driver and firmware keep of memory.total
 * (nvidia-smi --help-query-gpu); drivers that do not know the field
 * refuse the whole query, so the query without it follows.
 */
#define NVSMI_ARGS	" --query-gpu=name,memory.total,memory.reserved," \
			"compute_cap --format=csv,noheader,nounits"
#define NVSMI_ARGS_OLD	" --query-gpu=name,memory.total,compute_cap " \
			"--format=csv,noheader,nounits"
/* The loader's limits (memplan-hardware(5)): distinct devices, cards of
 * one kind, and a card's memory in MiB (16 TiB, far above any card). */
#define MAX_GPUS	MP_MAX_DEVICES
#define MAX_GPU_COUNT	1024
#define MAX_GPU_MIB	(16ull << 20)
/* nvidia-smi answers in well under a second once the driver is loaded;
 * a hung driver must not hang memplan. */
#define NVSMI_TIMEOUT_MS 10000
/* More output than any machine's GPU list. */
#define NVSMI_MAX_OUT	(64u << 10)

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
	char		 cc[8];		/* "8.9", "" when [N/A] */
	uint64_t	 res_mib;	/* memory.reserved */
	bool		 has_res;	/* ... given (not [N/A], not asked) */
	/* The bundled profile of the same card ("" = none) and its
	 * device, whose speed fields the detected profile takes. */
	char		 profile[96];
	struct mp_device spec;
};

/*
 * A compute capability as nvidia-smi prints it ("8.9", "12.0"): the
 * loader's range (memplan-hardware(5)), major 1 to 20, one digit minor.
 * "[N/A]" (a driver that cannot tell) is no capability, not an error.
 */
static bool
cc_field(const char *v, char *out, size_t len)
{
	unsigned long	 maj;
	char		*end;

	out[0] = '\0';
	if (strcmp(v, "[N/A]") == 0)
		return true;
	if (*v < '0' || *v > '9')
		return false;
	errno = 0;
	maj = strtoul(v, &end, 10);
	if (errno != 0 || maj == 0 || maj > 20 || end[0] != '.' ||
	    end[1] < '0' || end[1] > '9' || end[2] != '\0')
		return false;
	snprintf(out, len, "%lu.%c", maj, end[1]);
	return true;
}

/* memory.reserved in MiB ("[N/A]": not known); digits only. */
static bool
reserved_field(const char *v, struct gpu *g)
{
	unsigned long long	 r;
	char			*end;

	while (*v == ' ')
		v++;
	if (strcmp(v, "[N/A]") == 0)
		return true;
	if (*v < '0' || *v > '9')
		return false;
	errno = 0;
	r = strtoull(v, &end, 10);
	while (*end == ' ')
		end++;
	if (errno != 0 || *end != '\0' || r > MAX_GPU_MIB)
		return false;
	g->res_mib = r;
	g->has_res = true;
	return true;
}

/*
 * One line of nvidia-smi's CSV: "NVIDIA GeForce RTX 4090, 24564, 8.9",
 * or with the driver's reserve "NVIDIA GeForce RTX 4090, 24564, 346,
 * 8.9" (name, memory.total, memory.reserved, compute_cap).  A
 * GPU name has no comma; the memory is MiB (nounits); the compute
 * capability is range-checked (cc_field).
 */
static bool
gpu_line(char *line, struct gpu *g)
{
	char		*comma, *end, *name = line, *num, *cc;
	unsigned long long v;
	size_t		 n;

	line[strcspn(line, "\r\n")] = '\0';
	if ((comma = strrchr(line, ',')) == NULL)
		return false;
	*comma = '\0';
	cc = comma + 1;
	while (*cc == ' ')
		cc++;
	n = strlen(cc);
	while (n > 0 && cc[n - 1] == ' ')
		cc[--n] = '\0';
	if (!cc_field(cc, g->cc, sizeof(g->cc)))
		return false;
	if ((comma = strrchr(line, ',')) == NULL)
		return false;
	*comma = '\0';
	/* name, total, reserved, cc: the reserve before the capability */
	if (strchr(line, ',') != NULL) {
		if (!reserved_field(comma + 1, g))
			return false;
		comma = strrchr(line, ',');
		*comma = '\0';
	}
	while (*name == ' ')
		name++;
	n = strlen(name);
	while (n > 0 && name[n - 1] == ' ')
		name[--n] = '\0';
	num = comma + 1;
	while (*num == ' ')
		num++;
	/* strtoull takes "-5" as 2^64 - 5: digits only. */
	if (*num < '0' || *num > '9')
		return false;
	errno = 0;
	v = strtoull(num, &end, 10);
	while (*end == ' ')
		end++;
	if (n == 0 || n >= sizeof(g->name) || end == num || *end != '\0' ||
	    errno != 0 || v == 0 || v > MAX_GPU_MIB)
		return false;
	if (g->has_res && g->res_mib >= v)
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
	    (fp = mp_file_open(path, NULL, NULL)) == NULL)
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

/*
 * Runs cmd with /bin/sh, collecting at most NVSMI_MAX_OUT bytes of its
 * stdout into a malloc'd string.  A child still running after
 * NVSMI_TIMEOUT_MS is killed (its whole process group).  Returns -1 when
 * it could not be run, -2 on timeout, else its wait status.
 */
static int
run_child(const char *cmd, char **out)
{
	int		 fds[2], st = 0, r;
	pid_t		 pid;
	size_t		 len = 0;
	char		*buf;
	struct pollfd	 pfd;
	struct timespec	 t0, t1;
	long		 left;
	bool		 timed_out = false;

	*out = NULL;
	if ((buf = malloc(NVSMI_MAX_OUT + 1)) == NULL)
		return -1;
	if (pipe(fds) != 0) {
		free(buf);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		free(buf);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		(void)setpgid(0, 0);
		dup2(fds[1], STDOUT_FILENO);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	(void)setpgid(pid, pid);
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = NVSMI_TIMEOUT_MS - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0) {
			timed_out = true;
			break;
		}
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		if ((r = poll(&pfd, 1, (int)left)) < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (len == NVSMI_MAX_OUT)
			break;
		if ((r = (int)read(fds[0], buf + len, NVSMI_MAX_OUT - len)) <
		    0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	if (timed_out || len == NVSMI_MAX_OUT)
		(void)kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (timed_out) {
		free(buf);
		return -2;
	}
	buf[len] = '\0';
	*out = buf;
	return st;
}

/*
 * The host's speed fields: cpu_cores and cpu_tflops from the cpuinfo
 * beside meminfo and the cpufreq base clock under the sys folder beside
 * its folder (/proc/../sys); ram_bandwidth is never readable without
 * root, and said so.
 */
static void
cpu_facts(const char *meminfo, struct mp_cpu_facts *cpu, uint64_t *gflops,
    char *notes, size_t notes_len)
{
	static const char base[] = "../sys/devices/system/cpu/cpu0/cpufreq/"
	    "base_frequency";
	const char	*slash = strrchr(meminfo, '/');
	char		 ci[1024], bf[1024];
	int		 dl = slash != NULL ? (int)(slash - meminfo + 1) : 0;
	int		 n1, n2;

	*gflops = 0;
	n1 = snprintf(ci, sizeof(ci), "%.*scpuinfo", dl, meminfo);
	n2 = snprintf(bf, sizeof(bf), "%.*s%s", dl, meminfo, base);
	note(notes, notes_len, "ram_bandwidth: the memory's speed and "
	    "channels are only in the DMI tables (dmidecode, root only), so "
	    "it is left out and speed in host memory is not estimated: set "
	    "ram_bandwidth to channels x 8 bytes x MT/s (dual-channel "
	    "DDR5-5600: 89.6 GB/s)");
	if (n1 < 0 || (size_t)n1 >= sizeof(ci) || n2 < 0 ||
	    (size_t)n2 >= sizeof(bf) || !mp_detect_cpu(ci, bf, cpu) ||
	    cpu->cores == 0) {
		memset(cpu, 0, sizeof(*cpu));
		note(notes, notes_len, "cpu_cores, cpu_tflops: no cpuinfo "
		    "beside %s, so the CPU is left out: set cpu_cores to its "
		    "physical cores", meminfo);
		return;
	}
	if (cpu->hybrid) {
		note(notes, notes_len, "cpu_cores, cpu_tflops: a hybrid CPU "
		    "(P- and E-cores): llama.cpp's default threads are the "
		    "P-cores, which cpuinfo does not tell apart: set cpu_cores "
		    "to the P-cores and cpu_tflops to P-cores x 32 x base GHz "
		    "/ 1000 (AVX2)");
		return;
	}
	if (cpu->flop_cycle == 0)
		note(notes, notes_len, "cpu_tflops: no AVX2 with FMA in "
		    "cpuinfo's flags (an Arm CPU's NEON pipes are not listed), "
		    "so FLOP per cycle is not known: set cpu_tflops to cores x "
		    "FP32 FLOP/cycle x base GHz / 1000");
	else if (cpu->base_mhz == 0)
		note(notes, notes_len, "cpu_tflops: no base clock (cpufreq "
		    "base_frequency or \"@ N GHz\" in the model name), so it "
		    "is left out: set cpu_tflops to %" PRIu32 " cores x %"
		    PRIu32 " x base GHz / 1000", cpu->cores, cpu->flop_cycle);
	*gflops = mp_detect_cpu_gflops(cpu);
}

/* cpu_cores and cpu_tflops with how they were found, as comments. */
static void
write_cpu(FILE *out, const struct mp_cpu_facts *cpu, uint64_t gflops)
{
	if (cpu->cores == 0 || cpu->hybrid)
		return;
	fprintf(out, "# cpu_cores: physical cores in cpuinfo (SMT siblings "
	    "once), llama.cpp's default thread count\ncpu_cores: %" PRIu32
	    "\n", cpu->cores);
	if (gflops == 0)
		return;
	fprintf(out, "# cpu_tflops: %" PRIu32 " cores x %" PRIu32 " FP32 "
	    "FLOP/cycle (%s) x %" PRIu32 ".%03" PRIu32 " GHz base (%s)\n"
	    "cpu_tflops: %" PRIu64 ".%03" PRIu64 "\n", cpu->cores,
	    cpu->flop_cycle, cpu->simd, cpu->base_mhz / 1000,
	    cpu->base_mhz % 1000, cpu->clock_src, gflops / 1000,
	    gflops % 1000);
}

/* A GPU's speed fields, from the bundled profile of the same card. */
static void
write_gpu_speed(FILE *out, const struct gpu *g)
{
	const struct mp_device *d = &g->spec;

	fprintf(out, "    # bandwidth, tflops(_fp32_acc), pcie: from the "
	    "bundled profile %s (the same card and memory); a slower slot lowers "
	    "pcie\n", g->profile);
	if (d->bandwidth > 0)
		fprintf(out, "    bandwidth: %" PRIu64 " MB/s\n",
		    d->bandwidth / 1000000);
	if (d->flops > 0)
		fprintf(out, "    tflops: %" PRIu64 ".%03" PRIu64 "\n",
		    d->flops / UINT64_C(1000000000000),
		    d->flops / UINT64_C(1000000000) % 1000);
	if (d->flops_acc32 > 0)
		fprintf(out, "    tflops_fp32_acc: %" PRIu64 ".%03" PRIu64 "\n",
		    d->flops_acc32 / UINT64_C(1000000000000),
		    d->flops_acc32 / UINT64_C(1000000000) % 1000);
	if (d->pcie > 0)
		fprintf(out, "    pcie: %" PRIu64 " MB/s\n", d->pcie / 1000000);
	/* the CUDA context's stack reservation follows it (runtime.c) */
	if (d->sms > 0)
		fprintf(out, "    multiprocessors: %" PRIu32 "  # from the "
		    "bundled profile\n", d->sms);
}

bool
mp_hardware_detect_from(FILE *fp, const char *meminfo, const char *gpu_cmd,
    char *notes, size_t notes_len, struct mp_error *err)
{
	FILE		*mf = NULL, *pf = NULL, *out;
	char		 line[512], host[128], why[128], *gout = NULL;
	char		*ln, *save = NULL, *pbuf = NULL;
	size_t		 plen = 0, over = 0;
	struct mp_hardware *chk = NULL;
	uint64_t	 ram = 0, swap = 0;
	bool		 has_ram = false, has_swap = false, ok = false;
	const char	*isa;
	struct mp_cpu_facts cpu;
	uint64_t	 cpu_gflops = 0;
	struct gpu	 gpus[MAX_GPUS], g;
	size_t		 ngpus = 0, i, bad = 0;
	int		 st;

	if (notes != NULL && notes_len > 0)
		notes[0] = '\0';
	if ((mf = mp_file_open(meminfo, NULL, err)) == NULL)
		goto out;
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
	else if ((st = run_child(gpu_cmd, &gout)) == -1)
		note(notes, notes_len, "GPUs: could not run nvidia-smi (%s)",
		    errstr(errno, why, sizeof(why)));
	else if (st == -2)
		note(notes, notes_len, "GPUs: nvidia-smi did not answer within "
		    "%d s and was stopped, so no GPU is listed",
		    NVSMI_TIMEOUT_MS / 1000);
	else {
		for (ln = strtok_r(gout, "\n", &save); ln != NULL;
		    ln = strtok_r(NULL, "\n", &save)) {
			memset(&g, 0, sizeof(g));
			if (!gpu_line(ln, &g)) {
				if (ln[strspn(ln, " \r")] != '\0')
					bad++;
				continue;
			}
			/* Identical cards are one device with a count. */
			for (i = 0; i < ngpus; i++)
				if (strcmp(gpus[i].name, g.name) == 0 &&
				    gpus[i].mib == g.mib &&
				    strcmp(gpus[i].cc, g.cc) == 0) {
					if (gpus[i].count < MAX_GPU_COUNT)
						gpus[i].count++;
					else
						over++;
					/* one figure for all: the largest */
					if (g.has_res && (!gpus[i].has_res ||
					    g.res_mib > gpus[i].res_mib)) {
						gpus[i].res_mib = g.res_mib;
						gpus[i].has_res = true;
					}
					break;
				}
			if (i == ngpus) {
				if (ngpus < MAX_GPUS)
					gpus[ngpus++] = g;
				else
					over++;
			}
		}
		free(gout);
		gout = NULL;
		if (st != 0) {
			note(notes, notes_len, "GPUs: nvidia-smi failed (status "
			    "%d), so no GPU is listed (no driver, or no "
			    "permission to query it?)", WIFEXITED(st) ?
			    WEXITSTATUS(st) : st);
			ngpus = 0;
		} else if (bad > 0)
			note(notes, notes_len, "GPUs: %zu line(s) of nvidia-smi "
			    "output were not \"name, MiB, compute capability\" "
			    "(MiB from 1 to %llu, a capability like 8.9) and "
			    "were skipped", bad,
			    (unsigned long long)MAX_GPU_MIB);
		else if (ngpus == 0)
			note(notes, notes_len, "GPUs: nvidia-smi lists none");
		if (st == 0 && over > 0)
			note(notes, notes_len, "GPUs: %zu GPU(s) beyond what a "
			    "profile holds (%d kinds, %d of a kind) were left "
			    "out", over, MAX_GPUS, MAX_GPU_COUNT);
	}
	if (ngpus > 0) {
		for (i = 0; i < ngpus && gpus[i].has_res; i++)
			continue;
		if (i < ngpus)
			note(notes, notes_len, "GPUs: nvidia-smi gave no "
			    "memory.reserved for %s (a driver before the "
			    "field), so what the driver keeps is not "
			    "detected: set devices[].reserved", gpus[i].name);
		for (i = 0; i < ngpus; i++)
			if (gpus[i].cc[0] == '\0')
				break;
		if (i < ngpus)
			note(notes, notes_len, "GPUs: nvidia-smi gave no compute "
			    "capability for %s, so bf16, FP8 and flash attention "
			    "are assumed present: set "
			    "devices[].compute_capability", gpus[i].name);
	}
	isa = cpu_isa(meminfo);
	if (isa == NULL)
		note(notes, notes_len, "cpu_isa: no cpuinfo beside %s, so the "
		    "CPU's instruction set is left out", meminfo);
	note(notes, notes_len, "os_reserve: what the OS and desktop keep is "
	    "not detected (0 is assumed): set os_reserve");
	cpu_facts(meminfo, &cpu, &cpu_gflops, notes, notes_len);
	for (i = 0; i < ngpus; i++)
		if (!mp_detect_gpu_profile(gpus[i].name, gpus[i].mib,
		    &gpus[i].spec, gpus[i].profile, sizeof(gpus[i].profile)))
			note(notes, notes_len, "GPUs: no bundled profile has "
			    "a %s with %" PRIu64 " MiB, so its bandwidth and "
			    "tflops are left out (no speed estimate) and its "
			    "multiprocessor count too (nvidia-smi cannot report "
			    "it; torch.cuda.get_device_properties(i)."
			    "multi_processor_count does), so its CUDA context "
			    "is the H100's: set devices[].bandwidth, tflops "
			    "and multiprocessors from its datasheet",
			    gpus[i].name, gpus[i].mib);

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this-machine");
	host[sizeof(host) - 1] = '\0';
	/* The profile is written to memory first and read back by the
	 * loader: what --detect writes, memplan accepts. */
	if ((out = pf = open_memstream(&pbuf, &plen)) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	fputs("# memplan hardware profile of this machine, written by\n"
	    "# \"memplan hardware --detect\" from what Linux reports; see\n"
	    "# memplan-hardware(5).  Sizes are as the system gives them.\n",
	    out);
	fputs("name: ", out);
	yaml_str(out, host);
	snprintf(line, sizeof(line), "detected from %s%s", meminfo,
	    ngpus > 0 ? " and nvidia-smi" : "");
	fputs("\ndescription: ", out);
	yaml_str(out, line);
	fputc('\n', out);
	fprintf(out, "ram: %" PRIu64 " KiB\n", ram);
	if (has_swap)
		fprintf(out, "swap: %" PRIu64 " KiB\n", swap);
	if (isa != NULL)
		fprintf(out, "cpu_isa: %s\n", isa);
	write_cpu(out, &cpu, cpu_gflops);
	if (ngpus == 0)
		fputs("devices: []\n", out);
	else
		fputs("devices:\n", out);
	for (i = 0; i < ngpus; i++) {
		fputs("  - name: ", out);
		yaml_str(out, gpus[i].name);
		fprintf(out, "\n    type: gpu\n    memory: %" PRIu64 " MiB\n"
		    "    count: %" PRIu32 "\n    unified: false\n"
		    "    backend: cuda\n", gpus[i].mib, gpus[i].count);
		if (gpus[i].has_res)
			fprintf(out, "    reserved: %" PRIu64 " MiB  # "
			    "nvidia-smi memory.reserved\n", gpus[i].res_mib);
		if (gpus[i].cc[0] != '\0')
			fprintf(out, "    compute_capability: \"%s\"\n",
			    gpus[i].cc);
		if (gpus[i].profile[0] != '\0')
			write_gpu_speed(out, &gpus[i]);
	}
	if (fclose(pf) != 0) {
		pf = NULL;
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	pf = NULL;
	if ((chk = malloc(sizeof(*chk))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	if (!mp_hardware_parse(pbuf, plen, "detected profile", chk, err))
		goto out;
	if (fwrite(pbuf, 1, plen, fp) != plen || fflush(fp) != 0 ||
	    ferror(fp)) {
		mp_error_set(err, MP_EIO, NULL, NULL, "cannot write the profile");
		goto out;
	}
	ok = true;
out:
	if (pf != NULL)
		fclose(pf);
	free(pbuf);
	free(chk);
	free(gout);
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
	return mp_hardware_detect_from(fp, MEMINFO, NVSMI NVSMI_ARGS
	    " 2>/dev/null || " NVSMI NVSMI_ARGS_OLD, notes, notes_len, err);
}
