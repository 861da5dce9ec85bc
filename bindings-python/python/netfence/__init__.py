"""netfence: Kubernetes NetworkPolicy SDK (see docs/api.md).

A thin adapter over the Rust core's JSON API: one function per operation in
``OPERATIONS`` (``parse``, ``validate``, ``build``, ``analyze``, ...), each taking manifests as
YAML/JSON text, file paths, dicts or lists of these, and returning a result object with
attribute access, ``to_dict()`` and ``to_json()``. Bad input raises a ``NetfenceError``
subclass carrying ``code``, ``help``, ``location`` and the whole ``payload``.

The functions are made from ``OPERATIONS`` at import, so a new core operation needs no code
here; ``__init__.pyi`` is generated from the Rust types by ``cargo xtask bindings-codegen``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any, Callable

from . import _native
from .builder import Intent

__version__: str = _native.__version__
OPERATIONS: tuple[str, ...] = tuple(_native.OPERATIONS)

__all__ = [
    "OPERATIONS",
    "InputOutputError",
    "Intent",
    "NetfenceError",
    "ParseError",
    "Record",
    "RequestError",
    "ValidationError",
    "call",
    *OPERATIONS,
]


class NetfenceError(Exception):
    """An input netfence could not process, with a stable code (``NF-E...``)."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload: dict[str, Any] = dict(payload)
        self.code: str = str(payload.get("code", ""))
        self.message: str = str(payload.get("message", ""))
        self.help: str | None = payload.get("help")
        self.location: dict[str, Any] | None = payload.get("location")
        super().__init__(f"{self.code}: {self.message}")


class ParseError(NetfenceError):
    """The input cannot be read: too large, not YAML/JSON, over a parser budget, not text."""


class ValidationError(NetfenceError):
    """The input reads but is not acceptable: wrong shape, not a resource, bad intent or build."""


class RequestError(NetfenceError):
    """The request itself is wrong: unknown operation or field."""


class InputOutputError(NetfenceError):
    """Reading an input or producing output failed."""


# code -> class, decided in the native module by an exhaustive match over the error codes
_ERROR_CLASSES: dict[str, type[NetfenceError]] = {code: globals()[name] for code, name in _native.ERROR_CLASSES.items()}


def _error(payload: Mapping[str, Any]) -> NetfenceError:
    return _ERROR_CLASSES.get(str(payload.get("code")), NetfenceError)(payload)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Record(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


class Record:
    """A result object: attributes in snake_case (``r.max_depth``; ``r.from_`` for a Python
    keyword), mapping access by the JSON (camelCase) key (``r["maxDepth"]``), ``to_dict()`` and
    ``to_json()`` for the plain form. An optional field that is absent reads as ``None``."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", dict(data))

    def to_dict(self) -> dict[str, Any]:
        """The plain JSON form (camelCase keys), a deep copy."""
        return json.loads(json.dumps(self._data))

    def to_json(self, indent: int | None = None) -> str:
        """The JSON text of the result."""
        return json.dumps(self._data, indent=indent)

    def __getattr__(self, name: str) -> Any:
        data = object.__getattribute__(self, "_data")
        for key in (_camel(name.rstrip("_")), name):  # `from_` reads `from`, `keys_` reads `keys`
            if key in data:
                return _wrap(data[key])
        if name.startswith("_"):
            raise AttributeError(name)
        return None  # an optional field that is absent

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("results are read-only; use to_dict() for a mutable copy")

    def keys(self) -> list[str]:
        """The JSON (camelCase) keys; with ``__getitem__`` this makes ``dict(record)`` work."""
        return list(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        """The value under a JSON key, or ``default``."""
        return _wrap(self._data[key]) if key in self._data else default

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key])

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self._data == other._data
        return self._data == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


# --- inputs -----------------------------------------------------------------------------------

# Maps in Kubernetes objects whose keys are data (label keys), not field names.
_FREE_FORM = {"labels", "annotations", "match_labels", "node_selector", "data"}


def _is_free_form(key: str, item: Any) -> bool:
    if key == "selector":  # a Service's selector is a label map; a workload's is a LabelSelector
        return not ({"match_labels", "match_expressions"} & set(item))
    return key in _FREE_FORM


def _from_client_dict(value: Any, free_form: bool = False) -> Any:
    """The `kubernetes` client's ``to_dict()`` form (snake_case keys, ``None`` for absent
    fields) to the API form (camelCase keys, absent fields left out)."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            key = str(key)
            nested_free_form = not free_form and isinstance(item, Mapping) and _is_free_form(key, item)
            out[key if free_form else _camel(key)] = _from_client_dict(item, nested_free_form)
        return out
    if isinstance(value, (list, tuple)):
        return [_from_client_dict(item) for item in value]
    return value


