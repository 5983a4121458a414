#!/bin/sh
# Installs the Debian packages that tools/zoo needs. Idempotent: packages
# that are already installed are left alone. Run as root (or via sudo).
#
#   python3-torch        training, TorchScript export   (torch 1.13)
#   python3-numpy        arrays
#   python3-onnx         ONNX export and checking
#   python3-opencv       verifying the ONNX files load in OpenCV DNN (4.6)
#   python3-torchvision  ImageNet architectures for make_imagenet_models.py
#   dataset-fashion-mnist  /usr/share/datasets/fashion-mnist/*.gz
#
# The scripts run with /usr/bin/python3 (the interpreter these packages
# install into), not a virtualenv or pyenv python.
set -eu

PACKAGES="python3-torch python3-numpy python3-onnx python3-opencv \
python3-torchvision dataset-fashion-mnist"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "tools/zoo: all packages already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "tools/zoo: installing$missing"
$SUDO apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
/usr/bin/python3 -c "import torch, numpy, onnx, cv2, torchvision; \
print('torch', torch.__version__, '| opencv', cv2.__version__)"
