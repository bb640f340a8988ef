/* test_vllm.c: vLLM's budget, paged KV pool and tensor parallelism */
/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

#define GIB	(1024ull * 1024ull * 1024ull)

/* An 8-layer Llama of width hidden: heads of 128, kv_heads of them for
 * K and V. */
static void
llama(struct mp_model *m, unsigned hidden, unsigned heads, unsigned kv_heads)
{
	char json[1024];
	struct mp_error err;

	snprintf(json, sizeof(json),
	    "{\"architectures\": [\"LlamaForCausalLM\"],"
	    " \"model_type\": \"llama\", \"hidden_size\": %u,"
	    " \"intermediate_size\": 4096, \"num_hidden_layers\": 8,"
	    " \"num_attention_heads\": %u, \"num_key_value_heads\": %u,"
	    " \"head_dim\": 128, \"vocab_size\": 32000,"
	    " \"max_position_embeddings\": 32768,"
	    " \"rms_norm_eps\": 1e-5, \"tie_word_embeddings\": false,"
	    " \"torch_dtype\": \"bfloat16\"}", hidden, heads, kv_heads);
	mp_model_init(m);
	mp_error_clear(&err);
	if (!mp_model_parse(json, strlen(json), "v.json", m, &err))
		fail_msg("parse: %s: %s", err.field, err.msg);
}

/* The usual one: hidden 1024, 8 heads, kv_heads set per test. */
static void
model(struct mp_model *m, unsigned kv_heads)
{
	llama(m, 1024, 8, kv_heads);
}

static void
scen(struct mp_scenario *sc, uint64_t seq, uint64_t batch)
{
	mp_scenario_init(sc);
	sc->runtime = MP_RT_VLLM;
	sc->seq = seq;
	sc->batch = batch;
}

static void
pool(const struct mp_model *m, struct mp_scenario *sc, uint64_t card,
    struct mp_vllm_pool *p)
{
	struct mp_error err;
	struct mp_estimate est;

	mp_error_clear(&err);
	/* Resolve the scenario the way mp_estimate does. */
	if (!mp_estimate(m, sc, &est, &err))
		fail_msg("estimate: %s: %s", err.field, err.msg);
	if (!mp_vllm_pool(m, &est.sc, card, p, &err))
		fail_msg("pool: %s: %s", err.field, err.msg);
}

static void
test_vllm_pool_is_budget_less_fixed_in_blocks_of_16(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool p;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	pool(&m, &sc, 24 * GIB, &p);
	assert_int_equal(p.budget, 24 * GIB * 90 / 100);
	assert_int_equal(p.pool, p.budget - p.fixed);
	/* 16 tokens x 8 layers x (K + V) x 2 heads x 128 x 2 bytes. */
	assert_int_equal(p.block_bytes, 16ull * 8 * 2 * 2 * 128 * 2);
	assert_int_equal(p.blocks, p.pool / p.block_bytes);
	assert_int_equal(p.tokens, p.blocks * 16);
	/* The pool holds far more than 256 sequences of 4k: capped. */
	assert_int_equal(p.seqs, p.max_num_seqs);
	assert_int_equal(p.max_num_seqs, 256);
	assert_int_equal(p.max_batched_tokens, 2048);
	/* An 80 GiB card gets the large-card defaults. */
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.max_batched_tokens, 8192);
	assert_int_equal(p.max_num_seqs, 1024);
	mp_model_fini(&m);
}

/*
 * --nodes 2: tensor parallel inside a node, pipeline parallel across the
 * two: each GPU holds half of the 8 layers, so a 16-token block holds
 * half the cache and the weights per GPU shrink; more stages than layers
 * is refused.
 */
static void
test_vllm_pipeline_across_nodes(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool one, two;
	struct mp_estimate est;
	struct mp_error err;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	pool(&m, &sc, 80 * GIB, &one);
	sc.nodes = 2;
	pool(&m, &sc, 80 * GIB, &two);
	assert_int_equal(two.block_bytes, one.block_bytes / 2);
	/* half of the 8 layers' bf16 weights (q, o 1024 x 1024; k, v 256 x
	 * 1024; gate, up, down 4096 x 1024; two norms of 1024) leave each
	 * GPU, and the pipeline group's NCCL communicator arrives: 16
	 * channels of SIMPLE 4 MiB + LL128 4915200 B + LL 512 KiB */
	assert_int_equal(two.fixed, one.fixed - 8ull * 15206400 * 2 / 2 +
	    16ull * (4194304 + 4915200 + 524288));
	sc.nodes = 9;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--nodes");
	mp_model_fini(&m);
}

