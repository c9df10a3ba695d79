"""A plugin that never returns: a benchmark must charge it its time limit per call and go on."""

import time


def forever(view):
    while True:
        time.sleep(3600)
