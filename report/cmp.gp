# --- report/cmp.gp: one panel per metric, the variants side by side ---
# Data: per panel i, index 2(i-1) = repetitions (x value), index 2(i-1)+1 =
# median with its bars (x median lo hi). Categories are at x = 1..nvar.
key_points = 0
do for [i=first:last] {
	set title ttl(i)
	set ylabel pylabel[i]
	eval key_for_panel
	eval zero_for_panel
	set xlabel ''
	if (plogy[i]) { set logscale y } else { unset logscale y }
	set xrange [0.5:nvar+0.5]
	set xtics () 
	do for [c=1:nvar] { set xtics add ((is_dumb ? vtiny[c] : vname[c]) c) }
	if (xrot) { set xtics rotate by 25 right } else { set xtics norotate }
	if (is_dumb) {
		plot dat index 2*(i-1)+1 using 1:2 with points pt 7 title 'median'
	} else {
		plot dat index 2*(i-1) using 1:2 with points pt 7 ps 0.5 lc rgb '#a0a0a0' title 'repetition', \
		     dat index 2*(i-1)+1 using 1:2:3:4 with yerrorbars pt 7 ps 1.3 lw 2 lc rgb pal[1] title pbar[i]
	}
}
if (only == 0) {
	if (has_key) { eval shared_key }
	unset multiplot
}
