"""Every catalogue model's ModelSpec as JSON (this tree) plus its parameter counts."""

import json

from planner.perfmodel.readers import catalog_names, load_model

for n in catalog_names():
    m = load_model(n)
    d = m.to_dict()
    d.pop("approximations", None)  # new field (compare=False); its content is printed apart
    extra = {}
    for attr in ("total_params", "active_params", "params"):
        v = getattr(m, attr, None)
        if v is not None:
            extra[attr] = v() if callable(v) else v
    print(
        n,
        json.dumps(d, sort_keys=True, default=str),
        json.dumps(extra, default=str),
        list(getattr(m, "approximations", ())),
    )
