# Offered load, goodput and SLO attainment over time; one colour per run, so
# that policies run on the same schedule stand side by side.
# Variables (gnuplot -e): files, labels (space-separated, in the same order),
# title, out. Columns (loadgen::FormatIntervalsCsv): start_s, offered_qps,
# achieved_qps, goodput_qps, slo_attainment, ...
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
plot for [i=1:words(files)] word(files,i) using 1:2 skip 1 with lines dt 2 lw 1.5 lc i \
       title word(labels,i)." offered", \
     for [i=1:words(files)] word(files,i) using 1:4 skip 1 with lines lw 2 lc i \
       title word(labels,i)." goodput"
set ylabel "SLO attainment"
set format x "%g"
set xlabel "seconds since the start"
set yrange [0:1.05]
plot for [i=1:words(files)] word(files,i) using 1:5 skip 1 with linespoints lw 2 pt 7 ps 0.6 \
       lc i title word(labels,i)
unset multiplot
