"""Many learners writing to one store at once: what the concurrency test and `bench.store` run."""

from __future__ import annotations

import multiprocessing
import secrets
import threading

from mnist_demo.store import RunRecord, SavedModel, Store


def run_record(learner_id: str, **fields) -> RunRecord:
    """A small run record of `learner_id`, its other fields overridable."""
    values = dict(id=fields.pop("id", None) or secrets.token_hex(6), learner_id=learner_id, number=0,
                  label="run", dataset="mnist", normalize=True, spec={"kind": "mlp"}, config={"dataset": "mnist"})
    return RunRecord(**{**values, **fields})


def hammer(path: str, learners: int, rounds: int, prefix: str) -> None:
    """`learners` threads, each creating its learner, then `rounds` times changing settings, adding
    a run, finishing it and saving a model; the learners' nicknames start with `prefix`."""
    store = Store.open(path)

    def learner(i: int) -> None:
        me, _ = store.create_learner(f"{prefix}{i}")
        for r in range(rounds):
            store.set_settings(me.id, {"train.epochs": r, f"k{r}": prefix})
            run = store.add_run(run_record(me.id))
            store.update_run(run.id, state="finished", progress={"epochs": [r]})
            store.put_saved_model(SavedModel(me.id, f"m{r}", f"models/{me.id}/saved/m{r}.keras", "mnist", True, {}))

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(learners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()


def hammer_class(path: str, threads: int = 30, processes: int = 2, per_process: int = 15, rounds: int = 6,
                 timeout: float = 300) -> list[int | None]:
    """`threads` learners hammering the store at `path` from this process while `processes` other
    processes run `per_process` learners each; the other processes' exit codes."""
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=hammer, args=(path, per_process, rounds, f"p{n}-")) for n in range(processes)]
    for proc in procs:
        proc.start()
    hammer(path, threads, rounds, "t-")
    for proc in procs:
        proc.join(timeout)
    return [proc.exitcode for proc in procs]
