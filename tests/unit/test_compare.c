/*
 * Unit tests for the compare engine on a store filled through the store
 * API: selectors and matching, the unmatched list, the 80-column ASCII
 * text, --fail-if-worse, and that json/csv/markdown parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/compare_render.h"
#include "lib/params.h"
#include "lib/result.h"
#include "lib/util.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/tdxbench-compare-XXXXXX";
static struct store *st;
static int64_t host_a, host_b, session;
static bool render_all;	/* --all: every metric row */

static int64_t add_run(const char *strategy, const char *workload, const char *params,
		       bool model, int64_t host)
{
	struct params p = PARAMS_INIT;
	char err[128];
	int64_t id = 0;
	char *repro = xasprintf("tdxbench run --backend %s --strategy %s --workload %s %s",
				model ? "sim" : "kvm", strategy, workload, params);
	struct run_info r = {
		.session_id = session, .host_id = host, .backend = model ? "sim" : "kvm",
		.strategy = strategy, .workload = workload, .seed = 1, .reps = 8, .warmup = 1,
		.params = &p, .reproduce = repro, .is_model = model,
	};
	assert_int_equal(params_parse_assignments(&p, params, err, sizeof(err)), 0);
	assert_int_equal(store_run_create(st, &r, &id), 0);
	params_free(&p);
	free(repro);
	return id;
}

/* One rep per entry: metrics name[k] = vals[k][rep]. */
static void add_reps(int64_t run, size_t nreps, size_t nmetrics, const char *const *names,
		     double (*val)(size_t metric, size_t rep))
{
	for (size_t rep = 0; rep < nreps; rep++) {
		struct run_result res;
		result_init(&res);
		for (size_t m = 0; m < nmetrics; m++)
			result_metric(&res, names[m], val(m, rep), NULL);
		assert_int_equal(store_rep_commit(st, run, (int)rep, rep, "ok", NULL, 1000, &res), 0);
		result_free(&res);
	}
	assert_int_equal(store_run_set_status(st, run, "done", NULL), 0);
}

static const char *const names[] = {
	"pamt_add", "wall_ns", "pages_per_sec_per_vcpu", "splits",
	"a_really_long_metric_name_beyond_the_column",
};
#define NM ARRAY_SIZE(names)

/* base: pamt_add ~100, wall ~1000, pages/s ~500, splits 7 */
static double base_val(size_t m, size_t rep)
{
	switch (m) {
	case 0: return 100 + (double)(rep * 7 % 5);
	case 1: return 1000 + (double)(rep * 10);
	case 2: return 500 + (double)(rep % 3);
	case 3: return 7;
	default: return 1e9 + (double)rep;
	}
}

/* cand: pamt_add +30 % (worse), wall same spread (~), pages/s +20 % (better) */
static double cand_val(size_t m, size_t rep)
{
	switch (m) {
	case 0: return 130 + (double)(rep * 3 % 4);
	case 1: return 1005 + (double)(rep * 10);
	case 2: return 600 + (double)(rep % 3);
	case 3: return 7;
	default: return 1e9 + (double)rep;
	}
}

static int64_t r_base, r_cand, r_base_only, r_cand_vcpu4, r_few_b, r_few_c;
static int64_t r_hp_a, r_hp_b, r_hp_a_huge;

static const char *const hp_names[] = {
	"dpamt_bytes_peak", "static_pamt_bytes", "wall_ns", "fault_ns_p99", "pamt_add",
};

/* huge=no: every value a little different per rep */
static double hp_small(size_t m, size_t rep)
{
	return (double)((m + 1) * 1000 + rep);
}

/* huge=yes: everything twice as large */
static double hp_large(size_t m, size_t rep)
{
	return 2 * hp_small(m, rep);
}

static const char fp_json[] =
	"{\"hostname\":\"box\",\"cpu\":{\"model_name\":\"Test CPU\",\"microcode\":\"0x2b\"}}";

