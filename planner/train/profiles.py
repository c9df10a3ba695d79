"""Calibration profiles: the efficiency constants refitted to a user's own step-time logs.

``planner calibrate --rows my_runs.csv --profile NAME`` reads the rows (one
measured training step per line, :data:`REQUIRED` and :data:`OPTIONAL`
columns), refits the training constants with the calibration fit
(:func:`planner.perfmodel.calibration.fit.fit`, the same coordinate descent on
the mean squared log error as the shipped constants) and saves them as a
profile; the shipped ``constants.json`` is never changed. ``plan train
--profile NAME`` runs with the profile's constants (and its error bands use
them). A constant the rows do not determine (the loss is flat over its whole
range, e.g. the A100 GEMM efficiency when every row ran on H100s) keeps its
shipped value.

Profiles live in ``$PLANNER_CONFIG_DIR/profiles/NAME.json``; without that
variable, ``$XDG_CONFIG_HOME/planner`` or ``~/.config/planner``. They are
written atomically.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from planner.core.errors import InputError
from planner.core.io import dumps_json, read_csv_text, read_json, write_atomic

#: Environment variable that overrides the configuration directory.
ENV = "PLANNER_CONFIG_DIR"
#: Columns every row must have.
REQUIRED = (
    "model",
    "gpu",
    "gpus",
    "global_batch",
    "seq_len",
    "tp",
    "pp",
    "dp",
    "microbatch",
    "step_time_s",
)
#: Columns a row may have (defaults: cp 1, ep 1, expert_tp tp, interleave 1, recompute none,
#: zero 1, sequence_parallel false, precision bf16, stage_layers balanced like 7:8:8:7, id row<N>).
OPTIONAL = (
    "id",
    "cp",
    "ep",
    "expert_tp",
    "interleave",
    "recompute",
    "zero",
    "sequence_parallel",
    "precision",
    "stage_layers",
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_INTS = (
    "gpus",
    "global_batch",
    "seq_len",
    "tp",
    "pp",
    "dp",
    "microbatch",
    "cp",
    "ep",
    "interleave",
)


def config_dir() -> Path:
    """The configuration directory (see the module docstring)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "planner"


def profile_path(name: str) -> Path:
    """Where profile ``name`` is stored (the name is checked)."""
    if not _NAME.fullmatch(name):
        raise InputError(
            f"--profile {name!r}: use letters, digits, '_', '.' or '-' (at most 64 characters)"
        )
    return config_dir() / "profiles" / f"{name}.json"


