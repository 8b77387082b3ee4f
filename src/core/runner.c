/*
 * Runs a plan: see runner.h. The order of events, and why:
 *
 *   1. every instance is prepared (probe, resolve, build, check) and gets its
 *      run row up front, so a failure is recorded even if nothing runs and a
 *      Ctrl-C at any point leaves rows --resume can finish;
 *   2. warm-ups, then measured repetitions in rounds: round r runs rep r of
 *      every instance, so slow drift of the machine (thermal, other load)
 *      hits every strategy alike instead of biasing whichever ran last;
 *   3. rep r of every instance uses the same seed, so strategies compared
 *      see the same random workload (common random numbers: less noise).
 */
#include "core/runner.h"
#include "lib/metrics.h"
#include "lib/result.h"
#include "lib/stats.h"
#include "lib/util.h"
#include "host/host.h"
#include "store/store.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_INTERRUPTED 130

/* ---- Ctrl-C ---- */

static volatile sig_atomic_t interrupts;
static volatile sig_atomic_t abort_now;

static void on_interrupt(int sig)
{
	static const char once[] =
		"\ntdxbench: interrupted: finishing the current repetition "
		"(Ctrl-C again to stop now)\n";
	static const char twice[] =
		"\ntdxbench: interrupted again: stopping now, dropping the unfinished "
		"repetition\n";
	ssize_t r;
	interrupts++;
	if (interrupts == 1) {
		r = write(2, once, sizeof(once) - 1);
	} else {
		abort_now = 1;
		r = write(2, twice, sizeof(twice) - 1);
		signal(sig, SIG_DFL);	/* a third one ends the process */
	}
	(void)r;
}

static void install_handlers(struct sigaction *old_int, struct sigaction *old_term)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	interrupts = 0;
	abort_now = 0;
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
}

static void restore_handlers(const struct sigaction *old_int, const struct sigaction *old_term)
{
	sigaction(SIGINT, old_int, NULL);
	sigaction(SIGTERM, old_term, NULL);
}

uint64_t runner_rep_seed(uint64_t seed, int rep)
{
	/* warm-ups draw from a different stream than the measured reps */
	return rep >= 0 ? mix64(seed + (uint64_t)rep + 1) : mix64(~seed - (uint64_t)(-rep));
}

/* ---- progress ---- */

struct inst {
	struct plan_item *it;
	struct params resolved;
	int64_t run_id;
	bool *done;		/* [reps]: already stored as ok (resume) or finished now */
	int todo_reps, todo_warm;
	bool failed, started;
	char *reason;
	uint64_t wall_sum;	/* of this instance's finished reps, for the ETA */
	int wall_n;
	int kept;		/* reps committed in this invocation */
};

struct progress {
	bool tty, quiet;
	uint64_t t0;
	int total, done;
	bool line_up;		/* a \r line is on screen */
	uint64_t drawn;		/* when it was last drawn */
	uint64_t all_wall;
	int all_n;
};

static void fmt_dur(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ULL;
	if (s < 60)
		snprintf(buf, len, "%.1fs", ns / 1e9);
	else if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
}

static uint64_t eta_ns(const struct progress *pg, const struct inst *in, size_t n)
{
	double left = 0, avg = pg->all_n ? (double)pg->all_wall / pg->all_n : 0;
	if (!pg->all_n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		double per = in[i].wall_n ? (double)in[i].wall_sum / in[i].wall_n : avg;
		if (!in[i].failed)
			left += per * (in[i].todo_reps + in[i].todo_warm);
	}
	return (uint64_t)left;
}

static void progress_clear(struct progress *pg)
{
	if (pg->line_up) {
		fputs("\r\033[K", stderr);
		pg->line_up = false;
	}
}

static void inst_name(const struct inst *in, char *buf, size_t len)
{
	snprintf(buf, len, "%s: %s%s%s", in->it->job, in->it->strategy ? in->it->strategy : "",
		 in->it->strategy ? " " : "", in->it->wl->name);
}

