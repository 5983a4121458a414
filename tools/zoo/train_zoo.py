#!/usr/bin/python3
"""Trains the INFaaS Fashion-MNIST model zoo and exports it.

For every architecture in zoo_models.ARCHITECTURES this script trains with
fixed seeds on the 60k training images, measures top-1 accuracy on all 10k
test images, and writes to <out>/<arch>/:

  <arch>.pt            TorchScript (scripted eval module, not frozen)
  <arch>.onnx          ONNX opset 11, input "input", output "logits",
                       dynamic batch axis
  config.pbtxt         ModelConfig for the TorchScript file
  config_onnx.pbtxt    ModelConfig for the ONNX file (name "<arch>_onnx")
  labels.txt           class names, one per line
  metrics.json         accuracy, parameters, latency, sizes, verification

and, once per run, <out>/labels.txt, <out>/samples/ (12 test PNGs),
<out>/validation/ (first 500 test images as an IDX pair) and <out>/README.md
(a table built from every <arch>/metrics.json present).

Every export is verified: the .pt is reloaded with torch.jit.load and the
.onnx is loaded with OpenCV DNN (cv2.dnn.readNetFromONNX); both are compared
with the eager model on a batch of 1 and a batch of 4.

Usage (Debian packages, see install.sh; use /usr/bin/python3):
  /usr/bin/python3 tools/zoo/train_zoo.py                  # everything
  /usr/bin/python3 tools/zoo/train_zoo.py --only lenet5    # one model
  /usr/bin/python3 tools/zoo/train_zoo.py --epochs 1 --out /tmp/zoo
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep __pycache__ out of the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zoo_data  # noqa: E402
import zoo_export  # noqa: E402
import zoo_models  # noqa: E402

REPO_ROOT = os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "models", "zoo")

# Per-architecture training recipe: SGD (Nesterov momentum 0.9) with a
# one-cycle learning-rate schedule, batch 128; `flip` adds random horizontal
# flips (clothes are left/right symmetric).
RECIPES = {
    "linear":      dict(epochs=5,  lr=0.02, weight_decay=0.0,  flip=False),
    "mlp":         dict(epochs=10, lr=0.05, weight_decay=5e-4, flip=False),
    "lenet5":      dict(epochs=10, lr=0.05, weight_decay=5e-4, flip=False),
    "vgg_mini":    dict(epochs=8,  lr=0.05, weight_decay=5e-4, flip=True),
    "resnet_mini": dict(epochs=8,  lr=0.1,  weight_decay=5e-4, flip=True),
}

BATCH_SIZE = 128
NUM_SAMPLES = 12
NUM_VALIDATION = 500
SCALE_TEXT = "0.003921569"  # 1/255


def log(msg):
    print(msg, flush=True)


def set_seed(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def train(name, model, x_train, y_train, recipe, epochs, seed):
    """Trains in place; returns seconds spent."""
    set_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    decay, no_decay = [], []
    for pname, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": recipe["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=recipe["lr"], momentum=0.9, nesterov=True)
    n = x_train.shape[0]
    steps_per_epoch = (n + BATCH_SIZE - 1) // BATCH_SIZE
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=recipe["lr"], epochs=epochs,
        steps_per_epoch=steps_per_epoch, pct_start=0.25)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        total_loss, correct = 0.0, 0
        t0 = time.time()
        for step in range(steps_per_epoch):
            idx = perm[step * BATCH_SIZE:(step + 1) * BATCH_SIZE]
            xb, yb = x_train[idx], y_train[idx]
            if recipe["flip"]:
                mask = torch.rand(xb.shape[0], generator=gen) < 0.5
                xb = torch.where(mask[:, None, None, None], xb.flip(3), xb)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * xb.shape[0]
            correct += (logits.argmax(1) == yb).sum().item()
        log("  [%s] epoch %d/%d  loss %.4f  train acc %.2f%%  (%.1fs)"
            % (name, epoch + 1, epochs, total_loss / n, 100.0 * correct / n,
               time.time() - t0))
    model.eval()
    return time.time() - start


def accuracy(module, x, y, batch=1000):
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            correct += (module(x[i:i + batch]).argmax(1) == y[i:i + batch]
                        ).sum().item()
    return 100.0 * correct / x.shape[0]


def opencv_accuracy(onnx_path, x, y, batch):
    import cv2
    net = cv2.dnn.readNetFromONNX(onnx_path)
    correct = 0
    xs = x.numpy()
    for i in range(0, xs.shape[0], batch):
        out = zoo_export.opencv_forward(net, xs[i:i + batch])
        correct += int((out.argmax(1) == y[i:i + batch].numpy()).sum())
    return 100.0 * correct / xs.shape[0]


def write_labels(path):
    with open(path, "w") as f:
        f.write("\n".join(zoo_data.LABELS) + "\n")


def write_configs(arch_dir, arch, acc):
    common = dict(
        architecture=arch, dataset="fashion-mnist", input_dims=[1, 28, 28],
        output_dims=[10], color="COLOR_GRAY", width=28, height=28,
        scale=SCALE_TEXT, mean=None, std=None, mean_text="[0.2860]",
        std_text="[0.3530]", label_file="labels.txt", accuracy=acc,
        max_batch_size=8, cpu_threads=1)
    zoo_export.write_configs(arch_dir, arch, common)


def build_one(arch, args, data):
    x_train, y_train, x_test, y_test = data
    recipe = RECIPES[arch]
    epochs = args.epochs if args.epochs else recipe["epochs"]
    log("== %s: %s (%d epochs)" % (arch, zoo_models.ARCHITECTURES[arch][1],
                                  epochs))
    set_seed(args.seed)
    model = zoo_models.build(arch)
    params = zoo_models.count_params(model)
    log("  parameters: %d" % params)
    train_seconds = train(arch, model, x_train, y_train, recipe, epochs,
                          args.seed)

    arch_dir = os.path.join(args.out, arch)
    os.makedirs(arch_dir, exist_ok=True)
    pt_path = os.path.join(arch_dir, arch + ".pt")
    onnx_path = os.path.join(arch_dir, arch + ".onnx")
    zoo_export.export_torchscript(model, pt_path)
    zoo_export.export_onnx(model, x_test[:1].clone(), onnx_path, opset=11)

    # Accuracy of the exported TorchScript file on all 10k test images.
    loaded = torch.jit.load(pt_path, map_location="cpu").eval()
    acc = accuracy(loaded, x_test, y_test)
    eager_acc = accuracy(model, x_test, y_test)
    log("  test accuracy (10k): %.2f%% (eager %.2f%%)" % (acc, eager_acc))

    # Verification on real test images: batch 1 and batch 4.
    batches = [x_test[:1].numpy(), x_test[1:5].numpy()]
    ts_diffs = zoo_export.verify_torchscript(pt_path, model, batches)
    cv = zoo_export.verify_opencv(onnx_path, model, batches)
    log("  torch.jit.load max|diff|: %s" % ts_diffs)
    log("  OpenCV DNN loaded: %s  max|diff|: %s%s"
        % (cv["loaded"], cv["diffs"],
           (" error: " + cv["error"]) if cv["error"] else ""))
    val_x, val_y = x_test[:NUM_VALIDATION], y_test[:NUM_VALIDATION]
    val_ts = accuracy(loaded, val_x, val_y)
    val_cv = None
    if cv["loaded"]:
        ok4 = isinstance(cv["diffs"].get(4), float)
        val_cv = opencv_accuracy(onnx_path, val_x, val_y, 4 if ok4 else 1)
    log("  validation-500 accuracy: TorchScript %.2f%%, OpenCV %s"
        % (val_ts, "n/a" if val_cv is None else "%.2f%%" % val_cv))

    lat = zoo_export.torchscript_latency_ms(pt_path, (1, 1, 28, 28))
    lat_opt = zoo_export.torchscript_latency_ms(pt_path, (1, 1, 28, 28),
                                                optimize=True)
    lat_cv = (zoo_export.opencv_latency_ms(onnx_path, (1, 1, 28, 28))
              if cv["loaded"] else None)
    log("  batch-1 latency, 1 thread: TorchScript frozen %.4f ms, "
        "frozen+optimize_for_inference %.4f ms, OpenCV ONNX %s ms"
        % (lat, lat_opt, "n/a" if lat_cv is None else "%.4f" % lat_cv))

    write_configs(arch_dir, arch, acc)
    write_labels(os.path.join(arch_dir, "labels.txt"))
    metrics = {
        "architecture": arch,
        "description": zoo_models.ARCHITECTURES[arch][1],
        "params": params,
        "test_accuracy_percent": round(acc, 2),
        "test_images": int(x_test.shape[0]),
        "validation500_accuracy_percent_torchscript": round(val_ts, 2),
        "validation500_accuracy_percent_opencv_onnx":
            None if val_cv is None else round(val_cv, 2),
        "latency_ms_batch1_1thread_torchscript_frozen": round(lat, 4),
        "latency_ms_batch1_1thread_torchscript_frozen_optimized":
            round(lat_opt, 4),
        "latency_ms_batch1_1thread_opencv_onnx":
            None if lat_cv is None else round(lat_cv, 4),
        "latency_method": "median of 200 runs after 30 warm-up runs, "
                          "torch.set_num_threads(1) / cv2.setNumThreads(1)",
        "pt_bytes": zoo_export.file_size(pt_path),
        "onnx_bytes": zoo_export.file_size(onnx_path),
        "onnx_opset": 11,
        "verification": {
            "torchscript_reload_max_abs_diff": ts_diffs,
            "opencv_loaded": cv["loaded"],
            "opencv_error": cv["error"],
            "opencv_max_abs_diff": cv["diffs"],
        },
        "training": dict(recipe, epochs=epochs, batch_size=BATCH_SIZE,
                         seed=args.seed, threads=args.threads,
                         optimizer="SGD nesterov momentum 0.9, OneCycleLR",
                         seconds=round(train_seconds, 1)),
        "versions": {"torch": torch.__version__,
                     "opencv": _cv_version(), "python":
                     platform.python_version()},
    }
    with open(os.path.join(arch_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=False)
        f.write("\n")
    return metrics


def _cv_version():
    try:
        import cv2
        return cv2.__version__
    except ImportError:
        return None


def write_samples(out, images, labels):
    import cv2
    sample_dir = os.path.join(out, "samples")
    os.makedirs(sample_dir, exist_ok=True)
    for old in os.listdir(sample_dir):  # drop PNGs of an earlier selection
        if old.endswith(".png"):
            os.remove(os.path.join(sample_dir, old))
    chosen = []
    for cls in range(10):  # first test image of every class
        chosen.append(int(np.nonzero(labels == cls)[0][0]))
    # Top up with the first unused test images whose class has only one
    # sample so far, so that no class appears more than twice.
    i = 0
    while len(chosen) < NUM_SAMPLES:
        cls = int(labels[i])
        if i not in chosen and sum(int(labels[j]) == cls for j in chosen) < 2:
            chosen.append(i)
        i += 1
    chosen.sort()
    rows = []
    for idx in chosen:
        fname = "%s_%04d.png" % (zoo_data.label_slug(int(labels[idx])), idx)
        path = os.path.join(sample_dir, fname)
        if not cv2.imwrite(path, images[idx]):
            raise RuntimeError("could not write " + path)
        back = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if back is None or back.dtype != np.uint8 or back.shape != (28, 28) \
                or not np.array_equal(back, images[idx]):
            raise RuntimeError("PNG round trip failed for " + path)
        rows.append((fname, idx, int(labels[idx])))
    with open(os.path.join(sample_dir, "README.md"), "w") as f:
        f.write(
            "# Fashion-MNIST sample images\n\n"
            "%d images from the Fashion-MNIST **test** set, written by\n"
            "`tools/zoo/train_zoo.py`: 8-bit greyscale PNG, 28x28, the raw\n"
            "dataset pixels (no normalisation). The zoo configs' preprocessing\n"
            "(scale 1/255, mean 0.2860, std 0.3530) turns them into model input.\n"
            "File names are `<true class>_<test index>.png`; there is at least\n"
            "one image per class.\n\n"
            "| file | test index | label | class |\n|---|---|---|---|\n"
            % NUM_SAMPLES)
        for fname, idx, lab in rows:
            f.write("| %s | %d | %d | %s |\n"
                    % (fname, idx, lab, zoo_data.LABELS[lab]))
    log("wrote %d samples to %s" % (len(rows), sample_dir))


def write_validation(out, images, labels):
    val_dir = os.path.join(out, "validation")
    os.makedirs(val_dir, exist_ok=True)
    zoo_data.write_idx(os.path.join(val_dir, "images-idx3-ubyte"),
                       images[:NUM_VALIDATION])
    zoo_data.write_idx(os.path.join(val_dir, "labels-idx1-ubyte"),
                       labels[:NUM_VALIDATION])
    counts = np.bincount(labels[:NUM_VALIDATION], minlength=10)
    with open(os.path.join(val_dir, "README.md"), "w") as f:
        f.write(
            "# Fashion-MNIST validation subset\n\n"
            "The first %d images and labels of the Fashion-MNIST **test** set\n"
            "(t10k), in the dataset's own uncompressed IDX format, for quick\n"
            "accuracy checks (e.g. by the profiler):\n\n"
            "- `images-idx3-ubyte`: magic 0x00000803, dims [%d, 28, 28], uint8\n"
            "  raw pixels (0 = background), row-major.\n"
            "- `labels-idx1-ubyte`: magic 0x00000801, dims [%d], uint8 class\n"
            "  ids 0..9 in the order of `../labels.txt`.\n\n"
            "All integers in the headers are big-endian. Written by\n"
            "`tools/zoo/train_zoo.py`. Accuracy on this subset is only an\n"
            "estimate; the zoo's declared accuracies use all 10,000 test\n"
            "images.\n\nImages per class: %s\n"
            % (NUM_VALIDATION, NUM_VALIDATION, NUM_VALIDATION,
               ", ".join("%d=%d" % (c, n) for c, n in enumerate(counts))))
    log("wrote validation subset to %s" % val_dir)


def _mb(n):
    return "%.3f MB" % (n / 1e6) if n < 1e5 else "%.2f MB" % (n / 1e6)


def write_readme(out):
    rows = []
    for arch in zoo_models.ARCHITECTURES:
        path = os.path.join(out, arch, "metrics.json")
        if os.path.exists(path):
            with open(path) as f:
                rows.append(json.load(f))
    lines = [
        "# INFaaS model zoo: Fashion-MNIST",
        "",
        "Small image classifiers for Fashion-MNIST (28x28 greyscale, 10",
        "classes), each as TorchScript (`<arch>.pt`) and ONNX (`<arch>.onnx`)",
        "with a `config.pbtxt` / `config_onnx.pbtxt`",
        "(`proto/infaas/v1/model_config.proto`, text format). They span a wide",
        "accuracy / latency range so that model-less selection has real",
        "choices to make.",
        "",
        "| architecture | description | parameters | test accuracy (10k) "
        "| batch-1 latency, TorchScript frozen, 1 thread | same + "
        "optimize_for_inference | OpenCV DNN ONNX, 1 thread "
        "| .pt size | .onnx size |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in rows:
        cvl = m["latency_ms_batch1_1thread_opencv_onnx"]
        lines.append(
            "| %s | %s | %s | %.2f%% | %.3f ms | %.3f ms | %s | %s | %s |"
            % (m["architecture"], m["description"], format(m["params"], ","),
               m["test_accuracy_percent"],
               m["latency_ms_batch1_1thread_torchscript_frozen"],
               m["latency_ms_batch1_1thread_torchscript_frozen_optimized"],
               "n/a" if cvl is None else "%.3f ms" % cvl,
               _mb(m["pt_bytes"]), _mb(m["onnx_bytes"])))
    if rows:
        accs = [m["test_accuracy_percent"] for m in rows]
        lats = [m["latency_ms_batch1_1thread_torchscript_frozen"]
                for m in rows]
        secs = sum(m["training"]["seconds"] for m in rows)
        diffs = [d for m in rows for d in
                 list(m["verification"]["opencv_max_abs_diff"].values()) +
                 list(m["verification"]["torchscript_reload_max_abs_diff"]
                      .values()) if isinstance(d, float)]
        lines += [
            "",
            "Accuracy spread: %.2f percentage points; TorchScript latency "
            "spread: %.0fx (slowest / fastest, frozen). Total training time: "
            "%.1f min wall clock with %d CPU threads (on a shared machine, so "
            "partly slowed by other load). Largest verification difference "
            "(OpenCV or reloaded TorchScript vs. eager PyTorch, batch 1 and "
            "4): %.1e."
            % (max(accs) - min(accs), max(lats) / min(lats), secs / 60.0,
               rows[0]["training"]["threads"], max(diffs) if diffs else 0.0),
        ]
    lines += [
        "",
        "## How the numbers were measured",
        "",
        "- **Accuracy**: top-1 on **all 10,000 Fashion-MNIST test images**,",
        "  computed with the exported `.pt` reloaded by `torch.jit.load`; it",
        "  is the `declared_accuracy_percent` of both configs. Models were",
        "  trained on the 60,000 training images only; no choice was made by",
        "  looking at test accuracy.",
        "- **Latency**: batch 1, one thread (`torch.set_num_threads(1)`),",
        "  `torch.jit.freeze` of the loaded `.pt` (the third latency column",
        "  also applies `torch.jit.optimize_for_inference`, as the C++ loader",
        "  does), median of 200 runs after 30 warm-up runs; the OpenCV column",
        "  is `cv2.dnn.readNetFromONNX` with `cv2.setNumThreads(1)`. Measured",
        "  on the build machine; treat the values as relative.",
        "- **Verification**: every `.pt` is reloaded with `torch.jit.load`",
        "  and every `.onnx` is loaded with OpenCV 4.6 DNN; both are compared",
        "  with the eager PyTorch model on a batch of 1 and of 4 test images",
        "  (max abs diffs in each `metrics.json`).",
        "",
        "## Files",
        "",
        "- `<arch>/<arch>.pt`: `torch.jit.script` of the eval-mode module",
        "  (not frozen; the server freezes and optimises it when loading).",
        "- `<arch>/<arch>.onnx`: ONNX opset 11, `do_constant_folding=True`",
        "  (BatchNorm folded into the convolutions), input `input`",
        "  float32 [N,1,28,28], output `logits` float32 [N,10], dynamic N.",
        "- `<arch>/config.pbtxt` (TorchScript, name `<arch>`) and",
        "  `<arch>/config_onnx.pbtxt` (ONNX, name `<arch>_onnx`).",
        "- `<arch>/labels.txt`, `labels.txt`: the 10 class names in label",
        "  order.",
        "- `<arch>/metrics.json`: accuracy, parameters, latencies, file",
        "  sizes, verification diffs, training recipe and timing.",
        "- `samples/`: 12 test-set PNGs named `<class>_<test index>.png`.",
        "- `validation/`: the first 500 test images + labels as an IDX pair.",
        "",
        "## Input",
        "",
        "float32 NCHW [N, 1, 28, 28]: pixel / 255, then (x - 0.2860) / 0.3530",
        "(the Fashion-MNIST training-set mean and standard deviation). Outputs",
        "are raw logits (apply softmax for probabilities).",
        "",
        "## How they were made",
        "",
        "```",
        "tools/zoo/install.sh            # Debian packages (torch, onnx, opencv, dataset)",
        "/usr/bin/python3 tools/zoo/train_zoo.py",
        "```",
        "",
        "Fixed seed (`--seed`, default 0), SGD with Nesterov momentum and a",
        "one-cycle schedule, batch 128, 2 CPU threads; recipes are in",
        "`RECIPES` in `tools/zoo/train_zoo.py` and in each `metrics.json`.",
        "`--only <arch>` rebuilds one model (the README is regenerated from",
        "all `metrics.json` files); see `tools/zoo/README.md`.",
        "",
    ]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines))
    log("wrote %s" % os.path.join(out, "README.md"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="output folder (default: %(default)s)")
    parser.add_argument("--data", default=zoo_data.DEFAULT_DATA_DIR,
                        help="Fashion-MNIST IDX folder (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=0,
                        help="epochs for every model (default: per-model "
                             "recipe: %s)" % ", ".join(
                                 "%s=%d" % (k, v["epochs"])
                                 for k, v in RECIPES.items()))
    parser.add_argument("--only", action="append", default=[],
                        metavar="NAME",
                        help="build only this architecture (repeatable or "
                             "comma-separated): %s"
                             % ", ".join(zoo_models.ARCHITECTURES))
    parser.add_argument("--assets-only", action="store_true",
                        help="only (re)write labels.txt, samples/, "
                             "validation/ and README.md; train nothing")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads for training (default 2)")
    args = parser.parse_args()

    only = [n for item in args.only for n in item.split(",") if n]
    for n in only:
        if n not in zoo_models.ARCHITECTURES:
            parser.error("unknown architecture %r (choose from %s)"
                         % (n, ", ".join(zoo_models.ARCHITECTURES)))
    archs = [a for a in zoo_models.ARCHITECTURES if not only or a in only]

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)

    log("loading Fashion-MNIST from %s" % args.data)
    tr_img, tr_lab = zoo_data.load_split(args.data, "train")
    te_img, te_lab = zoo_data.load_split(args.data, "test")
    log("  train %s, test %s" % (tr_img.shape, te_img.shape))
    data = (torch.from_numpy(zoo_data.normalise(tr_img)),
            torch.from_numpy(tr_lab.astype(np.int64)),
            torch.from_numpy(zoo_data.normalise(te_img)),
            torch.from_numpy(te_lab.astype(np.int64)))

    write_labels(os.path.join(args.out, "labels.txt"))
    write_samples(args.out, te_img, te_lab)
    write_validation(args.out, te_img, te_lab)

    if args.assets_only:
        write_readme(args.out)
        return
    start = time.time()
    results = [build_one(arch, args, data) for arch in archs]
    write_readme(args.out)

    log("")
    log("%-12s %10s %9s %11s %11s %10s %10s" % (
        "arch", "params", "acc(10k)", "ts ms", "cv ms", ".pt", ".onnx"))
    for m in results:
        cvl = m["latency_ms_batch1_1thread_opencv_onnx"]
        log("%-12s %10d %8.2f%% %11.4f %11s %10d %10d" % (
            m["architecture"], m["params"], m["test_accuracy_percent"],
            m["latency_ms_batch1_1thread_torchscript_frozen"],
            "n/a" if cvl is None else "%.4f" % cvl,
            m["pt_bytes"], m["onnx_bytes"]))
    log("total training %.1f s, total run %.1f s" % (
        sum(m["training"]["seconds"] for m in results), time.time() - start))


if __name__ == "__main__":
    main()
