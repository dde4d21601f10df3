/*
 * arm32 guest entry: a Linux zImage header (so Xen, U-Boot and QEMU load us
 * like a Linux kernel), then SVC mode with IRQs/FIQs masked, one stack per
 * exception mode, VFP on, the MMU on (arm32_mmu_enable), BSS zeroed, and C.
 *
 * Boot protocol (Documentation/arm/booting): r0 = 0, r1 = machine type,
 * r2 = physical address of the device tree; MMU and D-cache off.
 */
	.syntax unified
	.arch armv7-a
	.arch_extension sec
	.arch_extension virt
	.fpu vfpv3-d16
	.arm

	.section .text.head, "ax"
	.global _start
_start:
	.rept 8
	mov	r0, r0
	.endr
	b	reset
	.word	0x016f2818		@ zImage magic
	.word	_start			@ load address (Xen loads us here)
	.word	_edata			@ end of the loaded image

reset:
	cpsid	aif
	mov	r4, r2			@ keep the device tree pointer

	/* A stack per mode that can take an exception, then back to SVC. */
	cps	#0x17			@ abort
	ldr	sp, =exception_stack_top
	cps	#0x1b			@ undefined
	ldr	sp, =exception_stack_top
	cps	#0x12			@ irq (masked, but never without a stack)
	ldr	sp, =exception_stack_top
	cps	#0x13			@ supervisor
	ldr	sp, =boot_stack_top

	/* Exceptions are taken in ARM state at our vectors. */
	ldr	r0, =vectors
	mcr	p15, 0, r0, c12, c0, 0	@ VBAR
	mrc	p15, 0, r0, c1, c0, 0
	bic	r0, r0, #(1 << 13)	@ SCTLR.V: low vectors, relocated by VBAR
	bic	r0, r0, #(1 << 30)	@ SCTLR.TE: exceptions in ARM state
	mcr	p15, 0, r0, c1, c0, 0
	isb

	/* VFP: full access to cp10/cp11, then FPEXC.EN. */
	mrc	p15, 0, r0, c1, c0, 2
	orr	r0, r0, #(0xf << 20)
	mcr	p15, 0, r0, c1, c0, 2
	isb
	mov	r0, #(1 << 30)
	vmsr	fpexc, r0

	/* Identity map with caches; the table is filled with the MMU off. */
	blx	arm32_mmu_enable

	/* Zero BSS with the caches on, so no stale line can shadow it. */
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
1:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	1b

	mov	r0, r4
	blx	arm32_main
2:	wfi
	b	2b

/* ---- exception vectors: report and stop (see arm32_exception) ---- */
	.balign 32
vectors:
	b	vec_reset
	b	vec_undef
	b	vec_svc
	b	vec_pabt
	b	vec_dabt
	b	vec_unused
	b	vec_irq
	b	vec_fiq

/* r0 = kind, r1 = the mode's lr, r2 = saved registers, r3 = SPSR */
.macro report kind
	push	{r0-r12, lr}
	mov	r0, #\kind
	mov	r1, lr
	mov	r2, sp
	mrs	r3, spsr
	blx	arm32_exception
	b	.
.endm

vec_reset:	report 0
vec_undef:	report 1
vec_svc:	report 2
vec_pabt:	report 3
vec_dabt:	report 4
vec_unused:	report 5
vec_irq:	report 6
vec_fiq:	report 7

	.section .bss.stacks, "aw", %nobits
	.balign 16
	.space	16384
boot_stack_top:
	.space	2048
exception_stack_top:
