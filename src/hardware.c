/* hardware.c: YAML hardware profiles and judging an estimate on them */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "internal.h"
#include "ydoc.h"

static const char *const top_keys[] = {
	"name", "description", "os", "ram", "swap", "ram_bandwidth",
	"cpu_cores", "cpu_tflops", "os_reserve", "cpu_isa", "devices",
	"nodes", "disk", NULL
};
static const char *const dev_keys[] = {
	"name", "type", "memory", "total", "count", "reserved", "bandwidth",
	"unified", "wired_limit", "tflops", "tflops_fp32_acc", "pcie", "backend",
	"compute_capability", "multiprocessors", "bf16", "fp8",
	"int8_tensor_cores", "flash_attention", NULL
};

/* The names of enum mp_isa, in enum order (mp_backend_name: speed.c). */
static const char *const isa_names[] = {
	"unknown", "avx2", "avx512", "neon"
};

const char *
mp_isa_name(enum mp_isa v)
{
	return (unsigned)v < sizeof(isa_names) / sizeof(isa_names[0]) ?
	    isa_names[v] : "?";
}

bool
mp_isa_parse(const char *s, enum mp_isa *out)
{
	size_t i;

	for (i = 1; i < sizeof(isa_names) / sizeof(isa_names[0]); i++)
		if (strcmp(s, isa_names[i]) == 0) {
			*out = (enum mp_isa)i;
			return true;
		}
	return false;
}

bool
mp_backend_has_cuda_context(enum mp_backend b)
{
	/* HIP on ROCm creates the same kind of per-process context. */
	return b == MP_BE_NONE || b == MP_BE_CUDA || b == MP_BE_ROCM;
}

/*
 * Capabilities a profile leaves out.  On CUDA they follow from the
 * compute capability (CUDA C Programming Guide, "Compute Capabilities";
 * NVIDIA architecture whitepapers): bf16 from Ampere (8.0), FP8 tensor
 * cores from Ada and Hopper (8.9, 9.0), int8 tensor cores from Turing
 * (7.2/7.5), FlashAttention-2 from Ampere (its README: "Ampere, Ada, or
 * Hopper GPUs").  Without a compute capability nothing is assumed
 * missing.  Metal: bf16 from macOS 14 on Apple GPUs (PyTorch MPS), no FP8
 * or int8 tensor cores; llama.cpp's Metal flash attention.  ROCm, Vulkan
 * and SYCL: bf16, no FP8 unless stated (MI300 profiles state it).  The
 * CPU: PyTorch computes bf16 there.
 */
static void
default_caps(struct mp_device *d, const bool given[4])
{
	bool	 v[4];

	switch (d->backend) {
	case MP_BE_CUDA:
		if (d->cc == 0) {
			v[0] = v[1] = v[2] = v[3] = true;
			break;
		}
		v[0] = d->cc >= 80;
		v[1] = d->cc >= 89;
		v[2] = d->cc >= 72;
		v[3] = d->cc >= 80;
		break;
	case MP_BE_METAL:
		v[0] = true;
		v[1] = v[2] = false;
		v[3] = true;
		break;
	case MP_BE_CPU:
		v[0] = true;
		v[1] = v[2] = v[3] = false;
		break;
	default:
		v[0] = true;
		v[1] = v[2] = false;
		v[3] = true;
		break;
	}
	if (!given[0])
		d->bf16 = v[0];
	if (!given[1])
		d->fp8 = v[1];
	if (!given[2])
		d->int8_tc = v[2];
	if (!given[3])
		d->flash_attn = v[3];
}
static const char *const dev_types[] = { "gpu", "igpu", "npu", "cpu", NULL };

/*
 * A size this small in a memory field is a forgotten unit ("ram: 64"),
 * not a machine: say so instead of planning for 64 bytes.
 */
#define MIN_MEMORY	(1ull << 20)

