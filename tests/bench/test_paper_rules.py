"""The paper's SMTT rules written as plain plugins give the built-in rules' objectives."""

from __future__ import annotations

import pytest

from planner.core import get_family
from planner.core.solve import solve
from planner.core.specs import load_instances
from planner.smtt.generate import generate

from .conftest import INSTANCES, load_script

RULES = ("edd", "mdd", "eddc", "mddc", "aug-mddc")


@pytest.fixture(scope="module")
def rules():
    return load_script("examples/plugins/smtt_paper_rules.py", "smtt_paper_rules")


@pytest.fixture(scope="module")
def instances():
    family = get_family("smtt")
    sample = load_instances(family, [str(INSTANCES / "smtt" / "tkindt_n100_sample.jsonl")])
    small = [  # n = 20 as in the paper's LLM suite, due dates clipped at 0 and not
        inst
        for k, (tf, rdd) in enumerate(((0.2, 0.2), (0.6, 0.6), (1.0, 1.0), (0.8, 0.2)))
        for inst in generate(20, tf, rdd, clip=k % 2 == 0, count=3, seed=7 + k)
    ]
    return [x.instance for x in sample] + small


@pytest.mark.parametrize("rule", RULES)
def test_plugin_rule_matches_the_builtin(rules, instances, rule):
    family = get_family("smtt")
    func = getattr(rules, rule.replace("-", "_"))
    for inst in instances:
        built = solve(inst, rule, time_limit=10)
        solution = family.plugin_solution(inst, func(family.plugin_view(inst)))
        assert family.verify(inst, solution) == []
        assert family.evaluate(inst, solution) == built.objective, (rule, inst.name)
