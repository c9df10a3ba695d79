"""Several workloads sharing a fleet: MIP vs a separately written brute force, verify,
the per-workload output, and bad input."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.core.errors import InputError
from planner.core.result import Status
from planner.serve import make_problem, solve, verify
from planner.serve.bounds import lower_bound
from planner.serve.candidates import candidates
from planner.serve.instance import ReplicaGroup, ServingPlan, ServingProblem

LENGTHS = [("exp:700", "exp:150"), ("300", "600"), ("2000", "64")]
SLOS = [{"ttft": "600ms", "tpot": "30ms"}, {"ttft": "2s", "tpot": "60ms"}, {"tpot": "40ms"}]


def two_workloads(qps_a, qps_b, h100, a100, la, lb, sa, sb, mode="off", hit=0.0):
    return make_problem(
        "llama-3.1-8b",
        f"H100:{h100},A100:{a100}",
        workloads=[
            {
                "name": "a",
                "traffic": {
                    "qps": qps_a,
                    "prompt_tokens": la[0],
                    "output_tokens": la[1],
                    "prefix_hit_rate": hit,
                },
                "slo": sa,
            },
            {
                "name": "b",
                "traffic": {"qps": qps_b, "prompt_tokens": lb[0], "output_tokens": lb[1]},
                "slo": sb,
            },
        ],
        max_tp=2,
        max_pp=1,
        disaggregation=mode,
    )


def own_served(caps_roles):
    """Requests/s a workload's replicas serve end to end (written here, not imported)."""
    both = sum(cap for role, cap in caps_roles if role == "both")
    pre = sum(cap for role, cap in caps_roles if role == "prefill")
    dec = sum(cap for role, cap in caps_roles if role == "decode")
    return both + min(pre, dec)


