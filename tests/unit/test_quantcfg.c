/* test_quantcfg.c: pre-quantized checkpoints priced as shipped */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "internal.h"

/* A fixture of tests/fixtures/prequant (SOURCES.md says where each
 * quantization_config comes from). */
static void
load_fixture(const char *name, struct mp_model *m)
{
	char		 path[640];
	struct mp_error	 err;

	snprintf(path, sizeof(path), "%s/tests/fixtures/prequant/%s",
	    fx_srcdir(), name);
	mp_model_init(m);
	mp_error_clear(&err);
	if (!mp_model_load(path, m, &err))
		fail_msg("load %s: %s: %s", path, err.field, err.msg);
}

/* The tiny Llama of fixtures.c with a quantization_config. */
static bool
parse_qc(const char *qc, struct mp_model *m, struct mp_error *err)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
	    "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": "
	    "\"llama\", \"hidden_size\": 256, \"intermediate_size\": 512,"
	    " \"num_hidden_layers\": 12, \"num_attention_heads\": 4,"
	    " \"num_key_value_heads\": 2, \"vocab_size\": 1000,"
	    " \"max_position_embeddings\": 8192, \"rms_norm_eps\": 1e-5,"
	    " \"tie_word_embeddings\": false, \"torch_dtype\": \"bfloat16\","
	    " \"quantization_config\": %s}", qc);
	mp_model_init(m);
	mp_error_clear(err);
	return mp_model_parse(buf, strlen(buf), "q.json", m, err);
}

static const struct mp_tensor *
tensor(const struct mp_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n_tensors; i++)
		if (strcmp(m->tensors[i].name, name) == 0)
			return &m->tensors[i];
	fail_msg("no tensor %s", name);
	return NULL;
}

static void
shipped(const struct mp_model *m, struct mp_scenario *sc)
{
	struct mp_error err;

	mp_scenario_init(sc);
	mp_error_clear(&err);
	if (!mp_scenario_resolve(sc, m, &err))
		fail_msg("resolve: %s: %s", err.field, err.msg);
}

/*
 * RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8 (int8 per channel,
 * lm_head ignored) publishes two shards of 5 GB and 4.08 GB: 9.08 GB.
 */
static void
test_w8a8_matches_published_files(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;

	(void)state;
	load_fixture("llama3.1-8b-ct-w8a8.json", &m);
	assert_int_equal(m.shipq.dt, MP_DT_INT8);
	assert_int_equal(m.shipq.layout, MP_SQ_BYTE);
	shipped(&m, &sc);
	assert_true(sc.weights_shipped);
	fx_estimate(&m, &sc, &est);
	/* 9.08 GB within the 0.01 GB the listing rounds to */
	assert_in_range(est.mem.weights, 9070000000ull, 9090000000ull);
	assert_true(tensor(&m, "lm_head.weight")->flags & MP_TF_KEEP);
	assert_false(tensor(&m, "model.layers.0.mlp.down_proj.weight")->flags &
	    MP_TF_KEEP);
	/* int8 has no bitsandbytes gate: its label says what it is */
	assert_string_equal(m.shipq.label, "int8 compressed-tensors");
	mp_model_fini(&m);
}

/*
 * pack-quantized, asymmetric, group 128 (compressed_tensors
 * pack_quantized.py compression_param_info): a 4096 x 4096 q_proj is
 * 4096 x 512 int32 words, 4096 x 32 bf16 scales, 512 x 32 int32 packed
 * zero points and an int64 shape pair.
 */
static void
test_pack_quantized_layout(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	uint64_t		 b;

	(void)state;
	load_fixture("llama3.1-8b-ct-w4a16-asym.json", &m);
	shipped(&m, &sc);
	b = mp_tensor_bytes(&m, tensor(&m,
	    "model.layers.0.self_attn.q_proj.weight"), &sc);
	assert_int_equal(b, 4096ull * 512 * 4 + 4096ull * 32 * 2 +
	    512ull * 32 * 4 + 16);
	/* "ignore": [] quantizes the output head too (targets Linear) */
	assert_true(mp_tensor_bytes(&m, tensor(&m, "lm_head.weight"), &sc) <
	    128256ull * 4096);
	/* the embedding is no Linear */
	assert_int_equal(mp_tensor_bytes(&m, tensor(&m,
	    "model.embed_tokens.weight"), &sc), 128256ull * 4096 * 2);
	mp_model_fini(&m);
}

/* bitsandbytes as shipped is what loading with the same config makes. */
static void
test_bnb_nf4_as_shipped(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc, asked;
	struct mp_estimate	 a, b;
	struct mp_error		 err;

	(void)state;
	load_fixture("llama3-8b-bnb-nf4.json", &m);
	assert_int_equal(m.shipq.dt, MP_DT_NF4);
	assert_true(m.shipq.double_quant);
	shipped(&m, &sc);
	assert_true(sc.weights_shipped);
	assert_true(sc.double_quant);
	fx_estimate(&m, &sc, &a);
	mp_scenario_init(&asked);
	asked.weights = MP_DT_NF4;
	asked.double_quant = true;
	mp_error_clear(&err);
	assert_true(mp_scenario_resolve(&asked, &m, &err));
	fx_estimate(&m, &asked, &b);
	assert_int_equal(a.mem.weights, b.mem.weights);
	/* transformers never converts the head: f16 as the config says */
	assert_int_equal(mp_tensor_bytes(&m, tensor(&m, "lm_head.weight"),
	    &sc), 128256ull * 4096 * 2);
	mp_model_fini(&m);
}

