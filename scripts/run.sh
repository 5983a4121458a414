#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing,
# builds, starts a single-machine INFaaS (a master and two workers,
# SQLite store) that registers and profiles the shipped model zoo, then
# shows the three model-less query forms and how the choice follows the
# requirements, then plays a load step with infaas-bench while the master
# autoscales. INFaaS keeps running afterwards: `build/bin/infaas down`
# stops it.
#
# State lives in $INFAAS_HOME (default ./.infaas).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The same preset and folder as scripts/test.sh: what is built here, the
# test command does not build again.
cmake --preset ci >/dev/null
cmake --build --preset ci --target infaas infaas-master infaas-worker infaas-bench

infaas=build/bin/infaas
samples=models/zoo/samples
"$infaas" down >/dev/null 2>&1 || true
"$infaas" up --workers 2

show() {
  echo
  echo "\$ infaas $*"
  "$infaas" "$@" || true
}

show modarch classification fashion-mnist
show modinfo lenet5
echo
echo "# 1. a named variant: INFaaS only picks the worker"
show query -v lenet5_torchscript_cpu1_b8 -i "$samples/ankle_boot_0000.png"
echo
echo "# 2. an architecture and a latency target: INFaaS picks the variant"
show query -a vgg_mini -l 20 -i "$samples/bag_0018.png" -i "$samples/coat_0006.png"
echo
echo "# 3. task, dataset, minimum accuracy and latency: INFaaS picks the architecture too"
echo "#    a loose requirement gets a cheap variant ..."
show query -t classification -D fashion-mnist -A 80 -l 50 -i "$samples/sneaker_0009.png"
echo "#    (if a loaded variant answered, the cheapest one was loading in the background:"
echo "#     a moment later it serves the same requirement)"
sleep 1
show query -t classification -D fashion-mnist -A 80 -l 50 -i "$samples/sneaker_0009.png"
echo "#    ... a strict accuracy an accurate one ..."
show query -t classification -D fashion-mnist -A 93 -l 50 -i "$samples/dress_0013.png"
echo "#    ... and an impossible pair the nearest feasible alternatives"
show query -t classification -D fashion-mnist -A 93 -l 0.001 -i "$samples/dress_0013.png"
show status
echo
echo "# bring your own model: an ImageNet-shaped model as PyTorch exports it (the ONNX file"
echo "#    unmodified, a config without shapes); registration says what it inferred and rewrote"
show register models/byom/mobilenet_tiny/config.pbtxt
show query -a mobilenet_tiny -l 500 -i models/byom/mobilenet_tiny/sample.jpg
echo
echo "# 4. demand moves: an open-loop step from 20 to 150 queries/s of 8 images and back;"
echo "#    the master adds instances (and, when they fit nowhere, workers), then removes them"
images=()
for f in "$samples"/*.png; do images+=(-i "$f"); done
echo "\$ infaas-bench -a resnet_mini -l 50 (8 images) --schedule 20qps:10s,150qps:20s,20qps:10s"
build/bin/infaas-bench -a resnet_mini -l 50 "${images[@]:0:16}" \
  --schedule 20qps:10s,150qps:20s,20qps:10s --interval 10s || true
show status
echo
echo "INFaaS keeps running (state in ${INFAAS_HOME:-.infaas}); stop it with: $infaas down"
