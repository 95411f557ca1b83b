"""Keep Python's garbage collector off the libraries' objects.

TensorFlow, Keras, Streamlit and plotly leave some 430,000 objects that live as long as the
server. CPython's full collection visits every one of them while every thread of the server
waits, so under a class's load each full collection stalled all pages at once. The objects
alive just after an import are the libraries' own: `gc.freeze` moves them out of the
collector's reach, and a full collection visits only what the pages made since.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_when_frozen = 0


def freeze_after_imports() -> bool:
    """Freeze what is alive now if modules were imported since the last freeze; True if it did.

    Cheap when nothing was imported (one length of `sys.modules`), so a page may call it on
    every run. Garbage is collected first, so that only live objects are frozen."""
    global _modules_when_frozen
    if len(sys.modules) == _modules_when_frozen:
        return False
    with _lock:
        if len(sys.modules) == _modules_when_frozen:
            return False
        gc.collect()
        gc.freeze()
        _modules_when_frozen = len(sys.modules)
    return True
