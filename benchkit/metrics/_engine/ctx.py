"""Memoisation in ``ctx.cache``: one helper, keys owned by the module that builds them.

Every metric helper that keeps something for the other metrics of one evaluation (an encoding, a
neighbour index, a fitted baseline model) goes through :func:`memo`::

    memo(ctx, __name__, ("codes", column), lambda: build_codes(...))

The entry lives at ``ctx.cache[(owner, key)]``: ``owner`` is the building module's ``__name__``, so
two modules can use the same key tuple without ever reading each other's values, and a key is only
ever built by the code of the module that owns it. Values are never ``None``-tested: a build may
return anything, ``None`` included, and it is kept.

**Two lifetimes.** By default an entry lives for one evaluation (``ctx.cache``). With
``across_references=True`` it lives in ``ctx.shared``, which an evaluation hands to the reference
evaluations it runs (the holdout, the independent baseline): use it only for a value keyed by the
*content* it was computed from (a model fitted on exactly these rows, with these settings), which
is the same whichever evaluation asks.

**Thread-safety rule.** Threads share ``ctx``: the shared encodings are built on a pool, and the
metrics that registered ``parallel=True`` map their columns over threads, so two threads may ask for
the same key at once. :func:`memo` builds each key
*once*: the first thread to miss takes a lock of that key and builds; any other thread asking for the
same key meanwhile waits on that lock and then reads the built value (threads asking for *other* keys
are not held up: a lookup that finds its value takes no lock at all). A build may call :func:`memo`
for other keys (nested builds), never for its own key (that would wait on itself). If a build raises,
nothing is kept and the error goes to its caller; a waiting thread then builds the key itself (and
usually gets the same error, which its metric reports). The per-key locks are dropped once their
value is kept.

:func:`peek` and :func:`put` serve the rare entry that is upgraded in place (a column's values that
later also need their argsort): ``put`` replaces a value with an equivalent, richer one, so a thread
still holding the old value stays correct; a plain dict assignment, atomic under the GIL.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")

_MISSING = object()
_GUARD = threading.Lock()  # guards the table of per-key locks (held for a dict lookup only)
_LOCKS = (__name__, ("locks",))  # where a context keeps its per-key locks, in its own cache


def _full_key(owner: str, key: tuple) -> tuple[str, tuple]:
    if not isinstance(owner, str) or not owner:
        raise TypeError(f"memo owner must be the building module's __name__, not {owner!r}")
    return (owner, key)


def memo(ctx: Any, owner: str, key: tuple[Hashable, ...], build: Callable[[], T], *,
         across_references: bool = False) -> T:
    """The value kept in ``ctx.cache`` (``ctx.shared`` with ``across_references``) under
    ``(owner, key)``, built once by ``build()`` when absent.

    ``owner`` is the calling module's ``__name__``; see the module docstring for the lifetimes and
    the thread-safety rule.
    """
    full = _full_key(owner, key)
    cache = ctx.shared if across_references else ctx.cache
    found = cache.get(full, _MISSING)
    if found is not _MISSING:
        return found
    with _GUARD:
        locks = cache.get(_LOCKS)
        if locks is None:
            locks = cache[_LOCKS] = {}
        lock = locks.get(full)
        if lock is None:
            lock = locks[full] = threading.Lock()
    try:
        with lock:
            found = cache.get(full, _MISSING)
            if found is _MISSING:
                found = build()
                cache[full] = found
    finally:
        with _GUARD:
            if locks.get(full) is lock:
                del locks[full]
    return found


def peek(ctx: Any, owner: str, key: tuple[Hashable, ...], default: Any = None) -> Any:
    """The value kept under ``(owner, key)``, or ``default``; never builds."""
    return ctx.cache.get(_full_key(owner, key), default)


def put(ctx: Any, owner: str, key: tuple[Hashable, ...], value: T) -> T:
    """Keep ``value`` under ``(owner, key)``, replacing what was there (an upgrade: see the module docstring)."""
    ctx.cache[_full_key(owner, key)] = value
    return value


def entries(ctx: Any, owner: str) -> dict[tuple, Any]:
    """Every value ``owner`` keeps in ``ctx.cache``, by key (for diagnostics and benchmarks)."""
    return {k[1]: v for k, v in list(ctx.cache.items()) if k != _LOCKS and isinstance(k, tuple) and k[0] == owner}


__all__ = ["memo", "peek", "put", "entries"]
