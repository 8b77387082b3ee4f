/*
 * Manifest of the x86-64 guest payload (guest-images/): where the flat
 * image and its shared pages live in guest-physical memory. Included by the
 * guest's linker script (through cpp), the guest code and the VMM, so the
 * three cannot disagree. Plain #defines only (the linker script and the
 * assembler read it too).
 *
 * Guest-physical layout (identity-mapped by the guest itself):
 *
 *   0x000000  unused (real-mode IVT area, never touched)
 *   LOAD      the flat image: code, data, bss, boot page tables; ENTRY = LOAD
 *   PARAMS    parameter page: struct tdxb_guest_params (host -> guest)
 *   MAILBOX   mailbox: header + one struct tdxb_mbox_vcpu per vCPU (both ways)
 *   STACKS    one STACK_SIZE stack per vCPU
 *   LATLOG    per-vCPU conversion latency log (guest -> host)
 *   PTPOOL    page tables the guest builds for the test memory (size set by the host)
 *   TEST_GPA  test memory (second memslot), 1 GiB aligned so 1G leaves are possible
 *
 * Boot contract (the state a TDX vCPU starts in, td-launch.md §2.1): flat
 * 32-bit protected mode, paging off, CR0 = PE|NE, CR4.MCE set, EFER = SCE|LME|NXE
 * preset, ESI = vCPU index, RIP = ENTRY. The VMM of the kvm backend creates
 * exactly this state with KVM_SET_SREGS/KVM_SET_REGS; a TD gets it from the
 * TDX module and reaches ENTRY from a reset-vector stub (docs/tdx.md).
 */
#ifndef TDXB_GUEST_MANIFEST_H
#define TDXB_GUEST_MANIFEST_H

#define TDXB_GUEST_LOAD		0x00100000	/* 1 MiB: image load address */
#define TDXB_GUEST_ENTRY	TDXB_GUEST_LOAD	/* _start is the first byte of the image */
#define TDXB_GUEST_IMAGE_MAX	0x00100000	/* image + bss must fit below PARAMS */
#define TDXB_GUEST_PARAMS	0x00200000	/* 4 KiB parameter page */
#define TDXB_GUEST_MAILBOX	0x00210000	/* mailbox */
#define TDXB_GUEST_MAILBOX_SIZE	0x00010000	/* 64 KiB: header + 255 vCPU slots of 256 B */
#define TDXB_GUEST_STACKS	0x00400000	/* vCPU i's stack top = STACKS + (i+1)*STACK_SIZE */
#define TDXB_GUEST_STACK_SIZE	0x00004000	/* 16 KiB */
#define TDXB_GUEST_MAX_VCPUS	255
#define TDXB_GUEST_LATLOG	0x00800000	/* vCPU i's log at LATLOG + i*LATLOG_PER_VCPU */
#define TDXB_GUEST_LATLOG_PER_VCPU 0x00040000	/* 256 KiB: 65536 u32 cycle counts */
/* PTPOOL = LATLOG + vcpus * LATLOG_PER_VCPU, rounded up to 2 MiB; host-computed */
#define TDXB_GUEST_LOW_MAX	0x40000000	/* the boot map covers 1 GiB: low slot must fit */
#define TDXB_GUEST_TEST_GPA	0x100000000	/* 4 GiB */

/* Port I/O (works in a TD through TDVMCALL Instruction.IO). */
#define TDXB_PORT_EVENT		0x0510		/* out32: (phase << 8) | event */

/* GDT selectors set up by entry.S */
#define TDXB_GUEST_CS64		0x08
#define TDXB_GUEST_DS		0x10

#endif
