/* hf_fields.c: config.json fields read with their bounds, errors naming
 * the key path (the parser and the architecture builders share them) */
/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

const cJSON *
hf_item(const cJSON *obj, const char *key)
{
	const cJSON *it;

	if (obj == NULL || !cJSON_IsObject(obj))
		return NULL;
	it = cJSON_GetObjectItemCaseSensitive(obj, key);
	/* JSON null means "not set" in configs ("head_dim": null). */
	if (it == NULL || cJSON_IsNull(it))
		return NULL;
	return it;
}

bool
hf_bad_field(struct cfg *c, const char *pfx, const char *key, const char *msg)
{
	char field[96];

	snprintf(field, sizeof(field), "%s%s", pfx, key);
	return mp_error_set(c->err, MP_EINPUT, c->path, field, "%s", msg);
}

/*
 * An integer field of obj.  Missing: def, or an error when required.
 * Present: must be a whole number within [min, max].
 */
bool
hf_get_int(struct cfg *c, const cJSON *obj, const char *pfx, const char *key,
    bool required, uint64_t def, uint64_t min, uint64_t max, uint64_t *out)
{
	const cJSON	*it = hf_item(obj, key);
	double		 v;
	char		 range[128], num[32];

	if (it == NULL) {
		if (required)
			return hf_bad_field(c, pfx, key,
			    "missing; expected a positive integer");
		*out = def;
		return true;
	}
	if (!cJSON_IsNumber(it))
		return hf_bad_field(c, pfx, key, 
		    "expected an integer, got a non-number");
	v = it->valuedouble;
	if (!isfinite(v) || v != floor(v))
		return hf_bad_field(c, pfx, key, "expected a whole number");
	snprintf(range, sizeof(range), "expected an integer from %llu to "
	    "%llu, got %s", (unsigned long long)min,
	    (unsigned long long)max, mp_fmt_g(v, 17, num, sizeof(num)));
	if (v < (double)min || v > (double)max)
		return hf_bad_field(c, pfx, key, range);
	*out = (uint64_t)v;
	return true;
}

/* The same, from the text config. */
bool
hf_tint(struct cfg *c, const char *key, bool required, uint64_t def,
    uint64_t min, uint64_t max, uint32_t *out)
{
	uint64_t v;

	if (!hf_get_int(c, c->text, c->tpfx, key, required, def, min, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool
hf_get_bool(struct cfg *c, const cJSON *obj, const char *pfx, const char *key,
    bool def, bool *out)
{
	const cJSON *it = hf_item(obj, key);

	if (it == NULL) {
		*out = def;
		return true;
	}
	if (!cJSON_IsBool(it))
		return hf_bad_field(c, pfx, key, "expected true or false");
	*out = cJSON_IsTrue(it);
	return true;
}

bool
hf_tbool(struct cfg *c, const char *key, bool def, bool *out)
{
	return hf_get_bool(c, c->text, c->tpfx, key, def, out);
}

double
hf_tdouble(struct cfg *c, const char *key, double def)
{
	const cJSON *it = hf_item(c->text, key);

	if (it == NULL || !cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return def;
	return it->valuedouble;
}

const char *
hf_get_str(const cJSON *obj, const char *key)
{
	const cJSON *it = hf_item(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}
