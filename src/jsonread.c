/* jsonread.c: bounds and duplicate keys around cJSON, for every reader */
/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

enum mp_json_scan
mp_json_scan(const char *s, size_t len, int max_depth, size_t max_values)
{
	size_t	i, values = 1;
	int	depth = 0;
	bool	str = false;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				str = false;
			continue;
		}
		if (ch == '"')
			str = true;
		else if (ch == '{' || ch == '[') {
			if (++depth > max_depth)
				return MP_JSON_TOO_DEEP;
			values++;
		} else if (ch == '}' || ch == ']')
			depth--;
		else if (ch == ',')
			values++;
		if (values > max_values)
			return MP_JSON_TOO_MANY;
	}
	return MP_JSON_SCAN_OK;
}

struct member {
	cJSON	*item;
	size_t	 pos;
};

static int
cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->item->string, y->item->string);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* One object's members: sorted by (name, position), so each run of one
 * name is together and its last member is the one kept.  O(n log n). */
static bool
dedup_object(cJSON *obj)
{
	struct member	*v;
	cJSON		*it;
	size_t		 n = 0, i;

	for (it = obj->child; it != NULL; it = it->next)
		n++;
	if (n < 2)
		return true;
	if ((v = malloc(n * sizeof(*v))) == NULL)
		return false;
	for (i = 0, it = obj->child; it != NULL; it = it->next, i++) {
		v[i].item = it;
		v[i].pos = i;
	}
	qsort(v, n, sizeof(*v), cmp_member);
	for (i = 0; i + 1 < n; i++)
		if (strcmp(v[i].item->string, v[i + 1].item->string) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(obj,
			    v[i].item));
	free(v);
	return true;
}

bool
mp_json_last_wins(cJSON *node)
{
	cJSON *it;

	if (node == NULL)
		return true;
	if (cJSON_IsObject(node) && !dedup_object(node))
		return false;
	/* Depth is bounded by mp_json_scan before parsing. */
	for (it = node->child; it != NULL; it = it->next)
		if (!mp_json_last_wins(it))
			return false;
	return true;
}
