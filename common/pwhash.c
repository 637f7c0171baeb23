/* pwhash.c: not yet written. */
