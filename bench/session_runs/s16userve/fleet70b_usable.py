"""Usable candidates (capacity, zero-load TTFT) of the 70B fleet-3x3 case with disaggregation
allowed: run with PYTHONPATH=/work/main and with this branch, diff the outputs
(fleet70b_usable_{main,branch}.txt)."""

from dataclasses import replace
from pathlib import Path

from planner.perfmodel.readers import load_model
from planner.serve.candidates import candidates
from planner.serve.instance import ServingConstraints
from planner.serve.readers import read

(base,) = read(Path(__file__).resolve().parents[3] / "instances" / "serve" / "fleet-3x3.toml")
p = replace(
    base, model=load_model("llama-3.1-70b"), constraints=ServingConstraints(disaggregation="allow")
)
for c in candidates(p):
    if c.usable:
        print(c.label(), repr(c.capacity), round(c.floor.ttft_s, 4) if c.floor else None)