def brute_force(problem: ServingProblem):
    """Cheapest combination over workloads of count vectors, pools shared (None: none)."""
    cands = [c for c in candidates(problem) if c.usable]
    pools = {p.label: p.count for p in problem.inventory.pools}
    per_workload = []
    for w in problem.workloads:
        mine = [c for c in cands if c.workload == w.name]
        ranges = [range(pools[c.pool] // c.gpus + 1) for c in mine]
        options = []
        for counts in itertools.product(*ranges):
            use = dict.fromkeys(pools, 0)
            for c, n in zip(mine, counts, strict=True):
                use[c.pool] += n * c.gpus
            if any(use[p] > pools[p] for p in pools):
                continue
            got = own_served([(c.role, c.capacity * n) for c, n in zip(mine, counts, strict=True)])
            if got >= w.traffic.qps * (1 - 1e-9):
                cost = sum(c.price * n for c, n in zip(mine, counts, strict=True))
                options.append((cost, use, [(c, n) for c, n in zip(mine, counts, strict=True)]))
        per_workload.append(options)
    best = None
    for combo in itertools.product(*per_workload):
        if any(sum(o[1][p] for o in combo) > pools[p] for p in pools):
            continue
        cost = sum(o[0] for o in combo)
        if best is None or cost < best[0] - 1e-12:
            best = (cost, combo)
    return best


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    st.floats(0.5, 30.0),
    st.floats(0.5, 30.0),
    st.integers(1, 2),
    st.integers(1, 2),
    st.sampled_from(LENGTHS),
    st.sampled_from(LENGTHS),
    st.sampled_from(SLOS),
    st.sampled_from(SLOS),
    st.sampled_from(["off", "allow"]),
)
def test_shared_fleet_mip_equals_brute_force(qps_a, qps_b, h100, a100, la, lb, sa, sb, mode):
    problem = two_workloads(qps_a, qps_b, h100, a100, la, lb, sa, sb, mode)
    best = brute_force(problem)
    result = solve(problem, "mip", time_limit=20)
    if best is None:
        assert result.status is Status.INFEASIBLE
        assert result.reason
        return
    assert result.status is Status.OPTIMAL, result.reason
    assert math.isclose(result.objective, best[0], rel_tol=1e-9, abs_tol=1e-9)
    assert result.verified and not verify(problem, result.solution)
    assert lower_bound(problem) <= best[0] + 1e-9
    assert {g.workload for g in result.solution.replicas} == {"a", "b"}
    for name, qps in (("a", qps_a), ("b", qps_b)):
        assert result.solution.for_workload(name).served_qps() >= qps * (1 - 1e-6)
    other = solve(problem, "greedy", time_limit=20)
    if other.solution is not None:
        assert not verify(problem, other.solution)
        assert other.objective >= best[0] - 1e-9


def twins(gpus):
    """Two identical workloads of 2 req/s each."""
    w = {"qps": 2, "prompt_tokens": 300, "output_tokens": 100}
    return make_problem(
        "llama-3.1-8b",
        gpus,
        workloads=[{"name": "a", "traffic": w}, {"name": "b", "traffic": w}],
        tpot="40ms",
        max_tp=1,
        max_pp=1,
    )


def test_shared_pool_is_split_between_workloads():
    # each workload alone fits on one H100; two H100s are needed together and the
    # A100s are not allowed to help (no A100 in the inventory)
    problem = twins("H100:2")
    r = solve(problem, "auto", time_limit=20)
    assert r.status is Status.OPTIMAL
    assert sorted(g.workload for g in r.solution.replicas) == ["a", "b"]
    # verify counts the pool over both workloads
    doubled = ServingPlan(
        tuple(ReplicaGroup(**{**g.to_dict(), "count": 2}) for g in r.solution.replicas)
    )
    assert any("pool H100-SXM" in v for v in verify(problem, doubled))
    # and checks each workload against its own demand
    only_a = r.solution.for_workload("a")
    assert any("workload b" in v for v in verify(problem, only_a))


def test_infeasible_shared_fleet_names_the_failing_workload():
    problem = two_workloads(1.0, 1.0, 1, 1, LENGTHS[0], LENGTHS[0], SLOS[1], {"tpot": "1ms"}, "off")
    r = solve(problem, "auto", time_limit=20)
    assert r.status is Status.INFEASIBLE
    assert "b" in r.reason and "TPOT" in r.reason


def test_together_but_not_alone_is_explained():
    problem = twins("H100:1")
    r = solve(problem, "mip", time_limit=20)
    assert r.status is Status.INFEASIBLE
    assert "each workload alone fits" in r.reason


def test_round_trip_and_bad_input(tmp_path):
    problem = two_workloads(2, 3, 1, 1, LENGTHS[0], LENGTHS[1], SLOS[0], SLOS[1], hit=0.4)
    again = ServingProblem.from_dict(problem.to_dict())
    assert [w.name for w in again.workloads] == ["a", "b"]
    assert again.workloads[0].traffic.prefix_hit_rate == 0.4
    assert again.workloads[1].slo.tpot_s == 0.06
    w = {"name": "a", "traffic": {"qps": 1, "prompt_tokens": 10, "output_tokens": 10}}
    with pytest.raises(InputError, match="duplicate name 'a'"):
        make_problem("llama-3.1-8b", "H100:1", workloads=[w, w])
    with pytest.raises(InputError, match=r"traffic\.qps is required"):
        make_problem(
            "llama-3.1-8b",
            "H100:1",
            workloads=[{"name": "x", "traffic": {"prompt_tokens": 10, "output_tokens": 10}}],
        )
    with pytest.raises(
        InputError, match=r"workloads\[0\]: traffic: qps must be a finite number > 0"
    ):
        make_problem(
            "llama-3.1-8b",
            "H100:1",
            workloads=[
                {"name": "x", "traffic": {"qps": 0, "prompt_tokens": 1, "output_tokens": 1}}
            ],
        )
    with pytest.raises(InputError, match="not qps"):
        make_problem("llama-3.1-8b", "H100:1", qps=2, workloads=[w])


def test_cli_plan_per_workload(tmp_path, capsys):
    f = tmp_path / "w.toml"
    f.write_text(
        "[[workloads]]\nname = 'chat'\n"
        "traffic = { qps = 3, prompt_tokens = 'exp:500', output_tokens = 100 }\n"
        "slo = { ttft = '1s', tpot = '40ms' }\n"
        "[[workloads]]\nname = 'docs'\n"
        "traffic = { qps = 1, prompt_tokens = 2000, output_tokens = 50, prefix_hit_rate = 0.5 }\n"
    )
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2,A100:2"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--workloads", str(f), "--tpot", "80ms", "--json", "-t", "30"])
    assert exc.value.code == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "OPTIMAL"
    assert set(d["workloads"]) == {"chat", "docs"}
    assert d["workloads"]["docs"]["slo"]["tpot_s"] == 0.08  # the default SLO
    assert d["workloads"]["chat"]["slo"]["tpot_s"] == 0.04
    for name, w in d["workloads"].items():
        assert w["replicas"] and all(r["workload"] == name for r in w["replicas"])
        assert w["tpot_s"] <= w["slo"]["tpot_s"] + 1e-12
    total = sum(w["cost_per_hour"] for w in d["workloads"].values())
    assert math.isclose(total, d["cost_per_hour"])
    with pytest.raises(SystemExit) as exc:
        main([*args, "--workloads", str(f), "-t", "30"])
    text = capsys.readouterr().out
    assert exc.value.code == 0 and "per workload" in text and "docs" in text
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[[workloads]]\nname = 'x'\ntraffic = { qps = -1, prompt_tokens = 5, output_tokens = 5 }\n"
    )
    with pytest.raises(SystemExit) as exc:
        main([*args, "--workloads", str(bad)])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "qps" in err
    with pytest.raises(SystemExit) as exc:
        main([*args, "--workloads", str(f), "--qps", "3"])
    assert exc.value.code == 2