static void progress_rep(struct progress *pg, const struct inst *all, size_t n,
			 const struct inst *in, int rep, int warm, const char *what)
{
	char name[128], el[32], eta[32], line[256];
	uint64_t e;
	if (pg->quiet)
		return;
	inst_name(in, name, sizeof(name));
	fmt_dur(now_ns() - pg->t0, el, sizeof(el));
	e = eta_ns(pg, all, n);
	if (pg->all_n)
		fmt_dur(e, eta, sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "?");
	if (rep >= 0)
		snprintf(line, sizeof(line), "[%d/%d] %s rep %d/%d", pg->done + (what ? 0 : 1),
			 pg->total, name, rep + 1, in->it->reps);
	else
		snprintf(line, sizeof(line), "[%d/%d] %s warm-up %d/%d", pg->done + (what ? 0 : 1),
			 pg->total, name, warm + 1, in->it->warmup);
	if (pg->tty) {
		uint64_t now = now_ns();
		if (what)	/* finished: the next start redraws */
			return;
		/* short model reps: redrawing thousands of times a second helps nobody */
		if (pg->line_up && now - pg->drawn < 100000000ULL)
			return;
		pg->drawn = now;
		/* keep it to one 80-column line */
		fprintf(stderr, "\r%.52s  %s elapsed, ETA %s\033[K", line, el, eta);
		pg->line_up = true;
	} else if (what) {
		fprintf(stderr, "tdxbench: %s %s (elapsed %s, ETA %s)\n", line, what, el, eta);
	}
	fflush(stderr);
}

/* An event everyone must see (failures), above the live line. */
static void progress_event(struct progress *pg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress_event(struct progress *pg, const char *fmt, ...)
{
	va_list ap;
	progress_clear(pg);
	fputs("tdxbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- preparing an instance ---- */

static void inst_fail(struct inst *in, const char *reason)
{
	in->failed = true;
	free(in->reason);
	in->reason = xstrdup(reason);
}

static int build_work(const struct inst *in, struct params *p, uint64_t seed,
		      struct tdxb_workload *work, char *err, size_t errlen)
{
	params_copy(p, &in->resolved);
	params_setf(p, "seed", "%llu", (unsigned long long)seed);
	return in->it->wl->build(p, work, err, errlen);
}

static void inst_prepare(struct inst *in)
{
	const struct backend_ops *be = in->it->be;
	char why[512], err[512];
	struct params p = PARAMS_INIT;
	struct run_spec spec = { 0 };

	params_copy(&in->resolved, &in->it->params);
	if (be->probe && be->probe(why, sizeof(why))) {
		inst_fail(in, why);
		return;
	}
	if (be->resolve && be->resolve(in->it->strategy, &in->resolved, err, sizeof(err))) {
		inst_fail(in, err);
		return;
	}
	/* the workload's own defaults first: it may override a common one (multi-td: tds=4) */
	opt_fill_defaults(in->it->wl->params, &in->resolved);
	opt_fill_defaults(workload_common_opts, &in->resolved);
	params_sort(&in->resolved);

	spec.strategy = in->it->strategy;
	spec.wl = in->it->wl;
	spec.params = &p;
	spec.seed = runner_rep_seed(in->it->seed, 0);
	spec.rep = 0;
	spec.abort_now = &abort_now;
	if (build_work(in, &p, spec.seed, &spec.work, err, sizeof(err))) {
		char *m = xasprintf("workload '%s': %s", in->it->wl->name, err);
		inst_fail(in, m);
		free(m);
	} else if (be->check && be->check(&spec, err, sizeof(err))) {
		inst_fail(in, err);
	}
	params_free(&p);
}

/* ---- one repetition ---- */

enum rep_outcome { REP_OK, REP_FAILED, REP_ABORTED, REP_STORE_ERROR };

static enum rep_outcome run_one(struct store *st, struct inst *in, int rep, int warm,
				uint64_t *wall)
{
	const struct backend_ops *be = in->it->be;
	struct params p = PARAMS_INIT;
	struct run_spec spec = { 0 };
	struct run_result res;
	char err[1024] = "";
	uint64_t t0;
	int rc;
	enum rep_outcome out;

	spec.strategy = in->it->strategy;
	spec.wl = in->it->wl;
	spec.params = &p;
	spec.seed = runner_rep_seed(in->it->seed, rep >= 0 ? rep : -1 - warm);
	spec.rep = rep;
	spec.abort_now = &abort_now;
	result_init(&res);
	if (build_work(in, &p, spec.seed, &spec.work, err, sizeof(err))) {
		rc = BACKEND_FAILED;
		*wall = 0;
	} else {
		t0 = now_ns();
		rc = be->run(&spec, &res, err, sizeof(err));
		*wall = now_ns() - t0;
	}
	if (rc == BACKEND_ABORTED || (rc != BACKEND_OK && abort_now)) {
		out = REP_ABORTED;
	} else if (rep < 0) {
		out = rc == BACKEND_OK ? REP_OK : REP_FAILED;
	} else if (store_rep_commit(st, in->run_id, rep, spec.seed, rc == BACKEND_OK ? "ok" : "failed",
				    rc == BACKEND_OK ? NULL : err, *wall, &res)) {
		out = REP_STORE_ERROR;
	} else {
		out = rc == BACKEND_OK ? REP_OK : REP_FAILED;
	}
	if (out == REP_FAILED) {
		char *m = rep >= 0 ? xasprintf("rep %d: %s", rep, err[0] ? err : "backend error") :
				     xasprintf("warm-up: %s", err[0] ? err : "backend error");
		inst_fail(in, m);
		free(m);
	}
	result_free(&res);
	params_free(&p);
	return out;
}

/* ---- the summary ---- */

struct col {
	const char *metric;
	const char *title;
	char *unit;
};

/* Key metrics, most telling first; the first few that say something are shown. */
static const struct { const char *metric, *title; } key_metrics[] = {
	{ "dpamt_bytes_peak", "DPAMT peak" },
	{ "pamt_add", "PAMT.ADD" },
	{ "spec_pairs_peak", "spec pairs" },
	{ "fault_ns_p99", "fault p99" },
	{ "cache_pages_idle_peak", "idle cache pg" },
	{ "splits", "splits" },
	{ "mmu_lock_wait_ns", "mmu_lock wait" },
	{ "pamt_lock_wait_ns", "pamt_lock wt" },
	{ "pages_per_sec_per_vcpu", "pages/s/vCPU" },
	{ "convert_ns_p50", "convert p50" },
	{ "convert_ns_p99", "convert p99" },
	{ "faults", "faults" },
	{ "virt_time_ns", "virt time" },
	{ "wall_ns", "wall" },
};

static size_t key_rank(const char *metric)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_metrics); i++)
		if (!strcmp(key_metrics[i].metric, metric))
			return i;
	return ARRAY_SIZE(key_metrics);
}

