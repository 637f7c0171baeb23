/*
 * jload.h: the strict JSON loader of PROTOCOL.md section 3, on jansson.
 * A document must be one object of valid UTF-8 JSON with no duplicate
 * member names at any depth, no escaped U+0000, no lone surrogate, and
 * at most SC_JSON_MAX_DEPTH levels of nesting. Numbers beyond jansson's
 * range are valid JSON and still load (see jload_object()).
 *
 * Linking this module also installs wiping allocators into jansson: every
 * block jansson frees (a parsed password, a dumped message) is zeroed
 * first, so no request's secrets stay behind in freed heap memory.
 */
#ifndef SC_JLOAD_H
#define SC_JLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Parses buf[0..len) (1..max bytes) as one JSON object under the rules
 * above. A number jansson cannot hold (an integer beyond int64, a real
 * beyond a double) loads as the real 0.5, and a top-level member written
 * as the integer token -0 loads as the real -0.0, so that a member
 * wanting an integer refuses both as mistyped. Returns a new reference
 * (the caller json_decref()s it), or NULL.
 */
json_t *jload_object(const uint8_t *buf, size_t len, size_t max);

/* Bytes allocated through jansson and not yet freed (for tests). */
size_t jload_allocated(void);

#endif /* SC_JLOAD_H */
