/* test_hardware.c: hardware profiles, their errors, and the judge */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define GiB	(1ULL << 30)
#define MiB	(1ULL << 20)

/* Writes text to p.yaml in a fresh temporary folder. */
static void
write_tmp(const char *text, char *path, size_t len)
{
	char	 dir[] = "/tmp/mp_hw_XXXXXX";
	FILE	*fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, len, "%s/p.yaml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
remove_tmp(const char *path)
{
	char	 dir[64];

	unlink(path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(path, '/') - path),
	    path);
	rmdir(dir);
}

/* Loads text as a profile; returns whether it loaded. */
static bool
load_text(const char *text, struct mp_hardware *hw, struct mp_error *err)
{
	char	 path[64];
	bool	 ok;

	write_tmp(text, path, sizeof(path));
	mp_error_clear(err);
	ok = mp_hardware_load(path, hw, err);
	remove_tmp(path);
	return ok;
}

static void
expect_error(const char *text, uint32_t line, uint32_t col,
    const char *field, const char *msg_part)
{
	struct mp_hardware	 hw;
	struct mp_error		 err;

	assert_false(load_text(text, &hw, &err));
	assert_int_equal(err.status, MP_EINPUT);
	if (line != 0) {
		assert_int_equal(err.line, line);
		assert_int_equal(err.col, col);
	}
	if (field != NULL)
		assert_string_equal(err.field, field);
	if (strstr(err.msg, msg_part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
}

struct count {
	size_t	 n, bad;
};

static bool
count_cb(const char *name, const char *path, void *arg)
{
	struct count		*c = arg;
	struct mp_hardware	 hw;
	struct mp_error		 e;

	(void)path;
	mp_error_clear(&e);
	c->n++;
	if (!mp_hardware_load(name, &hw, &e)) {
		c->bad++;
		print_error("%s: %s: %s\n", name, e.field, e.msg);
	} else {
		const struct mp_device *d = mp_hardware_primary(&hw);

		assert_string_equal(hw.name, name);
		/* Where models run in host memory (no accelerator, or one
		 * sharing it), the speed of a CPU run needs the host's
		 * bandwidth and FLOPS: no bundled profile leaves them out. */
		if (d == NULL || d->unified) {
			if (hw.ram_bandwidth == 0 || hw.cpu_flops == 0)
				print_error("%s: ram_bandwidth or cpu_tflops "
				    "missing\n", name);
			c->bad += hw.ram_bandwidth == 0 || hw.cpu_flops == 0;
		}
	}
	return true;
}

static void
test_hardware_every_bundled_profile_loads(void **state)
{
	struct count	 c = { 0, 0 };
	struct mp_error	 e;

	(void)state;
	mp_error_clear(&e);
	assert_true(mp_catalog_list("hardware", ".yaml", count_cb, &c, &e));
	assert_true(c.n >= 35);
	assert_int_equal(c.bad, 0);
}

static void
test_hardware_bundled_figures(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;
	const struct mp_device	*d;

	(void)state;
	mp_error_clear(&e);
	assert_true(mp_hardware_load("rtx-4090", &hw, &e));
	d = mp_hardware_primary(&hw);
	assert_non_null(d);
	assert_int_equal(d->memory, 24 * GiB);
	/* nvidia-smi's 24564 MiB less the driver's 459 MiB reserve. */
	assert_int_equal(d->total, 24564 * MiB);
	assert_int_equal(mp_device_usable(d, &hw), (24564 - 459) * MiB);
	/* The CUDA context's stack reservation: 128 SMs x 1536 threads
	 * (compute capability 8.9) x 1 KiB. */
	assert_int_equal(d->sms, 128);
	assert_int_equal(mp_cuda_stack_reserve(d), 128ULL * 1536 * 1024);
	assert_int_equal(d->bandwidth, 1008000000000ULL);
	/* Speed fields: 330.3 TFLOPS read exactly, rates in bytes/s. */
	assert_int_equal(d->flops, 330300000000000ULL);
	assert_int_equal(d->pcie, 31500000000ULL);
	assert_int_equal(hw.ram_bandwidth, 89600000000ULL);
	assert_int_equal(hw.cpu_cores, 16);
	/* H100: nvidia-smi's 81559 MiB of 80 GiB, of which a process sees
	 * 81009 MiB (PyTorch's 79.11 GiB). */
	assert_true(mp_hardware_load("h100-80gb", &hw, &e));
	d = mp_hardware_primary(&hw);
	assert_int_equal(mp_device_usable(d, &hw), 81009 * MiB);
	/* Its stack reservation is the one the context was measured with:
	 * the H100 context is the measured 648,871,936 bytes. */
	assert_int_equal(mp_cuda_stack_reserve(d), 132ULL * 2048 * 1024);
	{
		struct mp_scenario sc;

		memset(&sc, 0, sizeof(sc));
		assert_int_equal(mp_cuda_context(&sc), 648871936ULL);
		sc.cuda_stack = mp_cuda_stack_reserve(d);
		assert_int_equal(mp_cuda_context(&sc), 648871936ULL);
		/* A T4 (40 SMs x 1024 threads) holds 224 MiB less. */
		sc.cuda_stack = 40ULL * 1024 * 1024;
		assert_int_equal(mp_cuda_context(&sc), 648871936ULL -
		    132ULL * 2048 * 1024 + 40ULL * 1024 * 1024);
	}
	assert_true(mp_hardware_load("8x-h100-80gb", &hw, &e));
	assert_int_equal(mp_hardware_primary(&hw)->count, 8);
	assert_true(mp_hardware_load("workstation-64gb", &hw, &e));
	assert_null(mp_hardware_primary(&hw));
	assert_int_equal(hw.ram, 64 * GiB);
}

static void
test_hardware_macos_wired_limit(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;
	const struct mp_device	*d;

	(void)state;
	/* Three quarters above 36 GB, two thirds at or below. */
	assert_int_equal(mp_hardware_macos_limit(64 * GiB), 48 * GiB);
	assert_int_equal(mp_hardware_macos_limit(16 * GiB), 16 * GiB / 3 * 2);
	mp_error_clear(&e);
	assert_true(mp_hardware_load("m1-max-64gb", &hw, &e));
	d = mp_hardware_primary(&hw);
	assert_true(d->unified);
	assert_int_equal(mp_device_usable(d, &hw), 48 * GiB);
	/* A raised iogpu.wired_limit_mb replaces the default. */
	assert_true(load_text("os: macos\nram: 64 GiB\ndevices:\n"
	    "  - type: gpu\n    memory: 64 GiB\n    unified: true\n"
	    "    wired_limit: 56 GiB\n", &hw, &e));
	assert_int_equal(mp_device_usable(&hw.dev[0], &hw), 56 * GiB);
	/* On Linux no such limit applies. */
	assert_true(load_text("ram: 32 GiB\ndevices:\n  - type: igpu\n"
	    "    memory: 16 GiB\n", &hw, &e));
	assert_true(hw.dev[0].unified);
	assert_int_equal(mp_device_usable(&hw.dev[0], &hw), 16 * GiB);
}

static void
test_hardware_sizes_gb_is_not_gib(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;

	(void)state;
	assert_true(load_text("name: t\nram: 64GB\nswap: 8 GiB\ndevices:\n"
	    "  - name: card\n    type: gpu\n    memory: 80000 MiB\n"
	    "    reserved: 0.5 GiB\n    count: 2\n", &hw, &e));
	assert_int_equal(hw.ram, 64000000000ULL);
	assert_int_equal(hw.swap, 8 * GiB);
	assert_int_equal(hw.dev[0].memory, 80000 * MiB);
	assert_int_equal(hw.dev[0].reserved, 512 * MiB);
	assert_int_equal(hw.dev[0].count, 2);
	assert_false(hw.dev[0].unified);
	assert_string_equal(hw.name, "t");
}

static void
test_hardware_unknown_key_names_closest(void **state)
{
	(void)state;
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memroy: 24 GiB\n", 4, 5, "devices[0].memroy",
	    "did you mean \"memory\"");
	expect_error("ram: 64 GiB\ncolour: red\n", 2, 1, "colour",
	    "expected one of: name, description");
	expect_error("rma: 64 GiB\n", 1, 1, "rma", "did you mean \"ram\"");
}

static void
test_hardware_rejects_bad_values(void **state)
{
	(void)state;
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 24 GiB\n    reserved: 25 GiB\n", 5, 15,
	    "devices[0].reserved", "not below memory");
	expect_error("ram: 0 GiB\n", 1, 6, "ram", "above zero");
	expect_error("ram: -4 GiB\n", 1, 6, "ram", "expected a size");
	expect_error("ram: 24 Gb\n", 1, 6, "ram", "expected a size");
	expect_error("ram: 64\n", 1, 6, "ram", "write a unit");
	expect_error("ram: [1, 2]\n", 1, 6, "ram", "single value");
	expect_error("ram: 64 GiB\ndevices:\n  - type: tpu\n", 3, 11,
	    "devices[0].type", "gpu, igpu, npu or cpu");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n", 3, 5,
	    "devices[0].memory", "missing");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 8 GiB\n    count: 0\n", 5, 12, "devices[0].count",
	    "from 1");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 8 GiB\n    bandwidth: 300 GB\n", 5, 16,
	    "devices[0].bandwidth", "rate");
	expect_error("ram: 16 GiB\ndevices:\n  - type: igpu\n"
	    "    memory: 32 GiB\n", 4, 13, "devices[0].memory",
	    "more memory than ram");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 8 GiB\n    tflops: fast\n", 5, 13,
	    "devices[0].tflops", "TFLOPS");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 8 GiB\n    tflops: 1.2345\n", 5, 13,
	    "devices[0].tflops", "3 decimals");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 8 GiB\n    tflops: 0\n", 5, 13,
	    "devices[0].tflops", "above 0");
	expect_error("ram: 64 GiB\ndevices:\n  - type: gpu\n"
	    "    memory: 8 GiB\n    pcie: 32 GB\n", 5, 11,
	    "devices[0].pcie", "rate");
	expect_error("ram: 64 GiB\nram_bandwidth: 80\n", 2, 16,
	    "ram_bandwidth", "rate");
	expect_error("ram: 64 GiB\ncpu_cores: 0\n", 2, 12, "cpu_cores",
	    "from 1");
	expect_error("name: x\n", 1, 1, "ram", "missing");
	expect_error("ram: 1 GiB\nram: 2 GiB\n", 2, 1, "ram", "twice");
	expect_error("ram: 64 GiB\ndevices: 3\n", 2, 10, "devices",
	    "expected a list");
}

