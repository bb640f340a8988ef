/* test_gguf_quant.c: GGUF tensor lists and llama-quantize's types */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fixtures.h"

/* A model from config.json text (the converter hints come from the text). */
static void
parse(const char *json, struct mp_model *m)
{
	struct mp_error err;

	mp_model_init(m);
	mp_error_clear(&err);
	if (!mp_model_parse(json, strlen(json), "test.json", m, &err))
		fail_msg("parse: %s: %s", err.field, err.msg);
}

static struct mp_gguf_tensor *
tensors(const struct mp_model *m, const char *ft, size_t *n)
{
	struct mp_gguf_tensor	*t = NULL;
	struct mp_error		 err;

	mp_error_clear(&err);
	if (!mp_gguf_tensors(m, ft, &t, n, &err))
		fail_msg("mp_gguf_tensors %s: %s: %s", ft, err.field, err.msg);
	return t;
}

static const struct mp_gguf_tensor *
find(const struct mp_gguf_tensor *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	fail_msg("no tensor %s", name);
	return NULL;
}

static const char *
tname(const struct mp_gguf_tensor *t, size_t n, const char *name)
{
	return mp_dtype_info(find(t, n, name)->type)->name;
}

static uint64_t
sum(const struct mp_gguf_tensor *t, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += t[i].bytes;
	return s;
}

/*
 * The project's accuracy test for GGUF sizes: every row that
 * llama-quantize wrote (tests/groundtruth/gguf/sizes.jsonl, 34 configs x
 * 18 types) must match to the byte, with the same tensor count and the
 * same parameter count.
 */
static void
test_gguf_groundtruth_rows_exact(void **state)
{
	char		 path[512], line[8192], ft[32];
	FILE		*f;
	int		 rows = 0, bad = 0;
	size_t		 i, n;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/groundtruth/gguf/sizes.jsonl",
	    fx_srcdir());
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		cJSON			*r = cJSON_Parse(line);
		const char		*cfg, *up;
		uint64_t		 want, wantp, got = 0, params = 0;
		int			 wantn;
		struct mp_model		 m;
		struct mp_gguf_tensor	*t;

		assert_non_null(r);
		cfg = cJSON_GetObjectItem(r, "config")->valuestring;
		up = cJSON_GetObjectItem(r, "ftype")->valuestring;
		want = (uint64_t)cJSON_GetObjectItem(r, "tensor_bytes")->valuedouble;
		wantp = (uint64_t)cJSON_GetObjectItem(r, "params")->valuedouble;
		wantn = cJSON_GetObjectItem(r, "n_tensors")->valueint;
		for (i = 0; up[i] != '\0' && i < sizeof(ft) - 1; i++)
			ft[i] = (char)tolower((unsigned char)up[i]);
		ft[i] = '\0';
		fx_load_bundled(cfg, &m);
		t = tensors(&m, ft, &n);
		for (i = 0; i < n; i++) {
			got += t[i].bytes;
			params += t[i].ne[0] * t[i].ne[1] * t[i].ne[2];
		}
		if (got != want || params != wantp || (int)n != wantn) {
			print_message("# %s %s: bytes %llu want %llu, params "
			    "%llu want %llu, tensors %zu want %d\n", cfg, up,
			    (unsigned long long)got, (unsigned long long)want,
			    (unsigned long long)params,
			    (unsigned long long)wantp, n, wantn);
			bad++;
		}
		rows++;
		free(t);
		mp_model_fini(&m);
		cJSON_Delete(r);
	}
	fclose(f);
	print_message("# gguf ground truth: %d of %d rows exact\n",
	    rows - bad, rows);
	assert_int_equal(rows, 612);
	assert_int_equal(bad, 0);
}

