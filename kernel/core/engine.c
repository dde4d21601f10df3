/*
 * Engine embedding: the Duktape heap on the kernel allocator, the __kernel
 * natives of kernel.h part 3, and loading a verified application image.
 */
#include <string.h>
#include "internal.h"

/* Exit codes of the kernel itself (sysexits-like, distinct from app codes). */
#define EXIT_BAD_IMAGE 65
#define EXIT_ENGINE 70

static void write_str(int stream, const char *s) { nymote_console_write(stream, s, strlen(s)); }

/* ---- hooks named by duk_config_overrides.h ---- */

double nymote_engine_wall_ms(void) { return nymote_clock_wall_ms(); }
double nymote_engine_monotonic_ms(void) { return nymote_clock_monotonic_ms(); }

double nymote_engine_random_double(void) {
	/* Math.random needs no crypto strength: refill a pool from entropy rarely. */
	static uint8_t pool[256];
	static size_t left = 0;
	if (left < 7) { nymote_entropy(pool, sizeof(pool)); left = sizeof(pool); }
	uint64_t bits = 0;
	for (int i = 0; i < 7; i++) bits = bits << 8 | pool[--left];
	return (double)(bits & ((1ull << 53) - 1)) / 9007199254740992.0;
}

void nymote_engine_fatal(void *udata, const char *msg) {
	(void)udata;
	write_str(2, "nymote: fatal engine error: ");
	write_str(2, msg ? msg : "(no message)");
	write_str(2, "\n");
	nymote_exit(EXIT_ENGINE);
}

static void *heap_alloc(void *udata, duk_size_t size) { (void)udata; return nymote_malloc(size); }
static void *heap_realloc(void *udata, void *p, duk_size_t size) { (void)udata; return nymote_realloc(p, size); }
static void heap_free(void *udata, void *p) { (void)udata; nymote_free(p); }

/* ---- natives ---- */

static int boot_argc;
static const char *const *boot_argv;

static duk_ret_t native_args(duk_context *ctx) {
	duk_push_array(ctx);
	for (int i = 0; i < boot_argc; i++) {
		duk_push_string(ctx, boot_argv[i]);
		duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
	}
	return 1;
}

/* Duktape keeps strings in CESU-8: a character beyond the BMP is two 3-byte
 * surrogates. The console gets UTF-8, as Node writes it: pairs joined into
 * one 4-byte sequence, lone surrogates as U+FFFD. */
static void write_string_utf8(int stream, const uint8_t *p, size_t len) {
	uint8_t out[256];
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		if (n > sizeof(out) - 4) { nymote_console_write(stream, out, n); n = 0; }
		if (p[i] == 0xed && i + 2 < len && (p[i + 1] & 0xe0) == 0xa0) {
			uint32_t high = 0xd000u | (uint32_t)(p[i + 1] & 0x3f) << 6 | (p[i + 2] & 0x3f);
			if (high < 0xdc00u && i + 5 < len && p[i + 3] == 0xed && (p[i + 4] & 0xf0) == 0xb0) {
				uint32_t low = 0xd000u | (uint32_t)(p[i + 4] & 0x3f) << 6 | (p[i + 5] & 0x3f);
				uint32_t c = 0x10000u + ((high - 0xd800u) << 10) + (low - 0xdc00u);
				out[n++] = (uint8_t)(0xf0 | c >> 18);
				out[n++] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
				out[n++] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
				out[n++] = (uint8_t)(0x80 | (c & 0x3f));
				i += 6;
			} else {
				out[n++] = 0xef; out[n++] = 0xbf; out[n++] = 0xbd;
				i += 3;
			}
			continue;
		}
		out[n++] = p[i++];
	}
	nymote_console_write(stream, out, n);
}

static duk_ret_t native_write(duk_context *ctx) {
	int stream = duk_require_int(ctx, 0) == 2 ? 2 : 1;
	duk_size_t len;
	if (duk_is_string(ctx, 1)) {
		const char *s = duk_get_lstring(ctx, 1, &len);
		write_string_utf8(stream, (const uint8_t *)s, len);
	} else {
		const void *p = duk_require_buffer_data(ctx, 1, &len);
		nymote_console_write(stream, p, len);
	}
	return 0;
}

static duk_ret_t native_now(duk_context *ctx) { duk_push_number(ctx, nymote_clock_monotonic_ms()); return 1; }
static duk_ret_t native_wall(duk_context *ctx) { duk_push_number(ctx, nymote_clock_wall_ms()); return 1; }

static duk_ret_t native_block(duk_context *ctx) {
	uint32_t fired[64];
	double deadline = duk_require_number(ctx, 0);
	int n = nymote_block(deadline, fired, 64);
	duk_push_array(ctx);
	for (int i = 0; i < n; i++) {
		duk_push_uint(ctx, fired[i]);
		duk_put_prop_index(ctx, -2, (duk_uarridx_t)i);
	}
	return 1;
}

static duk_ret_t native_entropy(duk_context *ctx) {
	duk_size_t len;
	void *p = duk_require_buffer_data(ctx, 0, &len);
	nymote_entropy(p, len);
	return 0;
}

static duk_ret_t native_pages(duk_context *ctx) {
	duk_uint_t count = duk_require_uint(ctx, 0);
	void *p = count ? nymote_pages_alloc(count) : NULL;
	if (!p) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "cannot allocate %u pages", (unsigned)count);
	duk_push_external_buffer(ctx);
	duk_config_buffer(ctx, -1, p, (duk_size_t)count * NYMOTE_PAGE_SIZE);
	duk_push_buffer_object(ctx, -1, 0, (duk_size_t)count * NYMOTE_PAGE_SIZE, DUK_BUFOBJ_ARRAYBUFFER);
	return 1;
}

