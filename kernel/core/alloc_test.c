/*
 * Randomised test of the kernel allocator: malloc/realloc/free sequences with
 * every live block filled with a pattern that must survive, alignment and
 * in-use accounting checked, and the arena whole again at the end.
 * Usage: alloc_test SEED ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define SLOTS 512
static struct { uint8_t *p; size_t n; uint8_t fill; } live[SLOTS];
static uint64_t rng;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

static int check(int i) {
	for (size_t k = 0; k < live[i].n; k++)
		if (live[i].p[k] != (uint8_t)(live[i].fill + k)) return 0;
	return 1;
}

static void fill(int i) {
	for (size_t k = 0; k < live[i].n; k++) live[i].p[k] = (uint8_t)(live[i].fill + k);
}

static size_t random_size(void) {
	uint32_t r = next() % 100;
	if (r < 70) return 1 + next() % 64;
	if (r < 95) return 1 + next() % 2048;
	return 1 + next() % 200000;
}

int main(int argc, char **argv) {
	rng = argc > 1 ? strtoull(argv[1], 0, 10) * 2654435761u + 1 : 1;
	long rounds = argc > 2 ? atol(argv[2]) : 200000;
	size_t arena = 16u << 20;
	void *mem = malloc(arena);
	nymote_alloc_init(mem, arena);
	struct nymote_heap_stats empty;
	nymote_heap_stats(&empty);
	for (long r = 0; r < rounds; r++) {
		int i = (int)(next() % SLOTS);
		if (live[i].p && !check(i)) { printf("FAIL: block %d corrupted at round %ld\n", i, r); return 1; }
		uint32_t op = next() % 3;
		if (!live[i].p) {
			size_t n = random_size();
			uint8_t *p = nymote_malloc(n);
			if (!p) continue; /* arena full is allowed */
			if ((uintptr_t)p % 8) { printf("FAIL: misaligned %p\n", (void *)p); return 1; }
			live[i].p = p; live[i].n = n; live[i].fill = (uint8_t)next();
			fill(i);
		} else if (op == 0) {
			size_t n = random_size();
			uint8_t *p = nymote_realloc(live[i].p, n);
			if (!p) continue; /* old block stays valid */
			size_t keep = n < live[i].n ? n : live[i].n;
			live[i].p = p; live[i].n = keep;
			if (!check(i)) { printf("FAIL: realloc lost data at round %ld\n", r); return 1; }
			live[i].n = n; live[i].fill = (uint8_t)next();
			fill(i);
		} else {
			nymote_free(live[i].p);
			live[i].p = NULL;
		}
	}
	for (int i = 0; i < SLOTS; i++) {
		if (live[i].p) {
			if (!check(i)) { printf("FAIL: block %d corrupted at the end\n", i); return 1; }
			nymote_free(live[i].p);
		}
	}
	struct nymote_heap_stats s;
	nymote_heap_stats(&s);
	if (s.in_use_bytes != 0 || s.allocations != 0) { printf("FAIL: leak accounting %zu bytes %zu allocations\n", s.in_use_bytes, s.allocations); return 1; }
	/* everything coalesced: one allocation of nearly the whole arena fits again */
	void *all = nymote_malloc(s.arena_bytes - 64);
	if (!all) { printf("FAIL: arena fragmented after freeing everything\n"); return 1; }
	printf("ok: %ld rounds, peak %zu bytes\n", rounds, s.peak_bytes);
	return 0;
}
