/*
 * sorted.c: arrays kept sorted by a name in strcmp order (bytes, a prefix
 * first): the binary search, the insertion and the removal that the
 * roster (online users, seen users), the rooms and each room's users
 * share.
 */
#include <string.h>

#include "server.h"

/* Compares a[0..alen) with b[0..blen) in strcmp order. */
int
sorted_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* The index of name in base[0..n), or where it would go. */
size_t
sorted_search(const void *base, size_t n, size_t size, const char *name,
    size_t len, sorted_name_fn *name_of, bool *found)
{
	const char *p = base, *s;
	size_t lo = 0, hi = n, mid, slen;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = name_of(p + mid * size, &slen);
		if ((c = sorted_compare(name, len, s, slen)) == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Opens slot at in the array *basep; see server.h. */
void *
sorted_insert(void *basep, size_t *n, size_t *cap, size_t size, size_t at,
    size_t first_cap)
{
	char *base;

	memcpy(&base, basep, sizeof base);
	if (*n == *cap) {
		*cap = *cap == 0 ? first_cap : *cap * 2;
		base = xreallocarray(base, *cap, size);
		memcpy(basep, &base, sizeof base);
	}
	memmove(base + (at + 1) * size, base + at * size, (*n - at) * size);
	(*n)++;
	return base + at * size;
}

/* Closes slot at of base[0..*n). */
void
sorted_remove(void *base, size_t *n, size_t size, size_t at)
{
	char *p = base;

	memmove(p + at * size, p + (at + 1) * size, (*n - at - 1) * size);
	(*n)--;
}
