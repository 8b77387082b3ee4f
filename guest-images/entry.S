/*
 * Guest entry. Starts in the state a TDX vCPU starts in (guest-images/manifest.h):
 * flat 32-bit protected mode, paging off, EFER.LME preset, ESI = vCPU index.
 * Loads its own GDT, turns on PAE + paging with a static 1 GiB identity map,
 * which enters long mode, and calls guest_main(vcpu) on this vCPU's stack.
 */
#include "guest-images/manifest.h"

#define CR0_PE		(1 << 0)
#define CR0_NE		(1 << 5)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define CR4_MCE		(1 << 6)

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	lgdt	boot_gdt_desc
	movl	$TDXB_GUEST_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	/* CR4.MCE stays set: a TD requires it */
	movl	$(CR4_PAE | CR4_MCE), %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	/* EFER.LME is preset (as the TDX module does), so PG enters long mode */
	movl	$(CR0_PE | CR0_NE | CR0_PG), %eax
	movl	%eax, %cr0
	ljmp	$TDXB_GUEST_CS64, $entry64

	.code64
entry64:
	movl	%esi, %eax
	incl	%eax
	shlq	$14, %rax		/* TDXB_GUEST_STACK_SIZE = 16 KiB */
	addq	$TDXB_GUEST_STACKS, %rax
	movq	%rax, %rsp
	xorl	%ebp, %ebp
	movl	%esi, %r12d		/* vCPU index, kept across the call */
	movl	%esi, %edi
	movl	%ebx, %esi		/* GPAW: RBX at reset (a TD's is the TDX module's) */
	call	guest_platform_init	/* guest-images/tdx.c: shared-bit mappings in a TD */
	movl	%r12d, %edi		/* vCPU index: first argument */
	call	guest_main
1:	ud2				/* guest_main never returns */
	jmp	1b

	.section .data.boot, "aw"
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
boot_gdt_end:
	.balign 8
	.word	0
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

	/* static boot map: [0, 1 GiB) identity with 2 MiB pages */
	.balign 4096
boot_pml4:
	.quad	boot_pdpt + 0x3
	.fill	511, 8, 0
boot_pdpt:
	.quad	boot_pd + 0x3
	.fill	511, 8, 0
	.globl	boot_pd
boot_pd:
	.set	i, 0
	.rept	512
	.quad	(i << 21) + 0x83	/* present, writable, 2 MiB */
	.set	i, i + 1
	.endr
