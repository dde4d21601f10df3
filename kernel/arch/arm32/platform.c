/*
 * The xen-arm32 platform: kernel.h part 1 for a 32-bit ARM Xen guest.
 * Console on the vpl011, time from the virtual generic timer, sleep in WFI
 * until the timer or an event channel interrupts, entropy from a seed the
 * boot loader passes (nymote.seed=HEX) stretched by a hash DRBG.
 */
#include <string.h>
#include "nymote/kernel.h"
#include "arm32.h"
#include "../../xen/xen.h"
#include "../../core/internal.h"

const char nymote_platform_name[] = "xen-arm32";

extern const uint8_t nymote_app_blob[], nymote_app_blob_end[];
extern uint8_t _start_image[], _end[];

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)
#define GUEST_PL011_BASE 0x22000000u

static struct boot_info boot;
static uintptr_t uart = GUEST_PL011_BASE;
static uint64_t timer_start;
static uint32_t timer_hz;
static uint8_t *heap_base, *pages_next, *pages_end;
static size_t heap_bytes;
/* A whole page of its own: Xen replaces the frame, and anything else in it. */
static union { struct xen_shared_info info; uint8_t page[4096]; } shared_page __attribute__((aligned(4096)));

/* ---- console ---- */

/* Xen's console drops bytes it deems unprintable (0x80-0x9f among them)
 * and breaks lines at its buffer size (128 bytes for the vpl011), so the
 * guest console is written in a lossless ASCII form the boot tool decodes:
 * backslash as "\\", other bytes outside printable ASCII as "\xHH", and a
 * line longer than CONSOLE_LINE_MAX is continued after a "\" + newline. */
#define CONSOLE_LINE_MAX 100

static int console_column; /* 0: the last byte written ended a line */

static void uart_put(uint8_t c) {
	while (mmio_read32(uart + UART_FR) & UART_FR_TXFF) {}
	mmio_write32(uart + UART_DR, c);
}

static void console_put(uint8_t c) {
	if (c == '\n') { uart_put('\n'); console_column = 0; return; }
	char esc[4];
	int n = 0;
	if (c == '\\') { esc[n++] = '\\'; esc[n++] = '\\'; }
	else if ((c >= 0x20 && c < 0x7f) || c == '\t') esc[n++] = (char)c;
	else {
		esc[n++] = '\\'; esc[n++] = 'x';
		esc[n++] = "0123456789abcdef"[c >> 4]; esc[n++] = "0123456789abcdef"[c & 15];
	}
	if (console_column + n > CONSOLE_LINE_MAX) { uart_put('\\'); uart_put('\n'); console_column = 0; }
	for (int i = 0; i < n; i++) uart_put((uint8_t)esc[i]);
	console_column += n;
}

void nymote_console_write(int stream, const void *buf, size_t len) {
	(void)stream; /* one UART: both streams share it */
	const uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) console_put(p[i]);
}

static void puts_raw(const char *s) { nymote_console_write(1, s, strlen(s)); }

static void put_hex(uint32_t v) {
	char b[11] = "0x";
	for (int i = 0; i < 8; i++) b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
	b[10] = 0;
	puts_raw(b);
}

static void put_dec(long v) {
	char b[24];
	int i = sizeof(b) - 1, neg = v < 0;
	unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
	b[i] = 0;
	do { b[--i] = (char)('0' + u % 10); u /= 10; } while (u);
	if (neg) b[--i] = '-';
	puts_raw(b + i);
}

/* ---- time ---- */

double nymote_clock_monotonic_ms(void) {
	return (double)(cntvct() - timer_start) * 1000.0 / (double)timer_hz;
}

double nymote_clock_wall_ms(void) { return xen_wall_clock_ms(nymote_clock_monotonic_ms()); }

/* ---- entropy: sha256 hash DRBG over the boot seed, rekeyed per call ---- */

static uint8_t drbg_key[32];
static int drbg_seeded;
static uint64_t drbg_counter;

