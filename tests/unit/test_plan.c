/* Unit tests: job-file parsing (inih + include=), value expansion, matrix plans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "core/jobfile.h"
#include "core/plan.h"
#include "lib/util.h"

/* A backend with strategies and knobs of every numeric kind, never run. */
static const char *const fake_modes[] = { "exact", "fill", NULL };
static const struct opt_desc fake_knobs[] = {
	{ .name = "cap", .type = OPT_U64, .def = "40", .help = "cache capacity", .unit = "pages" },
	{ .name = "mode", .type = OPT_ENUM, .def = "exact", .help = "top-up mode", .choices = fake_modes },
	{ .name = "cost", .type = OPT_NS, .def = "100", .help = "a cost", .unit = "ns", .source = "assumed" },
	{ .name = NULL },
};
static const char *const fake_strategies[] = { "a", "b", "c", NULL };
static const struct backend_ops fake_backend = {
	.name = "fake", .knobs = fake_knobs, .strategies = fake_strategies, .is_model = true,
};
static const struct backend_ops plain_backend = { .name = "plain" };
static const struct backend_ops *const fake_all[] = { &fake_backend, &plain_backend, NULL };

static char tmpdir[64];

static char *write_tmp(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Run fn with stderr captured into a malloc'd string. */
static char *captured;
static int saved_fd = -1;
static void capture_begin(void)
{
	char *p = xasprintf("%s/stderr", tmpdir);
	fflush(stderr);
	saved_fd = dup(2);
	assert_non_null(freopen(p, "w", stderr));
	free(p);
}
static void capture_end(void)
{
	char *p = xasprintf("%s/stderr", tmpdir);
	size_t len;
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	free(captured);
	captured = read_file(p, &len);
	assert_non_null(captured);
	free(p);
}

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tdxb-plan.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	free(captured);
	captured = NULL;
	return rc;
}

static void expect_values(const char *value, enum opt_type t, const char *const *want)
{
	char **v, err[256];
	size_t n, i;
	assert_int_equal(plan_expand_value(value, t, &v, &n, err, sizeof(err)), 0);
	for (i = 0; want[i]; i++) {
		assert_true(i < n);
		assert_string_equal(v[i], want[i]);
	}
	assert_int_equal(n, i);
	plan_free_values(v, n);
}

static void expect_bad_value(const char *value, enum opt_type t, const char *msg)
{
	char **v, err[256];
	size_t n;
	assert_int_equal(plan_expand_value(value, t, &v, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, msg));
}

static void test_expand_values(void **state)
{
	expect_values("1,2,4,8", OPT_U64, (const char *const[]){ "1", "2", "4", "8", NULL });
	expect_values("8..64:8", OPT_U64,
		      (const char *const[]){ "8", "16", "24", "32", "40", "48", "56", "64", NULL });
	expect_values("1..16:*2", OPT_U64, (const char *const[]){ "1", "2", "4", "8", "16", NULL });
	expect_values("1..3", OPT_U64, (const char *const[]){ "1", "2", "3", NULL });
	expect_values("5..12:5", OPT_U64, (const char *const[]){ "5", "10", NULL });
	expect_values("1G..4G:1G", OPT_SIZE, (const char *const[]){ "1G", "2G", "3G", "4G", NULL });
	expect_values("512M..2G:512M", OPT_SIZE,
		      (const char *const[]){ "512M", "1G", "1536M", "2G", NULL });
	expect_values("0,4..6, 9", OPT_U64, (const char *const[]){ "0", "4", "5", "6", "9", NULL });
	expect_values("dpamt-v6, sean-v5", OPT_STRING,
		      (const char *const[]){ "dpamt-v6", "sean-v5", NULL });
	/* a range is text for non-numeric keys; enum validation rejects it later */
	expect_values("a..b", OPT_ENUM, (const char *const[]){ "a..b", NULL });

	expect_bad_value("8..4", OPT_U64, "backwards");
	expect_bad_value("1,,2", OPT_U64, "empty element");
	expect_bad_value("1,", OPT_U64, "empty element");
	expect_bad_value("x..4", OPT_U64, "integer");
	expect_bad_value("1G..4G", OPT_SIZE, "needs a step");
	expect_bad_value("1..8:0", OPT_U64, "positive");
	expect_bad_value("0..8:*2", OPT_U64, "non-zero");
	expect_bad_value("1..100000", OPT_U64, "more than");
	expect_bad_value("0.5..2", OPT_DOUBLE, "integer or size");
}

