# ruff: noqa: SIM115
"""Run Python snippet files in one namespace, REPL-style: print each expression statement's value,
its line, and the CPU/wall time of each statement."""

import ast
import sys
import time
import traceback

ns = {"__name__": "__main__"}
for path in sys.argv[1:]:
    src = open(path).read()
    tree = ast.parse(src)
    print(f"##### {path}")
    for node in tree.body:
        seg = ast.get_source_segment(src, node)
        t0, c0 = time.time(), time.process_time()
        try:
            if isinstance(node, ast.Expr):
                val = eval(compile(ast.Expression(node.value), path, "eval"), ns)
                out = repr(val)
            else:
                exec(compile(ast.Module([node], []), path, "exec"), ns)
                out = None
        except Exception:
            out = "EXCEPTION:\n" + traceback.format_exc(limit=3)
        dt, dc = time.time() - t0, time.process_time() - c0
        print(
            f">>> line {node.lineno}: {seg.splitlines()[0][:100]}  [wall {dt:.2f} s, cpu {dc:.2f} s]"
        )
        if out is not None:
            print(out[:3000])
