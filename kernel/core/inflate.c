/*
 * Raw DEFLATE (RFC 1951) decoder for the application image. The build
 * deflates the bytecode (a third of its size), the loader inflates it
 * straight into the buffer Duktape loads from, so the image carries only
 * the compressed copy and RAM holds no second one. It runs once per boot:
 * canonical Huffman codes decoded a bit at a time, small rather than fast.
 * Every read and write is bounds-checked; a bad stream inflates to nothing.
 */
#include <string.h>
#include "internal.h"

#define MAX_BITS 15
#define LITERALS 288
#define DISTANCES 30

struct bit_reader {
	const uint8_t *in, *end;
	uint32_t held;
	unsigned count;
	int overrun;
};

/* Canonical code: how many codes of each length, and the symbols in code order. */
struct huffman {
	uint16_t count[MAX_BITS + 1];
	uint16_t symbol[LITERALS];
};

static unsigned bits(struct bit_reader *r, unsigned need) {
	while (r->count < need) {
		if (r->in == r->end) { r->overrun = 1; return 0; }
		r->held |= (uint32_t)*r->in++ << r->count;
		r->count += 8;
	}
	unsigned v = r->held & ((1u << need) - 1);
	r->held >>= need;
	r->count -= need;
	return v;
}

/* 0 for a complete or incomplete code, -1 for an over-subscribed one. */
static int huffman_build(struct huffman *h, const uint8_t *lengths, unsigned n) {
	uint16_t offset[MAX_BITS + 1];
	memset(h->count, 0, sizeof(h->count));
	for (unsigned i = 0; i < n; i++) h->count[lengths[i]]++;
	h->count[0] = 0;
	int left = 1;
	for (unsigned len = 1; len <= MAX_BITS; len++) {
		left = 2 * left - h->count[len];
		if (left < 0) return -1;
	}
	offset[1] = 0;
	for (unsigned len = 1; len < MAX_BITS; len++) offset[len + 1] = (uint16_t)(offset[len] + h->count[len]);
	for (unsigned i = 0; i < n; i++) if (lengths[i]) h->symbol[offset[lengths[i]]++] = (uint16_t)i;
	return 0;
}

/* Huffman codes are stored most significant bit first, one bit at a time. */
static int huffman_decode(struct bit_reader *r, const struct huffman *h) {
	int code = 0, first = 0, index = 0;
	for (unsigned len = 1; len <= MAX_BITS; len++) {
		code |= (int)bits(r, 1);
		if (r->overrun) return -1;
		int count = h->count[len];
		if (code - first < count) return h->symbol[index + code - first];
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;
}

static const uint16_t LENGTH_BASE[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t LENGTH_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DISTANCE_BASE[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
	4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t DISTANCE_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static const uint8_t CODE_LENGTH_ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

struct output { uint8_t *at; size_t len, pos; };

static int inflate_codes(struct bit_reader *r, struct output *o, const struct huffman *lit, const struct huffman *dist) {
	for (;;) {
		int sym = huffman_decode(r, lit);
		if (sym < 0) return -1;
		if (sym < 256) {
			if (o->pos == o->len) return -1;
			o->at[o->pos++] = (uint8_t)sym;
			continue;
		}
		if (sym == 256) return 0;
		sym -= 257;
		if (sym >= 29) return -1;
		size_t len = LENGTH_BASE[sym] + bits(r, LENGTH_EXTRA[sym]);
		int d = huffman_decode(r, dist);
		if (d < 0 || d >= 30) return -1;
		size_t back = DISTANCE_BASE[d] + bits(r, DISTANCE_EXTRA[d]);
		if (r->overrun || back > o->pos || len > o->len - o->pos) return -1;
		for (size_t i = 0; i < len; i++, o->pos++) o->at[o->pos] = o->at[o->pos - back];
	}
}

static int inflate_stored(struct bit_reader *r, struct output *o) {
	r->held = 0; /* to the next byte boundary: at most 7 bits are held */
	r->count = 0;
	if (r->end - r->in < 4) return -1;
	unsigned len = r->in[0] | (unsigned)r->in[1] << 8, check = r->in[2] | (unsigned)r->in[3] << 8;
	r->in += 4;
	if (len != (~check & 0xffffu) || (size_t)(r->end - r->in) < len || len > o->len - o->pos) return -1;
	memcpy(o->at + o->pos, r->in, len);
	r->in += len;
	o->pos += len;
	return 0;
}

static struct huffman lit_code, dist_code;

static int inflate_fixed(struct bit_reader *r, struct output *o) {
	uint8_t lengths[LITERALS];
	unsigned i = 0;
	for (; i < 144; i++) lengths[i] = 8;
	for (; i < 256; i++) lengths[i] = 9;
	for (; i < 280; i++) lengths[i] = 7;
	for (; i < LITERALS; i++) lengths[i] = 8;
	huffman_build(&lit_code, lengths, LITERALS);
	memset(lengths, 5, DISTANCES);
	huffman_build(&dist_code, lengths, DISTANCES);
	return inflate_codes(r, o, &lit_code, &dist_code);
}

static int inflate_dynamic(struct bit_reader *r, struct output *o) {
	uint8_t lengths[LITERALS + DISTANCES];
	unsigned nlit = bits(r, 5) + 257, ndist = bits(r, 5) + 1, ncode = bits(r, 4) + 4;
	if (nlit > 286 || ndist > 30) return -1;
	memset(lengths, 0, 19);
	for (unsigned i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]] = (uint8_t)bits(r, 3);
	if (r->overrun || huffman_build(&lit_code, lengths, 19) != 0) return -1;
	for (unsigned i = 0; i < nlit + ndist;) {
		int sym = huffman_decode(r, &lit_code);
		if (sym < 0) return -1;
		if (sym < 16) { lengths[i++] = (uint8_t)sym; continue; }
		uint8_t repeated = 0;
		unsigned times;
		if (sym == 16) {
			if (i == 0) return -1;
			repeated = lengths[i - 1];
			times = 3 + bits(r, 2);
		} else if (sym == 17) {
			times = 3 + bits(r, 3);
		} else {
			times = 11 + bits(r, 7);
		}
		if (r->overrun || i + times > nlit + ndist) return -1;
		while (times--) lengths[i++] = repeated;
	}
	if (lengths[256] == 0) return -1;
	if (huffman_build(&lit_code, lengths, nlit) != 0 || huffman_build(&dist_code, lengths + nlit, ndist) != 0) return -1;
	return inflate_codes(r, o, &lit_code, &dist_code);
}

int nymote_inflate(uint8_t *out, size_t out_len, const uint8_t *in, size_t in_len) {
	struct bit_reader r = {in, in + in_len, 0, 0, 0};
	struct output o = {out, out_len, 0};
	unsigned last;
	do {
		last = bits(&r, 1);
		unsigned type = bits(&r, 2);
		int err = type == 0 ? inflate_stored(&r, &o) : type == 1 ? inflate_fixed(&r, &o) : type == 2 ? inflate_dynamic(&r, &o) : -1;
		if (err || r.overrun) return -1;
	} while (!last);
	return o.pos == out_len ? 0 : -1;
}