#define SUM_COLS 4
#define W_ID 6
#define W_LABEL 18
#define W_CELL 14

/* Three significant digits, never an exponent: 1.24, 12.4, 124, 1024. */
/* Three significant digits, never an exponent: 1.24, 12.4, 124, 1024. */
static void fmt3(double v, const char *suffix, char *buf, size_t len)
{
	double a = fabs(v);
	if (a >= 100 || v == floor(v))
		snprintf(buf, len, "%.0f%s", v, suffix);
	else if (a >= 10)
		snprintf(buf, len, "%.1f%s", v, suffix);
	else
		snprintf(buf, len, "%.2f%s", v, suffix);
}

static void fmt_value(double v, const char *unit, char *buf, size_t len)
{
	double a = fabs(v);
	if (isnan(v)) {
		snprintf(buf, len, "-");
	} else if (unit && !strcmp(unit, "bytes")) {
		static const char *const u[] = { "", "K", "M", "G", "T", "P" };
		int i = 0;
		while (a >= 1024 && i < 5) {
			a /= 1024;
			v /= 1024;
			i++;
		}
		fmt3(v, u[i], buf, len);
	} else if (unit && !strcmp(unit, "ns")) {
		if (a < 1e3)
			fmt3(v, "ns", buf, len);
		else if (a < 1e6)
			fmt3(v / 1e3, "us", buf, len);
		else if (a < 1e9)
			fmt3(v / 1e6, "ms", buf, len);
		else
			fmt3(v / 1e9, "s", buf, len);
	} else if (a < 1e4) {
		fmt3(v, "", buf, len);
	} else if (a < 1e6) {
		fmt3(v / 1e3, "k", buf, len);
	} else if (a < 1e9) {
		fmt3(v / 1e6, "M", buf, len);
	} else {
		fmt3(v / 1e9, "G", buf, len);
	}
}

