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
set key below horizontal
set format y '%g'
set datafile missing 'NaN'
# Colours that stay apart on screen and in grey print; dumb cycles characters.
array pal[8] = ['#1f5fbf', '#d9541e', '#2a9d3a', '#8e44ad', '#c0392b', '#16a0a0', '#7f6000', '#555555']
first = only > 0 ? only : 1
last = only > 0 ? only : npanels
if (only == 0) {
	set multiplot layout rows,cols title fig_title font ',12'
}