static void drbg_mix(const void *data, size_t len) {
	struct nymote_sha256 s;
	uint64_t now = cntvct();
	nymote_sha256_init(&s);
	nymote_sha256_update(&s, drbg_key, sizeof(drbg_key));
	nymote_sha256_update(&s, data, len);
	nymote_sha256_update(&s, &now, sizeof(now));
	nymote_sha256_final(&s, drbg_key);
}

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
	if (n >= 16) { drbg_mix(bytes, n); drbg_seeded = 1; }
}

/* ---- memory ---- */

void nymote_platform_heap(void **base, size_t *bytes) { *base = heap_base; *bytes = heap_bytes; }

void *nymote_pages_alloc(size_t count) {
	size_t want = count * NYMOTE_PAGE_SIZE;
	if (count == 0 || want / NYMOTE_PAGE_SIZE != count || want > (size_t)(pages_end - pages_next)) return NULL;
	void *p = pages_next;
	pages_next += want;
	memset(p, 0, want);
	return p;
}

/* Called once the device tree has been read and the boot arguments copied:
 * from then on all RAM outside the image is ours. Below the image (where Xen
 * put the tree in small guests) is the page pool for rings and buffers, above
 * it the JS heap. */
static void layout_memory(void) {
	uintptr_t ram = (uintptr_t)boot.ram_base;
	uintptr_t start = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;
	uintptr_t end = (uintptr_t)(boot.ram_base + boot.ram_size);
	pages_next = (uint8_t *)ram;
	pages_end = (uint8_t *)((uintptr_t)_start_image & ~(uintptr_t)4095);
	if (pages_end < pages_next) pages_end = pages_next; /* image not in the first bank: no pool */
	heap_base = (uint8_t *)start;
	heap_bytes = end > start ? end - start : 0;
}

/* ---- sleeping and events ---- */

static void take_interrupts(void) {
	for (;;) {
		int irq = gic_ack();
		if (irq == IRQ_SPURIOUS) return;
		if (irq == IRQ_VIRT_TIMER) cntv_ctl(CNTV_IMASK); /* re-armed by the next block() */
		gic_eoi(irq);
	}
}

int nymote_block(double deadline_ms, uint32_t *fired, int max) {
	for (;;) {
		take_interrupts();
		int n = xen_events_take(fired, max);
		if (n > 0) return n;
		double now = nymote_clock_monotonic_ms();
		if (deadline_ms >= 0 && now >= deadline_ms) return 0;
		if (deadline_ms >= 0) {
			double ticks = deadline_ms * (double)timer_hz / 1000.0;
			cntv_cval(timer_start + (uint64_t)ticks + 1);
			cntv_ctl(CNTV_ENABLE);
		} else {
			cntv_ctl(CNTV_IMASK);
		}
		/* WFI wakes on a pending interrupt even with IRQs masked; Xen
		 * deschedules the vCPU until one is. */
		if (!xen_events_pending()) __asm__ volatile("dsb sy\n\twfi" ::: "memory");
	}
}

/* ---- stopping ---- */

static void __attribute__((noreturn)) halt(unsigned reason) {
	xen_shutdown(reason);
	for (;;) __asm__ volatile("wfi"); /* Xen does not return a shut-down vCPU here; just in case */
}

void nymote_exit(int code) {
	/* The exit code travels as the console's last line: the boot tool reads it. */
	if (console_column) puts_raw("\n");
	puts_raw("nymote: guest exit ");
	put_dec(code);
	puts_raw("\n");
	halt(SHUTDOWN_poweroff);
}

static const char *const exception_names[] = {
	"reset", "undefined instruction", "supervisor call", "prefetch abort",
	"data abort", "reserved vector", "interrupt", "fast interrupt",
};

