/* nymote_inflate on a file: inflate_test IN.deflate LENGTH OUT. Exit 1 when the stream is refused. */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

static uint8_t *read_all(const char *path, size_t *len) {
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(2); }
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(*len + 1);
	if (!buf || fread(buf, 1, *len, f) != *len) { perror(path); exit(2); }
	fclose(f);
	return buf;
}

int main(int argc, char **argv) {
	if (argc != 4) { fprintf(stderr, "usage: inflate_test IN LENGTH OUT\n"); return 2; }
	size_t in_len, out_len = (size_t)strtoul(argv[2], NULL, 10);
	uint8_t *in = read_all(argv[1], &in_len);
	uint8_t *out = malloc(out_len + 1);
	int refused = nymote_inflate(out, out_len, in, in_len);
	size_t n = refused ? 0 : out_len;
	FILE *f = fopen(argv[3], "wb");
	if (!f || fwrite(out, 1, n, f) != n || fclose(f) != 0) { perror(argv[3]); return 2; }
	free(in);
	free(out);
	return refused ? 1 : 0;
}
