/* Private to kernel/core: the pieces engine.c stitches together. */
#ifndef NYMOTE_CORE_INTERNAL_H
#define NYMOTE_CORE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "nymote/kernel.h"

void nymote_alloc_init(void *base, size_t bytes);
void *nymote_malloc(size_t n);
void *nymote_realloc(void *p, size_t n);
void nymote_free(void *p);

struct nymote_sha256 {
	uint32_t h[8];
	uint64_t length;
	uint8_t block[64];
	size_t used;
};
void nymote_sha256_init(struct nymote_sha256 *s);
void nymote_sha256_update(struct nymote_sha256 *s, const void *data, size_t len);
void nymote_sha256_final(struct nymote_sha256 *s, uint8_t digest[32]);
void nymote_sha256(const void *data, size_t len, uint8_t digest[32]);

/* The engine config hash this kernel was built with (generated header). */
extern const uint8_t nymote_engine_config_hash[32];

/* Checks a blob; on success points *bytecode at the bytecode and returns its
 * length, else returns 0 and sets *why to a human-readable reason. */
size_t nymote_blob_verify(const uint8_t *blob, size_t len, const uint8_t **bytecode, const char **why);
/* The bytecode's length once inflated, or 0 when the blob stores it as it is (a verified blob). */
size_t nymote_blob_inflated_length(const uint8_t *blob);
/* Inflates a raw DEFLATE stream into exactly out_len bytes: 0, or -1 for a bad stream (inflate.c). */
int nymote_inflate(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len);
/* Writes a blob header for bytecode (used by the host compiler). */
void nymote_blob_header(uint8_t header[NYMOTE_BLOB_HEADER_BYTES], const uint8_t *bytecode, size_t len);

#endif