static bool
size_field(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    bool allow_zero, uint64_t *out, struct mp_error *err)
{
	if (!mp_ydoc_size(y, n, field, allow_zero, out, err))
		return false;
	if (*out != 0 && *out < MIN_MEMORY)
		return mp_ydoc_err(y, n, field, err,
		    "%llu bytes is too small for memory; write a unit, "
		    "like \"%llu GiB\"", (unsigned long long)*out,
		    (unsigned long long)*out);
	return true;
}

/*
 * macOS caps what the GPU may wire of unified memory at the Metal
 * device's recommendedMaxWorkingSetSize unless the user raises the
 * iogpu.wired_limit_mb sysctl.  The default is about two thirds of RAM
 * on small machines and three quarters above 36 GB (a 64 GB M1 Max
 * reports 48 GiB, a 16 GB machine 10.67 GiB; llama.cpp and MLX print
 * this value at start-up).
 */
uint64_t
mp_hardware_macos_limit(uint64_t ram)
{
	if (ram > (36ull << 30))
		return ram / 4 * 3;
	return ram / 3 * 2;
}

/* "1008 GB/s": a size per second, in bytes/s (not zero). */
static bool
rate_field(struct mp_ydoc *y, yaml_node_t *v, const char *field,
    uint64_t *out, struct mp_error *err)
{
	char	 buf[64], why[160];
	size_t	 l;

	if (!mp_ydoc_str(y, v, field, buf, sizeof(buf), err))
		return false;
	l = strlen(buf);
	if (l > 2 && strcmp(buf + l - 2, "/s") == 0)
		buf[l - 2] = '\0';
	else
		return mp_ydoc_err(y, v, field, err,
		    "expected a rate like \"1008 GB/s\", got \"%s\"", buf);
	if (!mp_parse_size(buf, out, why, sizeof(why)) || *out == 0)
		return mp_ydoc_err(y, v, field, err,
		    "expected a rate like \"1008 GB/s\", got \"%s/s\"", buf);
	return true;
}

/*
 * "330.3": dense FP16/BF16 matrix throughput in TFLOPS (10^12 FLOP/s),
 * stored in FLOP/s.  Read as a decimal with at most three fractional
 * digits through mp_parse_uint, so no locale reaches the number.
 */
static bool
tflops_field(struct mp_ydoc *y, yaml_node_t *v, const char *field,
    uint64_t *out, struct mp_error *err)
{
	char		 buf[32], ip[32], why[160];
	const char	*dot;
	uint64_t	 whole, frac = 0, scale = 1000000000000ull;
	size_t		 i, nf;

	if (!mp_ydoc_str(y, v, field, buf, sizeof(buf), err))
		return false;
	dot = strchr(buf, '.');
	nf = dot != NULL ? strlen(dot + 1) : 0;
	snprintf(ip, sizeof(ip), "%.*s", (int)(dot != NULL ?
	    (size_t)(dot - buf) : strlen(buf)), buf);
	if (ip[0] == '\0' || nf > 3 || (dot != NULL && nf == 0) ||
	    !mp_parse_uint(ip, 0, 100000, false, &whole, why, sizeof(why)))
		goto bad;
	for (i = 0; i < nf; i++) {
		if (!isdigit((unsigned char)dot[1 + i]))
			goto bad;
		frac = frac * 10 + (uint64_t)(dot[1 + i] - '0');
	}
	for (i = nf; i < 3; i++)
		frac *= 10;
	*out = whole * scale + frac * (scale / 1000);
	if (*out == 0)
		goto bad;
	return true;
bad:
	return mp_ydoc_err(y, v, field, err, "expected TFLOPS as a number "
	    "above 0 with at most 3 decimals, like 330.3, got \"%s\"", buf);
}