static int setup(void **state)
{
	struct host_info ha = { .hash = "aaaa1111", .label = "lab", .kernel_release = "6.19.0-dpamt-v6",
				.cpu_model = "Test CPU", .json = fp_json };
	struct host_info hb = { .hash = "bbbb2222", .label = "lab", .kernel_release = "6.19.0-sean-v5",
				.cpu_model = "Test CPU", .json = fp_json };
	struct session_info s = { .cmdline = "tdxbench run --backend sim --strategy dpamt-v6,sean-v5 "
					     "--workload boot,fault2m --reps 8 mem=1G vcpus=2",
				  .tool_version = "test" };
	char *path;

	if (!mkdtemp(tmpdir))
		return -1;
	path = xasprintf("%s/c.db", tmpdir);
	if (store_open(path, STORE_CREATE, &st) < 0)
		return -1;
	free(path);
	if (store_host_upsert(st, &ha, &host_a) < 0 || store_host_upsert(st, &hb, &host_b) < 0)
		return -1;
	s.host_id = host_a;
	if (store_session_begin(st, &s, &session) < 0)
		return -1;

	r_base = add_run("dpamt-v6", "boot", "mem=1G,vcpus=2,tds=1,cache_batch=16", true, host_a);
	add_reps(r_base, 8, NM, names, base_val);
	r_cand = add_run("sean-v5", "boot", "mem=1G,vcpus=2,tds=1,cache_batch=1", true, host_a);
	add_reps(r_cand, 8, NM, names, cand_val);
	r_base_only = add_run("dpamt-v6", "fault2m", "mem=2G,vcpus=2,tds=1", true, host_a);
	add_reps(r_base_only, 8, 1, names, base_val);
	r_cand_vcpu4 = add_run("sean-v5", "boot", "mem=1G,vcpus=4,tds=1,cache_batch=1", true, host_a);
	add_reps(r_cand_vcpu4, 8, NM, names, base_val);
	/* a pair with 3 reps each, on a real backend and two hosts */
	r_few_b = add_run("few", "teardown", "mem=1G,vcpus=1,tds=1", false, host_a);
	add_reps(r_few_b, 3, 2, names, base_val);
	r_few_c = add_run("few2", "teardown", "mem=1G,vcpus=1,tds=1", false, host_b);
	add_reps(r_few_c, 3, 2, names, cand_val);
	/* two strategies that also differ in huge pages, and one strategy both ways */
	r_hp_a = add_run("hp-a", "split-storm", "mem=1G,vcpus=2,tds=1,huge=no", true, host_a);
	add_reps(r_hp_a, 6, ARRAY_SIZE(hp_names), hp_names, hp_small);
	r_hp_b = add_run("hp-b", "split-storm", "mem=1G,vcpus=2,tds=1,huge=yes", true, host_a);
	add_reps(r_hp_b, 6, ARRAY_SIZE(hp_names), hp_names, hp_large);
	r_hp_a_huge = add_run("hp-a", "split-storm", "mem=1G,vcpus=2,tds=1,huge=yes", true,
			      host_a);
	add_reps(r_hp_a_huge, 6, ARRAY_SIZE(hp_names), hp_names, hp_large);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc;
	store_close(st);
	rc = system(cmd);
	free(cmd);
	return rc;
}

/* Render to a string; *rc gets compare_render's return. */
static char *render(const char *base, const char *cand, const char *metrics, double fail_pct,
		    enum compare_format fmt, int *rc)
{
	const char *cands[] = { cand };
	struct compare_req req = { .base = base, .cands = cands, .ncands = 1, .metrics = metrics,
				   .alpha = 0.05, .fail_if_worse_pct = fail_pct, .header = true,
				   .all = render_all };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = compare_render(st, &req, fmt, f);
	fclose(f);
	return buf;
}

/* Two candidates against one base. */
static char *render2(const char *base, const char *c1, const char *c2, int *rc)
{
	const char *cands[] = { c1, c2 };
	struct compare_req req = { .base = base, .cands = cands, .ncands = 2, .alpha = 0.05,
				   .fail_if_worse_pct = -1, .header = true };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = compare_render(st, &req, CMP_TEXT, f);
	fclose(f);
	return buf;
}

static void assert_80_ascii(const char *text)
{
	size_t col = 0;
	for (const char *p = text; *p; p++) {
		if ((unsigned char)*p >= 0x80 || ((unsigned char)*p < 0x20 && *p != '\n')) {
			print_error("non-ASCII or control byte 0x%02x\n", (unsigned char)*p);
			fail();
		}
		if (*p == '\n') {
			col = 0;
			continue;
		}
		if (++col > 80) {
			print_error("line longer than 80 columns near: %.60s\n", p - 79);
			fail();
		}
	}
}