/* Qwen2.5-7B Q4_K_M, a row also checked against a real quantization. */
static void
test_gguf_q4_k_m_qwen25_7b_per_tensor(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	t = tensors(&m, "q4_k_m", &n);
	assert_int_equal(n, 339);
	assert_int_equal(sum(t, n), 4677120000ULL);
	/* Loader order: non-layer tensors by name, then layers. */
	assert_string_equal(t[0].name, "output.weight");
	assert_string_equal(t[3].name, "blk.0.attn_k.bias");
	assert_string_equal(tname(t, n, "output.weight"), "q6_k");
	assert_string_equal(tname(t, n, "token_embd.weight"), "q4_k");
	assert_string_equal(tname(t, n, "output_norm.weight"), "f32");
	assert_string_equal(tname(t, n, "blk.0.attn_q.bias"), "f32");
	/* use_more_bits(i, 28): layers 0-2, 24-27 and every third. */
	assert_string_equal(tname(t, n, "blk.0.attn_v.weight"), "q6_k");
	assert_string_equal(tname(t, n, "blk.3.attn_v.weight"), "q4_k");
	assert_string_equal(tname(t, n, "blk.5.ffn_down.weight"), "q6_k");
	assert_string_equal(tname(t, n, "blk.6.ffn_down.weight"), "q4_k");
	assert_string_equal(tname(t, n, "blk.24.ffn_down.weight"), "q6_k");
	assert_string_equal(tname(t, n, "blk.0.attn_q.weight"), "q4_k");
	/* ffn_down rows are 18944 = 74 blocks of 256: no fallback. */
	assert_int_equal(find(t, n, "blk.6.ffn_down.weight")->bytes,
	    3584ULL * 74 * 144);
	free(t);
	mp_model_fini(&m);
}

/* Tied embeddings take the output rule; H=896 forces Q8_0 (not Q6_K). */
static void
test_gguf_tied_embedding_row_fallback(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	fx_load_bundled("qwen2.5-0.5b", &m);
	t = tensors(&m, "q4_0", &n);
	assert_string_equal(tname(t, n, "token_embd.weight"), "q8_0");
	free(t);
	t = tensors(&m, "q4_k_m", &n);
	/* 896 % 256 != 0: Q4_K falls back to Q5_0, Q6_K to Q8_0. */
	assert_string_equal(tname(t, n, "blk.1.attn_q.weight"), "q5_0");
	assert_string_equal(tname(t, n, "blk.0.attn_v.weight"), "q8_0");
	free(t);
	mp_model_fini(&m);
}

/* Mixtral: n_expert == 8 bumps attn_k/attn_v to Q8_0 and attn_output. */
static void
test_gguf_eight_experts(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	fx_load_bundled("mixtral-8x7b-v0.1", &m);
	t = tensors(&m, "q3_k_m", &n);
	assert_string_equal(tname(t, n, "blk.7.attn_k.weight"), "q8_0");
	assert_string_equal(tname(t, n, "blk.7.attn_v.weight"), "q8_0");
	assert_string_equal(tname(t, n, "blk.7.attn_output.weight"), "q5_k");
	assert_string_equal(tname(t, n, "blk.7.ffn_gate_inp.weight"), "f32");
	assert_int_equal(find(t, n, "blk.7.ffn_up_exps.weight")->ne[2], 8);
	free(t);
	/* Q3_K_L is not in llama.cpp's 8-expert attn_output list. */
	t = tensors(&m, "q3_k_l", &n);
	assert_string_equal(tname(t, n, "blk.7.attn_output.weight"), "q3_k");
	free(t);
	mp_model_fini(&m);
}

/* DeepSeek: kv_b split into 3-D k_b/v_b; k_b rows of 128 fall back. */
static void
test_gguf_deepseek_mla_split(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	const struct mp_gguf_tensor *kb;
	size_t			 n;

	(void)state;
	fx_load_bundled("deepseek-v2-lite", &m);
	t = tensors(&m, "q4_k_m", &n);
	assert_int_equal(sum(t, n), 10363959296ULL);
	kb = find(t, n, "blk.0.attn_k_b.weight");
	assert_int_equal(kb->ne[0], 128);
	assert_int_equal(kb->ne[1], 512);
	assert_int_equal(kb->ne[2], 16);
	assert_string_equal(mp_dtype_info(kb->type)->name, "q5_0");
	/* Dense layer 0: ffn 10944 % 256 != 0, Q6_K -> Q8_0. */
	assert_string_equal(tname(t, n, "blk.0.ffn_down.weight"), "q8_0");
	assert_string_equal(tname(t, n, "blk.1.ffn_down_shexp.weight"),
	    "q6_k");
	free(t);
	mp_model_fini(&m);
}

static const char *llama80 =
    "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\","
    "\"hidden_size\":1024,\"intermediate_size\":2816,"
    "\"num_attention_heads\":16,\"num_key_value_heads\":2,"
    "\"num_hidden_layers\":80,\"vocab_size\":1000,"
    "\"tie_word_embeddings\":false}";

