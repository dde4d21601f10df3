/*
 * The interrupt controller, polled: the kernel runs with IRQs masked in the
 * CPSR, sleeps in WFI (which wakes on a pending interrupt regardless) and
 * acknowledges interrupts here. GICv2 through its memory-mapped CPU
 * interface, GICv3 through the ICC system registers (cp15 in AArch32).
 */
#include "arm32.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010
#define GICR_WAKER 0x014
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 0x080
#define GICR_ISENABLER0 0x100
#define GICR_IPRIORITYR 0x400

static struct gic_info gic;

#define ICC_WRITE(op2, crm, v) __asm__ volatile("mcr p15, 0, %0, c12, " #crm ", " #op2 :: "r"((uint32_t)(v)))
#define ICC_READ(op2, crm, v) __asm__ volatile("mrc p15, 0, %0, c12, " #crm ", " #op2 : "=r"(v))

void gic_init(const struct gic_info *g) {
	gic = *g;
	if (gic.version == 2) {
		mmio_write32(gic.dist + GICD_CTLR, 1);
		mmio_write32(gic.cpu_or_redist + GICC_PMR, 0xff);
		mmio_write32(gic.cpu_or_redist + GICC_CTLR, 1);
		return;
	}
	mmio_write32(gic.dist + GICD_CTLR, (1u << 4) | (1u << 1)); /* ARE_NS, EnableGrp1A */
	uint32_t waker = mmio_read32(gic.cpu_or_redist + GICR_WAKER);
	mmio_write32(gic.cpu_or_redist + GICR_WAKER, waker & ~2u); /* ProcessorSleep off */
	while (mmio_read32(gic.cpu_or_redist + GICR_WAKER) & 4u) {}
	mmio_write32(gic.cpu_or_redist + GICR_SGI + GICR_IGROUPR0, 0xffffffffu);
	ICC_WRITE(5, c12, 0x7); /* ICC_SRE: system registers */
	isb();
	__asm__ volatile("mcr p15, 0, %0, c4, c6, 0" :: "r"(0xffu)); /* ICC_PMR */
	ICC_WRITE(7, c12, 1);   /* ICC_IGRPEN1 */
	isb();
}

void gic_enable_ppi(int irq) {
	uintptr_t base = gic.version == 2 ? gic.dist : gic.cpu_or_redist + GICR_SGI;
	mmio_write8(base + (gic.version == 2 ? GICD_IPRIORITYR : GICR_IPRIORITYR) + (uintptr_t)irq, 0xa0);
	mmio_write32(base + (gic.version == 2 ? GICD_ISENABLER : GICR_ISENABLER0), 1u << irq);
}

int gic_ack(void) {
	uint32_t v;
	if (gic.version == 2) v = mmio_read32(gic.cpu_or_redist + GICC_IAR);
	else { ICC_READ(0, c12, v); dsb(); } /* ICC_IAR1 */
	v &= gic.version == 2 ? 0x3ffu : 0xffffffu;
	return v >= 1020 ? IRQ_SPURIOUS : (int)v;
}

void gic_eoi(int irq) {
	if (gic.version == 2) mmio_write32(gic.cpu_or_redist + GICC_EOIR, (uint32_t)irq);
	else { ICC_WRITE(1, c12, irq); isb(); } /* ICC_EOIR1 */
}
