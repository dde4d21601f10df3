/*
 * x86_64 PV guest entry. Xen reads the ELF notes below, loads the image at
 * its link address (virtual = pseudo-physical, VIRT_BASE 0), fills in the
 * hypercall page, and enters _start in 64-bit mode (ring 3, our "kernel"
 * mode) with rsi = start_info and a bootstrap stack. See xen/include/public/
 * elfnote.h and xen.h (start_info, bootstrap layout).
 *
 * Exceptions and event upcalls arrive as bounce frames Xen builds on our
 * stack: rcx and r11 first (SYSRET clobbers them), then [error code], rip,
 * cs, rflags, rsp, ss.
 */
#define ELFNOTE(type, desctype, descdata) \
	.pushsection .note.Xen, "a", @note; \
	.balign 4; .long 2f - 1f; .long 4f - 3f; .long type; \
1:	.asciz "Xen"; 2: .balign 4; \
3:	desctype descdata; 4: .balign 4; \
	.popsection

#define XEN_ELFNOTE_ENTRY 1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE 3
#define XEN_ELFNOTE_PADDR_OFFSET 4
#define XEN_ELFNOTE_XEN_VERSION 5
#define XEN_ELFNOTE_GUEST_OS 6
#define XEN_ELFNOTE_GUEST_VERSION 7
#define XEN_ELFNOTE_LOADER 8

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "nymote")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad, 0)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad, 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad, _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad, hypercall_page)

	.section .text.head, "ax"
	.code64
	.global _start
_start:
	cld
	movq	%rsp, %rdx		/* the bootstrap stack's top: where Xen's region ends */
	leaq	boot_stack_top(%rip), %rsp
	movq	%rsi, %rdi		/* start_info */
	movq	%rdx, %rsi
	call	x86_64_main
1:	hlt				/* never reached: x86_64_main shuts down */
	jmp	1b

	.balign 4096
	.global hypercall_page
hypercall_page:
	.fill	4096, 1, 0xcc

	.text
/*
 * Event upcall. Xen masked upcalls when it delivered this one, and they stay
 * masked: nymote_block() finds the pending ports itself, so JS is never
 * interrupted. Return straight to where we were with IRETQ (to ring 3 from
 * ring 3, so Xen need not help); CS and SS get their RPL of 3 back.
 */
	.global x86_64_event_callback
x86_64_event_callback:
	movq	(%rsp), %rcx
	movq	8(%rsp), %r11
	addq	$16, %rsp
	orb	$3, 8(%rsp)
	orb	$3, 32(%rsp)
	iretq

/* Exceptions: report and stop. x86_64_trap(frame) never returns. */
.macro trap vector, has_error
	.global x86_64_trap_\vector
x86_64_trap_\vector:
	movq	(%rsp), %rcx
	movq	8(%rsp), %r11
	addq	$16, %rsp
	.if \has_error == 0
	pushq	$0
	.endif
	pushq	$\vector
	jmp	trap_common
.endm

trap 0, 0
trap 1, 0
trap 3, 0
trap 4, 0
trap 5, 0
trap 6, 0
trap 7, 0
trap 8, 1
trap 10, 1
trap 11, 1
trap 12, 1
trap 13, 1
trap 14, 1
trap 16, 0
trap 17, 1
trap 18, 0
trap 19, 0

/* Xen could not load our segment registers on return: ds, es, fs, gs sit
 * between r11 and rip. Reported as vector 256. */
	.global x86_64_failsafe_callback
x86_64_failsafe_callback:
	movq	(%rsp), %rcx
	movq	8(%rsp), %r11
	addq	$48, %rsp
	pushq	$0
	pushq	$256
	jmp	trap_common

trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	x86_64_trap
2:	hlt
	jmp	2b

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.global stack_guard
stack_guard:				/* unmapped at boot */
	.space	4096
	.space	65536
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
