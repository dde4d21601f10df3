/* Application image header: build (host compiler) and verify (loader). */
#include <string.h>
#include "internal.h"

static uint32_t get_u32(const uint8_t *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v) {
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

void nymote_blob_header(uint8_t h[NYMOTE_BLOB_HEADER_BYTES], const uint8_t *bytecode, size_t len) {
	memset(h, 0, NYMOTE_BLOB_HEADER_BYTES);
	memcpy(h, NYMOTE_BLOB_MAGIC, 8);
	put_u32(h + 8, NYMOTE_BLOB_VERSION);
	put_u32(h + 12, (uint32_t)len);
	put_u32(h + 16, (uint32_t)DUK_VERSION);
	memcpy(h + 24, nymote_engine_config_hash, 32);
	nymote_sha256(bytecode, len, h + 56);
}

size_t nymote_blob_verify(const uint8_t *blob, size_t len, const uint8_t **bytecode, const char **why) {
	uint8_t digest[32];
	if (len < NYMOTE_BLOB_HEADER_BYTES || memcmp(blob, NYMOTE_BLOB_MAGIC, 8) != 0) {
		*why = "not a nymote application image (bad magic)";
		return 0;
	}
	if (get_u32(blob + 8) != NYMOTE_BLOB_VERSION) {
		*why = "application image format version is not supported by this kernel";
		return 0;
	}
	uint32_t n = get_u32(blob + 12);
	if (n == 0 || n > len - NYMOTE_BLOB_HEADER_BYTES) {
		*why = "application image is truncated";
		return 0;
	}
	if (get_u32(blob + 16) != (uint32_t)DUK_VERSION || memcmp(blob + 24, nymote_engine_config_hash, 32) != 0) {
		*why = "bytecode was compiled for a different engine build (Duktape version or config hash differs); rebuild the image";
		return 0;
	}
	nymote_sha256(blob + NYMOTE_BLOB_HEADER_BYTES, n, digest);
	if (memcmp(digest, blob + 56, 32) != 0) {
		*why = "bytecode is corrupt (sha256 mismatch); refusing to load it";
		return 0;
	}
	*bytecode = blob + NYMOTE_BLOB_HEADER_BYTES;
	return n;
}

size_t nymote_blob_inflated_length(const uint8_t *blob) {
	return get_u32(blob + 20);
}
