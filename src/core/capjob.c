/* Model runs of the capacity study, a few at once in child processes (capjob.h). */
#include "core/capjob.h"
#include "backend/backend.h"
#include "lib/opts.h"
#include "lib/util.h"
#include "workloads/workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* multi-td wants at least 2 TDs; one TD is a boot */
static const struct workload_desc *job_workload(const struct params *p)
{
	uint64_t tds = 1;
	params_get_u64(p, "tds", 1, &tds, NULL, 0);
	return workload_find(tds > 1 ? "multi-td" : "boot");
}

static int job_prepare(const struct cap_job *j, struct params *p, struct run_spec *spec,
		       char *err, size_t errlen)
{
	const struct backend_ops *be = backend_find("sim");
	const struct workload_desc *wl;

	memset(spec, 0, sizeof(*spec));
	if (!be) {
		snprintf(err, errlen, "the sim backend is not built in");
		return -1;
	}
	if (params_parse_assignments(p, j->assign, err, errlen))
		return -1;
	wl = job_workload(p);
	params_setf(p, "seed", "%llu", (unsigned long long)j->seed);
	if (be->resolve(j->strategy, p, err, errlen))
		return -1;
	opt_fill_defaults(wl->params, p);
	opt_fill_defaults(workload_common_opts, p);
	if (wl->build(p, &spec->work, err, errlen))
		return -1;
	spec->strategy = j->strategy;
	spec->wl = wl;
	spec->params = p;
	spec->seed = j->seed;
	/* every figure the study reads comes from the boot: no teardown after it */
	spec->measured_only = true;
	if (be->check && be->check(spec, err, errlen))
		return -1;
	return 0;
}

int cap_job_check(const struct cap_job *j, char *err, size_t errlen)
{
	struct params p = PARAMS_INIT;
	struct run_spec spec;
	int rc = job_prepare(j, &p, &spec, err, errlen);
	params_free(&p);
	return rc;
}

static void job_run_here(struct cap_job *j)
{
	const struct backend_ops *be = backend_find("sim");
	struct params p = PARAMS_INIT;
	struct run_spec spec;
	struct run_result res;

	j->ok = false;
	result_init(&res);
	if (!job_prepare(j, &p, &spec, j->err, sizeof(j->err)) &&
	    be->run(&spec, &res, j->err, sizeof(j->err)) == BACKEND_OK) {
		j->ok = true;
		for (int m = 0; m < CM_N; m++) {
			const struct result_metric *rm = result_find_metric(&res, cap_metrics[m].name);
			j->v[m] = rm ? rm->value : 0;
		}
		for (size_t i = 0; i < res.n_notes; i++)
			if (!strcmp(res.notes[i].key, "host_mem"))
				parse_double(res.notes[i].value, &j->host_mem);
	}
	result_free(&res);
	params_free(&p);
}

/* What a child sends back: fixed size, well under PIPE_BUF, one write. */
struct job_msg {
	int ok;
	double v[CM_N];
	double host_mem;
	char err[232];
};

struct slot {
	pid_t pid;
	int fd;
	size_t job;
};

/* The child in sl has exited with status: its message is in the pipe (< PIPE_BUF). */
static void collect(struct cap_job *jobs, struct slot *sl, int status)
{
	struct job_msg m;
	ssize_t got;

	do
		got = read(sl->fd, &m, sizeof(m));
	while (got < 0 && errno == EINTR);
	close(sl->fd);
	if (got != (ssize_t)sizeof(m)) {
		jobs[sl->job].ok = false;
		snprintf(jobs[sl->job].err, sizeof(jobs[sl->job].err),
			 "model run ended without a result (exit status %d)", status);
		return;
	}
	jobs[sl->job].ok = m.ok;
	memcpy(jobs[sl->job].v, m.v, sizeof(m.v));
	jobs[sl->job].host_mem = m.host_mem;
	memcpy(jobs[sl->job].err, m.err, sizeof(m.err));
}

static int spawn(struct cap_job *j, struct slot *sl)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	sl->pid = fork();
	if (sl->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (sl->pid == 0) {
		struct job_msg m;
		close(fds[0]);
		memset(&m, 0, sizeof(m));
		job_run_here(j);
		m.ok = j->ok;
		memcpy(m.v, j->v, sizeof(m.v));
		m.host_mem = j->host_mem;
		memcpy(m.err, j->err, sizeof(m.err));
		if (write(fds[1], &m, sizeof(m)) != (ssize_t)sizeof(m))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	sl->fd = fds[0];
	return 0;
}

void cap_jobs_run(struct cap_job *jobs, size_t n, unsigned workers, bool progress)
{
	struct slot *sl;
	size_t next = 0, running = 0, done = 0;

	if (workers <= 1) {
		for (size_t i = 0; i < n; i++) {
			job_run_here(&jobs[i]);
			if (progress && !(++done % 16))
				fputc('.', stderr);
		}
		return;
	}
	sl = xcalloc(workers, sizeof(*sl));
	fflush(NULL);	/* a child must not repeat our buffered output */
	while (next < n || running) {
		for (unsigned w = 0; w < workers && next < n; w++) {
			if (sl[w].pid)
				continue;
			sl[w].job = next;
			if (spawn(&jobs[next], &sl[w])) {
				/* no process to spare: run it here */
				sl[w].pid = 0;
				job_run_here(&jobs[next]);
			} else {
				running++;
			}
			next++;
		}
		if (!running)
			continue;
		/* whichever child ends first: runs differ a lot in length */
		{
			int status;
			pid_t pid = waitpid(-1, &status, 0);
			if (pid < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (unsigned w = 0; w < workers; w++) {
				if (sl[w].pid != pid)
					continue;
				collect(jobs, &sl[w], status);
				sl[w].pid = 0;
				running--;
				if (progress && !(++done % 16))
					fputc('.', stderr);
			}
		}
	}
	free(sl);
}