/* LLM_TYPE_70B: 80 GQA layers; attn_v never stays Q4_K/Q3_K. */
static void
test_gguf_70b_attn_v_upgrade(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	parse(llama80, &m);
	t = tensors(&m, "q4_k_m", &n);
	/* use_more_bits(i, 80): i < 10, i >= 70, (i - 10) % 3 == 2. */
	assert_string_equal(tname(t, n, "blk.9.attn_v.weight"), "q6_k");
	assert_string_equal(tname(t, n, "blk.12.attn_v.weight"), "q6_k");
	assert_string_equal(tname(t, n, "blk.11.attn_v.weight"), "q5_k");
	free(t);
	t = tensors(&m, "q2_k", &n);
	/* n_gqa 8 >= 4: Q4_K, then the 70B rule: Q5_K. */
	assert_string_equal(tname(t, n, "blk.40.attn_v.weight"), "q5_k");
	/* ffn_down rows 2816 = 11 blocks: Q3_K stays. */
	assert_string_equal(tname(t, n, "blk.40.ffn_down.weight"), "q3_k");
	/* Untied token_embd keeps the default type. */
	assert_string_equal(tname(t, n, "token_embd.weight"), "q2_k");
	free(t);
	mp_model_fini(&m);
}

/* A row length that neither the type nor its fallback divides: F16. */
static void
test_gguf_fallback_to_f16(void **state)
{
	static const char *odd =
	    "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":"
	    "\"llama\",\"hidden_size\":1000,\"intermediate_size\":2000,"
	    "\"num_attention_heads\":10,\"num_key_value_heads\":10,"
	    "\"num_hidden_layers\":2,\"vocab_size\":500,"
	    "\"tie_word_embeddings\":true}";
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	const struct mp_gguf_tensor *q;
	size_t			 n;

	(void)state;
	parse(odd, &m);
	t = tensors(&m, "q4_k_s", &n);
	q = find(t, n, "blk.0.attn_q.weight");
	assert_string_equal(mp_dtype_info(q->type)->name, "f16");
	assert_int_equal(q->bytes, 1000ULL * 1000 * 2);
	free(t);
	mp_model_fini(&m);
}

/* MXFP4_MOE: 3-D expert tensors MXFP4, every other weight Q8_0. */
static void
test_gguf_mxfp4_moe(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	const struct mp_gguf_tensor *e;
	size_t			 n;

	(void)state;
	fx_load_bundled("qwen3-30b-a3b", &m);
	t = tensors(&m, "mxfp4_moe", &n);
	e = find(t, n, "blk.0.ffn_down_exps.weight");
	assert_string_equal(mp_dtype_info(e->type)->name, "mxfp4");
	/* 768 / 32 blocks of 17 bytes, 2048 rows, 128 experts. */
	assert_int_equal(e->bytes, 768ULL / 32 * 17 * 2048 * 128);
	assert_string_equal(tname(t, n, "blk.0.attn_q.weight"), "q8_0");
	assert_string_equal(tname(t, n, "output.weight"), "q8_0");
	assert_string_equal(tname(t, n, "token_embd.weight"), "q8_0");
	free(t);
	mp_model_fini(&m);
}

/* F16/BF16/F32: no mixture; the converter's F32 tensors stay F32. */
static void
test_gguf_float_targets(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	fx_load_bundled("gpt2-large", &m);
	t = tensors(&m, "f32", &n);
	assert_string_equal(tname(t, n, "blk.3.attn_qkv.weight"), "f32");
	free(t);
	t = tensors(&m, "bf16", &n);
	assert_string_equal(tname(t, n, "token_embd.weight"), "bf16");
	assert_string_equal(tname(t, n, "position_embd.weight"), "f32");
	assert_string_equal(tname(t, n, "blk.3.attn_norm.bias"), "f32");
	free(t);
	mp_model_fini(&m);
}

/* The converter's extra tensors: rope_freqs, rope_factors_long/short. */
static void
test_gguf_converter_extra_tensors(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	t = tensors(&m, "q8_0", &n);
	assert_int_equal(find(t, n, "rope_freqs.weight")->ne[0], 64);
	assert_string_equal(tname(t, n, "rope_freqs.weight"), "f32");
	free(t);
	mp_model_fini(&m);
	fx_load_bundled("phi-3.5-mini-instruct", &m);
	t = tensors(&m, "q8_0", &n);
	assert_int_equal(find(t, n, "rope_factors_long.weight")->ne[0], 48);
	assert_int_equal(find(t, n, "rope_factors_short.weight")->bytes,
	    48 * 4);
	/* Phi-3 keeps the fused gate_up projection as ffn_up (2 * 8192). */
	assert_int_equal(find(t, n, "blk.0.ffn_up.weight")->ne[1], 16384);
	free(t);
	mp_model_fini(&m);
}

/*
 * The low-bit mixtures (priced as made with an importance matrix, which
 * a real run needs).  Expected types are what llama.cpp 81ff7abe's own
 * llama_model_quantize(dry_run) chose for this tensor list.
 */