/* llm_int8_skip_modules as transformers matches it: prefix or suffix. */
static void
test_skip_and_ignore_lists(void **state)
{
	struct mp_model	 m;
	struct mp_error	 err;

	(void)state;
	assert_true(parse_qc("{\"quant_method\": \"bitsandbytes\", "
	    "\"load_in_4bit\": true, \"bnb_4bit_quant_type\": \"fp4\", "
	    "\"llm_int8_skip_modules\": [\"model.layers.1.mlp\", \"o_proj\"]}",
	    &m, &err));
	assert_int_equal(m.shipq.dt, MP_DT_FP4);
	assert_true(tensor(&m, "model.layers.1.mlp.up_proj.weight")->flags &
	    MP_TF_KEEP);
	assert_false(tensor(&m, "model.layers.10.mlp.up_proj.weight")->flags &
	    MP_TF_KEEP);
	assert_true(tensor(&m, "model.layers.7.self_attn.o_proj.weight")->flags &
	    MP_TF_KEEP);
	assert_false(tensor(&m, "model.layers.7.self_attn.q_proj.weight")->flags &
	    MP_TF_KEEP);
	mp_model_fini(&m);

	/* compressed-tensors: "re:" is re.match, a bare name exact */
	assert_true(parse_qc("{\"quant_method\": \"compressed-tensors\", "
	    "\"format\": \"float-quantized\", \"config_groups\": {\"group_0\": "
	    "{\"targets\": [\"Linear\"], \"weights\": {\"num_bits\": 8, "
	    "\"type\": \"float\", \"strategy\": \"channel\"}}}, \"ignore\": "
	    "[\"lm_head\", \"re:.*layers\\\\.\\\\d+\\\\.mlp\\\\.down_proj$\", "
	    "\"o_proj\"]}", &m, &err));
	assert_int_equal(m.shipq.dt, MP_DT_F8_E4M3);
	assert_true(tensor(&m, "model.layers.3.mlp.down_proj.weight")->flags &
	    MP_TF_KEEP);
	assert_false(tensor(&m, "model.layers.3.mlp.up_proj.weight")->flags &
	    MP_TF_KEEP);
	assert_false(tensor(&m, "model.layers.3.self_attn.o_proj.weight")->flags &
	    MP_TF_KEEP);
	assert_true(tensor(&m, "lm_head.weight")->flags & MP_TF_KEEP);
	mp_model_fini(&m);

	/* LLM.int8() */
	assert_true(parse_qc("{\"quant_method\": \"bitsandbytes\", "
	    "\"load_in_8bit\": true}", &m, &err));
	assert_int_equal(m.shipq.dt, MP_DT_INT8);
	mp_model_fini(&m);
}

/* What memplan does not price stays dequantized, and says why. */
static void
test_unpriced_schemes(void **state)
{
	struct mp_model	 m;
	struct mp_error	 err;

	(void)state;
	assert_true(parse_qc("{\"quant_method\": \"compressed-tensors\", "
	    "\"format\": \"marlin-24\", \"config_groups\": {\"group_0\": "
	    "{\"weights\": {\"num_bits\": 4, \"strategy\": \"group\", "
	    "\"group_size\": 128}}}}", &m, &err));
	assert_int_equal(m.shipq.dt, MP_DT_NONE);
	assert_non_null(strstr(m.shipq.why, "marlin-24"));
	mp_model_fini(&m);
	assert_true(parse_qc("{\"quant_method\": \"gptq\", \"bits\": 8, "
	    "\"group_size\": 128}", &m, &err));
	assert_int_equal(m.shipq.dt, MP_DT_NONE);
	mp_model_fini(&m);
	/* GPTQ's group_size -1: one group a row */
	assert_true(parse_qc("{\"quant_method\": \"gptq\", \"bits\": 4, "
	    "\"group_size\": -1}", &m, &err));
	assert_int_equal(m.shipq.dt, MP_DT_INT4_GPTQ);
	assert_int_equal(m.shipq.group_size, 0);
	mp_model_fini(&m);
}

/* Bad fields: one error naming the field. */
static void
test_bad_fields(void **state)
{
	static const struct {
		const char *qc, *field;
	} bad[] = {
		{ "{\"quant_method\": \"compressed-tensors\", \"config_groups\":"
		  " {\"group_0\": {\"weights\": {\"num_bits\": 9}}}}",
		  "quantization_config.config_groups.group_0.weights.num_bits" },
		{ "{\"quant_method\": \"compressed-tensors\", \"config_groups\":"
		  " {\"g\": {\"weights\": {\"strategy\": \"group\"}}}}",
		  "quantization_config.config_groups.g.weights.group_size" },
		{ "{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true,"
		  " \"bnb_4bit_quant_type\": \"nf5\"}",
		  "quantization_config.bnb_4bit_quant_type" },
		{ "{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": 1}",
		  "quantization_config.load_in_4bit" },
		{ "{\"quant_method\": \"compressed-tensors\", \"ignore\": "
		  "\"lm_head\"}", "quantization_config.ignore" },
		{ "[1]", "quantization_config" },
	};
	struct mp_model	 m;
	struct mp_error	 err;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(parse_qc(bad[i].qc, &m, &err));
		assert_string_equal(err.field, bad[i].field);
		mp_model_fini(&m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_w8a8_matches_published_files),
		cmocka_unit_test(test_pack_quantized_layout),
		cmocka_unit_test(test_bnb_nf4_as_shipped),
		cmocka_unit_test(test_skip_and_ignore_lists),
		cmocka_unit_test(test_unpriced_schemes),
		cmocka_unit_test(test_bad_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
