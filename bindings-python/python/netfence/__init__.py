"""netfence: Kubernetes NetworkPolicy SDK (see docs/api.md).

A thin adapter over the Rust core's JSON API: one function per operation in
``OPERATIONS`` (``parse``, ``validate``, ``build``, ``analyze``, ...), each taking manifests as
YAML/JSON text, paths to files or directories, bytes, dicts or lists of these, and returning a
result object with attribute access, ``to_dict()`` and ``to_json()``. Bad input raises a
``NetfenceError`` subclass carrying ``code``, ``help``, ``location`` and the whole ``payload``;
a missing path raises ``PathNotFoundError``, also a ``FileNotFoundError``.

The functions are made at import from ``_operations.py`` (each operation's keyword parameters
and docstring), which ``cargo xtask bindings-codegen`` writes from the JSON Schemas of the
requests, as it writes ``__init__.pyi``.
"""

from __future__ import annotations

import errno
import inspect
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any, Callable

from . import _native
from ._operations import OPERATIONS as _OPERATIONS
from ._operations import Operation as _Operation
from .builder import Intent

__version__: str = _native.__version__
OPERATIONS: tuple[str, ...] = tuple(_native.OPERATIONS)

__all__ = [
    "OPERATIONS",
    "InputOutputError",
    "Intent",
    "NetfenceError",
    "ParseError",
    "PathNotFoundError",
    "Record",
    "RequestError",
    "ValidationError",
    "analyze_arrow",
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


class PathNotFoundError(InputOutputError, FileNotFoundError):
    """A path given as an input does not exist: a ``FileNotFoundError`` (``errno``,
    ``filename``) that is also a ``NetfenceError`` (``code`` ``NF-E020``)."""

    def __init__(self, payload: Mapping[str, Any], path: str) -> None:
        super().__init__(payload)
        self.errno = errno.ENOENT
        self.strerror = os.strerror(errno.ENOENT)
        self.filename = path

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


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


# --- inputs ---------------------------------------------------------------------------------

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


# What a one-line string ending so names: a file, even when it does not exist.
_FILE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".csv")


def _is_path(text: str) -> bool:
    """Whether a string given as an input is a path rather than YAML/JSON text: one line that
    names an existing file or directory, or that looks like a file name (``policies/web.yaml``)."""
    if "\n" in text or not text.strip() or len(text) > 4096:
        return False
    if os.path.exists(text):
        return True
    name = text.strip()
    return not name.startswith(("{", "[")) and ": " not in name and name.lower().endswith(_FILE_SUFFIXES)


def _read(path: str, flows: bool) -> list[tuple[str, str]]:
    """A file (one source) or a directory (its files), read by the native module without the GIL."""
    sources, error = _native.read_paths([path], flows)
    if error is not None:
        payload, missing = error
        raise PathNotFoundError(json.loads(payload), path) if missing else _error(json.loads(payload))
    return sources


def _decode(data: bytes | bytearray | memoryview, name: str) -> str:
    sources, error = _native.decode(name, bytes(data))
    if error is not None:
        raise _error(json.loads(error[0]))
    return sources[0][1]


def _bad_input(value: Any, what: str) -> RequestError:
    return RequestError({"code": "NF-E011", "message": f"invalid request: cannot read {what} of type `{type(value).__name__}`", "help": "pass YAML/JSON text, a path, bytes, a dict or a list of these"})


