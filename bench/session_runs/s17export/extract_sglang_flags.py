"""Record SGLang 0.4.6's launch_server flags (names, value choices, switches) as test data.

Reads ``sglang/srt/server_args.py`` of the sglang 0.4.6 wheel from PyPI, unpacked beside
(``pip download sglang==0.4.6 --no-deps``; ``unzip sglang-0.4.6-py3-none-any.whl -d sg``), and
writes ``tests/data/sglang_0.4.6_server_args.json``: every ``add_argument`` option string
with its ``choices`` (None when free) and whether it is a switch (``store_true``) or takes a
value (and its ``type`` name). Only names and choices are recorded, no code.

    python bench/session_runs/s17export/extract_sglang_flags.py /tmp/s17export/sg
"""

import ast
import json
import sys
from pathlib import Path

root = Path(sys.argv[1])
version = (root / "sglang" / "version.py").read_text().split('"')[1]
tree = ast.parse((root / "sglang" / "srt" / "server_args.py").read_text())
flags = {}
for node in ast.walk(tree):
    if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument"):
        continue
    names = [a.value for a in node.args if isinstance(a, ast.Constant) and str(a.value)[:2] == "--"]
    kw = {k.arg: k.value for k in node.keywords}
    choices = None
    if "choices" in kw:
        try:
            choices = ast.literal_eval(kw["choices"])
        except ValueError:
            choices = "dynamic"
    action = kw.get("action")
    switch = isinstance(action, ast.Constant) and action.value in ("store_true", "store_false")
    kind = kw["type"].id if isinstance(kw.get("type"), ast.Name) else None
    for name in names:
        flags[name] = {"choices": choices, "switch": switch, "type": kind}
out = Path(__file__).resolve().parents[3] / "tests" / "data" / f"sglang_{version}_server_args.json"
out.write_text(
    json.dumps(
        {
            "source": f"sglang {version} wheel (PyPI), sglang/srt/server_args.py add_argument calls",
            "version": version,
            "flags": dict(sorted(flags.items())),
        },
        indent=1,
    )
    + "\n"
)
print(out, len(flags))
