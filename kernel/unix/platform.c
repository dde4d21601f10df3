/*
 * The unix board: the kernel as a Linux process. Implements kernel.h part 1
 * with poll(2), clock_gettime(2), getrandom(2), mmap(2), and adds the
 * __kernel.unix natives (files, fds, tap) the unix drivers use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include "nymote/kernel.h"

const char nymote_platform_name[] = "unix";

/* Linked into each image by the builder (see cli/build/kernel.ts, linkUnixImage). */
extern const uint8_t nymote_app_blob[], nymote_app_blob_end[];
extern const uint32_t nymote_image_memory_mib;

static double start_ms;

static double raw_monotonic_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double nymote_clock_monotonic_ms(void) { return raw_monotonic_ms() - start_ms; }

double nymote_clock_wall_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)(ts.tv_nsec / 1000000);
}

void nymote_console_write(int stream, const void *buf, size_t len) {
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(stream == 2 ? 2 : 1, p, len);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) return;
		p += n;
		len -= (size_t)n;
	}
}

void nymote_entropy(void *buf, size_t len) {
	uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) {
			static const char msg[] = "nymote: no entropy source (getrandom failed)\n";
			nymote_console_write(2, msg, sizeof(msg) - 1);
			_exit(70);
		}
		p += n;
		len -= (size_t)n;
	}
}

void nymote_platform_heap(void **base, size_t *bytes) {
	size_t size = (size_t)nymote_image_memory_mib << 20;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("nymote: cannot map the heap");
		_exit(70);
	}
	*base = p;
	*bytes = size;
}

void *nymote_pages_alloc(size_t count) {
	void *p = mmap(NULL, count * NYMOTE_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void nymote_exit(int code) {
	fflush(NULL);
	_exit(code & 0xff);
}

/* ---- event sources: watched fds ---- */

#define MAX_WATCHES 256
static struct watch { uint32_t id; int fd; short events; } watches[MAX_WATCHES];
static int watch_count;
static uint32_t next_watch_id = 1;

int nymote_block(double deadline_ms, uint32_t *fired, int max) {
	struct pollfd fds[MAX_WATCHES];
	for (;;) {
		int timeout = -1;
		if (deadline_ms >= 0) {
			double wait = deadline_ms - nymote_clock_monotonic_ms();
			timeout = wait <= 0 ? 0 : (int)(wait + 0.999);
		}
		for (int i = 0; i < watch_count; i++) {
			fds[i].fd = watches[i].fd;
			fds[i].events = watches[i].events;
			fds[i].revents = 0;
		}
		int r = poll(fds, (nfds_t)watch_count, timeout);
		if (r < 0 && errno == EINTR) continue;
		int n = 0;
		for (int i = 0; r > 0 && i < watch_count && n < max; i++)
			if (fds[i].revents) fired[n++] = watches[i].id;
		return n;
	}
}

/* ---- __kernel.unix natives ---- */

static duk_ret_t throw_errno(duk_context *ctx, const char *what) {
	int e = errno;
	duk_push_error_object(ctx, DUK_ERR_ERROR, "%s: %s", what, strerror(e));
	const char *name = strerrorname_np(e);
	duk_push_string(ctx, name ? name : "EUNKNOWN");
	duk_put_prop_string(ctx, -2, "code");
	return duk_throw(ctx);
}

static duk_ret_t unix_open(duk_context *ctx) {
	const char *path = duk_require_string(ctx, 0);
	const char *mode = duk_require_string(ctx, 1);
	int flags;
	if (!strcmp(mode, "r")) flags = O_RDONLY;
	else if (!strcmp(mode, "r+")) flags = O_RDWR;
	else if (!strcmp(mode, "w")) flags = O_WRONLY | O_CREAT | O_TRUNC;
	else if (!strcmp(mode, "a")) flags = O_WRONLY | O_CREAT | O_APPEND;
	else if (!strcmp(mode, "rw+")) flags = O_RDWR | O_CREAT;
	else return duk_error(ctx, DUK_ERR_TYPE_ERROR, "unknown open mode '%s'", mode);
	int fd = open(path, flags | O_CLOEXEC, (mode_t)duk_opt_uint(ctx, 2, 0644));
	if (fd < 0) return throw_errno(ctx, path);
	duk_push_int(ctx, fd);
	return 1;
}

static duk_ret_t unix_close(duk_context *ctx) {
	if (close(duk_require_int(ctx, 0)) < 0) return throw_errno(ctx, "close");
	return 0;
}

static duk_ret_t push_io_result(duk_context *ctx, ssize_t n, const char *what) {
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) n = -1;
		else return throw_errno(ctx, what);
	}
	duk_push_number(ctx, (double)n);
	return 1;
}

static duk_ret_t unix_read(duk_context *ctx) {
	duk_size_t len;
	void *p = duk_require_buffer_data(ctx, 1, &len);
	ssize_t n;
	do n = read(duk_require_int(ctx, 0), p, len); while (n < 0 && errno == EINTR);
	return push_io_result(ctx, n, "read");
}