static const char *line_with(const char *text, const char *word, char *line, size_t len)
{
	const char *p = text;
	while ((p = strstr(p, word))) {
		const char *start = p, *end;
		while (start > text && start[-1] != '\n')
			start--;
		if (start == p) {	/* the word starts the line */
			end = strchr(p, '\n');
			snprintf(line, len, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
			return line;
		}
		p++;
	}
	return NULL;
}

static void test_text_strategies(void **state)
{
	int rc;
	char line[256];
	char *out;

	render_all = true;
	out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_TEXT, &rc);
	render_all = false;
	assert_int_equal(rc, 0);
	assert_80_ascii(out);
	assert_non_null(strstr(out, "MODEL OUTPUT"));
	/* one host for both sides: said once */
	assert_non_null(strstr(out, "\nhost 1: kernel 6.19.0-dpamt-v6, label lab, box, Test CPU, "
				    "microcode 0x2b\n"));
	assert_non_null(strstr(out, "\nrerun: $ tdxbench run --backend sim"));
	/* matched on workload + params, the strategy knob reported, not matched on */
	assert_non_null(strstr(out, "\nboot mem=1G tds=1 vcpus=2 (sim): runs 1 vs 2, n=8+8\n"));
	assert_non_null(strstr(out, "differ in every block (base vs cand): cache_batch 16 vs 1"));
	/* a knob of the compared strategy is not a confounder */
	assert_null(strstr(out, "CONFOUNDED"));
	/* labelled by the glossary's short titles */
	assert_non_null(line_with(out, "PAMT.ADD ", line, sizeof(line)));
	assert_non_null(strstr(line, "+28.9%"));
	assert_non_null(strstr(line, "worse"));
	assert_non_null(line_with(out, "wall ", line, sizeof(line)));
	assert_non_null(strstr(line, " ~ "));
	assert_null(strstr(line, "worse"));
	assert_non_null(line_with(out, "pages/s/vCPU ", line, sizeof(line)));
	assert_non_null(strstr(line, "better"));
	/* all equal on both sides: no test, no p-value, no verdict */
	assert_non_null(line_with(out, "splits ", line, sizeof(line)));
	assert_int_equal(line[strlen(line) - 1], '=');
	assert_null(strstr(line, "1.000"));
	assert_non_null(strstr(out, "\n= identical in all reps (1 rows): no test, no p"));
	/* only one metric per unit has a direction: no geomean is a mean of one */
	assert_null(strstr(out, "geomean"));
	/* the long name gets a line of its own, values on the next */
	assert_non_null(strstr(out, "\na_really_long_metric_name_beyond_the_column\n"));
	/* unmatched: base's fault2m run and cand's vcpus=4 run, listed by id */
	assert_non_null(strstr(out, "unmatched runs"));
	assert_non_null(strstr(out, "fault2m mem=2G tds=1 vcpus=2 (sim)"));
	assert_non_null(strstr(out, "boot mem=1G tds=1 vcpus=4 (sim)"));
	free(out);
}

/* Without --all: changed rows, the unchanged ones counted on one line. */
static void test_text_collapsed(void **state)
{
	int rc;
	char line[256];
	char *out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_TEXT, &rc);

	assert_int_equal(rc, 0);
	assert_non_null(line_with(out, "PAMT.ADD ", line, sizeof(line)));
	assert_null(line_with(out, "wall ", line, sizeof(line)));
	assert_null(line_with(out, "splits ", line, sizeof(line)));
	assert_non_null(strstr(out, "\n  + 3 unchanged (--all lists them)\n"));
	free(out);
}

/* A condition (huge pages) differing besides the strategy: named, no verdicts. */
static void test_confounded(void **state)
{
	int rc;
	char *out = render("strategy=hp-a,huge=no", "strategy=hp-b", NULL, 10, CMP_TEXT, &rc);

	assert_80_ascii(out);
	assert_non_null(strstr(out, "\nCONFOUNDED: the sides also differ in huge (no vs yes)"));
	assert_null(strstr(out, "worse"));
	assert_null(strstr(out, "better"));
	assert_non_null(strstr(out, "\nno overall geomean"));
	/* --fail-if-worse still sees the regression: the exit status is not a verdict */
	assert_int_equal(rc, 1);
	free(out);
	out = render("strategy=hp-a,huge=no", "strategy=hp-b", NULL, -1, CMP_JSON, &rc);
	assert_non_null(strstr(out, "\"confounded\":true"));
	assert_non_null(strstr(out, "\"huge\":\"no vs yes\""));
	free(out);
}

