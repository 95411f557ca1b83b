"""Looking inside a `.keras` file before anything inflates it.

A `.keras` file is a zip of `config.json` (the layers, as JSON), `metadata.json` and
`model.weights.h5` (the weights, HDF5). A few megabytes on disk can declare gigabytes: a
member that inflates a thousandfold, an HDF5 dataset that declares 2 GB and stores nothing, a
JSON nested so deep that the parser recurses out of its stack. `read_archive` reads what the
file declares first (the zip directory, then the HDF5 metadata) and refuses anything beyond
what this app's models need before a byte of it is inflated or an array allocated; then it
parses `config.json` with its size and nesting bounded and refuses references to code
outside Keras. Every failure is a `ModelFileError` naming the file, never a server path.

These checks bound what a file *declares*. What opening a well-formed file *costs* (a 6 MB
model can need gigabytes for one digit) is bounded by `untrusted`, which runs them in a
child process with hard limits.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .storage import ModelFileError

MiB = 2**20

MAX_UNPACKED_BYTES = 22 * MiB
"""The most a `.keras` file may unpack to, all members together. The largest model the Train
page builds is the keras-mnist-cnn preset at width 128 (convolutions of 128 and 256 filters,
`models.with_width`, then its Dense 128 on the flattened 12x12x256): 5.0 million parameters,
19.1 MiB of float32 weights, saved without optimizer state. The other presets at their widest
need 3-8 MiB. The rest leaves 13 % for the HDF5 structure and the JSON."""

MAX_CONFIG_BYTES = 4 * MiB
"""config.json: ~17 KB for the app's 21-layer CNN, ~1 KB a layer; a parsed JSON needs up to
~30 times its size in memory, so this also bounds what parsing it costs."""

MAX_METADATA_BYTES = 1 * MiB
MEMBER_LIMITS = {"config.json": MAX_CONFIG_BYTES, "metadata.json": MAX_METADATA_BYTES,
                 "model.weights.h5": MAX_UNPACKED_BYTES}
REQUIRED_MEMBERS = ("config.json", "model.weights.h5")
MAX_MEMBERS = 8
MAX_DIRECTORY_BYTES = 64 * 1024  # Keras writes ~200 bytes of zip directory
MAX_RATIO = 100  # Keras stores members uncompressed; deflate reaches ~1000:1 on zeros
RATIO_FLOOR = 1 * MiB  # small members may compress well (JSON does) without harm
ACCEPTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

MAX_JSON_DEPTH = 64
"""The app's configs are nested 10 levels deep, a model inside a model a few more; Python's
JSON parser and Keras' deserializer recurse once per level."""

MAX_H5_OBJECTS = 10_000  # groups, datasets and attributes: ~60 in the app's CNN
MAX_H5_DEPTH = 16  # layers/<layer>/vars/<n> is 4; a nested model adds 2 a level
ACCEPTED_FILTERS = (1, 2, 3)  # HDF5's deflate, shuffle and fletcher32, built into every HDF5
UNSAFE_CLASSES = ("Lambda", "__lambda__", "TFSMLayer")  # code, or a path to load more from
_SCAN_CHUNK = 256 * 1024


@dataclass(frozen=True)
class KerasArchive:
    """What a checked `.keras` file holds: the parsed config and the weight file's bytes."""

    config: dict
    weights: bytes


def read_archive(path: str | os.PathLike, name: str | None = None) -> KerasArchive:
    """The config and weights of the `.keras` file at `path`, each checked before it is read;
    `name` is the file's name in messages (the uploaded name when `path` is a temp file)."""
    name = name or Path(path).name
    with checked_zip(path, name) as (archive, members):
        config = parse_config(_read(archive, members["config.json"], name), name)
        weights = _read(archive, members["model.weights.h5"], name)
    check_weights(weights, name)
    return KerasArchive(config, weights)


def check_file_directory(path: str | os.PathLike, name: str) -> None:
    """Refuse the file for what its zip directory declares, without reading a member."""
    with checked_zip(path, name):
        pass


@contextmanager
def checked_zip(path: str | os.PathLike, name: str):
    """(ZipFile, its members by name) once the directory passed `check_directory` and
    `checked_members`; any failure inside the block becomes a ModelFileError too."""
    try:
        with open(path, "rb") as f:
            check_directory(f, name)
            with zipfile.ZipFile(f) as archive:
                yield archive, checked_members(archive, name)
    except ModelFileError:
        raise
    except MemoryError as e:
        raise ModelFileError("too_much_memory", name=name) from e
    except Exception as e:  # BadZipFile, OSError, EOFError, zlib.error, NotImplementedError...
        raise ModelFileError("archive", name=name) from e


