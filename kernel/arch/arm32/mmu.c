/*
 * An identity map of the 4 GiB address space in 1 MiB sections: guest RAM
 * and Xen's grant/magic pages as normal write-back memory (Xen requires
 * shared pages to be cacheable), everything else as device memory, never
 * executable. Runs with the MMU off, before BSS is zeroed.
 */
#include "arm32.h"

#define SECTION 0x2u
#define S_B (1u << 2)
#define S_C (1u << 3)
#define S_XN (1u << 4)
#define S_AP_RW (3u << 10)
#define S_TEX(x) ((uint32_t)(x) << 12)
#define S_SHARED (1u << 16)

#define NORMAL_WB (SECTION | S_AP_RW | S_TEX(1) | S_C | S_B | S_SHARED)
#define DEVICE (SECTION | S_AP_RW | S_B | S_XN)

static uint32_t l1_table[4096] __attribute__((section(".pagetable"), aligned(16384)));

static int normal_memory(uint32_t mib) {
	uint32_t addr = mib << 20;
	if (addr >= 0x40000000u && addr < 0xc0000000u) return 1; /* GUEST_RAM0 */
	if (addr >= 0x38000000u && addr < 0x3a000000u) return 1; /* grant table + magic pages */
	return 0;
}

void arm32_mmu_enable(void) {
	for (uint32_t i = 0; i < 4096; i++) l1_table[i] = (i << 20) | (normal_memory(i) ? NORMAL_WB : DEVICE);
	dsb();
	/* Table walks uncached: the table was written with the caches off. */
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 2" :: "r"(0));                 /* TTBCR: TTBR0 only */
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 0" :: "r"((uint32_t)l1_table)); /* TTBR0 */
	__asm__ volatile("mcr p15, 0, %0, c3, c0, 0" :: "r"(0x55555555u));       /* DACR: client */
	__asm__ volatile("mcr p15, 0, %0, c8, c7, 0" :: "r"(0));                 /* TLBIALL */
	__asm__ volatile("mcr p15, 0, %0, c7, c5, 0" :: "r"(0));                 /* ICIALLU */
	__asm__ volatile("mcr p15, 0, %0, c7, c5, 6" :: "r"(0));                 /* BPIALL */
	dsb();
	isb();
	uint32_t sctlr;
	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
	sctlr |= (1u << 0) | (1u << 2) | (1u << 11) | (1u << 12); /* M, C, Z, I */
	sctlr &= ~(1u << 1);                                      /* A: unaligned loads allowed */
	sctlr &= ~(1u << 28);                                     /* TRE off: TEX/C/B as written */
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0" :: "r"(sctlr));
	isb();
}
