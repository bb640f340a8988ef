/* fuzz_safetensors.c: libFuzzer target for safetensors headers */
/* SPDX-License-Identifier: MIT */
/*
 * mp_model_read_safetensors() reads a model folder, so one temporary
 * folder is made per process with a small config.json and a valid shard
 * model-00001-of-00001.safetensors.  An input that starts with '{' is
 * written as model.safetensors.index.json (so the index parser and the
 * shard lookup run); any other input is written as model.safetensors.
 */
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char config[] =
    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", "
    "\"hidden_size\": 16, \"intermediate_size\": 32, "
    "\"num_attention_heads\": 2, \"num_hidden_layers\": 1, "
    "\"num_key_value_heads\": 1, \"vocab_size\": 10, "
    "\"max_position_embeddings\": 512, \"tie_word_embeddings\": true, "
    "\"torch_dtype\": \"bfloat16\"}";

/* A valid shard: the embedding alone, 10 x 16 in BF16. */
static const char shard_header[] =
    "{\"model.embed_tokens.weight\": {\"dtype\": \"BF16\", "
    "\"shape\": [10, 16], \"data_offsets\": [0, 320]}}";

static char	dir[256], p_st[320], p_idx[320], p_cfg[320], p_shard[320];

static void
cleanup(void)
{
	unlink(p_st);
	unlink(p_idx);
	unlink(p_cfg);
	unlink(p_shard);
	rmdir(dir);
}

static void
write_file(const char *path, const void *a, size_t alen, const void *b,
    size_t blen)
{
	FILE *fp;

	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (fwrite(a, 1, alen, fp) != alen || fwrite(b, 1, blen, fp) != blen)
		abort();
	fclose(fp);
}

static void
setup(void)
{
	const char	*t = getenv("TMPDIR");
	unsigned char	 len[8];
	char		*zero;
	size_t		 i, hl = sizeof(shard_header) - 1;

	snprintf(dir, sizeof(dir), "%s/memplan-fuzz.XXXXXX",
	    t != NULL ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(p_st, sizeof(p_st), "%s/model.safetensors", dir);
	snprintf(p_idx, sizeof(p_idx), "%s/model.safetensors.index.json", dir);
	snprintf(p_cfg, sizeof(p_cfg), "%s/config.json", dir);
	snprintf(p_shard, sizeof(p_shard),
	    "%s/model-00001-of-00001.safetensors", dir);
	atexit(cleanup);
	write_file(p_cfg, config, sizeof(config) - 1, "", 0);
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(hl >> (8 * i));
	if ((zero = calloc(1, 8 + hl + 320)) == NULL)
		abort();
	memcpy(zero, len, 8);
	memcpy(zero + 8, shard_header, hl);
	write_file(p_shard, zero, 8 + hl + 320, "", 0);
	free(zero);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_error		 err;

	if (dir[0] == '\0')
		setup();
	unlink(p_st);
	unlink(p_idx);
	write_file(size > 0 && data[0] == '{' ? p_idx : p_st, data, size,
	    "", 0);
	mp_model_init(&m);
	mp_error_clear(&err);
	if (!mp_model_parse(config, sizeof(config) - 1, p_cfg, &m, &err))
		abort();
	if (mp_model_read_safetensors(dir, &m, &err)) {
		mp_scenario_init(&sc);
		sc.seq = 256;
		(void)mp_estimate(&m, &sc, &est, &err);
	} else if (err.status == MP_OK || err.msg[0] == '\0')
		abort();
	mp_model_fini(&m);
	return 0;
}