def check_directory(f, name: str) -> None:
    """Refuse a zip whose directory is larger than a Keras file's, before `ZipFile` parses it
    (a 50 MB zip can list a million members). The end record is read by the function
    `ZipFile` itself uses, so the figures checked are the ones it will act on."""
    end = zipfile._EndRecData(f)
    if end is None:
        raise ModelFileError("archive", name=name)
    count, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if count > MAX_MEMBERS or size > MAX_DIRECTORY_BYTES:
        raise ModelFileError("directory", name=name, count=count, limit=MAX_MEMBERS)
    f.seek(0)


def checked_members(archive: zipfile.ZipFile, name: str) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by name, if each is expected, stored or deflated, within its size
    limit and not inflating like a bomb, and all of them together within MAX_UNPACKED_BYTES."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        member = shown(info.filename)
        if info.filename not in MEMBER_LIMITS or info.filename in members:
            raise ModelFileError("members", name=name, member=member)
        members[info.filename] = info
        if info.flag_bits & 0x1 or info.compress_type not in ACCEPTED_COMPRESSION:
            raise ModelFileError("packing", name=name, member=member)
        if info.file_size > MEMBER_LIMITS[info.filename]:
            raise ModelFileError("unpacked_too_big", name=name, member=member, size=_mb(info.file_size),
                                 limit=_mb(MEMBER_LIMITS[info.filename]))
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ModelFileError("bomb", name=name, member=member,
                                 ratio=info.file_size // max(info.compress_size, 1))
    total = sum(info.file_size for info in members.values())
    if total > MAX_UNPACKED_BYTES:
        raise ModelFileError("archive_too_big", name=name, size=_mb(total), limit=_mb(MAX_UNPACKED_BYTES))
    for required in REQUIRED_MEMBERS:
        if required not in members:
            raise ModelFileError("member_missing", name=name, member=required)
    return members


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A member's bytes; `ZipFile` stops at the declared size and checks the CRC at the end."""
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ModelFileError("archive", name=name)
    return data


def _mb(size: int) -> str:
    """Megabytes for a message: "0.3", "4", "3583"."""
    return f"{size / MiB:.1f}".removesuffix(".0") if size < 10 * MiB else f"{size / MiB:.0f}"


def shown(text: str, limit: int = 60) -> str:
    """Text from inside a file, fit to show in a message: printable and short."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- config.json ---------------------------------------------------------------------------------

def parse_config(data: bytes, name: str) -> dict:
    """config.json as a dict, refused if nested deeper than MAX_JSON_DEPTH (measured before
    the parser sees it), if it is not JSON, or if it names code outside Keras."""
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ModelFileError("config_nesting", name=name, limit=MAX_JSON_DEPTH)
    try:
        config = json.loads(data.decode("utf-8"))
    except RecursionError as e:
        raise ModelFileError("config_nesting", name=name, limit=MAX_JSON_DEPTH) from e
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ModelFileError("config", name=name) from e
    if not isinstance(config, dict):
        raise ModelFileError("config", name=name)
    check_code_references(config, name)
    return config


def json_depth(data: bytes, stop_above: int | None = None) -> int:
    """How deeply `[` and `{` nest in JSON text, not counting those inside strings, without
    recursing: a few vectorized passes per 256 KB, stopping as soon as the depth passes
    `stop_above`. A quote is a string's end unless an odd run of backslashes precedes it;
    JSON's own scanner reads strings the same way, so where this says the text is shallow,
    `json.loads` recurses no deeper (past a syntax error it stops anyway)."""
    deepest, depth, inside, backslashes = 0, 0, False, 0
    for start in range(0, len(data), _SCAN_CHUNK):
        chunk = np.frombuffer(data, np.uint8, count=min(_SCAN_CHUNK, len(data) - start), offset=start)
        at = np.arange(len(chunk))
        is_backslash = chunk == 92
        last_other = np.maximum.accumulate(np.where(is_backslash, -1 - backslashes, at))
        run_before = np.empty(len(chunk), np.int64)
        run_before[0] = backslashes
        run_before[1:] = at[:-1] - last_other[:-1]
        quotes = (chunk == 34) & (run_before % 2 == 0)
        parity = np.cumsum(quotes) + int(inside)
        outside = parity % 2 == 0
        opens = ((chunk == 91) | (chunk == 123)) & outside
        closes = ((chunk == 93) | (chunk == 125)) & outside
        levels = depth + np.cumsum(opens.astype(np.int64) - closes)
        deepest = max(deepest, int(levels.max()))
        if stop_above is not None and deepest > stop_above:
            return deepest
        depth, inside = int(levels[-1]), bool(parity[-1] % 2)
        backslashes = len(chunk) - 1 - int(last_other[-1])
    return deepest


def check_code_references(config: dict, name: str) -> None:
    """Refuse a config that names a Lambda (marshalled Python code) or a class or function from
    a module outside Keras (`os.system`, a notebook's custom layer): Keras' safe mode refuses
    them too, but only after TensorFlow is imported; this refuses them before anything runs.
    `compile_config` is skipped: models are loaded uncompiled, so Keras ignores it."""
    stack = [value for key, value in config.items() if key != "compile_config"]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            class_name, module = node.get("class_name"), node.get("module")
            if class_name in UNSAFE_CLASSES:
                raise ModelFileError("unsafe", name=name)
            if "class_name" in node and module is not None and not _keras_module(module):
                named = node.get("registered_name") if class_name == "function" else class_name
                raise ModelFileError("foreign_code", name=name, what=shown(f"{module}.{named}"))
            stack.extend(node.values())


def _keras_module(module) -> bool:
    return isinstance(module, str) and (module in ("keras", "builtins") or module.startswith("keras."))


# --- model.weights.h5 ----------------------------------------------------------------------------

def check_weights(data: bytes, name: str) -> None:
    """Refuse an HDF5 weight file whose declared arrays and attributes need more than
    MAX_UNPACKED_BYTES, or that uses what a Keras weight file never does (links, external
    or virtual storage, non-numeric arrays, unusual filters, a deep or huge tree). Only
    metadata is read: no dataset is."""
    import h5py

    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            declared = _declared_bytes(h5, name)
    except ModelFileError:
        raise
    except MemoryError as e:
        raise ModelFileError("too_much_memory", name=name) from e
    except Exception as e:  # h5py raises OSError, KeyError, ValueError, RuntimeError, TypeError...
        raise ModelFileError("weights", name=name) from e
    if declared > MAX_UNPACKED_BYTES:
        raise ModelFileError("weights_too_big", name=name, size=_mb(declared), limit=_mb(MAX_UNPACKED_BYTES))


def _declared_bytes(root, name: str) -> int:
    """Bytes the tree under `root` would need in memory, walked without recursion; refuses
    every link that is not a hard link, and stops at MAX_H5_OBJECTS or MAX_H5_DEPTH (hard
    links can make a cycle, or a tree whose paths double at every level)."""
    import h5py

    total, seen = _attribute_bytes(root, name), 0
    stack = [(root, 1)]
    while stack:
        group, depth = stack.pop()
        for key in group:
            seen += 1
            if seen > MAX_H5_OBJECTS or depth > MAX_H5_DEPTH:
                raise ModelFileError("weights_layout", name=name)
            if not isinstance(group.get(key, getlink=True), h5py.HardLink):
                raise ModelFileError("weights_layout", name=name)
            item = group[key]
            total += _attribute_bytes(item, name)
            if isinstance(item, h5py.Group):
                stack.append((item, depth + 1))
            elif isinstance(item, h5py.Dataset):
                total += _dataset_bytes(item, name)
            else:
                raise ModelFileError("weights_layout", name=name)
    return total


def _dataset_bytes(dataset, name: str) -> int:
    dtype = dataset.dtype
    if dtype.kind not in "fiub" or dtype.fields is not None or dtype.subdtype is not None:
        raise ModelFileError("weights_layout", name=name)
    if dataset.external or dataset.is_virtual:
        raise ModelFileError("weights_layout", name=name)
    plist = dataset.id.get_create_plist()
    if any(plist.get_filter(i)[0] not in ACCEPTED_FILTERS for i in range(plist.get_nfilters())):
        raise ModelFileError("weights_layout", name=name)
    return math.prod(dataset.shape or ()) * dtype.itemsize


def _attribute_bytes(item, name: str) -> int:
    """Keras writes a few scalar attributes (a layer's name, "bfloat16"); an array of
    variable-length strings could point each element at one large heap object, so only
    scalars are accepted, and they count toward the total like arrays do."""
    total = 0
    for key in item.attrs:
        attribute = item.attrs.get_id(key)
        if attribute.shape not in ((), None):
            raise ModelFileError("weights_layout", name=name)
        total += max(attribute.dtype.itemsize, attribute.get_storage_size())
    return total


# --- a clean copy --------------------------------------------------------------------------------

def write_clean(path: str | os.PathLike, archive: KerasArchive) -> Path:
    """A `.keras` file written by us from a checked archive: its config re-serialized, and of
    its weights only the arrays under `layers/<layer>/vars/` (what a model of plain layers
    reads), copied into a fresh HDF5 file. Nothing else of the original survives."""
    import h5py

    path = Path(path)
    weights = path.with_name(path.name + ".h5")
    try:
        with h5py.File(io.BytesIO(archive.weights), "r") as source, h5py.File(weights, "w") as clean:
            clean.create_group("vars")
            layers = source.get("layers")
            for layer, group in (layers.items() if isinstance(layers, h5py.Group) else ()):
                variables = group.get("vars") if isinstance(group, h5py.Group) else None
                target = clean.create_group(f"layers/{layer}/vars")
                for key, dataset in (variables.items() if isinstance(variables, h5py.Group) else ()):
                    if isinstance(dataset, h5py.Dataset):
                        target[key] = dataset[()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
            out.writestr("metadata.json", json.dumps({"cleaned_by": "mnist_demo"}))
            out.writestr("config.json", json.dumps(archive.config))
            out.write(weights, "model.weights.h5")
    finally:
        weights.unlink(missing_ok=True)
    return path
