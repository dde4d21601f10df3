/* Xen on x86_64 PV: hypercalls go through the hypercall page Xen fills in
 * (entry n at offset 32n), arguments in rdi, rsi, rdx, r10, r8, result in
 * rax; rcx and r11 are clobbered by the SYSCALL inside. 32 legacy
 * vcpu_infos, each with a 16-byte arch part (cr2, pad). */
#ifndef NYMOTE_XEN_ARCH_H
#define NYMOTE_XEN_ARCH_H

#define XEN_LEGACY_MAX_VCPUS 32
#define XEN_ARCH_VCPU_INFO_BYTES 16

extern char hypercall_page[4096];

static inline long xen_hypercall5(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2,
                                  unsigned long a3, unsigned long a4) {
	register unsigned long rdi __asm__("rdi") = a0;
	register unsigned long rsi __asm__("rsi") = a1;
	register unsigned long rdx __asm__("rdx") = a2;
	register unsigned long r10 __asm__("r10") = a3;
	register unsigned long r8 __asm__("r8") = a4;
	long rax;
	__asm__ volatile("call *%[entry]"
		: "=a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8)
		: [entry] "r"(hypercall_page + nr * 32)
		: "rcx", "r11", "memory");
	return rax;
}
#define xen_hypercall4(nr, a0, a1, a2, a3) xen_hypercall5((nr), (a0), (a1), (a2), (a3), 0)
#define xen_hypercall3(nr, a0, a1, a2) xen_hypercall5((nr), (a0), (a1), (a2), 0, 0)
#define xen_hypercall2(nr, a0, a1) xen_hypercall5((nr), (a0), (a1), 0, 0, 0)
#define xen_hypercall1(nr, a0) xen_hypercall5((nr), (a0), 0, 0, 0, 0)

#endif
