/*
 * The x86_64 guest's C library is Debian's musl (musl-dev, libc.a), linked
 * statically for its string, formatting, setjmp and math code, none of which
 * needs an operating system. This file supplies the few things musl would
 * otherwise get from Linux. The image build refuses an image in which any
 * linked musl code still holds a SYSCALL instruction (cli/build/kernel.ts).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "nymote/kernel.h"
#include "../core/internal.h"

/* musl reaches its thread block through %fs (errno, the stack-protector
 * canary at %fs:0x28, the locale). One zeroed block that points to itself
 * makes those reads land somewhere sane; a null locale faults cleanly on
 * the unmapped page 0 instead of reading garbage. */
static uintptr_t thread_block[128] __attribute__((aligned(64))); /* > musl's struct pthread */

void libc_init(void (*set_fs_base)(uintptr_t)) {
	thread_block[0] = (uintptr_t)thread_block;
	set_fs_base((uintptr_t)thread_block);
}

/* The engine runs on its own allocator (heap functions passed to Duktape);
 * these exist for the libc code that would reach for malloc. */
void *malloc(size_t n) { return nymote_malloc(n); }
void free(void *p) { nymote_free(p); }
void *realloc(void *p, size_t n) { return nymote_realloc(p, n); }
void *calloc(size_t count, size_t size) {
	if (size && count > (size_t)-1 / size) return NULL;
	void *p = nymote_malloc(count * size);
	if (p) memset(p, 0, count * size);
	return p;
}

void abort(void) {
	nymote_console_write(2, "nymote: abort() called\n", 23);
	nymote_exit(134);
}

/* stdio locks a FILE with futexes; one thread runs here, so nothing to lock
 * (snprintf and sscanf use unlocked FILEs anyway). */
int __lockfile(void *file) { (void)file; return 0; }
void __unlockfile(void *file) { (void)file; }
