"""Optional, lazy numba compilation of the schedule-generation kernels.

The kernels are written as plain loops over numpy arrays. ``@jit`` wraps one in a
:class:`Kernel`: a call runs the numba-compiled function (``njit``, cached on disk), which makes
a serial SGS on a 120-job instance take tens of microseconds; without numba the very same
function runs as ordinary Python, correct but about a hundred times slower (metaheuristics then
simply evaluate fewer schedules in their time limit).

numba is imported, and a kernel loaded from its cache (or compiled), on the kernel's first
compiled call, not when a kernel module is imported: importing numba and loading the SGS kernels
cost about 0.5 CPU s of a 1.5 s small ``auto`` solve, where the one SGS pass that solve needs runs
interpreted in 2 ms on a PSPLIB j30 instance (twenty-eighth session, s28start). Inside
:func:`interpreted` (per thread) every kernel runs as Python: the caller's choice for a single
pass on a small instance while nothing is compiled yet (:func:`.sgs.lft_schedule`). The kernels
that draw random numbers (``np.random`` inside a kernel) draw from numba's generator when
compiled and from numpy's legacy one when interpreted, so interpreted runs of those are not the
compiled runs' draws. Interpreted, they draw from a stream of their own, as numba's generator
is one when compiled (:func:`_on_kernel_stream`): a kernel's ``np.random.seed`` seeds the
next kernels' draws, not the caller's, and numpy's global generator is put back as it was.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import update_wrapper
from typing import Any

import numpy as np

#: Set ``PLANNER_NO_NUMBA`` to run every kernel as Python (numba not loaded).
NUMBA = not os.environ.get("PLANNER_NO_NUMBA") and importlib.util.find_spec("numba") is not None

_LOCK = threading.RLock()  # one thread compiles a kernel (and its callees) at a time
# .depth: nesting of interpreted() in this thread; .stream / .drawing: the interpreted kernels'
# stand-in for numba's generator (:func:`_on_kernel_stream`)
_LOCAL = threading.local()


class Kernel:
    """A kernel function, compiled by numba on its first compiled call.

    Parameters
    ----------
    func
        The plain Python function (loops over numpy arrays, numba's nopython subset). Other
        kernels it calls are found, as :class:`Kernel` objects, among its module's globals.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.py_func = func
        self._compiled: Any = None
        # draws from np.random: interpreted, that is numpy's global generator (module notes)
        self._draws = "random" in _names(func.__code__)
        update_wrapper(self, func)

    def __call__(self, *args: Any) -> Any:
        if not NUMBA or getattr(_LOCAL, "depth", 0):
            if not self._draws or getattr(_LOCAL, "drawing", False):  # already on the stream
                return self.py_func(*args)
            return _on_kernel_stream(self.py_func, args)
        compiled = self._compiled if self._compiled is not None else self.compile()
        return compiled(*args)

    def compile(self) -> Any:
        """The numba dispatcher of this kernel (created once; it loads or compiles per
        signature on its first call), or the Python function without numba."""
        if self._compiled is None:
            with _LOCK:
                if self._compiled is None:
                    self._compiled = _njit(self)
        return self._compiled

    @property
    def signatures(self) -> list[Any]:
        """The signatures loaded or compiled so far (none before the first compiled call)."""
        return list(getattr(self._compiled, "signatures", []))

    @property
    def loaded(self) -> bool:
        """Whether a compiled version of this kernel has run in this process."""
        return bool(self.signatures)


def _on_kernel_stream(func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """``func(*args)`` drawing from this thread's kernel stream, numpy's global generator put
    back afterwards.

    Compiled kernels draw from numba's generator: separate from numpy's global one, per
    thread, and carried on from one call to the next (``_seed`` in one kernel seeds the
    draws of the next). Restoring the caller's state alone would undo such a seed and
    restart every call's draws at the same state (the GA's generations then all drew the
    same numbers); the stream's state is kept here instead."""
    caller = np.random.get_state()
    stream = getattr(_LOCAL, "stream", None)
    if stream is None:  # numba seeds its own generator from the OS at start-up
        stream = np.random.RandomState().get_state()
    np.random.set_state(stream)
    _LOCAL.drawing = True
    try:
        return func(*args)
    finally:
        _LOCAL.drawing = False
        _LOCAL.stream = np.random.get_state()
        np.random.set_state(caller)


def jit(func: Callable[..., Any]) -> Kernel:
    """Wrap ``func`` as a :class:`Kernel` (``numba.njit(cache=True, nogil=True)`` on first use)."""
    return Kernel(func)


@contextmanager
def interpreted() -> Iterator[None]:
    """Run every kernel called in this thread inside the block as plain Python."""
    _LOCAL.depth = getattr(_LOCAL, "depth", 0) + 1
    try:
        yield
    finally:
        _LOCAL.depth -= 1


def _names(code: types.CodeType) -> set[str]:
    """The global (and attribute) names ``code`` and the code nested in it refer to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _njit(kernel: Kernel) -> Any:
    """``njit`` of a copy of the kernel's function whose globals name the kernels it calls by
    their dispatchers (numba resolves a callee through the caller's globals and cannot call a
    :class:`Kernel`). The copy keeps the code object, so numba's on-disk cache (keyed by file,
    qualified name and line) is the one ``planner warmup`` filled. Only the kernels the code
    names are compiled: the module's others may call this one."""
    global NUMBA
    try:
        from numba import njit
    except ImportError:  # pragma: no cover - a broken numba install: run as Python
        NUMBA = False
        return kernel.py_func
    func = kernel.py_func
    namespace = dict(func.__globals__)
    for name in _names(func.__code__):
        value = namespace.get(name)
        if isinstance(value, Kernel) and value is not kernel:
            namespace[name] = value.compile()
    clone = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__
    )
    clone.__qualname__, clone.__doc__ = func.__qualname__, func.__doc__
    return njit(cache=True, nogil=True)(clone)