static void
test_hardware_rejects_bad_yaml(void **state)
{
	(void)state;
	/* Not YAML: an unclosed flow sequence, a tab, an alias bomb. */
	expect_error("ram: [1, 2\n", 2, 1, NULL, "not valid YAML");
	expect_error("\tram: 4 GiB\n", 1, 1, NULL, "not valid YAML");
	expect_error("a: &a [1, 2]\nb: [*a, *a]\nram: 1 GiB\n", 2, 5, NULL,
	    "aliases");
	expect_error("", 1, 1, NULL, "empty");
	expect_error("- 1\n- 2\n", 1, 1, NULL, "mapping");
}

static void
test_hardware_unknown_name_suggests(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;

	(void)state;
	mp_error_clear(&e);
	assert_false(mp_hardware_load("rtx4090", &hw, &e));
	assert_non_null(strstr(e.msg, "did you mean \"rtx-4090\""));
	assert_false(mp_hardware_load("/nonexistent/x.yaml", &hw, &e));
	assert_int_equal(e.status, MP_EIO);
}

/* An estimate with only the fields the judge reads. */
static void
fake(struct mp_estimate *est, uint64_t dev, uint64_t host, bool on_host)
{
	memset(est, 0, sizeof(*est));
	mp_scenario_init(&est->sc);
	est->device_total = dev;
	est->host_total = host;
	est->mem.total = on_host ? host : dev;
	est->on_host = on_host;
}

