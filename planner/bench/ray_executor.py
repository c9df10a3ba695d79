"""The Ray executor: benchmark tasks as Ray tasks, on a local Ray instance or a cluster.

* Each task requests ``num_cpus`` equal to its thread count; at most ``jobs``
  tasks (and no more than the cluster's CPUs allow) are in flight.
* Plugin files (``FILE.py:FUNC``) travel to the workers through Ray's
  ``runtime_env`` (``py_modules``): the folder of each plugin file is copied
  under a unique package name, shipped with the job, and the workers import
  the plugin from there, so workers that do not share the driver's disk (other
  nodes) run it too. ``module:func`` plugins must be installed on the cluster.
* A worker that dies or a node that is lost makes Ray run the task again (at
  most ``retries`` times); after that the task is recorded as ``ERROR``
  (``failure`` = ``lost``; ``--resume`` runs it again) and the run goes on.
* A task still running ``task_timeout`` seconds after it was submitted is
  cancelled (its worker killed) and recorded as ``ERROR`` (``failure`` =
  ``killed``). Methods honour their own time limits and plugins are killed by
  their isolation worker, so this is a safety net for a hung worker.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from planner.bench.runner import BenchTask, error_row, finish_row, run_task, with_locators
from planner.core.errors import InputError
from planner.core.isolation import FunctionSpec

INSTALL_HINT = "pip install 'planner[ray]'"
#: Seconds a task may take beyond its time limit before it is cancelled (worker start-up,
#: loading or, once per node, compiling the JIT kernels).
STARTUP_ALLOWANCE_S = 600.0
#: Seconds between checks for tasks past their timeout.
POLL_S = 1.0
#: Seconds to wait for a TCP connection to ``--address`` before Ray is started.
CONNECT_TIMEOUT_S = 10.0
#: Files never shipped with a plugin folder.
IGNORED = ("__pycache__", "*.pyc", ".git", ".venv", "*.egg-info", ".mypy_cache", ".ruff_cache")


def import_ray() -> Any:
    """``ray``, or :class:`InputError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError(
            f"--executor ray needs Ray, which is not installed: {INSTALL_HINT}"
        ) from None
    return ray


def check_address(address: str | None, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """:class:`InputError` when ``address`` names a host and port nothing listens on.

    ``ray.init`` retries an unreachable head for minutes with only log lines on stderr
    (``--address 127.0.0.1:6399`` with no cluster: 829 s, then "internal error:
    ConnectionError", exit 1), so a plain
    ``HOST:PORT`` or ``ray://HOST:PORT`` is tried with one TCP connection first;
    ``auto``, ``local`` and ``None`` are left to Ray.
    """
    if address is None or address in ("auto", "local"):
        return
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    host = host.strip("[]")  # an IPv6 literal: [::1]:6379
    if not sep or not host or not port.isdigit():
        raise InputError(f"--address {address}: expected HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise InputError(
            f"--address {address}: cannot connect ({exc.strerror or exc}); "
            "is a Ray head running there?"
        ) from None


def check_ray_installed() -> None:
    """Raise :class:`InputError` when Ray is not installed (without importing it)."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise InputError(f"--executor ray needs Ray, which is not installed: {INSTALL_HINT}")


def task_timeout(task: BenchTask) -> float:
    """Default per-task timeout: the time limit plus :data:`STARTUP_ALLOWANCE_S`."""
    return task.time_limit + STARTUP_ALLOWANCE_S


def ray_rows(
    tasks: list[BenchTask],
    *,
    jobs: int,
    address: str | None = None,
    retries: int = 2,
    timeout: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows of ``tasks`` as they finish on Ray.

    Parameters
    ----------
    jobs
        Tasks in flight at most (also capped by the cluster's CPUs / threads).
    address
        Cluster address (``ray.init(address=...)``); ``None`` starts a local
        Ray instance for this run (and stops it afterwards). If the caller has
        already connected (``ray.is_initialized()``), that session is used and
        plugin files must be reachable by its workers.
    retries
        Ray's ``max_retries``: runs of a task whose worker died or node was lost.
    timeout
        Seconds from submission after which a task is cancelled (default
        :func:`task_timeout`).
    """
    ray = import_ray()
    with staged_plugins(tasks) as (py_modules, locators):
        tasks = with_locators(tasks, locators)
        owned = not ray.is_initialized()
        if owned:
            check_address(address)
            runtime_env = {"py_modules": py_modules} if py_modules else None
            try:
                ray.init(
                    address=address or "local",  # never join a cluster by accident
                    runtime_env=runtime_env,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except ConnectionError as exc:  # a port that answers but is no Ray head
                raise InputError(f"--address {address}: {exc}") from None
        try:
            yield from _run(ray, tasks, jobs=jobs, retries=retries, timeout=timeout)
        finally:
            if owned:
                ray.shutdown()


def _run(
    ray: Any, tasks: list[BenchTask], *, jobs: int, retries: int, timeout: float | None
) -> Iterator[dict[str, Any]]:
    threads = max(t.threads for t in tasks)
    cpus = ray.cluster_resources().get("CPU", 1.0)
    in_flight = max(1, min(jobs, int(cpus // threads) or 1))
    remote = ray.remote(run_task)
    queue = iter(tasks)
    pending: dict[Any, tuple[BenchTask, float]] = {}

    def submit() -> None:
        for task in queue:
            # each task asks for the CPUs its method's threads use
            ref = remote.options(
                num_cpus=task.threads, max_retries=retries, retry_exceptions=False
            ).remote(task)
            pending[ref] = (task, time.monotonic())
            if len(pending) >= in_flight:
                return

    submit()
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
            for ref in done:
                task, _ = pending.pop(ref)
                yield _collect(ray, ref, task, retries)
            now = time.monotonic()
            for ref, (task, started) in list(pending.items()):
                limit = timeout if timeout is not None else task_timeout(task)
                if now - started > limit:
                    ray.cancel(ref, force=True)
                    del pending[ref]
                    reason = f"task ran over its {limit:g} s timeout; its worker was killed"
                    yield finish_row(task, error_row(reason, "killed"))
            submit()
    finally:
        for ref in pending:  # interrupted: do not leave work running on the cluster
            ray.cancel(ref, force=True)


def _collect(ray: Any, ref: Any, task: BenchTask, retries: int) -> dict[str, Any]:
    from ray.exceptions import RayError

    try:
        return ray.get(ref)
    except RayError as exc:  # worker died or node lost beyond the retries, object lost
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        reason = f"Ray could not finish the task after {retries} retries: {type(exc).__name__}"
        return finish_row(task, error_row(f"{reason}: {first}"[:500], "lost"))


@contextmanager
def staged_plugins(tasks: list[BenchTask]) -> Iterator[tuple[list[str], dict[str, str]]]:
    """Copy the folders of plugin files into uniquely named packages for ``py_modules``.

    Yields the folders to ship and, per plugin method, the ``module:func`` under
    which the workers import it (``planner_plugins_<hash>.<file stem>:<func>``).
    """
    methods = sorted({t.method for t in tasks if t.variant is None and ":" in t.method})
    specs = []
    for text in methods:
        spec = FunctionSpec.parse(text, flag="--heuristic")
        if spec.is_file:
            specs.append(spec)
    if not specs:
        yield [], {}
        return
    root = Path(tempfile.mkdtemp(prefix="planner_ray_plugins_"))
    try:
        shipped: dict[Path, str] = {}
        locators: dict[str, str] = {}
        for spec in specs:
            source = Path(spec.target)
            folder = source.parent
            if folder not in shipped:
                digest = hashlib.sha1(str(folder).encode()).hexdigest()[:12]
                shipped[folder] = f"planner_plugins_{digest}"
                shutil.copytree(
                    folder, root / shipped[folder], ignore=shutil.ignore_patterns(*IGNORED)
                )
            package = shipped[folder]
            stem = source.stem
            if not stem.isidentifier():  # e.g. my-rule.py: ship a copy under an importable name
                stem = "plugin_" + "".join(c if c.isalnum() else "_" for c in stem)
                shutil.copyfile(source, root / package / f"{stem}.py")
            locators[spec.text] = f"{package}.{stem}:{spec.attr}"
        yield [str(root / name) for name in shipped.values()], locators
    finally:
        shutil.rmtree(root, ignore_errors=True)
