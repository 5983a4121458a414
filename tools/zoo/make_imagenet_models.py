#!/usr/bin/python3
"""Generates UNTRAINED ImageNet-sized models for performance work only.

The weights are random (seeded), so the outputs are meaningless: these
models exist to register, profile and serve realistic sizes (3x224x224
input, 1000 classes). They must NEVER be committed; the default output
folder is outside the repository and the script refuses to write inside it.

For each architecture it writes <out>/<arch>/ as a user would bring it:
  <arch>.pt           TorchScript (scripted eval module, not frozen)
  <arch>.onnx         ONNX exactly as torch.onnx.export writes it at its
                      default opset (14 for torch 1.13): INFaaS rewrites what
                      OpenCV 4.6 cannot load at registration
  config.pbtxt        the user's config: FRAMEWORK_TORCHSCRIPT, no tensor
                      shapes (INFaaS reads them from the .onnx beside it),
                      ImageNet preprocessing (shorter side 256, centre 224)
  metrics.json        parameters, sizes, the TorchScript reload check
Register one with `infaas register <out>/<arch>/config.pbtxt`; bench/imagenet
registers and serves all four.

Needs torchvision (Debian: python3-torchvision; see install.sh).

  /usr/bin/python3 tools/zoo/make_imagenet_models.py
  /usr/bin/python3 tools/zoo/make_imagenet_models.py --only squeezenet1_1 \
      --out /tmp/imagenet-models
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # keep __pycache__ out of the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zoo_export  # noqa: E402

REPO_ROOT = os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = "/tmp/infaas-imagenet-models"

ARCHITECTURES = ["resnet18", "resnet50", "mobilenet_v2", "squeezenet1_1"]



def log(msg):
    print(msg, flush=True)


def build(name):
    try:
        import torchvision
    except ImportError:
        sys.exit("torchvision is missing: apt-get install -y "
                 "python3-torchvision (or run tools/zoo/install.sh)")
    ctor = getattr(torchvision.models, name)
    try:
        return ctor(weights=None)  # torchvision >= 0.13
    except TypeError:
        return ctor(pretrained=False)


def inside(path, root):
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root + os.sep)


def export_onnx(model, path, opset):
    kwargs = {"opset_version": opset} if opset else {}
    with torch.no_grad():
        torch.onnx.export(
            model, torch.zeros(1, 3, 224, 224), path,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            **kwargs)


def make_one(name, args):
    log("== %s (ONNX opset %s)" % (name, args.opset or "exporter default"))
    torch.manual_seed(args.seed)
    model = build(name).eval()
    params = sum(p.numel() for p in model.parameters())
    d = os.path.join(args.out, name)
    os.makedirs(d, exist_ok=True)
    pt_path = os.path.join(d, name + ".pt")
    onnx_path = os.path.join(d, name + ".onnx")
    t0 = time.time()
    zoo_export.export_torchscript(model, pt_path)
    export_onnx(model, onnx_path, args.opset)
    log("  exported in %.1fs: %.1f MB .pt, %.1f MB .onnx, %d parameters"
        % (time.time() - t0, os.path.getsize(pt_path) / 1e6,
           os.path.getsize(onnx_path) / 1e6, params))
    rng = np.random.RandomState(args.seed)
    batches = [rng.randn(1, 3, 224, 224).astype(np.float32)]
    ts = zoo_export.verify_torchscript(pt_path, model, batches)
    log("  torch.jit.load max|diff|: %s" % ts)
    with open(os.path.join(d, "config.pbtxt"), "w") as f:
        f.write(zoo_export.imagenet_user_config(name, max_batch_size=8))
    metrics = {
        "architecture": name,
        "untrained": True,
        "params": params,
        "onnx_opset": args.opset or "exporter default",
        "pt_bytes": os.path.getsize(pt_path),
        "onnx_bytes": os.path.getsize(onnx_path),
        "torchscript_reload_max_abs_diff": ts,
    }
    with open(os.path.join(d, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
        f.write("\n")
    return metrics


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="output folder, outside the repository "
                             "(default: %(default)s)")
    parser.add_argument("--only", action="append", default=[],
                        metavar="NAME",
                        help="only this architecture (repeatable or "
                             "comma-separated): %s" % ", ".join(ARCHITECTURES))
    parser.add_argument("--opset", type=int, default=0,
                        help="ONNX opset (default: the exporter's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    only = [n for item in args.only for n in item.split(",") if n]
    for n in only:
        if n not in ARCHITECTURES:
            parser.error("unknown architecture %r (choose from %s)"
                         % (n, ", ".join(ARCHITECTURES)))
    args.out = os.path.abspath(args.out)
    if inside(args.out, REPO_ROOT):
        parser.error("refusing to write untrained models inside the "
                     "repository (%s); pick a folder outside it" % REPO_ROOT)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    for name in ARCHITECTURES:
        if only and name not in only:
            continue
        make_one(name, args)
    log("models in %s" % args.out)


if __name__ == "__main__":
    main()
