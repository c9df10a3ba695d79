"""Check that every intra-repo link and #anchor in README.md and docs/*.md resolves.

Usage (from the repository root): ``python bench/session_runs/s18docs/check_links.py``.
Exit 1 and one line per broken link if any. Links inside fenced code blocks and inline code
spans are not links. Anchors follow GitHub's rules: the heading's text (inline code and
emphasis markers dropped) lowercased, every character that is not a letter, mark, number,
space, '-' or '_' dropped, spaces turned into '-', and "-1", "-2", ... appended to repeats.
External links (http, https, mailto) are counted, not fetched.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1", re.DOTALL)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading's text."""
    # backticks and emphasis markers are punctuation and drop out below; a link keeps its text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    out = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch in " -_" or cat[0] in "LMN":
            out.append(ch)
    return "".join(out).replace(" ", "-")


def prose_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the lines outside fenced code blocks, inline code blanked.

    A code span may run over a line break inside a paragraph (`E[max](lam)` in docs/serve.md
    opens on one line and closes on the next), so spans are blanked paragraph by paragraph.
    """
    out, fence, para = [], None, []

    def flush() -> None:
        if para:
            joined = "\n".join(t for _n, t in para)
            blanked = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), joined)
            out.extend(zip((n for n, _t in para), blanked.split("\n"), strict=True))
            para.clear()

    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker:
            flush()
            if fence is None:
                fence = marker.group(1)[0] * 3
            elif stripped.startswith(fence):
                fence = None
            continue
        if fence is not None:
            continue
        if not stripped or HEADING.match(line) or stripped.startswith("|"):
            flush()
            out.append((number, CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)))
        else:
            para.append((number, line))
    flush()
    return out


def paragraphs(numbered: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Consecutive non-blank prose lines joined, so a link wrapped over a line break is seen."""
    out: list[tuple[int, str]] = []
    last = None
    for number, line in numbered:
        if line.strip() and last is not None and number == last + 1 and out:
            out[-1] = (out[-1][0], out[-1][1] + "\n" + line)
        elif line.strip():
            out.append((number, line))
        last = number if line.strip() else None
    return out


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for _number, line in prose_lines(path):
        m = HEADING.match(line)
        if not m:
            continue
        # the heading's own text, code spans included (prose_lines blanked them)
        raw = path.read_text(encoding="utf-8").split("\n")[_number - 1]
        base = slug(HEADING.match(raw).group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def main(root: Path) -> int:
    files = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    cache: dict[Path, set[str]] = {}
    broken, internal, external = [], 0, 0
    for path in files:
        for number, text in paragraphs(prose_lines(path)):
            for m in LINK.finditer(text):
                target = m.group(1)
                line_no = number + text.count("\n", 0, m.start())
                if target.startswith(("http://", "https://", "mailto:")):
                    external += 1
                    continue
                internal += 1
                file_part, _, anchor = target.partition("#")
                dest = (path.parent / file_part).resolve() if file_part else path
                where = f"{path.relative_to(root)}:{line_no}: {target}"
                if not dest.exists():
                    broken.append(f"{where}: no such file")
                    continue
                if anchor:
                    if dest.suffix != ".md":
                        broken.append(f"{where}: anchor into a file that is not Markdown")
                        continue
                    if dest not in cache:
                        cache[dest] = anchors(dest)
                    if anchor not in cache[dest]:
                        broken.append(f"{where}: no heading with anchor #{anchor}")
    for line in broken:
        print(line)
    print(
        f"{len(files)} files, {internal} intra-repo links checked, {len(broken)} broken; "
        f"{external} external links not fetched"
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
