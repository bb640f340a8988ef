/* jsonread.h: what every JSON reader does around cJSON (private to src/) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_JSONREAD_H
#define MEMPLAN_JSONREAD_H

#include <stddef.h>

#include <cjson/cJSON.h>

enum mp_json_scan { MP_JSON_SCAN_OK, MP_JSON_TOO_DEEP, MP_JSON_TOO_MANY };

/*
 * Counts, on the raw text, the values cJSON would build (an upper bound:
 * one per '{', '[' and ',' plus one) and the nesting depth, so that a
 * file within the size limit cannot make a tree of tens of millions of
 * nodes (about 100 bytes each) or make cJSON recurse deep.
 */
enum mp_json_scan mp_json_scan(const char *s, size_t len, int max_depth,
	    size_t max_values);

/*
 * Duplicate keys, read as Python's json module (hence transformers and
 * huggingface_hub) reads them: the last value wins.  Removes, in every
 * object of the tree, each member that a later member of the same name
 * overrides.  False only when out of memory.
 */
bool	mp_json_last_wins(cJSON *);

#endif /* MEMPLAN_JSONREAD_H */