def _manifest_text(manifest: Mapping[str, Any]) -> str:
    try:
        if "api_version" in manifest and "apiVersion" not in manifest:
            manifest = _from_client_dict(manifest)
        return json.dumps(manifest, default=str)
    except (ValueError, RecursionError) as e:  # a cycle, or nested deeper than Python recurses
        raise RequestError({"code": "NF-E011", "message": f"invalid request: cannot encode a manifest as JSON: {e}", "help": "pass plain dicts, lists, strings, numbers and booleans"}) from None


def _sources(value: Any) -> list[dict[str, str]]:
    """Turns one input (text, path, dict, object with ``to_dict()``, or a list) into sources."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and "\n" not in value and os.path.isfile(value)):
        path = os.fspath(value)
        try:
            with open(path, encoding="utf-8") as handle:
                return [{"name": str(path), "text": handle.read()}]
        except (OSError, UnicodeDecodeError) as e:
            raise InputOutputError({"code": "NF-E020", "message": f"cannot read `{path}`: {e}", "help": "check the path and that the file is UTF-8 text"}) from None
    if isinstance(value, str):
        return [{"name": "<input>", "text": value}]
    if hasattr(value, "to_dict") and not isinstance(value, Mapping):
        value = value.to_dict()
    if isinstance(value, Mapping):
        if "text" in value and "kind" not in value:
            return [dict(value)]  # already a source
        return [{"name": "<input>", "text": _manifest_text(value)}]
    if isinstance(value, (list, tuple)):
        return [source for item in value for source in _sources(item)]
    raise RequestError({"code": "NF-E011", "message": f"invalid request: cannot read an input of type `{type(value).__name__}`", "help": "pass YAML/JSON text, a path, a dict or a list of these"})


# --- calls ------------------------------------------------------------------------------------


def _request_text(request: Any) -> str:
    if isinstance(request, str):
        return request
    try:
        return json.dumps(request, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as e:
        raise RequestError({"code": "NF-E011", "message": f"invalid request: cannot encode it as JSON: {e}", "help": "pass plain dicts, lists, strings, numbers and booleans"}) from None


def _run(operation: str, request: Any, result: type[Record] = Record) -> Any:
    try:
        ok, text = _native.call(operation, _request_text(request))
    except UnicodeEncodeError as e:  # lone surrogates in the text of a request
        raise RequestError({"code": "NF-E011", "message": f"invalid request: it is not valid Unicode text: {e.reason} at {e.start}", "help": "pass text without lone surrogates"}) from None
    if not ok:
        raise _error(json.loads(text))
    value = json.loads(text)
    return result(value) if isinstance(value, dict) else _wrap(value)


def call(operation: str, request: Mapping[str, Any] | str) -> Any:
    """Runs ``operation`` on a request in the JSON API's form (camelCase keys, see docs/api.md)."""
    return _run(operation, request)


def _pascal(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in name.split("_"))


def _operation(name: str) -> tuple[Callable[..., Any], type[Record]]:
    result = type(f"{_pascal(name)}Response", (Record,), {"__slots__": (), "__module__": __name__})

    def operation(*inputs: Any, request: Mapping[str, Any] | str | None = None, **fields: Any) -> Any:
        body: dict[str, Any] = json.loads(request) if isinstance(request, str) else dict(request or {})
        if inputs:
            body["sources"] = list(body.get("sources", [])) + _sources(list(inputs))
        for key, value in fields.items():
            body[_camel(key)] = value
        return _run(name, body, result)

    operation.__name__ = operation.__qualname__ = name
    operation.__module__ = __name__
    operation.__doc__ = (
        f"Runs `{name}` (see docs/api.md): positional ``inputs`` (text, paths, dicts, lists) become "
        f"``sources``; keyword ``fields`` (snake_case) set request fields; ``request`` is a base request."
    )
    return operation, result


for _name in OPERATIONS:
    _function, _result = _operation(_name)
    globals()[_name] = _function
    globals()[_result.__name__] = _result
del _name, _function, _result
