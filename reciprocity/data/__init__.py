"""The course's real datasets, shipped with the package and checked on load.

Every file is described in ``datapackage.json`` (Frictionless Data Package):
title, description, sources with the full citation, licence, sha256 hash and
a table schema. :func:`load` verifies the hash and the schema before it hands
over a :class:`pandas.DataFrame`, so a corrupt or edited file fails loudly
instead of quietly changing a published figure.

Examples
--------
>>> from reciprocity import data
>>> "ggl2008" in data.names()
True
>>> turnout = data.load("ggl2008").groupby("treatment")["voted"].mean()
>>> round(turnout["Neighbors"], 3)
0.378
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["DatasetError", "DatasetInfo", "names", "load", "describe", "data_dir"]


class DatasetError(ValueError):
    """A shipped dataset is missing, altered or does not match its schema."""


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`describe` returns: provenance and fields of one dataset."""

    name: str
    title: str
    description: str
    path: str
    source: str
    citation: str
    citation_key: str
    licence: str
    fields: tuple[dict, ...]

    def fields_frame(self) -> pd.DataFrame:
        """The schema as a table: name, type, description, constraints."""
        rows = [
            {
                "field": f["name"],
                "type": f["type"],
                "description": f.get("description", ""),
                "constraints": _format_constraints(f.get("constraints", {})),
            }
            for f in self.fields
        ]
        return pd.DataFrame(rows)


def data_dir() -> Path:
    """Folder that holds the shipped data files and ``datapackage.json``."""
    return Path(str(resources.files(__name__)))


@functools.lru_cache(maxsize=1)
def _package() -> dict:
    path = data_dir() / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise DatasetError(
            f"{path} is missing; reinstall the reciprocity package "
            "(pip install -e .) or restore the file with git."
        ) from err
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path} is not valid JSON ({err}); restore it with git.") from err


def _resources() -> dict[str, dict]:
    return {r["name"]: r for r in _package()["resources"]}


def names() -> list[str]:
    """Names of the shipped datasets, in catalogue order."""
    return [r["name"] for r in _package()["resources"]]


def _resource(name: str) -> dict:
    available = _resources()
    if name not in available:
        raise KeyError(
            f"unknown dataset {name!r}; available datasets: {', '.join(available)}"
        )
    return available[name]


def describe(name: str) -> DatasetInfo:
    """Provenance and schema of one dataset.

    Examples
    --------
    >>> info = describe("thornton2008")
    >>> info.licence
    'MIT (causaldata)'
    """
    res = _resource(name)
    sources = res.get("sources", [])
    return DatasetInfo(
        name=name,
        title=res["title"],
        description=res["description"],
        path=res["path"],
        citation=sources[0]["title"] if sources else "",
        source="; ".join(s["title"] for s in sources[1:]),
        citation_key=res.get("citation_key", ""),
        licence="; ".join(lic.get("title", lic.get("name", "")) for lic in res.get("licenses", [])),
        fields=tuple(res["schema"]["fields"]),
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_PANDAS_KIND = {"integer": "iu", "number": "iuf", "boolean": "b"}


def _check_schema(frame: pd.DataFrame, res: dict, path: Path) -> None:
    fields = res["schema"]["fields"]
    expected = [f["name"] for f in fields]
    actual = list(frame.columns)
    if actual != expected:
        missing = [c for c in expected if c not in actual]
        extra = [c for c in actual if c not in expected]
        raise DatasetError(
            f"{path.name}: columns do not match the schema in datapackage.json "
            f"(missing: {missing or 'none'}; unexpected: {extra or 'none'}). "
            "Restore the original file with git."
        )
    for f in fields:
        col = frame[f["name"]]
        cons = f.get("constraints", {})
        where = f"{path.name}, field {f['name']!r}"
        if cons.get("required") and col.isna().any():
            raise DatasetError(
                f"{where}: {int(col.isna().sum())} missing value(s) in a required field."
            )
        present = col.dropna()
        kinds = _PANDAS_KIND.get(f["type"])
        if kinds and present.dtype.kind not in kinds:
            raise DatasetError(
                f"{where}: expected type {f['type']}, found values such as "
                f"{present.iloc[:3].tolist()} (dtype {present.dtype})."
            )
        if f["type"] == "integer" and present.dtype.kind == "f" and not (present % 1 == 0).all():
            raise DatasetError(f"{where}: expected whole numbers, found fractions.")
        if "enum" in cons:
            bad = sorted(set(present.astype(str)) - set(map(str, cons["enum"])))
            if bad:
                raise DatasetError(
                    f"{where}: values {bad[:5]} are not among the allowed {cons['enum']}."
                )
        for bound, op in (("minimum", "lt"), ("maximum", "gt")):
            if bound in cons and len(present):
                outside = getattr(present, op)(cons[bound])
                if outside.any():
                    raise DatasetError(
                        f"{where}: {int(outside.sum())} value(s) break the {bound} of "
                        f"{cons[bound]} (e.g. {present[outside].iloc[0]})."
                    )


@functools.cache
def _load_checked(name: str) -> pd.DataFrame:
    res = _resource(name)
    path = data_dir() / res["path"]
    if not path.is_file():
        raise DatasetError(
            f"data file {path} for dataset {name!r} is missing; reinstall the reciprocity "
            "package or restore the file with git."
        )
    algorithm, _, expected = res["hash"].partition(":")
    actual = _sha256(path)
    if actual != expected:
        raise DatasetError(
            f"data file {path.name} has been altered or is corrupt: its {algorithm} is "
            f"{actual[:12]}..., datapackage.json expects {expected[:12]}.... Restore the "
            "original with git, or if you replaced it on purpose, run "
            "`python -m tools.build_datapackage` to record the new hash."
        )
    try:
        frame = pd.read_csv(path, na_values=res["schema"].get("missingValues", [""]),
                            keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as err:
        raise DatasetError(f"data file {path.name} cannot be parsed as CSV: {err}") from err
    _check_schema(frame, res, path)
    return frame


def load(name: str) -> pd.DataFrame:
    """Load a shipped dataset as a DataFrame after checking its hash and schema.

    The file is read and validated once per process; each call returns a
    fresh copy, so changing it cannot affect other cells.

    Parameters
    ----------
    name : str
        One of :func:`names`, e.g. ``"ggl2008"``.

    Raises
    ------
    KeyError
        If ``name`` is not a shipped dataset (the message lists the names).
    DatasetError
        If the file is missing, altered (hash mismatch) or breaks its schema.

    Examples
    --------
    >>> load("fox_guyer1978").shape
    (20, 3)
    """
    return _load_checked(name).copy()


def _format_constraints(cons: dict) -> str:
    parts = []
    if cons.get("required"):
        parts.append("required")
    if "enum" in cons:
        parts.append("one of " + ", ".join(map(str, cons["enum"])))
    if "minimum" in cons:
        parts.append(f"≥ {cons['minimum']}")
    if "maximum" in cons:
        parts.append(f"≤ {cons['maximum']}")
    return "; ".join(parts)