static void fmt_cell(struct store *st, int64_t run_id, const struct col *c, char *buf, size_t len)
{
	double *vals = NULL;
	size_t n = 0;
	struct summary s;
	char v[32];

	if (store_metric_values(st, run_id, c->metric, &vals, &n) || !n) {
		snprintf(buf, len, "-");
		free(vals);
		return;
	}
	stats_summarize(vals, n, 0.95, &s);
	fmt_value(s.median, c->unit, v, sizeof(v));
	if (n < 2) {
		snprintf(buf, len, "%s", v);
	} else if (s.mad == 0) {
		snprintf(buf, len, "%s +-0", v);
	} else if (s.median != 0) {
		double pct = 100.0 * s.mad / fabs(s.median);
		if (pct < 10)
			snprintf(buf, len, "%s +-%.1f%%", v, pct);
		else
			snprintf(buf, len, "%s +-%.0f%%", v, pct);
	} else {
		snprintf(buf, len, "%s +-?", v);
	}
	free(vals);
}

/*
 * How much a metric tells the rows apart: the spread of the row medians
 * relative to the largest, in (0, 1]; 0 when they are all equal; -1 when
 * every value is zero or missing (nothing to show).
 */
static double metric_interest(struct store *st, struct inst **rows, size_t n, const char *m)
{
	bool nonzero = false, have = false;
	double lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		double *vals = NULL, med;
		size_t nv = 0;
		if (rows[i]->failed || store_metric_values(st, rows[i]->run_id, m, &vals, &nv) || !nv) {
			free(vals);
			continue;
		}
		for (size_t k = 0; k < nv; k++)
			nonzero |= vals[k] != 0;
		med = stats_median(vals, nv);
		lo = have ? MIN(lo, med) : med;
		hi = have ? MAX(hi, med) : med;
		have = true;
		free(vals);
	}
	if (!nonzero)
		return -1;
	return hi == lo ? 0 : (hi - lo) / MAX(fabs(hi), fabs(lo));
}

static char *metric_unit(struct store *st, struct inst **rows, size_t n, const char *m)
{
	for (size_t i = 0; i < n; i++) {
		char **names = NULL, **units = NULL, *u = NULL;
		size_t nn = 0;
		if (store_run_metric_names(st, rows[i]->run_id, &names, &units, &nn))
			continue;
		for (size_t k = 0; k < nn && !u; k++)
			if (!strcmp(names[k], m))
				u = xstrdup(units[k] ? units[k] : "");
		store_free_strings(names, nn);
		store_free_strings(units, nn);
		if (u)
			return u;
	}
	return xstrdup("");
}


/*
 * Does key take different values among rows of the same strategy? (Knobs a
 * strategy sets, as stored for resumed runs, say nothing new.)
 */
static bool key_varies(struct inst **rows, size_t n, const char *key)
{
	for (size_t a = 0; a < n; a++) {
		for (size_t b = a + 1; b < n; b++) {
			const struct plan_item *x = rows[a]->it, *y = rows[b]->it;
			const char *vx = params_get(&x->params, key), *vy = params_get(&y->params, key);
			if ((x->strategy || y->strategy) &&
			    (!x->strategy || !y->strategy || strcmp(x->strategy, y->strategy)))
				continue;
			if (!vx || !vy || strcmp(vx, vy))
				return true;
		}
	}
	return false;
}

/* The keys that tell rows apart, in the order of the first row's params. */
static size_t varying_keys(struct inst **rows, size_t n, const char **keys, size_t max)
{
	struct strlist nm = { 0 };
	size_t k = 0;
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < rows[r]->it->params.n; i++)
			strlist_add_unique(&nm, rows[r]->it->params.v[i].key);
	for (size_t i = 0; i < nm.n && k < max; i++)
		if (key_varies(rows, n, nm.v[i]))
			keys[k++] = nm.v[i];
	free(nm.v);
	return k;
}

