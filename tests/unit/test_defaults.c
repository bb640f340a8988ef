/* test_defaults.c: the default hardware profile and --detect */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static char tmpdir[256];

static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
mkdirs(const char *a, const char *b)
{
	char p[512];

	snprintf(p, sizeof(p), "%s%s", a, b);
	assert_int_equal(mkdir(p, 0700), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/memplan-defaults.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	unsetenv("MEMPLAN_HARDWARE");
	unsetenv("XDG_CONFIG_HOME");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_defaults_env_wins_even_when_missing(void **state)
{
	char path[512];

	(void)state;
	setenv("MEMPLAN_HARDWARE", "/nonexistent/hw.yaml", 1);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	assert_true(mp_hardware_default(path, sizeof(path)));
	/* Returned as given, so the loader's error names the file. */
	assert_string_equal(path, "/nonexistent/hw.yaml");
	setenv("MEMPLAN_HARDWARE", "rtx-4090", 1);	/* a bundled name */
	assert_true(mp_hardware_default(path, sizeof(path)));
	assert_string_equal(path, "rtx-4090");
	assert_false(mp_hardware_default(path, 5));	/* does not fit */
	unsetenv("MEMPLAN_HARDWARE");
}

static void
test_defaults_xdg_config_home(void **state)
{
	char path[512], want[512], home[512];

	(void)state;
	snprintf(home, sizeof(home), "%s/home", tmpdir);
	mkdirs(tmpdir, "/home");
	mkdirs(tmpdir, "/home/.config");
	mkdirs(tmpdir, "/home/.config/memplan");
	mkdirs(tmpdir, "/xdg");
	mkdirs(tmpdir, "/xdg/memplan");
	setenv("HOME", home, 1);

	/* XDG_CONFIG_HOME replaces ~/.config: no file there, no default. */
	snprintf(want, sizeof(want), "%s/home/.config/memplan/hardware.yaml",
	    tmpdir);
	put(want, "name: home\n");
	snprintf(path, sizeof(path), "%s/xdg", tmpdir);
	setenv("XDG_CONFIG_HOME", path, 1);
	assert_false(mp_hardware_default(path, sizeof(path)));
	assert_string_equal(path, "");

	snprintf(want, sizeof(want), "%s/xdg/memplan/hardware.yaml", tmpdir);
	put(want, "name: xdg\n");
	assert_true(mp_hardware_default(path, sizeof(path)));
	assert_string_equal(path, want);

	/* Unset or relative (invalid by the XDG spec): ~/.config. */
	snprintf(want, sizeof(want), "%s/home/.config/memplan/hardware.yaml",
	    tmpdir);
	unsetenv("XDG_CONFIG_HOME");
	assert_true(mp_hardware_default(path, sizeof(path)));
	assert_string_equal(path, want);
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	assert_true(mp_hardware_default(path, sizeof(path)));
	assert_string_equal(path, want);

	/* A directory named hardware.yaml is not a profile. */
	unlink(want);
	assert_int_equal(mkdir(want, 0700), 0);
	unsetenv("XDG_CONFIG_HOME");
	assert_false(mp_hardware_default(path, sizeof(path)));
}

/* Runs detect with a fake meminfo and GPU command into a file. */
static bool
detect(const char *meminfo_text, const char *gpu_cmd, char *yaml,
    char *notes, size_t nlen, struct mp_error *err)
{
	char	 mi[512];
	FILE	*fp;
	bool	 ok;

	snprintf(mi, sizeof(mi), "%s/meminfo", tmpdir);
	if (meminfo_text != NULL)
		put(mi, meminfo_text);
	snprintf(yaml, 512, "%s/detected.yaml", tmpdir);
	fp = fopen(yaml, "w");
	assert_non_null(fp);
	mp_error_clear(err);
	ok = mp_hardware_detect_from(fp, mi, gpu_cmd, notes, nlen, err);
	assert_int_equal(fclose(fp), 0);
	return ok;
}

static const char meminfo[] =
    "MemTotal:       65536000 kB\n"
    "MemFree:         1000000 kB\n"
    "SwapTotal:       8388608 kB\n"
    "SwapFree:        8388608 kB\n";

static void
test_detect_writes_a_profile_that_loads(void **state)
{
	char			 yaml[512], notes[1024];
	struct mp_error		 err;
	struct mp_hardware	 hw;

	(void)state;
	assert_true(detect(meminfo,
	    "printf 'NVIDIA GeForce RTX 4090, 24564, 8.9\\n"
	    "NVIDIA GeForce RTX 4090, 24564, 8.9\\n"
	    "NVIDIA A100-SXM4-80GB, 81920, 8.0\\n'",
	    yaml, notes, sizeof(notes), &err));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.ram, 65536000ULL * 1024);
	assert_int_equal(hw.swap, 8388608ULL * 1024);
	assert_int_equal(hw.n_dev, 2);
	assert_string_equal(hw.dev[0].name, "NVIDIA GeForce RTX 4090");
	assert_int_equal(hw.dev[0].memory, 24564ULL << 20);
	assert_int_equal(hw.dev[0].count, 2);
	assert_string_equal(hw.dev[0].type, "gpu");
	assert_false(hw.dev[0].unified);
	assert_int_equal(hw.dev[1].memory, 81920ULL << 20);
	assert_int_equal(hw.dev[1].count, 1);
	/* The compute capability is read, and decides the capabilities:
	 * FP8 cores on the 4090 (8.9), none on the A100 (8.0). */
	assert_int_equal(hw.dev[0].cc, 89);
	assert_int_equal(hw.dev[1].cc, 80);
	assert_true(hw.dev[0].fp8);
	assert_false(hw.dev[1].fp8);
	assert_null(strstr(notes, "no compute capability"));
	/* What was not detected is said, not guessed. */
	assert_non_null(strstr(notes, "reserved"));
	assert_non_null(strstr(notes, "bandwidth"));
	assert_null(strstr(notes, "nvidia-smi is not on PATH"));
}

/*
 * nvidia-smi's memory.reserved (the driver's and firmware's share of
 * memory.total) becomes devices[].reserved; a card of a bundled profile
 * takes its multiprocessors from it (nvidia-smi cannot report them).
 * What could not be detected is said, per card.
 */
static void
test_detect_reserve_and_multiprocessors(void **state)
{
	char			 yaml[512], notes[2048];
	struct mp_error		 err;
	struct mp_hardware	 hw;

	(void)state;
	assert_true(detect(meminfo,
	    "printf 'NVIDIA GeForce RTX 4090, 24564, 346, 8.9\\n"
	    "NVIDIA GeForce RTX 4090, 24564, 346, 8.9\\n'",
	    yaml, notes, sizeof(notes), &err));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.n_dev, 1);
	assert_int_equal(hw.dev[0].count, 2);
	assert_int_equal(hw.dev[0].memory, 24564ULL << 20);
	assert_int_equal(hw.dev[0].reserved, 346ULL << 20);
	assert_int_equal(hw.dev[0].sms, 128);
	assert_null(strstr(notes, "memory.reserved"));
	assert_null(strstr(notes, "multiprocessor"));
	/* an unknown card with [N/A]: both said, nothing guessed */
	assert_true(detect(meminfo,
	    "printf 'NVIDIA Nonesuch X1, 40000, [N/A], 8.6\\n'",
	    yaml, notes, sizeof(notes), &err));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.dev[0].reserved, 0);
	assert_int_equal(hw.dev[0].sms, 0);
	assert_non_null(strstr(notes, "no memory.reserved for NVIDIA "
	    "Nonesuch X1"));
	assert_non_null(strstr(notes, "multi_processor_count"));
	/* a reserve as large as the card is no reserve: the line is bad */
	assert_true(detect(meminfo,
	    "printf 'NVIDIA Nonesuch X1, 400, 400, 8.6\\n'",
	    yaml, notes, sizeof(notes), &err));
	assert_non_null(strstr(notes, "were skipped"));
}

