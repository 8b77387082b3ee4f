/* The kvm backend: the same workloads in a real VM through /dev/kvm. */
#include "backend/kvm/settings.h"
#include "backend/kvm/pin.h"
#include "lib/fmt.h"
#include "lib/util.h"
#include "sample/tracepoints.h"
#include "guest-images/abi.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Positional rows, with .min/.max (and .one_value) designated where a knob has them. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const char *const vm_type_choices[] = { "default", "sw-protected", NULL };
static const char *const pt_choices[] = { "4K", "2M", "1G", NULL };
static const char *const conv_call_choices[] = { "port", "hypercall", NULL };
static const char *const trace_choices[] = { "auto", "on", "off", NULL };

const struct opt_desc kvm_knobs[] = {
	{ "backing", OPT_ENUM, "anon", "guest memory backing: anon (4K), thp, hugetlb (2M, needs reserved pages), "
	  "memfd (shmem), gmem (guest_memfd)", kvm_backing_names, NULL, NULL },
	{ "vm_type", OPT_ENUM, "default", "KVM VM type; sw-protected has private memory (guest_memfd + "
	  "KVM_SET_MEMORY_ATTRIBUTES)", vm_type_choices, NULL, NULL },
	{ "pt", OPT_ENUM, "4K", "guest page-table granularity for the test memory", pt_choices, NULL, NULL },
	{ .name = "pin", .type = OPT_STRING, .def = "auto", .one_value = true,
	  .help = "vCPU pinning: auto (one core each first, hwloc), none, or a CPU list like 0,2-3" },
	{ "watchdog_ms", OPT_U64, "10000", "fail the repetition when the guest reports no progress for this long",
	  NULL, "ms", NULL, .min = "10", .max = "3600000" },
	{ "sample_ms", OPT_U64, "100", "interval of the KVM stats time series", NULL, "ms", NULL,
	  .min = "1", .max = "60000" },
	{ "conv_call", OPT_ENUM, "port", "how the guest asks for a conversion: port (mailbox + port I/O, any KVM) "
	  "or hypercall (KVM_HC_MAP_GPA_RANGE exit, as a TD's MapGPA)", conv_call_choices, NULL, NULL },
	{ "overcommit", OPT_BOOL, "no", "allow more vCPUs than host CPUs", NULL, NULL, NULL },
	/* off by default: enabled tracepoints cost the kernel's fault path something on every fault */
	{ "trace", OPT_ENUM, "off", "count KVM tracepoints (trace_<event> metrics) in a private tracefs instance: "
	  "auto (when root and tracefs allow, else a note says why), on (refuse without), off", trace_choices,
	  NULL, NULL },
	{ "trace_events", OPT_STRING, "default", "tracepoints to count: default (kvm_page_fault, kvm_exit and the "
	  "kvmmmu fault path this kernel has), per-page (exits, emulated instructions, guest page-table walks "
	  "and host faults, stored per page) or a list like kvm:kvm_exit+kvmmmu:fast_page_fault", NULL, NULL,
	  NULL },
	{ "trace_buffer_kb", OPT_U64, "16384", "tracefs ring buffer per CPU; a note reports events lost when it "
	  "overflows between drains", NULL, "KiB", NULL, .min = "64", .max = "1048576" },
	{ NULL, 0, NULL, NULL, NULL, NULL, NULL },
};

