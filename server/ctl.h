/*
 * ctl.h: securechatctl's internal header: what its commands
 * (securechatctl.c) and its password prompts (ctl-prompt.c) share.
 */
#ifndef SC_CTL_H
#define SC_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "sc_limits.h"

#define CTL_NAME "securechatctl"
/* A password, and room for the '\r' of a CRLF line or one byte too many. */
#define CTL_PW_SIZE (SC_PASSWORD_MAX_LEN + 2)

/* ---- securechatctl.c --------------------------------------------------- */

/* Prints "securechatctl: <message>" and a newline on stderr. */
void ctl_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- ctl-prompt.c ------------------------------------------------------ */

/*
 * Gets name's new password into pw (size bytes, CTL_PW_SIZE; no NUL
 * added; the caller wipes it): one line of standard input when
 * from_stdin, else asked twice on the terminal with echo off. Checks it
 * is not empty, at most SC_PASSWORD_MAX_LEN bytes, and UTF-8 without NUL.
 * Returns 0 with *len set, or -1 with a message printed.
 */
int ctl_prompt_password(bool from_stdin, const char *name, char *pw,
    size_t size, size_t *len);

#endif /* SC_CTL_H */
