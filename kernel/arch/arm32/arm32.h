/* Private to kernel/arch/arm32: system registers, MMIO and the pieces
 * platform.c stitches together. */
#ifndef NYMOTE_ARM32_H
#define NYMOTE_ARM32_H
#include <stddef.h>
#include <stdint.h>

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb() __asm__ volatile("dsb sy" ::: "memory")

static inline uint32_t mmio_read32(uintptr_t a) { uint32_t v = *(volatile uint32_t *)a; dsb(); return v; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { dsb(); *(volatile uint32_t *)a = v; }
static inline void mmio_write8(uintptr_t a, uint8_t v) { dsb(); *(volatile uint8_t *)a = v; }

/* Generic timer (virtual). */
static inline uint32_t cntfrq(void) { uint32_t v; __asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v)); return v; }
static inline uint64_t cntvct(void) {
	uint32_t lo, hi;
	isb();
	__asm__ volatile("mrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void cntv_cval(uint64_t v) {
	__asm__ volatile("mcrr p15, 3, %0, %1, c14" :: "r"((uint32_t)v), "r"((uint32_t)(v >> 32)));
	isb();
}
static inline void cntv_ctl(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c14, c3, 1" :: "r"(v)); isb(); }
#define CNTV_ENABLE 1u
#define CNTV_IMASK 2u

/* Interrupt numbers fixed by Xen's guest ABI (GUEST_TIMER_VIRT_PPI, GUEST_EVTCHN_PPI). */
#define IRQ_VIRT_TIMER 27
#define IRQ_XEN_EVENTS 31
#define IRQ_SPURIOUS 1023

/* gic.c: distributor + CPU interface of a GICv2 or GICv3 found in the DT. */
struct gic_info { int version; uintptr_t dist, cpu_or_redist; };
void gic_init(const struct gic_info *g);
void gic_enable_ppi(int irq);
/* Acknowledges the highest pending interrupt; IRQ_SPURIOUS when none. */
int gic_ack(void);
void gic_eoi(int irq);

/* fdt.c: what the kernel needs from the device tree. */
struct boot_info {
	uint64_t ram_base, ram_size;
	const char *bootargs;
	struct gic_info gic;
	uintptr_t uart;          /* vpl011 */
	int has_hypervisor;      /* a "xen,xen" node */
	uint32_t dtb_bytes;
};
/* Returns NULL on success, else why the tree is unusable. */
const char *fdt_read(const void *dtb, struct boot_info *out);

void arm32_mmu_enable(void);

#endif
