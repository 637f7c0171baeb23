/* noise.c: not yet written. */
