#!/usr/bin/python3
"""Writes the backend tests' hand-made model files into this folder.

  /usr/bin/python3 src/backend/testdata/make_testdata.py

hardmax.onnx: input "input" [N,1,28,28] -> Flatten -> Hardmax -> "logits"
[N,784]. OpenCV 4.6's ONNX importer has no Hardmax layer, so loading it must
fail with an error that names the operator. Needs python3-onnx (Debian).
"""

import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def make_hardmax(path):
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["input"], ["flat"], axis=1),
            helper.make_node("Hardmax", ["flat"], ["logits"], axis=1),
        ],
        "infaas_unsupported_op",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 784])],
    )
    model = helper.make_model(graph, producer_name="infaas-backend-tests",
                              opset_imports=[helper.make_opsetid("", 11)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    make_hardmax(os.path.join(HERE, "hardmax.onnx"))
