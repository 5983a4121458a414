"""Fashion-MNIST IDX reading/writing helpers for the INFaaS model zoo.

The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian header:
two zero bytes, a type code (0x08 = unsigned byte), the number of
dimensions, one uint32 per dimension, then the raw data in C order.
Files may be stored gzip-compressed; both forms are read transparently.
"""

import gzip
import os
import struct

import numpy as np

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"

# Class names in label order (0..9), as published with Fashion-MNIST.
LABELS = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

# Normalisation the zoo models expect: x = (pixel / 255 - MEAN) / STD.
MEAN = 0.2860
STD = 0.3530

_UBYTE = 0x08


def label_slug(index):
    """File-name friendly class name: 'T-shirt/top' -> 'tshirt_top'."""
    name = LABELS[index].lower().replace("/", "_").replace(" ", "_")
    return "".join(ch for ch in name if ch.isalnum() or ch == "_")


def _open_maybe_gz(path):
    if os.path.exists(path):
        with open(path, "rb") as f:
            magic = f.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rb")
        return open(path, "rb")
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    raise FileNotFoundError(path + "[.gz]")


def read_idx(path):
    """Reads an unsigned-byte IDX file (optionally .gz) into a numpy array."""
    with _open_maybe_gz(path) as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != _UBYTE:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(data) - offset != count:
        raise ValueError("%s: expected %d data bytes, found %d"
                         % (path, count, len(data) - offset))
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def write_idx(path, array):
    """Writes a uint8 numpy array as an uncompressed IDX file."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, _UBYTE, array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    with open(path, "wb") as f:
        f.write(header)
        f.write(array.tobytes())


def load_split(data_dir, split):
    """Returns (images uint8 [N,28,28], labels uint8 [N]) for 'train'/'test'."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte"))
    if images.shape[0] != labels.shape[0]:
        raise ValueError("image/label count mismatch in " + split)
    return images, labels


def normalise(images_u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28], normalised like the configs."""
    x = images_u8.astype(np.float32)[:, None, :, :] / 255.0
    return (x - MEAN) / STD
