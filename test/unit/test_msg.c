/*
 * test_msg.c: table-driven tests of common/msg.c: client requests through
 * steps 1, 3 and 5 of PROTOCOL.md section 3, server events, handshake
 * payloads, the content rules of section 4, and every encoder (exact
 * output, round trip through the parsers, SC_ERR_TOO_LONG for every
 * smaller cap without a byte written past it). Each table row runs as its
 * own cmocka test named after the row.
 *
 * JSON in the tables is written with ' for " (doc_build swaps them back)
 * so the rows stay readable; rows marked verbatim are used as they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"

#define A8	  "aaaaaaaa"
#define A32	  A8 A8 A8 A8
#define E2	  "\xc3\xa9\xc3\xa9"
#define E8	  E2 E2 E2 E2 /* 8 x U+00E9 */
#define E16	  E8 E8	      /* 16 x U+00E9, 32 bytes */
#define GUARD	  0xa5
#define GUARD_LEN 8
#define OUT_CAP	  SC_MSG_MAX_LEN

/* Encodes m as a request (client -> server). */
static int
req_enc(struct msg m, char *b, size_t c, size_t *l)
{
	return msg_encode(&m, MSG_C2S, b, c, l);
}

/* Encodes m as an event (server -> client). */
static int
ev_enc(struct msg m, char *b, size_t c, size_t *l)
{
	return msg_encode(&m, MSG_S2C, b, c, l);
}

/* The step of section 3 whose check gave the answer. */
enum step {
	STEP_OK = 0,
	STEP_PARSE = 1,
	STEP_MEMBERS = 3,
	STEP_CONTENT = 5,
};

/* A test document: pre, rep x nrep, mid, rep2 x nrep2, post. */
struct doc {
	const char *pre; /* may hold NUL bytes: prelen */
	size_t prelen;
	const char *rep;
	size_t nrep;
	const char *mid;
	const char *rep2;
	size_t nrep2;
	const char *post;
	bool verbatim; /* keep ' as it is */
};

#define J(s)  .doc = { .pre = (s), .prelen = sizeof(s) - 1 }
#define JV(s) .doc = { .pre = (s), .prelen = sizeof(s) - 1, .verbatim = true }
#define JREP(p, r, n, q)                                                       \
	.doc = { .pre = (p),                                                   \
		.prelen = sizeof(p) - 1,                                       \
		.rep = (r),                                                    \
		.nrep = (n),                                                   \
		.mid = (q) }
#define JREP2(p, r, n, m, r2, n2, q)                                           \
	.doc = { .pre = (p),                                                   \
		.prelen = sizeof(p) - 1,                                       \
		.rep = (r),                                                    \
		.nrep = (n),                                                   \
		.mid = (m),                                                    \
		.rep2 = (r2),                                                  \
		.nrep2 = (n2),                                                 \
		.post = (q) }

/* Appends s (n bytes) count times at *p. */
static void
put(uint8_t **p, const char *s, size_t n, size_t count)
{
	if (n == 0)
		return;
	while (count-- > 0) {
		memcpy(*p, s, n);
		*p += n;
	}
}

/* Returns the bytes of d in a malloc'd buffer and their length in *len. */
static uint8_t *
doc_build(const struct doc *d, size_t *len)
{
	size_t rlen, r2len, mlen, plen, n, i;
	uint8_t *buf, *p;

	rlen = d->rep != NULL ? strlen(d->rep) : 0;
	r2len = d->rep2 != NULL ? strlen(d->rep2) : 0;
	mlen = d->mid != NULL ? strlen(d->mid) : 0;
	plen = d->post != NULL ? strlen(d->post) : 0;
	n = d->prelen + rlen * d->nrep + mlen + r2len * d->nrep2 + plen;
	p = buf = malloc(n + 1);
	assert_non_null(buf);
	put(&p, d->pre, d->prelen, 1);
	put(&p, d->rep, rlen, d->nrep);
	put(&p, d->mid, mlen, 1);
	put(&p, d->rep2, r2len, d->nrep2);
	put(&p, d->post, plen, 1);
	if (!d->verbatim) {
		for (i = 0; i < n; i++) {
			if (buf[i] == '\'')
				buf[i] = '"';
		}
	}
	*len = n;
	return buf;
}

/* Runs one cmocka test per row of a table whose rows start with a name. */
static int
run_table(const char *group, CMUnitTestFunction fn, const void *rows,
    size_t size, size_t n)
{
	struct CMUnitTest *tests;
	const char *row;
	size_t i;
	int failed;

	tests = calloc(n, sizeof *tests);
	assert_non_null(tests);
	for (i = 0; i < n; i++) {
		row = (const char *)rows + i * size;
		tests[i].name = *(const char *const *)row;
		tests[i].test_func = fn;
		tests[i].initial_state = (void *)(uintptr_t)row;
	}
	failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	free(tests);
	return failed;
}

#define RUN_TABLE(fn, rows)                                                    \
	run_table(#rows, (fn), (rows), sizeof(rows)[0],                        \
	    sizeof(rows) / sizeof(rows)[0])

/* ---- Requests ----------------------------------------------------------- */

struct req_row {
	const char *name;
	struct doc doc;
	enum step step; /* where the answer came from */
	enum msg_code code;
	enum msg_type type;
	bool has_ref; /* for MSG_UNKNOWN; else implied */
	const char *ref;
	bool has_id; /* ping rows that pass */
	uint64_t id;
};

#define OK(t)	.step = STEP_OK, .type = (t)
#define OKID(n) .step = STEP_OK, .type = MSG_PING, .has_id = true, .id = (n)
#define BAD1	.step = STEP_PARSE, .code = MSG_CODE_BAD_REQUEST
#define UNKNOWN(r)                                                             \
	.step = STEP_PARSE, .code = MSG_CODE_BAD_REQUEST, .has_ref = true,     \
	.ref = (r)
#define BAD3(t)	 .step = STEP_MEMBERS, .code = MSG_CODE_BAD_REQUEST, .type = (t)
#define BAD5(t)	 .step = STEP_CONTENT, .code = MSG_CODE_BAD_REQUEST, .type = (t)
#define LONG5(t) .step = STEP_CONTENT, .code = MSG_CODE_TOO_LONG, .type = (t)

#define SAY_PRE	  "{'type':'say','text':'"
#define MSG_PRE	  "{'type':'msg','to':'bob','text':'"
#define BADTO_PRE "{'type':'msg','to':'b b','text':'"
#define PW_PRE	  "{'type':'login','user':'alice','password':'"
#define LIST_PRE  "{'type':'list','a':"
#define PAD_PRE	  "{'type':'list','p':'"
#define PAD_N	  (SC_MSG_MAX_LEN - (sizeof PAD_PRE - 1) - 2)