static void
test_gguf_iq_mixtures_qwen25_7b(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	size_t			 n;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	t = tensors(&m, "iq2_xxs", &n);
	assert_string_equal(tname(t, n, "output.weight"), "q5_k");
	assert_string_equal(tname(t, n, "token_embd.weight"), "q2_k");
	/* n_gqa 7 >= 4: attn_v Q4_K; ffn_down Q2_K in the first eighth. */
	assert_string_equal(tname(t, n, "blk.2.attn_v.weight"), "q4_k");
	assert_string_equal(tname(t, n, "blk.2.ffn_down.weight"), "q2_k");
	assert_string_equal(tname(t, n, "blk.20.ffn_down.weight"), "iq2_xxs");
	free(t);
	t = tensors(&m, "iq3_xs", &n);
	assert_string_equal(tname(t, n, "token_embd.weight"), "iq3_s");
	assert_string_equal(tname(t, n, "blk.0.attn_k.weight"), "iq3_xxs");
	assert_string_equal(tname(t, n, "blk.2.ffn_gate.weight"), "iq3_s");
	assert_string_equal(tname(t, n, "blk.20.ffn_gate.weight"), "iq3_xxs");
	free(t);
	t = tensors(&m, "tq1_0", &n);
	assert_string_equal(tname(t, n, "token_embd.weight"), "q4_k");
	assert_string_equal(tname(t, n, "output.weight"), "q6_k");
	assert_string_equal(tname(t, n, "blk.20.attn_v.weight"), "tq1_0");
	free(t);
	mp_model_fini(&m);
}

/*
 * gpt-oss: the converter repacks the checkpoint's MXFP4 expert blocks;
 * llama-quantize does not requantize them, and the 2-D expert biases are
 * F32 tensors that are never quantized.
 */
static void
test_gguf_gptoss_keeps_mxfp4_experts(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t;
	const struct mp_gguf_tensor *e;
	size_t			 n;

	(void)state;
	fx_load_bundled("gpt-oss-20b", &m);
	t = tensors(&m, "q4_k_m", &n);
	e = find(t, n, "blk.3.ffn_down_exps.weight");
	assert_string_equal(mp_dtype_info(e->type)->name, "mxfp4");
	assert_int_equal(e->bytes, 2880ULL / 32 * 17 * 2880 * 32);
	assert_string_equal(tname(t, n, "blk.3.ffn_down_exps.bias"), "f32");
	assert_string_equal(tname(t, n, "blk.3.attn_sinks.weight"), "f32");
	/* 2880 % 256 != 0: Q4_K falls back to Q5_0. */
	assert_string_equal(tname(t, n, "blk.3.attn_q.weight"), "q5_0");
	free(t);
	mp_model_fini(&m);
}

