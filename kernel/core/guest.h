/* What every Xen guest platform shares: the encoded console, the entropy
 * DRBG, boot-argument splitting and the exit/fault report lines the boot
 * tool reads. Not linked into the unix board. */
#ifndef NYMOTE_CORE_GUEST_H
#define NYMOTE_CORE_GUEST_H
#include <stddef.h>
#include <stdint.h>

/* ---- console ----
 * Xen's consoles drop bytes they deem unprintable (0x80-0x9f among them) and
 * break lines at their buffer size, so a guest writes a lossless ASCII form
 * the boot tool decodes: "\\" for a backslash, "\xHH" for other bytes
 * outside printable ASCII, and a line longer than GUEST_CONSOLE_LINE_MAX is
 * continued after a "\" + newline. The platform's guest_console_emit gets
 * the encoded bytes (usable from the first instruction: fault reports go
 * through it); a newline is always the last byte of a chunk. */
#define GUEST_CONSOLE_LINE_MAX 100
void guest_console_emit(const char *encoded, size_t len);
void guest_console_write(const void *buf, size_t len);
/* Ends a partly written line, so a report starts on a line of its own. */
void guest_console_newline(void);
void guest_print(const char *s);
void guest_print_hex(uint64_t v, int digits);
void guest_print_dec(long v);

/* ---- entropy ---- sha256 hash DRBG; nymote_entropy() draws from it. */
void guest_entropy_mix(const void *data, size_t len);
int guest_entropy_seeded(void);

/* ---- boot arguments ----
 * Splits a command line into words (double quotes group words). nymote.*
 * keys are the kernel's (nymote.seed=HEX seeds the DRBG); the rest are the
 * app's and land in argv, which points into a copy the kernel keeps. */
int guest_split_args(const char *cmdline, const char **argv, int max);

/* ---- the lines the boot tool reads ---- */
void guest_report_exit(int code);          /* "nymote: guest exit N" */
void guest_report_fault_start(void);       /* "nymote: guest fault: " */
void guest_report_cannot_boot(const char *why);

#endif
