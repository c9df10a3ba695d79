import time


def nap(view):
    time.sleep(0.3)
    return list(range(view.n))