static void
test_detect_without_nvidia_smi_says_so(void **state)
{
	char			 yaml[512], notes[1024];
	struct mp_error		 err;
	struct mp_hardware	 hw;

	(void)state;
	assert_true(detect("MemTotal: 16000000 kB\n", NULL, yaml, notes,
	    sizeof(notes), &err));
	assert_non_null(strstr(notes, "nvidia-smi is not on PATH"));
	assert_non_null(strstr(notes, "no SwapTotal"));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.ram, 16000000ULL * 1024);
	assert_int_equal(hw.n_dev, 0);
}

static void
test_detect_failing_or_odd_nvidia_smi(void **state)
{
	char			 yaml[512], notes[1024];
	struct mp_error		 err;
	struct mp_hardware	 hw;

	(void)state;
	/* A driver that is not loaded: nvidia-smi prints and exits 9. */
	assert_true(detect(meminfo, "echo 'NVIDIA-SMI has failed'; exit 9",
	    yaml, notes, sizeof(notes), &err));
	assert_non_null(strstr(notes, "nvidia-smi failed (status 9)"));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.n_dev, 0);

	assert_true(detect(meminfo, "printf 'Tesla T4, 15360, 7.5\\n[N/A]\\n'",
	    yaml, notes, sizeof(notes), &err));
	assert_non_null(strstr(notes, "1 line(s)"));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.n_dev, 1);
	assert_int_equal(hw.dev[0].memory, 15360ULL << 20);
	assert_int_equal(hw.dev[0].cc, 75);
	assert_false(hw.dev[0].bf16);

	/* A quote in a GPU name stays inside the YAML string. */
	assert_true(detect(meminfo, "printf 'Odd \"GPU\" \\\\x, 1024, 8.6\\n'",
	    yaml, notes, sizeof(notes), &err));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_string_equal(hw.dev[0].name, "Odd \"GPU\" \\x");
}

