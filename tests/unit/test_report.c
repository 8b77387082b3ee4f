/*
 * Report rendering from a hand-built model: every figure kind becomes a valid
 * PNG/SVG of sensible size, user strings cannot run anything in gnuplot, the
 * mail text is ASCII within 80 columns, the HTML parses and escapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "report/report.h"

/* A label built to break out of any quoting a renderer might get wrong. */
static char evil_label[2048];
static char marker[512];
static char tmpdir[256];

static double noise(uint64_t *s)
{
	*s = mix64(*s);
	return (double)(*s % 1000) / 1000.0 - 0.5;
}

static struct rpt_run *new_run(struct report *r, int64_t id, const char *strategy,
			       const char *label, const char *workload)
{
	struct rpt_run *run = report_add_run(r);
	run->id = id;
	run->backend = xstrdup("sim");
	run->strategy = xstrdup(strategy);
	run->label = label ? xstrdup(label) : NULL;
	run->workload = xstrdup(workload);
	run->kernel = xstrdup("6.16.0-rc1-dpamt+");
	run->cmdline = xstrdup("tdxbench run --backend sim --strategy dpamt-v6,sean-v5,static "
			       "--workload boot,random4k --reps 6 --set spt_cache=10,20,40,80");
	run->reproduce = xasprintf("tdxbench run --backend sim --strategy %s --workload %s",
				   strategy, workload);
	run->tool_version = xstrdup("test");
	run->is_model = true;
	run->reps_done = 6;
	return run;
}

/* boot: three strategies (one with the evil label), with series and hists;
 * random4k: the same strategies swept over spt_cache. */
static void build(struct report *r)
{
	static const char *const strat[] = { "dpamt-v6", "sean-v5", "static" };
	static const int caps[] = { 10, 20, 40, 80 };
	uint64_t seed = 42;
	int64_t id = 1;

	memset(r, 0, sizeof(*r));
	for (int s = 0; s < 3; s++) {
		struct rpt_run *run = new_run(r, id++, strat[s], s == 1 ? evil_label : NULL, "boot");
		params_set(&run->params, "mem", "4G");
		params_set(&run->params, "vcpus", "4");
		run->series_rep = 0;
		for (int rep = 0; rep < 6; rep++) {
			double base = s == 2 ? 0 : (s == 1 ? 9.5 : 6.0) * MiB;
			rpt_run_metric(run, "dpamt_bytes_peak", "bytes", base * (1 + 0.02 * noise(&seed)));
			rpt_run_metric(run, "spec_pairs_peak", "pairs", s == 1 ? 160 + 10 * noise(&seed) : 0);
			rpt_run_metric(run, "fault_ns_p99", "ns",
				       (s == 2 ? 900 : s == 1 ? 2500 : 5200) * (1 + 0.1 * noise(&seed)));
			rpt_run_metric(run, "faults", "ops", 1048576);	/* constant: no panel */
			for (int k = 0; k < 12; k++) {
				double t = k * 2.5e6;
				if (rep)
					break;
				rpt_run_sample(run, "dpamt_bytes", "bytes", t, base * k / 11.0);
				rpt_run_sample(run, "cache_pages_idle", "pages", t, s == 1 ? 150 + k : 30);
				rpt_run_sample(run, "pamt_add", "ops", t, (s == 2 ? 0 : 100) * k * k);
			}
			for (int b = 0; b < 10; b++) {
				double lo = 250 * pow(2, b), hi = 2 * lo;
				uint64_t c = (uint64_t)(1000 * exp(-abs(b - (s == 2 ? 2 : 4 + s))));
				rpt_run_bucket(run, "fault_ns", "ns", lo, hi, c);
			}
		}
	}
	for (int s = 0; s < 3; s++) {
		for (int c = 0; c < 4; c++) {
			struct rpt_run *run = new_run(r, id++, strat[s], s == 1 ? evil_label : NULL,
						      "random4k");
			params_set(&run->params, "mem", "4G");
			params_setf(&run->params, "spt_cache", "%d", caps[c]);
			params_setf(&run->params, "seed", "%d", c);	/* ignored: no sweep */
			for (int rep = 0; rep < 6; rep++) {
				rpt_run_metric(run, "spec_pairs_peak", "pairs",
					       s == 1 ? caps[c] * 4 * (1 + 0.05 * noise(&seed)) : 0);
				rpt_run_metric(run, "fault_ns_p99", "ns",
					       (s == 2 ? 800 : 3000 + 40000.0 / caps[c]) *
					       (1 + 0.05 * noise(&seed)));
			}
		}
	}
}