static void
test_hardware_judge_device(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;
	struct mp_estimate	 est;
	uint64_t		 cap;
	bool			 fits;
	int64_t			 head;
	struct mp_judgement	 j;

	(void)state;
	mp_error_clear(&e);
	assert_true(mp_hardware_load("rtx-4090", &hw, &e));
	fake(&est, 20 * GiB, 0, false);
	mp_hardware_judge(&hw, &est, &cap, &fits, &head);
	assert_int_equal(cap, (24564 - 459) * MiB);
	assert_true(fits);
	assert_int_equal(head, (int64_t)((24564 - 459) * MiB - 20 * GiB));
	/* Exactly at capacity fits; one byte more does not. */
	fake(&est, (24564 - 459) * MiB, 0, false);
	mp_hardware_judge(&hw, &est, &cap, &fits, &head);
	assert_true(fits);
	assert_int_equal(head, 0);
	fake(&est, (24564 - 459) * MiB + 1, 0, false);
	mp_hardware_judge(&hw, &est, &cap, &fits, &head);
	assert_false(fits);
	assert_int_equal(head, -1);
	/* llama.cpp layers on the host must fit in RAM too. */
	fake(&est, 10 * GiB, 70 * GiB, false);
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.fits);
	assert_true(j.host_short);
}

