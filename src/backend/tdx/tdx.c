/*
 * The tdx backend: the same workloads in a TD on a TDX host, through the
 * kvm backend's raw-ioctl VMM with a TD launch (td.c) and a TD's exits
 * (exits.c). Not yet run on TDX hardware: written to the Linux 7.1 uAPI and
 * tested against a double of it (tests/doubles/) and, for the guest's TDX
 * path, in a plain VM whose harness serves the TDCALLs.
 */
#include "backend/tdx/td.h"
#include "lib/util.h"
#include "sample/probes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kvm knobs that make sense for a TD, then the TD's own. Filled once, before main. */
static struct opt_desc knobs[32];

static const struct opt_desc td_only[] = {
	{ .name = "sept_ve_disable", .type = OPT_BOOL, .def = "yes",
	  .help = "TD attribute SEPT_VE_DISABLE (bit 28): an access to unaccepted memory kills the TD with a "
		  "kernel-log line naming the GPA (QEMU's default); no = the guest would get a #VE, which this "
		  "guest does not handle (triple fault)" },
	{ .name = "kprobes", .type = OPT_STRING, .def = "default",
	  .help = "with trace=on|auto: kprobe+kretprobe pairs counted and timed per run and phase: default (the "
		  "SEAMCALL wrappers and DPAMT get/put this kernel has; the rest is listed in the notes), none, "
		  "or a list like tdh_mem_page_aug+tdx_pamt_get" },
	{ .name = "ioctl_log", .type = OPT_STRING, .def = "none",
	  .help = "write one line per KVM ioctl (fd, name, result, hw_error) to this file, for a bug report" },
	/* kvm knobs a TD cannot honour: known here so the refusal can say why */
	{ .name = "vm_type", .type = OPT_STRING, .def = "tdx",
	  .help = "always tdx (KVM_X86_TDX_VM); other values are refused" },
	{ .name = "conv_call", .type = OPT_STRING, .def = "tdvmcall",
	  .help = "always tdvmcall (TDG.VP.VMCALL MapGPA); other values are refused" },
};

__attribute__((constructor)) static void tdx_knobs_init(void)
{
	size_t n = 0;
	for (const struct opt_desc *d = kvm_knobs; d->name; d++) {
		if (!strcmp(d->name, "vm_type") || !strcmp(d->name, "conv_call"))
			continue;
		knobs[n] = *d;
		if (!strcmp(d->name, "backing"))
			knobs[n].help = "shared view of the guest memory (the private side is always guest_memfd): anon, "
					"thp, hugetlb, memfd; gmem is refused for a TD";
		n++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(td_only); i++)
		knobs[n++] = td_only[i];
	knobs[n].name = NULL;
}

int tdx_settings_read(const struct params *p, struct tdx_settings *s, char *err, size_t errlen)
{
	const char *v;

	memset(s, 0, sizeof(*s));
	if (kvm_settings_read(p, "tdx", knobs, &s->k, err, errlen))
		return -1;
	if ((v = params_get(p, "vm_type")) && strcmp(v, "tdx")) {
		snprintf(err, errlen, "vm_type=%s: does not apply to a TD (always KVM_X86_TDX_VM); it is a kvm-backend knob", v);
		return -1;
	}
	if ((v = params_get(p, "conv_call")) && strcmp(v, "tdvmcall")) {
		snprintf(err, errlen, "conv_call=%s: does not apply to a TD, which asks for conversions only with "
			 "TDG.VP.VMCALL MapGPA", v);
		return -1;
	}
	if (s->k.backing == BACKING_GMEM) {
		snprintf(err, errlen, "backing=gmem: a TD's shared view cannot be a guest_memfd (Linux 7.1 refuses "
			 "GUEST_MEMFD_FLAG_INIT_SHARED on a VM with private memory); use anon, thp, hugetlb or memfd");
		return -1;
	}
	if (params_get_bool(p, "sept_ve_disable", true, &s->sept_ve_disable, err, errlen))
		return -1;
	v = params_get(p, "ioctl_log");
	s->ioctl_log = v && strcmp(v, "none") ? v : NULL;
	s->kprobes = params_get(p, "kprobes") ? params_get(p, "kprobes") : "default";
	return 0;
}