static duk_ret_t unix_write(duk_context *ctx) {
	duk_size_t len;
	void *p = duk_require_buffer_data(ctx, 1, &len);
	ssize_t n;
	do n = write(duk_require_int(ctx, 0), p, len); while (n < 0 && errno == EINTR);
	return push_io_result(ctx, n, "write");
}

static duk_ret_t unix_pread(duk_context *ctx) {
	duk_size_t len;
	void *p = duk_require_buffer_data(ctx, 1, &len);
	ssize_t n = pread(duk_require_int(ctx, 0), p, len, (off_t)duk_require_number(ctx, 2));
	return push_io_result(ctx, n, "pread");
}

static duk_ret_t unix_pwrite(duk_context *ctx) {
	duk_size_t len;
	void *p = duk_require_buffer_data(ctx, 1, &len);
	ssize_t n = pwrite(duk_require_int(ctx, 0), p, len, (off_t)duk_require_number(ctx, 2));
	return push_io_result(ctx, n, "pwrite");
}

static duk_ret_t unix_fsync(duk_context *ctx) {
	if (fsync(duk_require_int(ctx, 0)) < 0) return throw_errno(ctx, "fsync");
	return 0;
}

static duk_ret_t unix_size(duk_context *ctx) {
	struct stat st;
	if (fstat(duk_require_int(ctx, 0), &st) < 0) return throw_errno(ctx, "fstat");
	duk_push_number(ctx, (double)st.st_size);
	return 1;
}

/* stat(path) -> { size, mtimeMs, directory }; throws ENOENT etc. */
static duk_ret_t unix_stat(duk_context *ctx) {
	const char *path = duk_require_string(ctx, 0);
	struct stat st;
	if (stat(path, &st) < 0) return throw_errno(ctx, path);
	duk_push_object(ctx);
	duk_push_number(ctx, (double)st.st_size);
	duk_put_prop_string(ctx, -2, "size");
	duk_push_number(ctx, (double)st.st_mtim.tv_sec * 1000.0 + (double)(st.st_mtim.tv_nsec / 1000000));
	duk_put_prop_string(ctx, -2, "mtimeMs");
	duk_push_boolean(ctx, S_ISDIR(st.st_mode));
	duk_put_prop_string(ctx, -2, "directory");
	return 1;
}

static duk_ret_t unix_watch(duk_context *ctx) {
	int fd = duk_require_int(ctx, 0);
	short events = (short)((duk_to_boolean(ctx, 1) ? POLLIN : 0) | (duk_to_boolean(ctx, 2) ? POLLOUT : 0));
	if (watch_count == MAX_WATCHES) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "too many watched fds");
	watches[watch_count].id = next_watch_id++;
	watches[watch_count].fd = fd;
	watches[watch_count].events = events;
	duk_push_uint(ctx, watches[watch_count++].id);
	return 1;
}

static duk_ret_t unix_unwatch(duk_context *ctx) {
	uint32_t id = duk_require_uint(ctx, 0);
	for (int i = 0; i < watch_count; i++) {
		if (watches[i].id == id) {
			watches[i] = watches[--watch_count];
			break;
		}
	}
	return 0;
}

static duk_ret_t unix_tap_open(duk_context *ctx) {
	const char *name = duk_require_string(ctx, 0);
	struct ifreq ifr;
	if (strlen(name) >= IFNAMSIZ) return duk_error(ctx, DUK_ERR_RANGE_ERROR, "tap name too long: %s", name);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) return throw_errno(ctx, "/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return throw_errno(ctx, name);
	}
	duk_push_int(ctx, fd);
	return 1;
}

static const duk_function_list_entry unix_natives[] = {
	{"open", unix_open, 3},
	{"close", unix_close, 1},
	{"read", unix_read, 2},
	{"write", unix_write, 2},
	{"pread", unix_pread, 3},
	{"pwrite", unix_pwrite, 3},
	{"fsync", unix_fsync, 1},
	{"size", unix_size, 1},
	{"stat", unix_stat, 1},
	{"watch", unix_watch, 3},
	{"unwatch", unix_unwatch, 1},
	{"tapOpen", unix_tap_open, 1},
	{NULL, NULL, 0},
};

void nymote_platform_natives(duk_context *ctx, duk_idx_t obj_idx) {
	duk_push_object(ctx);
	duk_put_function_list(ctx, -1, unix_natives);
	duk_put_prop_string(ctx, obj_idx, "unix");
}

int main(int argc, char **argv) {
	start_ms = raw_monotonic_ms();
	signal(SIGPIPE, SIG_IGN);
	int code = nymote_main(nymote_app_blob, (size_t)(nymote_app_blob_end - nymote_app_blob),
	                       argc - 1, (const char *const *)argv + 1);
	nymote_exit(code);
}
