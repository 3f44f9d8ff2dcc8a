"""Arithmetic failures of an evaluation become the engine's documented error.

Why: a model is user text; ``x/0`` on floats, ``atan2(x, 1e308)`` on jets, ``y**276`` past the
float range or an uncertainty whose square overflows raise ZeroDivisionError, OverflowError,
FloatingPointError (numpy in "raise" mode) or a RuntimeWarning turned into an error. Callers
(the CLI, calibration jobs, the API) handle ``UncertaintyError``, so every entry point of the
engine runs under ``guard``: numpy raises instead of warning, and each of those failures is
re-raised as an ``UncertaintyError`` that says what could not be computed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np

from jiliang.uncertainty._errors import UncertaintyError

__all__ = ["ARITHMETIC_ERRORS", "arithmetic_reason", "guard"]

ARITHMETIC_ERRORS = (ArithmeticError, RecursionError, MemoryError, RuntimeWarning)

P = ParamSpec("P")
R = TypeVar("R")


def arithmetic_reason(exc: BaseException) -> str:
    """A short reason for an arithmetic failure, for a message a user reads."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "out of memory"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, OverflowError):
        return "result too large (overflow)"
    detail = str(exc.args[-1]) if exc.args else ""
    return detail or type(exc).__name__


def guard(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the function with numpy raising on overflow, division by zero and invalid values;
    any arithmetic failure left unhandled inside becomes ``UncertaintyError("<what>: ...")``.

    Code that expects such values (a correlation of a constant output) opts out locally with
    its own ``np.errstate(...="ignore")``; typed errors raised inside pass through unchanged.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                with np.errstate(over="raise", divide="raise", invalid="raise"):
                    return function(*args, **kwargs)
            except ARITHMETIC_ERRORS as exc:
                raise UncertaintyError(f"{what}: {arithmetic_reason(exc)}") from None

        return run

    return decorate