static bool
load_device(struct mp_ydoc *y, yaml_node_t *n, size_t idx, bool macos,
    uint64_t ram, struct mp_device *d, struct mp_error *err)
{
	char		 pre[32], field[96];
	yaml_node_t	*v, *mem, *res;
	uint64_t	 u, wired = 0;
	size_t		 i;
	bool		 ok;

	snprintf(pre, sizeof(pre), "devices[%zu]", idx);
	if (!mp_ydoc_keys(y, n, pre, dev_keys, err))
		return false;
	memset(d, 0, sizeof(*d));
	d->count = 1;
	snprintf(field, sizeof(field), "%s.type", pre);
	if ((v = mp_ydoc_get(y, n, "type")) == NULL)
		return mp_ydoc_err(y, n, field, err,
		    "missing; expected gpu, igpu, npu or cpu");
	if (!mp_ydoc_str(y, v, field, d->type, sizeof(d->type), err))
		return false;
	for (ok = false, i = 0; dev_types[i] != NULL && !ok; i++)
		ok = strcmp(d->type, dev_types[i]) == 0;
	if (!ok)
		return mp_ydoc_err(y, v, field, err,
		    "expected gpu, igpu, npu or cpu, got \"%s\"", d->type);
	/* Integrated GPUs and NPUs have no memory of their own. */
	d->unified = strcmp(d->type, "gpu") != 0;
	snprintf(field, sizeof(field), "%s.name", pre);
	if ((v = mp_ydoc_get(y, n, "name")) != NULL) {
		if (!mp_ydoc_str(y, v, field, d->name, sizeof(d->name), err))
			return false;
	} else
		snprintf(d->name, sizeof(d->name), "%s", d->type);
	snprintf(field, sizeof(field), "%s.memory", pre);
	if ((mem = mp_ydoc_get(y, n, "memory")) != NULL) {
		if (!size_field(y, mem, field, false, &d->memory, err))
			return false;
	} else if (strcmp(d->type, "cpu") == 0)
		d->memory = ram;
	else
		return mp_ydoc_err(y, n, field, err,
		    "missing; expected a size like \"24 GiB\"");
	snprintf(field, sizeof(field), "%s.count", pre);
	if ((v = mp_ydoc_get(y, n, "count")) != NULL) {
		if (!mp_ydoc_uint(y, v, field, 1, 1024, &u, err))
			return false;
		d->count = (uint32_t)u;
	}
	/*
	 * total: what the driver reports (nvidia-smi memory.total,
	 * rocm-smi's VRAM total); at most the memory on the board.
	 * reserved: what the driver keeps of it, so that total - reserved
	 * is what a process sees (torch.cuda.get_device_properties'
	 * total_memory, cudaMemGetInfo's total).
	 */
	d->total = d->memory;
	snprintf(field, sizeof(field), "%s.total", pre);
	if ((v = mp_ydoc_get(y, n, "total")) != NULL) {
		if (!size_field(y, v, field, false, &d->total, err))
			return false;
		if (d->total > d->memory)
			return mp_ydoc_err(y, v, field, err,
			    "the driver's total is above memory: expected "
			    "at most the memory on the board");
	}
	snprintf(field, sizeof(field), "%s.reserved", pre);
	if ((res = mp_ydoc_get(y, n, "reserved")) != NULL) {
		if (!mp_ydoc_size(y, res, field, true, &d->reserved, err))
			return false;
		if (d->reserved >= d->total) {
			/* The sizes are values: the error line prints them
			 * in --units. */
			(void)mp_ydoc_err(y, res, field, err, "reserved ({0}) "
			    "is not below %s ({1}): nothing would be usable",
			    d->total != d->memory ? "total" : "memory");
			mp_error_size(err, d->reserved);
			mp_error_size(err, d->total);
			return false;
		}
	}
	snprintf(field, sizeof(field), "%s.bandwidth", pre);
	if ((v = mp_ydoc_get(y, n, "bandwidth")) != NULL &&
	    !rate_field(y, v, field, &d->bandwidth, err))
		return false;
	snprintf(field, sizeof(field), "%s.pcie", pre);
	if ((v = mp_ydoc_get(y, n, "pcie")) != NULL &&
	    !rate_field(y, v, field, &d->pcie, err))
		return false;
	snprintf(field, sizeof(field), "%s.tflops", pre);
	if ((v = mp_ydoc_get(y, n, "tflops")) != NULL &&
	    !tflops_field(y, v, field, &d->flops, err))
		return false;
	snprintf(field, sizeof(field), "%s.tflops_fp32_acc", pre);
	if ((v = mp_ydoc_get(y, n, "tflops_fp32_acc")) != NULL) {
		if (!tflops_field(y, v, field, &d->flops_acc32, err))
			return false;
		/* FP32 accumulation is never faster than FP16's. */
		if (d->flops == 0 || d->flops_acc32 > d->flops)
			return mp_ydoc_err(y, v, field, err, "expected at "
			    "most tflops (the FP16-accumulate rate, which "
			    "must be given too)");
	}
	snprintf(field, sizeof(field), "%s.unified", pre);
	if ((v = mp_ydoc_get(y, n, "unified")) != NULL) {
		if (!mp_ydoc_bool(y, v, field, &d->unified, err))
			return false;
	}
	/*
	 * The backend: stated, else what the type and OS imply (a discrete
	 * GPU off macOS is taken for CUDA, as nvidia-smi profiles are; on
	 * macOS every GPU is Metal; an integrated GPU elsewhere is driven
	 * through Vulkan).  An NPU runs none of the runtimes modelled here.
	 */
	snprintf(field, sizeof(field), "%s.backend", pre);
	if ((v = mp_ydoc_get(y, n, "backend")) != NULL) {
		char	 buf[16];

		if (!mp_ydoc_str(y, v, field, buf, sizeof(buf), err))
			return false;
		if (!mp_backend_parse(buf, &d->backend))
			return mp_ydoc_err(y, v, field, err, "expected cuda, "
			    "rocm, metal, vulkan, sycl or cpu, got \"%s\"",
			    buf);
	} else if (strcmp(d->type, "cpu") == 0 || strcmp(d->type, "npu") == 0)
		d->backend = MP_BE_CPU;
	else if (macos)
		d->backend = MP_BE_METAL;
	else if ((d->backend = mp_device_vendor_backend(d)) == MP_BE_NONE)
		d->backend = strcmp(d->type, "gpu") == 0 && !d->unified ?
		    MP_BE_CUDA : MP_BE_VULKAN;
	snprintf(field, sizeof(field), "%s.compute_capability", pre);
	if ((v = mp_ydoc_get(y, n, "compute_capability")) != NULL) {
		char		 buf[16], *end;
		unsigned long	 maj, min = 0;

		if (!mp_ydoc_str(y, v, field, buf, sizeof(buf), err))
			return false;
		maj = strtoul(buf, &end, 10);
		if (end != buf && *end == '.' && isdigit((unsigned char)end[1]))
			min = strtoul(end + 1, &end, 10);
		if (end == buf || *end != '\0' || maj == 0 || maj > 20 ||
		    min > 9)
			return mp_ydoc_err(y, v, field, err, "expected a CUDA "
			    "compute capability like \"8.9\", got \"%s\"",
			    buf);
		if (d->backend != MP_BE_CUDA)
			return mp_ydoc_err(y, v, field, err, "a compute "
			    "capability is for CUDA devices (backend %s)",
			    mp_backend_name(d->backend));
		d->cc = (uint32_t)(maj * 10 + min);
	}
	snprintf(field, sizeof(field), "%s.multiprocessors", pre);
	if ((v = mp_ydoc_get(y, n, "multiprocessors")) != NULL) {
		if (!mp_ydoc_uint(y, v, field, 1, 4096, &u, err))
			return false;
		if (d->backend != MP_BE_CUDA)
			return mp_ydoc_err(y, v, field, err, "multiprocessors "
			    "are counted for CUDA devices (backend %s)",
			    mp_backend_name(d->backend));
		d->sms = (uint32_t)u;
	}
	{
		static const char *const cap_keys[4] = {
			"bf16", "fp8", "int8_tensor_cores", "flash_attention"
		};
		bool	*cap[4] = { &d->bf16, &d->fp8, &d->int8_tc,
			    &d->flash_attn };
		bool	 given[4];

		for (i = 0; i < 4; i++) {
			snprintf(field, sizeof(field), "%s.%s", pre,
			    cap_keys[i]);
			given[i] = (v = mp_ydoc_get(y, n, cap_keys[i])) != NULL;
			if (given[i] && !mp_ydoc_bool(y, v, field, cap[i], err))
				return false;
		}
		default_caps(d, given);
	}
	snprintf(field, sizeof(field), "%s.wired_limit", pre);
	if ((v = mp_ydoc_get(y, n, "wired_limit")) != NULL) {
		if (!d->unified)
			return mp_ydoc_err(y, v, field, err,
			    "only a unified-memory device has a wired limit");
		if (!size_field(y, v, field, false, &wired, err))
			return false;
		if (wired > d->memory)
			return mp_ydoc_err(y, v, field, err,
			    "wired limit is above the device's memory");
	} else if (macos && d->unified && strcmp(d->type, "cpu") != 0)
		wired = mp_hardware_macos_limit(d->memory);
	/*
	 * The wired limit is memory the GPU may not use: fold it into
	 * reserved, so that usable = memory - reserved holds everywhere.
	 */
	if (wired != 0 && d->total > wired && d->total - wired > d->reserved)
		d->reserved = d->total - wired;
	snprintf(field, sizeof(field), "%s.memory", pre);
	if (d->unified && ram != 0 && d->memory > ram)
		return mp_ydoc_err(y, mem != NULL ? mem : n, field, err,
		    "a unified-memory device cannot have more memory than "
		    "ram");
	return true;
}

