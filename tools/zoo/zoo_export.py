"""Export, verification, timing and config helpers shared by train_zoo.py and
make_imagenet_models.py.

Artifacts per model:
  <name>.pt    TorchScript (torch.jit.script of the eval-mode module; NOT
               frozen or optimised: the C++ loader freezes at load time)
  <name>.onnx  ONNX, input "input", output "logits", dynamic batch axis
"""

import os
import statistics
import time

import numpy as np
import torch

INPUT_NAME = "input"
OUTPUT_NAME = "logits"


def export_torchscript(model, path):
    model.eval()
    scripted = torch.jit.script(model)
    scripted.save(path)
    return path


def export_onnx(model, example, path, opset=11):
    import onnx

    model.eval()
    with torch.no_grad():
        torch.onnx.export(
            model, example, path,
            export_params=True,
            opset_version=opset,
            do_constant_folding=True,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        )
    graph_model = onnx.load(path)
    if inline_constant_identities(graph_model):
        onnx.save(graph_model, path)
    onnx.checker.check_model(onnx.load(path))
    return path


def inline_constant_identities(model):
    """Replaces every Identity node whose input is an initializer by a copy
    of that initializer under the node's output name; returns how many.

    The torch 1.13 exporter de-duplicates initializers with equal values
    (common in untrained networks: all-zero biases, all-one BatchNorm
    weights) by feeding one through Identity nodes, and OpenCV 4.6 DNN
    cannot import an Identity whose input is a constant."""
    import copy

    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    keep, replaced = [], 0
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in inits:
            clone = copy.deepcopy(inits[node.input[0]])
            clone.name = node.output[0]
            graph.initializer.append(clone)
            replaced += 1
        else:
            keep.append(node)
    if replaced:
        del graph.node[:]
        graph.node.extend(keep)
    return replaced


def torch_forward(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(np.ascontiguousarray(x))).numpy()


def verify_torchscript(path, reference_model, batches):
    """Reloads the .pt and compares with the eager model. Returns
    {batch: max_abs_diff}."""
    loaded = torch.jit.load(path, map_location="cpu")
    loaded.eval()
    diffs = {}
    for x in batches:
        ref = torch_forward(reference_model, x)
        got = torch_forward(loaded, x)
        diffs[int(x.shape[0])] = float(np.max(np.abs(ref - got)))
    return diffs


def opencv_forward(net, x):
    net.setInput(np.ascontiguousarray(x, dtype=np.float32))
    return np.asarray(net.forward(OUTPUT_NAME)).reshape(x.shape[0], -1)


def verify_opencv(onnx_path, reference_model, batches):
    """Loads the .onnx with OpenCV DNN and compares with the eager model.
    Returns {"loaded": bool, "error": str|None, "diffs": {batch: diff|str}}."""
    import cv2

    result = {"loaded": False, "error": None, "diffs": {}}
    try:
        net = cv2.dnn.readNetFromONNX(onnx_path)
    except cv2.error as e:  # pragma: no cover - reported, not raised
        result["error"] = str(e).strip().splitlines()[-1]
        return result
    result["loaded"] = True
    for x in batches:
        try:
            got = opencv_forward(net, x)
            ref = torch_forward(reference_model, x)
            result["diffs"][int(x.shape[0])] = float(np.max(np.abs(ref - got)))
        except cv2.error as e:
            result["diffs"][int(x.shape[0])] = (
                "error: " + str(e).strip().splitlines()[-1])
    return result


