#!/usr/bin/python3
"""Writes models/byom/mobilenet_tiny: a small ImageNet-shaped model as a user
would bring it, for the bring-your-own-model tests and docs/models.md.

"mobilenet_tiny" is a few MobileNet-v2 blocks (depthwise convolutions,
BatchNorm, ReLU6, a residual add) with untrained, seeded weights, taking
[N,3,224,224] RGB with ImageNet mean/std and giving [N,1000]. It is exported
the way current exporters do it by default, NOT rewritten for any engine:

  mobilenet_tiny.pt          torch.jit.script of the eval-mode module
  mobilenet_tiny_traced.pt   torch.jit.trace of the same module
  mobilenet_tiny.onnx        torch.onnx.export at the exporter's default opset
  opsets/opset<N>.onnx       the same model at every opset 7..17
  config.pbtxt               the config a user writes: no input/output
                             shapes (INFaaS infers them), ImageNet
                             preprocessing (shorter side 256, centre 224)
  labels.txt                 1,000 lines in the format of the usual ImageNet
                             list ("name, synonym, synonym")
  sample.jpg                 a 320x240 synthetic photo-like JPEG
  expected.txt               the framework's own logits for sample.jpg,
                             preprocessed here by the documented rule in
                             numpy (only the resize kernel is shared:
                             OpenCV's, as INFaaS uses)
  README.md                  what the files are

The preprocessing below follows the documented rule (resize so the shorter
side is 256, keeping the aspect ratio, then take the centre 224x224, RGB,
x/255, (x - mean) / std), written here with numpy and OpenCV's resize, so the
C++ tests compare INFaaS's path with an independent one.

  /usr/bin/python3 tools/zoo/make_byom_example.py
"""

import os
import sys

import numpy as np
import torch
from torch import nn

sys.dont_write_bytecode = True  # keep __pycache__ out of the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zoo_export  # noqa: E402

REPO_ROOT = os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO_ROOT, "models", "byom", "mobilenet_tiny")
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SHORTER_SIDE = 256
CROP = 224


def conv_bn(cin, cout, kernel, stride, groups=1, relu6=True):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups,
                        bias=False),
              nn.BatchNorm2d(cout)]
    if relu6:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, channels, expand):
        super().__init__()
        hidden = channels * expand
        self.body = nn.Sequential(
            conv_bn(channels, hidden, 1, 1),
            conv_bn(hidden, hidden, 3, 1, groups=hidden),
            conv_bn(hidden, channels, 1, 1, relu6=False))

    def forward(self, x):
        return x + self.body(x)