/* The compute capability nvidia-smi prints is range-checked: a line with
 * an impossible one is skipped and said; [N/A] loads without one, and
 * the note says what was assumed instead. */
static void
test_detect_compute_capability(void **state)
{
	char			 yaml[512], notes[1024];
	struct mp_error		 err;
	struct mp_hardware	 hw;

	(void)state;
	assert_true(detect(meminfo, "printf 'A, 1024, 25.0\nB, 1024, 8.x\n"
	    "C, 1024, -1.0\nD, 1024, 8.10\nE, 1024\nF, 2048, 12.0\n'",
	    yaml, notes, sizeof(notes), &err));
	assert_non_null(strstr(notes, "5 line(s)"));
	assert_non_null(strstr(notes, "compute capability"));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.n_dev, 1);
	assert_string_equal(hw.dev[0].name, "F");
	assert_int_equal(hw.dev[0].cc, 120);

	assert_true(detect(meminfo, "printf 'Old GPU, 8192, [N/A]\n'", yaml,
	    notes, sizeof(notes), &err));
	assert_non_null(strstr(notes, "no compute capability for Old GPU"));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.n_dev, 1);
	assert_int_equal(hw.dev[0].cc, 0);
}

/* Issue 15: numbers from nvidia-smi are range-checked, its devices are
 * capped at what the loader takes, and a hung nvidia-smi is stopped. */