static void
test_vllm_small_card_does_not_fit(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool p;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	pool(&m, &sc, GIB / 4, &p);
	assert_int_equal(p.pool, 0);
	assert_int_equal(p.tokens, 0);
	assert_int_equal(p.seqs, 0);
	mp_model_fini(&m);
}

static void
test_vllm_seqs_at_seq_round_up_to_blocks(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool p;
	uint64_t per_seq;

	(void)state;
	model(&m, 8);
	/* 32k-token sequences on a 16 GiB card. */
	scen(&sc, 32770, 1);
	pool(&m, &sc, 16 * GIB, &p);
	per_seq = (32770 + 15) / 16 * p.block_bytes;
	assert_true(p.seqs > 0);
	assert_int_equal(p.seqs, p.pool / per_seq);
	mp_model_fini(&m);
}

static void
test_vllm_fp8_cache_halves_blocks(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool a, b;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	pool(&m, &sc, 24 * GIB, &a);
	scen(&sc, 4096, 1);
	sc.kv_dtype = MP_DT_F8_E4M3;
	pool(&m, &sc, 24 * GIB, &b);
	assert_int_equal(2 * b.block_bytes, a.block_bytes);
	mp_model_fini(&m);
}

static void
test_vllm_rejects_gguf_cache_types(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	sc.kv_dtype = MP_DT_Q8_0;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	/* 8 heads do not split over 3 GPUs. */
	scen(&sc, 4096, 1);
	sc.gpus = 3;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	mp_model_fini(&m);
}

/* The pools of a 4k sequence on one GPU and tensor parallel over four,
 * on cards of card bytes. */
static void
one_and_four(const struct mp_model *m, uint64_t card,
    struct mp_vllm_pool *one, struct mp_vllm_pool *four)
{
	struct mp_scenario sc;

	scen(&sc, 4096, 1);
	pool(m, &sc, card, one);
	scen(&sc, 4096, 1);
	sc.gpus = 4;
	pool(m, &sc, card, four);
}

/*
 * Tensor parallel over 4 GPUs: weights and KV heads divide by 4; with
 * 2 KV heads each GPU still keeps one, so the cache only halves.
 */
static void
test_vllm_tp_divides_weights_and_replicates_kv_heads(void **state)
{
	struct mp_model m;
	struct mp_vllm_pool one, four;

	(void)state;
	model(&m, 2);
	one_and_four(&m, 24 * GIB, &one, &four);
	assert_int_equal(four.block_bytes * 2, one.block_bytes);
	mp_model_fini(&m);

	model(&m, 8);
	one_and_four(&m, 24 * GIB, &one, &four);
	assert_int_equal(four.block_bytes * 4, one.block_bytes);
	mp_model_fini(&m);

	/* Llama-3.1-8B's 16 GB of bf16 weights: 4 GB on each of four. */
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	one_and_four(&m, 80 * GIB, &one, &four);
	assert_true(one.fixed - four.fixed > 10 * GIB);
	assert_true(one.fixed - four.fixed < 12 * GIB);
	mp_model_fini(&m);
}

/*
 * Without a card the estimate gives the card that holds the scenario:
 * vLLM's 90 % budget must hold weights, peak, graphs and the blocks of
 * batch x seq tokens; a pool on exactly that card holds them.
 */
static void
test_vllm_device_total_is_the_card_that_holds_it(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	struct mp_vllm_pool p;
	uint64_t card;

	(void)state;
	model(&m, 2);
	scen(&sc, 8192, 4);
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &sc, &est, &err));
	assert_int_equal(est.kv_pool_tokens, 4 * 8192);
	assert_int_equal(est.mem.kv_cache, 4ull * 8192 * 8 * 2 * 2 * 128 * 2);
	assert_true(est.device_total >= est.mem.total);
	assert_true(mp_vllm_pool(&m, &est.sc, est.device_total, &p, &err));
	assert_true(p.tokens >= 4 * 8192);
	assert_true(p.seqs >= 4);
	assert_true(p.pool >= est.mem.kv_cache);
	/* A card whose 90 % misses the blocks by a little: three fit. */
	card = (p.fixed + est.mem.kv_cache) * 100 / 90 - 200;
	assert_true(mp_vllm_pool(&m, &est.sc, card, &p, &err));
	assert_int_equal(p.seqs, 3);
	mp_model_fini(&m);
}