def _sources(value: Any) -> list[dict[str, str]]:
    """Turns one input (text, path, bytes, dict, object with ``to_dict()``, or a list) into sources."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and _is_path(value)):
        return [{"name": name, "text": text} for name, text in _read(os.fspath(value), False)]
    if isinstance(value, str):
        return [{"name": "<input>", "text": value}]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return [{"name": "<input>", "text": _decode(value, "<input>")}]
    if hasattr(value, "to_dict") and not isinstance(value, Mapping):
        value = value.to_dict()
    if isinstance(value, Mapping):
        if "text" in value and "kind" not in value:
            return [dict(value)]  # already a source
        return [{"name": "<input>", "text": _manifest_text(value)}]
    if isinstance(value, (list, tuple)):
        return [source for item in value for source in _sources(item)]
    raise _bad_input(value, "an input")


class _Native:
    """Manifests the native module reads itself (``SOURCE_OPERATIONS``): existing paths and
    bytes, never turned into Python strings or JSON text."""

    __slots__ = ("paths", "blobs")

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.blobs: list[tuple[str, bytes]] = []

    def take(self, value: Any) -> list[Any]:
        """Keeps the paths and bytes of ``value`` (one input or a list); returns the rest."""
        if isinstance(value, (list, tuple)):
            return [rest for item in value for rest in self.take(item)]
        if (isinstance(value, os.PathLike) or (isinstance(value, str) and _is_path(value))) and os.path.exists(value):
            self.paths.append(os.fspath(value))
            return []
        if isinstance(value, (bytes, bytearray, memoryview)):
            self.blobs.append(("<input>", bytes(value)))
            return []
        return [value]

    def __bool__(self) -> bool:
        return bool(self.paths or self.blobs)


_SOURCE_OPERATIONS = frozenset(_native.SOURCE_OPERATIONS)


def _source(value: Any, field: str) -> dict[str, str]:
    """One input, for a field that takes a single source (``requirements``, ``source``)."""
    sources = _sources(value)
    if len(sources) != 1:
        raise RequestError({"code": "NF-E011", "message": f"invalid request: `{field}` takes one input, got {len(sources)}", "help": "pass one file, text or dict"})
    return sources[0]


def _flows(value: Any) -> list[dict[str, str]]:
    """Turns flow logs (text, path, bytes, ``FlowSource`` dict, or a list) into flow sources."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and _is_path(value)):
        return [
            {"name": name, "text": text, "format": "csv"} if name.lower().endswith(".csv") else {"name": name, "text": text}
            for name, text in _read(os.fspath(value), True)
        ]
    if isinstance(value, str):
        return [{"name": "<flows>", "text": value}]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return [{"name": "<flows>", "text": _decode(value, "<flows>")}]
    if isinstance(value, Mapping):
        return [dict(value)]
    if isinstance(value, (list, tuple)):
        return [source for item in value for source in _flows(item)]
    raise _bad_input(value, "flows")


# --- calls ------------------------------------------------------------------------------------


