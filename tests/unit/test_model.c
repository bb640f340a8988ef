/* test_model.c: config.json parsing and exact parameter counts */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "fixtures.h"
#include "internal.h"

/*
 * Published exact counts (model cards, or sum(p.numel()) measured with
 * transformers 5.17 in tests/groundtruth): counting must match exactly.
 */
static const struct {
	const char	*name;
	uint64_t	 params;
} counts[] = {
	{ "pythia-160m", 162322944ULL },
	{ "qwen2.5-0.5b", 494032768ULL },
	{ "qwen2.5-7b-instruct", 7615616512ULL },
	{ "qwen3-0.6b", 596049920ULL },
	{ "qwen3-30b-a3b", 30532122624ULL },
	{ "llama-3.2-1b-instruct", 1235814400ULL },
	{ "llama-3.1-8b-instruct", 8030261248ULL },
	{ "llama-2-7b-hf", 6738415616ULL },
	{ "mistral-7b-instruct-v0.3", 7248023552ULL },
	{ "phi-3-mini-4k-instruct", 3821079552ULL },
	{ "deepseek-v2-lite", 15706484224ULL },
	{ "mixtral-8x7b-v0.1", 46702792704ULL },
	{ "gpt2-large", 774030080ULL },
	{ "gpt2-xl", 1557611200ULL },
	{ "gemma-3-4b-it", 4300079472ULL },
	{ "qwen3-235b-a22b", 235093634560ULL },
};

static void
test_model_bundled_counts_are_exact(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct mp_model m;
		struct mp_error e;

		mp_model_init(&m);
		if (!mp_model_load(counts[i].name, &m, &e))
			fail_msg("%s: %s", counts[i].name, e.msg);
		if (m.params != counts[i].params)
			fail_msg("%s: %llu, expected %llu", counts[i].name,
			    (unsigned long long)m.params,
			    (unsigned long long)counts[i].params);
		mp_model_fini(&m);
	}
}

static bool
parse(const char *json, struct mp_model *m, struct mp_error *e)
{
	mp_model_init(m);
	mp_error_clear(e);
	return mp_model_parse(json, strlen(json), "t.json", m, e);
}

#define TINY "\"model_type\": \"llama\", \"hidden_size\": 64, " \
	"\"num_hidden_layers\": 2, \"num_attention_heads\": 4, " \
	"\"intermediate_size\": 128, \"vocab_size\": 100"

static void
test_model_tiny_llama_by_hand(void **state)
{
	struct mp_model m;
	struct mp_error e;

	(void)state;
	assert_true(parse("{" TINY "}", &m, &e));
	/* embed 6400 + 2 x (norms 128 + attn 4x4096 + mlp 3x8192) + norm 64
	 * + untied head 6400 */
	assert_int_equal(m.params, 6400 + 2 * (128 + 16384 + 24576) + 64 +
	    6400);
	assert_int_equal(m.head_dim, 16);
	assert_int_equal(m.layer[0].kv_k, 64);
	mp_model_fini(&m);
}

static void
test_model_errors_name_the_field(void **state)
{
	struct mp_model m;
	struct mp_error e;

	(void)state;
	assert_false(parse("{\"model_type\": \"llama\"}", &m, &e));
	assert_string_equal(e.field, "hidden_size");
	assert_false(parse("{" TINY ", \"num_key_value_heads\": 3}", &m, &e));
	assert_string_equal(e.field, "num_key_value_heads");
	assert_false(parse("{\"model_type\": \"llama\", \"hidden_size\": "
	    "\"64\"}", &m, &e));
	assert_string_equal(e.field, "hidden_size");
	assert_false(parse("{\"model_type\": \"llama\", \"hidden_size\": -5}",
	    &m, &e));
	assert_false(parse("{\"model_type\": \"llama\", \"hidden_size\": "
	    "1e300}", &m, &e));
	assert_false(parse("{\"hidden_size\": 64,", &m, &e));
	assert_int_equal(e.line, 1);
	assert_true(e.col > 1);
	assert_false(parse("[1, 2]", &m, &e));
	assert_false(parse("{} trailing", &m, &e));
	assert_false(parse("{\"text_config\": 3, \"model_type\": \"x\"}", &m,
	    &e));
	assert_string_equal(e.field, "text_config");
}

