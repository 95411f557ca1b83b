"""Hand-made hostile `.keras` files: what a student who wants to cause trouble would upload.

Each builder writes one file and returns its path. They start from the shipped model
(`models/default.keras`), so everything but the hostile part is a real model. The big ones
are cheap to make: a zip member of gigabytes of zeros (or spaces) is one megabyte of zeros
deflated once and the same deflate block repeated, and its CRC-32 is computed by combining
CRCs rather than by reading gigabytes. Nothing here needs TensorFlow.

`BUILDERS` lists them by name with the refusal reason the app must give (`None`: it must load);
`tests/test_hostile_models.py` and `bench/hostile_models.py` go through that list.
"""

from __future__ import annotations

import base64
import io
import json
import marshal
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from mnist_demo.storage import default_model_path

MiB = 2**20
GiB = 2**30
_BLOCK = MiB  # bytes of fill per repeated deflate block


# --- CRC-32 of long runs of one byte, without reading them ---------------------------------------

def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from crc32(A), crc32(B) and len(B): zlib's crc32_combine, which Python lacks."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _gf2_square(odd)
    operator = _gf2_square(even)  # four zero bits
    while length2:  # squared: one zero byte, two, four, ... applied where len(B) has a bit set
        operator = _gf2_square(operator)
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
    return crc1 ^ crc2


# --- a zip written by hand, so that a member can be a repeated deflate block ---------------------

@dataclass
class Member:
    """One zip member: its compressed bytes as chunks, and what its directory entry declares."""

    name: str
    chunks: Iterable[bytes]
    crc: int
    size: int
    compressed_size: int
    method: int = zipfile.ZIP_STORED


def stored(name: str, data: bytes) -> Member:
    return Member(name, [data], zlib.crc32(data), len(data), len(data))


def deflated(name: str, data: bytes) -> Member:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    return Member(name, [packed], zlib.crc32(data), len(data), len(packed), zipfile.ZIP_DEFLATED)


def padded(name: str, head: bytes, fill: bytes, total: int) -> Member:
    """`head` followed by `fill` (one byte) up to about `total` bytes, deflated: a whole number of
    1 MiB blocks of fill, each of which deflates to the same ~1 KB after a full flush."""
    count = max(0, (total - len(head)) // _BLOCK)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = fill * _BLOCK
    repeated = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.flush()
    crc = zlib.crc32(head)
    crc = crc32_combine(crc, _crc_of_repeats(block, count), _BLOCK * count) if count else crc
    size = len(head) + _BLOCK * count
    chunks = _repeat(first, repeated, count, last)
    return Member(name, chunks, crc, size, len(first) + len(repeated) * count + len(last), zipfile.ZIP_DEFLATED)


def _crc_of_repeats(block: bytes, count: int) -> int:
    """crc32(block * count), by doubling: O(log count) combines instead of reading it all."""
    unit, unit_length, result, result_length = zlib.crc32(block), len(block), 0, 0
    while count:
        if count & 1:
            result = crc32_combine(result, unit, unit_length) if result_length else unit
            result_length += unit_length
        count >>= 1
        if count:
            unit = crc32_combine(unit, unit, unit_length)
            unit_length *= 2
    return result


def _repeat(first: bytes, block: bytes, count: int, last: bytes):
    yield first
    for _ in range(count):
        yield block
    yield last


def write_zip(path: Path, members: list[Member]) -> Path:
    """A zip of `members` in order, with ZIP64 fields where a size needs them."""
    central, offset = [], 0
    with open(path, "wb") as out:
        for m in members:
            name = m.name.encode("utf-8")
            big = m.size >= 0xFFFFFFFF or m.compressed_size >= 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, m.size, m.compressed_size) if big else b""
            sizes = (0xFFFFFFFF, 0xFFFFFFFF) if big else (m.compressed_size, m.size)
            version = 45 if big else 20
            flags = 0x800  # UTF-8 names
            out.write(struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", version, flags, m.method, 0, 0x21,
                                  m.crc, *sizes, len(name), len(extra)) + name + extra)
            written = sum(out.write(chunk) for chunk in m.chunks)
            assert written == m.compressed_size, (m.name, written, m.compressed_size)
            central.append(struct.pack("<4sHHHHHHLLLHHHHHLL", b"PK\x01\x02", version, version, flags, m.method,
                                       0, 0x21, m.crc, *sizes, len(name), len(extra), 0, 0, 0, 0o644 << 16,
                                       offset) + name + extra)
            offset = out.tell()
        directory = b"".join(central)
        out.write(directory)
        out.write(struct.pack("<4sHHHHLLH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory),
                              offset, 0))
    return Path(path)