static void
stem(const char *path, char *out, size_t len)
{
	const char	*b = strrchr(path, '/');
	size_t		 n;

	b = b != NULL ? b + 1 : path;
	n = strcspn(b, ".");
	if (n >= len)
		n = len - 1;
	memcpy(out, b, n);
	out[n] = '\0';
}

static bool	load_doc(struct mp_ydoc *, const char *,
		    struct mp_hardware *, struct mp_error *);

static bool
load_file(const char *path, struct mp_hardware *hw, struct mp_error *err)
{
	struct mp_ydoc	 y;

	if (!mp_ydoc_load(&y, path, err))
		return false;
	return load_doc(&y, path, hw, err);
}

bool
mp_hardware_parse(const char *text, size_t len, const char *name,
    struct mp_hardware *hw, struct mp_error *err)
{
	struct mp_ydoc	 y;

	memset(hw, 0, sizeof(*hw));
	if (!mp_ydoc_parse(&y, text, len, name, err))
		return false;
	return load_doc(&y, name, hw, err) ||
	    (memset(hw, 0, sizeof(*hw)), false);
}

/* Reads a parsed profile into hw; finalises y. */
static bool
load_doc(struct mp_ydoc *yp, const char *path, struct mp_hardware *hw,
    struct mp_error *err)
{
	struct mp_ydoc	 y = *yp;
	yaml_node_t	*root, *v, *devs, *ramn;
	yaml_node_item_t *it;
	char		 os[16] = "linux";
	bool		 ok = false, macos;
	size_t		 i;

