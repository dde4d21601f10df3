/*
 * nymote-bcc: the host bytecode compiler. Built from the same duktape.c and
 * duk_config.h as every target, it compiles an ES5 bundle into a verified
 * application image (kernel.h: "Application image").
 *
 *   nymote-bcc BUNDLE.js OUT.blob [NAME]   NAME is the file name stack traces use
 *
 * A compile error prints "NAME:LINE: message" and exits 1, so the builder can
 * map it back to the TypeScript source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../core/internal.h"

double nymote_engine_wall_ms(void) { return (double)time(NULL) * 1000.0; }
double nymote_engine_monotonic_ms(void) { return (double)clock() * 1000.0 / CLOCKS_PER_SEC; }
double nymote_engine_random_double(void) { return (double)rand() / ((double)RAND_MAX + 1.0); }
void nymote_engine_fatal(void *udata, const char *msg) {
	(void)udata;
	fprintf(stderr, "nymote-bcc: fatal engine error: %s\n", msg ? msg : "?");
	exit(70);
}

static char *read_file(const char *path, size_t *len) {
	FILE *f = fopen(path, "rb");
	if (!f) { perror(path); exit(2); }
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static duk_ret_t compile(duk_context *ctx, void *udata) {
	(void)udata;
	duk_compile(ctx, 0); /* [ source filename ] -> [ function ] */
	duk_dump_function(ctx);
	return 1;
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: nymote-bcc BUNDLE.js OUT.blob [NAME]\n");
		return 2;
	}
	const char *name = argc > 3 ? argv[3] : argv[1];
	size_t src_len;
	char *src = read_file(argv[1], &src_len);
	duk_context *ctx = duk_create_heap(NULL, NULL, NULL, NULL, nymote_engine_fatal);
	duk_push_lstring(ctx, src, src_len);
	duk_push_string(ctx, name);
	if (duk_safe_call(ctx, compile, NULL, 2, 1) != DUK_EXEC_SUCCESS) {
		duk_get_prop_string(ctx, -1, "lineNumber");
		long line = (long)duk_get_int(ctx, -1);
		duk_pop(ctx);
		fprintf(stderr, "%s:%ld: %s\n", name, line, duk_safe_to_string(ctx, -1));
		return 1;
	}
	duk_size_t len;
	const uint8_t *bc = duk_get_buffer(ctx, -1, &len);
	uint8_t header[NYMOTE_BLOB_HEADER_BYTES];
	nymote_blob_header(header, bc, len);
	FILE *out = fopen(argv[2], "wb");
	if (!out || fwrite(header, 1, sizeof(header), out) != sizeof(header) || fwrite(bc, 1, len, out) != len || fclose(out) != 0) {
		perror(argv[2]);
		return 2;
	}
	duk_destroy_heap(ctx);
	free(src);
	return 0;
}
