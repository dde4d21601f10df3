/*
 * The xen-x86_64 platform: kernel.h part 1 for a 64-bit x86 Xen PV guest.
 * Console through console_io when we are dom0 and through the PV console
 * ring when a domU; time from Xen's vcpu_time_info and the TSC; sleep in
 * SCHEDOP_block until an event channel or the one-shot timer fires;
 * entropy from RDRAND and/or a boot seed, stretched by a hash DRBG.
 */
#include <string.h>
#include "nymote/kernel.h"
#include "x86_64.h"
#include "../../xen/xen.h"
#include "../../core/internal.h"
#include "../../core/guest.h"

const char nymote_platform_name[] = "xen-x86_64";

extern const uint8_t nymote_app_blob[], nymote_app_blob_end[];
extern uint8_t _start_image[], _end[], stack_guard[];

#define PAGE 4096ul
#define PAGE_UP(x) (((uintptr_t)(x) + PAGE - 1) & ~(PAGE - 1))

static struct x86_memory memory;
static int is_dom0;
static uint64_t boot_ns;
static uint32_t timer_port;
static uint8_t *pages_next, *pages_end, *heap_base;
static size_t heap_bytes;
/* A whole page of its own: its frame is replaced by Xen's shared-info frame. */
static union { struct xen_shared_info info; uint8_t page[4096]; } shared_page __attribute__((aligned(4096)));
static struct xen_shared_info *shared;

static void __attribute__((noreturn)) halt(unsigned reason);

/* ---- console: one hypercall or ring write per line ---- */

static struct xencons_interface *ring;
static uint32_t ring_port;
static char line[GUEST_CONSOLE_LINE_MAX + 8];
static size_t line_len;

static void ring_write(const char *s, size_t len) {
	while (len > 0) {
		uint32_t prod = ring->out_prod;
		uint32_t used = prod - __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		if (used >= sizeof(ring->out)) {
			xen_evtchn_send(ring_port);
			xen_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
			continue;
		}
		size_t n = sizeof(ring->out) - used;
		if (n > len) n = len;
		for (size_t i = 0; i < n; i++) ring->out[(prod + i) & (sizeof(ring->out) - 1)] = s[i];
		__atomic_store_n(&ring->out_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
		s += n;
		len -= n;
	}
	xen_evtchn_send(ring_port);
}

/* xenconsoled reads the ring when it gets to it; what is still in the ring
 * when the domain dies is lost, so a guest waits (a bounded while) first. */
static void console_drain(void) {
	if (!ring) return;
	for (int i = 0; i < 100000 && __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE) != ring->out_prod; i++)
		xen_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

static void line_flush(void) {
	if (line_len == 0) return;
	if (ring) ring_write(line, line_len);
	else xen_console_io_write(line, (unsigned)line_len);
	line_len = 0;
}

void guest_console_emit(const char *s, size_t len) {
	for (size_t i = 0; i < len; i++) {
		if (line_len == sizeof(line)) line_flush();
		line[line_len++] = s[i];
		if (s[i] == '\n') line_flush();
	}
}

/* ---- time ---- */

static uint64_t rdtsc(void) {
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Xen system time: ns since Xen booted, from the TSC and Xen's scale. */
static uint64_t system_time_ns(void) {
	if (!shared) return 0;
	volatile struct xen_vcpu_time_info *t = &shared->vcpu_info[0].time;
	uint32_t version;
	uint64_t ns;
	do {
		version = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t delta = rdtsc() - t->tsc_timestamp;
		int shift = t->tsc_shift;
		delta = shift < 0 ? delta >> -shift : delta << shift;
		ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != t->version);
	return ns;
}

double nymote_clock_monotonic_ms(void) { return (double)(system_time_ns() - boot_ns) / 1e6; }

/* Xen's wall clock is the time at system time 0. */
double nymote_clock_wall_ms(void) { return xen_wall_clock_ms((double)system_time_ns() / 1e6); }

/* ---- entropy ---- */

static int has_rdrand(void) {
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 30) & 1;
}

static void seed_from_rdrand(void) {
	uint64_t words[4];
	int got = 0;
	for (int tries = 0; got < 4 && tries < 40; tries++) {
		uint64_t v;
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
		if (ok) words[got++] = v;
	}
	if (got == 4) guest_entropy_mix(words, sizeof(words));
}

/* ---- memory ---- */

void nymote_platform_heap(void **base, size_t *bytes) { *base = heap_base; *bytes = heap_bytes; }

/* Two pools: the frames below the image, then a reserve at the top of RAM
 * (rings and packet buffers of the PV drivers outgrow the first). */
static uint8_t *reserve_next, *reserve_end;

static void *take_pages(uint8_t **next, uint8_t *end, size_t want) {
	if (want > (size_t)(end - *next)) return NULL;
	void *p = *next;
	*next += want;
	memset(p, 0, want);
	return p;
}

void *nymote_pages_alloc(size_t count) {
	size_t want = count * NYMOTE_PAGE_SIZE;
	if (count == 0 || want / NYMOTE_PAGE_SIZE != count) return NULL;
	void *p = take_pages(&pages_next, pages_end, want);
	return p ? p : take_pages(&reserve_next, reserve_end, want);
}

/* ---- grant table and xenstore ---- */

#define GNTTABOP_setup_table 2
struct gnttab_setup_table { uint16_t dom; uint32_t nr_frames; int16_t status; unsigned long *frame_list; };

uint64_t xen_platform_frame(const void *va) { return memory.p2m[(uintptr_t)va >> 12]; }

/* Xen names the table's machine frames; we map them over pool pages. */
static void map_grant_table(void) {
	unsigned long frames[XEN_GRANT_FRAMES];
	struct gnttab_setup_table op = { .dom = DOMID_SELF, .nr_frames = XEN_GRANT_FRAMES, .frame_list = frames };
	if (xen_hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (unsigned long)&op, 1) || op.status) return;
	uint8_t *va = nymote_pages_alloc(XEN_GRANT_FRAMES);
	if (!va) return;
	for (unsigned i = 0; i < XEN_GRANT_FRAMES; i++)
		if (x86_remap(va + i * PAGE, frames[i])) return;
	xen_grant_init(va);
}

