"""s25cert: train edge shapes x every method, against an own enumeration of every layout.

The enumeration walks every (tp, pp, dp, cp), micro-batch, interleave, recompute mode and
block count, ZeRO stage, sequence parallelism, shard group and split of the layers into
stages with its own loops; the family's ``verify`` says which layouts are valid and its
``evaluate`` prices them (the cost model is the objective's definition).

Usage: nice -n 10 python sweep_train.py OUT.jsonl [TIME_LIMIT]
"""

from __future__ import annotations

import itertools
import sys

from harness import audit, emit

import planner
import planner.train
from planner.train.instance import TrainingPlan

TINY = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 1024,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 8,
    "intermediate_size": 2816,
    "vocab_size": 32000,
    "max_position_embeddings": 16384,
    "torch_dtype": "bfloat16",
}


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def compositions(total: int, parts: int):
    """Every split of ``total`` layers into ``parts`` stages of at least one layer."""
    if parts == 1:
        yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


MOE = {
    "architectures": ["MixtralForCausalLM"],
    "model_type": "mixtral",
    "hidden_size": 1024,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 8,
    "intermediate_size": 1408,
    "vocab_size": 32000,
    "max_position_embeddings": 16384,
    "num_local_experts": 4,
    "num_experts_per_tok": 2,
    "torch_dtype": "bfloat16",
}


def brute(problem) -> tuple[float | None, int]:
    """Own optimum over every layout the loops produce, and how many were valid."""
    fam = planner.get_family("train")
    gpus = problem.cluster.total_gpus
    layers = problem.model.layers
    gb = problem.workload.global_batch
    best, valid = None, 0
    moe = bool(getattr(problem.model, "is_moe", False))
    eps = divisors(gpus) if moe else [1]
    labels = [pool.label for pool in problem.cluster.pools]
    hetero = len(labels) > 1
    for tp, pp, dp, cp in itertools.product(range(1, gpus + 1), repeat=4):
        if tp * pp * dp * cp > gpus or gb % dp or pp > layers:
            continue
        for mb in divisors(gb // dp):
            for v in range(1, 4 if pp > 1 else 2):
                for rec in ("none", "selective", "full", "offload"):
                    blocks = range(0, layers // pp + 1) if rec == "full" else (0,)
                    for k in blocks:
                        for zero in range(4):
                            for sp in (False, True) if tp > 1 else (False,):
                                for shard in [0, *divisors(dp * cp)] if zero else [0]:
                                    for stages, ep, etp, where in itertools.product(
                                        compositions(layers, pp),
                                        eps,
                                        [0, *divisors(tp)],
                                        itertools.product(labels, repeat=pp) if hetero else [()],
                                    ):
                                        if etp and not moe:
                                            continue
                                        plan = TrainingPlan(
                                            tp=tp,
                                            pp=pp,
                                            dp=dp,
                                            cp=cp,
                                            ep=ep,
                                            microbatch=mb,
                                            interleave=v,
                                            recompute=rec,
                                            zero=zero,
                                            sequence_parallel=sp,
                                            recompute_layers=k,
                                            shard_group=shard,
                                            stage_layers=stages,
                                            expert_tp=etp,
                                            stage_pools=where,
                                        )
                                        if fam.verify(problem, plan):
                                            continue
                                        valid += 1
                                        value = fam.evaluate(problem, plan)
                                        if best is None or value < best:
                                            best = value
    return best, valid


def shapes():
    mk = planner.train.make_problem
    yield "tiny_1gpu", mk(TINY, "1xH100", global_batch=8, seq_len=2048, name="tiny_1gpu")
    yield (
        "tiny_1gpu_exact",
        mk(TINY, "1xH100", global_batch=8, seq_len=2048, name="tiny_1gpu_exact", prefer_simple=0.0),
    )
    yield "tiny_2gpu", mk(TINY, "2xH100", global_batch=8, seq_len=2048, name="tiny_2gpu")
    yield (
        "tiny_2gpu_exact",
        mk(TINY, "2xH100", global_batch=8, seq_len=2048, name="tiny_2gpu_exact", prefer_simple=0.0),
    )
    yield "tiny_3gpu", mk(TINY, "3xH100", global_batch=6, seq_len=1024, name="tiny_3gpu")
    yield "tiny_gb1", mk(TINY, "2xH100", global_batch=1, seq_len=4096, name="tiny_gb1")
    yield "tiny_long_l4", mk(TINY, "2xL4", global_batch=4, seq_len=16384, name="tiny_long_l4")
    yield (
        "tiny_cost",
        mk(
            TINY,
            "2xH100",
            global_batch=8,
            seq_len=2048,
            name="tiny_cost",
            objective="cost",
            pricing="on-demand",
        ),
    )
    yield (
        "tiny_headroom",
        mk(
            TINY,
            "1xL4",
            global_batch=4,
            seq_len=8192,
            name="tiny_headroom",
            memory_headroom_gib=18.0,
        ),
    )
    yield (
        "tiny_all_gpus",
        mk(TINY, "4xH100", global_batch=2, seq_len=2048, name="tiny_all_gpus", use_all_gpus=True),
    )
    yield "moe_2gpu", mk(MOE, "2xH100", global_batch=4, seq_len=2048, name="moe_2gpu")
    yield "moe_4gpu_l4", mk(MOE, "4xL4", global_batch=4, seq_len=4096, name="moe_4gpu_l4")
    yield (
        "het_h100_a100",
        mk(TINY, "H100:1,A100-80GB:1", global_batch=8, seq_len=2048, name="het_h100_a100"),
    )
    yield "het_h100_l4", mk(TINY, "H100:2,L4:2", global_batch=4, seq_len=8192, name="het_h100_l4")
    yield "gpt17_2xl4", mk("gpt-1.7b", "2xL4", global_batch=4, seq_len=2048, name="gpt17_2xl4")


def main() -> None:
    out_path = sys.argv[1]
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    fam = planner.get_family("train")
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    with open(out_path, "w") as out:
        for shape, problem in shapes():
            if only and shape not in only:
                continue
            opt, valid = brute(problem)
            print(shape, opt, valid, file=sys.stderr, flush=True)
            for method in fam.methods:
                rec = audit("train", shape, problem, method, time_limit=limit, opt=opt)
                rec["valid_layouts"] = valid
                emit(rec, out)


if __name__ == "__main__":
    main()