static const struct req_row req_rows[] = {
	/* Valid requests of every type. */
	{ "login", J("{'type':'login','user':'alice','password':'pw'}"),
	    OK(MSG_LOGIN) },
	{ "login, members in any order",
	    J("{'password':'pw','user':'alice','type':'login'}"),
	    OK(MSG_LOGIN) },
	{ "login, unknown members ignored",
	    J("{'type':'login','user':'a','password':'p','x':[1,{'y':null}]}"),
	    OK(MSG_LOGIN) },
	{ "say", J("{'type':'say','text':'hello'}"), OK(MSG_SAY) },
	{ "say, whitespace everywhere",
	    J(" \r\n\t{ 'type' : 'say' ,\n 'text' : 'hi' } \n"), OK(MSG_SAY) },
	{ "msg", J("{'type':'msg','to':'bob','text':'hi'}"), OK(MSG_MSG) },
	{ "list", J("{'type':'list'}"), OK(MSG_LIST) },
	{ "list, extra members", J("{'type':'list','id':1,'text':5}"),
	    OK(MSG_LIST) },
	{ "ping without id", J("{'type':'ping'}"), OK(MSG_PING) },
	{ "quit", J("{'type':'quit'}"), OK(MSG_QUIT) },
	{ "quit, extra members", J("{'type':'quit','reason':[]}"),
	    OK(MSG_QUIT) },
	{ "type written with escapes",
	    J("{'type':'\\u0073a\\u0079',"
	      "'text':'x'}"),
	    OK(MSG_SAY) },
	{ "key written with escapes", J("{'\\u0074ype':'list'}"),
	    OK(MSG_LIST) },
	{ "same key in different objects",
	    J("{'type':'list','o':{'a':1},'p':{'a':1},'q':[{'a':1}]}"),
	    OK(MSG_LIST) },
	{ "keys differing in case", J("{'type':'list','a':1,'A':1}"),
	    OK(MSG_LIST) },
	{ "max size 65519", JREP(PAD_PRE, "x", PAD_N, "'}"), OK(MSG_LIST) },

	/* Step 1: not a JSON object. */
	{ "empty input", J(""), BAD1 },
	{ "whitespace only", J(" \n"), BAD1 },
	{ "array", J("[]"), BAD1 },
	{ "array holding a request", J("[{'type':'list'}]"), BAD1 },
	{ "string", J("'list'"), BAD1 },
	{ "number", J("42"), BAD1 },
	{ "null", J("null"), BAD1 },
	{ "true", J("true"), BAD1 },
	{ "trailing garbage", J("{'type':'list'} x"), BAD1 },
	{ "two objects", J("{'type':'list'}{}"), BAD1 },
	{ "trailing comma after object", J("{'type':'list'},"), BAD1 },
	{ "trailing raw NUL", J("{'type':'list'}\0"), BAD1 },
	{ "leading raw NUL", J("\0{'type':'list'}"), BAD1 },
	{ "truncated", J("{'type':'list'"), BAD1 },
	{ "trailing comma in object", J("{'type':'list',}"), BAD1 },
	{ "single quotes", JV("{'type':'list'}"), BAD1 },
	{ "bare key", J("{type:'list'}"), BAD1 },
	{ "comment", J("{'type':'list'/**/}"), BAD1 },
	{ "NaN", J("{'type':'list','x':NaN}"), BAD1 },
	{ "leading zero", J("{'type':'list','x':01}"), BAD1 },
	{ "UTF-8 BOM", J("\xef\xbb\xbf{'type':'list'}"), BAD1 },
	{ "over 65519 bytes", JREP(PAD_PRE, "x", PAD_N + 1, "'}"), BAD1 },

	/* Step 1: bad UTF-8 as raw bytes. */
	{ "raw FF in text", J(SAY_PRE "\xff'}"), BAD1 },
	{ "raw FE in text", J(SAY_PRE "\xfe'}"), BAD1 },
	{ "overlong C0 AF", J(SAY_PRE "\xc0\xaf'}"), BAD1 },
	{ "overlong C1 BF", J(SAY_PRE "\xc1\xbf'}"), BAD1 },
	{ "overlong E0 80 AF", J(SAY_PRE "\xe0\x80\xaf'}"), BAD1 },
	{ "overlong F0 80 80 AF", J(SAY_PRE "\xf0\x80\x80\xaf'}"), BAD1 },
	{ "raw surrogate ED A0 80", J(SAY_PRE "\xed\xa0\x80'}"), BAD1 },
	{ "raw surrogate ED BF BF", J(SAY_PRE "\xed\xbf\xbf'}"), BAD1 },
	{ "above U+10FFFF", J(SAY_PRE "\xf4\x90\x80\x80'}"), BAD1 },
	{ "F5 lead byte", J(SAY_PRE "\xf5\x80\x80\x80'}"), BAD1 },
	{ "truncated E2 82", J(SAY_PRE "\xe2\x82'}"), BAD1 },
	{ "truncated C3", J(SAY_PRE "\xc3'}"), BAD1 },
	{ "lone continuation 80", J(SAY_PRE "\x80'}"), BAD1 },
	{ "bad UTF-8 in a key", J("{'type':'list','\xff':1}"), BAD1 },
	{ "bad UTF-8 in type", J("{'type':'li\xffst'}"), BAD1 },
	{ "bad UTF-8 in unknown member", J("{'type':'list','x':['\xc0\x80']}"),
	    BAD1 },
	{ "bad UTF-8 outside strings", J("{'type':'list'}\xff"), BAD1 },
	{ "raw control 01 in a string",
	    J(SAY_PRE "a\x01"
		      "b'}"),
	    BAD1 },
	{ "raw TAB in a string", J(SAY_PRE "a\tb'}"), BAD1 },
	{ "raw LF in a string", J(SAY_PRE "a\nb'}"), BAD1 },
	{ "raw NUL in a string", J(SAY_PRE "a\0b'}"), BAD1 },

	/* Step 1: lone surrogates and escaped U+0000. */
	{ "escaped \\ud800", J(SAY_PRE "\\ud800'}"), BAD1 },
	{ "escaped \\udc00", J(SAY_PRE "\\udc00'}"), BAD1 },
	{ "escaped \\ud800\\u0041", J(SAY_PRE "\\ud800\\u0041'}"), BAD1 },
	{ "escaped \\udbff at end", J(SAY_PRE "x\\udbff'}"), BAD1 },
	{ "escaped \\udc00\\ud800", J(SAY_PRE "\\udc00\\ud800'}"), BAD1 },
	{ "escaped \\ud800\\ud800", J(SAY_PRE "\\ud800\\ud800'}"), BAD1 },
	{ "lone surrogate in a key", J("{'type':'list','\\ud800':1}"), BAD1 },
	{ "lone surrogate nested", J("{'type':'list','o':[['\\udfff']]}"),
	    BAD1 },
	{ "escaped U+0000 in text", J(SAY_PRE "a\\u0000b'}"), BAD1 },
	{ "escaped U+0000 in a key", J("{'type':'list','a\\u0000':1}"), BAD1 },
	{ "escaped U+0000 nested", J("{'type':'list','o':['\\u0000']}"), BAD1 },
	{ "escaped U+0000 in type", J("{'type':'say\\u0000','text':'x'}"),
	    BAD1 },
	{ "escaped surrogate pair", J(SAY_PRE "\\ud83d\\ude00'}"),
	    OK(MSG_SAY) },

	/* Step 1: duplicate members, compared after unescaping. */
	{ "duplicate type", J("{'type':'say','type':'say','text':'x'}"), BAD1 },
	{ "duplicate text", J("{'type':'say','text':'a','text':'b'}"), BAD1 },
	{ "duplicate type, escaped", J("{'type':'list','\\u0074ype':'list'}"),
	    BAD1 },
	{ "duplicate a and \\u0061", J("{'type':'list','a':1,'\\u0061':2}"),
	    BAD1 },
	{ "duplicate raw and escaped pair",
	    J("{'type':'list','\xf0\x9d\x84\x9e':1,'\\ud834\\udd1e':2}"),
	    BAD1 },
	{ "duplicate in nested object", J("{'type':'list','o':{'a':1,'a':2}}"),
	    BAD1 },
	{ "duplicate in array element",
	    J("{'type':'list','x':[{'a':1,'a':1}]}"), BAD1 },
	{ "duplicate deep inside",
	    J("{'type':'list','o':{'p':{'q':[[{'k':1,'\\u006b':1}]]}}}"),
	    BAD1 },
	{ "duplicate with unknown type", J("{'type':'shout','type':'shout'}"),
	    BAD1 },

	/* Step 1: depth; the top-level object is level 1. */
	{ "depth 2", J("{'type':'list','a':[]}"), OK(MSG_LIST) },
	{ "depth 32 arrays", JREP2(LIST_PRE, "[", 31, "", "]", 31, "}"),
	    OK(MSG_LIST) },
	{ "depth 33 arrays", JREP2(LIST_PRE, "[", 32, "", "]", 32, "}"), BAD1 },
	{ "depth 32 objects", JREP2(LIST_PRE, "{'a':", 31, "1", "}", 31, "}"),
	    OK(MSG_LIST) },
	{ "depth 33 objects", JREP2(LIST_PRE, "{'a':", 32, "1", "}", 32, "}"),
	    BAD1 },
	{ "depth 33 in a later member",
	    JREP2("{'type':'list','a':[[1]],'b':", "[", 32, "", "]", 32, "}"),
	    BAD1 },
	{ "depth 33 with unknown type",
	    JREP2("{'type':'shout','a':", "[", 32, "", "]", 32, "}"), BAD1 },
	{ "depth 3000", JREP2(LIST_PRE, "[", 2999, "", "]", 2999, "}"), BAD1 },

	/* Step 1: type. */
	{ "type missing", J("{'text':'x'}"), BAD1 },
	{ "empty object", J("{}"), BAD1 },
	{ "type number", J("{'type':1}"), BAD1 },
	{ "type null", J("{'type':null}"), BAD1 },
	{ "type true", J("{'type':true}"), BAD1 },
	{ "type array", J("{'type':['say'],'text':'x'}"), BAD1 },
	{ "type object", J("{'type':{'a':'say'}}"), BAD1 },
	{ "type only nested", J("{'o':{'type':'list'}}"), BAD1 },
	{ "unknown type", J("{'type':'shout'}"), UNKNOWN("shout") },
	{ "unknown type, bad members", J("{'type':'shout','text':1}"),
	    UNKNOWN("shout") },
	{ "type is case-sensitive", J("{'type':'Say','text':'x'}"),
	    UNKNOWN("Say") },
	{ "type with a space", J("{'type':'say ','text':'x'}"),
	    UNKNOWN("say ") },
	{ "server type from a client", J("{'type':'login_ok'}"),
	    UNKNOWN("login_ok") },
	{ "type 'unknown'", J("{'type':'unknown'}"), UNKNOWN("unknown") },
	{ "empty type", J("{'type':''}"), UNKNOWN("") },
	{ "type of 32 bytes", J("{'type':'" A32 "'}"), UNKNOWN(A32) },
	{ "type of 33 bytes: no ref", J("{'type':'" A32 "a'}"), BAD1 },
	{ "type of 32 UTF-8 bytes", J("{'type':'" E16 "'}"), UNKNOWN(E16) },
	{ "type of 32 bytes escaped", JREP("{'type':'", "\\u00e9", 16, "'}"),
	    UNKNOWN(E16) },
	{ "type of 33 UTF-8 bytes: no ref", J("{'type':'" E16 "a'}"), BAD1 },
	{ "type of 32 bytes from 192 escaped",
	    JREP("{'type':'", "\\u0061", 32, "'}"), UNKNOWN(A32) },
	{ "type of 33 bytes escaped: no ref",
	    JREP("{'type':'", "\\u0061", 33, "'}"), BAD1 },

	/* Step 3: members. */
	{ "login without user", J("{'type':'login','password':'pw'}"),
	    BAD3(MSG_LOGIN) },
	{ "login without password", J("{'type':'login','user':'alice'}"),
	    BAD3(MSG_LOGIN) },
	{ "login user number", J("{'type':'login','user':5,'password':'p'}"),
	    BAD3(MSG_LOGIN) },
	{ "login user null", J("{'type':'login','user':null,'password':'p'}"),
	    BAD3(MSG_LOGIN) },
	{ "login user array", J("{'type':'login','user':['a'],'password':'p'}"),
	    BAD3(MSG_LOGIN) },
	{ "login password number",
	    J("{'type':'login','user':'a','password':1234}"), BAD3(MSG_LOGIN) },
	{ "login password object",
	    J("{'type':'login','user':'a','password':{}}"), BAD3(MSG_LOGIN) },
	{ "login user only nested",
	    J("{'type':'login','o':{'user':'a'},'password':'p'}"),
	    BAD3(MSG_LOGIN) },
	{ "say without text", J("{'type':'say'}"), BAD3(MSG_SAY) },
	{ "say action true", J("{'type':'say','text':'waves','action':true}"),
	    OK(MSG_SAY) },
	{ "say action false", J("{'type':'say','text':'x','action':false}"),
	    OK(MSG_SAY) },
	{ "say action string", J("{'type':'say','text':'x','action':'yes'}"),
	    BAD3(MSG_SAY) },
	{ "say action 1", J("{'type':'say','text':'x','action':1}"),
	    BAD3(MSG_SAY) },
	{ "say action null", J("{'type':'say','text':'x','action':null}"),
	    BAD3(MSG_SAY) },
	{ "msg action true",
	    J("{'type':'msg','to':'bob','text':'x','action':true}"),
	    OK(MSG_MSG) },
	{ "msg action array",
	    J("{'type':'msg','to':'bob','text':'x','action':[]}"),
	    BAD3(MSG_MSG) },
	{ "say text number", J("{'type':'say','text':1}"), BAD3(MSG_SAY) },
	{ "say text null", J("{'type':'say','text':null}"), BAD3(MSG_SAY) },
	{ "say text true", J("{'type':'say','text':true}"), BAD3(MSG_SAY) },
	{ "say text array", J("{'type':'say','text':['a']}"), BAD3(MSG_SAY) },
	{ "say text object", J("{'type':'say','text':{'a':'b'}}"),
	    BAD3(MSG_SAY) },
	{ "msg without to", J("{'type':'msg','text':'hi'}"), BAD3(MSG_MSG) },
	{ "msg without text", J("{'type':'msg','to':'bob'}"), BAD3(MSG_MSG) },
	{ "msg to number", J("{'type':'msg','to':1,'text':'hi'}"),
	    BAD3(MSG_MSG) },
	{ "msg text number", J("{'type':'msg','to':'bob','text':1}"),
	    BAD3(MSG_MSG) },
	{ "msg bad to and no text", J("{'type':'msg','to':''}"),
	    BAD3(MSG_MSG) },

	/* Ping's id: an integer at step 3, in 0..2^53-1 at step 5 (integer
	 * ranges are content rules, as section 7 says of its members). */
	{ "ping id 0", J("{'type':'ping','id':0}"), OKID(0) },
	{ "ping id 5, spaced", J("{ 'type' : 'ping' , 'id' : 5 }"), OKID(5) },
	{ "ping id 2^53-1", J("{'type':'ping','id':9007199254740991}"),
	    OKID(9007199254740991ULL) },
	{ "ping id 2^53", J("{'type':'ping','id':9007199254740992}"),
	    BAD5(MSG_PING) },
	{ "ping id 2^63-1", J("{'type':'ping','id':9223372036854775807}"),
	    BAD5(MSG_PING) },
	{ "ping id 2^64: out of int64, still a mistyped member",
	    J("{'type':'ping','id':18446744073709551616}"), BAD3(MSG_PING) },
	{ "ping id -2^63-1", J("{'type':'ping','id':-9223372036854775809}"),
	    BAD3(MSG_PING) },
	{ "ping id 1e400: beyond a double", J("{'type':'ping','id':1e400}"),
	    BAD3(MSG_PING) },
	{ "ping id 0, huge number in an unknown member",
	    J("{'type':'ping','x':1e400,'y':-99999999999999999999,'id':0}"),
	    OKID(0) },
	{ "huge number with a second exponent is not JSON",
	    J("{'type':'ping','x':1e999e5}"), BAD1 },
	{ "huge number with a trailing fraction is not JSON",
	    J("{'type':'ping','x':1e999.5}"), BAD1 },
	{ "huge integer then a minus is not JSON",
	    J("{'type':'ping','x':99999999999999999999-1}"), BAD1 },
	{ "two minus signs before a huge number are not JSON",
	    J("{'type':'ping','x':--1e999}"), BAD1 },
	{ "a plus before a huge number is not JSON",
	    J("{'type':'ping','x':+1e999}"), BAD1 },
	{ "huge number inside a string stays text",
	    J("{'type':'ping','x':'1e400 99999999999999999999','id':3}"),
	    OKID(3) },
	{ "ping id -1", J("{'type':'ping','id':-1}"), BAD5(MSG_PING) },
	{ "ping id -2^63", J("{'type':'ping','id':-9223372036854775808}"),
	    BAD5(MSG_PING) },
	{ "ping id 1.0", J("{'type':'ping','id':1.0}"), BAD3(MSG_PING) },
	{ "ping id 1e3", J("{'type':'ping','id':1e3}"), BAD3(MSG_PING) },
	{ "ping id 1E3", J("{'type':'ping','id':1E3}"), BAD3(MSG_PING) },
	{ "ping id 0e0", J("{'type':'ping','id':0e0}"), BAD3(MSG_PING) },
	{ "ping id 1.5", J("{'type':'ping','id':1.5}"), BAD3(MSG_PING) },
	{ "ping id string", J("{'type':'ping','id':'5'}"), BAD3(MSG_PING) },
	{ "ping id null", J("{'type':'ping','id':null}"), BAD3(MSG_PING) },
	{ "ping id true", J("{'type':'ping','id':true}"), BAD3(MSG_PING) },
	{ "ping id array", J("{'type':'ping','id':[1]}"), BAD3(MSG_PING) },
	{ "ping id -0", J("{'type':'ping','id':-0}"), BAD3(MSG_PING) },
	{ "ping id -0, spaced", J("{'type':'ping' , 'id' : -0 }"),
	    BAD3(MSG_PING) },
	{ "ping id -0 then newline", J("{'type':'ping','id':-0\n}"),
	    BAD3(MSG_PING) },
	{ "ping id -0 first", J("{'id':-0,'type':'ping'}"), BAD3(MSG_PING) },
	{ "ping id -0 before more", J("{'type':'ping','id':-0,'x':1}"),
	    BAD3(MSG_PING) },
	{ "ping \\u0069d -0", J("{'type':'ping','\\u0069d':-0}"),
	    BAD3(MSG_PING) },
	{ "ping i\\u0064 -0", J("{'type':'ping','i\\u0064':-0}"),
	    BAD3(MSG_PING) },
	{ "ping \\u0049d -0 is another key", J("{'type':'ping','\\u0049d':-0}"),
	    OK(MSG_PING) },
	{ "ping id -0.0", J("{'type':'ping','id':-0.0}"), BAD3(MSG_PING) },
	{ "ping id -0e0", J("{'type':'ping','id':-0e0}"), BAD3(MSG_PING) },
	{ "ping id -0 after an escaped quote",
	    J("{'type':'ping','s':'a\\\"b','id':-0}"), BAD3(MSG_PING) },
	{ "ping id -0 after a bracket in a string",
	    J("{'type':'ping','a':['],}'],'o':{'k':'}'},'id':-0}"),
	    BAD3(MSG_PING) },
	{ "ping id -0 after an escaped backslash",
	    J("{'type':'ping','s':'\\\\','id':-0}"), BAD3(MSG_PING) },
	{ "ping x -0, id 0", J("{'type':'ping','x':-0,'id':0}"), OKID(0) },
	{ "ping id 0, x -0", J("{'type':'ping','id':0,'x':-0}"), OKID(0) },
	{ "ping nested id -0", J("{'type':'ping','o':{'id':-0},'id':0}"),
	    OKID(0) },
	{ "ping -0 in arrays",
	    J("{'type':'ping','a':[-0,{'id':-0},[-0]],'id':0}"), OKID(0) },
	{ "ping -0 inside a string",
	    J("{'type':'ping','s':'\\\"id\\\":-0,','id':0}"), OKID(0) },
	{ "ping key with escaped quote",
	    J("{'type':'ping','s\\\"id':-0,'id':0}"), OKID(0) },
	{ "ping key that is a backslash", J("{'type':'ping','\\\\':-0,'id':0}"),
	    OKID(0) },
	{ "ping key idx", J("{'type':'ping','idx':-0,'id':0}"), OKID(0) },
	{ "ping key i", J("{'type':'ping','i':-0,'id':0}"), OKID(0) },
	{ "ping key \\\\id", J("{'type':'ping','\\\\id':-0,'id':0}"), OKID(0) },
	{ "ping key with brackets",
	    J("{'type':'ping','[{':-0,'}]':[-0],'id':0}"), OKID(0) },
	{ "list with id -0", J("{'type':'list','id':-0}"), OK(MSG_LIST) },

	/* Step 5: login. */
	{ "user of 32 bytes",
	    J("{'type':'login','user':'" A32 "',"
	      "'password':'p'}"),
	    OK(MSG_LOGIN) },
	{ "user of all allowed classes",
	    J("{'type':'login','user':'AZaz09_.-','password':'p'}"),
	    OK(MSG_LOGIN) },
	{ "user written with escapes",
	    J("{'type':'login','user':'\\u0061lice','password':'p'}"),
	    OK(MSG_LOGIN) },
	{ "user empty", J("{'type':'login','user':'','password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "user of 33 bytes",
	    J("{'type':'login','user':'" A32 "a',"
	      "'password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "user with a space",
	    J("{'type':'login','user':'al ice','password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "user non-ASCII",
	    J("{'type':'login','user':'alic\xc3\xa9','password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "user with a slash",
	    J("{'type':'login','user':'a/b','password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "user with @", J("{'type':'login','user':'a@b','password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "user with escaped TAB",
	    J("{'type':'login','user':'a\\tb','password':'p'}"),
	    BAD5(MSG_LOGIN) },
	{ "password empty", J(PW_PRE "'}"), BAD5(MSG_LOGIN) },
	{ "password of 1024 bytes", JREP(PW_PRE, "p", 1024, "'}"),
	    OK(MSG_LOGIN) },
	{ "password of 1025 bytes", JREP(PW_PRE, "p", 1025, "'}"),
	    BAD5(MSG_LOGIN) },
	{ "password of 512 x U+00E9", JREP(PW_PRE, "\xc3\xa9", 512, "'}"),
	    OK(MSG_LOGIN) },
	{ "password of 513 x U+00E9", JREP(PW_PRE, "\xc3\xa9", 513, "'}"),
	    BAD5(MSG_LOGIN) },
	{ "password with controls", J(PW_PRE "a\\u0001\\u007f\\u0085'}"),
	    OK(MSG_LOGIN) },
	{ "bad user, good password",
	    J("{'type':'login','user':'','password':'pw'}"), BAD5(MSG_LOGIN) },

	/* Step 5: text. */
	{ "text with TAB and LF", J(SAY_PRE "a\\tb\\nc'}"), OK(MSG_SAY) },
	{ "text non-ASCII",
	    J(SAY_PRE "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e'}"),
	    OK(MSG_SAY) },
	{ "text U+00A0", J(SAY_PRE "\\u00a0'}"), OK(MSG_SAY) },
	{ "text raw C2 A0", J(SAY_PRE "\xc2\xa0'}"), OK(MSG_SAY) },
	{ "text U+2028", J(SAY_PRE "\\u2028'}"), OK(MSG_SAY) },
	{ "text raw DEL-adjacent 7E", J(SAY_PRE "~'}"), OK(MSG_SAY) },
	{ "text empty", J(SAY_PRE "'}"), BAD5(MSG_SAY) },
	{ "text \\u0001", J(SAY_PRE "a\\u0001'}"), BAD5(MSG_SAY) },
	{ "text \\u001f", J(SAY_PRE "\\u001f'}"), BAD5(MSG_SAY) },
	{ "text \\u001b (ESC)", J(SAY_PRE "\\u001b[2J'}"), BAD5(MSG_SAY) },
	{ "text \\r", J(SAY_PRE "a\\rb'}"), BAD5(MSG_SAY) },
	{ "text \\b", J(SAY_PRE "\\b'}"), BAD5(MSG_SAY) },
	{ "text \\f", J(SAY_PRE "\\f'}"), BAD5(MSG_SAY) },
	{ "text \\u007f (DEL)", J(SAY_PRE "\\u007f'}"), BAD5(MSG_SAY) },
	{ "text raw DEL", J(SAY_PRE "a\x7f'}"), BAD5(MSG_SAY) },
	{ "text \\u0080", J(SAY_PRE "\\u0080'}"), BAD5(MSG_SAY) },
	{ "text \\u0085", J(SAY_PRE "\\u0085'}"), BAD5(MSG_SAY) },
	{ "text \\u009f", J(SAY_PRE "\\u009f'}"), BAD5(MSG_SAY) },
	{ "text raw C2 80", J(SAY_PRE "\xc2\x80'}"), BAD5(MSG_SAY) },
	{ "text raw C2 85", J(SAY_PRE "x\xc2\x85y'}"), BAD5(MSG_SAY) },
	{ "text raw C2 9F", J(SAY_PRE "\xc2\x9f'}"), BAD5(MSG_SAY) },
	{ "text of 4096 bytes", JREP(SAY_PRE, "a", 4096, "'}"), OK(MSG_SAY) },
	{ "text of 4097 bytes", JREP(SAY_PRE, "a", 4097, "'}"),
	    LONG5(MSG_SAY) },
	{ "text of 4097 bytes with a control",
	    JREP(SAY_PRE "\\u0001", "a", 4096, "'}"), LONG5(MSG_SAY) },
	{ "text of 4097 bytes with DEL and C1",
	    JREP(SAY_PRE "\x7f\xc2\x85", "a", 4094, "'}"), LONG5(MSG_SAY) },
	{ "text of 4096 bytes with a control",
	    JREP(SAY_PRE "\\u0001", "a", 4095, "'}"), BAD5(MSG_SAY) },
	{ "text 4094 + 2-byte char", JREP(SAY_PRE, "a", 4094, "\xc3\xa9'}"),
	    OK(MSG_SAY) },
	{ "text 4095 + 2-byte char", JREP(SAY_PRE, "a", 4095, "\xc3\xa9'}"),
	    LONG5(MSG_SAY) },
	{ "text 4093 + 3-byte char", JREP(SAY_PRE, "a", 4093, "\xe2\x82\xac'}"),
	    OK(MSG_SAY) },
	{ "text 4094 + 3-byte char", JREP(SAY_PRE, "a", 4094, "\xe2\x82\xac'}"),
	    LONG5(MSG_SAY) },
	{ "text 4092 + 4-byte char",
	    JREP(SAY_PRE, "a", 4092, "\xf0\x9d\x84\x9e'}"), OK(MSG_SAY) },
	{ "text 4093 + 4-byte char",
	    JREP(SAY_PRE, "a", 4093, "\xf0\x9d\x84\x9e'}"), LONG5(MSG_SAY) },
	{ "text 4094 + escaped 2-byte char",
	    JREP(SAY_PRE, "a", 4094, "\\u00e9'}"), OK(MSG_SAY) },
	{ "text 4092 + escaped pair",
	    JREP(SAY_PRE, "a", 4092, "\\ud834\\udd1e'}"), OK(MSG_SAY) },
	{ "text 4093 + escaped pair",
	    JREP(SAY_PRE, "a", 4093, "\\ud834\\udd1e'}"), LONG5(MSG_SAY) },
	{ "text of 2048 x U+00E9", JREP(SAY_PRE, "\xc3\xa9", 2048, "'}"),
	    OK(MSG_SAY) },
	{ "text of 2049 x U+00E9", JREP(SAY_PRE, "\xc3\xa9", 2049, "'}"),
	    LONG5(MSG_SAY) },
	{ "text of 4096 escaped a", JREP(SAY_PRE, "\\u0061", 4096, "'}"),
	    OK(MSG_SAY) },

	/* Step 5: msg; too_long before bad_request. */
	{ "msg to of 32 bytes", J("{'type':'msg','to':'" A32 "','text':'x'}"),
	    OK(MSG_MSG) },
	{ "msg to empty", J("{'type':'msg','to':'','text':'hi'}"),
	    BAD5(MSG_MSG) },
	{ "msg to of 33 bytes", J("{'type':'msg','to':'" A32 "a','text':'x'}"),
	    BAD5(MSG_MSG) },
	{ "msg to with a space", J(BADTO_PRE "hi'}"), BAD5(MSG_MSG) },
	{ "msg text empty", J(MSG_PRE "'}"), BAD5(MSG_MSG) },
	{ "msg text control", J(MSG_PRE "\\u0007'}"), BAD5(MSG_MSG) },
	{ "msg text of 4096 bytes", JREP(MSG_PRE, "a", 4096, "'}"),
	    OK(MSG_MSG) },
	{ "msg text of 4097 bytes", JREP(MSG_PRE, "a", 4097, "'}"),
	    LONG5(MSG_MSG) },
	{ "msg bad to, text of 4097 bytes", JREP(BADTO_PRE, "a", 4097, "'}"),
	    LONG5(MSG_MSG) },
	{ "msg bad to, text with control", J(BADTO_PRE "\\u0001'}"),
	    BAD5(MSG_MSG) },

	/* Section 8: operator requests. */
	{ "kick", J("{'type':'kick','user':'bob'}"), OK(MSG_KICK) },
	{ "kick, room and reason",
	    J("{'type':'kick','user':'bob','room':'rust','reason':'spam'}"),
	    OK(MSG_KICK) },
	{ "kick without user", J("{'type':'kick','room':'rust'}"),
	    BAD3(MSG_KICK) },
	{ "kick user not a string", J("{'type':'kick','user':['bob']}"),
	    BAD3(MSG_KICK) },
	{ "kick bad room", J("{'type':'kick','user':'bob','room':'R'}"),
	    BAD5(MSG_KICK) },
	{ "kick empty reason", J("{'type':'kick','user':'bob','reason':''}"),
	    BAD5(MSG_KICK) },
	{ "kick reason of 4097 bytes, bad user",
	    JREP("{'type':'kick','user':'b b','reason':'", "a", 4097, "'}"),
	    LONG5(MSG_KICK) },
	{ "mute timed", J("{'type':'mute','user':'bob','seconds':60}"),
	    OK(MSG_MUTE) },
	{ "mute seconds 2^31-1",
	    J("{'type':'mute','user':'bob','seconds':2147483647}"),
	    OK(MSG_MUTE) },
	{ "mute seconds 0", J("{'type':'mute','user':'bob','seconds':0}"),
	    BAD5(MSG_MUTE) },
	{ "mute seconds 2^31",
	    J("{'type':'mute','user':'bob','seconds':2147483648}"),
	    BAD5(MSG_MUTE) },
	{ "mute seconds -1", J("{'type':'mute','user':'bob','seconds':-1}"),
	    BAD5(MSG_MUTE) },
	{ "mute seconds a string",
	    J("{'type':'mute','user':'bob','seconds':'60'}"), BAD3(MSG_MUTE) },
	{ "mute seconds 1.0", J("{'type':'mute','user':'bob','seconds':1.0}"),
	    BAD3(MSG_MUTE) },
	{ "unmute in a room", J("{'type':'unmute','user':'bob','room':'x'}"),
	    OK(MSG_UNMUTE) },
	{ "ban", J("{'type':'ban','user':'bob','seconds':5,'reason':'r'}"),
	    OK(MSG_BAN) },
	{ "ban reason a number", J("{'type':'ban','user':'bob','reason':5}"),
	    BAD3(MSG_BAN) },
	{ "unban", J("{'type':'unban','user':'bob'}"), OK(MSG_UNBAN) },
	{ "unban bad user", J("{'type':'unban','user':'b@b'}"),
	    BAD5(MSG_UNBAN) },
};

/* Runs one request row through steps 1, 3 and 5. */
static void
test_request(void **state)
{
	const struct req_row *row = *state;
	struct msg req;
	enum msg_code code;
	enum step step;
	uint8_t *buf;
	size_t len;
	bool has_ref;
	const char *ref;

	buf = doc_build(&row->doc, &len);
	step = STEP_PARSE;
	code = msg_request_parse(&req, buf, len);
	if (code == MSG_CODE_NONE) {
		step = STEP_MEMBERS;
		code = msg_request_members(&req);
	}
	if (code == MSG_CODE_NONE) {
		step = STEP_CONTENT;
		code = msg_request_content(&req);
	}
	if (code == MSG_CODE_NONE)
		step = STEP_OK;

	assert_int_equal(step, row->step);
	assert_int_equal(code, row->code);
	assert_int_equal(req.type, row->type);
	has_ref = row->type != MSG_UNKNOWN || row->has_ref;
	ref = row->type != MSG_UNKNOWN ? msg_type_name(row->type) : row->ref;
	assert_int_equal(req.has_ref, has_ref);
	if (has_ref)
		assert_string_equal(req.ref_type, ref);
	else
		assert_string_equal(req.ref_type, "");
	if (step == STEP_OK && row->type == MSG_PING) {
		assert_int_equal(req.id.set, row->has_id);
		assert_int_equal(req.id.v, row->id);
	}
	/* Decoded strings hold no NUL, so C-string users are safe. */
	if (req.text.s != NULL)
		assert_int_equal(strlen(req.text.s), req.text.len);
	if (req.password.s != NULL)
		assert_int_equal(strlen(req.password.s), req.password.len);

	msg_clear(&req);
	assert_null(req.root);
	msg_clear(&req);
	free(buf);
}

/* ---- Events ------------------------------------------------------------- */

struct ev_row {
	const char *name;
	struct doc doc;
	int rc;
	enum msg_type type;
	void (*check)(const struct msg *);
};

#define EV(t) .rc = 0, .type = (t)
#define EVBAD .rc = SC_ERR_FORMAT, .type = MSG_UNKNOWN

/* The say row's fields. */
static void
check_say(const struct msg *ev)
{
	assert_int_equal(ev->id.v, 7);
	assert_int_equal(ev->ts.v, 1700000000123LL);
	assert_string_equal(ev->from.s, "alice");
	assert_string_equal(ev->text.s, "hi \xc3\xa9");
	assert_int_equal(ev->text.len, 5);
	assert_null(ev->to.s);
	assert_false(ev->action.set);
}

/* An action say. */
static void
check_action(const struct msg *ev)
{
	assert_string_equal(ev->text.s, "waves");
	assert_true(ev->action.set);
	assert_true(ev->action.v);
}

/* The msg row's fields. */
static void
check_msg(const struct msg *ev)
{
	assert_int_equal(ev->id.v, 8);
	assert_int_equal(ev->ts.v, -5);
	assert_string_equal(ev->from.s, "alice");
	assert_string_equal(ev->to.s, "bob");
	assert_string_equal(ev->text.s, "psst");
}

/* The login_ok row's fields. */
static void
check_login_ok(const struct msg *ev)
{
	assert_string_equal(ev->user.s, "bob");
	assert_int_equal(ev->users.n, 2);
	assert_string_equal(ev->users.v[0], "alice");
	assert_string_equal(ev->users.v[1], "bob");
}

/* An empty users array. */
static void
check_no_users(const struct msg *ev)
{
	assert_int_equal(ev->users.n, 0);
}

/* presence online false. */
static void
check_offline(const struct msg *ev)
{
	assert_string_equal(ev->user.s, "carol");
	assert_false(ev->online.v);
}

/* presence online true. */
static void
check_online(const struct msg *ev)
{
	assert_true(ev->online.v);
}

/* pong without id. */
static void
check_pong_no_id(const struct msg *ev)
{
	assert_false(ev->id.set);
}

/* pong with id 2^53-1. */
static void
check_pong_id(const struct msg *ev)
{
	assert_true(ev->id.set);
	assert_int_equal(ev->id.v, 9007199254740991ULL);
}

/* error with a known code and a ref. */
static void
check_error_ref(const struct msg *ev)
{
	assert_int_equal(ev->code, MSG_CODE_NOT_ONLINE);
	assert_string_equal(ev->code_name.s, "not_online");
	assert_string_equal(ev->message.s, "m");
	assert_string_equal(ev->ref.s, "msg");
}

/* error with a code this client does not know. */
static void
check_error_unknown(const struct msg *ev)
{
	assert_int_equal(ev->code, MSG_CODE_NONE);
	assert_string_equal(ev->code_name.s, "teapot");
	assert_null(ev->ref.s);
}

#define NOTICE_PRE "{'type':'notice','text':'"
#define NOTICE_N   (SC_MSG_MAX_LEN - (sizeof NOTICE_PRE - 1) - 2)

static const struct ev_row ev_rows[] = {
	{ "say",
	    J("{'type':'say','id':7,'ts':1700000000123,'from':'alice',"
	      "'text':'hi \xc3\xa9','extra':[1]}"),
	    EV(MSG_SAY), check_say },
	{ "say action",
	    J("{'type':'say','id':7,'ts':1,'from':'alice',"
	      "'text':'waves','action':true}"),
	    EV(MSG_SAY), check_action },
	{ "say action not a boolean",
	    J("{'type':'say','id':7,'ts':1,"
	      "'from':'alice','text':'waves','action':'true'}"),
	    EVBAD },
	{ "msg",
	    J("{'type':'msg','id':8,'ts':-5,'from':'alice','to':'bob',"
	      "'text':'psst'}"),
	    EV(MSG_MSG), check_msg },
	{ "login_ok",
	    J("{'type':'login_ok','user':'bob',"
	      "'users':['alice','bob']}"),
	    EV(MSG_LOGIN_OK), check_login_ok },
	{ "login_ok, no users", J("{'type':'login_ok','user':'b','users':[]}"),
	    EV(MSG_LOGIN_OK), check_no_users },
	{ "presence offline",
	    J("{'type':'presence','user':'carol','online':false}"),
	    EV(MSG_PRESENCE), check_offline },
	{ "presence online",
	    J("{'type':'presence','user':'carol','online':true}"),
	    EV(MSG_PRESENCE), check_online },
	{ "users", J("{'type':'users','users':['a','b','c']}"), EV(MSG_USERS),
	    NULL },
	{ "users, empty", J("{'type':'users','users':[]}"), EV(MSG_USERS),
	    check_no_users },
	{ "pong", J("{'type':'pong'}"), EV(MSG_PONG), check_pong_no_id },
	{ "pong id", J("{'type':'pong','id':9007199254740991}"), EV(MSG_PONG),
	    check_pong_id },
	{ "notice", J("{'type':'notice','text':'shutting down'}"),
	    EV(MSG_NOTICE), NULL },
	{ "error with ref",
	    J("{'type':'error','code':'not_online',"
	      "'message':'m','ref':'msg'}"),
	    EV(MSG_ERROR), check_error_ref },
	{ "error, unknown code",
	    J("{'type':'error','code':'teapot',"
	      "'message':'m'}"),
	    EV(MSG_ERROR), check_error_unknown },
	{ "bye", J("{'type':'bye','reason':'shutdown'}"), EV(MSG_BYE), NULL },

	{ "say id 0", J("{'type':'say','id':0,'ts':1,'from':'a','text':'x'}"),
	    EVBAD },
	{ "say id -1", J("{'type':'say','id':-1,'ts':1,'from':'a','text':'x'}"),
	    EVBAD },
	{ "say id 1.0",
	    J("{'type':'say','id':1.0,'ts':1,'from':'a','text':'x'}"), EVBAD },
	{ "say id string",
	    J("{'type':'say','id':'1','ts':1,'from':'a','text':'x'}"), EVBAD },
	{ "say without id", J("{'type':'say','ts':1,'from':'a','text':'x'}"),
	    EVBAD },
	{ "say without ts", J("{'type':'say','id':1,'from':'a','text':'x'}"),
	    EVBAD },
	{ "say ts real",
	    J("{'type':'say','id':1,'ts':1.5,'from':'a','text':'x'}"), EVBAD },
	{ "say ts string",
	    J("{'type':'say','id':1,'ts':'1','from':'a','text':'x'}"), EVBAD },
	{ "say from number",
	    J("{'type':'say','id':1,'ts':1,'from':1,'text':'x'}"), EVBAD },
	{ "say without text", J("{'type':'say','id':1,'ts':1,'from':'a'}"),
	    EVBAD },
	{ "say text null",
	    J("{'type':'say','id':1,'ts':1,'from':'a','text':null}"), EVBAD },
	{ "msg without to",
	    J("{'type':'msg','id':1,'ts':1,'from':'a','text':'x'}"), EVBAD },
	{ "msg to number",
	    J("{'type':'msg','id':1,'ts':1,'from':'a','to':2,'text':'x'}"),
	    EVBAD },
	{ "login_ok without user", J("{'type':'login_ok','users':[]}"), EVBAD },
	{ "login_ok without users", J("{'type':'login_ok','user':'a'}"),
	    EVBAD },
	{ "login_ok users string",
	    J("{'type':'login_ok','user':'a','users':'a'}"), EVBAD },
	{ "login_ok users number inside",
	    J("{'type':'login_ok','user':'a','users':['a',1]}"), EVBAD },
	{ "login_ok users null inside",
	    J("{'type':'login_ok','user':'a','users':[null]}"), EVBAD },
	{ "users object", J("{'type':'users','users':{'a':'b'}}"), EVBAD },
	{ "users missing", J("{'type':'users'}"), EVBAD },
	{ "users nested array", J("{'type':'users','users':[['a']]}"), EVBAD },
	{ "presence online string",
	    J("{'type':'presence','user':'a','online':'true'}"), EVBAD },
	{ "presence online number",
	    J("{'type':'presence','user':'a','online':1}"), EVBAD },
	{ "presence without online", J("{'type':'presence','user':'a'}"),
	    EVBAD },
	{ "presence without user", J("{'type':'presence','online':true}"),
	    EVBAD },
	{ "pong id -1", J("{'type':'pong','id':-1}"), EVBAD },
	{ "pong id string", J("{'type':'pong','id':'1'}"), EVBAD },
	{ "pong id real", J("{'type':'pong','id':1.5}"), EVBAD },
	{ "pong id null", J("{'type':'pong','id':null}"), EVBAD },
	{ "notice without text", J("{'type':'notice'}"), EVBAD },
	{ "notice text number", J("{'type':'notice','text':1}"), EVBAD },
	{ "error without code", J("{'type':'error','message':'m'}"), EVBAD },
	{ "error code number", J("{'type':'error','code':1,'message':'m'}"),
	    EVBAD },
	{ "error without message", J("{'type':'error','code':'busy'}"), EVBAD },
	{ "error message null",
	    J("{'type':'error','code':'busy','message':null}"), EVBAD },
	{ "error ref number",
	    J("{'type':'error','code':'busy','message':'m','ref':1}"), EVBAD },
	{ "error ref null",
	    J("{'type':'error','code':'busy','message':'m','ref':null}"),
	    EVBAD },
	{ "bye without reason", J("{'type':'bye'}"), EVBAD },
	{ "bye reason array", J("{'type':'bye','reason':['x']}"), EVBAD },
	{ "unknown type", J("{'type':'shout'}"), EVBAD },
	{ "client type login", J("{'type':'login','user':'a','password':'b'}"),
	    EVBAD },
	{ "client type list", J("{'type':'list'}"), EVBAD },
	{ "client type ping", J("{'type':'ping'}"), EVBAD },
	{ "client type quit", J("{'type':'quit'}"), EVBAD },
	{ "type 'unknown'", J("{'type':'unknown'}"), EVBAD },
	{ "type empty", J("{'type':''}"), EVBAD },
	{ "type missing", J("{'reason':'x'}"), EVBAD },
	{ "type number", J("{'type':1}"), EVBAD },
	{ "empty input", J(""), EVBAD },
	{ "array", J("[{'type':'bye','reason':'x'}]"), EVBAD },
	{ "trailing garbage", J("{'type':'bye','reason':'x'}x"), EVBAD },
	{ "duplicate reason", J("{'type':'bye','reason':'x','reason':'y'}"),
	    EVBAD },
	{ "duplicate nested",
	    J("{'type':'bye','reason':'x','o':{'a':1,'\\u0061':1}}"), EVBAD },
	{ "escaped U+0000", J("{'type':'bye','reason':'\\u0000'}"), EVBAD },
	{ "lone surrogate", J("{'type':'bye','reason':'\\ud800'}"), EVBAD },
	{ "bad UTF-8", J("{'type':'bye','reason':'\xed\xa0\x80'}"), EVBAD },
	{ "depth 32",
	    JREP2("{'type':'bye','reason':'x','a':", "[", 31, "", "]", 31, "}"),
	    EV(MSG_BYE), NULL },
	{ "depth 33",
	    JREP2("{'type':'bye','reason':'x','a':", "[", 32, "", "]", 32, "}"),
	    EVBAD },
	{ "max size 65519", JREP(NOTICE_PRE, "x", NOTICE_N, "'}"),
	    EV(MSG_NOTICE), NULL },
	{ "over 65519 bytes", JREP(NOTICE_PRE, "x", NOTICE_N + 1, "'}"),
	    EVBAD },
};

/* Parses one event row. */
static void
test_event(void **state)
{
	const struct ev_row *row = *state;
	struct msg ev;
	uint8_t *buf;
	size_t len;

	buf = doc_build(&row->doc, &len);
	assert_int_equal(msg_event_parse(&ev, buf, len), row->rc);
	assert_int_equal(ev.type, row->type);
	if (row->rc != 0)
		assert_null(ev.root);
	if (row->check != NULL)
		row->check(&ev);
	msg_clear(&ev);
	assert_null(ev.root);
	assert_null(ev.users.v);
	msg_clear(&ev);
	free(buf);
}

/* ---- Handshake payloads ------------------------------------------------- */

struct hello_row {
	const char *name;
	struct doc doc;
	bool need_proto;
	int rc;
	const char *client;
	const char *server;
	const char *hname;
};

#define HOK  .rc = 0
#define HBAD .rc = SC_ERR_PAYLOAD

static const struct hello_row hello_rows[] = {
	{ "client hello", J("{'proto':1,'client':'securechat/0.1.0'}"), true,
	    HOK, "securechat/0.1.0", "", "" },
	{ "server hello",
	    J("{'proto':1,'server':'securechatd/0.1.0',"
	      "'name':'Test \xc3\xa9'}"),
	    true, HOK, "", "securechatd/0.1.0", "Test \xc3\xa9" },
	{ "proto only", J("{'proto':1}"), true, HOK, "", "", "" },
	{ "extra members", J("{'x':[{}],'proto':1,'y':null}"), true, HOK, "",
	    "", "" },
	{ "fields not strings",
	    J("{'proto':1,'client':1,'server':null,"
	      "'name':['n']}"),
	    true, HOK, "", "", "" },
	{ "escaped client", J("{'proto':1,'client':'\\u00e9\\ud83d\\ude00'}"),
	    true, HOK, "\xc3\xa9\xf0\x9f\x98\x80", "", "" },
	{ "client of 64 bytes", J("{'proto':1,'client':'" A32 A32 "'}"), true,
	    HOK, A32 A32, "", "" },
	{ "client of 65 bytes, cut", J("{'proto':1,'client':'" A32 A32 "b'}"),
	    true, HOK, A32 A32, "", "" },
	{ "client cut inside a 2-byte char",
	    J("{'proto':1,'client':'a" E16 E16 "'}"), true, HOK,
	    "a" E16 E8 "\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    "", "" },
	{ "client of 33 2-byte chars, cut",
	    J("{'proto':1,'client':'" E16 E16 "\xc3\xa9'}"), true, HOK, E16 E16,
	    "", "" },
	{ "name of 22 3-byte chars, cut",
	    JREP("{'proto':1,'name':'", "\xe2\x82\xac", 22, "'}"), true, HOK,
	    "", "",
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
	    "\xe2\x82\xac\xe2\x82\xac" },
	{ "server of 17 4-byte chars, cut",
	    JREP("{'proto':1,'server':'", "\xf0\x9d\x84\x9e", 17, "'}"), true,
	    HOK, "",
	    "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
	    "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
	    "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
	    "\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e\xf0\x9d\x84\x9e"
	    "\xf0\x9d\x84\x9e",
	    "" },
	{ "proto 1.0", J("{'proto':1.0}"), true, HBAD },
	{ "proto 1e0", J("{'proto':1e0}"), true, HBAD },
	{ "proto 10e-1", J("{'proto':10e-1}"), true, HBAD },
	{ "proto string", J("{'proto':'1'}"), true, HBAD },
	{ "proto true", J("{'proto':true}"), true, HBAD },
	{ "proto null", J("{'proto':null}"), true, HBAD },
	{ "proto array", J("{'proto':[1]}"), true, HBAD },
	{ "proto 2", J("{'proto':2}"), true, HBAD },
	{ "proto 0", J("{'proto':0}"), true, HBAD },
	{ "proto -1", J("{'proto':-1}"), true, HBAD },
	{ "proto missing", J("{'client':'x'}"), true, HBAD },
	{ "proto only nested", J("{'o':{'proto':1}}"), true, HBAD },
	{ "msg3 empty object", J("{}"), false, HOK, "", "", "" },
	{ "msg3 proto ignored", J("{'proto':'junk','client':'c'}"), false, HOK,
	    "c", "", "" },
	{ "msg3 array", J("[]"), false, HBAD },
	{ "msg3 empty", J(""), false, HBAD },
	{ "duplicate proto", J("{'proto':1,'proto':1}"), true, HBAD },
	{ "duplicate escaped", J("{'proto':1,'client':'a','\\u0063lient':'b'}"),
	    true, HBAD },
	{ "duplicate nested", J("{'o':[{'a':1,'a':1}]}"), false, HBAD },
	{ "escaped U+0000", J("{'proto':1,'client':'a\\u0000'}"), true, HBAD },
	{ "lone surrogate", J("{'proto':1,'client':'\\udc00'}"), true, HBAD },
	{ "bad UTF-8", J("{'proto':1,'client':'\xc0\xaf'}"), true, HBAD },
	{ "trailing garbage", J("{'proto':1} 1"), true, HBAD },
	{ "string", J("'proto'"), false, HBAD },
	{ "depth 32", JREP2("{'proto':1,'a':", "[", 31, "", "]", 31, "}"), true,
	    HOK, "", "", "" },
	{ "depth 33", JREP2("{'proto':1,'a':", "[", 32, "", "]", 32, "}"), true,
	    HBAD },
};

/* Checks one hello row, with and without an output struct. */
static void
test_hello(void **state)
{
	const struct hello_row *row = *state;
	struct msg_hello out;
	uint8_t *buf;
	size_t len;

	buf = doc_build(&row->doc, &len);
	memset(&out, 'x', sizeof out);
	assert_int_equal(msg_hello_check(buf, len, row->need_proto, &out),
	    row->rc);
	if (row->rc == 0) {
		assert_string_equal(out.client, row->client);
		assert_string_equal(out.server, row->server);
		assert_string_equal(out.name, row->hname);
	} else {
		assert_string_equal(out.client, "");
		assert_string_equal(out.server, "");
		assert_string_equal(out.name, "");
	}
	assert_int_equal(msg_hello_check(buf, len, row->need_proto, NULL),
	    row->rc);
	free(buf);
}

/* ---- Encoders ----------------------------------------------------------- */

#define SPECIAL                                                                \
	"q\"b\\s/t\tn\n \xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e "               \
	"\xe2\x80\xa8 \x7f </script>"

#define PASSWORD "p\xc3\xa4ss \"w\\rd\""

static const char *const three_users[] = { "alice", "bob", "carol" };
static const char *const null_user[] = { "alice", NULL };
static const char *const bad_user[] = { "alice", "\xff" };
static char long_text[SC_TEXT_MAX_LEN]; /* 4094 x 'x' + U+00E9 */

/* Parses buf as a request that passes steps 1 and 3 of type t. */
static void
request_ok(const char *buf, size_t len, struct msg *req, enum msg_type t)
{
	assert_int_equal(msg_request_parse(req, (const uint8_t *)buf, len),
	    MSG_CODE_NONE);
	assert_int_equal(req->type, t);
	assert_true(req->has_ref);
	assert_string_equal(req->ref_type, msg_type_name(t));
	assert_int_equal(msg_request_members(req), MSG_CODE_NONE);
}

/* Parses buf as an event of type t. */
static void
event_ok(const char *buf, size_t len, struct msg *ev, enum msg_type t)
{
	assert_int_equal(msg_event_parse(ev, (const uint8_t *)buf, len), 0);
	assert_int_equal(ev->type, t);
}

/* Asserts that s[0..len) equals the C string want. */
static void
assert_bytes(const char *s, size_t len, const char *want)
{
	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
}

/* Encoder row: client hello. */
static int
enc_client_hello(char *b, size_t c, size_t *l)
{
	return msg_encode_client_hello(b, c, l, "securechat/0.1.0");
}

/* Parses the client hello output back and checks its fields. */
static void
ver_client_hello(const char *b, size_t l)
{
	struct msg_hello h;

	assert_int_equal(msg_hello_check((const uint8_t *)b, l, true, &h), 0);
	assert_string_equal(h.client, "securechat/0.1.0");
	assert_string_equal(h.server, "");
}

/* Encoder row: server hello. */
static int
enc_server_hello(char *b, size_t c, size_t *l)
{
	return msg_encode_server_hello(b, c, l, "securechatd/0.1.0",
	    "Caf\xc3\xa9 \"chat\"");
}

/* Parses the server hello output back and checks its fields. */
static void
ver_server_hello(const char *b, size_t l)
{
	struct msg_hello h;

	assert_int_equal(msg_hello_check((const uint8_t *)b, l, true, &h), 0);
	assert_string_equal(h.server, "securechatd/0.1.0");
	assert_string_equal(h.name, "Caf\xc3\xa9 \"chat\"");
}

/* Encoder row: hello long. */
static int
enc_hello_long(char *b, size_t c, size_t *l)
{
	return msg_encode_client_hello(b, c, l, A32 A32 "tail");
}

/* Parses the hello long output back and checks its fields. */
static void
ver_hello_long(const char *b, size_t l)
{
	struct msg_hello h;

	assert_int_equal(msg_hello_check((const uint8_t *)b, l, true, &h), 0);
	assert_string_equal(h.client, A32 A32);
}

/* Encoder row: hello null. */
static int
enc_hello_null(char *b, size_t c, size_t *l)
{
	return msg_encode_server_hello(b, c, l, "s", NULL);
}

/* Encoder row: hello bad. */
static int
enc_hello_bad(char *b, size_t c, size_t *l)
{
	return msg_encode_client_hello(b, c, l, "\xc0\xaf");
}

/* Encoder row: login. */
static int
enc_login(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_LOGIN,
			   .user = MSG_STR("alice"),
			   .password =
			       MSG_STRN(PASSWORD, sizeof PASSWORD - 1) },
	    b, c, l);
}

/* Parses the login output back and checks its fields. */
static void
ver_login(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_LOGIN);
	assert_string_equal(r.user.s, "alice");
	assert_int_equal(r.password.len, sizeof PASSWORD - 1);
	assert_memory_equal(r.password.s, PASSWORD, sizeof PASSWORD - 1);
	assert_int_equal(msg_request_content(&r), MSG_CODE_NONE);
	msg_clear(&r);
}

/* Encoder row: login pw len. */
static int
enc_login_pw_len(char *b, size_t c, size_t *l)
{
	/* Only the first pwlen bytes are the password. */
	return req_enc((struct msg){ .type = MSG_LOGIN,
			   .user = MSG_STR("bob"),
			   .password = MSG_STRN("secretXYZ", 6) },
	    b, c, l);
}

/* Parses the login pw len output back and checks its fields. */
static void
ver_login_pw_len(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_LOGIN);
	assert_string_equal(r.password.s, "secret");
	msg_clear(&r);
}

/* Encoder row: login pw nul. */
static int
enc_login_pw_nul(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_LOGIN,
			   .user = MSG_STR("alice"),
			   .password = MSG_STRN("a\0b", 3) },
	    b, c, l);
}

/* Encoder row: login pw bad. */
static int
enc_login_pw_bad(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_LOGIN,
			   .user = MSG_STR("alice"),
			   .password = MSG_STRN("\xed\xa0\x80", 3) },
	    b, c, l);
}

