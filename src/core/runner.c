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

/*
 * Signals that end a run (Ctrl-C, kill, a closed terminal) take the Ctrl-C
 * path, so statuses stay true. SIGPIPE is ignored: `run | head -1` closes
 * stdout, and losing the summary must not leave the session running forever.
 */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

struct saved_handlers {
	struct sigaction stop[ARRAY_SIZE(stop_signals)];
	struct sigaction pipe;
};

static void install_handlers(struct saved_handlers *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	interrupts = 0;
	abort_now = 0;
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &sa, &old->stop[i]);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old->pipe);
}

static void restore_handlers(const struct saved_handlers *old)
{
	for (size_t i = 0; i < ARRAY_SIZE(stop_signals); i++)
		sigaction(stop_signals[i], &old->stop[i], NULL);
	sigaction(SIGPIPE, &old->pipe, NULL);
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

/* Not on a terminal (a log, CI): one progress line at most this often
 * (TDXBENCH_PROGRESS_MS overrides it). */
#define LOG_EVERY_NS 5000000000ULL
/* On a terminal: redraw the live line at most this often. */
#define DRAW_EVERY_NS 100000000ULL

struct progress {
	bool tty, quiet;
	uint64_t t0, log_every;
	int total, done;
	bool line_up;		/* a \r line is on screen */
	uint64_t drawn;		/* when it was last drawn (tty) or printed (log) */
	uint64_t all_wall;
	int all_n;
	/* the repetition under way, and how far the backend says it got */
	const struct inst *all, *cur;
	size_t n;
	int rep, warm;
	uint64_t rep_t0;
	double frac;
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

/*
 * Time left: each instance's reps to go at its own mean wall time (others'
 * mean before it has one), less the part of the current rep already done.
 * Before any rep finished, the current one's pace (elapsed / fraction done)
 * is the estimate. 0 = unknown.
 */
static uint64_t eta_ns(const struct progress *pg, uint64_t now)
{
	double avg = pg->all_n ? (double)pg->all_wall / pg->all_n : 0, left = 0;

	if (!avg && pg->cur && pg->frac >= 0.01)
		avg = (double)(now - pg->rep_t0) / pg->frac;
	if (!avg)
		return 0;
	for (size_t i = 0; i < pg->n; i++) {
		const struct inst *in = &pg->all[i];
		double per = in->wall_n ? (double)in->wall_sum / in->wall_n : avg;
		if (in->failed)
			continue;
		left += per * (in->todo_reps + in->todo_warm);
		if (in != pg->cur)
			continue;
		/* the current rep: what the backend says is left, else what history says */
		left -= per;
		if (pg->frac >= 0.05)
			left += (double)(now - pg->rep_t0) * (1 / pg->frac - 1);
		else
			left += MAX(0.0, per - (double)(now - pg->rep_t0));
	}
	return left > 0 ? (uint64_t)left : 0;
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

/* The live line (tty) or a log line: where we are, elapsed, ETA. */
static void progress_draw(struct progress *pg, bool force)
{
	char name[128], el[32], eta[32], line[256], pct[16] = "";
	uint64_t now = now_ns(), e;
	const struct inst *in = pg->cur;

	if (pg->quiet || !in)
		return;
	if (!force && pg->drawn && now - pg->drawn < (pg->tty ? DRAW_EVERY_NS : pg->log_every))
		return;
	pg->drawn = now;
	inst_name(in, name, sizeof(name));
	fmt_dur(now - pg->t0, el, sizeof(el));
	e = eta_ns(pg, now);
	if (e)
		fmt_dur(e, eta, sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "?");
	if (pg->frac > 0 && pg->frac < 1)
		snprintf(pct, sizeof(pct), " %.0f%%", pg->frac * 100);
	if (pg->rep >= 0)
		snprintf(line, sizeof(line), "[%d/%d] %s rep %d/%d%s", pg->done + 1, pg->total, name,
			 pg->rep + 1, in->it->reps, pct);
	else
		snprintf(line, sizeof(line), "[%d/%d] %s warm-up %d/%d%s", pg->done + 1, pg->total,
			 name, pg->warm + 1, in->it->warmup, pct);
	if (pg->tty) {
		/* keep it to one 80-column line */
		fprintf(stderr, "\r%.52s  %s elapsed, ETA %s\033[K", line, el, eta);
		pg->line_up = true;
	} else {
		fprintf(stderr, "tdxbench: %s (elapsed %s, ETA %s)\n", line, el, eta);
	}
	fflush(stderr);
}

/* A repetition starts: the line shows it at once on a tty, in a log when due. */
static void progress_rep(struct progress *pg, const struct inst *in, int rep, int warm)
{
	pg->cur = in;
	pg->rep = rep;
	pg->warm = warm;
	pg->frac = 0;
	pg->rep_t0 = now_ns();
	progress_draw(pg, pg->tty);
}

/* The backend's word on the repetition under way (run_spec.progress). */
static void progress_frac(void *ctx, double frac)
{
	struct progress *pg = ctx;
	pg->frac = frac;
	progress_draw(pg, false);
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
	if (plan_item_resolve(in->it, &in->resolved, err, sizeof(err))) {
		inst_fail(in, err);
		return;
	}

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
				struct progress *pg, uint64_t *wall)
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
	spec.progress = progress_frac;
	spec.progress_ctx = pg;
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

static void keep_outcome(const struct inst *in, size_t n, int64_t session, bool interrupted,
			 struct runner_outcome *out)
{
	out->rows = xcalloc(n, sizeof(*out->rows));
	out->n = 0;
	out->session = session;
	out->interrupted = interrupted;
	for (size_t i = 0; i < n; i++) {
		struct runner_row *row = &out->rows[out->n];
		/* a second Ctrl-C during preparation leaves the rest without a row */
		if (!in[i].it || !in[i].run_id)
			continue;
		row->it = in[i].it;
		row->run_id = in[i].run_id;
		row->failed = in[i].failed;
		row->reason = in[i].reason ? xstrdup(in[i].reason) : NULL;
		row->kept = in[i].kept;
		out->n++;
	}
}

void runner_outcome_free(struct runner_outcome *out)
{
	for (size_t i = 0; i < out->n; i++)
		free(out->rows[i].reason);
	free(out->rows);
	memset(out, 0, sizeof(*out));
}

/* What one invocation of runner_run works with. */
struct run_state {
	struct store *st;
	struct inst *in;
	size_t n;
	struct progress pg;
	int maxreps, maxwarm;
	bool stop, store_broken;
};

/* 1. prepare every instance and give it a run row */
static void prepare_all(struct run_state *rs, struct plan *pl, int64_t session, int64_t host_id)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct inst *x = &rs->in[i];
		/* a second Ctrl-C stops here too: the rows made so far are resumable */
		if (abort_now) {
			rs->stop = true;
			return;
		}
		x->it = &pl->items[i];
		x->done = xcalloc((size_t)x->it->reps + 1, sizeof(bool));
		inst_prepare(x);
		if (x->it->run_id) {
			x->run_id = x->it->run_id;
			if (load_done_reps(rs->st, x)) {
				rs->store_broken = true;
				return;
			}
		} else if (create_run(rs->st, session, host_id, x)) {
			rs->store_broken = true;
			return;
		}
		if (x->failed) {
			char name[128];
			inst_name(x, name, sizeof(name));
			progress_event(&rs->pg, "run %lld (%s) failed: %s", (long long)x->run_id, name,
				       x->reason);
			store_run_set_status(rs->st, x->run_id, "failed", x->reason);
			continue;
		}
		for (int r = 0; r < x->it->reps; r++)
			x->todo_reps += !x->done[r];
		x->todo_warm = x->todo_reps ? x->it->warmup : 0;
		rs->pg.total += x->todo_reps + x->todo_warm;
		rs->maxreps = MAX(rs->maxreps, x->it->reps);
		rs->maxwarm = MAX(rs->maxwarm, x->todo_warm);
	}
}

/* Count one finished repetition (or warm-up) of x. */
static void rep_finished(struct run_state *rs, struct inst *x, int rep, enum rep_outcome res,
			 uint64_t wall)
{
	rs->pg.done++;
	rs->pg.all_wall += wall;
	rs->pg.all_n++;
	x->wall_sum += wall;
	x->wall_n++;
	if (rep < 0) {
		x->todo_warm--;
		return;
	}
	x->todo_reps--;
	if (res == REP_OK) {
		x->done[rep] = true;
		x->kept++;
	}
}

/* Round `round` (< 0: a warm-up): one repetition of every instance that needs it. */
static void run_round(struct run_state *rs, int round)
{
	for (size_t i = 0; i < rs->n && !rs->store_broken; i++) {
		struct inst *x = &rs->in[i];
		int rep = round >= 0 ? round : -1, warm = round + rs->maxwarm;
		uint64_t wall = 0;
		enum rep_outcome res;
		char name[128];

		if (x->failed || !x->it)
			continue;
		if (rep < 0 ? warm >= x->todo_warm : rep >= x->it->reps || x->done[rep])
			continue;
		if (interrupts) {
			rs->stop = true;
			return;
		}
		if (!x->started) {
			x->started = true;
			if (store_run_set_status(rs->st, x->run_id, "running", NULL)) {
				rs->store_broken = true;
				return;
			}
		}
		progress_rep(&rs->pg, x, rep, warm);
		res = run_one(rs->st, x, rep, warm, &rs->pg, &wall);
		if (res == REP_ABORTED) {
			rs->stop = true;
			return;
		}
		if (res == REP_STORE_ERROR) {
			rs->store_broken = true;
			return;
		}
		rep_finished(rs, x, rep, res, wall);
		if (res == REP_FAILED) {
			inst_name(x, name, sizeof(name));
			progress_event(&rs->pg, "run %lld (%s) failed: %s", (long long)x->run_id,
				       name, x->reason);
			store_run_set_status(rs->st, x->run_id, "failed", x->reason);
			continue;
		}
	}
}

/* 3. final statuses; *any_failed, and whether some run is left unfinished */
static bool finish_statuses(struct run_state *rs, bool *any_failed)
{
	bool interrupted = false;
	for (size_t i = 0; i < rs->n; i++) {
		struct inst *x = &rs->in[i];
		bool complete = true;
		if (!x->it || !x->run_id)
			continue;
		if (x->failed) {
			*any_failed = true;
			continue;
		}
		for (int r = 0; r < x->it->reps; r++)
			complete &= x->done[r];
		if (complete) {
			store_run_set_status(rs->st, x->run_id, "done", NULL);
		} else {
			interrupted = true;
			store_run_set_status(rs->st, x->run_id, "interrupted",
					     rs->store_broken ? "store error" :
					     abort_now ? "interrupted (twice): unfinished repetition dropped" :
					     "interrupted after a finished repetition");
		}
	}
	return interrupted;
}

static int begin_session(struct store *st, struct plan *pl, const struct runner_opts *o,
			 int64_t *host_id, int64_t *session)
{
	struct host_opts hopts = { .label = o->host_label, .kernel_tree = o->kernel_tree };
	struct session_info si = {
		.cmdline = o->cmdline,
		.jobfile = pl->jobfiles,
		.jobfile_hash = pl->hash,
		.tool_version = TDXBENCH_VERSION,
		.shard = o->shard,
	};

	if (host_store(st, &hopts, host_id))
		return -1;
	*session = o->resume_session;
	if (*session)
		return 0;	/* runner_resume_plan() holds its lock already */
	si.host_id = *host_id;
	if (store_session_begin(st, &si, session))
		return -1;
	/* held until this process ends, however it ends: see src/store/lock.c */
	if (store_session_lock(st, *session)) {
		store_session_finish(st, *session, "failed");
		return -1;
	}
	return 0;
}

int runner_run(struct plan *pl, const struct runner_opts *o, struct runner_outcome *out)
{
	struct run_state rs = { .st = o->st, .n = pl->n };
	struct saved_handlers old_handlers;
	int64_t host_id = 0, session = 0;
	int rc = EXIT_OK;
	bool any_failed = false, interrupted;

	if (out)
		memset(out, 0, sizeof(*out));
	rs.in = xcalloc(pl->n, sizeof(*rs.in));
	install_handlers(&old_handlers);
	rs.pg.tty = isatty(2);
	rs.pg.quiet = o->quiet;
	rs.pg.t0 = now_ns();
	rs.pg.all = rs.in;
	rs.pg.n = pl->n;
	rs.pg.log_every = LOG_EVERY_NS;
	{
		const char *env = getenv("TDXBENCH_PROGRESS_MS");
		uint64_t ms;
		if (env && !parse_u64(env, &ms))
			rs.pg.log_every = ms * 1000000ULL;
	}

	if (begin_session(rs.st, pl, o, &host_id, &session)) {
		rc = EXIT_FAIL;
		goto out;
	}
	prepare_all(&rs, pl, session, host_id);
	/* 2. warm-ups, then measured rounds */
	for (int round = -rs.maxwarm; round < rs.maxreps && !rs.store_broken && !rs.stop; round++)
		run_round(&rs, round);
	progress_clear(&rs.pg);
	rs.stop |= interrupts > 0;

	interrupted = finish_statuses(&rs, &any_failed);
	store_session_finish(rs.st, session, interrupted ? "interrupted" :
				any_failed || rs.store_broken ? "failed" : "done");
	if (rs.store_broken)
		rc = EXIT_FAIL;
	else if (interrupted && rs.stop)
		rc = EXIT_INTERRUPTED;
	else if (any_failed || interrupted)
		rc = EXIT_FAIL;

	if (out && !rs.store_broken && pl->n && rs.in[0].run_id)
		keep_outcome(rs.in, pl->n, session, interrupted, out);
	else if (rs.store_broken && pl->n && rs.in[0].run_id) {
		char *q = shell_quote(store_path(o->st));
		error("the database could not be written (see above); what finished is kept: "
		      "once it can be (disk space?), finish with 'tdxbench --db %s run --resume %lld'",
		      q, (long long)rs.in[0].run_id);
		free(q);
	}
out:
	restore_handlers(&old_handlers);
	for (size_t i = 0; i < pl->n; i++) {
		params_free(&rs.in[i].resolved);
		free(rs.in[i].done);
		free(rs.in[i].reason);
	}
	free(rs.in);
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
	/* before reading what is missing: two resumes must not both do it */
	switch (store_session_lock(st, *session)) {
	case 0:
		break;
	case 1:
		return error("session %lld is being run by another tdxbench process (if none is, "
			     "'tdxbench db check' says so)", (long long)*session);
	default:
		return -1;
	}

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
