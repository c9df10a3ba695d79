"""Run functions loaded from outside the package in a worker process with a hard deadline.

User heuristics (``-m FILE.py:FUNC``, ``-m module:func``) and benchmark plugins
are untrusted code: they may loop, raise, call ``sys.exit``, crash the
interpreter or return anything. :class:`IsolatedFunction` runs one such
function in a ``spawn`` worker process that is killed when the call exceeds its
time limit plus a small grace, and reports every way the call can end as an
:class:`Outcome` instead of an exception. A worker is reused for the next call
of the same function in this process (imports are paid once) and replaced
after it was killed or died.

:func:`check_function` validates a spec *without running any user code*
(the file is parsed, not imported), so that a name that is not a function, or
a function that cannot take one argument, is bad input (exit 2) up front.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import inspect
import multiprocessing
import multiprocessing.util
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.sigint import deaf_children

#: Seconds a worker may take to start (interpreter, planner, the user's module).
STARTUP_TIMEOUT_S = 60.0


def grace_s(time_limit: float) -> float:
    """Extra seconds a call gets beyond its time limit before the worker is killed."""
    return max(0.5, 0.05 * time_limit)


@dataclass(frozen=True)
class FunctionSpec:
    """``FILE.py:FUNC`` or ``MODULE:FUNC``, parsed.

    Attributes
    ----------
    text
        The spec as given.
    target
        The file path (resolved) or the dotted module name.
    attr
        The function's name in that file or module.
    is_file
        True for ``FILE.py:FUNC``.
    """

    text: str
    target: str
    attr: str
    is_file: bool

    @classmethod
    def parse(cls, text: str, *, flag: str = "--method") -> FunctionSpec:
        """Split ``text`` at its last colon; raise ``InputError`` when a part is missing."""
        target, sep, attr = text.rpartition(":")
        if not sep or not target or not attr.isidentifier():
            raise InputError(f"{flag} {text}: expected FILE.py:FUNCTION or MODULE:FUNCTION")
        is_file = target.endswith(".py")
        if is_file:
            target = str(Path(target).resolve())
        return cls(text, target, attr, is_file)


def check_function(spec: FunctionSpec, *, flag: str = "--method") -> None:
    """Reject, before anything runs, a spec that cannot name a one-argument function.

    Files are parsed with :mod:`ast` (never executed); modules are located
    without importing them (or inspected when already imported). Anything
    that cannot be decided statically (a name bound by an assignment or an
    import) is left to the worker, where a bad call is recorded as a failure.

    Raises
    ------
    InputError
        Missing file or module, syntax error, no such name, a class or a
        coroutine instead of a function, or a signature that cannot take
        exactly one positional argument (the instance).
    """
    where = f"{flag} {spec.text}"
    if spec.is_file:
        path = Path(spec.target)
        if not path.is_file():
            raise InputError(f"{where}: no such file {path}")
        _check_source(path, spec.attr, where)
        return
    module = sys.modules.get(spec.target)
    if module is not None:
        _check_object(module, spec.attr, where)
        return
    found = locate_module(spec.target)
    if found is None:
        # "cannot import my_rule (no such module)" said neither where it looked nor that a
        # file in the current folder is named FILE.py:FUNCTION (s28bad)
        local = Path(spec.target.replace(".", "/") + ".py")
        hint = (
            f"; {local} is a file here: give {local}:{spec.attr}"
            if local.is_file()
            else "; a file is given as FILE.py:FUNCTION"
        )
        raise InputError(
            f"{where}: no module named {spec.target!r} on the Python import path "
            f"(sys.path, {len(sys.path)} folders; PYTHONPATH adds more){hint}"
        )
    origin = getattr(found, "origin", None)
    if origin and origin.endswith(".py") and Path(origin).is_file():
        _check_source(Path(origin), spec.attr, where)


def locate_module(name: str) -> Any:
    """The module spec of ``name`` (``None`` if not found), without executing any package ``__init__``."""
    parts = name.split(".")
    try:
        found = importlib.machinery.PathFinder.find_spec(parts[0])
        if found is None:
            found = importlib.util.find_spec(parts[0])  # built-in and frozen modules
        for k in range(1, len(parts)):
            if found is None or not found.submodule_search_locations:
                return None
            found = importlib.machinery.PathFinder.find_spec(
                ".".join(parts[: k + 1]), list(found.submodule_search_locations)
            )
    except (ImportError, ValueError):
        return None
    return found


def _check_source(path: Path, attr: str, where: str) -> None:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        raise InputError(f"{where}: {path}:{exc.lineno}: syntax error ({exc.msg})") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{where}: cannot read {path} ({exc})") from None
    binding = _top_level_binding(tree.body, attr)
    if binding is None:
        raise InputError(f"{where}: {path.name} has no function {attr!r}")
    if isinstance(binding, ast.ClassDef):
        raise InputError(f"{where}: {attr} is a class; a method is a function of the instance")
    if isinstance(binding, ast.AsyncFunctionDef):
        raise InputError(f"{where}: {attr} is a coroutine function; write a plain function")
    if isinstance(binding, ast.FunctionDef):
        args = binding.args
        positional = len(args.posonlyargs) + len(args.args)
        required = positional - len(args.defaults)
        kw_required = [
            a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
        ]
        _check_arity(attr, positional, required, bool(args.vararg), kw_required, where)


def _top_level_binding(body: list[ast.stmt], attr: str) -> ast.AST | str | None:
    """The last statement that binds ``attr`` at module level (``"dynamic"`` if undecidable)."""
    found: ast.AST | str | None = None
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == attr:
                found = node
            elif node.name == "__getattr__":
                found = found or "dynamic"
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            if attr in names:
                found = "dynamic"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if alias.name == "*" or bound == attr:
                    found = "dynamic"
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            blocks = [getattr(node, k, []) for k in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(node, "handlers", [])]
            for block in blocks:
                inner = _top_level_binding(block, attr)
                if inner is not None:
                    found = inner
    return found


def _check_object(module: Any, attr: str, where: str) -> None:
    if not hasattr(module, attr):
        raise InputError(f"{where}: {module.__name__} has no function {attr!r}")
    obj = getattr(module, attr)
    if isinstance(obj, type):
        raise InputError(f"{where}: {attr} is a class; a method is a function of the instance")
    if not callable(obj):
        raise InputError(f"{where}: {attr} is a {type(obj).__name__}, not a function")
    if inspect.iscoroutinefunction(obj):
        raise InputError(f"{where}: {attr} is a coroutine function; write a plain function")
    try:
        inspect.signature(obj).bind(None)
    except ValueError:  # no signature available (some built-ins): decided at call time
        return
    except TypeError:
        raise InputError(
            f"{where}: {attr}{inspect.signature(obj)} cannot be called with one argument "
            "(a method takes the instance)"
        ) from None


def _check_arity(
    attr: str,
    positional: int,
    required: int,
    varargs: bool,
    kw_required: list[str],
    where: str,
) -> None:
    if (positional == 0 and not varargs) or required > 1 or kw_required:
        need = f"keyword-only {', '.join(kw_required)}" if kw_required else f"{required}"
        if positional == 0 and not varargs:
            need = "no"
        raise InputError(
            f"{where}: {attr} takes {need} required argument(s); a method takes one, the instance"
        )


@dataclass(frozen=True)
class Outcome:
    """How one isolated call ended.

    Attributes
    ----------
    value
        What the function returned (only when ``failure`` is None).
    failure
        ``None`` on success, else one of ``"timeout"``, ``"raised"``,
        ``"exit"``, ``"died"``, ``"start"``, ``"send"``, ``"return"``.
    reason
        One line saying what happened (empty on success).
    elapsed_s
        Wall-clock seconds of the call as seen by the caller.
    """

    value: Any = None
    failure: str | None = None
    reason: str = ""
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


class IsolatedFunction:
    """A user function living in its own worker process.

    Parameters
    ----------
    spec
        What to load in the worker.
    preload
        Modules the worker imports before signalling it is ready (e.g. the
        family package, so unpickling an instance costs nothing per call).
    """

    def __init__(self, spec: FunctionSpec, preload: tuple[str, ...] = ()) -> None:
        self.spec = spec
        self.preload = preload
        self._process: Any = None
        self._conn: Any = None
        self._start_failure: Outcome | None = None
        self._lock = threading.Lock()

    def start(self) -> Outcome | None:
        """Start the worker if needed; a failed start is remembered and returned."""
        with self._lock:
            return self._ensure_started()

    def call(self, arg: Any, *, time_limit: float, driver: Any = None) -> Outcome:
        """Call the function on ``arg``; kill the worker after ``time_limit + grace_s``.

        ``driver``, an importable module-level function, is called in the worker as
        ``driver(func, arg)`` instead of ``func(arg)`` (a family that hands its
        plugin part of the data and feeds it the rest, such as an online policy
        driven step by step); its time counts against the limit.
        """
        with self._lock:
            failed = self._ensure_started()
            if failed is not None:
                return failed
            limit = time_limit + grace_s(time_limit)
            started = time.perf_counter()
            try:
                self._conn.send(("call", arg, driver))
            except Exception as exc:  # unpicklable instance, or the worker is gone
                self._stop()
                return Outcome(failure="send", reason=f"cannot send the input ({_one_line(exc)})")
            if not self._conn.poll(limit):
                self._stop()
                return Outcome(
                    failure="timeout",
                    reason=f"exceeded its time limit of {time_limit:g} s (killed after {limit:g} s)",
                    elapsed_s=time.perf_counter() - started,
                )
            try:
                message = self._conn.recv()
            except EOFError:
                code = self._stop()
                return Outcome(
                    failure="died",
                    reason=f"worker process died (exit code {code})",
                    elapsed_s=time.perf_counter() - started,
                )
            except Exception as exc:  # e.g. an object of a class defined in the plugin
                self._stop()
                return Outcome(
                    failure="return",
                    reason=f"returned an object that cannot be read back ({_one_line(exc)})",
                    elapsed_s=time.perf_counter() - started,
                )
            elapsed = time.perf_counter() - started
            kind, payload = message
            if kind == "ok":
                return Outcome(value=payload, elapsed_s=elapsed)
            if kind == "exit":
                self._stop()  # the function asked its process to end: start afresh next time
            return Outcome(failure=kind, reason=payload, elapsed_s=elapsed)

    def close(self) -> None:
        """Stop the worker (it is restarted by the next call)."""
        with self._lock:
            self._stop()

    def _ensure_started(self) -> Outcome | None:
        if self._start_failure is not None:
            return self._start_failure
        if self._process is not None and self._process.is_alive():
            return None
        self._stop()
        ctx = multiprocessing.get_context("spawn")  # never fork a process holding solver threads
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=worker_main,
            args=(
                child,
                self.spec,
                self.preload,
                threading.current_thread() is threading.main_thread(),
            ),
            name=f"planner-isolated-{self.spec.attr}",
        )
        try:
            with deaf_children():  # Ctrl-C is the driver's to answer (it kills this worker)
                process.start()
                # recorded inside the block: a Ctrl-C pressed meanwhile is raised as the block
                # ends, and the worker must be known then for close() to kill it (s27review)
                self._process, self._conn = process, parent
        finally:
            child.close()
        failure: Outcome | None = None
        if not parent.poll(STARTUP_TIMEOUT_S):
            failure = Outcome(
                failure="start", reason=f"did not start within {STARTUP_TIMEOUT_S:g} s"
            )
        else:
            try:
                kind, payload = parent.recv()
            except EOFError:
                kind, payload = (
                    "start",
                    f"worker exited while loading (exit code {process.exitcode})",
                )
            if kind != "ready":
                failure = Outcome(failure="start", reason=payload)
        if failure is not None:
            self._stop()
            self._start_failure = failure
        return failure

    def _stop(self) -> int | None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is None:
            return None
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        return process.exitcode


_WORKERS: dict[tuple[FunctionSpec, tuple[str, ...]], IsolatedFunction] = {}


def isolated(spec: FunctionSpec, preload: tuple[str, ...] = ()) -> IsolatedFunction:
    """The process-wide worker handle for ``spec`` (created on first use)."""
    key = (spec, preload)
    if key not in _WORKERS:
        _WORKERS[key] = IsolatedFunction(spec, preload)
    return _WORKERS[key]


def close_all() -> None:
    """Stop every worker of this process (also run when the process exits)."""
    for worker in list(_WORKERS.values()):
        worker.close()


# At exit, multiprocessing joins the non-daemon children of a process (also of a
# process-pool worker, where ``atexit`` does not run): stop the workers first.
multiprocessing.util.Finalize(None, close_all, exitpriority=100)


def worker_main(
    conn: Any, spec: FunctionSpec, preload: tuple[str, ...], die_with_parent: bool
) -> None:
    """Body of the worker process: load the function, then serve calls until the pipe closes."""
    if die_with_parent:
        _die_with_parent()
    try:
        for name in preload:
            importlib.import_module(name)
        func = _load(spec)
    except BaseException as exc:  # SystemExit at import included: report, never hang
        conn.send(("start", f"cannot load {spec.text} ({_one_line(exc)})"))
        return
    conn.send(("ready", None))
    while True:
        try:
            _, arg, driver = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", func(arg) if driver is None else driver(func, arg))
        except SystemExit as exc:
            reply = ("exit", f"called sys.exit({exc.code!r})")
        except BaseException as exc:
            reply = ("raised", f"raised {_one_line(exc)}{_where(exc)}")
        try:
            conn.send(reply)
        except Exception as exc:
            conn.send(("return", f"returned an object that cannot be sent back ({_one_line(exc)})"))
        if reply[0] == "exit":
            return


def _load(spec: FunctionSpec) -> Any:
    if spec.is_file:
        path = Path(spec.target)
        loader = importlib.util.spec_from_file_location(f"planner_ext_{path.stem}", path)
        if loader is None or loader.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(loader)
        sys.modules[loader.name] = module  # so pickle finds classes the plugin defines
        loader.loader.exec_module(module)
    else:
        module = importlib.import_module(spec.target)
    func = getattr(module, spec.attr, None)
    if not callable(func):
        raise TypeError(f"{spec.attr} is not a function")
    return func


def _die_with_parent() -> None:
    """Linux: have the kernel kill this worker if its parent dies (a killed run leaves no orphan)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _where(exc: BaseException) -> str:
    """`` at file:line`` of the innermost frame, to point at the plugin's bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
