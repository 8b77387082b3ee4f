# --- report/ts.gp: one panel per time series, one line per variant ---
# Data: per panel i and variant v, index (i-1)*nvar+(v-1) = t value.
key_points = 0
do for [i=first:last] {
	set title ttl(i)
	set ylabel pylabel[i]
	eval key_for_panel
	eval zero_for_panel
	set xlabel xlab
	unset logscale x
	if (plogy[i]) { set logscale y } else { unset logscale y }
	set xtics autofreq norotate
	plot for [v=1:nvar] dat index (i-1)*nvar+(v-1) using 1:2 with steps \
	     lw 2 dt vdt(v) lc rgb pal[(v-1)%8+1] title vfull[v]
}
if (only == 0) {
	if (has_key) { eval shared_key }
	unset multiplot
}