static int setup(void **state)
{
	const char *top = getenv("TDXBENCH_TOP");
	char tmpl[] = "/tmp/tdxbench-report-XXXXXX";
	setenv("TDXBENCH_DATA", top ? top : ".", 0);
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	snprintf(marker, sizeof(marker), "%s/pwned", tmpdir);
	snprintf(evil_label, sizeof(evil_label),
		 "it's `touch %s` \\' \" system(\"touch %s\") @x $(touch %s)\n"
		 "<script>alert(1)</script> & \xc3\xa9t\xc3\xa9", marker, marker, marker);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	if (getenv("TDXBENCH_KEEP"))	/* to look at the figures */
		fprintf(stderr, "# kept %s\n", tmpdir);
	else if (system(cmd))
		fprintf(stderr, "# cannot remove %s\n", tmpdir);
	free(cmd);
	return 0;
}

static void test_gp_quote(void **state)
{
	char *q = gp_quote("a'b`c`\\d\ne");
	assert_string_equal(q, "'a''b`c`\\d e'");
	free(q);
	q = gp_quote(NULL);
	assert_string_equal(q, "''");
	free(q);
}

static void test_formats(void **state)
{
	unsigned f;
	char err[128];
	assert_int_equal(rpt_parse_formats("png,svg,txt", &f, err, sizeof(err)), 0);
	assert_int_equal(f, RPT_PNG | RPT_SVG | RPT_TXT);
	assert_int_equal(rpt_parse_formats("email,html", &f, err, sizeof(err)), 0);
	assert_int_equal(f, RPT_EMAIL | RPT_HTML);
	assert_int_equal(rpt_parse_formats("pnj", &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "did you mean 'png'"));
}

static void test_mail_safe(void **state)
{
	char line[200];
	char *s;
	memset(line, 'x', sizeof(line));
	memcpy(line + 50, " word ", 6);
	line[sizeof(line) - 1] = 0;
	s = rpt_mail_safe(line, 80);
	for (char *l = s, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		assert_non_null(e);
		assert_true(e - l <= 80);
	}
	free(s);
	s = rpt_mail_safe("caf\xc3\xa9\tx\x01y  \n", 80);
	assert_string_equal(s, "caf?    x?y\n");
	free(s);
}

static void test_analyze(void **state)
{
	struct report r;
	size_t kinds[4] = { 0 };
	build(&r);
	assert_int_equal(report_analyze(&r, NULL, NULL), 0);
	assert_int_equal(r.nvariants, 3);
	assert_int_equal(r.nworkloads, 2);
	for (size_t i = 0; i < r.nfigs; i++) {
		kinds[r.figs[i].kind]++;
		if (r.figs[i].kind == FIG_CMP) {
			/* 'faults' never changes: no panel for it */
			for (size_t p = 0; p < r.figs[i].npanels; p++)
				assert_string_not_equal(r.figs[i].panels[p], "faults");
			assert_string_equal(r.figs[i].panels[0], "dpamt_bytes_peak");
		}
		if (r.figs[i].kind == FIG_SWEEP)
			assert_string_equal(r.figs[i].sweep_key, "spt_cache");
	}
	assert_int_equal(kinds[FIG_CMP], 1);	/* boot */
	assert_int_equal(kinds[FIG_SWEEP], 1);	/* random4k over spt_cache (not seed) */
	assert_int_equal(kinds[FIG_TS], 1);
	assert_int_equal(kinds[FIG_CDF], 1);
	assert_int_equal(report_analyze(&r, "sean", NULL) == 0, 0);
	report_free(&r);
}

static bool file_starts(const char *path, const char *magic, size_t mlen, off_t min_size)
{
	struct stat sb;
	char buf[16];
	FILE *f = fopen(path, "rb");
	bool ok;
	if (!f)
		return false;
	ok = fread(buf, 1, mlen, f) == mlen && !memcmp(buf, magic, mlen);
	fclose(f);
	return ok && !stat(path, &sb) && sb.st_size >= min_size && sb.st_size < 4 * 1024 * 1024;
}