static void test_jobfile_sections_and_include(void **state)
{
	struct jobfile jf;
	char *inc = write_tmp("common.inc", "mem=64M\nvcpus=2\n[extra]\nworkload=teardown\n");
	char *main_ini = write_tmp("main.ini",
				   "; a comment\n"
				   "[global]\n"
				   "backend=fake\n"
				   "include=common.inc\n"
				   "\n"
				   "[j1]\n"
				   "workload = boot\n"
				   "strategy=a,b ; inline comment\n"
				   "vcpus=1,\n"
				   "  2,4\n");
	const struct job_kv *kv;

	assert_int_equal(jobfile_load(&jf, main_ini), 0);
	assert_string_equal(job_get(&jf.global, "backend")->value, "fake");
	kv = job_get(&jf.global, "mem");
	assert_non_null(kv);
	assert_string_equal(kv->value, "64M");
	assert_non_null(strstr(kv->file, "common.inc"));
	assert_int_equal(kv->line, 1);
	assert_int_equal(jf.njobs, 2);	/* [extra] from the include, then [j1] */
	assert_string_equal(jf.jobs[0].name, "extra");
	assert_string_equal(jf.jobs[1].name, "j1");
	kv = job_get(&jf.jobs[1], "workload");
	assert_string_equal(kv->value, "boot");
	assert_int_equal(kv->line, 7);
	assert_string_equal(job_get(&jf.jobs[1], "strategy")->value, "a,b");
	/* an indented line continues the list */
	assert_string_equal(job_get(&jf.jobs[1], "vcpus")->value, "1,2,4");
	assert_int_equal(jf.nfiles, 2);
	jobfile_free(&jf);
	free(inc);
	free(main_ini);
}

static void test_jobfile_errors(void **state)
{
	struct jobfile jf;
	char *a = write_tmp("cyc-a.ini", "[global]\ninclude=cyc-b.ini\n");
	char *b = write_tmp("cyc-b.ini", "mem=1G\ninclude=cyc-a.ini\n");
	char *dup = write_tmp("dup.ini", "[j]\nmem=1G\nworkload=boot\nmem=2G\n");
	char *syn = write_tmp("syn.ini", "[j]\nworkload=boot\nthis is not ini\n");
	char *miss = write_tmp("miss.ini", "[j]\n\ninclude=nope.ini\n");
	char *indent = write_tmp("indent.ini", "[j]\nmem=1G\n  vcpus=2\n");
	char *msg;

	capture_begin();
	assert_int_equal(jobfile_load(&jf, a), -1);
	capture_end();
	jobfile_free(&jf);
	assert_non_null(strstr(captured, "cyc-b.ini:2: include cycle"));

	capture_begin();
	assert_int_equal(jobfile_load(&jf, dup), -1);
	capture_end();
	jobfile_free(&jf);
	msg = xasprintf("%s:4: 'mem' set twice in [j] (first at line 2)", dup);
	assert_non_null(strstr(captured, msg));
	free(msg);

	capture_begin();
	assert_int_equal(jobfile_load(&jf, syn), -1);
	capture_end();
	jobfile_free(&jf);
	msg = xasprintf("%s:3: syntax error", syn);
	assert_non_null(strstr(captured, msg));
	free(msg);

	capture_begin();
	assert_int_equal(jobfile_load(&jf, miss), -1);
	capture_end();
	jobfile_free(&jf);
	msg = xasprintf("%s:3: cannot include", miss);
	assert_non_null(strstr(captured, msg));
	free(msg);

	capture_begin();
	assert_int_equal(jobfile_load(&jf, indent), -1);
	capture_end();
	jobfile_free(&jf);
	assert_non_null(strstr(captured, ":3: indented line is read as a continuation of 'mem'"));

	capture_begin();
	assert_int_equal(jobfile_load(&jf, "/nonexistent/x.ini"), -1);
	capture_end();
	jobfile_free(&jf);
	assert_non_null(strstr(captured, "cannot read job file '/nonexistent/x.ini'"));

	free(a);
	free(b);
	free(dup);
	free(syn);
	free(miss);
	free(indent);
}

