"""Vendor the Zero to JupyterHub chart's values schema at a release tag.

    python deploy/z2jh/chart-schema/refresh.py 4.4.0                   # clones (network)
    python deploy/z2jh/chart-schema/refresh.py 4.4.0 --repo ~/src/z2jh # an existing clone

From https://github.com/jupyterhub/zero-to-jupyterhub-k8s at the tag, copies into
this folder:

* ``jupyterhub/values.schema.yaml``: the schema; the chart's release turns it into
  the ``values.schema.json`` that ``helm install`` checks values against;
* ``jupyterhub/values.yaml``: the chart's defaults, which Helm merges under a
  release's own values before checking them;
* ``LICENSE``: the chart's licence;

and writes ``vendored.toml`` (tag, commit, each file's SHA-256), which
``tests/deploy/test_z2jh_values.py`` checks the files against. Afterwards, set the
same version in ``deploy/z2jh/values.yaml`` (the ``helm`` command at its top) and in
``deploy/z2jh/hub.Dockerfile`` (``FROM``); the test says where they differ.
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
UPSTREAM = "https://github.com/jupyterhub/zero-to-jupyterhub-k8s"
# vendored name -> path in the chart's repository
FILES = {
    "values.schema.yaml": "jupyterhub/values.schema.yaml",
    "values.yaml": "jupyterhub/values.yaml",
    "LICENSE": "LICENSE",
}


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` and return its standard output."""
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


def vendor(repo: Path, tag: str) -> None:
    """Copy ``FILES`` at ``tag`` from the clone ``repo`` and record where they came from."""
    commit = git(repo, "rev-parse", f"{tag}^{{commit}}").decode().strip()
    lines = [
        "# What this folder holds and where it came from; written by refresh.py (see README.md).",
        'chart = "jupyterhub"',
        f'version = "{tag}"',
        f'repository = "{UPSTREAM}"',
        f'tag = "{tag}"',
        f'commit = "{commit}"',
        "",
        "[files]",
    ]
    for name, upstream_path in FILES.items():
        content = git(repo, "show", f"{commit}:{upstream_path}")
        (HERE / name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        lines.append(f'"{name}" = {{ from = "{upstream_path}", sha256 = "{digest}" }}')
    (HERE / "vendored.toml").write_text("\n".join(lines) + "\n")
    print(f"vendored chart {tag} (commit {commit}) into {HERE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="a released chart version, e.g. 4.4.0 (a tag of the chart's repository)")
    parser.add_argument("--repo", type=Path, help="an existing clone or mirror of the chart's repository")
    args = parser.parse_args()
    if args.repo:
        vendor(args.repo, args.tag)
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "--quiet", "--bare", "--filter=blob:none", UPSTREAM, tmp], check=True)
        vendor(Path(tmp), args.tag)


if __name__ == "__main__":
    main()