/* Encoder row: login no user. */
static int
enc_login_no_user(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_LOGIN,
			   .password = MSG_STRN("pw", 2) },
	    b, c, l);
}

/* Encoder row: say request. */
static int
enc_say_request(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_SAY,
			   .text = MSG_STRN(SPECIAL, sizeof SPECIAL - 1) },
	    b, c, l);
}

/* Parses the say request output back and checks its fields. */
static void
ver_say_request(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_SAY);
	assert_int_equal(r.text.len, sizeof SPECIAL - 1);
	assert_memory_equal(r.text.s, SPECIAL, sizeof SPECIAL - 1);
	/* The encoder checks UTF-8 only; DEL fails the content rules. */
	assert_int_equal(msg_request_content(&r), MSG_CODE_BAD_REQUEST);
	msg_clear(&r);
}

/* Encoder row: say long. */
static int
enc_say_long(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_SAY,
			   .text = MSG_STRN(long_text, sizeof long_text) },
	    b, c, l);
}

/* Parses the say long output back and checks its fields. */
static void
ver_say_long(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_SAY);
	assert_int_equal(r.text.len, sizeof long_text);
	assert_memory_equal(r.text.s, long_text, sizeof long_text);
	assert_int_equal(msg_request_content(&r), MSG_CODE_NONE);
	msg_clear(&r);
}

