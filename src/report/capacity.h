/*
 * Rendering of a capacity study (src/core/capacity.h): text (ASCII, <= 80
 * columns), markdown, JSON, and gnuplot figures (data + a script that stands
 * alone: `gnuplot -c <fig>.gp png|svg|dumb`).
 */
#ifndef TDX_REPORT_CAPACITY_H
#define TDX_REPORT_CAPACITY_H

#include <stdbool.h>
#include <stdio.h>

#include "core/capacity.h"

enum cap_format { CAPF_TEXT, CAPF_MARKDOWN, CAPF_JSON };

int cap_render(const struct cap_study *s, enum cap_format fmt, FILE *out);

/*
 * Write the figures' .dat and .gp files into dir (which must exist) and,
 * with gnuplot, render each as png (and svg when want_svg) and the first
 * panel as ASCII (<fig>-ascii.txt). Returns the number of renderings that
 * failed (gnuplot.log in dir says why), or -1 when a file could not be
 * written. *nfigs gets the number of figures written.
 */
int cap_figures(const struct cap_study *s, const char *dir, bool have_gnuplot, bool want_svg,
		size_t *nfigs);

#endif
