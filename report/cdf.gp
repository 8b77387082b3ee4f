# --- report/cdf.gp: one panel per latency histogram, one CDF per variant ---
# Data: per panel i and variant v, index (i-1)*nvar+(v-1) = x fraction<=x.
key_points = 0
do for [i=first:last] {
	set title ttl(i)
	set ylabel pylabel[i]
	set xlabel pxlabel[i]
	eval key_for_panel
	unset logscale y
	if (plogx[i]) { set logscale x 10 } else { unset logscale x }
	set yrange [0:1.02]
	set xtics autofreq norotate
	plot for [v=1:nvar] dat index (i-1)*nvar+(v-1) using 1:2 with lines \
	     lw 2 dt vdt(v) lc rgb pal[(v-1)%8+1] title vfull[v]
	set yrange [*:*]
}
if (only == 0) {
	if (has_key) { eval shared_key }
	unset multiplot
}