static void *store_page;
static uint32_t store_port;

int xen_platform_xenstore(void **page, uint32_t *port) {
	if (!store_page) return 0;
	*page = store_page;
	*port = store_port;
	return 1;
}

static uintptr_t max_ptr(uintptr_t a, uintptr_t b) { return a > b ? a : b; }

/* Where Xen's bootstrap region ends: image, start_info, the pfn list, the
 * page tables, the bootstrap stack, and a domU's console and store pages. */
static uintptr_t bootstrap_end(const struct start_info *si, uintptr_t xen_stack_top) {
	uintptr_t end = PAGE_UP(_end);
	end = max_ptr(end, PAGE_UP((uintptr_t)si + sizeof(*si)));
	end = max_ptr(end, PAGE_UP(si->mfn_list + si->nr_pages * sizeof(unsigned long)));
	end = max_ptr(end, si->pt_base + si->nr_pt_frames * PAGE);
	end = max_ptr(end, PAGE_UP(xen_stack_top));
	if (si->mod_len) end = max_ptr(end, PAGE_UP(si->mod_start + si->mod_len));
	if (!is_dom0) {
		end = max_ptr(end, (x86_mfn_to_pfn(si->console.domU.mfn) + 1) * PAGE);
		end = max_ptr(end, (x86_mfn_to_pfn(si->store_mfn) + 1) * PAGE);
	}
	return end;
}

/* ---- sleeping and events ---- */

int nymote_block(double deadline_ms, uint32_t *fired, int max) {
	for (;;) {
		int n = xen_events_take(fired, max);
		if (n > 0) return n;
		double now = nymote_clock_monotonic_ms();
		if (deadline_ms >= 0 && now >= deadline_ms) return 0;
		/* 0 cancels the timer; else an absolute system time, a tick late
		 * rather than early. */
		uint64_t timeout = deadline_ms >= 0 ? boot_ns + (uint64_t)(deadline_ms * 1e6) + 1000 : 0;
		xen_hypercall1(__HYPERVISOR_set_timer_op, timeout);
		/* Upcalls are masked; SCHEDOP_block unmasks them and sleeps unless
		 * an event is pending, atomically. The upcall handler leaves them
		 * masked again; this covers a wake-up that brought no upcall. */
		if (!xen_events_pending()) xen_sched_block();
		shared->vcpu_info[0].evtchn_upcall_mask = 1;
	}
}