/* Encoder row: say controls. */
static int
enc_say_controls(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_SAY,
			   .text = MSG_STRN("\x01\x1b[0m\x7f", 6) },
	    b, c, l);
}

/* Parses the say controls output back and checks its fields. */
static void
ver_say_controls(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_SAY);
	assert_int_equal(r.text.len, 6);
	assert_memory_equal(r.text.s, "\x01\x1b[0m\x7f", 6);
	msg_clear(&r);
}

/* Encoder row: say nul. */
static int
enc_say_nul(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_SAY,
			   .text = MSG_STRN("a\0b", 3) },
	    b, c, l);
}

/* Encoder row: say bad. */
static int
enc_say_bad(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_SAY,
			   .text = MSG_STRN("ab\xc3", 3) },
	    b, c, l);
}

/* Encoder row: say null. */
static int
enc_say_null(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_SAY,
			   .text = MSG_STRN(NULL, 0) },
	    b, c, l);
}

/* Encoder row: msg request. */
static int
enc_msg_request(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_MSG,
			   .to = MSG_STR("bob"),
			   .text = MSG_STRN("hi \xe2\x82\xac", 6) },
	    b, c, l);
}

/* Parses the msg request output back and checks its fields. */
static void
ver_msg_request(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_MSG);
	assert_string_equal(r.to.s, "bob");
	assert_int_equal(r.to.len, 3);
	assert_string_equal(r.text.s, "hi \xe2\x82\xac");
	assert_int_equal(msg_request_content(&r), MSG_CODE_NONE);
	msg_clear(&r);
}