def test_cli_simulates_each_workload(tmp_path, capsys):
    f = tmp_path / "w.toml"
    f.write_text(
        "[[workloads]]\nname = 'a'\n"
        "traffic = { qps = 2, prompt_tokens = 300, output_tokens = 50 }\n"
        "[[workloads]]\nname = 'b'\n"
        "traffic = { qps = 1, prompt_tokens = 1000, output_tokens = 20 }\n"
    )
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2", "--tpot", "80ms"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--workloads", str(f), "--simulate", "--sim-requests", "100", "--json"])
    assert exc.value.code == 0
    d = json.loads(capsys.readouterr().out)
    sims = d["simulated"]["workloads"]
    assert set(sims) == {"a", "b"}
    assert all(s["requests"] == 100 and s["tpot_p99_s"] > 0 for s in sims.values())


def test_allow_slow_reaches_the_workloads_slo_tables(tmp_path):
    """``--allow-slow`` was not passed to a workloads file's own SLO tables: a 20 min TTFT
    there exited 2 with "pass --allow-slow" even when it was passed."""
    f = tmp_path / "w.toml"
    f.write_text(
        "[[workloads]]\nname = 'batch'\n"
        "traffic = { qps = 1, prompt_tokens = 500, output_tokens = 100 }\n"
        "slo = { ttft = '20min', tpot = '50ms' }\n"
    )
    with pytest.raises(InputError, match="1200 s is over 600 s"):
        make_problem("llama-3.1-8b", "H100:1", workloads=f)
    problem = make_problem("llama-3.1-8b", "H100:1", workloads=f, allow_slow=True)
    assert problem.workloads[0].slo.ttft_s == 1200.0
    table = {"name": "b", "traffic": {"qps": 1, "prompt_tokens": 5, "output_tokens": 5}}
    table["slo"] = {"tpot": "20s"}
    problem = make_problem("llama-3.1-8b", "H100:1", workloads=[table], allow_slow=True)
    assert problem.workloads[0].slo.tpot_s == 20.0
    # a problem file: the top-level slo table's allow_slow covers its workloads
    data = {
        "model": "llama-3.1-8b",
        "gpus": "H100:1",
        "slo": {"allow_slow": True},
        "workloads": [table],
    }
    assert ServingProblem.from_dict(data).workloads[0].slo.tpot_s == 20.0
    with pytest.raises(InputError, match="20 s is over 10 s"):
        ServingProblem.from_dict({**data, "slo": {}})


