"""Extract every option string of ``megatron/training/arguments.py`` at a Megatron-LM tag.

Writes ``tests/train/data/megatron_arguments_<tag>.txt``: a header naming the tag and its
commit, then each ``--flag`` passed to ``group.add_argument(...)`` / ``parser.add_argument(...)``
in that file, verbatim, one per line, sorted (the list the export's Megatron keys are
checked against, ``tests/train/test_megatron_release.py``).

Usage (the mirror is a bare clone of github.com/NVIDIA/Megatron-LM)::

    python bench/session_runs/s14mcore/extract_megatron_flags.py \
        --repo /work/.mirror/NVIDIA+Megatron-LM/repo --tag core_v0.15.3
"""

from __future__ import annotations

import argparse
import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def option_strings(source: str) -> list[str]:
    """Every ``--flag`` literal passed positionally to an ``add_argument`` call."""
    flags = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and str(arg.value).startswith("--"):
                    flags.add(arg.value)
    return sorted(flags)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--tag", required=True)
    a = ap.parse_args()
    git = ["git", "--git-dir", a.repo]
    commit = subprocess.check_output([*git, "rev-list", "-n1", a.tag], text=True).strip()
    path = "megatron/training/arguments.py"
    source = subprocess.check_output([*git, "show", f"{a.tag}:{path}"], text=True)
    flags = option_strings(source)
    out = ROOT / "tests/train/data" / f"megatron_arguments_{a.tag}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    header = [
        f"# NVIDIA/Megatron-LM {a.tag} ({commit}) {path}:",
        "# every option string of its add_argument calls, verbatim, sorted",
        f"# (bench/session_runs/s14mcore/extract_megatron_flags.py --tag {a.tag})",
    ]
    out.write_text("\n".join(header + flags) + "\n")
    print(f"{out}: {len(flags)} flags")


if __name__ == "__main__":
    main()
