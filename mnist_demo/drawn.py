"""The pen-drawn digits of the drawn-digits dev split: reading them and splitting by source.

`$MNIST_DEMO_DATA_DIR/drawn-digits/unipen-dev.jsonl.gz` holds real pen trajectories of
isolated digits from 4 contributors ("sources") of UNIPEN category 1a (see the README
beside it). Writers never seen are simulated by holding out whole sources: a model
trained on the others is measured on the one held out.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR_ENV = "MNIST_DEMO_DATA_DIR"
DATA_FILE = Path("drawn-digits") / "unipen-dev.jsonl.gz"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sample:
    id: str
    label: int
    source: str
    strokes: list


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT.parent / "shared" / "data")


def load_samples(data_dir: Path | None = None) -> list[Sample]:
    path = Path(data_dir or default_data_dir()) / DATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no drawn-digits file at {path}; pass --data DIR or set {DATA_DIR_ENV}")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    return [Sample(r["id"], int(r["label"]), r["source"], r["strokes"]) for r in records]


def sources_of(samples: list[Sample]) -> list[str]:
    return sorted({s.source for s in samples})


def without_sources(samples: list[Sample], held_out: set[str] | frozenset[str]) -> list[Sample]:
    return [s for s in samples if s.source not in held_out]


def sample_rng(sample_id: str, seed: int = 0) -> np.random.Generator:
    """A generator seeded from crc32 of the id (stable across runs and machines, unlike hash());
    seed 0 is the plain crc32, other seeds are mixed in."""
    crc = zlib.crc32(sample_id.encode("utf-8"))
    return np.random.default_rng(crc if seed == 0 else [seed, crc])
