/* frame.c: not yet written. */