static void
test_vllm_fill_pool_reports_the_card(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	struct mp_vllm_pool p;
	size_t i;

	(void)state;
	model(&m, 8);
	scen(&sc, 4096, 1);
	sc.gpus = 2;
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &sc, &est, &err));
	assert_true(mp_vllm_pool(&m, &est.sc, 24 * GIB, &p, &err));
	assert_true(mp_vllm_fill_pool(&m, &est, 24 * GIB, &err));
	assert_int_equal(est.kv_pool, 2 * p.pool);
	assert_int_equal(est.kv_pool_tokens, p.tokens);
	/* The pool note (a start-up note may follow it). */
	for (i = 0; i < est.n_notes &&
	    strstr(est.notes[i].text, "tokens in flight") == NULL; i++)
		continue;
	assert_true(i < est.n_notes);
	mp_model_fini(&m);
}


/* A note of est says text, in words (its values in IEC units). */
static bool
has_note(const struct mp_estimate *est, const char *text)
{
	char	 buf[MP_NOTE_TEXT];
	size_t	 i;

	for (i = 0; i < est->n_notes; i++)
		if (strstr(mp_note_text(&est->notes[i], MP_UNITS_IEC, buf,
		    sizeof(buf)), text) != NULL)
			return true;
	return false;
}

/*
 * The profiling run: one forward pass over max_num_batched_tokens and
 * the sampler over min(max_num_seqs, tokens) rows.  With one row the
 * forward pass is the peak and grows with the tokens: from 4096 to 8192
 * tokens by 4096 x (3 x hidden + 3 x n_ff) bf16 values (residual, normed
 * input, layer output, gate_up and its product).  With 256 rows the
 * sampler's 14 bytes per vocabulary entry and the held hidden states are
 * the peak.
 */
static void
test_vllm_profile_run_peak(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool a, b;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 1;
	sc.max_batched_tokens = 4096;
	pool(&m, &sc, 24 * GIB, &a);
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 1;
	sc.max_batched_tokens = 8192;
	pool(&m, &sc, 24 * GIB, &b);
	assert_int_equal(a.max_batched_tokens, 4096);
	assert_int_equal(b.fixed - a.fixed,
	    4096ull * (3 * 1024 + 3 * 4096) * 2);
	/* 256 sampled rows of 32000 entries beside the held hidden states
	 * outgrow the forward pass over 2048 tokens, the peak with one
	 * row. */
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 1;
	sc.max_batched_tokens = 2048;
	sc.enforce_eager = true;
	pool(&m, &sc, 24 * GIB, &a);
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 256;
	sc.max_batched_tokens = 2048;
	sc.enforce_eager = true;
	pool(&m, &sc, 24 * GIB, &b);
	assert_int_equal(b.fixed - a.fixed, 256ull * 32000 * 14 +
	    2048ull * 1024 * 2 - 2048ull * (3 * 1024 + 3 * 4096) * 2);
	mp_model_fini(&m);
}

/*
 * CUDA graphs: 51 piecewise sizes up to 512 and 35 full decode sizes up
 * to 256 with max_num_seqs 256 (vLLM 0.21's capture list, as its
 * profiler prints "PIECEWISE=51 (largest=512), FULL=35 (largest=256)");
 * 8 sequences give 1, 2, 4, 8, 16 and 1, 2, 4, 8.  --enforce-eager
 * takes the graphs out of the budget and says so.
 */
static void
test_vllm_cuda_graphs_and_enforce_eager(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	struct mp_vllm_pool g, e;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &sc, &est, &err));
	assert_true(has_note(&est, "51 piecewise sizes to 512 tokens, "
	    "35 full to 256"));
	assert_true(has_note(&est, "vLLM " MP_VLLM_VERSION " "));
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 8;
	assert_true(mp_estimate(&m, &sc, &est, &err));
	assert_true(has_note(&est, "5 piecewise sizes to 16 tokens, "
	    "4 full to 8"));
	scen(&sc, 4096, 1);
	pool(&m, &sc, 24 * GIB, &g);
	scen(&sc, 4096, 1);
	sc.enforce_eager = true;
	pool(&m, &sc, 24 * GIB, &e);
	/* At least the two first captures of 512 tokens' forward pass and
	 * 1 MiB for each of the 84 later graphs leave with the graphs. */
	assert_true(g.fixed - e.fixed >= 2ull * 512 * (3 * 1024 + 3 * 4096) *
	    2 + 84ull * 1024 * 1024);
	assert_true(e.pool > g.pool);
	assert_true(mp_estimate(&m, &sc, &est, &err));
	assert_true(has_note(&est, "--enforce-eager: no CUDA graphs"));
	/* vLLM refuses a step smaller than its rows. */
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 512;
	sc.max_batched_tokens = 256;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--max-num-batched-tokens");
	mp_model_fini(&m);
}

