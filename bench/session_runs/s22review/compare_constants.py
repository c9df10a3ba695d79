"""Print the constants and losses of several constants.json files side by side.

Usage: python compare_constants.py NAME=PATH [NAME=PATH ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    named = [arg.split("=", 1) for arg in sys.argv[1:]]
    data = {name: json.loads(Path(path).read_text(encoding="utf-8")) for name, path in named}
    names = [name for name, _ in named]
    print("| constant | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    first = data[names[0]]
    for section in ("constants", "loss"):
        for key in first[section]:
            cells = [f"{data[n][section].get(key, float('nan')):.6g}" for n in names]
            print(f"| {section}.{key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