def _median_ms(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def torchscript_latency_ms(pt_path, input_shape, warmup=30, runs=200,
                           optimize=False):
    """Median batch-1 latency of the frozen TorchScript model, 1 thread."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        module = torch.jit.load(pt_path, map_location="cpu").eval()
        module = torch.jit.freeze(module)
        if optimize:
            module = torch.jit.optimize_for_inference(module)
        x = torch.randn(*input_shape)
        with torch.no_grad():
            return _median_ms(lambda: module(x), warmup, runs)
    finally:
        torch.set_num_threads(previous)


def opencv_latency_ms(onnx_path, input_shape, warmup=30, runs=200):
    """Median batch-1 latency of the ONNX model in OpenCV DNN, 1 thread."""
    import cv2

    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        net = cv2.dnn.readNetFromONNX(onnx_path)
        x = np.random.RandomState(0).randn(*input_shape).astype(np.float32)

        def run():
            net.setInput(x)
            net.forward(OUTPUT_NAME)

        return _median_ms(run, warmup, runs)
    finally:
        cv2.setNumThreads(previous)


def file_size(path):
    return os.path.getsize(path)


def _floats(values):
    return "[" + ", ".join(("%.7g" % v) for v in values) + "]"


def _ints(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def config_text(name, architecture, dataset, framework, model_file,
                input_dims, output_dims, color, width, height, scale, mean,
                std, label_file, accuracy, max_batch_size=8, cpu_threads=1,
                task="classification", mean_text=None, std_text=None):
    """A ModelConfig (proto/infaas/v1/model_config.proto) in text format."""
    lines = [
        'name: "%s"' % name,
        'task: "%s"' % task,
        'dataset: "%s"' % dataset,
        'architecture: "%s"' % architecture,
        "framework: %s" % framework,
        'model_file: "%s"' % model_file,
        'input { name: "%s" dtype: DTYPE_FP32 dims: %s }'
        % (INPUT_NAME, _ints(input_dims)),
        'output { name: "%s" dtype: DTYPE_FP32 dims: %s }'
        % (OUTPUT_NAME, _ints(output_dims)),
        "preprocessing { color: %s width: %d height: %d scale: %s "
        "mean: %s std: %s }"
        % (color, width, height, scale, mean_text or _floats(mean),
           std_text or _floats(std)),
    ]
    if label_file:
        lines.append('label_file: "%s"' % label_file)
    lines += [
        "max_batch_size: %d" % max_batch_size,
        "cpu_threads: %d" % cpu_threads,
        "declared_accuracy_percent: %.2f" % accuracy,
    ]
    return "\n".join(lines) + "\n"


def write_configs(folder, name, common):
    """Writes config.pbtxt (TorchScript) and config_onnx.pbtxt (ONNX) for
    `name` into `folder`; `common` holds config_text's shared fields."""
    for file_name, variant, framework, model_file in (
            ("config.pbtxt", name, "FRAMEWORK_TORCHSCRIPT", name + ".pt"),
            ("config_onnx.pbtxt", name + "_onnx", "FRAMEWORK_ONNX", name + ".onnx")):
        with open(os.path.join(folder, file_name), "w") as f:
            f.write(config_text(name=variant, framework=framework,
                                model_file=model_file, **common))



def imagenet_user_config(name, max_batch_size, label_file=None, comment=""):
    """The config a user writes for an ImageNet model exported as <name>.pt
    (with <name>.onnx beside it): TorchScript, no tensor shapes (INFaaS reads
    them from the .onnx), ImageNet preprocessing (shorter side 256, centre
    224x224, RGB, ImageNet mean/std), untrained (declared accuracy 0)."""
    lines = ["# " + line for line in comment.splitlines()] + [
        'name: "%s"' % name,
        'task: "classification"',
        'dataset: "imagenet-untrained"',
        'architecture: "%s"' % name,
        "framework: FRAMEWORK_TORCHSCRIPT",
        'model_file: "%s.pt"' % name,
        "preprocessing {",
        "  color: COLOR_RGB",
        "  resize_shorter_side: 256",
        "  center_crop: true",
        "  width: 224",
        "  height: 224",
        "  mean: [0.485, 0.456, 0.406]",
        "  std: [0.229, 0.224, 0.225]",
        "}",
    ]
    if label_file:
        lines.append('label_file: "%s"' % label_file)
    lines += ["max_batch_size: %d" % max_batch_size,
              "declared_accuracy_percent: 0"]
    return "\n".join(lines) + "\n"
