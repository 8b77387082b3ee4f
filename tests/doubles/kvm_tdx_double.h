/*
 * TEST-ONLY DOUBLE of the KVM TDX uAPI. It is not KVM and runs no guest: it
 * answers the VMM's ioctls (through vmm_sys, src/backend/kvm/vmm.h) with the
 * preconditions and error codes of Linux 7.1 as reference/tdx-uapi.md §2.2
 * lists them, records the sequence, lets a test inject an errno into any
 * step, and plays a scripted guest on KVM_RUN (the port events the real
 * guest reports). Linked only into unit tests (Makefile), never the tool.
 */
#ifndef TDXB_TESTS_KVM_TDX_DOUBLE_H
#define TDXB_TESTS_KVM_TDX_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kvmd_guest {
	KVMD_GUEST_OK,		/* READY, every phase's START/END, DONE */
	KVMD_GUEST_FATAL,	/* vCPU 0: ReportFatalError -> KVM_EXIT_SYSTEM_EVENT(TDX_FATAL) */
	KVMD_GUEST_SILENT,	/* vCPU 0 never reports: KVM_RUN blocks until kicked */
	KVMD_GUEST_EIO,		/* vCPU 0: KVM_RUN -EIO (KVM killed the TD) */
	KVMD_GUEST_MEMFAULT,	/* vCPU 0: one implicit conversion (EFAULT + KVM_EXIT_MEMORY_FAULT) first */
	KVMD_GUEST_TDX_EXIT,	/* vCPU 0: a GetQuote KVM_EXIT_TDX first; the VMM must refuse it */
	KVMD_GUEST_MAPGPA,	/* vCPU 0: one MapGPA KVM_EXIT_HYPERCALL (4 pages to shared) in phase 0 */
};

struct kvmd_config {
	const char *fail_step;	/* "KVM_TDX_INIT_VM", "KVM_CREATE_VCPU", "KVM_RUN", ... or NULL */
	int fail_errno;		/* EIO, EINVAL, EBUSY, EAGAIN, EINTR */
	int fail_times;		/* inject this many times, then behave (-1 = always) */
	enum kvmd_guest guest;
};

void kvmd_install(const struct kvmd_config *c);	/* resets all state, points vmm_sys here */
void kvmd_uninstall(void);

/* The recorded sequence, one "<object> <ioctl>" per line ("vm KVM_TDX_INIT_VM", "vcpu1 KVM_TDX_INIT_VCPU"). */
const char *kvmd_log(void);
/* Index of the first line of log (kvmd_log()'s text) equal to line at or after from, or -1. */
int kvmd_line_index(const char *log, const char *line, int from);
/* Ordering rules the VMM broke (a call KVM would have refused), one per line; "" if none. */
const char *kvmd_violations(void);
/* fds the double handed out that are still open. */
int kvmd_open_fds(void);

/* What the VMM told the TD, as the double captured it. */
struct kvmd_seen {
	uint64_t attributes, shared_bit_param;
	uint32_t platform, conv_call, gpaw_set;
	uint64_t pages_added, reset_page_added, measured;
	uint32_t vcpus_initialized;
	uint64_t tdx_exit_ret;		/* what the VMM left in kvm_run.tdx.get_quote.ret */
	uint64_t mapgpa_ret;		/* hypercall.ret the VMM answered MapGPA with (~0 if none) */
	uint64_t private_attr_at_fault;	/* attribute of the faulting GPA after the implicit conversion */
	uint64_t mapgpa_attr_after;	/* attribute of the MapGPA range after the VMM handled it (~0 if none) */
};
const struct kvmd_seen *kvmd_seen(void);

#endif