/* Encoder row: msg request bad to. */
static int
enc_msg_request_bad_to(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_MSG,
			   .to = MSG_STR("\x80"),
			   .text = MSG_STRN("hi", 2) },
	    b, c, l);
}

/* Encoder row: list. */
static int
enc_list(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_LIST }, b, c, l);
}

/* Parses the list output back and checks its fields. */
static void
ver_list(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_LIST);
	msg_clear(&r);
}

/* Encoder row: quit. */
static int
enc_quit(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_QUIT }, b, c, l);
}

/* Parses the quit output back and checks its fields. */
static void
ver_quit(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_QUIT);
	msg_clear(&r);
}

/* Encoder row: ping. */
static int
enc_ping(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_PING }, b, c, l);
}

/* Parses the ping output back and checks its fields. */
static void
ver_ping(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_PING);
	assert_false(r.id.set);
	msg_clear(&r);
}

/* Encoder row: ping id. */
static int
enc_ping_id(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_PING,
			   .id = MSG_INT(9007199254740991ULL) },
	    b, c, l);
}

/* Parses the ping id output back and checks its fields. */
static void
ver_ping_id(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_PING);
	assert_true(r.id.set);
	assert_int_equal(r.id.v, 9007199254740991ULL);
	msg_clear(&r);
}