/* ---- stopping ---- */

static void __attribute__((noreturn)) halt(unsigned reason) {
	line_flush();
	console_drain();
	xen_shutdown(reason);
	for (;;) xen_hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0); /* a shut-down vCPU is not run again */
}

void nymote_exit(int code) {
	guest_report_exit(code);
	halt(SHUTDOWN_poweroff);
}

static const char *const trap_names[] = {
	[0] = "divide error", [1] = "debug", [3] = "breakpoint", [4] = "overflow", [5] = "bound range exceeded",
	[6] = "invalid opcode", [7] = "device not available", [8] = "double fault", [10] = "invalid TSS",
	[11] = "segment not present", [12] = "stack fault", [13] = "general protection", [14] = "page fault",
	[16] = "x87 floating-point error", [17] = "alignment check", [18] = "machine check",
	[19] = "SIMD floating-point error",
};

void x86_64_trap(const struct trap_frame *f) {
	const char *name = f->vector == 256 ? "failsafe callback (segment reload on return)"
		: f->vector < sizeof(trap_names) / sizeof(trap_names[0]) && trap_names[f->vector] ? trap_names[f->vector] : "unknown trap";
	uint64_t cr2 = 0;
	if (f->vector == 14 && shared) memcpy(&cr2, shared->vcpu_info[0].arch, sizeof(cr2));
	guest_report_fault_start();
	guest_print(name);
	guest_print(" at rip=");
	guest_print_hex(f->rip, 16);
	guest_print(" address=");
	guest_print_hex(cr2, 16);
	guest_print(" error=");
	guest_print_hex(f->error, 4);
	guest_print("\n");
	const uint64_t regs[] = { f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->rsp,
		f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15 };
	static const char names[][4] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	for (int i = 0; i < 16; i++) {
		guest_print(i % 4 == 0 ? "  " : " ");
		guest_print(names[i]);
		guest_print("=");
		guest_print_hex(regs[i], 16);
		if (i % 4 == 3) guest_print("\n");
	}
	halt(SHUTDOWN_crash);
}

static void __attribute__((noreturn)) fail_boot(const char *why) {
	guest_report_cannot_boot(why);
	halt(SHUTDOWN_crash);
}

/* ---- natives: __kernel.xen ---- */

void nymote_platform_natives(duk_context *ctx, duk_idx_t obj_idx) {
	duk_push_object(ctx);
	duk_push_number(ctx, (double)memory.nr_pages * PAGE);
	duk_put_prop_string(ctx, -2, "memoryBytes");
	duk_push_string(ctx, "x86_64");
	duk_put_prop_string(ctx, -2, "arch");
	duk_push_boolean(ctx, is_dom0);
	duk_put_prop_string(ctx, -2, "dom0");
	xen_install_natives(ctx, duk_normalize_index(ctx, -1));
	duk_put_prop_string(ctx, obj_idx, "xen");
}

/* ---- boot ---- */

#define __HYPERVISOR_set_segment_base 25
#define SEGBASE_FS 0
void libc_init(void (*set_fs_base)(uintptr_t));
static void set_fs_base(uintptr_t base) { xen_hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, base); }

extern void x86_64_event_callback(void), x86_64_failsafe_callback(void);
#define TRAP(n) extern void x86_64_trap_##n(void);
TRAP(0) TRAP(1) TRAP(3) TRAP(4) TRAP(5) TRAP(6) TRAP(7) TRAP(8) TRAP(10) TRAP(11) TRAP(12) TRAP(13)
TRAP(14) TRAP(16) TRAP(17) TRAP(18) TRAP(19)
#undef TRAP
/* flags 4: upcalls masked on entry, as for an interrupt gate. */
#define TRAP_ENTRY(n) { n, 4, FLAT_KERNEL_CS, (unsigned long)x86_64_trap_##n }
static const struct trap_info trap_table[] = {
	TRAP_ENTRY(0), TRAP_ENTRY(1), TRAP_ENTRY(3), TRAP_ENTRY(4), TRAP_ENTRY(5), TRAP_ENTRY(6),
	TRAP_ENTRY(7), TRAP_ENTRY(8), TRAP_ENTRY(10), TRAP_ENTRY(11), TRAP_ENTRY(12), TRAP_ENTRY(13),
	TRAP_ENTRY(14), TRAP_ENTRY(16), TRAP_ENTRY(17), TRAP_ENTRY(18), TRAP_ENTRY(19), { 0, 0, 0, 0 },
};

