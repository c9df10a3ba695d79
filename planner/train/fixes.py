"""Text forms of the command line: ``--fix tp=8,pp=16,...`` and ``--software key=value,...``."""

from __future__ import annotations

from typing import Any

from planner.core.errors import InputError
from planner.perfmodel.options import PRESETS, Software

#: ``--fix`` keys (with short aliases) and the constraint each sets.
FIX_KEYS = {
    "tp": "tp",
    "pp": "pp",
    "dp": "dp",
    "cp": "cp",
    "ep": "ep",
    "microbatch": "microbatch",
    "mb": "microbatch",
    "interleave": "interleave",
    "v": "interleave",
    "recompute": "recompute",
    "recompute_layers": "recompute_layers",
    "shard_group": "shard_group",
    "expert_tp": "expert_tp",
    "etp": "expert_tp",
    "zero": "zero",
    "sp": "sequence_parallel",
    "sequence_parallel": "sequence_parallel",
    "stage_layers": "stage_layers",
}
_BOOLS = {"true": True, "on": True, "1": True, "false": False, "off": False, "0": False}


def _pairs(text: str, flag: str) -> list[tuple[str, str]]:
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{flag} {item!r}: expected key=value")
        out.append((key.strip().lower().replace("-", "_"), value.strip()))
    return out


def parse_fix(text: str, flag: str = "--fix") -> dict[str, Any]:
    """Constraints of ``--fix tp=8,pp=16,recompute=selective,sp=on,stage_layers=7:8:8:7``
    (``flag``: the option the text came from, named in errors, e.g. ``--against``).

    Raises
    ------
    InputError
        Unknown key (named, with the known ones) or a value of the wrong kind.
    """
    if any(not item.strip() for item in text.split(",")):
        # --fix '' and --fix tp=2,,pp=1 were read as nothing / as tp=2,pp=1 (s30bad)
        what = "is empty" if not text.strip() else "has an empty item"
        raise InputError(f"{flag} {text!r}: {what}; give key=value pairs such as tp=8,pp=2")
    out: dict[str, Any] = {}
    for key, value in _pairs(text, flag):
        if key not in FIX_KEYS:
            raise InputError(f"{flag}: unknown key {key!r} (known: {', '.join(sorted(FIX_KEYS))})")
        name = FIX_KEYS[key]
        if name in out:  # etp=2,expert_tp=4: the last one silently won
            raise InputError(f"{flag}: {name} given twice ({key}={value} and an earlier one)")
        if name == "recompute":
            out[name] = value.lower()
        elif name == "sequence_parallel":
            if value.lower() not in _BOOLS:
                raise InputError(f"{flag} {key}={value}: expected on or off")
            out[name] = _BOOLS[value.lower()]
        elif name == "stage_layers":
            try:
                out[name] = tuple(int(x) for x in value.split(":"))
            except ValueError:
                raise InputError(
                    f"{flag} stage_layers={value}: expected integers like 7:8:8:7"
                ) from None
        else:
            try:
                out[name] = int(value)
            except ValueError:
                raise InputError(f"{flag} {key}={value}: expected an integer") from None
        _check_value(flag, key, value, name, out[name])
    return out


def _check_value(flag: str, key: str, text: str, name: str, value: Any) -> None:
    """The constraint's own check of one value, named by the flag: ``--fix tp=0`` said
    "constraints: tp must be a positive integer", naming no flag (s30bad). Each key alone:
    the checks between keys (``recompute_layers`` needs ``recompute=full``) run once the
    flags are merged."""
    from planner.train.instance import constraint_error

    why = constraint_error(name, value)
    if why is not None:
        raise InputError(f"{flag} {key}={text}: {why}")


def merge_fixed(flags: dict[str, Any], fixed: dict[str, Any]) -> dict[str, Any]:
    """Constraints from separate flags and ``--fix``; the same key set twice must agree."""
    out = dict(flags)
    for key, value in fixed.items():
        if out.get(key) is not None and out[key] != value:
            raise InputError(f"--fix {key}={value} contradicts --{key.replace('_', '-')}")
        out[key] = value
    return out


def parse_software(text: str | None, defaults: dict[str, Any] | None = None) -> Software:
    """``--software``: a preset name (``deepseek-v3``), ``key=value`` pairs, or both
    (``deepseek-v3,tp_overlap=true``: the pairs change the preset), over ``defaults`` (the
    framework's facts, :func:`planner.train.frameworks.software_defaults`)."""
    base: dict[str, Any] = dict(defaults or {})
    if not text:
        return Software.from_dict(base, where="--software") if base else Software()
    pairs = []
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        if "=" not in item:
            name = item.lower()
            if name not in PRESETS:
                raise InputError(
                    f"--software: unknown preset {item!r} (known: {', '.join(sorted(PRESETS))})"
                )
            base.update(PRESETS[name].to_dict())
        else:
            pairs.append(item)
    given: set[str] = set()
    for key, value in _pairs(",".join(pairs), "--software"):
        if key in given:  # a preset's value may be changed, a pair not given twice
            raise InputError(f"--software: {key} given twice")
        given.add(key)
        low = value.lower()
        if low in ("true", "false"):
            base[key] = low == "true"
        else:
            try:
                base[key] = float(value) if "." in value else int(value)
            except ValueError:
                base[key] = value
    return Software.from_dict(base, where="--software")


__all__ = ["FIX_KEYS", "merge_fixed", "parse_fix", "parse_software"]