/* "dpamt-v6 8 2": the strategy (or job) and the values of the varying keys. */
static void row_label(const struct inst *row, const char *const *keys, size_t nkeys, char *buf,
		      size_t len)
{
	const struct plan_item *it = row->it;
	struct sbuf sb = SBUF_INIT;
	sbuf_add(&sb, it->strategy ? it->strategy : it->job);
	for (size_t k = 0; k < nkeys; k++) {
		const char *v = params_get(&it->params, keys[k]);
		sbuf_addf(&sb, " %s", v ? v : "-");
	}
	if (sb.len > len - 2 && len > 3)
		snprintf(buf, len, "%.*s~", (int)len - 3, sb.buf);
	else
		snprintf(buf, len, "%s", sb.buf ? sb.buf : "");
	sbuf_free(&sb);
}

static void summary_group(struct store *st, struct inst **rows, size_t n)
{
	const struct plan_item *first = rows[0]->it;
	struct col cols[SUM_COLS];
	size_t ncol = 0;
	int maxreps = 0;

	double interest[ARRAY_SIZE(key_metrics)];
	const char *keys[8];
	size_t nkeys = varying_keys(rows, n, keys, ARRAY_SIZE(keys));

	/* the metrics that tell the rows apart most, then any that are not all zero */
	for (size_t i = 0; i < ARRAY_SIZE(key_metrics); i++)
		interest[i] = metric_interest(st, rows, n, key_metrics[i].metric);
	while (ncol < SUM_COLS) {
		size_t best = ARRAY_SIZE(key_metrics);
		for (size_t i = 0; i < ARRAY_SIZE(key_metrics); i++)
			if (interest[i] >= 0 &&
			    (best == ARRAY_SIZE(key_metrics) || interest[i] > interest[best]))
				best = i;
		if (best == ARRAY_SIZE(key_metrics))
			break;
		cols[ncol].metric = key_metrics[best].metric;
		cols[ncol].title = key_metrics[best].title;
		cols[ncol].unit = metric_unit(st, rows, n, key_metrics[best].metric);
		ncol++;
		interest[best] = -1;
	}
	/* keep the glossary order whichever pass picked them */
	for (size_t a = 0; a < ncol; a++)
		for (size_t b = a + 1; b < ncol; b++)
			if (key_rank(cols[b].metric) < key_rank(cols[a].metric)) {
				struct col t = cols[a];
				cols[a] = cols[b];
				cols[b] = t;
			}
	for (size_t i = 0; i < n; i++)
		maxreps = MAX(maxreps, rows[i]->it->reps);

	{
		char title[81], job[48] = "";
		if (strcmp(first->job, first->wl->name) && strcmp(first->job, "cli"))
			snprintf(job, sizeof(job), " [%s]", first->job);
		snprintf(title, sizeof(title), "%s%s: %s%s, median +-MAD%%, %d reps", first->wl->name,
			 job, first->be->name, first->be->is_model ? " (model output)" : "", maxreps);
		printf("\n%s\n", title);
	}
	if (nkeys) {
		printf("rows: %s", first->strategy ? "strategy" : "job");
		for (size_t k = 0; k < nkeys; k++)
			printf(", %s", keys[k]);
		putchar('\n');
	}
	printf("%-*s%-*s", W_ID, "run", W_LABEL, first->strategy ? "strategy" : "job");
	for (size_t c = 0; c < ncol; c++)
		printf(" %*.*s", W_CELL - 1, W_CELL - 1, cols[c].title);
	putchar('\n');
	for (size_t r = 0; r < n; r++) {
		const struct inst *in = rows[r];
		char id[16], label[W_LABEL], cell[64];
		snprintf(id, sizeof(id), "%lld", (long long)in->run_id);
		row_label(in, keys, nkeys, label, sizeof(label));
		printf("%-*s%-*s", W_ID, id, W_LABEL, label);
		if (in->failed) {
			printf("  failed: %.*s\n", 80 - W_ID - W_LABEL - 11,
			       in->reason ? in->reason : "?");
			continue;
		}
		for (size_t c = 0; c < ncol; c++) {
			fmt_cell(st, in->run_id, &cols[c], cell, sizeof(cell));
			printf(" %*s", W_CELL - 1, cell);
		}
		putchar('\n');
	}
	for (size_t c = 0; c < ncol; c++)
		free(cols[c].unit);
}