def _request_text(request: Any) -> str:
    if isinstance(request, str):
        return request
    try:
        return json.dumps(request, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as e:
        raise RequestError({"code": "NF-E011", "message": f"invalid request: cannot encode it as JSON: {e}", "help": "pass plain dicts, lists, strings, numbers and booleans"}) from None


def _run(operation: str, request: Any, result: type[Record] = Record, native: _Native | None = None) -> Any:
    try:
        if native:
            ok, text = _native.call_reading(operation, _request_text(request), native.paths, native.blobs)
        else:
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


_CONVERT: dict[str, Callable[[Any, str], Any]] = {
    "sources": lambda value, field: _sources(value),
    "source": _source,
    "flows": lambda value, field: _flows(value),
    "": lambda value, field: value,
}


def _signature(spec: _Operation, result: type[Record]) -> inspect.Signature:
    P = inspect.Parameter
    params = []
    if spec.positional == "inputs":
        params.append(P("inputs", P.VAR_POSITIONAL))
    elif spec.positional == "source":
        params.append(P("source", P.POSITIONAL_OR_KEYWORD, default=None))
    params += [P(p.python, P.KEYWORD_ONLY, default=None) for p in spec.parameters if not (spec.positional == "source" and p.json == "source")]
    params.append(P("request", P.KEYWORD_ONLY, default=None))
    return inspect.Signature(params, return_annotation=result.__name__)


def _run_arrow(request: Any) -> bytes:
    try:
        ok, out = _native.call_arrow(_request_text(request))
    except UnicodeEncodeError as e:
        raise RequestError({"code": "NF-E011", "message": f"invalid request: it is not valid Unicode text: {e.reason} at {e.start}", "help": "pass text without lone surrogates"}) from None
    if not ok:
        raise _error(json.loads(out))
    return bytes(out)


def _operation(name: str, runner: Callable[[dict[str, Any]], Any] | None = None) -> tuple[Callable[..., Any], type[Record]]:
    spec = _OPERATIONS.get(name, _Operation("inputs", f"{_pascal(name)}Response", (), f"Runs ``{name}`` (see docs/api.md)."))
    result = type(spec.response, (Record,), {"__slots__": (), "__module__": __name__})
    by_python = {p.python: p for p in spec.parameters}

    def operation(*inputs: Any, request: Mapping[str, Any] | str | None = None, **fields: Any) -> Any:
        body: dict[str, Any] = json.loads(request) if isinstance(request, str) else dict(request or {})
        # paths and bytes are read natively (streamed, no Python string) where the core can take
        # them: they come before the request's text sources
        native = _Native() if runner is None and name in _SOURCE_OPERATIONS else None
        if spec.positional == "source":
            if len(inputs) > 1:
                raise TypeError(f"{name}() takes one positional argument (the source) but {len(inputs)} were given")
            if inputs and "source" in fields:
                raise TypeError(f"{name}() got multiple values for argument 'source'")
            if inputs:
                fields = {"source": inputs[0], **fields}
        elif inputs and spec.positional != "inputs":
            raise TypeError(f"{name}() takes keyword arguments only ({', '.join(p.python + '=' for p in spec.parameters)})")
        elif inputs:
            rest = native.take(list(inputs)) if native is not None else list(inputs)
            body["sources"] = list(body.get("sources", [])) + _sources(rest)
        for key, value in fields.items():
            param = by_python.get(key)
            if param is None:  # the core names the unknown field and lists the known ones
                body[_camel(key)] = value
            elif value is not None:
                if native is not None and param.kind == "sources":
                    value = native.take(value)
                converted = _CONVERT[param.kind](value, param.json)
                if param.kind in ("sources", "flows") and isinstance(body.get(param.json), list):
                    converted = body[param.json] + converted
                body[param.json] = converted
        if native and "sources" not in body:
            body["sources"] = []
        return runner(body) if runner else _run(name, body, result, native)

    operation.__name__ = operation.__qualname__ = name
    operation.__module__ = __name__
    operation.__doc__ = spec.doc
    operation.__signature__ = _signature(spec, result)  # type: ignore[attr-defined]
    return operation, result


for _name in OPERATIONS:
    _function, _result = _operation(_name)
    globals()[_name] = _function
    globals()[_result.__name__] = _result
del _name, _function, _result

analyze_arrow, _ = _operation("analyze", _run_arrow)
analyze_arrow.__name__ = analyze_arrow.__qualname__ = "analyze_arrow"
analyze_arrow.__doc__ = """``analyze``'s answer as an Apache Arrow IPC stream (``bytes``), for pyarrow, pandas or polars.

Takes the same arguments as ``analyze``. One row per allowed port range, in the order of the
canonical list: ``src``, ``dst``, ``protocol`` (dictionary-encoded strings), ``port_from``,
``port_to`` (uint16). The answer's errors, ``partial`` and warnings are in the schema's metadata
(``netfence.errors``, ``netfence.partial``, ``netfence.warnings``, JSON text)::

    import pyarrow as pa
    table = pa.ipc.open_stream(netfence.analyze_arrow("examples/online-shop")).read_all()
"""
analyze_arrow.__signature__ = analyze_arrow.__signature__.replace(return_annotation="bytes")  # type: ignore[attr-defined]
del _
