/* detect.h: the speed facts "hardware --detect" derives (detect_speed.c;
 * private to src/) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_DETECT_H
#define MEMPLAN_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "memplan.h"

/* The host CPU as /proc/cpuinfo and cpufreq describe it. */
struct mp_cpu_facts {
	/* Physical cores: distinct (physical id, core id) pairs, SMT
	 * siblings counted once, as llama.cpp counts its default threads
	 * (common.cpp cpu_get_num_physical_cores); the processor entries
	 * where cpuinfo gives no core ids (arm64 has no SMT).  0 = none. */
	uint32_t	 cores;
	/* x86 "hybrid_cpu": P- and E-cores; llama.cpp's default threads are
	 * the P-cores only (cpu_get_num_math), which cpuinfo does not tell. */
	bool		 hybrid;
	/* FP32 FLOP per core and cycle from the flags (0 = not derived),
	 * and what they were read from. */
	uint32_t	 flop_cycle;
	char		 simd[64];
	/* Base clock in MHz (0 = unknown) and where it came from. */
	uint32_t	 base_mhz;
	char		 clock_src[96];
};

/*
 * Reads cpuinfo (a /proc/cpuinfo) and, when it exists, base_freq (a
 * cpufreq base_frequency file, kHz).  False when cpuinfo cannot be read;
 * the fields it could not find stay 0.
 */
bool	mp_detect_cpu(const char *cpuinfo, const char *base_freq,
	    struct mp_cpu_facts *);
/* Host FP32 SIMD GFLOP/s: cores x FLOP/cycle x base clock, the bundled
 * profiles' cpu_tflops derivation; 0 when a term is missing or the CPU
 * is hybrid. */
uint64_t mp_detect_cpu_gflops(const struct mp_cpu_facts *);

/*
 * The speed fields of a GPU nvidia-smi names (name, memory.total MiB),
 * from the bundled profile with a device of that name (case and a
 * leading "NVIDIA", "Tesla" or "GeForce" ignored: drivers differ) whose
 * total is within 10 % of mib (so a 12 GB and an 8 GB RTX 3060 stay
 * apart); the profile with the fewest devices wins.  Fills *dev and
 * profile (its bundled name); false when none matches.
 */
bool	mp_detect_gpu_profile(const char *name, uint64_t mib,
	    struct mp_device *dev, char *profile, size_t len);

#endif