static void
test_model_deep_nesting_refused(void **state)
{
	char buf[400];
	struct mp_model m;
	struct mp_error e;

	(void)state;
	memset(buf, '[', 300);
	buf[300] = '\0';
	assert_false(parse(buf, &m, &e));
	assert_non_null(strstr(e.msg, "nested"));
}

/*
 * Issue 15: a key given twice is read as Python's json module (so
 * transformers) reads it: the last value wins, at every depth.
 */
static void
test_model_duplicate_keys_last_wins(void **state)
{
	struct mp_model m;
	struct mp_error e;

	(void)state;
	if (!parse("{\"model_type\": \"llama\", \"hidden_size\": 64, "
	    "\"num_hidden_layers\": 24, \"num_attention_heads\": 4, "
	    "\"intermediate_size\": 128, \"vocab_size\": 100, "
	    "\"num_hidden_layers\": 48, \"hidden_size\": 128}", &m, &e))
		fail_msg("%s: %s", e.field, e.msg);
	assert_int_equal(m.layers, 48);
	assert_int_equal(m.hidden, 128);
	mp_model_fini(&m);
	/* Inside text_config too. */
	if (!parse("{\"model_type\": \"llava\", \"text_config\": {"
	    "\"model_type\": \"llama\", \"hidden_size\": 64, "
	    "\"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
	    "\"intermediate_size\": 128, \"vocab_size\": 100, "
	    "\"num_hidden_layers\": 6}}", &m, &e))
		fail_msg("%s: %s", e.field, e.msg);
	assert_int_equal(m.layers, 6);
	mp_model_fini(&m);
}

static void
test_model_unknown_type_warns(void **state)
{
	struct mp_model m;
	struct mp_error e;

	(void)state;
	assert_true(parse("{\"model_type\": \"brandnew\", \"hidden_size\": 64,"
	    " \"num_hidden_layers\": 2, \"num_attention_heads\": 4, "
	    "\"intermediate_size\": 128, \"vocab_size\": 100}", &m, &e));
	assert_non_null(strstr(m.warning, "brandnew"));
	mp_model_fini(&m);
}

static void
test_model_mla_and_sliding_layers(void **state)
{
	struct mp_model m;
	struct mp_error e;
	uint32_t l, sliding = 0;

	(void)state;
	mp_model_init(&m);
	assert_true(mp_model_load("deepseek-v2-lite", &m, &e));
	/* transformers 5 caches the 512 + 64 MLA latent per token */
	assert_int_equal(m.layer[0].kind, MP_LK_MLA);
	assert_int_equal(m.layer[0].kv_k + m.layer[0].kv_v, 576);
	mp_model_fini(&m);
	assert_true(mp_model_load("gemma-3-27b-it", &m, &e));
	for (l = 0; l < m.layers; l++)
		sliding += m.layer[l].kind == MP_LK_SLIDING;
	/* five local layers for each global one */
	assert_int_equal(sliding, m.layers - m.layers / 6);
	assert_true(m.vision_params > 0);
	mp_model_fini(&m);
}

/*
 * The context limit each rope scaling type implies, on the bundled
 * configs (which state their scaled length) and on a yarn config that
 * extends it (Qwen2.5's documented factor 4 over 32768 positions).
 */