/* The table being read, for fx_tsv_field's messages. */
static const char *tsv_name = "startup-logs.tsv";

/* The next tab-separated field of a row of tsv_name. */
static char *
next_field(char **cur)
{
	return fx_tsv_field(cur, tsv_name);
}

/* A number, or -1 for "-". */
static double
field(char **cur)
{
	char *f = next_field(cur);

	return strcmp(f, "-") == 0 ? -1 : strtod(f, NULL);
}

static void
near(const char *id, const char *what, double memplan, double published,
    double tol)
{
	double dev = (memplan - published) / published;

	print_message("# %s %s: memplan %.2f GiB, published %.2f GiB "
	    "(%+.1f %%, tolerance %.0f %%)\n", id, what, memplan, published,
	    dev * 100, tol * 100);
	if (dev > tol || dev < -tol)
		fail_msg("%s %s: memplan %.3f GiB, published %.2f GiB", id,
		    what, memplan, published);
}

/*
 * memplan's vLLM terms against published start-up logs (tests/vllm):
 * weights, the profiling run's peak, the CUDA-graph profiler's estimate
 * and the KV pool, each with the tolerance tests/vllm/README.md gives.
 */
static void
test_vllm_published_logs(void **state)
{
	char line[1024], *cur, id[64], version[32], name[64];
	FILE *fp;
	int rows = 0, major, minor;

	(void)state;
	fp = fx_open_tests("vllm/startup-logs.tsv");
	while (fx_table_row(fp, line, sizeof(line))) {
		struct mp_model m;
		struct mp_scenario sc;
		struct mp_vllm_pool p;
		double gpus, util, card, seqs, batched, w, act, nt, graphs, kv;
		double g = 1024.0 * 1024 * 1024, kvp;

		cur = line;
		snprintf(id, sizeof(id), "%s", next_field(&cur));
		snprintf(version, sizeof(version), "%s", next_field(&cur));
		snprintf(name, sizeof(name), "%s", next_field(&cur));
		gpus = field(&cur);
		util = field(&cur);
		card = field(&cur);
		seqs = field(&cur);
		batched = field(&cur);
		w = field(&cur);
		act = field(&cur);
		nt = field(&cur);
		graphs = field(&cur);
		kv = field(&cur);
		fx_load_bundled(name, &m);
		scen(&sc, 4096, 1);
		sc.gpus = (uint32_t)gpus;
		sc.max_num_seqs = (uint64_t)seqs;
		sc.max_batched_tokens = (uint64_t)batched;
		if (util > 0)
			sc.gpu_util = (uint32_t)(util * 1e6 + 0.5);
		/* Without a card in the log, an 80 GiB one: the terms
		 * compared below do not depend on it once both defaults
		 * are given. */
		pool(&m, &sc, card > 0 ? (uint64_t)(card * g) : 80 * GIB, &p);
		if (w > 0)
			near(id, "weights", p.weights / g, w, 0.03);
		if (act > 0)
			near(id, "activation peak", p.act_peak / g, act, 0.15);
		if (graphs > 0)
			near(id, "CUDA graph estimate", p.graphs / g, graphs,
			    0.35);
		if (kv > 0 && card > 0 && util > 0) {
			/* memplan's pool on the row's card at the row's
			 * gpu_memory_utilization; the log's own non-torch
			 * figure stands for memplan's, and before 0.21 the
			 * graphs were not charged. */
			kvp = (p.pool + p.non_torch) / g - (nt > 0 ? nt :
			    p.non_torch / g);
			if (sscanf(version, "%d.%d", &major, &minor) != 2)
				fail_msg("%s: version %s", id, version);
			if (major == 0 && minor < 21)
				kvp += p.graphs / g;
			near(id, "KV pool", kvp, kv, 0.03);
		}
		mp_model_fini(&m);
		rows++;
	}
	fclose(fp);
	assert_true(rows >= 4);
}

/*
 * The sampler's dummy run against the published vLLM 0.11.0 H100 runs
 * (tests/vllm/h100-v011.tsv).  Every row samples 1024 rows of the
 * whole vocabulary; vLLM 0.11 without FlashInfer's sampler sorts them
 * (38 bytes per entry at the sort's peak, src/vllm.c sampler_sort), so
 * the profiled peak, max(forward pass, sampler), is compared with that
 * path within 3 %.  The modelled version's path (0.21, FlashInfer's
 * sampler: 14 bytes) stays in act_peak and must be at least 45 % below
 * each row: the rows tell the two paths apart.
 */
