"""A frozen dataclass's field hash, computed once per instance.

Specifications such as a GPU or a model architecture are parts of the keys of the
performance model's caches (``functools.lru_cache``) and are hashed there thousands of times
per search; the dataclass hash rebuilds and hashes the tuple of every field each time.
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T", bound=type)

_SLOT = "_cached_field_hash"


def cached_hash(cls: T) -> T:
    """Class decorator (above ``@dataclass(frozen=True)``): ``hash(obj)`` is the dataclass's
    own field hash, computed at the first call and kept in the instance.

    The kept value is left out of pickles and copies (string hashes differ between
    processes), so an unpickled instance computes its own. Equality is unchanged.

    Parameters
    ----------
    cls
        A frozen dataclass with instance dictionaries (no ``__slots__``).

    Returns
    -------
    type
        ``cls``, changed in place.
    """
    field_hash = cls.__hash__
    if field_hash is None:
        raise TypeError(f"{cls.__name__} is not hashable")

    def __hash__(self: Any) -> int:
        h = self.__dict__.get(_SLOT)
        if h is None:
            h = field_hash(self)
            object.__setattr__(self, _SLOT, h)  # frozen: bypass the dataclass's guard
        return h

    def __getstate__(self: Any) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop(_SLOT, None)
        return state

    cls.__hash__ = __hash__  # type: ignore[method-assign]
    cls.__getstate__ = __getstate__  # type: ignore[attr-defined]
    return cls
