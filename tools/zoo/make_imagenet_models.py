#!/usr/bin/python3
"""Generates UNTRAINED ImageNet-sized models for performance work only.

The weights are random (seeded), so the outputs are meaningless: these
models exist to load, profile and stress the serving path with realistic
sizes (3x224x224 input, 1000 classes). They must NEVER be committed; the
default output folder is outside the repository and the script refuses to
write inside it.

For each architecture it writes <out>/<arch>/ with
  <arch>.pt           TorchScript (scripted eval module, not frozen)
  <arch>.onnx         ONNX, input "input" [N,3,224,224], output "logits"
                      [N,1000], dynamic batch axis
  config.pbtxt        ModelConfig, FRAMEWORK_TORCHSCRIPT, name "<arch>"
  config_onnx.pbtxt   ModelConfig, FRAMEWORK_ONNX, name "<arch>_onnx"
  metrics.json        parameters, sizes, verification and latency
and checks that the .pt reloads and that OpenCV DNN loads the .onnx and
agrees with PyTorch on a batch of 1 and of 4.

mobilenet_v2 keeps its ReLU6 layers and is exported with ONNX opset 10,
where Clip carries min/max as attributes: OpenCV 4.6 rejects the opset-11+
Clip whose bounds are extra inputs. The others use opset 11.

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

# name -> ONNX opset that OpenCV 4.6 accepts for it.
ARCHITECTURES = {
    "resnet18": 11,
    "resnet50": 11,
    "mobilenet_v2": 10,
    "squeezenet1_1": 11,
}

MEAN_TEXT = "[0.485, 0.456, 0.406]"
STD_TEXT = "[0.229, 0.224, 0.225]"


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


def make_one(name, args):
    opset = args.opset or ARCHITECTURES[name]
    log("== %s (ONNX opset %d)" % (name, opset))
    torch.manual_seed(args.seed)
    model = build(name).eval()
    params = sum(p.numel() for p in model.parameters())
    d = os.path.join(args.out, name)
    os.makedirs(d, exist_ok=True)
    pt_path = os.path.join(d, name + ".pt")
    onnx_path = os.path.join(d, name + ".onnx")
    t0 = time.time()
    zoo_export.export_torchscript(model, pt_path)
    zoo_export.export_onnx(model, torch.randn(1, 3, 224, 224), onnx_path,
                           opset=opset)
    log("  exported in %.1fs: %.1f MB .pt, %.1f MB .onnx, %d parameters"
        % (time.time() - t0, os.path.getsize(pt_path) / 1e6,
           os.path.getsize(onnx_path) / 1e6, params))

    rng = np.random.RandomState(args.seed)
    batches = [rng.randn(1, 3, 224, 224).astype(np.float32),
               rng.randn(4, 3, 224, 224).astype(np.float32)]
    ts = zoo_export.verify_torchscript(pt_path, model, batches)
    cv = zoo_export.verify_opencv(onnx_path, model, batches)
    scale = float(np.max(np.abs(zoo_export.torch_forward(model, batches[0]))))
    log("  torch.jit.load max|diff|: %s" % ts)
    # Untrained logits can be tiny (mobilenet_v2: ~1e-9), so also report the
    # difference relative to the largest logit.
    rel = {b: (d / scale if isinstance(d, float) and scale > 0 else d)
           for b, d in cv["diffs"].items()}
    log("  OpenCV DNN loaded: %s  max|diff|: %s  relative: %s  "
        "(max|logit| %.3g)%s"
        % (cv["loaded"], cv["diffs"], rel, scale,
           (" error: " + cv["error"]) if cv["error"] else ""))

    lat = lat_cv = None
    if args.runs > 0:
        lat = zoo_export.torchscript_latency_ms(
            pt_path, (1, 3, 224, 224), warmup=5, runs=args.runs)
        if cv["loaded"]:
            lat_cv = zoo_export.opencv_latency_ms(
                onnx_path, (1, 3, 224, 224), warmup=5, runs=args.runs)
        log("  batch-1 latency, 1 thread (median of %d): TorchScript frozen "
            "%.2f ms, OpenCV ONNX %s ms"
            % (args.runs, lat, "n/a" if lat_cv is None else "%.2f" % lat_cv))

    common = dict(
        architecture=name, dataset="imagenet-untrained",
        input_dims=[3, 224, 224], output_dims=[1000], color="COLOR_RGB",
        width=224, height=224, scale="0.003921569", mean=None, std=None,
        mean_text=MEAN_TEXT, std_text=STD_TEXT, label_file=None,
        accuracy=0.0, max_batch_size=8, cpu_threads=1)
    zoo_export.write_configs(d, name, common)
    metrics = {
        "architecture": name,
        "untrained": True,
        "params": params,
        "onnx_opset": opset,
        "pt_bytes": os.path.getsize(pt_path),
        "onnx_bytes": os.path.getsize(onnx_path),
        "max_abs_logit_batch1": scale,
        "verification": {
            "torchscript_reload_max_abs_diff": ts,
            "opencv_loaded": cv["loaded"],
            "opencv_error": cv["error"],
            "opencv_max_abs_diff": cv["diffs"],
            "opencv_max_rel_diff": rel,
        },
        "latency_ms_batch1_1thread_torchscript_frozen": lat,
        "latency_ms_batch1_1thread_opencv_onnx": lat_cv,
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
                        help="force one ONNX opset for every model "
                             "(default: per model, see ARCHITECTURES)")
    parser.add_argument("--runs", type=int, default=20,
                        help="timed batch-1 runs per model; 0 skips timing "
                             "(default %(default)s)")
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
    failed = []
    for name in ARCHITECTURES:
        if only and name not in only:
            continue
        m = make_one(name, args)
        v = m["verification"]
        if not v["opencv_loaded"] or any(
                not isinstance(x, float) for x in
                v["opencv_max_abs_diff"].values()):
            failed.append(name)
    log("models in %s" % args.out)
    if failed:
        log("OpenCV could not run: %s" % ", ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
