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
