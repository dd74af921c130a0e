"""How property tests draw their examples: repeatable in ``make test``, new in ``make fuzz``.

``make test`` runs every property on the ``repeatable`` profile (loaded in
``tests/conftest.py``): examples drawn from a seed fixed by the test itself
(``derandomize``) and no example database, so two runs of a fresh clone, on
any machine, try the same inputs and give the same result. What a property
must always cover is an ``@example`` of its own.

``make fuzz`` sets ``EPMIGRATE_FUZZ`` to a number of examples: the ``fuzz``
profile draws from new random seeds, each property runs at least that many
examples, and a failure is kept in ``.hypothesis/`` (replayed first on the
next fuzz run) and printed with the blob that reproduces it
(``@reproduce_failure``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["FUZZ_ENV", "examples", "fuzz_examples", "load_profile"]

FUZZ_ENV = "EPMIGRATE_FUZZ"


def fuzz_examples() -> int | None:
    """The examples per property ``make fuzz`` asks for, or ``None`` outside it."""
    value = os.environ.get(FUZZ_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{FUZZ_ENV}={value!r}: give a number of examples, such as 20000")
    return int(value)


def load_profile() -> str:
    """Register both profiles and load the one this run asks for; its name."""
    settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
    settings.register_profile("fuzz", derandomize=False, print_blob=True)
    name = "fuzz" if fuzz_examples() is not None else "repeatable"
    settings.load_profile(name)
    return name


def examples(count: int) -> settings:
    """Settings for a property that runs ``count`` examples in ``make test``.

    Under ``make fuzz`` it runs the fuzz count instead when that is larger.
    No deadline: the examples write and scan real files, whose time varies.
    """
    fuzz = fuzz_examples()
    return settings(
        max_examples=max(count, fuzz) if fuzz is not None else count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