def read_rows(path: str | Path) -> list[Any]:
    """The CSV's rows as :class:`~planner.perfmodel.calibration.published.TrainingRow`.

    Raises
    ------
    InputError
        Missing or unknown column, or a bad value, naming the file, line and column.
    """
    from planner.perfmodel.calibration.published import FIT, TrainingRow
    from planner.train.instance import RECOMPUTE

    text = read_csv_text(path)
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    if not columns:
        raise InputError(f"{path}: empty file (expected a header: {', '.join(REQUIRED)})")
    for k, col in enumerate(columns):
        if col in columns[:k]:  # csv keeps the last of two equal names: say so
            raise InputError(f"{path}: column {col!r} appears twice in the header")
        if col not in REQUIRED and col not in OPTIONAL:
            raise InputError(
                f"{path}: unknown column {col!r} (known: {', '.join((*REQUIRED, *OPTIONAL))})"
            )
    for col in REQUIRED:
        if col not in columns:
            raise InputError(f"{path}: missing column {col!r}")
    rows = []
    for n, raw in enumerate(reader, start=2):
        if None in raw:
            raise InputError(f"{path}:{n}: more values than columns")
        cells = {k.strip(): (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue

        def cell(col: str, default: str | None = None, cells=cells, n=n) -> str:
            value = cells.get(col) or default
            if value is None:
                raise InputError(f"{path}:{n}: column {col!r} is empty")
            return value

        values: dict[str, Any] = {}
        for col in _INTS:
            text_value = cell(col, "1" if col in OPTIONAL else None)
            try:
                values[col] = int(text_value)
            except ValueError:
                values[col] = -1
            if values[col] < 1:
                raise InputError(
                    f"{path}:{n}: column {col!r}: expected a positive integer, got {text_value!r}"
                )
        expert_tp = 0  # the routed experts' TP size; 0: tp (TrainingRow's default)
        if cells.get("expert_tp"):
            try:
                expert_tp = int(cells["expert_tp"])
            except ValueError:
                expert_tp = -1
            if expert_tp < 1:
                raise InputError(
                    f"{path}:{n}: column 'expert_tp': expected a positive integer, got "
                    f"{cells['expert_tp']!r}"
                )
        try:
            step = float(cell("step_time_s"))
        except ValueError:
            step = math.nan
        if not math.isfinite(step) or step <= 0:
            raise InputError(
                f"{path}:{n}: column 'step_time_s': expected seconds > 0, got "
                f"{cells['step_time_s']!r}"
            )
        recompute = cell("recompute", "none").lower()
        if recompute not in RECOMPUTE:
            raise InputError(
                f"{path}:{n}: column 'recompute': expected one of {', '.join(RECOMPUTE)}, got "
                f"{recompute!r}"
            )
        zero_text = cell("zero", "1")
        if zero_text not in ("0", "1", "2", "3"):
            raise InputError(f"{path}:{n}: column 'zero': expected 0..3, got {zero_text!r}")
        sp_text = cell("sequence_parallel", "false").lower()
        if sp_text not in ("true", "false", "1", "0", "on", "off"):
            raise InputError(
                f"{path}:{n}: column 'sequence_parallel': expected true or false, got {sp_text!r}"
            )
        stages: tuple[int, ...] = ()
        if cells.get("stage_layers"):
            try:
                stages = tuple(int(x) for x in cells["stage_layers"].split(":"))
            except ValueError:
                stages = (0,)
            if len(stages) != values["pp"] or min(stages) < 1:
                raise InputError(
                    f"{path}:{n}: column 'stage_layers': expected {values['pp']} positive "
                    f"integers like 7:8:8:7, got {cells['stage_layers']!r}"
                )
        gpus = values["tp"] * values["pp"] * values["dp"] * values["cp"]
        if gpus != values["gpus"]:
            raise InputError(
                f"{path}:{n}: tp*pp*dp*cp = {gpus} but column 'gpus' is {values['gpus']}"
            )
        rows.append(
            TrainingRow(
                id=cell("id", f"row{n}"),
                source="user",
                gpu=cell("gpu"),
                model=cell("model"),
                gpus=values["gpus"],
                global_batch=values["global_batch"],
                seq_len=values["seq_len"],
                tp=values["tp"],
                pp=values["pp"],
                dp=values["dp"],
                microbatch=values["microbatch"],
                metric="step_time_s",
                value=step,
                split=FIT,
                cp=values["cp"],
                ep=values["ep"],
                expert_tp=expert_tp,
                interleave=values["interleave"],
                recompute=recompute,
                zero=int(zero_text),
                sequence_parallel=sp_text in ("true", "1", "on"),
                precision=cell("precision", "bf16"),
                stage_layers=stages,
            )
        )
    if not rows:
        raise InputError(f"{path}: no rows")
    ids = [row.id for row in rows]
    dup = next((i for k, i in enumerate(ids) if i in ids[:k]), None)
    if dup is not None:  # the report keys rows by id
        raise InputError(f"{path}: row id {dup!r} appears twice")
    for row in rows:  # every row must be predictable: model, GPU and layout known
        _check_row(path, row)
    return rows


def _check_row(path: str | Path, row: Any) -> None:
    from planner.perfmodel.hardware import get_gpu
    from planner.train.calibration import row_plan, row_problem
    from planner.train.evaluate import verify

    try:  # the cluster parser named the command line's --gpus '16xZZ' (s30bad)
        get_gpu(row.gpu)
    except InputError as exc:
        raise InputError(f"{path}: row {row.id}: column 'gpu': {exc}") from None
    try:
        problem = row_problem(row)
        problem = problem.with_constraints(memory_headroom_gib=0.0)
        bad = verify(problem, row_plan(row, problem.model.layers))
    except InputError as exc:
        raise InputError(f"{path}: row {row.id}: {exc}") from None
    structural = [b for b in bad if "GiB per GPU" not in b]  # measured runs did fit
    if structural:
        raise InputError(f"{path}: row {row.id}: {structural[0]}")


def fit_profile(rows: list[Any]) -> dict[str, Any]:
    """Refit the training constants to ``rows``; undetermined ones keep the shipped values.

    Returns ``{"constants", "determined", "at_bound", "loss", "errors_before",
    "errors_after"}``: the step-time errors ``predicted / measured - 1`` per row with the
    shipped and the fitted constants, and ``at_bound`` ``{name: (end, lower, upper)}`` for
    each fitted constant the fit stopped at an end (``"lower"`` / ``"upper"``) of its range.
    """
    import planner.train  # noqa: F401  (registers the training predictor)
    from planner.perfmodel import constants
    from planner.perfmodel.calibration.fit import PARAMETERS, fit, kind_of, predict

    # the training stages: NVIDIA rows and (their own stage) CDNA3 rows
    training = [p for p in PARAMETERS if p.kind in ("training", "cdna3_training")]
    shipped = dict(constants.FITTED)

    def loss() -> float:
        return sum(math.log(predict(r) / r.value) ** 2 for r in rows) / len(rows)

    # a constant is refitted only when rows of its own stage exist (CDNA3 rows feel the
    # NVIDIA training constants but their stage fits only the CDNA3 one) and feel it
    stages = {kind_of(r) for r in rows}
    determined = []
    for p in training:  # a constant the rows never feel keeps its shipped value
        if p.kind not in stages:
            continue
        with constants.override({p.name: p.lower}):
            lo = loss()
        with constants.override({p.name: p.upper}):
            hi = loss()
        if abs(hi - lo) > 1e-12 * max(1.0, abs(lo)):
            determined.append(p.name)
    result = fit(rows=rows, start=shipped)
    values = {
        p.name: (result.values[p.name] if p.name in determined else shipped[p.name])
        for p in training
    }
    before = {r.id: predict(r) / r.value - 1 for r in rows}
    with constants.override(values):
        after = {r.id: predict(r) / r.value - 1 for r in rows}
        fitted_loss = loss()
    # a fitted constant at an end of its range is clamped, not fitted: the rows ask for a
    # value the model does not allow (the docs' two-row example drives three constants to
    # their lower ends and still misses by 17-27 %), which the table alone did not say
    # (the golden-section search ends within ~1e-7 of the range's width of an end, not on it)
    edge = {p.name: 1e-4 * (p.upper - p.lower) for p in training}
    at_bound = {
        p.name: ("lower" if values[p.name] - p.lower < edge[p.name] else "upper", p.lower, p.upper)
        for p in training
        if p.name in determined
        and min(values[p.name] - p.lower, p.upper - values[p.name]) < edge[p.name]
    }
    return {
        "constants": values,
        "determined": determined,
        "at_bound": at_bound,
        "loss": fitted_loss,
        "errors_before": before,
        "errors_after": after,
    }


def save_profile(name: str, fitted: dict[str, Any], source: str) -> Path:
    """Write profile ``name`` atomically; returns its path."""
    path = profile_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"name": name, "generated_by": "planner calibrate --rows", "rows_file": source, **fitted}
    return write_atomic(path, dumps_json(data) + "\n")


#: The profile whose constants are in use (:func:`use_profile`), for the reports to name it.
ACTIVE: ContextVar[str | None] = ContextVar("planner_profile", default=None)


@contextmanager
def use_profile(name: str) -> Iterator[None]:
    """Run with profile ``name``'s constants, :data:`ACTIVE` naming it."""
    from planner.perfmodel import constants

    token = ACTIVE.set(name)
    try:
        with constants.override(load_profile(name)):
            yield
    finally:
        ACTIVE.reset(token)


def load_profile(name: str) -> dict[str, float]:
    """The constants of profile ``name`` (:class:`InputError` naming it when absent or bad)."""
    from planner.perfmodel import constants
    from planner.perfmodel.calibration.fit import PARAMETERS

    path = profile_path(name)
    if not path.exists():
        raise InputError(
            f"--profile {name!r}: no such profile in {path.parent} (make one with "
            f"'planner calibrate --rows FILE.csv --profile {name}'; ${ENV} moves the directory)"
        )
    data = read_json(path)
    values = data.get("constants") if isinstance(data, dict) else None
    if not isinstance(values, dict) or not values:
        raise InputError(f"{path}: missing table 'constants'")
    bounds = {p.name: (p.lower, p.upper) for p in PARAMETERS}
    for key, value in values.items():
        if key not in constants.NAMES:
            raise InputError(f"{path}: unknown constant {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise InputError(f"{path}: constant {key!r} must be a positive number")
        lower, upper = bounds[key]  # the fit never leaves them; NaN fails this too
        if not lower <= value <= upper:
            raise InputError(
                f"{path}: constant {key!r} = {value!r} is outside the fit's range "
                f"[{lower:g}, {upper:g}]"
            )
    return {k: float(v) for k, v in values.items()}


def calibrate_rows(rows_file: str | Path, name: str) -> tuple[Path, dict[str, Any]]:
    """``planner calibrate --rows FILE --profile NAME``: read, fit, save."""
    profile_path(name)  # check the name before the work
    rows = read_rows(rows_file)
    fitted = fit_profile(rows)
    return save_profile(name, fitted, str(rows_file)), fitted


__all__ = [
    "ENV",
    "OPTIONAL",
    "REQUIRED",
    "calibrate_rows",
    "config_dir",
    "fit_profile",
    "load_profile",
    "profile_path",
    "read_rows",
    "save_profile",
]