int kvm_settings_read(const struct params *p, struct kvm_settings *s, char *err, size_t errlen)
{
	int idx;
	memset(s, 0, sizeof(*s));
	for (const struct opt_desc *d = kvm_knobs; d->name; d++) {
		const char *v = params_get(p, d->name);
		if (v && opt_validate(d, v, err, errlen))
			return -1;
	}
	if (params_get_enum(p, "backing", kvm_backing_names, BACKING_ANON, &idx, err, errlen))
		return -1;
	s->backing = (enum kvm_backing)idx;
	if (params_get_enum(p, "vm_type", vm_type_choices, 0, &idx, err, errlen))
		return -1;
	s->vm_kind = (enum kvm_vm_kind)idx;
	if (params_get_enum(p, "pt", pt_choices, 0, &idx, err, errlen))
		return -1;
	s->pt_gran = (uint32_t)idx;
	if (params_get_enum(p, "conv_call", conv_call_choices, 0, &idx, err, errlen))
		return -1;
	s->conv_hypercall = idx == 1;
	s->pin = params_get(p, "pin") ? params_get(p, "pin") : "auto";
	if (params_get_enum(p, "trace", trace_choices, TRACE_OFF, &idx, err, errlen))
		return -1;
	s->trace = (enum kvm_trace_mode)idx;
	s->trace_events = params_get(p, "trace_events") ? params_get(p, "trace_events") : "default";
	/* defaults and ranges from kvm_knobs above, checked once */
	if (opt_get_u64(kvm_knobs, p, "watchdog_ms", &s->watchdog_ms, err, errlen) ||
	    opt_get_u64(kvm_knobs, p, "sample_ms", &s->sample_ms, err, errlen) ||
	    opt_get_bool(kvm_knobs, p, "overcommit", &s->overcommit, err, errlen) ||
	    opt_get_u64(kvm_knobs, p, "trace_buffer_kb", &s->trace_buffer_kb, err, errlen))
		return -1;
	return 0;
}

void kvm_layout_compute(uint32_t vcpus, uint64_t test_bytes, uint32_t pt_gran, struct kvm_layout *l)
{
	uint64_t pages = 4 + test_bytes / (512 * GiB) + 1;	/* PML4, PDPTs, slack */
	if (pt_gran != TDXB_PT_1G)
		pages += test_bytes / GiB + 1;			/* PDs */
	if (pt_gran == TDXB_PT_4K)
		pages += test_bytes / (2 * MiB);		/* PTs */
	l->ptpool_gpa = (TDXB_GUEST_LATLOG + (uint64_t)vcpus * TDXB_GUEST_LATLOG_PER_VCPU + 2 * MiB - 1) &
			~(2 * MiB - 1);
	l->ptpool_bytes = (pages * 4096 + 2 * MiB - 1) & ~(2 * MiB - 1);
	l->low_bytes = l->ptpool_gpa + l->ptpool_bytes;
}

