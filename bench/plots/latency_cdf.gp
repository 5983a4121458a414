# Latency distributions (CDFs), one line per run; the latency target, when
# given (slo > 0), as a dashed line.
# Variables (gnuplot -e): files, labels, title, out, slo.
# Columns (loadgen::FormatLatencyCdfCsv): percent, ms.
set terminal svg size 960,480 dynamic font "DejaVu Sans,11" background rgb "white"
set output out
set termoption noenhanced   # names such as resnet_mini are not markup
set datafile separator ","
set title title
set lmargin at screen 0.08
set rmargin at screen 0.78
set key outside right top
set grid
set logscale x
set xlabel "latency (ms, log scale)"
set ylabel "answers within it (%)"
set yrange [0:100]
if (slo > 0) { set arrow from slo, graph 0 to slo, graph 1 nohead dt 3 lw 1.5 lc rgb "#b42318"; \
               set label "target" at slo, graph 1.03 center tc rgb "#b42318" }
plot for [i=1:words(files)] word(files,i) using 2:1 skip 1 with lines lw 2 lc i title word(labels,i)