class MobilenetTiny(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(3, 8, 3, 4),
            conv_bn(8, 8, 3, 2, groups=8),
            conv_bn(8, 12, 1, 1),
            InvertedResidual(12, 2),
            # Two convolutions whose biases start equal (zero): the
            # exporter keeps one initializer and feeds the other through an
            # Identity node, as it does in untrained torchvision models.
            nn.Conv2d(12, 12, 1),
            nn.ReLU(inplace=True),
            nn.Conv2d(12, 12, 1),
            nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(12, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def build():
    torch.manual_seed(7)
    model = MobilenetTiny()
    # Untrained BatchNorm statistics are 0/1: give them values so that the
    # folded graph differs from a plain convolution.
    g = torch.Generator().manual_seed(11)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
        elif isinstance(m, nn.Conv2d) and m.bias is not None:
            m.bias.data.zero_()
    return model.eval()


def export_onnx(model, path, opset=None):
    kwargs = {} if opset is None else {"opset_version": opset}
    with torch.no_grad():
        torch.onnx.export(
            model, torch.zeros(1, 3, 224, 224), path,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            **kwargs)


def sample_image():
    """A 320x240 BGR image with gradients, discs and noise."""
    h, w = 240, 320
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([x / w * 255, y / h * 255, (x + y) / (w + h) * 255], -1)
    rng = np.random.RandomState(3)
    for _ in range(6):
        cy, cx, r = rng.randint(0, h), rng.randint(0, w), rng.randint(15, 60)
        colour = rng.randint(0, 256, 3)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = colour
    img += rng.randn(h, w, 3) * 8
    return np.clip(img, 0, 255).astype(np.uint8)


def preprocess(jpeg_path):
    """Shorter side to 256 (aspect kept, size truncated like torchvision),
    centre 224x224 crop, BGR->RGB, /255, ImageNet mean/std, CHW."""
    import cv2

    bgr = cv2.imread(jpeg_path, cv2.IMREAD_COLOR)
    h, w = bgr.shape[:2]
    if h <= w:
        nh, nw = SHORTER_SIDE, int(SHORTER_SIDE * w / h)
    else:
        nh, nw = int(SHORTER_SIDE * h / w), SHORTER_SIDE
    shrinking = nh < h or nw < w
    resized = cv2.resize(bgr, (nw, nh), interpolation=cv2.INTER_AREA
                         if shrinking else cv2.INTER_LINEAR)
    top, left = (nh - CROP) // 2, (nw - CROP) // 2
    crop = resized[top:top + CROP, left:left + CROP, ::-1]
    x = (crop.astype(np.float32) / 255.0 - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))[None]


CONFIG_COMMENT = """\
A user's config for mobilenet_tiny: no input or output shapes (INFaaS
reads them from the file and says what it inferred), ImageNet
preprocessing. The ONNX file beside the .pt is registered with it."""


README = """\
# mobilenet_tiny: an ImageNet-shaped model as a user brings it

Written by `tools/zoo/make_byom_example.py` (do not edit by hand). A few
MobileNet-v2 blocks with untrained, seeded weights: input [N,3,224,224]
RGB with ImageNet mean/std, output [N,1000]. Its answers are meaningless;
it exists so that tests register and serve an ImageNet-sized input path
with files exported the way current exporters write them by default.

| file | what |
|---|---|
| `mobilenet_tiny.pt` | `torch.jit.script` export |
| `mobilenet_tiny_traced.pt` | `torch.jit.trace` export |
| `mobilenet_tiny.onnx` | `torch.onnx.export` at the default opset (%d), unmodified: three-input `Clip` (ReLU6), `Identity` on shared initializers, `Constant` nodes |
| `opsets/opset<N>.onnx` | the same model at opsets 7 to 17 |
| `config.pbtxt` | the user's config: no tensor shapes, ImageNet preprocessing |
| `labels.txt` | 1,000 lines in the ImageNet list's format |
| `sample.jpg` | a 320x240 synthetic JPEG |
| `expected.txt` | PyTorch's logits for `sample.jpg`, preprocessed in numpy by the documented rule |

See [docs/models.md](../../../docs/models.md).
"""


def main():
    if not os.path.isdir(os.path.join(REPO_ROOT, ".git")):
        sys.exit("run from a checkout")
    torch.set_num_threads(1)
    os.makedirs(os.path.join(OUT, "opsets"), exist_ok=True)
    model = build()
    torch.jit.script(model).save(os.path.join(OUT, "mobilenet_tiny.pt"))
    torch.jit.trace(model, torch.zeros(1, 3, 224, 224)).save(
        os.path.join(OUT, "mobilenet_tiny_traced.pt"))
    export_onnx(model, os.path.join(OUT, "mobilenet_tiny.onnx"))
    for opset in range(7, 18):
        export_onnx(model, os.path.join(OUT, "opsets", "opset%d.onnx" % opset),
                    opset)
    with open(os.path.join(OUT, "config.pbtxt"), "w") as f:
        f.write(zoo_export.imagenet_user_config(
            "mobilenet_tiny", max_batch_size=4, label_file="labels.txt",
            comment=CONFIG_COMMENT))
    with open(os.path.join(OUT, "labels.txt"), "w") as f:
        for i in range(1000):
            f.write("synthetic class %d, untrained %d\n" % (i, i))
    import cv2

    jpeg = os.path.join(OUT, "sample.jpg")
    cv2.imwrite(jpeg, sample_image(), [cv2.IMWRITE_JPEG_QUALITY, 90])
    x = preprocess(jpeg)
    with torch.no_grad():
        logits = model(torch.from_numpy(x)).numpy()[0]
    with open(os.path.join(OUT, "expected.txt"), "w") as f:
        f.write("# PyTorch logits of mobilenet_tiny for sample.jpg, one per "
                "line (class 0 first)\n")
        for v in logits:
            f.write("%.9g\n" % v)
    import onnx

    opset = onnx.load(
        os.path.join(OUT, "mobilenet_tiny.onnx")).opset_import[0].version
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(README % opset)
    print("wrote %s (default opset %d, top class %d, max |logit| %.3f)"
          % (OUT, opset, int(np.argmax(logits)), float(np.abs(logits).max())))


if __name__ == "__main__":
    main()
