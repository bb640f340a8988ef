/* alloc.c: what PyTorch's CUDA caching allocator reserves beyond allocated */
/* SPDX-License-Identifier: MIT */
#include "internal.h"

/*
 * PyTorch 2.11's CUDA caching allocator (c10/cuda/CUDACachingAllocator.cpp)
 * serves every tensor from segments it maps with cudaMalloc and keeps
 * freed blocks cached for reuse; max_memory_allocated() counts the live
 * blocks, max_memory_reserved() the segments, and a run dies when a new
 * segment does not fit.  The facts used here (constants of that file):
 *   kMinBlockSize 512     every request is rounded up to 512 bytes;
 *   kSmallSize 1 MiB      requests up to it come from the small pool,
 *                         carved out of 2 MiB segments (kSmallBuffer);
 *   kMinLargeAlloc 10 MiB larger requests under it get a 20 MiB segment
 *                         (kLargeBuffer) that later requests may split;
 *   kRoundLarge 2 MiB     requests from 10 MiB up get a segment of their
 *                         size rounded up to 2 MiB.
 * A request that no cached free block can hold maps a new segment; when
 * cudaMalloc fails the allocator returns its wholly free segments and
 * retries, but free space inside a segment that still holds a live block
 * cannot be returned: it stays reserved.  That is the fragmentation the
 * out-of-memory message reports as "reserved but unallocated".
 *
 * The reserve memplan predicts is the allocated peak plus one segment for
 * the largest request of the peak moment: the block that, with the cache
 * split by the tensors that came before it, finds no free block large
 * enough and maps a fresh segment while the free space it could have used
 * stays stranded.  It is a bound derived from those rules, not measured.
 *
 * PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True makes each pool one
 * segment that grows by mapping pages (2 MiB in the small pool, 20 MiB
 * in the large one) and unmaps pages that become free, so a large request
 * no longer needs a fresh contiguous segment: what stays reserved beyond
 * allocated is at most one partly used page.
 */
#define KMIN_BLOCK	512ULL
#define KSMALL_SIZE	(1ULL << 20)
#define KSMALL_BUFFER	(2ULL << 20)
#define KLARGE_BUFFER	(20ULL << 20)
#define KMIN_LARGE	(10ULL << 20)
#define KROUND_LARGE	(2ULL << 20)

static uint64_t
round_up(uint64_t v, uint64_t to)
{
	uint64_t r = v % to;

	return r == 0 ? v : mp_adds(v, to - r);
}

uint64_t
mp_alloc_block(uint64_t size)
{
	return size < KMIN_BLOCK ? KMIN_BLOCK : round_up(size, KMIN_BLOCK);
}

uint64_t
mp_alloc_segment(uint64_t size)
{
	size = mp_alloc_block(size);
	if (size <= KSMALL_SIZE)
		return KSMALL_BUFFER;
	if (size < KMIN_LARGE)
		return KLARGE_BUFFER;
	return round_up(size, KROUND_LARGE);
}

uint64_t
mp_alloc_reserved(uint64_t allocated, uint64_t largest, bool expandable)
{
	if (largest == 0)
		return allocated;
	if (expandable)
		/* at most one partly used page of the large pool */
		return mp_adds(allocated, largest <= KSMALL_SIZE ?
		    KSMALL_BUFFER : KLARGE_BUFFER);
	return mp_adds(allocated, mp_alloc_segment(largest));
}
