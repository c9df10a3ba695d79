# my_rule.py -- view.p, view.d: numpy arrays of processing times and due dates
def slack_rule(view):
    t, left, order = 0, set(range(view.n)), []
    while left:
        late = [j for j in left if t + view.p[j] >= view.d[j]]
        key = (lambda j: (view.p[j], view.d[j])) if late else (lambda j: (view.d[j], view.p[j]))
        j = min(late or left, key=key)
        order.append(j)
        left.remove(j)
        t += int(view.p[j])
    return order


def wrong(view):
    # a buggy LLM rule: drops the last job and claims to be optimal
    return list(range(view.n - 1))


def dup(view):
    return [0] * view.n


def crash(view):
    raise RuntimeError("my rule broke")


def slow(view):
    import time

    while True:
        time.sleep(0.1)


def busy(view):
    while True:
        pass


def exits(view):
    import sys

    sys.exit(3)


def liar(view):
    # returns a dict claiming status OPTIMAL and a bound
    return {"order": list(range(view.n)), "status": "OPTIMAL", "bound": 10**9}