static void
test_model_context_limit(void **state)
{
	static const struct {
		const char	*name;
		uint64_t	 limit;
		bool		 scaled;
	} cases[] = {
		{ "llama-3.1-8b-instruct", 131072, false },	/* llama3 */
		{ "deepseek-v3", 163840, false },	/* yarn 40 x 4096 */
		{ "gpt-oss-20b", 131072, false },	/* yarn 32 x 4096 */
		{ "gemma-3-4b-it", 131072, false },	/* linear, no original */
		{ "qwen2.5-7b-instruct", 32768, false },	/* none */
		{ "../tests/fixtures/qwen2.5-0.5b-yarn", 131072, true },
	};
	char		 path[1024];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mp_model	 m;
		struct mp_error	 e;
		bool		 scaled;
		const char	*spec = cases[i].name;

		if (spec[0] == '.') {
			snprintf(path, sizeof(path), "%s/%s", mp_datadir(),
			    spec);
			spec = path;
		}
		mp_model_init(&m);
		mp_error_clear(&e);
		if (!mp_model_load(spec, &m, &e))
			fail_msg("%s: %s", spec, e.msg);
		assert_int_equal(mp_model_context_limit(&m, &scaled),
		    cases[i].limit);
		assert_int_equal(scaled, cases[i].scaled);
		mp_model_fini(&m);
	}
}

/*
 * A config with tie_word_embeddings true gets no lm_head of its own:
 * transformers' tie_weights() points it at the embedding, so the weights
 * count once.  Every family's builder follows it (DeepSeek and gpt-oss
 * once added the head whatever the config said).  Each bundled config,
 * cut to 2 layers, is parsed tied and untied: the difference is the head.
 */
static void
test_model_tied_head_counted_once(void **state)
{
	static const struct {
		const char	*name;
		bool		 head_bias;
	} fam[] = {
		{ "llama-3.2-1b-instruct", false }, { "qwen3-30b-a3b", false },
		{ "deepseek-v2-lite", false }, { "gpt-oss-20b", false },
		{ "gpt2-large", false }, { "pythia-160m", false },
		{ "gpt-j-6b", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		struct mp_model	 m[2];
		struct mp_error	 e;
		char		 path[4096], *text;
		size_t		 len;
		cJSON		*root;
		uint64_t	 head;
		int		 tied;

		snprintf(path, sizeof(path), "%s/data/models/%s.json",
		    fx_srcdir(), fam[i].name);
		if (!mp_file_slurp(path, 1 << 20, "a config.json", &text,
		    &len, &e))
			fail_msg("%s: %s", path, e.msg);
		root = cJSON_Parse(text);
		assert_non_null(root);
		free(text);
		cJSON_DeleteItemFromObject(root, "num_hidden_layers");
		cJSON_DeleteItemFromObject(root, "n_layer");
		cJSON_AddNumberToObject(root, cJSON_HasObjectItem(root,
		    "n_embd") ? "n_layer" : "num_hidden_layers", 2);
		while (cJSON_GetArraySize(cJSON_GetObjectItem(root,
		    "layer_types")) > 2)
			cJSON_DeleteItemFromArray(cJSON_GetObjectItem(root,
			    "layer_types"), 2);
		for (tied = 0; tied < 2; tied++) {
			cJSON_DeleteItemFromObject(root,
			    "tie_word_embeddings");
			cJSON_AddBoolToObject(root, "tie_word_embeddings",
			    tied);
			text = cJSON_PrintUnformatted(root);
			if (!parse(text, &m[tied], &e))
				fail_msg("%s: %s: %s", fam[i].name, e.field,
				    e.msg);
			free(text);
		}
		head = m[0].vocab * m[0].hidden +
		    (fam[i].head_bias ? m[0].vocab : 0);
		if (m[0].params - m[1].params != head)
			fail_msg("%s: untied %llu - tied %llu, expected the "
			    "head's %llu", fam[i].name,
			    (unsigned long long)m[0].params,
			    (unsigned long long)m[1].params,
			    (unsigned long long)head);
		mp_model_fini(&m[0]);
		mp_model_fini(&m[1]);
		cJSON_Delete(root);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_bundled_counts_are_exact),
		cmocka_unit_test(test_model_tiny_llama_by_hand),
		cmocka_unit_test(test_model_errors_name_the_field),
		cmocka_unit_test(test_model_deep_nesting_refused),
		cmocka_unit_test(test_model_duplicate_keys_last_wins),
		cmocka_unit_test(test_model_unknown_type_warns),
		cmocka_unit_test(test_model_mla_and_sliding_layers),
		cmocka_unit_test(test_model_context_limit),
		cmocka_unit_test(test_model_tied_head_counted_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