	root = mp_ydoc_root(&y);
	if (!mp_ydoc_keys(&y, root, "", top_keys, err))
		goto out;
	snprintf(hw->path, sizeof(hw->path), "%s", path);
	if ((v = mp_ydoc_get(&y, root, "name")) != NULL) {
		if (!mp_ydoc_str(&y, v, "name", hw->name, sizeof(hw->name),
		    err))
			goto out;
	} else
		stem(path, hw->name, sizeof(hw->name));
	if ((v = mp_ydoc_get(&y, root, "description")) != NULL &&
	    !mp_ydoc_str(&y, v, "description", hw->description,
	    sizeof(hw->description), err))
		goto out;
	if ((v = mp_ydoc_get(&y, root, "os")) != NULL) {
		if (!mp_ydoc_str(&y, v, "os", os, sizeof(os), err))
			goto out;
		if (strcmp(os, "linux") != 0 && strcmp(os, "macos") != 0 &&
		    strcmp(os, "windows") != 0) {
			mp_ydoc_err(&y, v, "os", err,
			    "expected linux, macos or windows, got \"%s\"",
			    os);
			goto out;
		}
	}
	macos = strcmp(os, "macos") == 0;
	if ((ramn = mp_ydoc_get(&y, root, "ram")) == NULL) {
		mp_ydoc_err(&y, root, "ram", err,
		    "missing; expected the host memory, like \"64 GiB\"");
		goto out;
	}
	if (!size_field(&y, ramn, "ram", false, &hw->ram, err))
		goto out;
	if ((v = mp_ydoc_get(&y, root, "swap")) != NULL &&
	    !size_field(&y, v, "swap", true, &hw->swap, err))
		goto out;
	if ((v = mp_ydoc_get(&y, root, "ram_bandwidth")) != NULL &&
	    !rate_field(&y, v, "ram_bandwidth", &hw->ram_bandwidth, err))
		goto out;
	if ((v = mp_ydoc_get(&y, root, "cpu_cores")) != NULL) {
		uint64_t u;

		if (!mp_ydoc_uint(&y, v, "cpu_cores", 1, 4096, &u, err))
			goto out;
		hw->cpu_cores = (uint32_t)u;
	}
	if ((v = mp_ydoc_get(&y, root, "cpu_tflops")) != NULL &&
	    !tflops_field(&y, v, "cpu_tflops", &hw->cpu_flops, err))
		goto out;
	snprintf(hw->os, sizeof(hw->os), "%s", os);
	/* What the OS and a desktop keep for themselves: not for models. */
	if ((v = mp_ydoc_get(&y, root, "os_reserve")) != NULL) {
		if (!mp_ydoc_size(&y, v, "os_reserve", true, &hw->os_reserve,
		    err))
			goto out;
		if (hw->os_reserve >= hw->ram) {
			mp_ydoc_err(&y, v, "os_reserve", err,
			    "the OS reserve is not below ram: nothing would "
			    "be left for models");
			goto out;
		}
	}
	if ((v = mp_ydoc_get(&y, root, "cpu_isa")) != NULL) {
		char	 buf[16];

		if (!mp_ydoc_str(&y, v, "cpu_isa", buf, sizeof(buf), err))
			goto out;
		if (!mp_isa_parse(buf, &hw->cpu_isa)) {
			mp_ydoc_err(&y, v, "cpu_isa", err, "expected avx2, "
			    "avx512 or neon, got \"%s\"", buf);
			goto out;
		}
	} else if (macos)
		/* Every Mac memplan plans for is Apple silicon (arm64). */
		hw->cpu_isa = MP_ISA_NEON;
	/* nodes: identical machines, each with these devices and host */
	hw->nodes = 1;
	if ((v = mp_ydoc_get(&y, root, "nodes")) != NULL) {
		uint64_t u;

		if (!mp_ydoc_uint(&y, v, "nodes", 1, 4096, &u, err))
			goto out;
		hw->nodes = (uint32_t)u;
	}
	/* disk: NVMe capacity of one node, what ZeRO-Infinity swaps to */
	if ((v = mp_ydoc_get(&y, root, "disk")) != NULL &&
	    !size_field(&y, v, "disk", false, &hw->disk, err))
		goto out;
	if ((devs = mp_ydoc_get(&y, root, "devices")) != NULL) {
		/* "devices:" with nothing after it is an empty list. */
		if (devs->type == YAML_SCALAR_NODE &&
		    devs->data.scalar.length == 0)
			devs = NULL;
		else if (!mp_ydoc_seq(&y, devs, "devices", err))
			goto out;
	}
	if (devs != NULL) {
		for (i = 0, it = devs->data.sequence.items.start;
		    it < devs->data.sequence.items.top; it++, i++) {
			if (i >= MP_MAX_DEVICES) {
				mp_ydoc_err(&y, mp_ydoc_node(&y, *it),
				    "devices", err, "more than %d devices",
				    MP_MAX_DEVICES);
				goto out;
			}
			if (!load_device(&y, mp_ydoc_node(&y, *it), i, macos,
			    hw->ram, &hw->dev[i], err))
				goto out;
			hw->n_dev = i + 1;
		}
	}
	ok = true;
out:
	mp_ydoc_fini(&y);
	return ok;
}