/*
 * Two strategies worth comparing: the two designs argued over (dpamt-v6 on
 * demand vs sean-v5 speculative) when both ran, else the first two.
 */
static void pick_pair(const struct inst *in, size_t n, const char *pair[2])
{
	static const char *const preferred[] = { "dpamt-v6", "sean-v5" };
	const char *seen[2] = { NULL, NULL };
	for (size_t i = 0; i < n; i++) {
		const char *s = in[i].it->strategy;
		if (!s)
			continue;
		for (int k = 0; k < 2; k++)
			if (!strcmp(s, preferred[k]))
				seen[k] = s;
		if (!pair[0])
			pair[0] = s;
		else if (!pair[1] && strcmp(pair[0], s))
			pair[1] = s;
	}
	if (seen[0] && seen[1]) {
		pair[0] = seen[0];
		pair[1] = seen[1];
	}
}

static void print_summary(struct store *st, struct inst *in, size_t n, const char *db_path,
			  int64_t session, bool interrupted)
{
	bool *shown = xcalloc(n + 1, sizeof(bool));
	struct inst **rows = xcalloc(n + 1, sizeof(*rows));
	const char *strat[2] = { NULL, NULL };
	bool any_model = false;
	int kept = 0, runs_kept = 0;

	for (size_t i = 0; i < n; i++) {
		size_t nr = 0;
		if (shown[i])
			continue;
		for (size_t k = i; k < n; k++) {
			/* one table per job and workload: a job is one question asked */
			if (shown[k] || in[k].it->wl != in[i].it->wl || in[k].it->be != in[i].it->be ||
			    strcmp(in[k].it->job, in[i].it->job))
				continue;
			shown[k] = true;
			rows[nr++] = &in[k];
		}
		summary_group(st, rows, nr);
	}
	for (size_t i = 0; i < n; i++) {
		any_model |= in[i].it->be->is_model;
		kept += in[i].kept;
		runs_kept += in[i].kept > 0;
	}
	pick_pair(in, n, strat);
	putchar('\n');
	for (size_t i = 0; i < n; i++)
		if (in[i].failed)
			printf("Failed: run %lld (%s): %s\n", (long long)in[i].run_id, in[i].it->job,
			       in[i].reason);
	if (any_model)
		printf("Model output: numbers come from the embedded model, not from hardware.\n");
	if (interrupted)
		printf("Interrupted: kept %d finished repetitions of %d runs; the rest is not "
		       "stored.\n", kept, runs_kept);
	printf("Database: %s (session %lld, runs %lld-%lld)\n", db_path, (long long)session,
	       (long long)in[0].run_id, (long long)in[n - 1].run_id);
	printf("Next:\n");
	if (interrupted)
		printf("  tdxbench run --resume %lld\n", (long long)in[0].run_id);
	if (strat[1])
		printf("  tdxbench compare session=%lld,strategy=%s session=%lld,strategy=%s\n",
		       (long long)session, strat[0], (long long)session, strat[1]);
	printf("  tdxbench report session=%lld\n", (long long)session);
	printf("  tdxbench show %lld\n", (long long)in[0].run_id);
	free(shown);
	free(rows);
}

/* ---- the run ---- */

static int create_run(struct store *st, int64_t session, int64_t host, struct inst *in)
{
	const struct plan_item *it = in->it;
	char *repro = plan_item_reproduce(it);
	struct run_info ri = {
		.session_id = session,
		.host_id = host,
		.backend = it->be->name,
		.strategy = it->strategy,
		.workload = it->wl->name,
		.label = it->label,
		.job = it->job,
		.seed = it->seed,
		.reps = it->reps,
		.warmup = it->warmup,
		.params = in->failed ? &it->params : &in->resolved,
		.reproduce = repro,
		.is_model = it->be->is_model,
	};
	int ret = store_run_create(st, &ri, &in->run_id);
	free(repro);
	return ret;
}

