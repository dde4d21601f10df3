/*
 * The kernel's allocator: segregated free lists with boundary tags over one
 * arena the platform hands us. Guests have no malloc, and the unix board uses
 * the same code so heap behaviour and statistics match the images.
 *
 * Block: [u64 header: size|used] payload… [u64 footer: size|used]
 * Free blocks keep next/prev list pointers in their payload. Sizes are
 * multiples of 8 and include both tags. Bins: exact sizes up to 1 KiB (step 8),
 * then one bin per power of two, with a bitmap to find the next non-empty bin.
 */
#include <string.h>
#include "internal.h"

typedef uint64_t tag_t;
#define TAG_BYTES ((size_t)sizeof(tag_t))
#define USED ((tag_t)1)
#define ALIGN 8u
#define MIN_BLOCK (2 * TAG_BYTES + 2 * sizeof(void *))
#define EXACT_LIMIT 1024u
#define EXACT_BINS (EXACT_LIMIT / ALIGN + 1)
#define LOG_BINS 40u
#define NBINS (EXACT_BINS + LOG_BINS)
#define BITMAP_WORDS ((NBINS + 31) / 32)

struct free_block {
	tag_t header;
	struct free_block *next, *prev;
};

static struct {
	uint8_t *start, *end;
	struct free_block *bins[NBINS];
	uint32_t bitmap[BITMAP_WORDS];
	size_t arena, in_use, peak, allocations;
} A;

static size_t block_size(const void *b) { return (size_t)(*(const tag_t *)b & ~(tag_t)7); }
static int block_used(const void *b) { return (int)(*(const tag_t *)b & USED); }

static void set_tags(uint8_t *b, size_t size, int used) {
	tag_t t = (tag_t)size | (used ? USED : 0);
	memcpy(b, &t, TAG_BYTES);
	memcpy(b + size - TAG_BYTES, &t, TAG_BYTES);
}

/* v > 0. One instruction on both targets: bin_of runs on every malloc and
 * free, often for the large remainder of the arena. */
static unsigned log2_floor(size_t v) {
	return 63u - (unsigned)__builtin_clzll((unsigned long long)v);
}

static unsigned bin_of(size_t size) {
	if (size <= EXACT_LIMIT) return (unsigned)(size / ALIGN);
	unsigned b = EXACT_BINS + log2_floor(size) - 10;
	return b < NBINS ? b : NBINS - 1;
}

static void bin_insert(struct free_block *f) {
	unsigned b = bin_of(block_size(f));
	f->prev = NULL;
	f->next = A.bins[b];
	if (f->next) f->next->prev = f;
	A.bins[b] = f;
	A.bitmap[b / 32] |= 1u << (b % 32);
}

static void bin_remove(struct free_block *f) {
	unsigned b = bin_of(block_size(f));
	if (f->prev) f->prev->next = f->next; else A.bins[b] = f->next;
	if (f->next) f->next->prev = f->prev;
	if (!A.bins[b]) A.bitmap[b / 32] &= ~(1u << (b % 32));
}

/* First non-empty bin at or above b, or NBINS. */
static unsigned next_bin(unsigned b) {
	while (b < NBINS) {
		uint32_t word = A.bitmap[b / 32] >> (b % 32);
		if (word) return b + (unsigned)__builtin_ctz(word);
		b = (b / 32 + 1) * 32;
	}
	return NBINS;
}

void nymote_alloc_init(void *base, size_t bytes) {
	memset(&A, 0, sizeof(A));
	uintptr_t s = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	uintptr_t e = ((uintptr_t)base + bytes) & ~(uintptr_t)(ALIGN - 1);
	/* prologue footer (used) + one free block + epilogue header (used, size 0) */
	A.start = (uint8_t *)s;
	A.end = (uint8_t *)e;
	tag_t used = USED;
	memcpy(A.start, &used, TAG_BYTES);
	memcpy(A.end - TAG_BYTES, &used, TAG_BYTES);
	size_t size = (size_t)(e - s) - 2 * TAG_BYTES;
	A.arena = size;
	set_tags(A.start + TAG_BYTES, size, 0);
	bin_insert((struct free_block *)(A.start + TAG_BYTES));
}

static size_t request_to_block(size_t n) {
	size_t size = (n + 2 * TAG_BYTES + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return size < MIN_BLOCK ? MIN_BLOCK : size;
}

/* Mark b used with `size` bytes, returning any tail to the bins. */
static void carve(uint8_t *b, size_t size) {
	size_t have = block_size(b);
	if (have - size >= MIN_BLOCK) {
		set_tags(b, size, 1);
		set_tags(b + size, have - size, 0);
		bin_insert((struct free_block *)(b + size));
	} else {
		set_tags(b, have, 1);
	}
}

static void account(size_t before, size_t after) {
	A.in_use = A.in_use - before + after;
	if (A.in_use > A.peak) A.peak = A.in_use;
}

void *nymote_malloc(size_t n) {
	if (n == 0 || n > A.arena) return NULL;
	size_t size = request_to_block(n);
	for (unsigned b = next_bin(bin_of(size)); b < NBINS; b = next_bin(b + 1)) {
		for (struct free_block *f = A.bins[b]; f; f = f->next) {
			if (block_size(f) >= size) {
				bin_remove(f);
				carve((uint8_t *)f, size);
				account(0, block_size(f));
				A.allocations++;
				return (uint8_t *)f + TAG_BYTES;
			}
		}
	}
	return NULL;
}

void nymote_free(void *p) {
	if (!p) return;
	uint8_t *b = (uint8_t *)p - TAG_BYTES;
	size_t size = block_size(b);
	account(size, 0);
	A.allocations--;
	uint8_t *next = b + size;
	if (!block_used(next)) {
		bin_remove((struct free_block *)next);
		size += block_size(next);
	}
	if (!block_used(b - TAG_BYTES)) {
		uint8_t *prev = b - block_size(b - TAG_BYTES);
		bin_remove((struct free_block *)prev);
		size += block_size(prev);
		b = prev;
	}
	set_tags(b, size, 0);
	bin_insert((struct free_block *)b);
}

void *nymote_realloc(void *p, size_t n) {
	if (!p) return nymote_malloc(n);
	if (n == 0) { nymote_free(p); return NULL; }
	uint8_t *b = (uint8_t *)p - TAG_BYTES;
	size_t have = block_size(b), want = request_to_block(n);
	if (want <= have) {
		if (have - want >= MIN_BLOCK) {
			/* shrink in place; the tail may merge with a free neighbour */
			set_tags(b, want, 1);
			set_tags(b + want, have - want, 1);
			A.allocations++;
			nymote_free(b + want + TAG_BYTES);
		}
		return p;
	}
	uint8_t *next = b + have;
	if (!block_used(next) && have + block_size(next) >= want) {
		bin_remove((struct free_block *)next);
		set_tags(b, have + block_size(next), 0);
		carve(b, want);
		account(have, block_size(b));
		return p;
	}
	void *q = nymote_malloc(n);
	if (!q) return NULL;
	memcpy(q, p, have - 2 * TAG_BYTES);
	nymote_free(p);
	return q;
}

void nymote_heap_stats(struct nymote_heap_stats *out) {
	out->arena_bytes = A.arena;
	out->in_use_bytes = A.in_use;
	out->peak_bytes = A.peak;
	out->allocations = A.allocations;
}