# --- the pieces of a real model ------------------------------------------------------------------

def shipped_members() -> dict[str, bytes]:
    with zipfile.ZipFile(default_model_path()) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def archive_with(path: Path, config: dict | bytes | None = None, weights: bytes | None = None,
             extra: list[Member] = ()) -> Path:
    parts = shipped_members()
    config = parts["config.json"] if config is None else config
    config = config if isinstance(config, bytes) else json.dumps(config).encode()
    return write_zip(path, [stored("metadata.json", parts["metadata.json"]), stored("config.json", config),
                            stored("model.weights.h5", parts["model.weights.h5"] if weights is None else weights),
                            *extra])


def shipped_config() -> dict:
    return json.loads(shipped_members()["config.json"])


def _layers(config: dict) -> list[dict]:
    return config["config"]["layers"]


# --- the hostile files ---------------------------------------------------------------------------

def valid(path: Path) -> Path:
    """The shipped model, byte for byte: must still load."""
    path.write_bytes(default_model_path().read_bytes())
    return path


def weights_bomb(path: Path, total: int = 3 * GiB + GiB // 2) -> Path:
    """4.5 MiB on disk; model.weights.h5 inflates to 3.5 GiB: the real weights, then zeros."""
    parts = shipped_members()
    return write_zip(path, [stored("metadata.json", parts["metadata.json"]),
                            stored("config.json", parts["config.json"]),
                            padded("model.weights.h5", parts["model.weights.h5"], b"\0", total)])


def config_bomb(path: Path, total: int = 4 * GiB + GiB // 2) -> Path:
    """5.6 MiB on disk; config.json inflates to 4.5 GiB: the real config, then spaces (valid JSON)."""
    parts = shipped_members()
    return write_zip(path, [stored("metadata.json", parts["metadata.json"]),
                            padded("config.json", parts["config.json"], b" ", total),
                            stored("model.weights.h5", parts["model.weights.h5"])])


def dataset_bomb(path: Path, declared: int = 2_000_000_000) -> Path:
    """The shipped weights with the first dense kernel replaced by one 2 GB dataset that stores
    nothing (chunked, compressed, never written): a few hundred KB that read as 2 GB."""
    import h5py

    buffer = io.BytesIO(shipped_members()["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars"].create_dataset("0", shape=(declared // 4,), dtype="float32",
                                                chunks=(MiB,), compression="gzip", fillvalue=0.0)
    return archive_with(path, weights=buffer.getvalue())


def nested_brackets(path: Path, size: int = 50 * MiB + 1) -> Path:
    """config.json is 50 MiB of `[` (49 KB on disk): json.loads recurses once per bracket."""
    parts = shipped_members()
    return write_zip(path, [stored("metadata.json", parts["metadata.json"]),
                            padded("config.json", b"[", b"[", size),
                            stored("model.weights.h5", parts["model.weights.h5"])])


def zip_slip(path: Path, marker: Path) -> Path:
    """A real model plus members named to land outside any folder they are extracted to, as a
    file named like `marker`."""
    names = (f"../../{marker.name}", f"/tmp/{marker.name}", f"assets/../../{marker.name}")
    return archive_with(path, extra=[stored(name, b"outside") for name in names])


def _replaced(config: dict, layer_name: str, replacement: dict) -> dict:
    """`config` with the layer `layer_name` swapped for `replacement`, wired the same way."""
    for i, layer in enumerate(_layers(config)):
        if layer["name"] == layer_name:
            _layers(config)[i] = {**replacement, "name": layer_name, "inbound_nodes": layer["inbound_nodes"]}
            return config
    raise KeyError(layer_name)


def _marker_code(marker: Path) -> str:
    """Base64 of a marshalled lambda that creates `marker`: what Keras stores for a Lambda layer."""
    source = f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]"
    code = compile(source, "<lambda>", "eval").co_consts[0]
    return base64.b64encode(marshal.dumps(code)).decode("ascii")


def lambda_layer(path: Path, marker: Path) -> Path:
    """The shipped model with its dropout replaced by a Lambda layer whose code creates `marker`."""
    lam = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "config": {
        "name": "dropout_1", "trainable": True, "dtype": "float32",
        "function": {"class_name": "__lambda__", "config": {"code": _marker_code(marker), "defaults": None,
                                                              "closure": None}},
        "function_type": "lambda", "output_shape": None, "output_shape_type": "raw", "output_shape_module": None,
        "arguments": {}, "mask": None, "mask_type": "raw", "mask_module": None}}
    return archive_with(path, config=_replaced(shipped_config(), "dropout_1", lam))


def os_system(path: Path, marker: Path) -> Path:
    """The shipped model whose first dense layer's activation names `os.system` with a command
    that creates `marker`."""
    config = shipped_config()
    for layer in _layers(config):
        if layer["name"] == "dense_1":
            layer["config"]["activation"] = {"module": "os", "class_name": "function",
                                             "config": f"touch {marker}", "registered_name": "system"}
    return archive_with(path, config=config)


def forward_bomb(path: Path, filters: int = 2048) -> Path:
    """A small, well-formed model that passes every look at the file and still needs gigabytes for
    one digit: a 1x1 convolution to `filters` channels, then a 28x28 'same' convolution, whose patch
    matrix for one image is 784 x 784 x `filters` floats (5 GB at 2048)."""
    import h5py
    import numpy as np

    config = shipped_config()
    by_name = {layer["name"]: layer for layer in _layers(config)}
    keep = [by_name[n] for n in ("pixels", "scaling", "channels")]
    wide, spread = json.loads(json.dumps(by_name["conv_1"])), json.loads(json.dumps(by_name["conv_1"]))
    wide["config"].update(filters=filters, kernel_size=[1, 1], use_bias=False)
    spread["name"] = spread["config"]["name"] = "conv_2"
    spread["config"].update(filters=1, kernel_size=[28, 28], use_bias=False)
    flatten, out = by_name["flatten"], by_name["probabilities"]
    chain = [*keep, wide, spread, flatten, out]
    shapes = {"channels": [None, 28, 28, 1], "conv_1": [None, 28, 28, filters], "conv_2": [None, 28, 28, 1],
              "flatten": [None, 784]}
    for previous, layer in zip(chain[2:-1], chain[3:], strict=True):
        tensor = layer["inbound_nodes"][0]["args"][0]["config"]
        tensor["keras_history"], tensor["shape"] = [previous["name"], 0, 0], shapes[previous["name"]]
        layer["build_config"] = {"input_shape": shapes[previous["name"]]}
    config["config"]["layers"] = chain
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        for group in ("input_layer", "rescaling", "reshape", "flatten"):
            h5.create_group(f"layers/{group}/vars")
        h5["layers/conv2d/vars/0"] = rng.standard_normal((1, 1, 1, filters), np.float32)
        h5["layers/conv2d_1/vars/0"] = rng.standard_normal((28, 28, filters, 1), np.float32) * 0.01
        h5["layers/dense/vars/0"] = rng.standard_normal((784, 10), np.float32) * 0.01
        h5["layers/dense/vars/1"] = np.zeros(10, np.float32)
        h5.create_group("vars")
    return archive_with(path, config=config, weights=buffer.getvalue())


def keras_only(path: Path) -> Path:
    """A valid model numpy does not run: the shipped one with its second pooling averaging
    instead of taking the maximum (no weights change), so Keras must load it."""
    config = shipped_config()
    for layer in _layers(config):
        if layer["name"] == "max_pool_2":
            layer["class_name"] = "AveragePooling2D"
    return archive_with(path, config=config)


def keras_allocation_bomb(path: Path, kernel_bytes: int = 4 * GiB) -> Path:
    """The shipped model with one pooling layer numpy does not run (so Keras loads it) and a
    first dense layer so wide that Keras allocates and initializes a `kernel_bytes` kernel
    while it builds the model from the config, before it reads a single weight."""
    config = shipped_config()
    for layer in _layers(config):
        if layer["name"] == "max_pool_2":
            layer["class_name"] = "AveragePooling2D"
        if layer["name"] == "dense_1":
            layer["config"]["units"] = kernel_bytes // (3136 * 4)
    return archive_with(path, config=config)


def external_dataset(path: Path, target: str = "/etc/passwd") -> Path:
    """The shipped weights with the output bias stored in `target`, a file on the server."""
    import h5py

    buffer = io.BytesIO(shipped_members()["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        del h5["layers/dense_1/vars/1"]
        h5["layers/dense_1/vars"].create_dataset("1", shape=(10,), dtype="float32", external=[(target, 0, 40)])
    return archive_with(path, weights=buffer.getvalue())


@dataclass(frozen=True)
class Hostile:
    """A builder, the refusal reason it must get (None: it must load) and what it is, for the
    table. A builder that `needs_marker` takes a second path, a file that must never exist:
    the hostile code would create it, or a zip-slip extraction would write one of its name."""

    build: Callable[..., Path]
    reason: str | None
    what: str
    needs_marker: bool = False


BUILDERS: dict[str, Hostile] = {
    "weights_bomb": Hostile(weights_bomb, "unpacked_too_big", "model.weights.h5 inflates to 3.5 GiB"),
    "config_bomb": Hostile(config_bomb, "unpacked_too_big", "config.json inflates to 4.5 GiB"),
    "dataset_bomb": Hostile(dataset_bomb, "weights_too_big", "the h5 declares one 2 GB dataset"),
    "nested_brackets": Hostile(nested_brackets, "unpacked_too_big", "config.json: 50 MB of nested ["),
    "zip_slip": Hostile(zip_slip, "members", "members named ../../x and /tmp/x", True),
    "lambda_layer": Hostile(lambda_layer, "unsafe", "a Lambda layer whose code creates a file", True),
    "os_system": Hostile(os_system, "foreign_code", "an activation naming os.system", True),
    "forward_bomb": Hostile(forward_bomb, "too_much_memory", "6 MB of weights, 5 GB for one digit"),
    "keras_allocation_bomb": Hostile(keras_allocation_bomb, "too_much_memory",
                                     "Keras builds a 4 GiB kernel from a 17 KB config"),
    "external_dataset": Hostile(external_dataset, "weights_layout", "a weight stored in /etc/passwd"),
    "valid": Hostile(valid, None, "the shipped model"),
    "keras_only": Hostile(keras_only, None, "a valid model only Keras runs (average pooling)"),
}


def build(name: str, folder: Path) -> Path:
    """The hostile file `name` of BUILDERS, written into `folder` as `<name>.keras`."""
    hostile = BUILDERS[name]
    path = folder / f"{name}.keras"
    if hostile.needs_marker:
        return hostile.build(path, marker_path(folder, name))
    return hostile.build(path)


def marker_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.marker"
