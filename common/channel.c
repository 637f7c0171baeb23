/* channel.c: not yet written. */
