# a priority rule for rcpsp: shortest duration first among the topological order


def spt_priority(view):
    return sorted(range(view.n), key=lambda j: (view.durations[j], j))


def most_successors(view):
    return {"priority": sorted(range(view.n), key=lambda j: (-len(view.successors[j]), j))}


def bad_starts(view):
    return {"start": [0] * view.n}