/* nodes: several identical machines; 1 when not said; 0 is refused. */
static void
test_hardware_nodes(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 err;
	static const char	 two[] = "name: two-boxes\nram: 64 GiB\n"
	    "nodes: 2\ndevices:\n  - name: G\n    type: gpu\n"
	    "    memory: 80 GiB\n    count: 8\n";

	(void)state;
	assert_true(load_text(two, &hw, &err));
	assert_int_equal(hw.nodes, 2);
	assert_int_equal(hw.dev[0].count, 8);
	assert_true(load_text("name: one\nram: 64 GiB\n", &hw, &err));
	assert_int_equal(hw.nodes, 1);
	assert_false(load_text("name: none\nram: 64 GiB\nnodes: 0\n", &hw,
	    &err));
	assert_string_equal(err.field, "nodes");
}

/*
 * disk: a node's NVMe, a size (not zero, not a word); the bundled DGX
 * H100 states its 8 x 3.84 TB data cache.  ZeRO-Infinity's NVMe bytes
 * are judged against it: over it nothing fits though every GPU and the
 * host do; without it they are not judged.
 */
static void
test_hardware_disk(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 err;
	struct mp_estimate	 est;
	struct mp_judgement	 j;
	static const char	 node[] = "name: box\nram: 64 GiB\n"
	    "disk: 1 TB\ndevices:\n  - name: G\n    type: gpu\n"
	    "    memory: 80 GiB\n    count: 2\n";

	(void)state;
	assert_true(load_text(node, &hw, &err));
	assert_int_equal(hw.disk, 1000000000000ULL);
	assert_true(load_text("name: one\nram: 64 GiB\n", &hw, &err));
	assert_int_equal(hw.disk, 0);
	assert_false(load_text("name: z\nram: 64 GiB\ndisk: 0\n", &hw,
	    &err));
	assert_string_equal(err.field, "disk");
	assert_false(load_text("name: z\nram: 64 GiB\ndisk: fast\n", &hw,
	    &err));
	assert_string_equal(err.field, "disk");
	mp_error_clear(&err);
	assert_true(mp_hardware_load("8x-h100-80gb", &hw, &err));
	assert_int_equal(hw.disk, 8ULL * 3840000000000ULL);

	assert_true(load_text(node, &hw, &err));
	fake(&est, 20 * GiB, 10 * GiB, false);
	est.sc.gpus = 2;
	est.disk_total = 900000000000ULL;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_true(j.disk.judged);
	assert_true(j.disk.fits);
	assert_int_equal(j.disk.headroom, 100000000000LL);
	assert_true(j.fits);
	est.disk_total = 1100000000000ULL;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_true(j.dev[0].fits && j.dev[1].fits && j.host.fits);
	assert_false(j.disk.fits);
	assert_false(j.fits);
	assert_int_equal(j.verdict, MP_VERDICT_NO);
	/* no disk in the profile: reported, not judged */
	hw.disk = 0;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.disk.judged);
	assert_int_equal(j.disk.predicted, 1100000000000ULL);
	assert_true(j.fits);
}

