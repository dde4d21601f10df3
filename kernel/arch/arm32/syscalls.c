/*
 * What newlib asks of an operating system. The kernel's allocator serves
 * the JS heap; newlib's own malloc (used rarely, inside formatting) draws
 * from a small fixed arena through _sbrk. No files exist in a guest.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "nymote/kernel.h"

#undef errno
extern int errno;

static uint8_t libc_arena[64 * 1024] __attribute__((aligned(8)));
static size_t libc_used;

void *_sbrk(ptrdiff_t incr) {
	if (incr < 0 || (size_t)incr > sizeof(libc_arena) - libc_used) { errno = ENOMEM; return (void *)-1; }
	void *p = libc_arena + libc_used;
	libc_used += (size_t)incr;
	return p;
}

int _write(int fd, const void *buf, size_t len) { nymote_console_write(fd == 2 ? 2 : 1, buf, len); return (int)len; }
int _read(int fd, void *buf, size_t len) { (void)fd; (void)buf; (void)len; errno = EBADF; return -1; }
int _close(int fd) { (void)fd; errno = EBADF; return -1; }
int _lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { (void)fd; return 1; }
int _getpid(void) { return 1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
void _exit(int code) { nymote_exit(code); }