static bool
suggest_cb(const char *name, const char *path, void *arg)
{
	(void)path;
	mp_suggest_add(arg, name);
	return true;
}

static bool
is_path(const char *spec)
{
	size_t n = strlen(spec);

	return strchr(spec, '/') != NULL ||
	    (n > 5 && strcmp(spec + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(spec + n - 4, ".yml") == 0);
}

bool
mp_hardware_load(const char *spec, struct mp_hardware *hw,
    struct mp_error *err)
{
	char		 path[4096];	/* MP_DATADIR_MAX + a bundled name */
	struct mp_suggest c;
	struct mp_error	 e2;
	struct stat	 st;

	memset(hw, 0, sizeof(*hw));
	if (spec == NULL || *spec == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "--hardware",
		    "expected a profile file or a bundled name");
	if (is_path(spec))
		return load_file(spec, hw, err) ||
		    (memset(hw, 0, sizeof(*hw)), false);
	/* A bundled name: never looked up under a cut data directory. */
	if (!mp_datadir_check(err))
		return false;
	if (mp_catalog_find("hardware", spec, ".yaml", path, sizeof(path)))
		return load_file(path, hw, err) ||
		    (memset(hw, 0, sizeof(*hw)), false);
	/* A file in the current directory without an extension; one that
	 * is there but cannot be read is named with the reason. */
	if (stat(spec, &st) == 0 || !mp_file_missing(errno))
		return load_file(spec, hw, err) ||
		    (memset(hw, 0, sizeof(*hw)), false);
	mp_suggest_init(&c, spec);
	mp_error_clear(&e2);
	mp_catalog_list("hardware", ".yaml", suggest_cb, &c, &e2);
	if (mp_suggest_best(&c) != NULL)
		return mp_error_set(err, MP_EINPUT, spec, "--hardware",
		    "no such file or bundled profile; did you mean \"%s\"? "
		    "('memplan hardware' lists them)", mp_suggest_best(&c));
	return mp_error_set(err, MP_EINPUT, spec, "--hardware",
	    "no such file or bundled profile ('memplan hardware' lists "
	    "them)");
}

const struct mp_device *
mp_hardware_primary(const struct mp_hardware *hw)
{
	static const char *const order[] = { "gpu", "igpu", "npu", NULL };
	const struct mp_device	*best;
	size_t			 i, j;

	/*
	 * Runtimes put a model on the strongest accelerator there is: a
	 * discrete GPU, else the integrated one, else the NPU.  Among
	 * several entries of one type, the one with the most usable memory
	 * in all wins.
	 */
	for (j = 0; order[j] != NULL; j++) {
		best = NULL;
		for (i = 0; i < hw->n_dev; i++) {
			const struct mp_device *d = &hw->dev[i];

			if (strcmp(d->type, order[j]) != 0)
				continue;
			if (best == NULL || mp_muls(mp_device_usable(d, hw),
			    d->count) > mp_muls(mp_device_usable(best, hw),
			    best->count))
				best = d;
		}
		if (best != NULL)
			return best;
	}
	return NULL;
}

size_t
mp_hardware_gpus(const struct mp_hardware *hw, const struct mp_device **out,
    size_t max)
{
	const struct mp_device	*p, *e[MP_MAX_DEVICES], *t;
	size_t			 n = 0, i, k, total = 0;
	uint32_t		 c;

	if (hw == NULL || (p = mp_hardware_primary(hw)) == NULL)
		return 0;
	/*
	 * Every device a runtime can spread one model over: the entries of
	 * the primary's type and backend (CUDA cannot drive a ROCm card).
	 * Larger cards first, as CUDA numbers the fastest device first by
	 * default (CUDA_DEVICE_ORDER=FASTEST_FIRST) and --gpus N takes the
	 * first N; equal ones in profile order.
	 */
	for (i = 0; i < hw->n_dev; i++)
		if (strcmp(hw->dev[i].type, p->type) == 0 &&
		    hw->dev[i].backend == p->backend)
			e[n++] = &hw->dev[i];
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && mp_device_usable(e[k], hw) >
		    mp_device_usable(e[k - 1], hw); k--) {
			t = e[k];
			e[k] = e[k - 1];
			e[k - 1] = t;
		}
	for (i = 0; i < n; i++)
		for (c = 0; c < e[i]->count; c++, total++)
			if (out != NULL && total < max)
				out[total] = e[i];
	return total;
}