static void test_render(void **state)
{
	struct report r;
	struct rpt_text_opts o = { .dir = tmpdir, .have_plots = true };
	char *buf = NULL, *path;
	size_t len = 0;
	FILE *mem;
	int rc;

	if (!rpt_have_gnuplot()) {
		skip();
		return;
	}
	build(&r);
	assert_int_equal(report_analyze(&r, NULL, NULL), 0);
	rc = rpt_plot_all(&r, tmpdir, RPT_PNG | RPT_SVG, true, true);
	assert_int_equal(rc, 0);
	for (size_t i = 0; i < r.nfigs; i++) {
		const char *b = r.figs[i].base;
		path = xasprintf("%s/%s.png", tmpdir, b);
		assert_true(file_starts(path, "\x89PNG\r\n\x1a\n", 8, 20000));
		free(path);
		path = xasprintf("%s/%s.svg", tmpdir, b);
		assert_true(file_starts(path, "<?xml", 5, 10000));
		free(path);
		path = xasprintf("%s/%s-ascii.txt", tmpdir, b);
		assert_true(file_starts(path, "\f", 1, 500) || file_starts(path, "\n", 1, 500) ||
			    file_starts(path, " ", 1, 500));
		free(path);
		path = xasprintf("%s/%s.gp", tmpdir, b);
		assert_int_equal(access(path, R_OK), 0);
		free(path);
	}
	/* The label went through gnuplot as data, never as a command. */
	assert_int_not_equal(access(marker, F_OK), 0);

	/* email: ASCII, <= 80 columns, the ASCII plots are in */
	mem = open_memstream(&buf, &len);
	assert_int_equal(rpt_write_text(NULL, &r, &o, true, mem), 0);
	fclose(mem);
	for (size_t i = 0, col = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		assert_true(ch == '\n' || (ch >= 0x20 && ch < 0x7f));
		col = ch == '\n' ? 0 : col + 1;
		assert_true(col <= 80);
	}
	assert_non_null(strstr(buf, "MODEL OUTPUT"));
	assert_non_null(strstr(buf, "tdxbench run --backend sim"));
	assert_non_null(strstr(buf, "metrics vs spt_cache"));
	path = xasprintf("%s/email.txt", tmpdir);
	mem = fopen(path, "w");
	assert_non_null(mem);
	fputs(buf, mem);
	fclose(mem);
	free(path);
	free(buf);

	/* html: every figure inline, no raw user string */
	path = xasprintf("%s/report.html", tmpdir);
	mem = fopen(path, "w");
	assert_non_null(mem);
	assert_int_equal(rpt_write_html(NULL, &r, &o, mem), 0);
	fclose(mem);
	buf = read_file(path, &len);
	assert_non_null(buf);
	assert_null(strstr(buf, "<script"));
	assert_null(strstr(buf, "http://") ? strstr(strstr(buf, "http://"), "src=") : NULL);
	for (size_t i = 0; i < r.nfigs; i++) {
		char *id = xasprintf("(%s.gp)", r.figs[i].base);
		assert_non_null(strstr(buf, id));
		free(id);
	}
	free(buf);
	{
		const char *top = getenv("TDXBENCH_TOP");
		char *cmd = xasprintf("python3 '%s/tests/unit/check_html.py' '%s' %zu",
				      top ? top : ".", path, r.nfigs);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	free(path);
	report_free(&r);
}

/* Without gnuplot: scripts and data are still written, nothing is rendered. */
static void test_no_gnuplot(void **state)
{
	struct report r;
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL, *dir, *path;
	struct rpt_text_opts o = { .have_plots = false, .no_plots_reason = "gnuplot not found" };
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	setenv("PATH", "/nonexistent", 1);
	assert_false(rpt_have_gnuplot());
	if (old)
		setenv("PATH", old, 1);
	free(old);

	dir = xasprintf("%s/nogp", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	o.dir = dir;
	build(&r);
	assert_int_equal(report_analyze(&r, NULL, NULL), 0);
	assert_int_equal(rpt_plot_all(&r, dir, RPT_PNG, true, false), 0);
	path = xasprintf("%s/%s.gp", dir, r.figs[0].base);
	assert_int_equal(access(path, R_OK), 0);
	free(path);
	path = xasprintf("%s/%s.png", dir, r.figs[0].base);
	assert_int_not_equal(access(path, F_OK), 0);
	free(path);
	mem = open_memstream(&buf, &len);
	assert_int_equal(rpt_write_text(NULL, &r, &o, true, mem), 0);
	fclose(mem);
	assert_non_null(strstr(buf, "(no plots: gnuplot not found)"));
	free(buf);
	report_free(&r);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gp_quote),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_mail_safe),
		cmocka_unit_test(test_analyze),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_no_gnuplot),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
