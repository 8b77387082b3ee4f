/*
 * Host fingerprint: CPU (libcpuid, /proc/cpuinfo), topology (hwloc), kernel,
 * KVM capabilities, TDX status. Built as a json-c object so `host --json`,
 * the store and reports share one representation.
 */
#ifndef TDX_HOST_H
#define TDX_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct host_opts {
	const char *label;		/* --label */
	const char *kernel_tree;	/* --kernel-tree DIR: git describe */
};

/* Collect everything; never fails as a whole (missing parts say why inside). */
struct json_object *host_fingerprint(const struct host_opts *o);

/* The /dev/kvm probe shared with the kvm backend. */
struct kvm_caps {
	bool present, accessible;
	char why[160];			/* when !accessible */
	int api_version;
	uint32_t vm_types;		/* KVM_CAP_VM_TYPES bitmap (0 if unsupported) */
	bool guest_memfd, memory_attributes, binary_stats, user_memory2;
	int max_vcpus;
	bool tdx_vm_type;		/* bit KVM_X86_TDX_VM in vm_types */
};
void host_probe_kvm(struct kvm_caps *c);
/* KVM_CAP_VM_TYPES bit -> "default", "sw-protected", "sev", "sev-es", "sev-snp", "tdx"; NULL if unknown. */
const char *host_vm_type_name(unsigned bit);
/* Space-separated names of the bits set ("typeN" for unknown bits). */
const char *host_vm_types_str(uint32_t bitmap, char *buf, size_t len);

/* Each kernel log record's message (no newline) to fn; -1 + why when /dev/kmsg cannot be read. */
int host_kmsg_each(void (*fn)(const char *msg, size_t len, void *arg), void *arg, char *why, size_t whylen);
/* The last kernel log message containing needle, into out; false if none or unreadable. */
bool host_kmsg_last(const char *needle, char *out, size_t len);

/* TDX module version and DPAMT, each with its witness (tdx_module.c). */
struct host_tdx_module {
	char version[64];		/* "" = unknown */
	const char *version_source;	/* sysfs path or "kernel log" */
	int dpamt;			/* 1 on, 0 off, -1 unknown */
	char dpamt_why[160];		/* the witness, or why unknown */
};
void host_tdx_module(struct host_tdx_module *m);
/* The same from given kernel log messages and sysfs version ("" / NULL = none): for tests. */
void host_tdx_module_parse(const char *const *lines, size_t n, const char *sysfs_version, struct host_tdx_module *m);

/* The --kernel-tree error recorded in a fingerprint, or NULL. */
const char *host_fingerprint_error(struct json_object *fp);
/* Identity: sha256 of the canonical JSON without volatile fields. */
const char *host_identity(struct json_object *fp, char hex[65]);
/* A string member at a dotted path ("kernel.release"), or NULL. */
const char *host_json_str(struct json_object *fp, const char *path);
/* `git describe` of a kernel tree; -1 with a one-line message in err. */
int host_kernel_describe(const char *dir, char *out, size_t len, char *err, size_t errlen);

/* Human-readable: the whole fingerprint, or a few lines (for `show`). */
#include <stdio.h>
void host_print(FILE *f, struct json_object *fp);
void host_print_summary(FILE *f, struct json_object *fp, const char *indent);

/* Store the fingerprint (once per distinct host+kernel+label) and return its id. */
struct store;
int host_store(struct store *st, const struct host_opts *o, int64_t *host_id);

#endif
