/*
 * `tdxbench report`: what is in the store, as pictures and as text.
 *
 * The loader reads the selected runs into a small in-memory model (struct
 * report), groups them into variants (what is being compared: strategy,
 * label, kernel, ...) and per-workload figures (comparisons, sweeps over a
 * matrix parameter, time series, latency CDFs). The plot code writes one
 * data file and one gnuplot script per figure (script = parameters + a
 * template from report/NAME.gp, fio's graph2D.gpm idea) and runs gnuplot as an
 * external program; the text code writes txt, email and html.
 */
#ifndef TDX_REPORT_H
#define TDX_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/params.h"
#include "lib/stats.h"

struct store;

struct rpt_metric {
	char *name, *unit;
	double *v;			/* per-rep values, ok reps only */
	size_t n, cap;
};

struct rpt_series {			/* one time series of one rep */
	char *name, *unit;
	double *t, *v;			/* t in ns: virtual (model) or wall */
	size_t n, cap;
};

struct rpt_bucket {
	double lo, hi;
	uint64_t count;
};

struct rpt_hist {			/* buckets summed over the ok reps */
	char *name, *unit;
	struct rpt_bucket *b;
	size_t n, cap;
};

struct rpt_run {
	int64_t id, session_id, host_id;
	int variant;			/* index into report.variants */
	char *backend, *strategy, *workload, *label, *kernel, *host_label;
	char *job;			/* the job file section it came from */
	char *cmdline, *reproduce, *created, *tool_version, *status;
	bool is_model;
	int reps_done, reps_failed;
	struct params params;
	struct rpt_metric *metrics;
	size_t nmetrics, capmetrics;
	int series_rep;			/* the rep the time series come from, -1 none */
	struct rpt_series *series;
	size_t nseries, capseries;
	struct rpt_hist *hists;
	size_t nhists, caphists;
};

struct rpt_variant {
	char *name;			/* e.g. "sean-v5" or "sim/hp-v3 label=x" */
	char *selector;			/* selector text for compare, NULL if not expressible */
};

enum fig_kind { FIG_CMP, FIG_SWEEP, FIG_TS, FIG_CDF };

/* One figure = one .gp + one .dat, rendered to png/svg/ASCII. */
struct rpt_figure {
	enum fig_kind kind;
	char *base;			/* file name stem, [a-z0-9._-] only */
	char *workload;
	char *job;			/* the job section, NULL when the workload has one */
	char *sweep_key;		/* FIG_SWEEP: the parameter on x */
	struct params match;		/* params a run must have to belong here */
	char *context;			/* match as "k=v,k=v" for titles, or NULL */
	int part;			/* 0, or N-1 for the <base>-N overflow figures */
	char **panels;			/* metric / series / histogram names */
	size_t npanels;
};

struct report {
	struct rpt_run *runs;
	size_t nruns, capruns;
	struct rpt_variant *variants;
	size_t nvariants;
	int base_variant;		/* compare baseline */
	char **workloads;		/* in order of first run */
	size_t nworkloads;
	struct rpt_figure *figs;
	size_t nfigs, capfigs;
	char **metric_filter;		/* --metrics, NULL = all */
	size_t nmetric_filter;
	const char *const *selectors;	/* as typed */
	size_t nselectors;
	const char *section;		/* while analysing: the job section, or NULL */
};

/* ---- model (src/report/load.c, src/report/model.c) ---- */

/* Read runs matching any selector (all runs if none) with their data. */
int report_load(struct store *st, const char *const *selectors, size_t nsel,
		struct report *r);
/* Variants, baseline (by variant name, NULL = the first run's), figures. */
int report_analyze(struct report *r, const char *base_name, const char *metrics);
void report_free(struct report *r);

/* Model building blocks (also used by tests to build a report by hand). */
struct rpt_run *report_add_run(struct report *r);
void rpt_run_metric(struct rpt_run *run, const char *name, const char *unit, double v);
void rpt_run_sample(struct rpt_run *run, const char *series, const char *unit,
		    double t_ns, double v);
void rpt_run_bucket(struct rpt_run *run, const char *hist, const char *unit,
		    double lo, double hi, uint64_t count);
const struct rpt_metric *rpt_run_find_metric(const struct rpt_run *run, const char *name);
/* A parameter value as a number ("8", "0.5", "2M" -> 2097152); false if it is none. */
bool rpt_param_number(const char *v, double *out);

/* ---- plots (src/report/plot.c) ---- */

enum rpt_fmt {
	RPT_PNG = 1 << 0,
	RPT_SVG = 1 << 1,
	RPT_TXT = 1 << 2,
	RPT_HTML = 1 << 3,
	RPT_EMAIL = 1 << 4,
};
int rpt_parse_formats(const char *list, unsigned *out, char *err, size_t errlen);
/* The format names rpt_parse_formats() knows, NULL-terminated. */
const char *const *rpt_format_names(void);

/* Is gnuplot on $PATH? */
bool rpt_have_gnuplot(void);
/*
 * Write <dir>/<fig>.dat and <fig>.gp for every figure. With gnuplot, render
 * the requested formats (RPT_PNG, RPT_SVG) and, with want_ascii, the first
 * panel of each figure to <fig>-ascii.txt. Returns the number of renderings
 * that failed (gnuplot's messages go to <dir>/gnuplot.log), -1 on error.
 */
int rpt_plot_all(const struct report *r, const char *dir, unsigned fmts, bool want_ascii,
		 bool have_gnuplot);

/*
 * Render self-contained scripts <dir>/<base>.gp (each takes the format as its
 * first argument: png, svg or dumb) with gnuplot, as rpt_plot_all does.
 * Returns the number of renderings that failed.
 */
int rpt_render_scripts(const char *dir, const char *const *bases, size_t n, unsigned fmts,
		       bool want_ascii);

/* Quote s as a gnuplot single-quoted string: nothing inside is expanded. */
char *gp_quote(const char *s);

/* ---- text (src/report/text.c) ---- */

struct rpt_text_opts {
	const char *dir;		/* where the figures are */
	const char *report_cmdline;	/* how this report was made */
	bool have_plots;		/* png/svg/ascii were rendered */
	const char *no_plots_reason;	/* e.g. "gnuplot not found" */
};

/* Plain-text summary (ASCII, <= 80 columns): header, per-workload tables, compare. */
int rpt_write_text(struct store *st, const struct report *r, const struct rpt_text_opts *o,
		   bool email, FILE *out);
int rpt_write_html(struct store *st, const struct report *r, const struct rpt_text_opts *o,
		   FILE *out);

/* Make text mail-safe: ASCII only, tabs expanded, lines wrapped at width. */
char *rpt_mail_safe(const char *in, size_t width);
/* HTML-escape s (&, <, >, ", '). */
char *html_escape(const char *s);

#endif