void arm32_exception(uint32_t kind, uint32_t lr, const uint32_t *regs, uint32_t spsr) {
	/* The faulting instruction, from the return address the CPU saved. */
	int thumb = (spsr >> 5) & 1;
	uint32_t pc = kind == 4 ? lr - 8 : (kind == 1 || kind == 2) ? lr - (thumb ? 2 : 4) : kind == 3 ? lr - 4 : lr;
	uint32_t far = 0, fsr = 0;
	if (kind == 3) {
		__asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(far));
		__asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(fsr));
	} else if (kind == 4) {
		__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(far));
		__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(fsr));
	}
	if (console_column) puts_raw("\n");
	puts_raw("nymote: guest fault: ");
	puts_raw(kind < 8 ? exception_names[kind] : "unknown");
	puts_raw(" at pc=");
	put_hex(pc);
	puts_raw(" address=");
	put_hex(far);
	puts_raw(" status=");
	put_hex(fsr);
	puts_raw("\n");
	for (int i = 0; i < 13; i++) {
		puts_raw(i % 4 == 0 ? "  " : " ");
		puts_raw("r");
		put_dec(i);
		puts_raw("=");
		put_hex(regs[i]);
		if (i % 4 == 3 || i == 12) puts_raw("\n");
	}
	halt(SHUTDOWN_crash);
}

static void fail_boot(const char *why) {
	puts_raw("nymote: cannot boot: ");
	puts_raw(why);
	puts_raw("\n");
	halt(SHUTDOWN_crash);
}

/* ---- natives: __kernel.xen ---- */

void nymote_platform_natives(duk_context *ctx, duk_idx_t obj_idx) {
	duk_push_object(ctx);
	duk_push_uint(ctx, (duk_uint_t)boot.ram_size);
	duk_put_prop_string(ctx, -2, "memoryBytes");
	duk_push_int(ctx, boot.gic.version);
	duk_put_prop_string(ctx, -2, "gicVersion");
	duk_push_string(ctx, "arm32");
	duk_put_prop_string(ctx, -2, "arch");
	xen_install_natives(ctx, duk_normalize_index(ctx, -1));
	duk_put_prop_string(ctx, obj_idx, "xen");
}

/* ---- boot ---- */

#define MAX_ARGS 64
static char args_copy[2048];
static const char *app_argv[MAX_ARGS];

/* Splits the boot arguments: nymote.* keys are the kernel's, the rest the
 * app's (double quotes group words). */
static int split_bootargs(const char *src) {
	int argc = 0;
	size_t n = 0;
	if (!src) return 0;
	while (*src && argc < MAX_ARGS) {
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
		else if (strncmp(word, "nymote.", 7) != 0) app_argv[argc++] = word;
		if (n >= sizeof(args_copy) - 1) break;
	}
	return argc;
}

void arm32_main(const void *dtb) {
	const char *why = fdt_read(dtb, &boot);
	if (boot.uart) uart = boot.uart;
	if (why) fail_boot(why);

	timer_hz = cntfrq();
	timer_start = cntvct();
	cntv_ctl(CNTV_IMASK);
	gic_init(&boot.gic);
	gic_enable_ppi(IRQ_VIRT_TIMER);

	if (boot.has_hypervisor) {
		struct xen_add_to_physmap map = {
			.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0,
			.gpfn = (uintptr_t)&shared_page >> 12,
		};
		if (xen_hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&map) == 0) {
			xen_set_shared_info(&shared_page.info);
			gic_enable_ppi(IRQ_XEN_EVENTS);
		}
	}

	int argc = split_bootargs(boot.bootargs);
	if (!drbg_seeded) fail_boot("no entropy: the boot arguments carry no nymote.seed=<hex, 16 bytes or more>");
	layout_memory(); /* the device tree is dead from here */
	if (heap_bytes < 256 * 1024) fail_boot("less than 256 KiB of RAM left for the JavaScript heap");

	int code = nymote_main(nymote_app_blob, (size_t)(nymote_app_blob_end - nymote_app_blob), argc, app_argv);
	nymote_exit(code);
}