static void
test_hardware_judge_multi_gpu(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;
	struct mp_estimate	 est;
	struct mp_judgement	 j;

	(void)state;
	mp_error_clear(&e);
	assert_true(mp_hardware_load("2x-rtx-4090", &hw, &e));
	fake(&est, 40 * GiB, 0, false);
	est.sc.gpus = 2;
	mp_hardware_judge_ex(&hw, &est, &j);
	/* Judged per GPU: each holds half, against its own memory. */
	assert_int_equal(j.capacity, (24564 - 459) * MiB);
	assert_int_equal(j.n_dev, 2);
	assert_int_equal(j.dev[0].predicted, 20 * GiB);
	assert_int_equal(j.dev[1].predicted, 20 * GiB);
	assert_int_equal(j.judged, 20 * GiB);
	assert_true(j.fits);
	/* The sum fits two cards, but not when one GPU holds most of it. */
	est.dev_bytes[0] = 24 * GiB;
	est.dev_bytes[1] = 16 * GiB;
	est.n_dev_bytes = 2;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.fits);
	assert_int_equal(j.fullest, 0);
	assert_int_equal(j.verdict, MP_VERDICT_NO);
	est.n_dev_bytes = 0;
	/* One GPU of the two: half the capacity. */
	est.sc.gpus = 1;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.fits);
	/* Asking for more GPUs than there are does not add capacity. */
	est.sc.gpus = 8;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_int_equal(j.gpus, 2);
}

static void
test_hardware_judge_host_and_unified(void **state)
{
	struct mp_hardware	 hw;
	struct mp_error		 e;
	struct mp_estimate	 est;
	struct mp_judgement	 j;

	(void)state;
	mp_error_clear(&e);
	assert_true(mp_hardware_load("workstation-64gb", &hw, &e));
	/* No accelerator: PyTorch's "device" memory lands in RAM. */
	fake(&est, 60 * GiB, 0, false);
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_int_equal(j.where, MP_JUDGE_HOST);
	/* RAM less the profile's OS reserve (2 GiB for a desktop). */
	assert_int_equal(hw.os_reserve, 2 * GiB);
	assert_int_equal(j.capacity, 62 * GiB);
	assert_true(j.fits);
	assert_int_equal(j.verdict, MP_VERDICT_TIGHT);
	/* File pages the kernel can drop are reported, not judged. */
	fake(&est, 0, 70 * GiB, true);
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.fits);
	est.host_reclaimable = 20 * GiB;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_true(j.fits);
	assert_int_equal(j.host.predicted, 50 * GiB);
	assert_int_equal(j.host.reclaimable, 20 * GiB);
	/* Conversions: anonymous memory against RAM + swap. */
	fake(&est, 0, 100 * GiB, true);
	est.has_convert = true;
	est.conv.peak_anon = 70 * GiB;
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.fits);
	assert_int_equal(j.swap_needed, 8 * GiB);
	assert_true(load_text("ram: 64 GiB\nswap: 8 GiB\n", &hw, &e));
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_true(j.fits);
	assert_int_equal(j.capacity, 72 * GiB);
	/* Unified memory: the GPU limit, and RAM shared with the host. */
	assert_true(mp_hardware_load("m1-max-64gb", &hw, &e));
	fake(&est, 47 * GiB, 0, false);
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_true(j.fits);
	assert_int_equal(j.capacity, 48 * GiB);
	fake(&est, 47 * GiB, 20 * GiB, false);
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_false(j.fits);
	/* One pool judged once: the GPU's share and the host's together
	 * against RAM less the OS reserve (4 GiB on macOS). */
	assert_true(j.host_short);
	assert_int_equal(j.host.predicted, 67 * GiB);
	assert_int_equal(j.host.capacity, 60 * GiB);
	fake(&est, 40 * GiB, 20 * GiB, false);
	mp_hardware_judge_ex(&hw, &est, &j);
	assert_true(j.fits);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardware_every_bundled_profile_loads),
		cmocka_unit_test(test_hardware_bundled_figures),
		cmocka_unit_test(test_hardware_macos_wired_limit),
		cmocka_unit_test(test_hardware_sizes_gb_is_not_gib),
		cmocka_unit_test(test_hardware_unknown_key_names_closest),
		cmocka_unit_test(test_hardware_rejects_bad_values),
		cmocka_unit_test(test_hardware_rejects_bad_yaml),
		cmocka_unit_test(test_hardware_unknown_name_suggests),
		cmocka_unit_test(test_hardware_judge_device),
		cmocka_unit_test(test_hardware_judge_multi_gpu),
		cmocka_unit_test(test_hardware_nodes),
		cmocka_unit_test(test_hardware_disk),
		cmocka_unit_test(test_hardware_judge_host_and_unified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
