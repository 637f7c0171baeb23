/* log.c: not yet written. */