/* Encoder row: ping zero. */
static int
enc_ping_zero(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_PING, .id = MSG_INT(0) }, b, c,
	    l);
}

/* Parses the ping zero output back and checks its fields. */
static void
ver_ping_zero(const char *b, size_t l)
{
	struct msg r;

	request_ok(b, l, &r, MSG_PING);
	assert_true(r.id.set);
	assert_int_equal(r.id.v, 0);
	msg_clear(&r);
}

/* Encoder row: ping big. */
static int
enc_ping_big(char *b, size_t c, size_t *l)
{
	return req_enc((struct msg){ .type = MSG_PING,
			   .id = MSG_INT(9007199254740992ULL) },
	    b, c, l);
}

/* Encoder row: login ok. */
static int
enc_login_ok(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_LOGIN_OK,
			  .user = MSG_STR("bob"),
			  .users = MSG_LIST(three_users, 3) },
	    b, c, l);
}

/* Parses the login ok output back and checks its fields. */
static void
ver_login_ok(const char *b, size_t l)
{
	struct msg ev;
	size_t i;

	event_ok(b, l, &ev, MSG_LOGIN_OK);
	assert_string_equal(ev.user.s, "bob");
	assert_int_equal(ev.users.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(ev.users.v[i], three_users[i]);
	msg_clear(&ev);
}

/* Encoder row: login ok empty. */
static int
enc_login_ok_empty(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_LOGIN_OK,
			  .user = MSG_STR("bob"),
			  .users = MSG_LIST(NULL, 0) },
	    b, c, l);
}

/* Parses the login ok empty output back and checks its fields. */
static void
ver_login_ok_empty(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_LOGIN_OK);
	assert_int_equal(ev.users.n, 0);
	msg_clear(&ev);
}

/* Encoder row: login ok null list. */
static int
enc_login_ok_null_list(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_LOGIN_OK,
			  .user = MSG_STR("bob"),
			  .users = MSG_LIST(NULL, 1) },
	    b, c, l);
}

/* Encoder row: login ok null user. */
static int
enc_login_ok_null_user(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_LOGIN_OK,
			  .user = MSG_STR("bob"),
			  .users = MSG_LIST(null_user, 2) },
	    b, c, l);
}

/* Encoder row: users bad. */
static int
enc_users_bad(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_USERS,
			  .users = MSG_LIST(bad_user, 2) },
	    b, c, l);
}

/* Encoder row: say. */
static int
enc_say(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_SAY,
			  .id = MSG_INT(42),
			  .ts = MSG_INT(1700000000123LL),
			  .from = MSG_STR("alice"),
			  .text = MSG_STRN(SPECIAL, sizeof SPECIAL - 1) },
	    b, c, l);
}

/* Parses the say output back and checks its fields. */
static void
ver_say(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_SAY);
	assert_int_equal(ev.id.v, 42);
	assert_int_equal(ev.ts.v, 1700000000123LL);
	assert_string_equal(ev.from.s, "alice");
	assert_int_equal(ev.text.len, sizeof SPECIAL - 1);
	assert_memory_equal(ev.text.s, SPECIAL, sizeof SPECIAL - 1);
	msg_clear(&ev);
}

/* Encoder row: say extremes. */
static int
enc_say_extremes(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_SAY,
			  .id = MSG_INT(INT64_MAX),
			  .ts = MSG_INT(INT64_MIN),
			  .from = MSG_STR("a"),
			  .text = MSG_STRN("x", 1) },
	    b, c, l);
}

