/*
 * The engine's formatter against the host C library's printf: "%lld" for the
 * edges of long long and of Duktape's 48-bit fastints and random values, and
 * other formats passed through. Usage: format_test SEED ROUNDS
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"

static unsigned long long rng;
static unsigned long long next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static int check(long long v) {
	char ours[32], theirs[32];
	int n = nymote_engine_sprintf(ours, "%lld", v);
	int m = snprintf(theirs, sizeof(theirs), "%lld", v);
	if (n != m || strcmp(ours, theirs) != 0) {
		printf("mismatch: %s (%d) for %s (%d)\n", ours, n, theirs, m);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv) {
	rng = argc > 1 ? strtoull(argv[1], NULL, 10) * 2654435761u + 1 : 1;
	long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
	const long long edges[] = {0, 1, -1, 9, 10, -10, 99, 100, INT_MAX, INT_MIN, 0x7fffffffffffLL, -0x800000000000LL,
		0x800000000000LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		if (!check(edges[i])) return 1;
	for (long r = 0; r < rounds; r++) {
		/* Every magnitude: shift a random 64-bit value right by a random count. */
		long long v = (long long)(next() >> (next() % 64));
		if (!check(v) || !check(-v)) return 1;
	}
	char buf[64];
	int n = nymote_engine_sprintf(buf, "%s-%02d-%02d %lu", "2024", 5, 1, 42ul);
	if (n != 13 || strcmp(buf, "2024-05-01 42") != 0) {
		printf("pass-through: %s (%d)\n", buf, n);
		return 1;
	}
	printf("ok: %ld rounds\n", rounds);
	return 0;
}