static duk_ret_t native_exit(duk_context *ctx) {
	nymote_exit(duk_to_int(ctx, 0));
}

static duk_ret_t native_heap_stats(duk_context *ctx) {
	struct nymote_heap_stats s;
	nymote_heap_stats(&s);
	duk_push_object(ctx);
	duk_push_number(ctx, (double)s.arena_bytes); duk_put_prop_string(ctx, -2, "arena");
	duk_push_number(ctx, (double)s.in_use_bytes); duk_put_prop_string(ctx, -2, "inUse");
	duk_push_number(ctx, (double)s.peak_bytes); duk_put_prop_string(ctx, -2, "peak");
	duk_push_number(ctx, (double)s.allocations); duk_put_prop_string(ctx, -2, "allocations");
	return 1;
}

static duk_ret_t native_internet_sum(duk_context *ctx) {
	duk_size_t len;
	const uint8_t *p = duk_require_buffer_data(ctx, 0, &len);
	duk_uint_t start = duk_require_uint(ctx, 1);
	duk_uint_t end = duk_require_uint(ctx, 2);
	double sum = duk_get_number_default(ctx, 3, 0);
	if (start > end || end > len) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "bytes %u..%u of %u", (unsigned)start, (unsigned)end, (unsigned)len);
	/* lib/checksum.ts sums stay below 2^53; anything else is a caller's bug. */
	if (!(sum >= 0 && sum < 9007199254740992.0)) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "bad initial sum");
	duk_push_uint(ctx, nymote_internet_sum(p + start, end - start, (uint64_t)sum));
	return 1;
}

static void push_engine_info(duk_context *ctx) {
	static const char hex[] = "0123456789abcdef";
	char hash[65];
	for (int i = 0; i < 32; i++) {
		hash[2 * i] = hex[nymote_engine_config_hash[i] >> 4];
		hash[2 * i + 1] = hex[nymote_engine_config_hash[i] & 15];
	}
	hash[64] = 0;
	duk_push_object(ctx);
	duk_push_sprintf(ctx, "%d.%d.%d", (int)(DUK_VERSION / 10000), (int)(DUK_VERSION / 100 % 100), (int)(DUK_VERSION % 100));
	duk_put_prop_string(ctx, -2, "duktape");
	duk_push_string(ctx, hash);
	duk_put_prop_string(ctx, -2, "configHash");
}

static const duk_function_list_entry kernel_natives[] = {
	{"args", native_args, 0},
	{"write", native_write, 2},
	{"now", native_now, 0},
	{"wallClock", native_wall, 0},
	{"block", native_block, 1},
	{"entropy", native_entropy, 1},
	{"pages", native_pages, 1},
	{"exit", native_exit, 1},
	{"heapStats", native_heap_stats, 0},
	{"internetSum", native_internet_sum, 4},
	{NULL, NULL, 0},
};

static void install_kernel_object(duk_context *ctx) {
	duk_push_global_object(ctx);
	duk_push_object(ctx);
	duk_put_function_list(ctx, -1, kernel_natives);
	duk_push_string(ctx, nymote_platform_name);
	duk_put_prop_string(ctx, -2, "platform");
	push_engine_info(ctx);
	duk_put_prop_string(ctx, -2, "engine");
	nymote_platform_natives(ctx, duk_normalize_index(ctx, -1));
	duk_put_prop_string(ctx, -2, "__kernel");
	duk_pop(ctx);
}

/* ---- entry ---- */

struct stored_program { const uint8_t *bytes; size_t stored, inflated; };

static duk_ret_t load_and_run(duk_context *ctx, void *udata) {
	const struct stored_program *p = udata;
	/* Inflated straight into the buffer the engine loads from: RAM holds no second copy. */
	void *copy = duk_push_fixed_buffer(ctx, p->inflated ? p->inflated : p->stored);
	if (!p->inflated) memcpy(copy, p->bytes, p->stored);
	else if (nymote_inflate(copy, p->inflated, p->bytes, p->stored) != 0) return duk_error(ctx, DUK_ERR_ERROR, "the application image's bytecode does not inflate");
	duk_load_function(ctx);
	duk_call(ctx, 0);
	return 1;
}

int nymote_main(const uint8_t *image, size_t image_len, int argc, const char *const *argv) {
	void *base;
	size_t bytes;
	const uint8_t *bytecode;
	const char *why = NULL;

	size_t n = nymote_blob_verify(image, image_len, &bytecode, &why);
	if (!n) {
		write_str(2, "nymote: refusing to load the application image: ");
		write_str(2, why);
		write_str(2, "\n");
		return EXIT_BAD_IMAGE;
	}

	nymote_platform_heap(&base, &bytes);
	nymote_alloc_init(base, bytes);
	duk_context *ctx = duk_create_heap(heap_alloc, heap_realloc, heap_free, NULL, nymote_engine_fatal);
	if (!ctx) {
		write_str(2, "nymote: cannot create the JavaScript heap\n");
		return EXIT_ENGINE;
	}
	boot_argc = argc;
	boot_argv = argv;
	install_kernel_object(ctx);

	/* The runtime ends the program through __kernel.exit(); reaching the end
	 * means the program returned without an event loop, which is success. */
	struct stored_program program = {bytecode, n, nymote_blob_inflated_length(image)};
	int code = 0;
	if (duk_safe_call(ctx, load_and_run, &program, 0, 1) != DUK_EXEC_SUCCESS) {
		write_str(2, "nymote: uncaught error outside the runtime: ");
		write_str(2, duk_safe_to_stacktrace(ctx, -1));
		write_str(2, "\n");
		code = EXIT_ENGINE;
	}
	duk_pop(ctx);
	duk_destroy_heap(ctx);
	return code;
}
