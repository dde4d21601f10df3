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
#include "../../core/guest.h"

const char nymote_platform_name[] = "xen-arm32";

extern const uint8_t nymote_app_blob[], nymote_app_blob_end[];
extern uint8_t _start_image[], _end[];

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

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

void guest_console_emit(const char *s, size_t len) {
	for (size_t i = 0; i < len; i++) {
		while (mmio_read32(uart + UART_FR) & UART_FR_TXFF) {}
		mmio_write32(uart + UART_DR, (uint8_t)s[i]);
	}
}

/* ---- time ---- */

double nymote_clock_monotonic_ms(void) {
	return (double)(cntvct() - timer_start) * 1000.0 / (double)timer_hz;
}

double nymote_clock_wall_ms(void) { return xen_wall_clock_ms(nymote_clock_monotonic_ms()); }

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

/* ---- grant table and xenstore ---- */

uint64_t xen_platform_frame(const void *va) { return (uintptr_t)va >> 12; }

/* The table's frames replace pool pages in our physical map. */
static void map_grant_table(void) {
	uint8_t *va = nymote_pages_alloc(XEN_GRANT_FRAMES);
	if (!va) return;
	for (unsigned i = 0; i < XEN_GRANT_FRAMES; i++) {
		struct xen_add_to_physmap map = {
			.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = i,
			.gpfn = (uintptr_t)(va + i * 4096) >> 12,
		};
		if (xen_hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&map)) return;
	}
	xen_grant_init(va);
}

#define HVMOP_get_param 1
#define HVM_PARAM_STORE_PFN 1
#define HVM_PARAM_STORE_EVTCHN 2
struct xen_hvm_param { uint16_t domid; uint32_t index; uint64_t value; };

static uint64_t hvm_param(uint32_t index) {
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	return xen_hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, (unsigned long)&p) ? 0 : p.value;
}

/* A domain started without xenstore (dom0less) has no store pfn. */
int xen_platform_xenstore(void **page, uint32_t *port) {
	if (!boot.has_hypervisor) return 0;
	uint64_t pfn = hvm_param(HVM_PARAM_STORE_PFN);
	if (pfn == 0) return 0;
	*page = (void *)(uintptr_t)(pfn << 12);
	*port = (uint32_t)hvm_param(HVM_PARAM_STORE_EVTCHN);
	return 1;
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
	guest_report_exit(code);
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
	guest_report_fault_start();
	guest_print(kind < 8 ? exception_names[kind] : "unknown");
	guest_print(" at pc=");
	guest_print_hex(pc, 8);
	guest_print(" address=");
	guest_print_hex(far, 8);
	guest_print(" status=");
	guest_print_hex(fsr, 8);
	guest_print("\n");
	for (int i = 0; i < 13; i++) {
		guest_print(i % 4 == 0 ? "  " : " ");
		guest_print("r");
		guest_print_dec(i);
		guest_print("=");
		guest_print_hex(regs[i], 8);
		if (i % 4 == 3 || i == 12) guest_print("\n");
	}
	halt(SHUTDOWN_crash);
}

static void fail_boot(const char *why) {
	guest_report_cannot_boot(why);
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
static const char *app_argv[MAX_ARGS];

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

	int argc = guest_split_args(boot.bootargs, app_argv, MAX_ARGS);
	if (!guest_entropy_seeded()) fail_boot("no entropy: the boot arguments carry no nymote.seed=<hex, 16 bytes or more>");
	layout_memory(); /* the device tree is dead from here */
	if (heap_bytes < 256 * 1024) fail_boot("less than 256 KiB of RAM left for the JavaScript heap");
	if (boot.has_hypervisor) map_grant_table();

	int code = nymote_main(nymote_app_blob, (size_t)(nymote_app_blob_end - nymote_app_blob), argc, app_argv);
	nymote_exit(code);
}
