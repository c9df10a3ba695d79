import numpy as np


class KeepBusiest:
    """Keep each layer's busiest experts of the last step (capacity per layer)."""

    def start(self, context):
        self.ctx = context

    def decide(self, step, counts, resident):
        cap = np.asarray(self.ctx.capacity)
        mask = np.zeros_like(np.asarray(resident), dtype=bool)
        for layer in range(mask.shape[0]):
            top = np.argsort(-np.asarray(counts[layer]), kind="stable")[: int(cap[layer])]
            mask[layer, top] = True
        return mask


def policy(context):
    return KeepBusiest()