/* Parses the say extremes output back and checks its fields. */
static void
ver_say_extremes(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_SAY);
	assert_int_equal(ev.id.v, (uint64_t)INT64_MAX);
	assert_true(ev.ts.v == INT64_MIN);
	msg_clear(&ev);
}

/* Encoder row: say id0. */
static int
enc_say_id0(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_SAY,
			  .id = MSG_INT(0),
			  .ts = MSG_INT(1),
			  .from = MSG_STR("a"),
			  .text = MSG_STRN("x", 1) },
	    b, c, l);
}

/* Encoder row: say id huge. */
static int
enc_say_id_huge(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_SAY,
			  .id = MSG_INT((uint64_t)INT64_MAX + 1),
			  .ts = MSG_INT(1),
			  .from = MSG_STR("a"),
			  .text = MSG_STRN("x", 1) },
	    b, c, l);
}

/* Encoder row: msg. */
static int
enc_msg(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_MSG,
			  .id = MSG_INT(7),
			  .ts = MSG_INT(0),
			  .from = MSG_STR("alice"),
			  .to = MSG_STR("bob"),
			  .text = MSG_STRN(long_text, sizeof long_text) },
	    b, c, l);
}

/* Parses the msg output back and checks its fields. */
static void
ver_msg(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_MSG);
	assert_int_equal(ev.id.v, 7);
	assert_int_equal(ev.ts.v, 0);
	assert_string_equal(ev.from.s, "alice");
	assert_string_equal(ev.to.s, "bob");
	assert_int_equal(ev.text.len, sizeof long_text);
	assert_memory_equal(ev.text.s, long_text, sizeof long_text);
	msg_clear(&ev);
}

/* Encoder row: msg no to. */
static int
enc_msg_no_to(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_MSG,
			  .id = MSG_INT(7),
			  .ts = MSG_INT(0),
			  .from = MSG_STR("alice"),
			  .text = MSG_STRN("x", 1) },
	    b, c, l);
}

/* Encoder row: presence on. */
static int
enc_presence_on(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_PRESENCE,
			  .user = MSG_STR("carol"),
			  .online = MSG_BOOL(true) },
	    b, c, l);
}

/* Parses the presence on output back and checks its fields. */
static void
ver_presence_on(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_PRESENCE);
	assert_string_equal(ev.user.s, "carol");
	assert_true(ev.online.v);
	msg_clear(&ev);
}

/* Encoder row: presence off. */
static int
enc_presence_off(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_PRESENCE,
			  .user = MSG_STR("carol"),
			  .online = MSG_BOOL(false) },
	    b, c, l);
}

/* Parses the presence off output back and checks its fields. */
static void
ver_presence_off(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_PRESENCE);
	assert_false(ev.online.v);
	msg_clear(&ev);
}

/* Encoder row: users. */
static int
enc_users(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_USERS,
			  .users = MSG_LIST(three_users, 3) },
	    b, c, l);
}

/* Parses the users output back and checks its fields. */
static void
ver_users(const char *b, size_t l)
{
	struct msg ev;
	size_t i;

	event_ok(b, l, &ev, MSG_USERS);
	assert_int_equal(ev.users.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(ev.users.v[i], three_users[i]);
	msg_clear(&ev);
}

/* Encoder row: pong. */
static int
enc_pong(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_PONG }, b, c, l);
}

/* Parses the pong output back and checks its fields. */
static void
ver_pong(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_PONG);
	assert_false(ev.id.set);
	msg_clear(&ev);
}

/* Encoder row: pong id. */
static int
enc_pong_id(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_PONG, .id = MSG_INT(12345) }, b,
	    c, l);
}

/* Parses the pong id output back and checks its fields. */
static void
ver_pong_id(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_PONG);
	assert_true(ev.id.set);
	assert_int_equal(ev.id.v, 12345);
	msg_clear(&ev);
}

/* Encoder row: pong big. */
static int
enc_pong_big(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_PONG,
			  .id = MSG_INT(UINT64_MAX) },
	    b, c, l);
}

/* Encoder row: notice. */
static int
enc_notice(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_NOTICE,
			  .text = MSG_STR("server shutting down") },
	    b, c, l);
}

/* Parses the notice output back and checks its fields. */
static void
ver_notice(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_NOTICE);
	assert_string_equal(ev.text.s, "server shutting down");
	assert_int_equal(ev.text.len, 20);
	msg_clear(&ev);
}

/* Encoder row: error. */
static int
enc_error(char *b, size_t c, size_t *l)
{
	return msg_encode_error(b, c, l, MSG_CODE_AUTH_FAILED, NULL, NULL);
}

/* Parses the error output back and checks its fields. */
static void
ver_error(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_ERROR);
	assert_int_equal(ev.code, MSG_CODE_AUTH_FAILED);
	assert_string_equal(ev.code_name.s, "auth_failed");
	assert_string_equal(ev.message.s, "wrong user name or password");
	assert_null(ev.ref.s);
	msg_clear(&ev);
}

/* Encoder row: error ref. */
static int
enc_error_ref(char *b, size_t c, size_t *l)
{
	return msg_encode_error(b, c, l, MSG_CODE_TOO_LONG, "custom", "say");
}

/* Parses the error ref output back and checks its fields. */
static void
ver_error_ref(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_ERROR);
	assert_int_equal(ev.code, MSG_CODE_TOO_LONG);
	assert_string_equal(ev.message.s, "custom");
	assert_string_equal(ev.ref.s, "say");
	msg_clear(&ev);
}

/* Encoder row: error none. */
static int
enc_error_none(char *b, size_t c, size_t *l)
{
	return msg_encode_error(b, c, l, MSG_CODE_NONE, NULL, NULL);
}

/* Encoder row: error range. */
static int
enc_error_range(char *b, size_t c, size_t *l)
{
	return msg_encode_error(b, c, l, (enum msg_code)99, "m", NULL);
}

/* Encoder row: bye. */
static int
enc_bye(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_BYE,
			  .reason = MSG_STR("too many failed logins") },
	    b, c, l);
}

/* Parses the bye output back and checks its fields. */
static void
ver_bye(const char *b, size_t l)
{
	struct msg ev;

	event_ok(b, l, &ev, MSG_BYE);
	assert_string_equal(ev.reason.s, "too many failed logins");
	msg_clear(&ev);
}

/* Encoder row: bye null. */
static int
enc_bye_null(char *b, size_t c, size_t *l)
{
	return ev_enc((struct msg){ .type = MSG_BYE }, b, c, l);
}

#define ENC_INVALID SC_ERR_INVALID, NULL, NULL

struct enc_row {
	const char *name;
	int (*enc)(char *, size_t, size_t *);
	int rc;
	const char *exact; /* the whole output, when given */
	void (*verify)(const char *, size_t);
};

static const struct enc_row enc_rows[] = {
	{ "client hello", enc_client_hello, 0,
	    "{\"proto\":1,\"client\":\"securechat/0.1.0\"}", ver_client_hello },
	{ "server hello", enc_server_hello, 0,
	    "{\"proto\":1,\"server\":\"securechatd/0.1.0\",\"name\":"
	    "\"Caf\xc3\xa9 \\\"chat\\\"\"}",
	    ver_server_hello },
	{ "client hello of 68 bytes", enc_hello_long, 0, NULL, ver_hello_long },
	{ "server hello, name NULL", enc_hello_null, ENC_INVALID },
	{ "client hello, bad UTF-8", enc_hello_bad, ENC_INVALID },
	{ "login", enc_login, 0, NULL, ver_login },
	{ "login, pwlen shorter than string", enc_login_pw_len, 0,
	    "{\"type\":\"login\",\"user\":\"bob\",\"password\":\"secret\"}",
	    ver_login_pw_len },
	{ "login, NUL in password", enc_login_pw_nul, ENC_INVALID },
	{ "login, surrogate in password", enc_login_pw_bad, ENC_INVALID },
	{ "login, user NULL", enc_login_no_user, ENC_INVALID },
	{ "say request", enc_say_request, 0, NULL, ver_say_request },
	{ "say request, 4096 bytes", enc_say_long, 0, NULL, ver_say_long },
	{ "say request, controls", enc_say_controls, 0,
	    "{\"type\":\"say\",\"text\":\"\\u0001\\u001B[0m\x7f\"}",
	    ver_say_controls },
	{ "say request, NUL", enc_say_nul, ENC_INVALID },
	{ "say request, bad UTF-8", enc_say_bad, ENC_INVALID },
	{ "say request, NULL", enc_say_null, ENC_INVALID },
	{ "msg request", enc_msg_request, 0,
	    "{\"type\":\"msg\",\"to\":\"bob\",\"text\":\"hi \xe2\x82\xac\"}",
	    ver_msg_request },
	{ "msg request, bad to", enc_msg_request_bad_to, ENC_INVALID },
	{ "list", enc_list, 0, "{\"type\":\"list\"}", ver_list },
	{ "quit", enc_quit, 0, "{\"type\":\"quit\"}", ver_quit },
	{ "ping", enc_ping, 0, "{\"type\":\"ping\"}", ver_ping },
	{ "ping id 2^53-1", enc_ping_id, 0,
	    "{\"type\":\"ping\",\"id\":9007199254740991}", ver_ping_id },
	{ "ping id 0", enc_ping_zero, 0, "{\"type\":\"ping\",\"id\":0}",
	    ver_ping_zero },
	{ "ping id 2^53", enc_ping_big, ENC_INVALID },
	{ "login_ok", enc_login_ok, 0,
	    "{\"type\":\"login_ok\",\"user\":\"bob\",\"users\":"
	    "[\"alice\",\"bob\",\"carol\"]}",
	    ver_login_ok },
	{ "login_ok, no users", enc_login_ok_empty, 0,
	    "{\"type\":\"login_ok\",\"user\":\"bob\",\"users\":[]}",
	    ver_login_ok_empty },
	{ "login_ok, users NULL", enc_login_ok_null_list, ENC_INVALID },
	{ "login_ok, a NULL user", enc_login_ok_null_user, ENC_INVALID },
	{ "users, bad UTF-8", enc_users_bad, ENC_INVALID },
	{ "say", enc_say, 0, NULL, ver_say },
	{ "say, extreme id and ts", enc_say_extremes, 0,
	    "{\"type\":\"say\",\"id\":9223372036854775807,"
	    "\"ts\":-9223372036854775808,\"from\":\"a\",\"text\":\"x\"}",
	    ver_say_extremes },
	{ "say, id 0", enc_say_id0, ENC_INVALID },
	{ "say, id 2^63", enc_say_id_huge, ENC_INVALID },
	{ "msg, 4096 bytes", enc_msg, 0, NULL, ver_msg },
	{ "msg, to NULL", enc_msg_no_to, ENC_INVALID },
	{ "presence online", enc_presence_on, 0,
	    "{\"type\":\"presence\",\"user\":\"carol\",\"online\":true}",
	    ver_presence_on },
	{ "presence offline", enc_presence_off, 0,
	    "{\"type\":\"presence\",\"user\":\"carol\",\"online\":false}",
	    ver_presence_off },
	{ "users", enc_users, 0,
	    "{\"type\":\"users\",\"users\":[\"alice\",\"bob\",\"carol\"]}",
	    ver_users },
	{ "pong", enc_pong, 0, "{\"type\":\"pong\"}", ver_pong },
	{ "pong id", enc_pong_id, 0, "{\"type\":\"pong\",\"id\":12345}",
	    ver_pong_id },
	{ "pong id 2^64-1", enc_pong_big, ENC_INVALID },
	{ "notice", enc_notice, 0,
	    "{\"type\":\"notice\",\"text\":\"server shutting down\"}",
	    ver_notice },
	{ "error, default message", enc_error, 0,
	    "{\"type\":\"error\",\"code\":\"auth_failed\","
	    "\"message\":\"wrong user name or password\"}",
	    ver_error },
	{ "error with ref", enc_error_ref, 0,
	    "{\"type\":\"error\",\"code\":\"too_long\",\"message\":\"custom\","
	    "\"ref\":\"say\"}",
	    ver_error_ref },
	{ "error, code none", enc_error_none, ENC_INVALID },
	{ "error, code out of range", enc_error_range, ENC_INVALID },
	{ "bye", enc_bye, 0,
	    "{\"type\":\"bye\",\"reason\":\"too many failed logins\"}",
	    ver_bye },
	{ "bye, reason NULL", enc_bye_null, ENC_INVALID },
};

