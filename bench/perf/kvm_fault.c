/*
 * build/bench/kvm_fault VCPUS MEM_PER_VCPU [k=v,...]: one `boot` repetition
 * of the kvm backend (4K guest page tables, anonymous 4K backing, split
 * slices) and its per-vCPU fault throughput, the unit demand_paging_test
 * prints; with trace=on,trace_events=per-page also the per-page event counts
 * of the fault phase. Used by bench/perf/20-kvm.sh.
 */
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "lib/util.h"
#include "workloads/workload.h"

static const char *const per_page[] = {
	"exits_per_page", "emulated_insns_per_page", "pt_walks_per_page", "host_faults_per_page", NULL,
};

int main(int argc, char **argv)
{
	const struct backend_ops *b = backend_find("kvm");
	const struct workload_desc *wl = workload_find("boot");
	struct params p = PARAMS_INIT;
	struct run_spec spec;
	struct run_result res;
	const struct result_metric *m;
	char err[512] = "";
	uint64_t per, vcpus;
	int rc;

	if (argc < 3 || parse_u64(argv[1], &vcpus) || parse_size(argv[2], &per)) {
		fprintf(stderr, "usage: kvm_fault VCPUS MEM_PER_VCPU [k=v,...]\n");
		return 2;
	}
	params_setf(&p, "vcpus", "%llu", (unsigned long long)vcpus);
	params_setf(&p, "mem", "%llu", (unsigned long long)(per * vcpus));
	params_set(&p, "pt", "4K");
	params_set(&p, "backing", "anon");
	params_set(&p, "share", "split");
	/* demand_paging_test traces nothing: neither do we */
	params_set(&p, "trace", "off");
	if (argc > 3 && params_parse_assignments(&p, argv[3], err, sizeof(err))) {
		fprintf(stderr, "kvm_fault: %s\n", err);
		return 2;
	}
	memset(&spec, 0, sizeof(spec));
	spec.wl = wl;
	spec.params = &p;
	result_init(&res);
	if (wl->build(&p, &spec.work, err, sizeof(err)) || b->resolve(NULL, &p, err, sizeof(err)) ||
	    b->check(&spec, err, sizeof(err))) {
		fprintf(stderr, "kvm_fault: %s\n", err);
		return 1;
	}
	rc = b->run(&spec, &res, err, sizeof(err));
	if (rc || !(m = result_find_metric(&res, "pages_per_sec_per_vcpu"))) {
		fprintf(stderr, "kvm_fault: %s\n", rc ? err : "no pages_per_sec_per_vcpu");
		return 1;
	}
	printf("pages_per_sec_per_vcpu %.1f\n", m->value);
	/* with trace_events=per-page: where a page's time goes (fault phase only) */
	for (const char *const *k = per_page; *k; k++)
		if ((m = result_find_metric(&res, *k)))
			printf("%s %.3f\n", *k, m->value);
	for (size_t i = 0; i < res.n_notes; i++)
		if (!strcmp(res.notes[i].key, "guest_code"))
			printf("guest_code %s\n", res.notes[i].value);
	result_free(&res);
	params_free(&p);
	return 0;
}