/* The witness that this host can build TDs: bit 5 of KVM_CAP_VM_TYPES (tdx-uapi.md §1.1). */
static int tdx_probe(char *why, size_t len)
{
	struct kvm_caps caps;
	char types[96];

	host_probe_kvm(&caps);
	if (!caps.accessible) {
		snprintf(why, len, "tdx: %s", caps.why);
		return -1;
	}
	if (!caps.tdx_vm_type) {
		snprintf(why, len, "tdx: this KVM cannot create TDs: no VM type %d (KVM_X86_TDX_VM) in KVM_CAP_VM_TYPES "
			 "(%#x: %s); needs a TDX host booted with kvm_intel.tdx=1 (see tdxbench host)", TDXB_KVM_X86_TDX_VM,
			 caps.vm_types, caps.vm_types ? host_vm_types_str(caps.vm_types, types, sizeof(types))
			 : "capability absent");
		return -1;
	}
	return 0;
}

static int tdx_resolve(const char *strategy, struct params *p, char *err, size_t errlen)
{
	struct tdx_settings s;
	return kvm_resolve_knobs("tdx", knobs, strategy, p, err, errlen) ?: tdx_settings_read(p, &s, err, errlen);
}

/* The refusals that need no host: vm_type, conv_call, backing=gmem, a bad value. */
static int tdx_validate(const struct run_spec *spec, char *err, size_t errlen)
{
	struct tdx_settings s;
	return tdx_settings_read(spec->params, &s, err, errlen) ? BACKEND_FAILED : BACKEND_OK;
}

static int tdx_check_all(const struct run_spec *spec, struct tdx_settings *s, char *err, size_t errlen)
{
	if (tdx_settings_read(spec->params, s, err, errlen) || tdx_probe(err, errlen))
		return -1;
	return kvm_check_host(spec, &s->k, err, errlen);
}

static int tdx_check(const struct run_spec *spec, char *err, size_t errlen)
{
	struct tdx_settings s;
	return tdx_check_all(spec, &s, err, errlen) ? BACKEND_FAILED : BACKEND_OK;
}

/*
 * kprobes on the SEAMCALL wrappers, counted with the tracepoints in the same
 * private instance. -1 only when trace=on named functions that cannot be probed.
 */
static int tdx_probes(struct tdx_settings *s, struct probes **out, char **events, char *err, size_t errlen)
{
	char missing[512] = "", why[256] = "";
	const char **list = NULL;
	struct probes *p;
	size_t n = 0;

	if (s->k.trace == TRACE_OFF || !strcmp(s->kprobes, "none")) {
		snprintf(s->probe_note, sizeof(s->probe_note), "off (%s)", s->k.trace == TRACE_OFF ? "trace=off" : "kprobes=none");
		return 0;
	}
	if (strcmp(s->kprobes, "default")) {
		char *copy = xstrdup(s->kprobes), *save = NULL;
		for (char *t = strtok_r(copy, "+ ", &save); t; t = strtok_r(NULL, "+ ", &save)) {
			list = xrealloc(list, (n + 2) * sizeof(*list));
			list[n++] = xstrdup(t);
		}
		list[n] = NULL;
		free(copy);
	}
	p = probes_kernel(list ? list : probes_tdx_functions, missing, sizeof(missing), why, sizeof(why));
	for (size_t i = 0; i < n; i++)
		free((char *)list[i]);
	free(list);
	if (!p) {
		if (s->k.trace == TRACE_ON && strcmp(s->kprobes, "default")) {
			snprintf(err, errlen, "kprobes=%s: %s", s->kprobes, why);
			return -1;
		}
		snprintf(s->probe_note, sizeof(s->probe_note), "off: %s", why);
		return 0;
	}
	*events = xasprintf("%s+%s", s->k.trace_events, probes_spec(p));
	s->k.trace_events = *events;
	snprintf(s->probe_note, sizeof(s->probe_note), "%zu kprobe+kretprobe pairs (trace_<fn> counts, <fn>_ns "
		 "latency); not in this kernel: %s", probes_count(p) / 2, missing[0] ? missing : "none");
	*out = p;
	return 0;
}

static int tdx_run(const struct run_spec *spec, struct run_result *res, char *err, size_t errlen)
{
	struct tdx_settings s;
	struct probes *p = NULL;
	char *events = NULL;
	int r;

	if (tdx_check_all(spec, &s, err, errlen) || tdx_probes(&s, &p, &events, err, errlen))
		return BACKEND_FAILED;
	r = kvm_run_repetition(spec, &s.k, &td_platform, res, err, errlen);
	probes_destroy(p);
	free(events);
	return r;
}

const struct backend_ops tdx_backend = {
	.name = "tdx",
	.summary = "TDs on a TDX host through raw KVM ioctls (not yet run on TDX hardware)",
	.knobs = knobs,
	.strategies = NULL,
	.probe = tdx_probe,
	.resolve = tdx_resolve,
	.validate = tdx_validate,
	.check = tdx_check,
	.run = tdx_run,
	.is_model = false,
};
