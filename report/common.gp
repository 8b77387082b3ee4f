# --- report/common.gp: terminal and style shared by every tdxbench figure ---
# Expects: fmt ('png', 'svg' or 'dumb'), only (0 = all panels, else one),
# base (output file stem), w_px, h_px.
if (fmt eq 'svg') {
	set terminal svg noenhanced size w_px,h_px font 'Sans,11' background '#ffffff'
	set output base.'.svg'
} else {
	if (fmt eq 'dumb') {
		set terminal dumb noenhanced size 79,25
		set output base.'-ascii.txt'
	} else {
		set terminal pngcairo noenhanced size w_px,h_px font 'Sans,10'
		set output base.'.png'
	}
}
is_dumb = fmt eq 'dumb'
set encoding utf8
set border 3
set tics nomirror out
if (!is_dumb) { set grid ytics lc rgb '#dddddd' }
# One panel alone (the ASCII version): no room for a rotated y label, so
# the figure title, panel title and y label go on top.
ttl(i) = only > 0 ? fig_title."\n".ptitle[i].(is_dumb && pylabel[i] ne '' ? '; y: '.pylabel[i] : '') : ptitle[i]
set format y '%g'
set datafile missing 'NaN'
# Colours that stay apart on screen and in grey print; dumb cycles characters.
array pal[8] = ['#1f5fbf', '#d9541e', '#2a9d3a', '#8e44ad', '#c0392b', '#16a0a0', '#7f6000', '#555555']
key_cols = nvar < key_cols_max ? nvar : key_cols_max
key_rows = (nvar + key_cols - 1) / key_cols
first = only > 0 ? only : 1
last = only > 0 ? only : npanels
# All panels share one key, drawn once over the full width under the figure
# title (a key per panel would cover data or eat the plot area); a panel
# alone keeps its key below. Templates: eval key_for_panel in each panel,
# eval shared_key after the last.
# Each variant its own dash pattern and point shape, besides its colour, so
# curves that coincide stay visible (one drawn dashed over the other).
array vpts[8] = [7, 5, 9, 11, 13, 4, 6, 8]
vdt(v) = (v - 1) % 5 + 1
vpt(v) = vpts[(v - 1) % 8 + 1]
key_for_panel = "if (has_key && only > 0) { set key below horizontal } else { unset key }"
shared_key = "unset title; unset xlabel; unset ylabel; unset border; unset tics; unset grid; " . \
	"unset logscale; set lmargin at screen 0.02; set rmargin at screen 0.98; " . \
	"set tmargin at screen 1 - 48.0/h_px; set bmargin at screen 1 - (48.0 + 22.0*key_rows)/h_px; " . \
	"set key center center horizontal maxcols key_cols; set xrange [0:1]; set yrange [0:1]; " . \
	"plot for [v=1:nvar] NaN with linespoints lw 2 pt (key_points ? vpt(v) : 0) ps 0.8 " . \
	"dt vdt(v) lc rgb pal[(v-1)%8+1] title vfull[v]"
if (only == 0) {
	bottom_px = xrot ? 120.0 : 60.0
	top_px = has_key ? 85.0 + 22.0 * key_rows : 80.0
	set multiplot layout rows,cols title fig_title."\n".fig_note font ',12' \
	    margins 80.0/w_px, 1 - 30.0/w_px, bottom_px/h_px, 1 - top_px/h_px \
	    spacing 100.0/w_px, (xrot ? 150.0 : 110.0)/h_px
}
# Counts and sizes start at 0 so a 5 % difference looks like one.
zero_for_panel = "if (pzero[i]) { set yrange [0:*] } else { set yrange [*:*] }"

