/*
 * The Internet checksum's sum (RFC 1071) in C: the per-packet byte loop that
 * costs Duktape a few dozen bytecode ops per word costs a few instructions
 * here. lib/checksum.ts keeps the same sum in TypeScript for the node board.
 */
#include <string.h>
#include "nymote/kernel.h"

static uint32_t fold(uint64_t sum) {
	while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
	return (uint32_t)sum;
}

uint32_t nymote_internet_sum(const void *buf, size_t len, uint64_t sum) {
	const uint8_t *p = buf;
	uint64_t native = 0;
	size_t i = 0;
	/* Words are added in native byte order, four bytes at a time: 2^16 is 1
	 * in one's complement arithmetic, so a 32-bit word adds as its two halves,
	 * and a sum of byte-swapped words is the byte-swapped sum (RFC 1071
	 * §2(B)). memcpy keeps the loads legal on unaligned ARM buffers. */
	for (; i + 4 <= len; i += 4) {
		uint32_t w;
		memcpy(&w, p + i, 4);
		native += w;
	}
	for (; i + 2 <= len; i += 2) {
		uint16_t h;
		memcpy(&h, p + i, 2);
		native += h;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (i < len) native += p[i];
	uint32_t folded = fold(native);
	folded = (folded >> 8 | folded << 8) & 0xffffu;
#else
	if (i < len) native += (uint32_t)p[i] << 8;
	uint32_t folded = fold(native);
#endif
	return fold((uint64_t)folded + fold(sum));
}
