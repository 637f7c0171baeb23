/*
 * error.h: the error codes every fallible function in common/ returns
 * (0 or a negative SC_ERR_*), and the one function that names them.
 */
#ifndef SC_ERROR_H
#define SC_ERROR_H

#define SC_WUR __attribute__((warn_unused_result))

enum sc_error {
	SC_OK = 0,
	SC_ERR_INVALID = -1,	  /* bad argument or call out of order */
	SC_ERR_FRAME_EMPTY = -2,  /* frame with length 0 */
	SC_ERR_TOO_LONG = -3,	  /* input exceeds its limit */
	SC_ERR_DECRYPT = -4,	  /* AEAD authentication failed */
	SC_ERR_NONCE = -5,	  /* nonce exhausted */
	SC_ERR_HANDSHAKE = -6,	  /* malformed handshake message */
	SC_ERR_DH = -7,		  /* X25519 gave the all-zero output */
	SC_ERR_PAYLOAD = -8,	  /* handshake payload rejected */
	SC_ERR_PEER_KEY = -9,	  /* peer static key refused */
	SC_ERR_UNSUPPORTED = -10, /* unknown protocol name or pattern */
	SC_ERR_IO = -11,	  /* system call failed; see errno */
	SC_ERR_PERM = -12,	  /* file permissions too open */
	SC_ERR_FORMAT = -13,	  /* malformed file or string */
	SC_ERR_MISMATCH = -14,	  /* password does not match */
	SC_ERR_CLOSED = -15,	  /* channel is closed after an error */
	SC_ERR_NO_AESNI = -16,	  /* CPU lacks AES-GCM support */
};

/* Returns a static English description of an SC_ERR_* code. */
const char *sc_strerror(int err);

#endif /* SC_ERROR_H */
