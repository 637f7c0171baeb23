/*
 * sc_limits.h: every protocol and resource limit of SecureChat, in one place.
 * Protocol values come from PROTOCOL.md (docs/protocol.md); the rest are
 * defaults that configuration may override.
 */
#ifndef SC_LIMITS_H
#define SC_LIMITS_H

/* Transport and framing (PROTOCOL.md section 1). */
#define SC_FRAME_HEADER_LEN 2
#define SC_FRAME_MAX_LEN    65535
#define SC_FRAME_MAX_WIRE   (SC_FRAME_HEADER_LEN + SC_FRAME_MAX_LEN)

/* Noise (section 2). */
#define SC_NOISE_KEY_LEN     32 /* X25519 keys, AES-256 keys */
#define SC_NOISE_HASH_LEN    32 /* SHA-256 */
#define SC_NOISE_TAG_LEN     16 /* AES-GCM tag */
#define SC_NOISE_MAX_PAYLOAD (SC_FRAME_MAX_LEN - SC_NOISE_TAG_LEN)
#define SC_PROLOGUE	     "securechat/1"
#define SC_PROTO_VERSION     1
/* Handshake payloads (hello JSON) we accept: the size of one frame. */
#define SC_HELLO_MAX_LEN SC_NOISE_MAX_PAYLOAD
/* What the largest handshake message (msg2: e, encrypted s, two tags)
 * adds to its payload: 96 bytes. */
#define SC_HANDSHAKE_OVERHEAD (2 * SC_NOISE_KEY_LEN + 2 * SC_NOISE_TAG_LEN)

/* Transport plaintexts (section 3). */
#define SC_MSG_MAX_LEN	  SC_NOISE_MAX_PAYLOAD /* 65519 */
#define SC_JSON_MAX_DEPTH 32
#define SC_REF_MAX_LEN	  32

/* Content rules (section 4). */
#define SC_USER_MAX_LEN	    32
#define SC_TEXT_MAX_LEN	    4096
#define SC_PASSWORD_MAX_LEN 1024
#define SC_PING_ID_MAX	    9007199254740991LL /* 2^53 - 1 */

/* Rooms and the social layer (section 7). */
#define SC_ROOM_MAX_LEN		 32
#define SC_TOPIC_MAX_LEN	 512
#define SC_AWAY_MAX_LEN		 256
#define SC_ID_MAX		 9007199254740991LL /* before: 1..2^53-1 */
#define SC_HISTORY_MAX_LIMIT	 200		    /* history: limit 1..200 */
#define SC_HISTORY_DEFAULT_LIMIT 50
#define SC_ROOMS_MAX_LIST	 1000 /* rooms: entries at most */
/* Rooms one user may be in at most (max_rooms_per_user's ceiling): the
 * whois of a user in that many rooms of the longest names still fits one
 * frame (35 bytes a name, quotes and comma, plus the other members). */
#define SC_USER_ROOMS_MAX 1800

/* Operators and moderation (section 8). */
#define SC_MOD_SECONDS_MAX 2147483647LL /* mute, ban: seconds 1..2^31-1 */
/* A device key's fingerprint: lowercase hex SHA-256. */
#define SC_DEVICE_FP_LEN 64

/* Stored credentials (section 5). */
#define SC_PBKDF2_DEFAULT_ITERATIONS 600000
#define SC_PBKDF2_MAX_ITERATIONS     100000000u
#define SC_PBKDF2_DK_LEN	     32
#define SC_SCRYPT_DK_LEN	     64
#define SC_SALT_DEFAULT_LEN	     16
#define SC_SALT_MAX_LEN		     128
#define SC_SCRYPT_MAX_MEMORY	     (1024ULL * 1024 * 1024) /* 128*N*r bytes */
#define SC_SCRYPT_MAX_WORK	     (1ULL << 26) /* N*r*p: 256x werkzeug's */
#define SC_PWHASH_MAX_LEN	     512	  /* a whole hash string */

/* Keys and the users file on disk. */
#define SC_KEYFILE_MAX_LEN 4096
#define SC_USERS_FILE_MAX  (64 * 1024 * 1024) /* bytes */

/* Logs and messages to people. */
#define SC_LOG_LINE_MAX	    2048 /* a whole log line, newline included */
#define SC_LOG_PROGNAME_MAX 32	 /* bytes of the program name logged */
#define SC_SHOWN_NAME_MAX   40	 /* bytes of a name or argument quoted */

/* Rates (section 3): say and msg share one bucket per connection. */
#define SC_RATE_BURST	10
#define SC_RATE_PER_SEC 5

/*
 * Server address, pre-login frames and logins (sections 1-3); the server's
 * configuration may override the defaults.
 */
#define SC_DEFAULT_ADDRESS "127.0.0.1"
#define SC_DEFAULT_PORT	   65432
/* Frames accepted before login: a login with a 1024-byte password fully
 * \u-escaped still fits. */
#define SC_PRELOGIN_MAX_FRAME	8192
#define SC_HANDSHAKE_TIMEOUT_MS 10000 /* default */
#define SC_MAX_AUTH_FAILURES	3     /* per connection, then bye */

#endif /* SC_LIMITS_H */
