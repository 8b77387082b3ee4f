/*
 * TDCALL wrappers (SysV ABI). `tdcall` is emitted as bytes 66 0F 01 CC so
 * any assembler takes it. Register conventions: GHCI / TDX module spec as
 * the kernel's arch/x86/coco/tdx/tdcall.S and the TDX selftests use them
 * (reference/tdx-uapi.md §2.5, §4.3).
 */
#define TDCALL .byte 0x66, 0x0f, 0x01, 0xcc

	.text
	.code64

/* uint64_t tdxb_tdvmcall(struct tdxb_tdvmcall_regs *regs): RAX = 0, RCX = 0xFC00 */
	.globl	tdxb_tdvmcall
tdxb_tdvmcall:
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	movq	0(%rdi), %r10
	movq	8(%rdi), %r11
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	xorl	%eax, %eax		/* TDG.VP.VMCALL */
	movl	$0xFC00, %ecx		/* R10..R15 exposed to the VMM */
	TDCALL
	popq	%rdi
	movq	%r10, 0(%rdi)
	movq	%r11, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	movq	%r10, %rax
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	ret

/* uint64_t tdxb_tdcall(uint64_t leaf, uint64_t rcx): a module call, status in RAX */
	.globl	tdxb_tdcall
tdxb_tdcall:
	movq	%rdi, %rax
	movq	%rsi, %rcx
	TDCALL
	ret

/*
 * void tdxb_report_fatal(uint64_t code, const uint64_t msg[8]):
 * R11 = ReportFatalError, R12 = code, R13 = 0, the message in R14, R15, RBX,
 * RDI, RSI, R8, R9, RDX (QEMU's order), RCX = 0xFFCC exposes them all.
 */
	.globl	tdxb_report_fatal
tdxb_report_fatal:
	movq	%rdi, %r12
	movq	%rsi, %rax
	movq	0(%rax), %r14
	movq	8(%rax), %r15
	movq	16(%rax), %rbx
	movq	24(%rax), %rdi
	movq	32(%rax), %rsi
	movq	40(%rax), %r8
	movq	48(%rax), %r9
	movq	56(%rax), %rdx
	xorl	%r10d, %r10d
	movl	$0x10003, %r11d
	xorl	%r13d, %r13d
	xorl	%eax, %eax
	movl	$0xFFCC, %ecx
	TDCALL
1:	pause				/* the VMM does not resume a TD after this */
	jmp	1b

	.section .note.GNU-stack, "", @progbits
