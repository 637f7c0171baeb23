/* error.c: names the SC_ERR_* codes. */
#include "error.h"

/* Returns a static description of err; never NULL. */
const char *
sc_strerror(int err)
{
	switch (err) {
	case SC_OK:
		return "success";
	case SC_ERR_INVALID:
		return "invalid argument";
	case SC_ERR_FRAME_EMPTY:
		return "zero-length frame";
	case SC_ERR_TOO_LONG:
		return "too long";
	case SC_ERR_DECRYPT:
		return "decryption failed";
	case SC_ERR_NONCE:
		return "nonce exhausted";
	case SC_ERR_HANDSHAKE:
		return "malformed handshake message";
	case SC_ERR_DH:
		return "invalid public key";
	case SC_ERR_PAYLOAD:
		return "handshake payload rejected";
	case SC_ERR_PEER_KEY:
		return "peer key refused";
	case SC_ERR_UNSUPPORTED:
		return "unsupported protocol";
	case SC_ERR_IO:
		return "I/O error";
	case SC_ERR_PERM:
		return "file permissions too open";
	case SC_ERR_FORMAT:
		return "malformed data";
	case SC_ERR_MISMATCH:
		return "does not match";
	case SC_ERR_CLOSED:
		return "channel closed";
	case SC_ERR_NO_AESNI:
		return "CPU lacks AES-NI/PCLMUL for AES-256-GCM";
	}
	return "unknown error";
}