static struct plan_overrides fake_ov(void)
{
	struct plan_overrides ov = PLAN_OVERRIDES_INIT;
	ov.backends = fake_all;
	return ov;
}

static int load_plan(const char *name, const char *text, const struct plan_overrides *ov,
		     struct plan *pl)
{
	struct jobfile jf;
	char *path = write_tmp(name, text);
	int ret = jobfile_load(&jf, path);
	if (!ret)
		ret = plan_build(pl, &jf, 1, ov);
	jobfile_free(&jf);
	free(path);
	return ret;
}

static void test_plan_matrix(void **state)
{
	struct plan pl;
	struct plan_overrides ov = fake_ov();
	const char *want[][3] = {	/* vcpus, cap, strategy: last key fastest, strategy innermost */
		{ "1", "8", "a" }, { "1", "8", "b" }, { "1", "16", "a" }, { "1", "16", "b" },
		{ "1", "24", "a" }, { "1", "24", "b" }, { "2", "8", "a" },
	};

	assert_int_equal(load_plan("m.ini",
				   "[global]\nbackend=fake\nmem=64M\nreps=3\nseed=7\n"
				   "[j1]\nworkload=boot\nstrategy=a,b\nvcpus=1,2,4\ncap=8..24:8\n"
				   "[j2]\nworkload=random4k,teardown\nreps=2\nlabel=x,y\n",
				   &ov, &pl), 0);
	assert_int_equal(pl.n, 2 * 3 * 3 + 2);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct plan_item *it = &pl.items[i];
		assert_string_equal(it->job, "j1");
		assert_string_equal(it->wl->name, "boot");
		assert_string_equal(params_get(&it->params, "vcpus"), want[i][0]);
		assert_string_equal(params_get(&it->params, "cap"), want[i][1]);
		assert_string_equal(it->strategy, want[i][2]);
		assert_string_equal(params_get(&it->params, "mem"), "64M");
		assert_int_equal(it->reps, 3);
		assert_int_equal(it->seed, 7);
		assert_null(it->label);
	}
	assert_string_equal(pl.items[18].wl->name, "random4k");
	assert_string_equal(pl.items[19].wl->name, "teardown");
	assert_null(pl.items[18].strategy);
	assert_int_equal(pl.items[18].reps, 2);
	assert_string_equal(pl.items[18].label, "x,y");
	assert_non_null(pl.hash);
	assert_int_equal(strlen(pl.hash), 64);
	{
		char *d = plan_item_describe(&pl.items[0]);
		char *r = plan_item_reproduce(&pl.items[0]);
		assert_string_equal(d, "j1: fake strategy=a workload=boot cap=8,mem=64M,vcpus=1 "
				       "reps=3 seed=7");
		assert_string_equal(r, "tdxbench run --backend fake --strategy a --workload boot "
				       "--set cap=8,mem=64M,vcpus=1 --reps 3 --warmup 0 --seed 7");
		free(d);
		free(r);
	}
	plan_free(&pl);
}

static void test_plan_shared_keys_and_overrides(void **state)
{
	struct plan pl;
	struct plan_overrides ov = fake_ov();

	/* window= is convert-churn's: [global] may carry it past boot */
	ov.set = "vcpus=8,mode=fill";
	ov.strategy = "c";
	ov.reps = 9;
	assert_int_equal(load_plan("s.ini",
				   "[global]\nbackend=fake\nwindow=16M\nvcpus=2\n"
				   "[boot]\nworkload=boot\nstrategy=a\n"
				   "[churn]\nworkload=convert-churn\n",
				   &ov, &pl), 0);
	assert_int_equal(pl.n, 2);
	assert_null(params_get(&pl.items[0].params, "window"));
	assert_string_equal(params_get(&pl.items[1].params, "window"), "16M");
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(params_get(&pl.items[i].params, "vcpus"), "8");
		assert_string_equal(params_get(&pl.items[i].params, "mode"), "fill");
		assert_string_equal(pl.items[i].strategy, "c");
		assert_int_equal(pl.items[i].reps, 9);
		assert_int_equal(pl.items[i].seed, PLAN_DEFAULT_SEED);
	}
	plan_free(&pl);

	/* flags alone make one job */
	ov = fake_ov();
	ov.backend = "fake";
	ov.workload = "boot,random4k";
	ov.strategy = "a,b";
	ov.set = "mem=8M";
	assert_int_equal(plan_build(&pl, NULL, 0, &ov), 0);
	assert_int_equal(pl.n, 4);
	assert_string_equal(pl.items[3].job, "cli");
	assert_string_equal(pl.items[3].wl->name, "random4k");
	assert_string_equal(pl.items[3].strategy, "b");
	assert_null(pl.hash);
	plan_free(&pl);

	/* a file with [global] only is one job named after the file */
	ov = fake_ov();
	assert_int_equal(load_plan("solo.ini", "backend=fake\nworkload=boot\n", &ov, &pl), 0);
	assert_int_equal(pl.n, 1);
	assert_string_equal(pl.items[0].job, "solo");
	plan_free(&pl);
}

