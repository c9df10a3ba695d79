def one_group(view):
    n = view["n"] if isinstance(view, dict) else view.n
    gpus = view["cluster"]["gpus"]
    return [[(gpus, list(range(n)))]]
