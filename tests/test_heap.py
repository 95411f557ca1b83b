"""heap.freeze_after_imports: the libraries' objects leave the collector's reach, garbage does not."""

import gc
import importlib
import uuid
import weakref

import pytest

from mnist_demo import heap


class Node:
    pass


@pytest.fixture
def fresh_module(tmp_path, monkeypatch):
    """The name of a module no one has imported yet (it stays imported: a server never unloads
    one), and an unfrozen heap again after the test."""
    name = f"heap_probe_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text("VALUE = [object() for _ in range(1000)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    gc.unfreeze()


def test_an_import_makes_the_next_call_freeze_what_is_alive_and_the_call_after_does_nothing(fresh_module):
    heap.freeze_after_imports()
    gc.unfreeze()
    importlib.import_module(fresh_module)
    assert heap.freeze_after_imports() is True
    assert gc.get_freeze_count() >= 1000  # the module's own objects among them
    assert heap.freeze_after_imports() is False


def test_garbage_made_before_the_import_is_collected_not_frozen(fresh_module):
    cycle = Node()
    cycle.me = cycle
    alive = weakref.ref(cycle)
    del cycle
    importlib.import_module(fresh_module)
    assert heap.freeze_after_imports() is True
    assert alive() is None