/*
 * Encodes one row with room to spare, checks and parses the output back,
 * then encodes again into buffers of every size up to the output's length:
 * each smaller one gets SC_ERR_TOO_LONG with no byte written past its cap.
 */
static void
test_encode(void **state)
{
	const struct enc_row *row = *state;
	char *out, *buf;
	size_t len, n, cap, i;

	out = malloc(OUT_CAP);
	assert_non_null(out);
	len = 12345;
	assert_int_equal(row->enc(out, OUT_CAP, &len), row->rc);
	if (row->rc != 0) {
		assert_int_equal(len, 0);
		free(out);
		return;
	}
	assert_true(len >= 2 && len < OUT_CAP);
	assert_null(memchr(out, '\0', len));
	assert_int_equal(out[0], '{');
	assert_int_equal(out[len - 1], '}');
	assert_memory_equal(out, "{\"", 2);
	if (row->exact != NULL)
		assert_bytes(out, len, row->exact);
	if (row->verify != NULL)
		row->verify(out, len);

	for (cap = 0; cap <= len; cap++) {
		/* Exactly cap + GUARD_LEN bytes, so ASan sees overruns too. */
		buf = malloc(cap + GUARD_LEN);
		assert_non_null(buf);
		memset(buf, GUARD, cap + GUARD_LEN);
		n = 12345;
		if (cap < len) {
			assert_int_equal(row->enc(buf, cap, &n),
			    SC_ERR_TOO_LONG);
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(row->enc(buf, cap, &n), 0);
			assert_int_equal(n, len);
			assert_memory_equal(buf, out, len);
		}
		for (i = cap; i < cap + GUARD_LEN; i++)
			assert_int_equal((uint8_t)buf[i], GUARD);
		free(buf);
	}
	free(out);
}

/* ---- Names and odd calls ------------------------------------------------ */

/* Type names: the wire names of section 3, "unknown" otherwise. */
static void
test_type_names(void **state)
{
	static const char *const names[] = { "unknown", "login", "say", "msg",
		"list", "ping", "quit", "login_ok", "presence", "users", "pong",
		"notice", "error", "bye", "join", "joined", "room_join", "part",
		"parted", "room_part", "topic", "names", "rooms", "history",
		"away", "whois", "kick", "mute", "unmute", "ban", "unban" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_string_equal(msg_type_name((enum msg_type)i), names[i]);
	assert_string_equal(msg_type_name((enum msg_type)99), "unknown");
}

/*
 * The table is well-formed: one row per (name, direction), every type of
 * the enum in it, member names unique within a row, ranges sane, and the
 * generated fuzz dictionary names everything.
 */
static void
test_table(void **state)
{
	const struct msg_member *mb, *mb2;
	const struct msg_row *r, *r2;
	char *dict = NULL, word[64];
	size_t i, j, dict_len = 0, n;
	FILE *f;
	int t;

	(void)state;
	for (i = 0; i < msg_rows_count; i++) {
		r = &msg_rows[i];
		assert_true(r->dir == MSG_C2S || r->dir == MSG_S2C);
		assert_non_null(r->name);
		assert_ptr_equal(msg_row_find(r->type, r->dir), r);
		for (j = i + 1; j < msg_rows_count; j++) {
			r2 = &msg_rows[j];
			assert_false(r2->dir == r->dir &&
			    strcmp(r2->name, r->name) == 0);
			/* One wire name per type. */
			if (r2->type == r->type)
				assert_string_equal(r2->name, r->name);
		}
		n = 0;
		MSG_FOREACH_MEMBER(r, mb)
		{
			n++;
			assert_true(mb->off + sizeof(struct msg_str) <=
				sizeof(struct msg) ||
			    mb->kind != MSG_K_STRING);
			if (mb->kind == MSG_K_INT)
				assert_true(mb->min <= mb->max);
			if (mb->kind == MSG_K_TEXT)
				assert_true(mb->max > 0);
			assert_string_not_equal(mb->name, "type");
			for (mb2 = mb + 1; mb2 < r->members + MSG_MAX_MEMBERS &&
			     mb2->name != NULL;
			     mb2++)
				assert_string_not_equal(mb->name, mb2->name);
		}
		assert_true(n <= MSG_MAX_MEMBERS);
	}
	for (t = MSG_LOGIN; t < MSG_TYPE_COUNT; t++)
		assert_true(msg_row_find((enum msg_type)t, MSG_C2S) != NULL ||
		    msg_row_find((enum msg_type)t, MSG_S2C) != NULL);

	f = open_memstream(&dict, &dict_len);
	assert_non_null(f);
	msg_write_dict(f);
	fclose(f);
	for (i = 0; i < msg_rows_count; i++) {
		r = &msg_rows[i];
		snprintf(word, sizeof word, "\"\\\"%s\\\"\"\n", r->name);
		assert_non_null(strstr(dict, word));
		MSG_FOREACH_MEMBER(r, mb)
		{
			snprintf(word, sizeof word, "\"\\\"%s\\\"\"\n",
			    mb->name);
			assert_non_null(strstr(dict, word));
		}
	}
	for (t = MSG_CODE_BAD_REQUEST; t < MSG_CODE_COUNT; t++) {
		snprintf(word, sizeof word, "\"\\\"%s\\\"\"\n",
		    msg_code_name((enum msg_code)t));
		assert_non_null(strstr(dict, word));
	}
	/* Each word once. */
	assert_int_equal(strstr(strstr(dict, "\"\\\"say\\\"\"") + 1,
			     "\"\\\"say\\\"\""),
	    NULL);
	free(dict);
}

/* Encoding follows the row's member order, whatever order the fields
 * were set in, and leaves out absent optional members. */
static void
test_member_order(void **state)
{
	struct msg m = { .type = MSG_MSG };
	char buf[256];
	size_t len;

	(void)state;
	m.text = MSG_STR("hi");
	m.to = MSG_STR("bob");
	m.from = MSG_STR("alice");
	m.ts = MSG_INT(5);
	m.id = MSG_INT(3);
	m.user = MSG_STR("not in this row");
	assert_int_equal(msg_encode(&m, MSG_S2C, buf, sizeof buf, &len), 0);
	assert_int_equal(len,
	    strlen("{\"type\":\"msg\",\"id\":3,\"ts\":5,"
		   "\"from\":\"alice\",\"to\":\"bob\",\"text\":\"hi\"}"));
	assert_memory_equal(buf,
	    "{\"type\":\"msg\",\"id\":3,\"ts\":5,"
	    "\"from\":\"alice\",\"to\":\"bob\",\"text\":\"hi\"}",
	    len);
	assert_int_equal(msg_encode(&m, MSG_C2S, buf, sizeof buf, &len), 0);
	assert_memory_equal(buf,
	    "{\"type\":\"msg\",\"to\":\"bob\","
	    "\"text\":\"hi\"}",
	    len);
	/* A type with no row in that direction. */
	m.type = MSG_PRESENCE;
	assert_int_equal(msg_encode(&m, MSG_C2S, buf, sizeof buf, &len),
	    SC_ERR_INVALID);
}

/* Code names parse back; texts are sentences, distinct per code. */
static void
test_code_names(void **state)
{
	static const char *const names[] = { "", "bad_request", "auth_required",
		"auth_failed", "already_logged_in", "busy", "rate_limited",
		"not_online", "too_long", "internal", "not_member",
		"no_such_user", "no_such_room", "forbidden", "muted",
		"banned" };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_string_equal(msg_code_name((enum msg_code)i), names[i]);
		assert_int_equal(msg_code_parse(names[i]), i);
		assert_true(strlen(msg_code_text((enum msg_code)i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(msg_code_text((enum msg_code)i),
			    msg_code_text((enum msg_code)j));
	}
	assert_string_equal(msg_code_text(MSG_CODE_AUTH_FAILED),
	    "wrong user name or password");
	assert_string_equal(msg_code_text(MSG_CODE_BUSY),
	    "the server is busy, try again later");
	assert_string_equal(msg_code_name((enum msg_code)99), "");
	assert_int_equal(msg_code_parse(NULL), MSG_CODE_NONE);
	assert_int_equal(msg_code_parse("BUSY"), MSG_CODE_NONE);
	assert_int_equal(msg_code_parse("busy "), MSG_CODE_NONE);
	assert_int_equal(msg_code_parse("unknown"), MSG_CODE_NONE);
}

/* NULL buffers, calls out of order, clearing cleared structs. */
static void
test_odd_calls(void **state)
{
	struct msg req;
	struct msg ev;
	struct msg list = { .type = MSG_UNKNOWN };
	char buf[64];
	size_t len;

	(void)state;
	memset(&req, 0, sizeof req);
	msg_clear(&req);
	msg_clear(NULL);
	assert_int_equal(msg_request_members(&req), MSG_CODE_BAD_REQUEST);
	assert_int_equal(msg_request_content(&req), MSG_CODE_BAD_REQUEST);
	assert_int_equal(msg_request_parse(&req, NULL, 0),
	    MSG_CODE_BAD_REQUEST);
	assert_false(req.has_ref);
	msg_clear(&req);
	assert_int_equal(msg_request_parse(&req, NULL, 10),
	    MSG_CODE_BAD_REQUEST);
	msg_clear(&req);

	/* An unknown type stays unknown in the later steps. */
	assert_int_equal(msg_request_parse(&req,
			     (const uint8_t *)"{\"type\":\"x\"}", 12),
	    MSG_CODE_BAD_REQUEST);
	assert_true(req.has_ref);
	assert_int_equal(msg_request_members(&req), MSG_CODE_BAD_REQUEST);
	assert_int_equal(msg_request_content(&req), MSG_CODE_BAD_REQUEST);
	msg_clear(&req);

	/* Content before members: nothing to check yet. */
	assert_int_equal(msg_request_parse(&req,
			     (const uint8_t
				     *)"{\"type\":\"say\",\"text\":\"x\"}",
			     25),
	    MSG_CODE_NONE);
	assert_int_equal(msg_request_content(&req), MSG_CODE_BAD_REQUEST);
	msg_clear(&req);

	memset(&ev, 0, sizeof ev);
	msg_clear(&ev);
	list.type = MSG_LIST;
	msg_clear(NULL);
	assert_int_equal(msg_event_parse(&ev, NULL, 0), SC_ERR_FORMAT);
	msg_clear(&ev);
	assert_int_equal(msg_hello_check(NULL, 0, false, NULL), SC_ERR_PAYLOAD);

	assert_int_equal(msg_encode(&list, MSG_C2S, NULL, 0, &len),
	    SC_ERR_TOO_LONG);
	assert_int_equal(msg_encode(&list, MSG_C2S, buf, sizeof buf, NULL),
	    SC_ERR_INVALID);
	assert_int_equal(msg_encode(&list, MSG_C2S, NULL, sizeof buf, &len),
	    SC_ERR_INVALID);
}

/* Runs every group; returns the number of failed tests. */
int
main(void)
{
	static const struct CMUnitTest misc[] = {
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_code_names),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_member_order),
		cmocka_unit_test(test_odd_calls),
	};
	int failed = 0;

	memset(long_text, 'x', sizeof long_text);
	memcpy(long_text + sizeof long_text - 2, "\xc3\xa9", 2);

	failed += RUN_TABLE(test_request, req_rows);
	failed += RUN_TABLE(test_event, ev_rows);
	failed += RUN_TABLE(test_hello, hello_rows);
	failed += RUN_TABLE(test_encode, enc_rows);
	failed += cmocka_run_group_tests(misc, NULL, NULL);
	return failed;
}
