# --- report/sweep.gp: one panel per metric against a swept parameter ---
# Data: per panel i and variant v, index (i-1)*nvar+(v-1) = x median lo hi.
key_points = 1
do for [i=first:last] {
	set title ttl(i)
	set ylabel pylabel[i]
	eval key_for_panel
	eval zero_for_panel
	set xlabel xlab
	if (plogy[i]) { set logscale y } else { unset logscale y }
	if (logx) { set logscale x 2 } else { unset logscale x }
	# tics on the swept values (few of them), else gnuplot's choice
	if (nxt > 0) {
		set xtics () norotate
		do for [k=1:nxt] { set xtics add (sprintf('%g', xt[k]) xt[k]) }
	} else {
		set xtics autofreq norotate
	}
	if (is_dumb) {
		plot for [v=1:nvar] dat index (i-1)*nvar+(v-1) using 1:2 with linespoints title vfull[v]
	} else {
		plot for [v=1:nvar] dat index (i-1)*nvar+(v-1) using 1:2:3:4 with yerrorlines \
		     lw 2 pt vpt(v) ps 0.8 dt vdt(v) lc rgb pal[(v-1)%8+1] title vfull[v]
	}
}
if (only == 0) {
	if (has_key) { eval shared_key }
	unset multiplot
}
