/*
 * jload.c: the strict JSON loader of PROTOCOL.md section 3. jansson
 * refuses bad UTF-8, lone surrogates, escaped U+0000 and (with
 * JSON_REJECT_DUPLICATES) duplicate names at any depth; we add the
 * object and depth rules, keep numbers beyond jansson's range loadable,
 * and catch an integer member written -0 on the raw bytes. The wiping
 * allocators installed here zero every block jansson frees.
 */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jload.h"
#include "sc_limits.h"
#include "xmalloc.h"

static size_t allocated; /* bytes live, for tests (relaxed atomics) */

/* jansson's malloc: plain malloc, counted. Blocks stay compatible with
 * free(), so a caller freeing json_dumps() output with free() is fine. */
static void *
wipe_malloc(size_t size)
{
	void *p;

	if ((p = malloc(size)) == NULL)
		return NULL;
	__atomic_fetch_add(&allocated, malloc_usable_size(p), __ATOMIC_RELAXED);
	return p;
}

/* jansson's free: wipes the whole block before freeing it. */
static void
wipe_free(void *p)
{
	size_t n;

	if (p == NULL)
		return;
	n = malloc_usable_size(p);
	__atomic_fetch_sub(&allocated, n, __ATOMIC_RELAXED);
	sodium_memzero(p, n);
	free(p);
}

/*
 * Installs the wiping allocators before main() runs, so that no block is
 * ever allocated by one allocator and freed by the other.
 */
static void __attribute__((constructor)) install_allocators(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}

/* Bytes allocated through jansson and not yet freed. */
size_t
jload_allocated(void)
{
	return __atomic_load_n(&allocated, __ATOMIC_RELAXED);
}

/* True if the container j, at nesting level level, and everything in it
 * stay within SC_JSON_MAX_DEPTH. Recursion stops one level past the limit. */
static bool
depth_ok(json_t *j, int level)
{
	const char *key;
	json_t *v;
	size_t i;

	if (level > SC_JSON_MAX_DEPTH)
		return false;
	if (json_is_object(j)) {
		json_object_foreach(j, key, v)
		{
			if ((json_is_object(v) || json_is_array(v)) &&
			    !depth_ok(v, level + 1))
				return false;
		}
	} else {
		json_array_foreach(j, i, v)
		{
			if ((json_is_object(v) || json_is_array(v)) &&
			    !depth_ok(v, level + 1))
				return false;
		}
	}
	return true;
}

/* The end of the JSON number at p[i] per RFC 8259, or i when there is
 * none; *real says whether it has a fraction or an exponent. */