static void
test_vllm_sampler_v011(void **state)
{
	char line[512], *cur, id[64], name[64], how[16];
	const double g = 1024.0 * 1024 * 1024;
	FILE *fp;
	int compared = 0;

	(void)state;
	tsv_name = "h100-v011.tsv";
	fp = fx_open_tests("vllm/h100-v011.tsv");
	while (fx_table_row(fp, line, sizeof(line))) {
		struct mp_model m;
		struct mp_scenario sc;
		struct mp_vllm_pool p;
		double gpus, seqs, batched, w, act, peak;

		cur = line;
		snprintf(id, sizeof(id), "%s", next_field(&cur));
		snprintf(name, sizeof(name), "%s", next_field(&cur));
		gpus = field(&cur);
		seqs = field(&cur);
		batched = field(&cur);
		w = field(&cur);
		act = field(&cur);
		snprintf(how, sizeof(how), "%s", next_field(&cur));
		if (strcmp(how, "sort") != 0)
			continue;
		fx_load_bundled(name, &m);
		scen(&sc, 16000, 1);
		sc.gpus = (uint32_t)gpus;
		sc.max_num_seqs = (uint64_t)seqs;
		sc.max_batched_tokens = (uint64_t)batched;
		/* An H100 (compute capability 9.0): vLLM's Triton MXFP4
		 * backend for gpt-oss. */
		sc.cuda_cc = 90;
		pool(&m, &sc, (uint64_t)(79.18 * g), &p);
		if (w > 0)
			near(id, "weights", p.weights / g, w, 0.03);
		peak = (p.act_peak > p.sampler_sort ? p.act_peak :
		    p.sampler_sort) / g;
		near(id, "activation peak (sort path)", peak, act, 0.03);
		if (p.act_peak / g > act * 0.55)
			fail_msg("%s: the 0.21 path (%.2f GiB) does not tell "
			    "itself apart from 0.11's %.2f", id,
			    p.act_peak / g, act);
		mp_model_fini(&m);
		compared++;
	}
	fclose(fp);
	tsv_name = "startup-logs.tsv";
	assert_int_equal(compared, 7);
}

/*
 * Bytes per vocabulary entry of each sampler path, from two pools that
 * differ only in max_num_seqs (the forward pass is the same): 14 for
 * FlashInfer's (bf16 logits 2 + fp32 copy, masked copy, softmax 4
 * each) and 38 for the sort (2 + 4 + values 4 + indices 8 + reverse
 * indices 8 + cub's alternate keys 4 and values 8); fp32 logits are
 * not copied by logits.to(float32): 12 and 36.
 */
static void
test_vllm_sampler_bytes(void **state)
{
	static const struct { enum mp_dtype dt; uint64_t fi, sort; } c[] = {
		{ MP_DT_BF16, 14, 38 }, { MP_DT_F32, 12, 36 },
	};
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool a, b;
	size_t i;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		scen(&sc, 4096, 1);
		sc.weights = c[i].dt;
		sc.max_batched_tokens = 8192;
		sc.max_num_seqs = 1024;
		pool(&m, &sc, 80 * GIB, &a);
		sc.max_num_seqs = 512;
		pool(&m, &sc, 80 * GIB, &b);
		assert_int_equal(a.sampler - b.sampler,
		    512ull * m.vocab * c[i].fi);
		assert_int_equal(a.sampler_sort - b.sampler_sort,
		    512ull * m.vocab * c[i].sort);
		/* In bf16 the sampler is the profiled peak; in fp32 the
		 * forward pass over 8192 tokens outgrows it. */
		if (c[i].dt == MP_DT_BF16)
			assert_int_equal(a.act_peak, a.sampler);
		assert_true(a.act_peak >= a.sampler);
	}
	mp_model_fini(&m);
}

/*
 * gpt-oss-20b's MXFP4 experts under vLLM's Triton MoE backend (compute
 * capability 9.x): the loaded block scales stay beside their swizzled
 * copies and the expert biases become fp32.  24 layers x 32 experts x
 * (5760 x 2880 + 2880 x 2880) weights / 32 = 597196800 scale bytes, and
 * 24 x 32 x (5760 + 2880) bias values x 2 more bytes = 13271040.  On an
 * A100 (8.0, Marlin) and without a compute capability nothing is added.
 */