#define MAX_ARGS 64
static const char *app_argv[MAX_ARGS];
static char cmdline[sizeof(((struct start_info *)0)->cmd_line) + 1];

void x86_64_main(const struct start_info *si, uintptr_t xen_stack_top) {
	is_dom0 = (si->flags & SIF_INITDOMAIN) != 0;
	xen_hypercall1(__HYPERVISOR_set_trap_table, (unsigned long)trap_table);
	xen_hypercall3(__HYPERVISOR_set_callbacks, (unsigned long)x86_64_event_callback,
	               (unsigned long)x86_64_failsafe_callback, 0);
	xen_hypercall1(__HYPERVISOR_fpu_taskswitch, 0); /* CR0.TS off: SSE is in use everywhere */
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));

	libc_init(set_fs_base);

	memcpy(cmdline, si->cmd_line, sizeof(si->cmd_line));
	memory.p2m = (const unsigned long *)si->mfn_list;
	memory.nr_pages = si->nr_pages;
	memory.pt_base = si->pt_base;
	memory.next_free_pfn = bootstrap_end(si, xen_stack_top) / PAGE;
	unsigned long console_mfn = si->console.domU.mfn;
	ring_port = si->console.domU.evtchn;
	unsigned long store_mfn = si->store_mfn;
	store_port = si->store_evtchn;
	unsigned long shared_mfn = si->shared_info >> 12;

	/* Shared info first: the domU console rings its bell through it. */
	if (x86_remap(&shared_page, shared_mfn)) fail_boot("cannot map Xen's shared info page");
	shared = &shared_page.info;
	shared->vcpu_info[0].evtchn_upcall_mask = 1;
	xen_set_shared_info(shared);
	boot_ns = system_time_ns();

	const char *why = x86_map_all_memory(&memory);
	if (!is_dom0) {
		ring = (struct xencons_interface *)(x86_mfn_to_pfn(console_mfn) * PAGE);
		if (store_mfn) store_page = (void *)(x86_mfn_to_pfn(store_mfn) * PAGE);
	}
	if (why) fail_boot(why);
	/* A guard page under the stack: an overflow faults instead of corrupting .bss. */
	xen_hypercall3(__HYPERVISOR_update_va_mapping, (unsigned long)stack_guard, 0, UVMF_INVLPG);

	/* The one-shot timer's VIRQ wakes SCHEDOP_block; Xen's default 100 Hz
	 * periodic timer would wake it for nothing. */
	xen_hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0);
	struct { uint32_t virq, vcpu, port; } bind = { VIRQ_TIMER, 0, 0 };
	if (xen_hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)&bind))
		fail_boot("cannot bind the timer VIRQ");
	timer_port = bind.port;
	xen_events_keep_private(timer_port);
	xen_evtchn_unmask(timer_port);

	if (has_rdrand()) seed_from_rdrand();
	int argc = guest_split_args(cmdline, app_argv, MAX_ARGS);
	if (!guest_entropy_seeded())
		fail_boot("no entropy: the CPU has no RDRAND and the command line carries no nymote.seed=<hex, 16 bytes or more>");

	/* Frames 1-255 (below the image) are the page pool; the JS heap is
	 * everything above the bootstrap region and the tables we added. */
	pages_next = (uint8_t *)PAGE;
	pages_end = _start_image;
	heap_base = (uint8_t *)(memory.next_free_pfn * PAGE);
	heap_bytes = memory.next_free_pfn < memory.nr_pages ? (memory.nr_pages - memory.next_free_pfn) * PAGE : 0;
	size_t reserve = (heap_bytes / 8) & ~(PAGE - 1);
	if (reserve > 4u << 20) reserve = 4u << 20;
	heap_bytes -= reserve;
	reserve_next = heap_base + heap_bytes;
	reserve_end = reserve_next + reserve;
	if (heap_bytes < 256 * 1024) fail_boot("less than 256 KiB of RAM left for the JavaScript heap");
	map_grant_table();

	int code = nymote_main(nymote_app_blob, (size_t)(nymote_app_blob_end - nymote_app_blob), argc, app_argv);
	nymote_exit(code);
}