static void
test_detect_nvidia_smi_out_of_range(void **state)
{
	char			 yaml[512], notes[1024];
	struct mp_error		 err;
	struct mp_hardware	 hw;
	struct timespec		 t0, t1;

	(void)state;
	/* "-5" is not 2^64 - 5 MiB; 2^40 MiB is no card. */
	assert_true(detect(meminfo, "printf 'Bad, -5, 8.9\nHuge, 1099511627776, "
	    "8.9\nTesla T4, 15360, 7.5\n'", yaml, notes, sizeof(notes), &err));
	assert_non_null(strstr(notes, "2 line(s)"));
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_hardware_load(yaml, &hw, &err));
	assert_int_equal(hw.n_dev, 1);
	assert_int_equal(hw.dev[0].memory, 15360ULL << 20);

	/* 20 kinds of GPU: the profile holds MP_MAX_DEVICES, and loads. */
	assert_true(detect(meminfo, "i=0; while [ $i -lt 20 ]; do "
	    "echo \"GPU $i, 1024, 8.9\"; i=$((i+1)); done", yaml, notes,
	    sizeof(notes), &err));
	assert_non_null(strstr(notes, "4 GPU(s) beyond"));
	memset(&hw, 0, sizeof(hw));
	if (!mp_hardware_load(yaml, &hw, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(hw.n_dev, MP_MAX_DEVICES);

	/* A hung nvidia-smi is stopped after its time limit (10 s). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(detect(meminfo, "sleep 60", yaml, notes, sizeof(notes),
	    &err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(notes, "did not answer"));
	assert_true(t1.tv_sec - t0.tv_sec < 30);
}

/* A fake /proc beside a fake /sys under tmpdir: meminfo, cpuinfo, and
 * cpufreq's base clock when base_khz is given. */
static bool
detect_proc(const char *cpuinfo, const char *base_khz, const char *gpu_cmd,
    struct mp_hardware *hw, char *yaml_text, size_t ylen, char *notes,
    size_t nlen)
{
	char		 p[1024], yaml[512];
	struct mp_error	 err;
	FILE		*fp;
	size_t		 n;
	bool		 ok;

	snprintf(p, sizeof(p), "rm -rf '%s/proc' '%s/sys'", tmpdir, tmpdir);
	assert_int_equal(system(p), 0);
	mkdirs(tmpdir, "/proc");
	snprintf(p, sizeof(p), "%s/proc/meminfo", tmpdir);
	put(p, meminfo);
	snprintf(p, sizeof(p), "%s/proc/cpuinfo", tmpdir);
	if (cpuinfo != NULL)
		put(p, cpuinfo);
	if (base_khz != NULL) {
		mkdirs(tmpdir, "/sys");
		mkdirs(tmpdir, "/sys/devices");
		mkdirs(tmpdir, "/sys/devices/system");
		mkdirs(tmpdir, "/sys/devices/system/cpu");
		mkdirs(tmpdir, "/sys/devices/system/cpu/cpu0");
		mkdirs(tmpdir, "/sys/devices/system/cpu/cpu0/cpufreq");
		snprintf(p, sizeof(p), "%s/sys/devices/system/cpu/cpu0/"
		    "cpufreq/base_frequency", tmpdir);
		put(p, base_khz);
	}
	snprintf(p, sizeof(p), "%s/proc/meminfo", tmpdir);
	snprintf(yaml, sizeof(yaml), "%s/detected.yaml", tmpdir);
	fp = fopen(yaml, "w+");
	assert_non_null(fp);
	mp_error_clear(&err);
	ok = mp_hardware_detect_from(fp, p, gpu_cmd, notes, nlen, &err);
	rewind(fp);
	n = fread(yaml_text, 1, ylen - 1, fp);
	yaml_text[n] = '\0';
	assert_int_equal(fclose(fp), 0);
	if (!ok)
		return false;
	memset(hw, 0, sizeof(*hw));
	if (!mp_hardware_load(yaml, hw, &err))
		fail_msg("%s", err.msg);
	return true;
}

/* Two sockets of two cores with two threads each: 4 physical cores. */
#define CPUINFO_X86 \
    "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n" \
    "model name\t: %s\nflags\t\t: fpu sse2 avx fma avx2 %s\n\n" \
    "processor\t: 1\nphysical id\t: 0\ncore id\t\t: 1\n\n" \
    "processor\t: 2\nphysical id\t: 1\ncore id\t\t: 0\n\n" \
    "processor\t: 3\nphysical id\t: 1\ncore id\t\t: 1\n\n" \
    "processor\t: 4\nphysical id\t: 0\ncore id\t\t: 0\n\n" \
    "processor\t: 5\nphysical id\t: 0\ncore id\t\t: 1\n\n" \
    "processor\t: 6\nphysical id\t: 1\ncore id\t\t: 0\n\n" \
    "processor\t: 7\nphysical id\t: 1\ncore id\t\t: 1\n"

/*
 * Issue 16: the speed fields --detect can derive.  cpu_cores counts
 * physical cores (SMT siblings once); cpu_tflops is cores x 32 x the
 * base clock from cpufreq or the model name; a GPU takes bandwidth,
 * tflops and pcie from the bundled profile of the same card and memory,
 * and a card no profile has is said; ram_bandwidth is always said.
 */
static void
test_detect_speed_fields(void **state)
{
	char			 ci[2048], text[8192], notes[4096];
	struct mp_hardware	 hw;

	(void)state;
	snprintf(ci, sizeof(ci), CPUINFO_X86, "AMD Ryzen 7 5700X", "");
	assert_true(detect_proc(ci, "3400000\n",
	    "printf 'Tesla T4, 15360, 7.5\\nNVIDIA GeForce RTX 4090, 24564, "
	    "8.9\\nNVIDIA GeForce RTX 3060, 8192, 8.6\\n'", &hw, text,
	    sizeof(text), notes, sizeof(notes)));
	assert_int_equal(hw.cpu_cores, 4);
	/* 4 cores x 32 FLOP/cycle x 3.4 GHz = 0.435 TFLOPS (3 decimals). */
	assert_int_equal(hw.cpu_flops, 435000000000ULL);
	assert_non_null(strstr(text, "3.400 GHz base (cpufreq base_frequency)"));
	assert_int_equal(hw.ram_bandwidth, 0);
	assert_non_null(strstr(notes, "ram_bandwidth: "));
	assert_int_equal(hw.n_dev, 3);
	/* "Tesla T4" is the bundled t4's "NVIDIA T4". */
	assert_int_equal(hw.dev[0].bandwidth, 320000000000ULL);
	assert_int_equal(hw.dev[0].flops, 65000000000000ULL);
	assert_int_equal(hw.dev[0].pcie, 15750000000ULL);
	assert_non_null(strstr(text, "from the bundled profile t4 "));
	/* The one-card profile is named, not 2x-rtx-4090. */
	assert_int_equal(hw.dev[1].bandwidth, 1008000000000ULL);
	assert_int_equal(hw.dev[1].flops, 330300000000000ULL);
	/* The FP32-accumulate rate comes with it; the T4 states one rate. */
	assert_int_equal(hw.dev[1].flops_acc32, 165200000000000ULL);
	assert_int_equal(hw.dev[0].flops_acc32, 0);
	assert_non_null(strstr(text, "from the bundled profile rtx-4090 "));
	/* The 8 GB RTX 3060 (128-bit bus) is not the bundled 12 GB one. */
	assert_int_equal(hw.dev[2].bandwidth, 0);
	assert_int_equal(hw.dev[2].flops, 0);
	assert_non_null(strstr(notes, "no bundled profile has a NVIDIA "
	    "GeForce RTX 3060 with 8192 MiB"));

	/* The clock in an Intel model name, when cpufreq has none. */
	snprintf(ci, sizeof(ci), CPUINFO_X86,
	    "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "avx512f");
	assert_true(detect_proc(ci, NULL, NULL, &hw, text, sizeof(text),
	    notes, sizeof(notes)));
	assert_int_equal(hw.cpu_cores, 4);
	assert_int_equal(hw.cpu_flops, 320000000000ULL);
	assert_non_null(strstr(text, "(the model name)"));

	/* No clock anywhere: cores, and what to put for the FLOPS. */
	snprintf(ci, sizeof(ci), CPUINFO_X86, "Intel(R) Xeon(R) Processor",
	    "");
	assert_true(detect_proc(ci, NULL, NULL, &hw, text, sizeof(text),
	    notes, sizeof(notes)));
	assert_int_equal(hw.cpu_cores, 4);
	assert_int_equal(hw.cpu_flops, 0);
	assert_non_null(strstr(notes, "4 cores x 32 x base GHz"));

	/* A hybrid CPU: llama.cpp uses its P-cores, cpuinfo cannot tell. */
	snprintf(ci, sizeof(ci), CPUINFO_X86,
	    "13th Gen Intel(R) Core(TM) i7-13700H", "hybrid_cpu");
	assert_true(detect_proc(ci, "2400000\n", NULL, &hw, text,
	    sizeof(text), notes, sizeof(notes)));
	assert_int_equal(hw.cpu_cores, 0);
	assert_int_equal(hw.cpu_flops, 0);
	assert_non_null(strstr(notes, "hybrid"));

	/* Arm: no core ids (no SMT), NEON pipes not listed. */
	assert_true(detect_proc("processor\t: 0\nFeatures\t: fp asimd\n\n"
	    "processor\t: 1\nFeatures\t: fp asimd\n\nprocessor\t: 2\n\n"
	    "processor\t: 3\n", "2000000\n", NULL, &hw, text, sizeof(text),
	    notes, sizeof(notes)));
	assert_int_equal(hw.cpu_cores, 4);
	assert_int_equal(hw.cpu_flops, 0);
	assert_non_null(strstr(notes, "FLOP per cycle is not known"));

	/* No cpuinfo: both left out and said. */
	assert_true(detect_proc(NULL, NULL, NULL, &hw, text, sizeof(text),
	    notes, sizeof(notes)));
	assert_int_equal(hw.cpu_cores, 0);
	assert_non_null(strstr(notes, "set cpu_cores"));
}

static void
test_detect_bad_meminfo_is_an_error(void **state)
{
	char		 yaml[512], notes[256], mi[512];
	struct mp_error	 err;

	(void)state;
	snprintf(mi, sizeof(mi), "%s/meminfo", tmpdir);
	unlink(mi);
	assert_false(detect(NULL, NULL, yaml, notes, sizeof(notes), &err));
	assert_int_equal(err.status, MP_EIO);
	assert_string_equal(err.file, mi);

	assert_false(detect("MemFree: 12 kB\n", NULL, yaml, notes,
	    sizeof(notes), &err));
	assert_int_equal(err.status, MP_EINPUT);
	assert_string_equal(err.field, "MemTotal");
}

static void
test_detect_this_machine(void **state)
{
	char		 notes[1024], *buf = NULL;
	size_t		 len = 0;
	FILE		*fp;
	struct mp_error	 err;

	(void)state;
	if (access("/proc/meminfo", R_OK) != 0)
		skip();
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	mp_error_clear(&err);
	assert_true(mp_hardware_detect(fp, notes, sizeof(notes), &err));
	fclose(fp);
	assert_non_null(strstr(buf, "\nram: "));
	assert_non_null(strstr(buf, "\ndevices:"));
	assert_true(strlen(notes) > 0);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_defaults_env_wins_even_when_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_xdg_config_home,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_writes_a_profile_that_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_reserve_and_multiprocessors, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_without_nvidia_smi_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_failing_or_odd_nvidia_smi, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_nvidia_smi_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_compute_capability, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_speed_fields,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_detect_bad_meminfo_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_this_machine,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
