"""A restricted unpickler for the SDV synthesizers in a benchkit model file.

SDV synthesizers can only be pickled. Plain ``pickle.load`` imports and calls whatever the file names
(``os.system`` included), so this unpickler resolves only the globals a saved GaussianCopula, CTGAN,
TVAE or CopulaGAN model needs, found by listing every global their pickles reference (tests keep the
list honest):

- classes and functions of the packages SDV models are made of (:data:`ALLOWED_PACKAGES`): ``sdv``,
  ``rdt``, ``ctgan``, ``deepecho`` (PAR), ``copulas``, ``faker`` (rdt keeps a Faker instance), ``benchkit_sdv``, ``numpy``,
  ``pandas``, ``torch``, ``sklearn``, ``scipy``, ``collections``;
- a few exact names (:data:`ALLOWED_NAMES`): plain builtin types, ``random.Random``;
- two names mapped to safe stand-ins: ``torch.storage._load_from_bytes`` (it calls
  ``torch.load(weights_only=False)``) reads tensor storages with ``weights_only=True``, and
  ``builtins.getattr`` (Faker's pickled bound methods) only fetches public methods of ``faker``
  objects.

Everything else is refused, and so are dangerous names even inside those packages: modules such as
``os``, ``subprocess``, ``pickle``, ``io`` or ``torch.serialization`` anywhere in the path, names like
``eval``, ``exec``, ``system``, ``load``/``loads``, ``read_*``/``to_*``, ``open``, ``compile``,
dunder names, dotted (nested) names, and any object whose own ``__module__``/``__name__`` fails the
same test (a re-exported ``os.system`` stays refused). This is defence in depth, not a sandbox: an
allowed class may still do unexpected work when unpickled. Load files you trust.
"""

from __future__ import annotations

import io
import pickle
import types
from typing import Any

ALLOWED_PACKAGES = ("sdv", "rdt", "ctgan", "deepecho", "copulas", "faker", "benchkit_sdv", "numpy", "pandas", "torch",
                    "sklearn", "scipy", "collections")
ALLOWED_NAMES = {("builtins", name) for name in ("object", "slice", "set", "frozenset", "list", "dict", "tuple",
                                                  "bytearray", "bytes", "str", "int", "float", "complex", "bool",
                                                  "range")} | {("random", "Random")}
DENIED_MODULE_PARTS = frozenset({
    "os", "posix", "nt", "sys", "subprocess", "shutil", "importlib", "pickle", "cloudpickle", "dill",
    "joblib", "marshal", "ctypes", "ctypeslib", "socket", "runpy", "code", "codeop", "io", "serialization",
    "hub", "package", "jit", "cpp_extension", "npyio", "_npyio_impl", "f2py", "distutils", "testing", "_dynamo",
    "_inductor", "ops", "_ops", "_C", "library", "builtins", "webbrowser", "tempfile", "multiprocessing",
})
DENIED_NAMES = frozenset({
    "eval", "exec", "execfile", "compile", "system", "popen", "Popen", "spawn", "call", "run", "check_call",
    "check_output", "load", "loads", "load_state_dict", "_load_from_bytes", "open", "getattr", "setattr",
    "delattr", "globals", "locals", "vars", "input", "breakpoint", "import_module", "fromfile", "tofile",
    "memmap", "apply", "partial", "methodcaller", "attrgetter", "itemgetter",
})
DENIED_PREFIXES = ("read_", "to_", "save", "dump", "exec", "load")


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asked for a global outside the allowlist."""


def _module_ok(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in ALLOWED_PACKAGES and not DENIED_MODULE_PARTS.intersection(parts)


def _name_ok(name: str) -> bool:
    return ("." not in name and not (name.startswith("__") and name.endswith("__")) and name not in DENIED_NAMES
            and name not in DENIED_MODULE_PARTS and not name.lstrip("_").startswith(DENIED_PREFIXES))


def _safe_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``getattr`` for Faker's pickled bound methods: public methods of a ``faker`` object only."""
    cls_module = type(obj).__module__ or ""
    if (default or not isinstance(name, str) or name.startswith("_") or isinstance(obj, (type, types.ModuleType))
            or not cls_module.startswith("faker.") or not _name_ok(name)):
        raise UnsafePickleError(f"refused getattr({type(obj).__name__}, {name!r})")
    value = getattr(obj, name)
    if not (isinstance(value, types.MethodType) and value.__self__ is obj):
        raise UnsafePickleError(f"refused getattr({type(obj).__name__}, {name!r}): not a method")
    return value


def _load_storage(data: bytes) -> Any:
    """``torch.storage._load_from_bytes`` with ``weights_only=True``: a tensor storage, never code."""
    import torch

    try:
        return torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError:
        raise UnsafePickleError("refused a tensor storage that holds more than tensor data") from None


_STAND_INS = {("builtins", "getattr"): _safe_getattr, ("torch.storage", "_load_from_bytes"): _load_storage}


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` resolves only allowlisted globals (see the module docstring)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _STAND_INS:
            return _STAND_INS[module, name]
        if (module, name) in ALLOWED_NAMES:
            return super().find_class(module, name)
        if not (_module_ok(module) and _name_ok(name)):
            raise UnsafePickleError(f"refused global {module}.{name}")
        obj = super().find_class(module, name)
        own_module, own_name = getattr(obj, "__module__", None), getattr(obj, "__name__", name)
        if (isinstance(obj, types.ModuleType) or not callable(obj) or not isinstance(own_module, str)
                or not _module_ok(own_module) or not _name_ok(own_name)):
            raise UnsafePickleError(f"refused global {module}.{name} (it is {own_module}.{own_name})")
        return obj


def restricted_loads(data: bytes) -> Any:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`; refused globals raise :class:`UnsafePickleError`."""
    return RestrictedUnpickler(io.BytesIO(data)).load()

