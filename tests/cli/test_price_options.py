"""``--pricing`` / ``--prices`` have one definition (:mod:`planner.cli_options`) that ``plan
serve`` and ``plan train`` share (s24small: each CLI spelled them out)."""

from __future__ import annotations

from planner.cli import command, walk_commands
from planner.cli_options import PRICES_HELP, PRICING_HELP


def price_params() -> dict[str, dict[str, object]]:
    """command name -> {long flag: click parameter} of its price options."""
    out: dict[str, dict[str, object]] = {}
    for cmd in walk_commands(command()):
        for param in cmd.params:
            if param.opts and param.opts[0] in ("--pricing", "--prices"):
                out.setdefault(cmd.name, {})[param.opts[0]] = param
    return out


def test_serve_and_train_take_the_shared_price_options():
    params = price_params()
    assert set(params) >= {"serve", "train"}
    for name, see_also in (("serve", ""), ("train", ", as plan serve")):
        pricing, prices = params[name]["--pricing"], params[name]["--prices"]
        # the help text is unchanged by the move: the shared text plus the command's pointer
        assert pricing.help == f"{PRICING_HELP}{see_also}."
        assert prices.help == f"{PRICES_HELP}{see_also}."
        assert pricing.default is None and prices.default is None
        assert (pricing.name, prices.name) == ("pricing", "prices")
