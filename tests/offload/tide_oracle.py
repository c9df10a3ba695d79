"""Test oracle: TIDE's expert refresh, ported statement by statement from the released code.

Source: github.com/ims-kdks/TIDE at commit 5611ace31501230f6dece29307b29a9a554a5a01,
file ``model/modeling_llada2_moe.py``:

* ``LLaDA2MoeSparseMoeBlock.enable_offload``: experts ``idx < gpu_expert_budget`` go to
  the GPU, then ``refresh_resident_gpu_experts`` (a set comprehension over the experts);
* ``moe_infer_with_expert_refresh``: ``torch.bincount`` of the routed ids,
  ``torch.topk(expert_token_counts, k=self.gpu_expert_budget)``, keep
  ``top_indices[top_counts > 0]``, then ``update_expert_placement``;
* ``update_expert_placement``: ``to_promote``, ``can_demote``, demotions capped at
  ``len(to_promote)``, ``target_set.update(can_demote[len(to_promote):])``;
* ``LLaDA2MoeModelLM.generate``: ``refresh_experts = (num_block == prefill_blocks) or
  (self.predictive_offload_enabled and step % self.jump_steps == 0)``.

Python lists and sets are used exactly as there (set iteration order included);
``torch.topk`` is replaced by a stable descending sort, i.e. ties go to the lower
expert id -- torch does not specify an order for ties.
"""

from __future__ import annotations


class OracleMoeBlock:
    """The offload state of one ``LLaDA2MoeSparseMoeBlock``."""

    def __init__(self, num_experts: int, gpu_expert_budget: int) -> None:
        self.num_experts = num_experts
        # enable_offload
        self.gpu_expert_budget = min(gpu_expert_budget, num_experts)
        self.device = [
            "cuda" if idx < self.gpu_expert_budget else "cpu" for idx in range(num_experts)
        ]
        # refresh_resident_gpu_experts
        self.resident_gpu_experts = {
            idx for idx in range(num_experts) if self.device[idx] == "cuda"
        }

    def update_expert_placement(self, target_order: list[int]) -> None:
        target_set = set(target_order)
        to_promote = [idx for idx in target_order if idx not in self.resident_gpu_experts]
        can_demote = [idx for idx in self.resident_gpu_experts if idx not in target_set]
        to_demote = can_demote[: len(to_promote)]
        target_set.update(can_demote[len(to_promote) :])
        for idx in to_demote:
            self.device[idx] = "cpu"
        for idx in to_promote:
            self.device[idx] = "cuda"
        self.resident_gpu_experts = target_set

    def moe_infer_with_expert_refresh(self, expert_token_counts: list[int]) -> None:
        order = sorted(range(self.num_experts), key=lambda i: -expert_token_counts[i])
        top_indices = order[: self.gpu_expert_budget]
        top_counts = [expert_token_counts[i] for i in top_indices]
        target_gpu_experts = [i for i, c in zip(top_indices, top_counts, strict=True) if c > 0]
        self.update_expert_placement(target_gpu_experts)


def tide_resident_sets(
    counts: list[list[list[int]]], block_lengths: list[int], budget: int, jump_steps: int
) -> list[list[list[int]]]:
    """Resident experts ``[step][layer]`` (sorted ids) of TIDE on a recorded trace."""
    layers, experts = len(counts[0]), len(counts[0][0])
    blocks = [OracleMoeBlock(experts, budget) for _ in range(layers)]
    prefill_blocks = 0
    out = []
    s = 0
    for num_block, length in enumerate(block_lengths):
        for step in range(length):
            refresh_experts = (num_block == prefill_blocks) or (step % jump_steps == 0)
            if refresh_experts:
                for layer, block in enumerate(blocks):
                    block.moe_infer_with_expert_refresh(counts[s][layer])
            out.append([sorted(block.resident_gpu_experts) for block in blocks])
            for block in blocks:  # the device list and the set agree at every step
                assert sorted(block.resident_gpu_experts) == [
                    i for i, d in enumerate(block.device) if d == "cuda"
                ]
            s += 1
    return out
