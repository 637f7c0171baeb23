/* msg.c: not yet written. */
