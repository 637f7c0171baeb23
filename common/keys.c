/* keys.c: not yet written. */