def test_shared_fleet_json_totals_cover_every_workload():
    """With several workloads the JSON's ``demand_qps`` was the first workload's rate and
    ``usd_per_million_output_tokens`` priced every request at the first workload's output
    length."""
    from planner.serve.report import result_json

    problem = two_workloads(3, 1, 2, 2, ("exp:700", "300"), ("2000", "64"), SLOS[1], SLOS[1])
    data = result_json(problem, solve(problem, "auto", time_limit=30))
    assert data["demand_qps"] == 4.0
    tokens = sum(w["demand_qps"] * w["mean_output_tokens"] for w in data["workloads"].values())
    assert data["usd_per_million_output_tokens"] == pytest.approx(
        data["cost_per_hour"] / (tokens * 3600) * 1e6
    )


def test_export_builds_each_server_from_its_own_workload():
    """A shared fleet's export took every server's prefix caching and longest context from
    the first workload (the fleet's ``traffic``)."""
    from planner.serve import solve
    from planner.serve.export import export_plan

    problem = two_workloads(
        2, 2, 4, 2, ("500", "100"), ("6000", "100"), SLOS[2], SLOS[2], mode="force", hit=0.5
    )
    result = solve(problem, time_limit=20)
    assert result.solution is not None
    by_workload = {g.workload for g in result.solution.replicas}
    assert by_workload == {"a", "b"}
    for tool in ("vllm", "sglang"):
        commands = export_plan(problem, result.solution, tool)["commands"]
        labels = [g.label() for g in result.solution.replicas for _ in range(g.count)]
        workloads = [g.workload for g in result.solution.replicas for _ in range(g.count)]
        assert [c["label"] for c in commands] == labels
        for c, w in zip(commands, workloads, strict=True):
            if tool == "vllm":
                assert ("--enable-prefix-caching" in c["argv"]) == (w == "a"), (w, c["shell"])
            else:
                assert ("--disable-radix-cache" in c["argv"]) == (w == "b"), (w, c["shell"])
            if tool == "vllm" and "--max-model-len" in c["argv"]:
                length = int(c["argv"][c["argv"].index("--max-model-len") + 1])
                assert length >= (6100 if w == "b" else 600), (w, c["shell"])


def test_candidates_table_names_each_rows_workload(tmp_path, capsys):
    """With several workloads each layout is a candidate of each, at its own rate: the
    candidates table listed "H100-SXM tp1" once per workload without saying whose (the
    failures table below it said "chat: ...")."""
    f = tmp_path / "w.toml"
    f.write_text(
        "[[workloads]]\nname = 'chat'\n"
        "traffic = { qps = 3, prompt_tokens = 'exp:500', output_tokens = 100 }\n"
        "slo = { ttft = '1s', tpot = '40ms' }\n"
        "[[workloads]]\nname = 'docs'\n"
        "traffic = { qps = 1, prompt_tokens = 2000, output_tokens = 50 }\n"
        "slo = { ttft = '2s', tpot = '80ms' }\n"
    )
    args = ["plan", "serve", "--model", "llama-3.1-8b", "--gpus", "H100:2"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--workloads", str(f), "-t", "30"])
    text = capsys.readouterr().out
    assert exc.value.code == 0
    table = text.split("candidates considered", 1)[1].split("why cheaper layouts fail")[0]
    rows = [line for line in table.splitlines() if "│ both" in line]
    assert rows and all(("chat:" in r) != ("docs:" in r) for r in rows), table
    assert any("chat:" in r for r in rows) and any("docs:" in r for r in rows)
