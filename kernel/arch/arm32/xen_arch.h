/* Xen on arm32: hypercalls are `hvc #0xEA1` with the number in r12 and
 * arguments in r0..r4; one legacy vcpu_info, no arch part in it. */
#ifndef NYMOTE_XEN_ARCH_H
#define NYMOTE_XEN_ARCH_H

#define XEN_LEGACY_MAX_VCPUS 1
#define XEN_ARCH_VCPU_INFO_BYTES 0

static inline long xen_hypercall3(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
	register unsigned long r0 __asm__("r0") = a0;
	register unsigned long r1 __asm__("r1") = a1;
	register unsigned long r2 __asm__("r2") = a2;
	register unsigned long r12 __asm__("r12") = nr;
	__asm__ volatile(".arch_extension virt\n\thvc #0xEA1" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r12) : "memory");
	return (long)r0;
}
#define xen_hypercall2(nr, a0, a1) xen_hypercall3((nr), (a0), (a1), 0)

#endif
