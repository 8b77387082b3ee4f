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
	# where each variant's teardown starts (the model's series go on through it)
	do for [v=1:nvar] {
		if (teardown_at[v] >= 0) {
			set arrow v from teardown_at[v], graph 0 to teardown_at[v], graph 1 nohead \
			    dt 3 lc rgb pal[(v-1)%8+1]
			tdlbl = v == 1 ? 'teardown' : ''
			set label v tdlbl at teardown_at[v], graph 0.95 left offset char 0.5, 0 \
			    tc rgb '#555555'
		}
	}
	plot for [v=1:nvar] dat index (i-1)*nvar+(v-1) using 1:2 with steps \
	     lw 2 dt vdt(v) lc rgb pal[(v-1)%8+1] title vfull[v]
}
unset arrow
unset label
if (only == 0) {
	if (has_key) { eval shared_key }
	unset multiplot
}
