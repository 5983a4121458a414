# Goodput and SLO attainment against the offered load (bench/overload): what
# a serving system keeps of its promise past its capacity.
# Variables (gnuplot -e): files, labels, title, out. Columns: offered_x,
# offered_qps, goodput_qps, slo_attainment, answered_in_slo, refused_qps,
# p50_ms, p99_ms.
set terminal svg size 960,640 dynamic font "DejaVu Sans,11" background rgb "white"
set output out
set termoption noenhanced   # names such as resnet_mini are not markup
set datafile separator ","
set key outside right top
set grid
set multiplot layout 2,1 title title
# The same plot area in both panels, whatever their keys need.
set lmargin at screen 0.08
set rmargin at screen 0.78
set ylabel "queries/s"
set format x ""
plot for [i=1:words(files)] word(files,i) using 2:3 skip 1 with linespoints lw 2 pt 7 lc i \
       title word(labels,i)." goodput", \
     for [i=1:words(files)] word(files,i) using 2:6 skip 1 with linespoints dt 2 pt 6 lc i \
       title word(labels,i)." refused", \
     x with lines dt 3 lc rgb "#999999" title "offered"
set ylabel "share"
set format x "%g"
set xlabel "offered queries/s"
set yrange [0:1.05]
plot for [i=1:words(files)] word(files,i) using 2:4 skip 1 with linespoints lw 2 pt 7 lc i \
       title word(labels,i)." SLO attainment", \
     for [i=1:words(files)] word(files,i) using 2:5 skip 1 with linespoints dt 2 pt 6 lc i \
       title word(labels,i)." answered in SLO"
unset multiplot