static int load_done_reps(struct store *st, struct inst *in)
{
	int *reps = NULL;
	size_t n = 0;
	if (store_run_reps(st, in->run_id, &reps, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (reps[i] >= 0 && reps[i] < in->it->reps)
			in->done[reps[i]] = true;
	free(reps);
	return 0;
}

int runner_run(struct plan *pl, const struct runner_opts *o)
{
	struct store *st = o->st;
	struct inst *in = xcalloc(pl->n, sizeof(*in));
	struct progress pg = { 0 };
	struct sigaction old_int, old_term;
	struct host_opts hopts = { .label = o->host_label };
	int64_t host_id = 0, session = o->resume_session;
	int maxreps = 0, maxwarm = 0, rc = EXIT_OK;
	bool stop = false, store_broken = false, any_failed = false, interrupted = false;
	const char *sess_status;

	install_handlers(&old_int, &old_term);
	pg.tty = isatty(2);
	pg.quiet = o->quiet;
	pg.t0 = now_ns();

	if (host_store(st, &hopts, &host_id)) {
		rc = EXIT_FAIL;
		goto out;
	}
	if (!session) {
		struct session_info si = {
			.host_id = host_id,
			.cmdline = o->cmdline,
			.jobfile = pl->jobfiles,
			.jobfile_hash = pl->hash,
			.tool_version = TDXBENCH_VERSION,
			.shard = o->shard,
		};
		if (store_session_begin(st, &si, &session)) {
			rc = EXIT_FAIL;
			goto out;
		}
	}

	/* 1. prepare every instance and give it a run row */
	for (size_t i = 0; i < pl->n; i++) {
		struct inst *x = &in[i];
		x->it = &pl->items[i];
		x->done = xcalloc((size_t)x->it->reps + 1, sizeof(bool));
		inst_prepare(x);
		if (x->it->run_id) {
			x->run_id = x->it->run_id;
			if (load_done_reps(st, x)) {
				store_broken = true;
				break;
			}
		} else if (create_run(st, session, host_id, x)) {
			store_broken = true;
			break;
		}
		if (x->failed) {
			char name[128];
			inst_name(x, name, sizeof(name));
			progress_event(&pg, "run %lld (%s) failed: %s", (long long)x->run_id, name,
				       x->reason);
			store_run_set_status(st, x->run_id, "failed", x->reason);
			continue;
		}
		for (int r = 0; r < x->it->reps; r++)
			x->todo_reps += !x->done[r];
		x->todo_warm = x->todo_reps ? x->it->warmup : 0;
		pg.total += x->todo_reps + x->todo_warm;
		maxreps = MAX(maxreps, x->it->reps);
		maxwarm = MAX(maxwarm, x->todo_warm);
	}

	/* 2. warm-ups, then measured rounds */
	for (int round = -maxwarm; round < maxreps && !store_broken; round++) {
		for (size_t i = 0; i < pl->n && !store_broken; i++) {
			struct inst *x = &in[i];
			int rep = round >= 0 ? round : -1, warm = round + maxwarm;
			uint64_t wall = 0;
			enum rep_outcome res;
			char name[128];

			if (x->failed || !x->it)
				continue;
			if (rep < 0 ? warm >= x->todo_warm : rep >= x->it->reps || x->done[rep])
				continue;
			if (interrupts) {
				stop = true;
				break;
			}
			if (!x->started) {
				x->started = true;
				if (store_run_set_status(st, x->run_id, "running", NULL)) {
					store_broken = true;
					break;
				}
			}
			progress_rep(&pg, in, pl->n, x, rep, warm, NULL);
			res = run_one(st, x, rep, warm, &wall);
			if (res == REP_ABORTED) {
				stop = true;
				break;
			}
			if (res == REP_STORE_ERROR) {
				store_broken = true;
				break;
			}
			pg.done++;
			pg.all_wall += wall;
			pg.all_n++;
			x->wall_sum += wall;
			x->wall_n++;
			if (rep >= 0) {
				x->todo_reps--;
				if (res == REP_OK) {
					x->done[rep] = true;
					x->kept++;
				}
			} else {
				x->todo_warm--;
			}
			if (res == REP_FAILED) {
				inst_name(x, name, sizeof(name));
				progress_event(&pg, "run %lld (%s) failed: %s", (long long)x->run_id,
					       name, x->reason);
				store_run_set_status(st, x->run_id, "failed", x->reason);
				continue;
			}
			progress_rep(&pg, in, pl->n, x, rep, warm, "ok");
		}
		if (stop)
			break;
	}
	progress_clear(&pg);
	stop |= interrupts > 0;

	/* 3. final statuses */
	for (size_t i = 0; i < pl->n; i++) {
		struct inst *x = &in[i];
		bool complete = true;
		if (!x->it || !x->run_id)
			continue;
		if (x->failed) {
			any_failed = true;
			continue;
		}
		for (int r = 0; r < x->it->reps; r++)
			complete &= x->done[r];
		if (complete) {
			store_run_set_status(st, x->run_id, "done", NULL);
		} else {
			interrupted = true;
			store_run_set_status(st, x->run_id, "interrupted",
					     store_broken ? "store error" :
					     abort_now ? "interrupted (twice): unfinished repetition dropped" :
					     "interrupted after a finished repetition");
		}
	}
	sess_status = interrupted ? "interrupted" : any_failed || store_broken ? "failed" : "done";
	store_session_finish(st, session, sess_status);
	if (store_broken)
		rc = EXIT_FAIL;
	else if (interrupted && stop)
		rc = EXIT_INTERRUPTED;
	else if (any_failed || interrupted)
		rc = EXIT_FAIL;

	if (!store_broken && pl->n && in[0].run_id)
		print_summary(st, in, pl->n, o->db_path, session, interrupted);
out:
	restore_handlers(&old_int, &old_term);
	for (size_t i = 0; i < pl->n; i++) {
		params_free(&in[i].resolved);
		free(in[i].done);
		free(in[i].reason);
	}
	free(in);
	return rc;
}

/* ---- resume ---- */

int runner_resume_plan(struct store *st, int64_t run_id, struct plan *pl, int64_t *session)
{
	struct run_filter f = { 0 };
	struct run_row *rows = NULL;
	size_t n = 0;
	int ret = 0;

	memset(pl, 0, sizeof(*pl));
	f.id_lo = f.id_hi = run_id;
	if (store_runs(st, &f, &rows, &n))
		return -1;
	if (!n) {
		store_free_runs(rows, n);
		return error("no run %lld in the database", (long long)run_id);
	}
	*session = rows[0].session_id;
	store_free_runs(rows, n);

	memset(&f, 0, sizeof(f));
	f.session_id = *session;
	if (store_runs(st, &f, &rows, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct run_row *r = &rows[i];
		const struct backend_ops *be;
		const struct workload_desc *wl;
		struct plan_item *it;
		if (!strcmp(r->status, "done") || !strcmp(r->status, "failed"))
			continue;
		be = backend_find(r->backend);
		wl = workload_find(r->workload);
		if (!be || !wl) {
			char *why = xasprintf("%s '%s' is not built into this tdxbench",
					      be ? "workload" : "backend", be ? r->workload : r->backend);
			error("run %lld: %s", (long long)r->id, why);
			store_run_set_status(st, r->id, "failed", why);
			free(why);
			continue;
		}
		GROW(pl->items, pl->cap, pl->n + 1);
		it = &pl->items[pl->n++];
		memset(it, 0, sizeof(*it));
		it->job = xstrdup(r->job ? r->job : "resumed");
		it->where = xasprintf("run %lld", (long long)r->id);
		it->be = be;
		it->wl = wl;
		it->strategy = r->strategy ? xstrdup(r->strategy) : NULL;
		it->reps = r->reps;
		it->warmup = r->warmup;
		it->seed = r->seed;
		it->label = r->label ? xstrdup(r->label) : NULL;
		it->run_id = r->id;
		if (store_run_params(st, r->id, &it->params)) {
			ret = -1;
			break;
		}
	}
	store_free_runs(rows, n);
	if (ret)
		plan_free(pl);
	return ret;
}
