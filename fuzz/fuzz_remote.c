/* fuzz_remote.c: libFuzzer target for what HTTP servers answer */
/* SPDX-License-Identifier: MIT */
/*
 * The remote loader's parsers of server answers (remote_parse.c) and the
 * in-memory readers it feeds (model_st.c, model_gguf.c), without a
 * network.  The first byte picks the parser (8: Retry-After, 9: the
 * two parts of a split GGUF model and split file names); for Content-Range the next
 * 16 bytes are the request's offset and length.  Everything the parsers
 * return is checked for consistency, so a wrong answer aborts too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "remote.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_error		 e;
	struct mp_rfiles	 f = { 0 };
	struct mp_model		 m;
	const struct mp_rfile	*r;
	char			*s, out[2048], sha[41], md[80], pd[80];
	uint64_t		 off, len, a, b, total, u;
	size_t			 used, n;
	bool			 more, split;

	if (size < 1)
		return 0;
	mp_error_clear(&e);
	mp_model_init(&m);
	/* A NUL-terminated copy for the string parsers. */
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	n = size - 1;
	switch (data[0] % 10) {
	case 0:
		if (size < 17)
			break;
		off = le64(data + 1);
		len = le64(data + 9);
		if (mp_http_content_range(s + 16, off, len, &a, &b, &total)) {
			/* What the loader relies on. */
			if (a != off || b < a || b >= total || b - a >= len)
				abort();
		}
		break;
	case 1:
		if (mp_http_link_next(s, out, sizeof(out)) &&
		    (out[0] == '\0' || strlen(out) >= sizeof(out)))
			abort();
		break;
	case 2:
		if (mp_hf_tree_page(s, n, "fuzz", &f, &e)) {
			r = mp_hf_pick_gguf(&f, "Q4_K_M", "fuzz", &split, &e);
			if (r != NULL && mp_rfiles_find(&f, r->path) == NULL)
				abort();
			(void)mp_hf_pick_gguf(&f, "", "fuzz", &split, &e);
		}
		mp_rfiles_fini(&f);
		break;
	case 3:
		if (mp_hf_revision_sha(s, n, "fuzz", sha, &e) &&
		    strlen(sha) != 40)
			abort();
		break;
	case 4:
		if (mp_ollama_manifest(s, n, "fuzz", md, &u, pd, &e) &&
		    strncmp(md, "sha256:", 7) != 0)
			abort();
		break;
	case 5:
		(void)mp_ollama_params(s, n, "fuzz", &u, &e);
		break;
	case 6:
		/* A GGUF prefix of a file twice as long. */
		if (mp_model_gguf_mem("fuzz.gguf", data + 1, size - 1,
		    (uint64_t)(size - 1) * 2, &m, &more, &used, &e) &&
		    used > size - 1)
			abort();
		break;
	case 7:
		if (size >= 9) {
			uint64_t	hl;

			if (mp_st_header_len(data + 1, (uint64_t)size * 4,
			    "fuzz", &hl, &e) && hl > (uint64_t)size * 4 - 8)
				abort();
		}
		break;
	case 8: {
		long secs;

		/* Retry-After: seconds or a date, never negative. */
		if (mp_http_retry_after(s, (time_t)1700000000, &secs) &&
		    secs < 0)
			abort();
		break;
	}
	case 9: {
		/* Two parts of a split model, the first one's length in
		 * the next two bytes; and the text as a split file name,
		 * which must map back to itself. */
		struct mp_head	 gp[2];
		unsigned		 no, of;
		size_t			 pre, k;

		k = size > 3 ? (size_t)data[1] | (size_t)data[2] << 8 : 0;
		if (size > 3 && k <= size - 3) {
			gp[0].path = "fuzz-00001-of-00002.gguf";
			gp[0].head = data + 3;
			gp[0].len = gp[0].size = k;
			gp[1].path = "fuzz-00002-of-00002.gguf";
			gp[1].head = data + 3 + k;
			gp[1].len = gp[1].size = size - 3 - k;
			(void)mp_model_gguf_parts(gp, 2, &m, &e);
		}
		if (mp_gguf_split_name(s, &no, &of, &pre)) {
			if (no == 0 || no > of || pre + 20 != strlen(s) ||
			    !mp_gguf_part_name(s, no, out, sizeof(out)) ||
			    strcmp(out, s) != 0)
				abort();
		}
		break;
	}
	}
	mp_model_fini(&m);
	free(s);
	return 0;
}
