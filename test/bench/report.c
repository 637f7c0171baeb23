/*
 * report.c: the results of a run, kept in the order they were added and
 * printed once at the end: "key: value" lines for people, or one JSON
 * object (keys in the same order, notes under "notes") with --json.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench.h"

static json_t *results;
static json_t *notes;

/* Creates the containers on first use. */
static void
start(void)
{
	if (results != NULL)
		return;
	results = json_object();
	notes = json_array();
	if (results == NULL || notes == NULL) {
		bench_warn("out of memory");
		abort();
	}
}

/* Adds an unsigned result. */
void
report_uint(const char *key, uint64_t v)
{
	start();
	json_object_set_new(results, key, json_integer((json_int_t)v));
}

/* Adds a real result, rounded to 3 decimals; NaN becomes null. */
void
report_num(const char *key, double v)
{
	start();
	if (isnan(v) || isinf(v))
		json_object_set_new(results, key, json_null());
	else
		json_object_set_new(results, key,
		    json_real(round(v * 1000) / 1000));
}

/* Adds a string result; NULL becomes null. */
void
report_str(const char *key, const char *v)
{
	start();
	json_object_set_new(results, key,
	    v != NULL ? json_string(v) : json_null());
}

/* Adds an explanatory sentence. */
void
report_note(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	start();
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_array_append_new(notes, json_string(buf));
}

/* Prints one value as text. */
static void
print_value(const char *key, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		printf("%-32s %lld\n", key, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		printf("%-32s %.3f\n", key, json_real_value(v));
		break;
	case JSON_STRING:
		printf("%-32s %s\n", key, json_string_value(v));
		break;
	default:
		printf("%-32s n/a\n", key);
		break;
	}
}

/* Prints and frees everything. */
void
report_print(bool json)
{
	const char *key;
	json_t *v;
	size_t i;
	char *s;

	start();
	if (json) {
		json_object_set(results, "notes", notes);
		s = json_dumps(results,
		    JSON_PRESERVE_ORDER | JSON_COMPACT |
			JSON_REAL_PRECISION(12));
		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		json_object_foreach(results, key, v) print_value(key, v);
		json_array_foreach(notes, i, v)
		    printf("# %s\n", json_string_value(v));
	}
	fflush(stdout);
	json_decref(results);
	json_decref(notes);
	results = notes = NULL;
}