/* Geomeans never mix units: one per unit, each over its own metrics. */
static void test_geomean_per_unit(void **state)
{
	int rc;
	char *out;

	render_all = true;
	out = render("strategy=hp-a,huge=no", "strategy=hp-a,huge=yes", NULL, -1, CMP_TEXT, &rc);
	render_all = false;
	/* the selectors name huge: it is what is compared */
	assert_null(strstr(out, "CONFOUNDED"));
	assert_non_null(strstr(out, "\ngeomean ns "));
	assert_non_null(strstr(out, "\ngeomean bytes "));
	assert_non_null(strstr(out, "geomean of cand/base per unit (lower = better): "));
	free(out);
}

/* More than one candidate: a table per metric, the variants as columns. */
static void test_columns(void **state)
{
	int rc;
	char line[256];
	char *out = render2("strategy=hp-a,huge=no", "strategy=hp-b", "strategy=hp-a,huge=yes", &rc);

	assert_int_equal(rc, 0);
	assert_80_ascii(out);
	assert_non_null(strstr(out, "\nDPAMT peak [bytes, lower is better]\n"));
	assert_non_null(strstr(out, "base             cand 1             cand 2\n"));
	/* twice the base, all 6 reps apart: significant, marked inline */
	assert_non_null(line_with(out, "split-storm ", line, sizeof(line)));
	assert_non_null(strstr(line, "+100.0% *"));
	assert_non_null(strstr(out, "\n* significant, = identical reps"));
	free(out);
}