static size_t
number_end(const uint8_t *p, size_t len, size_t i, bool *real)
{
	size_t j = i, d;

	*real = false;
	if (j < len && p[j] == '-')
		j++;
	if (j < len && p[j] == '0')
		j++;
	else if (j < len && p[j] >= '1' && p[j] <= '9') {
		while (j < len && p[j] >= '0' && p[j] <= '9')
			j++;
	} else
		return i;
	if (j < len && p[j] == '.') {
		for (d = ++j; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			;
		if (j == d)
			return i;
		*real = true;
	}
	if (j < len && (p[j] == 'e' || p[j] == 'E')) {
		j++;
		if (j < len && (p[j] == '+' || p[j] == '-'))
			j++;
		for (d = j; j < len && p[j] >= '0' && p[j] <= '9'; j++)
			;
		if (j == d)
			return i;
		*real = true;
	}
	return j;
}

/*
 * jansson refuses numbers it cannot hold (integers beyond int64, reals
 * beyond a double), but they are valid JSON: such a document must still
 * be answered as JSON. Parses a copy in which each such number is
 * replaced by 0.5, a value of the same JSON kind that no member accepts
 * as an integer: an out-of-range "id" is then a mistyped member, and one
 * in an unknown member is ignored. Returns a new reference, or NULL.
 */
static json_t *
load_big_numbers(const uint8_t *buf, size_t len)
{
	json_error_t error;
	json_t *root;
	char *copy, *num;
	size_t i = 0, j, o = 0, run;
	bool in_string = false, real;
	double d;

	/* Only numbers of 5 bytes or more overflow ("1e309"), and each
	 * becomes 3 bytes: the copy is never longer than the original. */
	copy = xmalloc(len + 1);
	while (i < len) {
		if (in_string) {
			if (buf[i] == '\\' && i + 1 < len)
				copy[o++] = (char)buf[i++];
			else if (buf[i] == '"')
				in_string = false;
			copy[o++] = (char)buf[i++];
			continue;
		}
		if (buf[i] == '"')
			in_string = true;
		if (buf[i] != '-' && (buf[i] < '0' || buf[i] > '9')) {
			copy[o++] = (char)buf[i++];
			continue;
		}
		/* A number token (RFC 8259: -?int frac? exp?): anything else
		 * is copied as it is and left for jansson to refuse. */
		for (run = i; run < len &&
		     (buf[run] == '-' || buf[run] == '+' || buf[run] == '.' ||
			 buf[run] == 'e' || buf[run] == 'E' ||
			 (buf[run] >= '0' && buf[run] <= '9'));
		     run++)
			;
		j = number_end(buf, len, i, &real);
		if (j != run) {
			/* Not one valid number: the whole run stays. */
			memcpy(copy + o, buf + i, run - i);
			o += run - i;
			i = run;
			continue;
		}
		num = xstrndup((const char *)buf + i, j - i);
		errno = 0;
		if (real) {
			d = strtod(num, NULL);
			real = errno == ERANGE &&
			    (d == HUGE_VAL || d == -HUGE_VAL);
		} else {
			(void)strtoll(num, NULL, 10);
			real = errno == ERANGE;
		}
		sodium_memzero(num, j - i);
		free(num);
		if (real) {
			memcpy(copy + o, "0.5", 3);
			o += 3;
		} else {
			memcpy(copy + o, buf + i, j - i);
			o += j - i;
		}
		i = j;
	}
	root = json_loadb(copy, o, JSON_REJECT_DUPLICATES, &error);
	sodium_memzero(copy, len + 1); /* it may hold a password */
	free(copy);
	return root;
}

/* Returns the index of the first byte at or after i that is not JSON
 * whitespace. */
static size_t
skip_ws(const uint8_t *p, size_t len, size_t i)
{
	while (i < len &&
	    (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* Returns the index just past the JSON string whose quote is at p[i]. */
static size_t
skip_string(const uint8_t *p, size_t len, size_t i)
{
	for (i++; i < len && p[i] != '"'; i++) {
		if (p[i] == '\\')
			i++;
	}
	return i + 1;
}

/* Returns the index just past the JSON value starting at p[i]. */
static size_t
skip_value(const uint8_t *p, size_t len, size_t i)
{
	size_t open = 0;

	if (i >= len)
		return len;
	if (p[i] == '"')
		return skip_string(p, len, i);
	if (p[i] == '{' || p[i] == '[') {
		do {
			if (p[i] == '"') {
				i = skip_string(p, len, i);
				continue;
			}
			if (p[i] == '{' || p[i] == '[')
				open++;
			else if (p[i] == '}' || p[i] == ']')
				open--;
			i++;
		} while (i < len && open > 0);
		return i;
	}
	while (i < len && p[i] != ',' && p[i] != '}' && p[i] != ']' &&
	    p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
		i++;
	return i;
}

/* Returns the value of hex digit c, or -1. */
static int
hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* True if the JSON string whose quote is at p[i] decodes to want (of
 * wlen bytes); *next gets the index just past it. */
static bool
key_equals(const uint8_t *p, size_t len, size_t i, const char *want,
    size_t wlen, size_t *next)
{
	size_t n = 0, k;
	bool match = true;
	int c, h;

	for (i++; i < len && p[i] != '"';) {
		if (p[i] != '\\') {
			c = p[i++];
		} else if (i + 1 < len && p[i + 1] == 'u' && i + 5 < len) {
			/* \uXXXX; a surrogate half never matches. */
			c = 0;
			for (k = 2; k < 6 && c >= 0; k++) {
				h = hex_value(p[i + k]);
				c = h < 0 ? -1 : c * 16 + h;
			}
			i += 6;
		} else {
			c = -1; /* \" \\ \/ \b \f \n \r \t */
			i += 2;
		}
		if (n < wlen && c == (unsigned char)want[n])
			n++;
		else
			match = false;
	}
	*next = i + 1;
	return match && n == wlen;
}

/*
 * True if the top-level member key of the JSON object in p[0..len) is the
 * token -0. Jansson reads -0 as the integer 0, so only the raw bytes tell.
 * p must already have loaded as an object; one linear pass.
 */
static bool
negative_zero(const uint8_t *p, size_t len, const char *key)
{
	size_t klen = strlen(key);
	size_t i;
	bool is_id;

	i = skip_ws(p, len, 0);
	if (i >= len || p[i] != '{')
		return false;
	for (i++;;) {
		i = skip_ws(p, len, i);
		if (i >= len || p[i] != '"')
			return false;
		is_id = key_equals(p, len, i, key, klen, &i);
		i = skip_ws(p, len, i);
		if (i >= len || p[i] != ':')
			return false;
		i = skip_ws(p, len, i + 1);
		if (is_id) {
			return len - i >= 2 && p[i] == '-' && p[i + 1] == '0' &&
			    (len - i == 2 ||
				(p[i + 2] != '.' && p[i + 2] != 'e' &&
				    p[i + 2] != 'E'));
		}
		i = skip_ws(p, len, skip_value(p, len, i));
		if (i >= len || p[i] != ',')
			return false;
		i++;
	}
}

/* Replaces every top-level member written as the token -0 with -0.0. */
static void
mark_negative_zeros(json_t *root, const uint8_t *buf, size_t len)
{
	const char *key;
	json_t *v;

	json_object_foreach(root, key, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) != 0 ||
		    !negative_zero(buf, len, key))
			continue;
		if (json_object_set_new(root, key, json_real(-0.0)) != 0)
			xnomem();
	}
}

/* Parses buf[0..len) as one JSON object obeying the rules of section 3. */
json_t *
jload_object(const uint8_t *buf, size_t len, size_t max)
{
	json_t *root;
	json_error_t error;

	if (buf == NULL || len == 0 || len > max)
		return NULL;
	root =
	    json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &error);
	if (root == NULL &&
	    json_error_code(&error) == json_error_numeric_overflow)
		root = load_big_numbers(buf, len);
	if (root == NULL)
		return NULL;
	if (!json_is_object(root) || !depth_ok(root, 1)) {
		json_decref(root);
		return NULL;
	}
	mark_negative_zeros(root, buf, len);
	return root;
}
