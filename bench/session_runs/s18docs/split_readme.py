"""Split main's 6,099-line README into a user's README and docs/ pages (s18docs, one-off).

Run from the worktree root: ``python bench/session_runs/s18docs/split_readme.py [REF]``
(REF defaults to ``main``; the old README is read with ``git show REF:README.md``). Old text
moves verbatim; only relative link targets in moved text are rewritten (``../`` in docs/, a
README anchor of a family section to that family's docs page). New text comes from
``bench/session_runs/s18docs/new/*.md`` and ``bench_rows.py``. The line ranges below are
1-based, inclusive, in main's README at d504d4d.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))

from bench_rows import ROWS  # noqa: E402
from check_links import slug  # noqa: E402

ref = sys.argv[1] if len(sys.argv) > 1 else "main"
OLD = subprocess.run(
    ["git", "show", f"{ref}:README.md"], cwd=ROOT, capture_output=True, text=True, check=True
).stdout.split("\n")
if OLD[-1] == "":
    OLD.pop()
assert len(OLD) == 6099, len(OLD)


def lines(a: int, b: int) -> list[str]:
    """Old README lines a..b (1-based, inclusive)."""
    return OLD[a - 1 : b]


def new(name: str) -> list[str]:
    return (HERE / "new" / f"{name}.md").read_text().rstrip("\n").split("\n")


FAMILY_ANCHORS = {
    "#smtt--single-machine-total-weighted-tardiness": "smtt.md",
    "#rcpsp--resource-constrained-project-scheduling": "rcpsp.md",
    "#train--training-plans-planner-plan-train": "train.md",
    "#serve--serving-plans-planner-plan-serve": "serve.md",
    "#seqpar--sequence-parallel-group-assignment-for-variable-length-batches-flexsp": "seqpar.md",
    "#pipelining--software-pipelining--warp-specialization-of-gpu-loops": "pipelining.md",
    "#offload--moe-expert-offloading-which-experts-live-on-the-gpu-tide-caches-exact": "offload.md",
}
LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def for_docs(text: list[str]) -> list[str]:
    """Moved text as it reads from docs/: relative targets one folder up, family anchors to pages."""

    def fix(m: re.Match) -> str:
        target = m.group(2)
        if target in FAMILY_ANCHORS:
            target = FAMILY_ANCHORS[target]
        elif (ROOT / target.partition("#")[0]).exists() and not target.startswith("#"):
            # only real paths: `E[max](lam)` in a code span that runs over a line break is no link
            target = "../" + target
        return m.group(1) + target + m.group(3)

    out, fence = [], False
    for line in text:
        if line.lstrip().startswith("```"):
            fence = not fence
        out.append(line if fence else outside_code(line, lambda t: LINK.sub(fix, t)))
    return out


CODE = re.compile(r"(`+)(?:.+?)\1")


def outside_code(line: str, func) -> str:
    """Apply func to the parts of a line outside inline code spans (`E[max](lam)` is code)."""
    out, pos = [], 0
    for m in CODE.finditer(line):
        out += [func(line[pos : m.start()]), m.group(0)]
        pos = m.end()
    return "".join([*out, func(line[pos:])])


BOLD_LEAD = re.compile(r"\*\*(.+?)\*\*")


def sectioned(text: list[str]) -> tuple[list[str], list[str]]:
    """Text with a `##` heading before every paragraph that opens with a bold title.

    The old sections had no sub-headings, only paragraphs led by a bold phrase ("**Exact.**");
    a page needs headings to be navigated, so each such phrase is repeated as a heading (the
    paragraph itself is unchanged). Returns the text and the headings, for a contents list.
    """
    out, heads, fence = [], [], False
    for i, line in enumerate(text):
        if line.lstrip().startswith("```"):
            fence = not fence
        m = BOLD_LEAD.match(line)
        if (
            not fence
            and m
            and (i == 0 or text[i - 1] == "")
            and not re.match(r"[\d+\-−]", m.group(1))
        ):
            head = m.group(1).rstrip(".")
            heads.append(head)
            out += [f"## {head}", ""]
        out.append(line)
    return out, heads


def page(title: str, intro: list[str], *parts: list[str]) -> str:
    body, heads = [], []
    for part in parts:
        part, part_heads = sectioned(part)
        heads += part_heads
        body += part
        if body[-1] != "":
            body.append("")
    contents = []
    if len(heads) > 1:
        contents = ["Contents: " + " · ".join(f"[{h}](#{slug(h)})" for h in heads) + ".", ""]
    intro = [textwrap.fill(p, 100, break_on_hyphens=False, break_long_words=False) for p in intro]
    contents = [
        textwrap.fill(c, 100, break_on_hyphens=False, break_long_words=False) for c in contents
    ]
    body = [f"# {title}", "", *intro, "", *contents, *body]
    while body[-1] == "":
        body.pop()
    return "\n".join(body) + "\n"


def intro(family: str, anchor: str, extra: str = "") -> list[str]:
    return [
        f"Design notes and validation history of the `{family}` family. The user's summary — what "
        "it solves, what it models, the commands, the methods and the current headline numbers "
        f"— is in the [README](../README.md{anchor}). This page holds the rest of the family's "
        "README section as it stood at the end of the seventeenth session, moved verbatim: "
        'results appear in the order they were written, older text was not rewritten, and "README" or "below" in it may point to '
        f"text that is now on this page.{extra}",
    ]


DOCS: dict[str, str] = {}
#: A family's page: the old README lines (1-based, inclusive) that did not stay in README.md.
FAMILY_PAGES = {
    "smtt": [(290, 456)],
    "rcpsp": [(510, 683)],
    "serve": [(2680, 4449)],
    "seqpar": [(4476, 4533), (4545, 4697)],
    "pipelining": [(4715, 4748), (4763, 4772), (4779, 5046)],
    "offload": [(5103, 5128), (5143, 5719)],
}
ANCHOR_OF = {page_name[:-3]: anchor for anchor, page_name in FAMILY_ANCHORS.items()}
for family, ranges in FAMILY_PAGES.items():
    DOCS[f"{family}.md"] = page(
        f"{family} — design notes and validation history",
        intro(family, ANCHOR_OF[family]),
        *(for_docs(lines(a, b)) for a, b in ranges),
    )
DOCS["train.md"] = page(
    "train — design notes and validation history",
    intro(
        "train",
        "#train--training-plans-planner-plan-train",
        " The performance-model parts of the old section (catalogs, step-time model, "
        "calibration, accuracy) are in [perfmodel.md](perfmodel.md), between the first "
        'paragraph below and "Uneven pipelines".',
    ),
    for_docs(lines(709, 749)),
    for_docs(lines(1890, 2660)),
)
DOCS["perfmodel.md"] = page(
    "perfmodel — catalogs, step-time model, calibration and accuracy",
    [
        "The performance model (`planner/perfmodel/`) that prices training plans, serving steps, "
        "sequence-parallel groups and expert offloading. This text was the middle of the README's "
        "`train` section until the end of the seventeenth session ([train.md](train.md) has the rest, the "
        "[README](../README.md#train--training-plans-planner-plan-train) the summary), moved "
        "verbatim: model catalogs and GPU tables, the step-time model, the calibration "
        "(`planner calibrate`) and the accuracy against published runs, with the history of "
        'every refit. The serving side of the model is in [serve.md](serve.md) ("Model").',
    ],
    for_docs(lines(750, 1889)),
)
DOCS["architecture.md"] = page(
    "Architecture — decisions",
    [
        "Why planner is built the way it is, and where it differs from the design notes. The "
        "package tree and a summary are in the [README](../README.md#architecture); this list "
        "was the rest of the README's Architecture section until the end of the seventeenth session, moved "
        "verbatim.",
    ],
    for_docs(lines(5783, 5953)),
)


# -- benchmark history: one subsection per row of the old table ---------------------------------
def cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split(" | ")]


old_rows = [r for r in lines(5965, 6004) if r.startswith("| ") and not r.startswith("|---")]
assert len(old_rows) == len(ROWS), (len(old_rows), len(ROWS))
HIST_INTRO = (
    "Every row of the README's [Benchmarks](../README.md#benchmarks) table, with the full "
    "record of its measurements as the table carried it at the end of the seventeenth session. "
    "The current number of each row is in the README's table; each subsection here gives the "
    "old row's benchmark, target and details cells and its *measured* cell verbatim; the measured "
    "cell lists every rerun with its command, commit and load (in most rows the newest run "
    "first). Links to a family's section now go to its page here in docs/. The old table's "
    "introduction:"
)
headings = [f"{family}: {label}" for family, label, *_ in ROWS]
hist = [
    "# Benchmark history",
    "",
    textwrap.fill(HIST_INTRO, 100, break_on_hyphens=False, break_long_words=False),
    "",
    *for_docs(lines(5959, 5962)),
    "",
    "Rows:",
    "",
    *(f"- [{head}](#{slug(head)})" for head in headings),
    "",
]
for head, row in zip(headings, old_rows, strict=True):
    row_cells = cells(row)
    assert len(row_cells) == 5, row
    family, bench, target, measured, details = row_cells
    hist += [
        f"## {head}",
        "",
        f"- **Family:** {family}",
        f"- **Benchmark:** {bench}",
        f"- **Target:** {target}",
        f"- **Details:** {for_docs([details])[0]}",
        "",
        "**Measured:**",
        "",
        for_docs([measured])[0],
        "",
    ]
DOCS["benchmark_history.md"] = "\n".join(hist).rstrip("\n") + "\n"


# -- README ----------------------------------------------------------------------------------
def table_cell(text: str) -> str:
    assert "|" not in text.replace("\\|", ""), text
    return text


bench_table = [
    "| family | benchmark | target | current (most recent) | status | result | history |",
    "|---|---|---|---|---|---|---|",
]
for (family, label, target, current, status, result), head in zip(ROWS, headings, strict=True):
    row = [
        family,
        label,
        target,
        current,
        status,
        result,
        f"[history](docs/benchmark_history.md#{slug(head)})",
    ]
    assert all(len(c) <= 400 for c in row), row
    bench_table.append("| " + " | ".join(table_cell(c) for c in row) + " |")

#: README.md in order: old line ranges kept verbatim, new text (a name in new/), or literal lines.
README_PARTS = [
    (1, 10),
    "intro_more",
    (11, 237),  # Quickstart, CLI tour, Library tour, "## Families"
    "families_intro",
    (238, 288),  # smtt: heading, what it solves, inputs, commands, methods
    "smtt",
    (458, 508),  # rcpsp: heading, what it solves, commands, formats, methods
    "rcpsp",
    (685, 707),  # train: heading, what it does, commands, library call
    "train",
    (2662, 2679),  # serve: heading, what it does, command, what it prints
    ["From Python, cheap enough for sweeps (capacities are cached per layout):"],
    (2717, 2722),
    "serve",
    (4451, 4474),  # seqpar: heading, problem, cost model
    (4535, 4543),  # commands
    "seqpar",
    (4699, 4713),  # pipelining: heading, problem
    (4749, 4761),  # commands, library call
    (4773, 4777),  # methods
    "pipelining",
    (5048, 5101),  # offload: heading, problem, cost model, commands
    (5130, 5141),  # methods, causality
    "offload",
    (5721, 5782),  # Architecture: the package tree
    "architecture",
    (5955, 5958),  # Benchmarks heading and marker
    "benchmarks_intro",
    bench_table,
    (6006, 6099),  # reproduce block, Contributing
    "contributing_docs",
]
readme: list[str] = []
for part in README_PARTS:
    if readme and readme[-1] != "":
        readme.append("")  # parts are separated by one blank line
    if isinstance(part, tuple):
        readme += lines(*part)
    elif isinstance(part, str):
        readme += new(part)
    else:
        readme += part
(ROOT / "README.md").write_text("\n".join(readme) + "\n")
(ROOT / "docs").mkdir(exist_ok=True)
for name, text in DOCS.items():
    (ROOT / "docs" / name).write_text(text)
print(
    f"README.md {len(readme)} lines; docs: "
    + ", ".join(f"{n} {t.count(chr(10))}" for n, t in DOCS.items())
)