static void
test_vllm_mxfp4_triton_scales(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool hopper, ampere, unknown;

	(void)state;
	fx_load_bundled("gpt-oss-20b", &m);
	scen(&sc, 4096, 1);
	sc.cuda_cc = 90;
	pool(&m, &sc, 80 * GIB, &hopper);
	scen(&sc, 4096, 1);
	sc.cuda_cc = 80;
	pool(&m, &sc, 80 * GIB, &ampere);
	scen(&sc, 4096, 1);
	pool(&m, &sc, 80 * GIB, &unknown);
	assert_int_equal(hopper.weights - ampere.weights,
	    597196800ull + 13271040ull);
	assert_int_equal(ampere.weights, unknown.weights);
	mp_model_fini(&m);
}

/*
 * What tensor parallelism adds per GPU.  Outside PyTorch: the TP group's
 * NCCL communicator (16 ring channels of SIMPLE 4 MiB + LL128 4915200 B
 * + LL 512 KiB) and, for 2, 4, 6 or 8 GPUs, the custom all-reduce's three
 * 8 MiB buffers.  Inside the graphs: an all-reduce NCCL runs keeps a
 * persistent plan (219 KiB), two per layer and captured size.  At TP 3
 * the custom all-reduce does not run, so every graph holds NCCL plans:
 * the first capture of each mode once (the larger) and each later graph
 * once.  At TP 4 the custom all-reduce takes messages under 8 MiB: only
 * a 512-token capture of hidden 8192 in bf16 (exactly 8 MiB) goes to
 * NCCL, and the next size down (496) does not.
 */
static void
test_vllm_tensor_parallel_communication(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool p;
	const uint64_t comm = 16ull * (4194304 + 4915200 + 524288);
	const uint64_t plans = 2ull * 8 * 219 * 1024;

	(void)state;
	llama(&m, 12 * 128, 12, 12);
	scen(&sc, 4096, 1);
	sc.max_num_seqs = 8;
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.non_torch, 0);
	assert_int_equal(p.nccl_graphs, 0);
	sc.gpus = 3;
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.non_torch, comm);
	/* piecewise 1, 2, 4, 8, 16; full 1, 2, 4, 8 */
	assert_int_equal(p.nccl_graphs, (4 + 3 + 1) * plans);
	sc.gpus = 2;
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.non_torch, comm + 3ull * 8 * 1024 * 1024);
	assert_int_equal(p.nccl_graphs, 0);
	sc.enforce_eager = true;
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.graphs, 0);
	assert_int_equal(p.nccl_graphs, 0);
	mp_model_fini(&m);

	llama(&m, 64 * 128, 64, 64);	/* hidden 8192 */
	scen(&sc, 4096, 1);
	sc.gpus = 4;
	sc.max_num_seqs = 256;		/* captures to 512 tokens */
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.nccl_graphs, plans);
	sc.max_num_seqs = 248;		/* to 496: all custom all-reduce */
	pool(&m, &sc, 80 * GIB, &p);
	assert_int_equal(p.nccl_graphs, 0);
	mp_model_fini(&m);
}

/*
 * --gpu-memory-utilization: the budget is that share of the card (vLLM's
 * requested_memory), the pool what the fixed terms leave of it; the
 * value is a decimal fraction in (0, 1], read without the locale.
 */
static void
test_vllm_gpu_memory_utilization(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_vllm_pool a, b;
	uint32_t ppm;
	char why[128], txt[16];
	static const char *const bad[] = { "0", "0.0", "1.01", "2", "-0.5",
	    "abc", "", ".", "0.9x", "0.1234567", "90%" };
	size_t i;

	(void)state;
	assert_true(mp_vllm_parse_fraction("0.9", &ppm, why, sizeof(why)));
	assert_int_equal(ppm, 900000);
	assert_true(mp_vllm_parse_fraction(".95", &ppm, why, sizeof(why)));
	assert_int_equal(ppm, 950000);
	assert_true(mp_vllm_parse_fraction("1", &ppm, why, sizeof(why)));
	assert_int_equal(ppm, 1000000);
	assert_true(mp_vllm_parse_fraction("0.9764", &ppm, why, sizeof(why)));
	assert_int_equal(ppm, 976400);
	mp_vllm_util_text(ppm, txt, sizeof(txt));
	assert_string_equal(txt, "0.9764");
	mp_vllm_util_text(0, txt, sizeof(txt));
	assert_string_equal(txt, "0.90");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mp_vllm_parse_fraction(bad[i], &ppm, why, sizeof(why)))
			fail_msg("\"%s\" accepted", bad[i]);

	model(&m, 2);
	scen(&sc, 4096, 1);
	pool(&m, &sc, 80 * GIB, &a);
	sc.gpu_util = 950000;
	pool(&m, &sc, 80 * GIB, &b);
	assert_int_equal(a.budget, 80 * GIB * 9 / 10);
	assert_int_equal(b.budget, 80 * GIB * 95 / 100);
	assert_int_equal(b.fixed, a.fixed);
	assert_int_equal(b.pool - a.pool, 4 * GIB);
	mp_model_fini(&m);
}

