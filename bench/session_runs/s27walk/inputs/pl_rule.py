def nothing(view):
    return {"ii": 1, "start": {}, "warp": {}}