/* MemAvailable in bytes, 0 when unknown. */
static uint64_t mem_available(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static long read_long(const char *path)
{
	char buf[64];
	long v = -1;
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

static bool thp_enabled(void)
{
	char *s = read_file("/sys/kernel/mm/transparent_hugepage/enabled", NULL);
	bool ok = s && !strstr(s, "[never]");
	free(s);
	return ok;
}

static bool has_convert_below(const struct tdxb_workload *w, uint64_t unit)
{
	for (uint32_t i = 0; i < w->nphases; i++)
		if (w->phases[i].kind == TDXB_PH_CONVERT && w->phases[i].unit < unit)
			return true;
	return false;
}

int kvm_check_host(const struct run_spec *spec, const struct kvm_settings *s, char *err, size_t errlen)
{
	const struct tdxb_workload *w = &spec->work;
	struct kvm_caps caps;
	struct kvm_layout l;
	int host_cpus = pin_host_cpus(), cpus[TDXB_GUEST_MAX_VCPUS], max_vcpus;
	uint64_t need, avail;
	char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN];

	host_probe_kvm(&caps);
	if (!caps.accessible) {
		snprintf(err, errlen, "kvm: %s", caps.why);
		return -1;
	}
	if (w->tds != 1) {
		snprintf(err, errlen, "tds=%u: the kvm backend runs one VM per repetition", w->tds);
		return -1;
	}
	max_vcpus = caps.max_vcpus > 0 ? caps.max_vcpus : 4;	/* api.rst: 4 without the cap */
	if (w->vcpus > TDXB_GUEST_MAX_VCPUS || (int)w->vcpus > max_vcpus) {
		snprintf(err, errlen, "vcpus=%u: more than this VMM (%d) or KVM (KVM_CAP_MAX_VCPUS %d) supports",
			 w->vcpus, TDXB_GUEST_MAX_VCPUS, max_vcpus);
		return -1;
	}
	if ((int)w->vcpus > host_cpus && !s->overcommit) {
		snprintf(err, errlen, "vcpus=%u: the host gives this process only %d CPUs (set overcommit=yes to allow)",
			 w->vcpus, host_cpus);
		return -1;
	}
	if (pin_parse(s->pin, cpus, (int)ARRAY_SIZE(cpus), err, errlen) < 0)
		return -1;
	if (s->trace != TRACE_OFF) {
		char why[256];
		if (tp_probe(why, sizeof(why))) {
			if (s->trace == TRACE_ON) {
				snprintf(err, errlen, "trace=on: %s", why);
				return -1;
			}
		} else if (tp_check_events(s->trace_events, err, errlen)) {
			return -1;	/* a typo in the list is not "tracing unavailable" */
		}
	}
	if (s->vm_kind == VMK_SW_PROTECTED && !(caps.vm_types & (1u << KVM_X86_SW_PROTECTED_VM))) {
		snprintf(err, errlen, "vm_type=sw-protected: this KVM does not offer KVM_X86_SW_PROTECTED_VM "
			 "(KVM_CAP_VM_TYPES %#x; needs CONFIG_KVM_SW_PROTECTED_VM)", caps.vm_types);
		return -1;
	}
	switch (s->backing) {
	case BACKING_THP:
		if (!thp_enabled()) {
			snprintf(err, errlen, "backing=thp: transparent hugepages are disabled on this host "
				 "(/sys/kernel/mm/transparent_hugepage/enabled is [never])");
			return -1;
		}
		break;
	case BACKING_HUGETLB: {
		long free_pages = read_long("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
		uint64_t want = w->mem_bytes / (2 * MiB);
		if (free_pages < 0 || (uint64_t)free_pages < want) {
			snprintf(err, errlen, "backing=hugetlb: needs %llu free 2M huge pages, the host has %ld "
				 "(reserve them with: echo %llu > /proc/sys/vm/nr_hugepages)",
				 (unsigned long long)want, free_pages < 0 ? 0 : free_pages, (unsigned long long)want);
			return -1;
		}
		if (has_convert_below(w, 2 * MiB)) {
			snprintf(err, errlen, "backing=hugetlb: cannot discard less than a 2M page for a conversion "
				 "(use gran=2M, or backing=anon|thp|memfd)");
			return -1;
		}
		break;
	}
	case BACKING_GMEM:
		if (!caps.guest_memfd) {
			snprintf(err, errlen, "backing=gmem: this KVM has no guest_memfd (KVM_CAP_GUEST_MEMFD)");
			return -1;
		}
		if (s->vm_kind == VMK_DEFAULT) {
			struct kvm_vm vm;
			int flags;
			if (vm_create(&vm, KVM_X86_DEFAULT_VM, err, errlen) < 0)
				return -1;
			flags = vm_check_cap(&vm, KVM_CAP_GUEST_MEMFD_FLAGS);
			vm_destroy(&vm);
			if ((flags & (TDXB_GUEST_MEMFD_FLAG_MMAP | TDXB_GUEST_MEMFD_FLAG_INIT_SHARED)) !=
			    (TDXB_GUEST_MEMFD_FLAG_MMAP | TDXB_GUEST_MEMFD_FLAG_INIT_SHARED)) {
				snprintf(err, errlen, "backing=gmem: a default VM can use guest_memfd only with the "
					 "MMAP|INIT_SHARED flags (Linux 6.18+); this KVM offers flags %#x", flags);
				return -1;
			}
		}
		break;
	default:
		break;
	}
	if (s->vm_kind == VMK_SW_PROTECTED && !caps.guest_memfd) {
		snprintf(err, errlen, "vm_type=sw-protected: this KVM has no guest_memfd (KVM_CAP_GUEST_MEMFD)");
		return -1;
	}
	if (s->pt_gran == TDXB_PT_1G) {
		struct kvm_vm vm;
		const struct kvm_cpuid_entry2 *e;
		bool ok;
		if (vm_create(&vm, KVM_X86_DEFAULT_VM, err, errlen) < 0)
			return -1;
		e = vm_cpuid(&vm, 0x80000001, 0);
		ok = e && (e->edx & (1u << 26));
		vm_destroy(&vm);
		if (!ok) {
			snprintf(err, errlen, "pt=1G: KVM does not offer 1G pages to guests (CPUID 0x80000001 EDX.Page1GB)");
			return -1;
		}
	}
	kvm_layout_compute(w->vcpus, w->mem_bytes, s->pt_gran, &l);
	if (l.low_bytes > TDXB_GUEST_LOW_MAX - 2 * MiB) {
		snprintf(err, errlen, "mem=%s with pt=4K: the guest page tables would not fit below 1 GiB "
			 "(use pt=2M)", fmt_value((double)w->mem_bytes, "bytes", a, sizeof(a)));
		return -1;
	}
	need = l.low_bytes + (s->backing == BACKING_HUGETLB ? 0 : w->mem_bytes);
	avail = mem_available();
	if (avail && need > avail) {
		snprintf(err, errlen, "mem=%s: the VM needs %s but the host has only %s available (MemAvailable); "
			 "refusing before allocating", fmt_value((double)w->mem_bytes, "bytes", a, sizeof(a)),
			 fmt_value((double)need, "bytes", b, sizeof(b)),
			 fmt_value((double)avail, "bytes", c, sizeof(c)));
		return -1;
	}
	return 0;
}

/* ---- backend ops ---- */

static int kvm_probe(char *why, size_t len)
{
	struct kvm_caps caps;
	host_probe_kvm(&caps);
	if (!caps.accessible) {
		snprintf(why, len, "kvm: %s", caps.why);
		return -1;
	}
	return 0;
}

static int kvm_resolve(const char *strategy, struct params *p, char *err, size_t errlen)
{
	struct kvm_settings s;
	if (strategy && *strategy) {
		snprintf(err, errlen, "kvm: no strategies (strategy '%s' is a sim preset)", strategy);
		return -1;
	}
	opt_fill_defaults(kvm_knobs, p);
	return kvm_settings_read(p, &s, err, errlen);
}

static int kvm_validate(const struct run_spec *spec, char *err, size_t errlen)
{
	struct kvm_settings s;
	return kvm_settings_read(spec->params, &s, err, errlen) ? BACKEND_FAILED : BACKEND_OK;
}

static int kvm_check(const struct run_spec *spec, char *err, size_t errlen)
{
	struct kvm_settings s;
	if (kvm_settings_read(spec->params, &s, err, errlen))
		return BACKEND_FAILED;
	return kvm_check_host(spec, &s, err, errlen) ? BACKEND_FAILED : BACKEND_OK;
}

static int kvm_run(const struct run_spec *spec, struct run_result *res, char *err, size_t errlen)
{
	struct kvm_settings s;
	char emu[512];
	int r;
	if (kvm_settings_read(spec->params, &s, err, errlen) || kvm_check_host(spec, &s, err, errlen))
		return BACKEND_FAILED;
	/* before the repetition, once per process: its VM is not part of any measurement */
	kvm_emulation_str(kvm_probe_emulation(), emu, sizeof(emu));
	r = kvm_run_repetition(spec, &s, res, err, errlen);
	if (r == BACKEND_OK)
		result_note(res, "guest_code", "%s", emu);
	return r;
}

static void kvm_host_probe(struct json_object *obj)
{
	const struct kvm_emulation *e;
	struct json_object *o = json_object_new_object();
	char why[256], text[512];

	if (kvm_probe(why, sizeof(why))) {
		json_object_object_add(o, "status", json_object_new_string("unknown"));
		json_object_object_add(o, "why", json_object_new_string(why));
	} else {
		e = kvm_probe_emulation();
		json_object_object_add(o, "status", json_object_new_string(
			e->state == KVM_EMU_YES ? "emulated" : e->state == KVM_EMU_NO ? "native" : "unknown"));
		if (e->state != KVM_EMU_UNKNOWN) {
			json_object_object_add(o, "emulate_insn_per_page", json_object_new_double(e->per_page));
			json_object_object_add(o, "pages_probed", json_object_new_int64((int64_t)e->pages));
		}
		json_object_object_add(o, "summary", json_object_new_string(kvm_emulation_str(e, text, sizeof(text))));
	}
	json_object_object_add(obj, "kvm_guest_code", o);
}

const struct backend_ops kvm_backend = {
	.name = "kvm",
	.summary = "real VMs through /dev/kvm (raw-ioctl VMM, freestanding guest)",
	.knobs = kvm_knobs,
	.strategies = NULL,
	.probe = kvm_probe,
	.resolve = kvm_resolve,
	.validate = kvm_validate,
	.check = kvm_check,
	.run = kvm_run,
	.host_probe = kvm_host_probe,
	.is_model = false,
};