uint64_t
mp_device_usable(const struct mp_device *d, const struct mp_hardware *hw)
{
	uint64_t t = d->total != 0 ? d->total : d->memory;
	uint64_t u = t > d->reserved ? t - d->reserved : 0;

	/* Unified memory cannot hand out more than the host has. */
	if (d->unified && hw != NULL && hw->ram != 0 && u > hw->ram)
		u = hw->ram;
	return u;
}

/* What a speed estimate reads of the machine (speed.c). */
bool
mp_speed_target(const struct mp_hardware *hw, const struct mp_estimate *est,
    struct mp_speed_target *t)
{
	const struct mp_device *d = mp_hardware_primary(hw);
	uint64_t n;

	memset(t, 0, sizeof(*t));
	t->host_bandwidth = (double)hw->ram_bandwidth;
	t->host_flops = (double)hw->cpu_flops;
	t->host_threads = hw->cpu_cores;
	if (d == NULL || est->on_host) {
		t->backend = MP_BE_CPU;
		t->count = 0;
		return true;
	}
	t->backend = mp_device_backend(d);
	t->bandwidth = (double)d->bandwidth;
	t->flops = (double)d->flops;
	t->flops_acc32 = (double)(d->flops_acc32 != 0 ? d->flops_acc32 :
	    d->flops);
	t->pcie = (double)d->pcie;
	t->unified = d->unified;
	n = est->sc.gpus == 0 ? 1 : est->sc.gpus;
	/* Every GPU of a mixed machine counts (mp_hardware_gpus), each
	 * at its own rates. */
	{
		const struct mp_device	*g[MP_MAX_GPUS];
		size_t			 all = mp_hardware_gpus(hw, g,
					    MP_MAX_GPUS), i, k, per;

		per = n < all ? n : all;

		t->count = (uint32_t)per;
		/* llama.cpp's RPC split: every node's GPUs in its device
		 * order, GPU i being the profile's GPU i mod per (place.c) */
		if (est->dev_nodes > 1 && per > 0)
			t->count = (uint32_t)mp_muls(per, est->dev_nodes);
		for (i = 0; i < t->count && i < MP_MAX_GPUS && per > 0; i++) {
			k = est->dev_nodes > 1 ? i % per : i;
			if (k >= all)
				break;
			t->dev_bw[i] = (double)g[k]->bandwidth;
			t->dev_flops[i] = (double)g[k]->flops;
			t->dev_flops_acc32[i] = (double)(g[k]->flops_acc32 !=
			    0 ? g[k]->flops_acc32 : g[k]->flops);
			t->dev_layers[i] = i < est->n_dev_bytes ?
			    est->dev_layers[i] : 0;
		}
	}
	/* Unified memory: the host part reads the same memory. */
	if (d->unified && t->host_bandwidth == 0)
		t->host_bandwidth = t->bandwidth;
	return true;
}