/* Decode tokens/s of sc on one H100-like GPU (CUDA, 3.35 TB/s). */
static double
decode_rate(const struct mp_model *m, struct mp_scenario *sc, char *basis,
    size_t len)
{
	struct mp_estimate est;
	struct mp_speed_target tg;
	struct mp_speed sp;
	struct mp_error err;

	memset(&tg, 0, sizeof(tg));
	tg.backend = MP_BE_CUDA;
	tg.bandwidth = 3.35e12;
	tg.flops = 989e12;
	tg.count = 1;
	mp_error_clear(&err);
	if (!mp_estimate(m, sc, &est, &err))
		fail_msg("estimate: %s: %s", err.field, err.msg);
	if (!mp_speed_estimate(m, &est, &tg, NULL, 0, &sp, &err))
		fail_msg("speed: %s: %s", err.field, err.msg);
	if (basis != NULL)
		snprintf(basis, len, "%s", sp.basis);
	return sp.decode_tps;
}

/*
 * Speculative decoding's speed: a step yields (1 - a^(k+1)) / (1 - a)
 * tokens and costs one target pass plus k proposals.  n-gram proposals
 * cost no GPU time, so the rate is the plain one times the tokens per
 * step: 5 at a = 1 with k = 4, 1.5 at a = 0.5 with k = 1.  A draft
 * model's proposals read its weights, so the gain is below the tokens
 * per step; without --acceptance-rate the report says it assumed 0.6.
 * With n-gram and k = 4 the capture sizes are multiples of 5: 5, then
 * 8..248 rounded up (10 ... 250), then 256..496 (260 ... 500): 48 sizes.
 */
static void
test_vllm_speculative_speed(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	double base, r;
	char basis[256];

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	scen(&sc, 4096, 1);
	base = decode_rate(&m, &sc, NULL, 0);
	scen(&sc, 4096, 1);
	sc.speculative = MP_SPEC_NGRAM;
	sc.spec_tokens = 4;
	sc.spec_accept = 1000000;
	r = decode_rate(&m, &sc, NULL, 0);
	assert_true(fabs(r / base - 5.0) < 1e-9);
	sc.spec_tokens = 1;
	sc.spec_accept = 500000;
	r = decode_rate(&m, &sc, basis, sizeof(basis));
	assert_true(fabs(r / base - 1.5) < 1e-9);
	assert_non_null(strstr(basis, "acceptance 0.50: 1.50 tokens per "
	    "step"));
	scen(&sc, 4096, 1);
	snprintf(sc.draft, sizeof(sc.draft), "llama-3.2-1b-instruct");
	sc.spec_tokens = 4;
	r = decode_rate(&m, &sc, basis, sizeof(basis));
	/* 0.6 assumed: 1 + .6 + .36 + .216 + .1296 = 2.3056 per step */
	assert_non_null(strstr(basis, "acceptance 0.60 assumed: 2.31"));
	assert_true(r > base && r < base * 2.3056);
	/* the rate without a method to speed up is refused */
	scen(&sc, 4096, 1);
	sc.spec_accept = 700000;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--acceptance-rate");
	scen(&sc, 4096, 1);
	sc.speculative = MP_SPEC_NGRAM;
	sc.spec_tokens = 4;
	sc.max_num_seqs = 256;
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &sc, &est, &err));
	assert_true(has_note(&est, "48 piecewise sizes to 500 tokens, "
	    "48 full to 500"));
	mp_model_fini(&m);
}

/*
 * Speculative decoding without a draft model.  n-gram: k proposed tokens
 * make each sequence's decode step 1 + k tokens, so 256 sequences reach
 * the largest full graph (48 sizes, multiples of 5 up to 500, instead of
 * 35 up to 256).  MTP: DeepSeek-V3's
 * MTP layer joins the pool's blocks (one more 576-value latent per
 * token, bf16) and the weights (a decoder layer plus the 2 x 7168 ->
 * 7168 eh_proj).  Refused: mtp without MTP layers, ngram without k, k
 * without a method.
 */