static void
test_gguf_ftype_names(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t = NULL;
	struct mp_error		 err;
	size_t			 n = 7;

	(void)state;
	assert_true(mp_gguf_ftype_known("q4_k_m"));
	assert_true(mp_gguf_ftype_known("iq4_xs"));
	assert_true(mp_gguf_ftype_known("tq1_0"));
	assert_false(mp_gguf_ftype_known("Q4_K_M"));
	assert_false(mp_gguf_ftype_known("q4_k_x"));
	assert_false(mp_gguf_ftype_known(NULL));
	parse(llama80, &m);
	mp_error_clear(&err);
	assert_false(mp_gguf_tensors(&m, "q4_k_x", &t, &n, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_null(t);
	assert_int_equal(n, 0);
	/* The message lists the known names. */
	assert_non_null(strstr(err.msg, "q4_k_m"));
	mp_model_fini(&m);
}

static void
test_gguf_unknown_arch_is_an_error(void **state)
{
	struct mp_model		 m;
	struct mp_gguf_tensor	*t = NULL;
	struct mp_error		 err;
	size_t			 n;

	(void)state;
	fx_load_bundled("gpt-j-6b", &m);
	mp_error_clear(&err);
	assert_false(mp_gguf_tensors(&m, "q4_0", &t, &n, &err));
	assert_int_equal(err.status, MP_EINPUT);
	assert_null(t);
	mp_model_fini(&m);
}

/*
 * The fallback bits per weight: k-quant mixes at llama.cpp's published
 * figure, other types at their default type's blocks, none made up.
 */
static void
test_gguf_ftype_bpw(void **state)
{
	const char	*s;
	bool		 pub;
	size_t		 i;

	(void)state;
	assert_true(mp_gguf_ftype_bpw("q4_k_m", &pub) == 4.84 && pub);
	assert_true(mp_gguf_ftype_bpw("q4_k", &pub) == 4.84 && pub);
	assert_true(mp_gguf_ftype_bpw("q4_0", &pub) == 4.5 && !pub);
	assert_true(mp_gguf_ftype_bpw("q6_k", &pub) == 6.5625 && !pub);
	assert_true(mp_gguf_ftype_bpw("iq2_xxs", &pub) == 2.0625 && !pub);
	assert_true(mp_gguf_ftype_bpw("bf16", &pub) == 16);
	assert_true(mp_gguf_ftype_bpw("q9_k", &pub) == 0);
	/* Every type has a figure, and a mix costs more than its blocks. */
	for (i = 0; (s = mp_gguf_ftype_name(i)) != NULL; i++)
		if (s[0] != '\0')
			assert_true(mp_gguf_ftype_bpw(s, &pub) >= 1.5);
	assert_true(mp_gguf_ftype_bpw("q4_k_m", &pub) >
	    mp_gguf_ftype_bpw("q4_k_s", &pub));
	assert_true(mp_gguf_ftype_bpw("q4_k_s", &pub) > 4.5);
}

/*
 * The GGUF layout takes its converter hints (bias switches, rope factors,
 * first dense layers, ...) from the parsed model: the bytes of a bundled
 * config parsed from memory, with no path to re-read, give the same
 * tensors as the file loaded from disk.  Before the hints moved into the
 * model, gguf_quant.c re-read config.json by path, so the two differed
 * for every model with a hint (phi-3 rope factors, DeepSeek-V3's
 * e_score_correction_bias, GPT-2's learned positions...).
 */
static void
test_gguf_hints_from_the_parsed_model(void **state)
{
	static const char *const names[] = {
		"phi-3.5-mini-instruct", "deepseek-v3", "gpt2-large",
		"qwen3-30b-a3b", "llama-4-scout-17b-16e-instruct",
		"nemotron-h-56b-base-8k", "llama-3.1-8b-instruct",
	};
	size_t	 i, k, nd, nm;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct mp_model		 disk, mem;
		struct mp_gguf_tensor	*td, *tm;
		struct mp_error		 err;
		char			 path[512], *buf;
		FILE			*fp;
		long			 len;

		fx_load_bundled(names[i], &disk);
		assert_true(disk.hints.have);
		snprintf(path, sizeof(path), "%s/data/models/%s.json",
		    fx_srcdir(), names[i]);
		assert_non_null(fp = fopen(path, "rb"));
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		assert_true((len = ftell(fp)) > 0);
		rewind(fp);
		assert_non_null(buf = malloc((size_t)len));
		assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
		fclose(fp);
		mp_model_init(&mem);
		mp_error_clear(&err);
		if (!mp_model_parse(buf, (size_t)len, "", &mem, &err))
			fail_msg("parse %s: %s", names[i], err.msg);
		free(buf);
		td = tensors(&disk, "q4_k_m", &nd);
		tm = tensors(&mem, "q4_k_m", &nm);
		assert_int_equal(nd, nm);
		for (k = 0; k < nd; k++) {
			assert_string_equal(td[k].name, tm[k].name);
			assert_int_equal(td[k].type, tm[k].type);
			assert_int_equal(td[k].bytes, tm[k].bytes);
		}
		free(td);
		free(tm);
		mp_model_fini(&disk);
		mp_model_fini(&mem);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gguf_groundtruth_rows_exact),
		cmocka_unit_test(test_gguf_q4_k_m_qwen25_7b_per_tensor),
		cmocka_unit_test(test_gguf_tied_embedding_row_fallback),
		cmocka_unit_test(test_gguf_eight_experts),
		cmocka_unit_test(test_gguf_deepseek_mla_split),
		cmocka_unit_test(test_gguf_70b_attn_v_upgrade),
		cmocka_unit_test(test_gguf_fallback_to_f16),
		cmocka_unit_test(test_gguf_mxfp4_moe),
		cmocka_unit_test(test_gguf_float_targets),
		cmocka_unit_test(test_gguf_converter_extra_tensors),
		cmocka_unit_test(test_gguf_iq_mixtures_qwen25_7b),
		cmocka_unit_test(test_gguf_gptoss_keeps_mxfp4_experts),
		cmocka_unit_test(test_gguf_ftype_names),
		cmocka_unit_test(test_gguf_ftype_bpw),
		cmocka_unit_test(test_gguf_unknown_arch_is_an_error),
		cmocka_unit_test(test_gguf_hints_from_the_parsed_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
