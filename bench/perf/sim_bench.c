/*
 * sim_bench: run one sim repetition outside the runner and print how fast the
 * model went: simulated guest faults per wall-clock second, wall time, peak
 * RSS. Used by bench/perf/10-sim.sh.
 *
 *   sim_bench [-s STRATEGY] [-w WORKLOAD] [-p k=v,...] [-S SEED] [-m] [-d]
 *
 * -m also prints every metric of the run (model output).
 * -d dumps everything the run produced (metrics, samples, histogram buckets,
 *    notes) at full precision and nothing else, so that two builds of the model
 *    can be diffed byte for byte (the speed line is left out: it varies).
 */
#include "backend/sim/sim_int.h"
#include "lib/util.h"
#include "workloads/workload.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void dump_result(const struct run_result *r)
{
	for (size_t i = 0; i < r->n_metrics; i++)
		printf("metric %s %.17g %s\n", r->metrics[i].name, r->metrics[i].value, r->metrics[i].unit);
	for (size_t i = 0; i < r->n_samples; i++)
		printf("sample %s %.17g %.17g\n", r->series[r->samples[i].series].name,
		       r->samples[i].t_ns, r->samples[i].value);
	for (size_t i = 0; i < r->n_buckets; i++)
		printf("bucket %s %.17g %.17g %llu\n", r->hists[r->buckets[i].hist].name,
		       r->buckets[i].lo, r->buckets[i].hi, (unsigned long long)r->buckets[i].count);
	for (size_t i = 0; i < r->n_notes; i++)
		printf("note %s %s\n", r->notes[i].key, r->notes[i].value);
}

int main(int argc, char **argv)
{
	const char *strategy = "dpamt-v6", *wname = "boot", *assign = NULL;
	struct params p = PARAMS_INIT;
	struct run_spec spec;
	struct run_result res;
	struct rusage ru;
	const struct workload_desc *wl;
	const struct result_metric *faults;
	char err[512];
	uint64_t seed = 1, t0, t1;
	double cpu, wall, nf;
	bool metrics = false, dump = false;
	int c, ret;

	while ((c = getopt(argc, argv, "s:w:p:S:md")) != -1) {
		switch (c) {
		case 's': strategy = optarg; break;
		case 'w': wname = optarg; break;
		case 'p': assign = optarg; break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'm': metrics = true; break;
		case 'd': dump = true; break;
		default:
			fprintf(stderr, "usage: sim_bench [-s STRATEGY] [-w WORKLOAD] [-p k=v,...] [-S SEED] [-m] [-d]\n");
			return 2;
		}
	}
	wl = workload_find(wname);
	if (!wl)
		die("unknown workload '%s'", wname);
	if (assign && params_parse_assignments(&p, assign, err, sizeof(err)))
		die("%s", err);
	if (!params_has(&p, "seed"))
		params_setf(&p, "seed", "%llu", (unsigned long long)seed);
	memset(&spec, 0, sizeof(spec));
	if (wl->build(&p, &spec.work, err, sizeof(err)))
		die("%s: %s", wname, err);
	if (sim_resolve(strategy, &p, err, sizeof(err)))
		die("%s", err);
	spec.strategy = strategy;
	spec.wl = wl;
	spec.params = &p;
	spec.seed = seed;
	result_init(&res);
	t0 = now_ns();
	ret = sim_run(&spec, &res, NULL, err, sizeof(err));
	t1 = now_ns();
	if (ret)
		die("%s", err);
	if (dump) {
		dump_result(&res);
		result_free(&res);
		params_free(&p);
		return 0;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	      (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	wall = (double)(t1 - t0) / 1e9;
	faults = result_find_metric(&res, "faults");
	nf = faults ? faults->value : 0;
	/* cpu: the whole process (setup included); on a busy machine wall > cpu */
	printf("%-9s %-14s faults=%.0f wall=%.2fs cpu=%.2fs faults_per_sec=%.0f faults_per_cpu_sec=%.0f maxrss=%.0fMiB\n",
	       strategy, wname, nf, wall, cpu, nf / wall, cpu > 0 ? nf / cpu : 0,
	       (double)ru.ru_maxrss / 1024);
	if (metrics)
		for (size_t i = 0; i < res.n_metrics; i++)
			printf("  %-28s %.0f %s\n", res.metrics[i].name, res.metrics[i].value,
			       res.metrics[i].unit);
	result_free(&res);
	params_free(&p);
	return 0;
}
