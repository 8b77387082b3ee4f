/*
 * `tdxbench fidelity` output: the rows of src/core/fidelity.c with their
 * verdicts as text (80 columns), markdown (docs/fidelity.md) or json.
 */
#include "report/fidelity_render.h"
#include "lib/fmt.h"
#include "lib/util.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void model_text(const struct fid_result *r, char *buf, size_t len)
{
	char v[FMT_LEN];
	fmt_sig(r->value, 4, v, sizeof(v));
	if (r->verdict == FID_NOT_REPRO)
		snprintf(buf, len, "-");
	else if (r->error[0])
		snprintf(buf, len, "failed: %s", r->error);
	else
		snprintf(buf, len, "%s%s%s", v, *fid_row_unit(r->row) ? " " : "", fid_row_unit(r->row));
}

static void band_text(const struct fid_row *row, char *buf, size_t len)
{
	char lo[FMT_LEN], hi[FMT_LEN];
	if (!fid_row_runs(row)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt_sig(fid_row_lo(row), 4, lo, sizeof(lo));
	fmt_sig(fid_row_hi(row), 4, hi, sizeof(hi));
	if (fid_row_lo(row) == fid_row_hi(row))
		snprintf(buf, len, "%s", lo);
	else
		snprintf(buf, len, "%s..%s", lo, hi);
}

/* "  label      text", the text wrapped at 78 under itself. */
static void wrap(const char *label, const char *text)
{
	fprint_wrapped(stdout, text, printf("  %-10s ", label), 13, 78);
}

static void render_text(const struct fid_result *res, size_t n)
{
	size_t bad = 0, known = 0, norepro = 0;
	printf("fidelity: the published figures against the sim (model output), each\n"
	       "tolerance written before the model ran\n\n");
	for (size_t i = 0; i < n; i++) {
		const struct fid_result *r = &res[i];
		char m[320], band[80], *tol;
		model_text(r, m, sizeof(m));
		band_text(r->row, band, sizeof(band));
		printf("%-30s %s\n", fid_row_id(r->row), fid_verdict_name(r->verdict));
		wrap("figure", fid_row_what(r->row));
		wrap("source", fid_row_source(r->row));
		wrap("published", fid_row_published(r->row));
		if (r->verdict != FID_NOT_REPRO) {
			wrap("model", m);
			wrap("scenario", r->scenario);
			tol = xasprintf("%s%s%s: %s", band, *fid_row_unit(r->row) ? " " : "", fid_row_unit(r->row),
					fid_row_tolerance(r->row));
			wrap("tolerance", tol);
			free(tol);
			if (fid_row_known(r->row))
				wrap("known", fid_row_known(r->row));
		} else {
			wrap("why", fid_row_tolerance(r->row));
		}
		putchar('\n');
		bad += fid_failed(r->verdict);
		known += r->verdict == FID_KNOWN_OUTSIDE;
		norepro += r->verdict == FID_NOT_REPRO;
	}
	printf("%zu rows: %zu inside their tolerance, %zu outside (known, explained), %zu outside "
	       "or stale, %zu not reproducible\n", n, n - bad - known - norepro, known, bad, norepro);
}

/* Markdown cell: no pipes or newlines. */
static void md_cell(const char *s)
{
	for (; *s; s++)
		fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[]){ *s, 0 }, stdout);
}

static void render_markdown(const struct fid_result *res, size_t n)
{
	printf("| figure | source | published | model | tolerance (why) | verdict |\n"
	       "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct fid_result *r = &res[i];
		char m[320], band[80];
		model_text(r, m, sizeof(m));
		band_text(r->row, band, sizeof(band));
		printf("| `%s`: ", fid_row_id(r->row));
		md_cell(fid_row_what(r->row));
		printf(" | ");
		md_cell(fid_row_source(r->row));
		printf(" | ");
		md_cell(fid_row_published(r->row));
		printf(" | ");
		md_cell(m);
		if (r->scenario[0]) {
			printf(" (");
			md_cell(r->scenario);
			printf(")");
		}
		printf(" | ");
		if (r->verdict != FID_NOT_REPRO) {
			md_cell(band);
			printf("%s%s: ", *fid_row_unit(r->row) ? " " : "", fid_row_unit(r->row));
		}
		md_cell(fid_row_tolerance(r->row));
		if (fid_row_known(r->row)) {
			printf(" **Known:** ");
			md_cell(fid_row_known(r->row));
		}
		printf(" | %s |\n", fid_verdict_name(r->verdict));
	}
}

static void render_json(const struct fid_result *res, size_t n)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const struct fid_result *r = &res[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(fid_row_id(r->row)));
		json_object_object_add(o, "figure", json_object_new_string(fid_row_what(r->row)));
		json_object_object_add(o, "source", json_object_new_string(fid_row_source(r->row)));
		json_object_object_add(o, "published", json_object_new_string(fid_row_published(r->row)));
		json_object_object_add(o, "unit", json_object_new_string(fid_row_unit(r->row)));
		if (r->verdict != FID_NOT_REPRO) {
			json_object_object_add(o, "scenario", json_object_new_string(r->scenario));
			json_object_object_add(o, "lo", json_object_new_double(fid_row_lo(r->row)));
			json_object_object_add(o, "hi", json_object_new_double(fid_row_hi(r->row)));
			json_object_object_add(o, "model", isnan(r->value) ? NULL :
					       json_object_new_double(r->value));
		}
		if (r->error[0])
			json_object_object_add(o, "error", json_object_new_string(r->error));
		json_object_object_add(o, "tolerance", json_object_new_string(fid_row_tolerance(r->row)));
		if (fid_row_known(r->row))
			json_object_object_add(o, "known", json_object_new_string(fid_row_known(r->row)));
		json_object_object_add(o, "verdict", json_object_new_string(fid_verdict_name(r->verdict)));
		json_object_array_add(arr, o);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

int fid_render(const struct fid_result *res, size_t n, enum fid_format f)
{
	if (f == FID_MARKDOWN)
		render_markdown(res, n);
	else if (f == FID_JSON)
		render_json(res, n);
	else
		render_text(res, n);
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}