static void test_deterministic(void **state)
{
	int rc;
	char *a = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	char *b = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	/* Two empty renders would compare equal: ask for the table itself. */
	assert_non_null(strstr(a, "dpamt-v6"));
	assert_non_null(strstr(a, "sean-v5"));
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_JSON, &rc);
	assert_int_equal(rc, 0);
	b = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_JSON, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(a, "sean-v5"));
	assert_non_null(strstr(a, "\"metric\""));
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* Selectors that differ in a workload parameter compare across it. */
static void test_named_param_not_matched(void **state)
{
	int rc;
	char *out = render("strategy=sean-v5,vcpus=2", "strategy=sean-v5,vcpus=4", NULL, -1,
			   CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	assert_80_ascii(out);
	assert_non_null(strstr(out, "\nboot mem=1G tds=1 (sim), n=8+8\n"));
	assert_null(strstr(out, "unmatched"));
	free(out);
}

/* A key only one side gives is a filter, still matched on. */
static void test_one_sided_filter(void **state)
{
	int rc;
	char *out = render("strategy=dpamt-v6", "strategy=sean-v5,workload=boot,vcpus=2", NULL, -1,
			   CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\nboot mem=1G tds=1 vcpus=2 (sim), n=8+8\n"));
	assert_non_null(strstr(out, "base run 3: fault2m mem=2G tds=1 vcpus=2 (sim)"));
	free(out);
}

static void test_fail_if_worse(void **state)
{
	int rc;
	char *out;

	out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, 10, CMP_TEXT, &rc);
	assert_int_equal(rc, 1);	/* pamt_add +30 % */
	free(out);
	out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, 50, CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	free(out);
	/* the other way round nothing is worse beyond 10 %: pamt_add -23 % is better,
	 * pages/s -17 % is worse though */
	out = render("strategy=sean-v5,vcpus=2", "strategy=dpamt-v6", NULL, 10, CMP_TEXT, &rc);
	assert_int_equal(rc, 1);
	free(out);
	out = render("strategy=sean-v5,vcpus=2", "strategy=dpamt-v6", "pamt_add,wall_ns", 10,
		     CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	free(out);
	/* not significant (n too small) never fails */
	out = render("strategy=few", "strategy=few2", NULL, 0, CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	free(out);
}

static void test_few_and_hosts(void **state)
{
	int rc;
	char *out = render("strategy=few", "strategy=few2", NULL, -1, CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	assert_80_ascii(out);
	assert_non_null(strstr(out, "? n too small"));
	/* n = 3: the CI of the median is [min, max], with its real coverage */
	assert_non_null(strstr(out, "+- n < 6: the CI is [min, max], coverage 75.0% at n=3"));
	assert_non_null(strstr(out, "warning: comparing across hosts"));
	assert_null(strstr(out, "MODEL OUTPUT"));
	free(out);
	/* naming the kernels makes the host difference the point, not a warning */
	out = render("kernel=6.19.0-dpamt-v6,strategy=few", "kernel=6.19.0-sean-v5", NULL, -1,
		     CMP_TEXT, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, "warning: comparing across hosts"));
	free(out);
}

static void test_json_parses(void **state)
{
	int rc;
	char *out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, 10, CMP_JSON, &rc);
	struct json_object *root = json_tokener_parse(out), *cmp, *blk, *metrics, *m, *v;
	bool found = false;

	assert_int_equal(rc, 1);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "comparisons", &cmp));
	assert_int_equal(json_object_array_length(cmp), 1);
	blk = json_object_array_get_idx(cmp, 0);
	assert_true(json_object_object_get_ex(blk, "metrics", &metrics));
	assert_int_equal(json_object_array_length(metrics), NM);
	for (size_t i = 0; i < json_object_array_length(metrics); i++) {
		m = json_object_array_get_idx(metrics, i);
		assert_true(json_object_object_get_ex(m, "metric", &v));
		if (strcmp(json_object_get_string(v), "pamt_add"))
			continue;
		found = true;
		assert_true(json_object_object_get_ex(m, "verdict", &v));
		assert_string_equal(json_object_get_string(v), "worse");
		assert_true(json_object_object_get_ex(m, "p", &v));
		assert_true(json_object_get_double(v) < 0.001);
		assert_true(json_object_object_get_ex(m, "exact", &v));
		assert_true(json_object_get_boolean(v));
	}
	assert_true(found);
	assert_true(json_object_object_get_ex(root, "unmatched", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_true(json_object_object_get_ex(root, "regression", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(root);
	free(out);

	/* NAN (no p on identical reps) must come out as null, still valid JSON */
	out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_JSON, &rc);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_non_null(strstr(out, "\"p\":null"));
	json_object_put(root);
	free(out);
}

/* Split one CSV record (RFC 4180 quoting); returns the field count. */
static size_t csv_fields(const char **pp)
{
	const char *p = *pp;
	size_t n = 1;
	bool q = false;
	for (; *p && (q || *p != '\n'); p++) {
		if (*p == '"')
			q = !q;
		else if (*p == ',' && !q)
			n++;
	}
	*pp = *p ? p + 1 : p;
	return n;
}

static void test_csv_columns(void **state)
{
	int rc;
	char *out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_CSV, &rc);
	const char *p = out;
	size_t header, lines = 0;

	header = csv_fields(&p);
	assert_int_equal(header, 23);
	while (*p) {
		assert_int_equal(csv_fields(&p), header);
		lines++;
	}
	assert_int_equal(lines, NM);	/* no geomean row: one metric per unit */
	assert_non_null(strstr(out, ",\"mem=1G,tds=1,vcpus=2\","));
	free(out);
}

static void test_markdown(void **state)
{
	int rc;
	char *out = render("strategy=dpamt-v6", "strategy=sean-v5", NULL, -1, CMP_MARKDOWN, &rc);
	size_t pipes_header = 0;
	const char *tbl = strstr(out, "| metric |");

	assert_non_null(tbl);
	for (const char *p = tbl; *p && *p != '\n'; p++)
		pipes_header += *p == '|';
	/* every table row has as many unescaped pipes as the header */
	for (const char *p = tbl; p && *p == '|'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t pipes = 0;
		for (const char *q = p; *q && *q != '\n'; q++)
			pipes += *q == '|' && q[-1] != '\\';
		assert_int_equal(pipes, pipes_header);
	}
	assert_non_null(strstr(out, "**model output**"));
	free(out);
}

static void test_errors(void **state)
{
	int rc;
	char *out = render("strategy=nope", "strategy=sean-v5", NULL, -1, CMP_TEXT, &rc);
	assert_int_equal(rc, -1);
	free(out);
	out = render("strategy=dpamt-v6", "strategy=sean-v5", "pamt_ad", -1, CMP_TEXT, &rc);
	assert_int_equal(rc, -1);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_strategies),
		cmocka_unit_test(test_text_collapsed),
		cmocka_unit_test(test_confounded),
		cmocka_unit_test(test_geomean_per_unit),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_named_param_not_matched),
		cmocka_unit_test(test_one_sided_filter),
		cmocka_unit_test(test_fail_if_worse),
		cmocka_unit_test(test_few_and_hosts),
		cmocka_unit_test(test_json_parses),
		cmocka_unit_test(test_csv_columns),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