static void
test_vllm_speculative(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	struct mp_vllm_pool a, b;

	(void)state;
	model(&m, 2);
	scen(&sc, 4096, 1);
	sc.speculative = MP_SPEC_NGRAM;
	sc.spec_tokens = 4;
	sc.max_num_seqs = 256;
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &sc, &est, &err));
	/* 1 + k = 5 tokens a step: sizes rounded up to multiples of 5 */
	assert_true(has_note(&est, "48 piecewise sizes to 500 tokens, "
	    "48 full to 500"));
	assert_true(has_note(&est, "n-gram prompt lookup"));
	scen(&sc, 4096, 1);
	sc.speculative = MP_SPEC_NGRAM;
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--num-speculative-tokens");
	scen(&sc, 4096, 1);
	sc.spec_tokens = 2;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--num-speculative-tokens");
	scen(&sc, 4096, 1);
	sc.speculative = MP_SPEC_MTP;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--speculative");
	mp_model_fini(&m);

	fx_load_bundled("deepseek-v3", &m);
	scen(&sc, 8192, 1);
	sc.gpus = 8;
	sc.kv_dtype = MP_DT_BF16;
	pool(&m, &sc, 140 * GIB, &a);
	scen(&sc, 8192, 1);
	sc.gpus = 8;
	sc.kv_dtype = MP_DT_BF16;
	sc.speculative = MP_SPEC_MTP;
	pool(&m, &sc, 140 * GIB, &b);
	assert_int_equal(b.block_bytes - a.block_bytes, 16ull * 576 * 2);
	assert_true(b.weights - a.weights > 2ull * 7168 * 7168 * 2);
	assert_true(b.weights - a.weights < 2 * GIB);
	mp_model_fini(&m);
}

/*
 * --draft MODEL under vLLM: Llama-3.2-1B drafting for Llama-3.1-8B.  The
 * pool's 16-token block grows by the draft's cache (16 layers x K and V
 * x 8 heads x 64 x bf16 per token), the weights by the draft's bf16
 * weights (1.24 B parameters); k is required and one method only.
 */
static void
test_vllm_draft_model(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	struct mp_vllm_pool a, b;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	scen(&sc, 4096, 1);
	pool(&m, &sc, 80 * GIB, &a);
	scen(&sc, 4096, 1);
	snprintf(sc.draft, sizeof(sc.draft), "llama-3.2-1b-instruct");
	sc.spec_tokens = 5;
	pool(&m, &sc, 80 * GIB, &b);
	assert_int_equal(b.block_bytes - a.block_bytes,
	    16ull * 16 * 2 * 8 * 64 * 2);
	assert_true(b.weights - a.weights > 2400000000ull);
	assert_true(b.weights - a.weights < 2500000000ull);
	scen(&sc, 4096, 1);
	snprintf(sc.draft, sizeof(sc.draft), "llama-3.2-1b-instruct");
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--num-speculative-tokens");
	sc.spec_tokens = 3;
	sc.speculative = MP_SPEC_NGRAM;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_string_equal(err.field, "--speculative");
	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_vllm_pool_is_budget_less_fixed_in_blocks_of_16),
		cmocka_unit_test(test_vllm_small_card_does_not_fit),
		cmocka_unit_test(test_vllm_pipeline_across_nodes),
		cmocka_unit_test(test_vllm_seqs_at_seq_round_up_to_blocks),
		cmocka_unit_test(test_vllm_fp8_cache_halves_blocks),
		cmocka_unit_test(test_vllm_rejects_gguf_cache_types),
		cmocka_unit_test(
		    test_vllm_tp_divides_weights_and_replicates_kv_heads),
		cmocka_unit_test(
		    test_vllm_device_total_is_the_card_that_holds_it),
		cmocka_unit_test(test_vllm_fill_pool_reports_the_card),
		cmocka_unit_test(test_vllm_profile_run_peak),
		cmocka_unit_test(test_vllm_cuda_graphs_and_enforce_eager),
		cmocka_unit_test(test_vllm_published_logs),
		cmocka_unit_test(test_vllm_sampler_v011),
		cmocka_unit_test(test_vllm_sampler_bytes),
		cmocka_unit_test(test_vllm_mxfp4_triton_scales),
		cmocka_unit_test(test_vllm_tensor_parallel_communication),
		cmocka_unit_test(test_vllm_gpu_memory_utilization),
		cmocka_unit_test(test_vllm_speculative),
		cmocka_unit_test(test_vllm_speculative_speed),
		cmocka_unit_test(test_vllm_draft_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
