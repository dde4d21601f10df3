/* Shared by the Xen guest platforms; see guest.h. */
#include <string.h>
#include "guest.h"
#include "internal.h"

/* ---- console ---- */

static int console_column; /* 0: the last byte written ended a line */

static void emit(const char *s, size_t n) { guest_console_emit(s, n); }

static void console_put(uint8_t c) {
	if (c == '\n') { emit("\n", 1); console_column = 0; return; }
	char esc[4];
	int n = 0;
	if (c == '\\') { esc[n++] = '\\'; esc[n++] = '\\'; }
	else if ((c >= 0x20 && c < 0x7f) || c == '\t') esc[n++] = (char)c;
	else {
		esc[n++] = '\\'; esc[n++] = 'x';
		esc[n++] = "0123456789abcdef"[c >> 4]; esc[n++] = "0123456789abcdef"[c & 15];
	}
	if (console_column + n > GUEST_CONSOLE_LINE_MAX) { emit("\\\n", 2); console_column = 0; }
	emit(esc, (size_t)n);
	console_column += n;
}

void guest_console_write(const void *buf, size_t len) {
	const uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) console_put(p[i]);
}

void nymote_console_write(int stream, const void *buf, size_t len) {
	(void)stream; /* one console: both streams share it */
	guest_console_write(buf, len);
}

void guest_console_newline(void) { if (console_column) console_put('\n'); }

void guest_print(const char *s) { guest_console_write(s, strlen(s)); }

void guest_print_hex(uint64_t v, int digits) {
	char b[20] = "0x";
	if (digits < 1 || digits > 16) digits = 16;
	for (int i = 0; i < digits; i++) b[2 + i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 15];
	b[2 + digits] = 0;
	guest_print(b);
}

void guest_print_dec(long v) {
	char b[24];
	int i = sizeof(b) - 1, neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
	b[i] = 0;
	do { b[--i] = (char)('0' + u % 10); u /= 10; } while (u);
	if (neg) b[--i] = '-';
	guest_print(b + i);
}

/* ---- entropy: sha256 hash DRBG over the boot seed, rekeyed per call ---- */

static uint8_t drbg_key[32];
static int drbg_seeded;
static uint64_t drbg_counter;

static void drbg_mix(const void *data, size_t len) {
	struct nymote_sha256 s;
	double now = nymote_clock_monotonic_ms(); /* timing noise, for what it is worth */
	nymote_sha256_init(&s);
	nymote_sha256_update(&s, drbg_key, sizeof(drbg_key));
	nymote_sha256_update(&s, data, len);
	nymote_sha256_update(&s, &now, sizeof(now));
	nymote_sha256_final(&s, drbg_key);
}

void guest_entropy_mix(const void *data, size_t len) {
	drbg_mix(data, len);
	if (len >= 16) drbg_seeded = 1;
}

int guest_entropy_seeded(void) { return drbg_seeded; }

void nymote_entropy(void *buf, size_t len) {
	uint8_t *out = buf, block[32];
	while (len > 0) {
		struct nymote_sha256 s;
		drbg_counter++;
		nymote_sha256_init(&s);
		nymote_sha256_update(&s, drbg_key, sizeof(drbg_key));
		nymote_sha256_update(&s, &drbg_counter, sizeof(drbg_counter));
		nymote_sha256_final(&s, block);
		size_t n = len < sizeof(block) ? len : sizeof(block);
		memcpy(out, block, n);
		out += n;
		len -= n;
	}
	drbg_mix("rekey", 5); /* what was handed out cannot be recomputed from the new key */
}

static int hex_value(char c) {
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static void seed_from_hex(const char *hex) {
	uint8_t bytes[64];
	size_t n = 0;
	while (n < sizeof(bytes) && hex_value(hex[0]) >= 0 && hex_value(hex[1]) >= 0) {
		bytes[n++] = (uint8_t)(hex_value(hex[0]) << 4 | hex_value(hex[1]));
		hex += 2;
	}
	if (n >= 16) guest_entropy_mix(bytes, n);
}

/* ---- boot arguments ---- */

static char args_copy[2048];

int guest_split_args(const char *src, const char **argv, int max) {
	int argc = 0;
	size_t n = 0;
	if (!src) return 0;
	while (*src && argc < max) {
		while (*src == ' ' || *src == '\t') src++;
		if (!*src) break;
		char *word = &args_copy[n];
		int quoted = 0;
		while (*src && (quoted || (*src != ' ' && *src != '\t')) && n < sizeof(args_copy) - 1) {
			if (*src == '"') { quoted = !quoted; src++; continue; }
			args_copy[n++] = *src++;
		}
		args_copy[n++] = 0;
		if (strncmp(word, "nymote.seed=", 12) == 0) seed_from_hex(word + 12);
		else if (strncmp(word, "nymote.", 7) != 0) argv[argc++] = word;
		if (n >= sizeof(args_copy) - 1) break;
	}
	return argc;
}

/* ---- report lines ---- */

void guest_report_exit(int code) {
	/* The JS heap's high-water mark, then the exit code as the console's last
	 * line: the boot tool reads both (and passes neither to the app's stdout). */
	struct nymote_heap_stats heap;
	nymote_heap_stats(&heap);
	guest_console_newline();
	guest_print("nymote: guest heap peak ");
	guest_print_dec((long)heap.peak_bytes);
	guest_print(" of ");
	guest_print_dec((long)heap.arena_bytes);
	guest_print("\n");
	guest_print("nymote: guest exit ");
	guest_print_dec(code);
	guest_print("\n");
}

void guest_report_fault_start(void) {
	guest_console_newline();
	guest_print("nymote: guest fault: ");
}

void guest_report_cannot_boot(const char *why) {
	guest_console_newline();
	guest_print("nymote: cannot boot: ");
	guest_print(why);
	guest_print("\n");
}