static void expect_plan_error(const char *text, const char *set, const char *msg)
{
	struct plan pl;
	struct plan_overrides ov = fake_ov();
	ov.set = set;
	capture_begin();
	assert_int_equal(load_plan("e.ini", text, &ov, &pl), -1);
	capture_end();
	if (!strstr(captured, msg))
		fail_msg("wanted '%s' in: %s", msg, captured);
}

static void test_plan_errors(void **state)
{
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\nvcpu=4\n", NULL,
			  "e.ini:4: unknown key 'vcpu' in job 'j' (did you mean 'vcpus'?");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\nzzzzzz=4\n", NULL,
			  "(valid keys: backend, strategy, workload, reps");
	expect_plan_error("[j]\nbackend=fake\nworkload=bot\n", NULL,
			  "e.ini:3: unknown workload 'bot' (did you mean 'boot'? valid workloads: boot, random4k");
	expect_plan_error("[j]\nbackend=fakee\nworkload=boot\n", NULL,
			  "e.ini:2: unknown backend 'fakee' (did you mean 'fake'? valid backends: fake, plain)");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\nstrategy=a,d\n", NULL,
			  "e.ini:4: unknown strategy 'd' for backend 'fake' (did you mean 'a'? valid strategies: a, b, c)");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\nmode=fil\n", NULL,
			  "e.ini:4: mode=fil: must be one of exact, fill");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\nmem=1G..4G\n", NULL,
			  "e.ini:4: mem='1G..4G': a size range needs a step");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\nreps=0\n", NULL,
			  "e.ini:4: reps=0: must be an integer >= 1");
	expect_plan_error("[j]\nbackend=fake\nmem=1G\n", NULL,
			  "job 'j' has no workload");
	expect_plan_error("[global]\nbackend=fake\nwindow=1M\n[j]\nworkload=boot\n", NULL,
			  "e.ini:3: key 'window' applies to no job");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\n", "vcpsu=2",
			  "--set: key 'vcpsu' applies to no job");
	expect_plan_error("[j]\nbackend=plain\nworkload=boot\nstrategy=a\n", NULL,
			  "e.ini:4: backend 'plain' has no strategies");
	expect_plan_error("[j]\nbackend=fake\nworkload=boot\ncap=1..99999\n", NULL,
			  "more than 4096 values");
}

static void test_plan_hash(void **state)
{
	struct plan a, b, c;
	struct plan_overrides ov = fake_ov();
	char *inc = write_tmp("h.inc", "mem=8M\n");
	assert_int_equal(load_plan("h1.ini", "backend=fake\nworkload=boot\ninclude=h.inc\n", &ov, &a), 0);
	assert_int_equal(load_plan("h2.ini", "backend=fake\nworkload=boot\ninclude=h.inc\n", &ov, &b), 0);
	free(write_tmp("h.inc", "mem=16M\n"));
	assert_int_equal(load_plan("h3.ini", "backend=fake\nworkload=boot\ninclude=h.inc\n", &ov, &c), 0);
	assert_string_equal(a.hash, b.hash);
	assert_string_not_equal(a.hash, c.hash);	/* the included content counts */
	plan_free(&a);
	plan_free(&b);
	plan_free(&c);
	free(inc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_values),
		cmocka_unit_test(test_jobfile_sections_and_include),
		cmocka_unit_test(test_jobfile_errors),
		cmocka_unit_test(test_plan_matrix),
		cmocka_unit_test(test_plan_shared_keys_and_overrides),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_plan_hash),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
