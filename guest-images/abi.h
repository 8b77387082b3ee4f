/*
 * The host<->guest protocol of the guest payload: the parameter page the
 * host fills before the first KVM_RUN, the mailbox both sides write, the
 * events the guest reports on TDXB_PORT_EVENT. Freestanding (stdint only):
 * included by the guest and by the VMM (src/backend/kvm/).
 */
#ifndef TDXB_GUEST_ABI_H
#define TDXB_GUEST_ABI_H

#include <stdint.h>

#include "guest-images/manifest.h"
#include "workloads/phase.h"

#define TDXB_PARAMS_MAGIC	0x50425854u	/* "TXBP" */
#define TDXB_PARAMS_VERSION	1u

enum tdxb_platform {
	TDXB_PLAT_KVM = 0,	/* plain VM: raw port I/O, KVM hypercall instruction */
	TDXB_PLAT_TDX = 1,	/* TD: TDVMCALL for I/O and MapGPA, TDG.MEM.PAGE.ACCEPT (not built yet) */
};

/* How the guest asks for a private<->shared conversion. */
enum tdxb_conv_call {
	TDXB_CONV_VMCALL = 0,	/* KVM_HC_MAP_GPA_RANGE through vmcall (Intel) */
	TDXB_CONV_VMMCALL = 1,	/* ... through vmmcall (AMD) */
	TDXB_CONV_TDVMCALL = 2,	/* TDG.VP.VMCALL MapGPA (TDX) */
	TDXB_CONV_PORT = 3,	/* request in the mailbox slot + TDXB_EV_CONVERT: works on every KVM */
};

/* Guest page-table granularity for the test memory. */
enum tdxb_pt_gran {
	TDXB_PT_4K = 0,
	TDXB_PT_2M = 1,
	TDXB_PT_1G = 2,
};

struct tdxb_guest_params {
	uint32_t magic;		/* TDXB_PARAMS_MAGIC */
	uint32_t version;	/* TDXB_PARAMS_VERSION */
	uint32_t platform;	/* enum tdxb_platform */
	uint32_t conv_call;	/* enum tdxb_conv_call */
	uint32_t pt_gran;	/* enum tdxb_pt_gran */
	uint32_t nvcpus;
	uint64_t low_bytes;	/* low memslot size: the guest identity-maps [0, low_bytes) */
	uint64_t ptpool_gpa;	/* where the guest builds its page tables */
	uint64_t ptpool_bytes;
	uint64_t test_gpa;	/* TDXB_GUEST_TEST_GPA */
	uint64_t test_bytes;
	uint64_t tsc_khz;	/* for idle phases (rdtsc) */
	uint64_t shared_bit;	/* TDX: GPA bit that selects shared memory; 0 otherwise */
	struct tdxb_workload work;
};

/* Events, low byte of the value written to TDXB_PORT_EVENT. */
enum tdxb_event {
	TDXB_EV_READY = 1,		/* page tables loaded, about to run phase 0 */
	TDXB_EV_PHASE_START = 2,	/* waits at the host barrier, then runs the phase */
	TDXB_EV_PHASE_END = 3,		/* waits at the host barrier */
	TDXB_EV_DONE = 4,		/* all phases done; the vCPU is not entered again */
	TDXB_EV_PANIC = 5,		/* guest-detected error, text in the mailbox slot */
	TDXB_EV_CONVERT = 6,		/* TDXB_CONV_PORT: convert conv_gpa/npages/attrs, answer in conv_ret */
};

#define TDXB_MBOX_MSG_LEN 160

/*
 * The guest counts in registers and publishes progress and pages to its
 * mailbox slot every TDXB_PUBLISH_PAGES 4K pages, at least once per unit and
 * at the end of each repetition: the watchdog and the time series see the
 * guest move at that grain (a few ms at the slowest, on an emulating host).
 */
#define TDXB_PUBLISH_PAGES	64

/* One per vCPU, 256 bytes, at MAILBOX + 256 * (1 + vcpu). */
struct tdxb_mbox_vcpu {
	uint64_t progress;	/* units finished in the current phase (watchdog + sampler) */
	uint64_t heartbeat;	/* bumped while waiting (idle phases) */
	uint32_t phase;		/* index of the phase being run */
	uint32_t lat_n;		/* conversion latencies logged this phase */
	uint64_t conversions;	/* conversions done this phase */
	uint64_t pages;		/* 4K pages touched this phase */
	uint64_t conv_gpa;	/* TDXB_CONV_PORT request: as KVM_HC_MAP_GPA_RANGE's a0..a2 */
	uint64_t conv_npages;
	uint64_t conv_attrs;
	uint64_t conv_ret;	/* host's answer, 0 = done */
	uint64_t pad[3];
	char msg[TDXB_MBOX_MSG_LEN];	/* TDXB_EV_PANIC text */
};

struct tdxb_mbox_header {
	uint32_t pt_ready;	/* vCPU 0 built the page tables ... */
	uint32_t pad0;
	uint64_t pt_root;	/* ... rooted here (CR3) */
	uint64_t pad[30];
};

#define TDXB_MBOX_SLOT(base, i) \
	((struct tdxb_mbox_vcpu *)((uint8_t *)(base) + 256 * (1 + (i))))

#define TDXB_KVM_HC_MAP_GPA_RANGE	12
#define TDXB_MAP_GPA_ENCRYPTED		(1u << 4)	/* to private; 0 = to shared */

#endif
