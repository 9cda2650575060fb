"""deploy/z2jh/values.yaml, checked as the Zero to JupyterHub chart and the hub would check it.

``helm install`` merges a release's values over the chart's defaults and validates
the result against the chart's ``values.schema.json``. The chart's schema and
defaults, at the version values.yaml names, are vendored in
``deploy/z2jh/chart-schema/`` (its README says how to refresh them); these tests
do the same merge and validation, offline.

The schema lets anything through under ``hub.config`` (the chart hands it to
JupyterHub as traitlets configuration) and in a file's ``data``, so the hub's
configuration is rebuilt as the chart's jupyterhub_config.py builds it:
``hub.config`` first, then the ``20-lti`` snippet, whose ``lti_config`` reads the
lti.toml that values.yaml mounts. Every option in the result must exist on the
installed classes (jupyterhub-ltiauthenticator is the version the hub image pins;
JupyterHub is the project's, the chart's image has 5.5.0) and take its value.
What needs a cluster (rendering, starting, a real launch) is not tested here.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import importlib
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support.common import ROOT

Z2JH = ROOT / "deploy" / "z2jh"
VENDORED = Z2JH / "chart-schema"

# hub.config sections this file may set, and the class each configures
SECTION_CLASSES = {
    "JupyterHub": "jupyterhub.app:JupyterHub",
    "Authenticator": "jupyterhub.auth:Authenticator",
    "LTI13Authenticator": "ltiauthenticator.lti13.auth:LTI13Authenticator",
    "LTI13LaunchValidator": "ltiauthenticator.lti13.validator:LTI13LaunchValidator",
}
LTI13 = "ltiauthenticator.lti13.auth.LTI13Authenticator"


def load_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def helm_merge(defaults: dict, values: dict) -> dict:
    """The chart's defaults with ``values`` over them, as Helm coalesces them.

    Tables merge key by key; any other value replaces the default; a null given
    for a key the defaults have removes that key.
    """
    merged = copy.deepcopy(values)
    for key, default in defaults.items():
        if key not in merged:
            merged[key] = copy.deepcopy(default)
        elif merged[key] is None:
            del merged[key]
        elif isinstance(merged[key], dict) and isinstance(default, dict):
            merged[key] = helm_merge(default, merged[key])
    return merged


def load_class(spec: str) -> type:
    module, _, name = spec.rpartition(":") if ":" in spec else spec.rpartition(".")
    return getattr(importlib.import_module(module), name)


def unknown_settings(hub_config: dict) -> list[str]:
    """Each ``hub.config`` section or option that no installed class knows."""
    unknown = []
    for section, options in hub_config.items():
        if section not in SECTION_CLASSES:
            unknown.append(f"section {section} (a misspelling, or add its class to SECTION_CLASSES)")
            continue
        known = load_class(SECTION_CLASSES[section]).class_trait_names(config=True)
        unknown += [f"{section}.{name}" for name in options if name not in known]
    return unknown


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = load_yaml(VENDORED / "values.schema.yaml")
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def chart_defaults() -> dict:
    return load_yaml(VENDORED / "values.yaml")


@pytest.fixture(scope="module")
def values() -> dict:
    return load_yaml(Z2JH / "values.yaml")


@pytest.fixture(scope="module")
def record() -> dict:
    return tomllib.loads((VENDORED / "vendored.toml").read_text())


def errors(validator, chart_defaults, values) -> list[tuple[tuple, str, str]]:
    """(path, failing keyword, message) of each schema error of ``values`` as Helm would see them."""
    found = validator.iter_errors(helm_merge(chart_defaults, values))
    return [(tuple(error.absolute_path), error.validator, error.message) for error in found]


def test_the_vendored_chart_files_are_unchanged(record):
    assert set(record["files"]) == {"values.schema.yaml", "values.yaml", "LICENSE"}
    for name, entry in record["files"].items():
        digest = hashlib.sha256((VENDORED / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"{name} differs from chart {record['version']}: re-run refresh.py"
    assert "BSD 3-Clause License" in (VENDORED / "LICENSE").read_text()


def test_values_and_hub_image_name_the_vendored_chart_version(record):
    helm = re.search(r"helm upgrade --install .*?--version (\S+)", (Z2JH / "values.yaml").read_text(), re.S)
    assert helm and helm.group(1) == record["version"], "the helm command in values.yaml names another chart"
    base = re.search(r"^FROM quay\.io/jupyterhub/k8s-hub:(\S+)$", (Z2JH / "hub.Dockerfile").read_text(), re.M)
    assert base and base.group(1) == record["version"], "hub.Dockerfile builds on another chart's hub image"


def test_the_chart_defaults_pass_its_own_schema(validator, chart_defaults):
    assert errors(validator, chart_defaults, {}) == []


def test_values_pass_the_chart_schema(validator, chart_defaults, values):
    assert errors(validator, chart_defaults, values) == []


def misspell_hub_config(values):
    values["hub"]["confg"] = values["hub"].pop("config")


def lowercase_a_config_section(values):
    values["hub"]["config"]["lti13authenticator"] = values["hub"]["config"].pop("LTI13Authenticator")


def misspell_storage_capacity(values):
    values["singleuser"]["storage"]["capcity"] = values["singleuser"]["storage"].pop("capacity")


def cull_timeout_as_text(values):
    values["cull"]["timeout"] = "3600s"


def https_enabled_as_text(values):
    values["proxy"]["https"]["enabled"] = "yes"


def hub_image_tag_as_number(values):
    values["hub"]["image"]["tag"] = 4.4  # what YAML makes of an unquoted tag: 4.4


def key_file_without_content(values):
    del values["hub"]["extraFiles"]["lti-tool-key"]["stringData"]


def unknown_database_type(values):
    values["hub"]["db"]["type"] = "postgresql"


@pytest.mark.parametrize(("mistake", "path", "keyword"), [
    pytest.param(mistake, path, keyword, id=mistake.__name__) for mistake, path, keyword in [
        (misspell_hub_config, ("hub",), "additionalProperties"),
        (lowercase_a_config_section, ("hub", "config"), "additionalProperties"),
        (misspell_storage_capacity, ("singleuser", "storage"), "additionalProperties"),
        (cull_timeout_as_text, ("cull", "timeout"), "type"),
        (https_enabled_as_text, ("proxy", "https", "enabled"), "type"),
        (hub_image_tag_as_number, ("hub", "image", "tag"), "type"),
        (key_file_without_content, ("hub", "extraFiles", "lti-tool-key"), "oneOf"),
        (unknown_database_type, ("hub", "db", "type"), "enum"),
    ]
])
def test_the_schema_refuses_a_mistake(validator, chart_defaults, values, mistake, path, keyword):
    wrong = copy.deepcopy(values)
    mistake(wrong)
    found = errors(validator, chart_defaults, wrong)
    assert [(p, k) for p, k, _ in found] == [(path, keyword)], found


def lti_snippet_settings(values: dict) -> dict:
    """The settings the ``20-lti`` snippet passes to ``lti_config(c, settings)``."""
    tree = ast.parse(values["hub"]["extraConfig"]["20-lti"])  # a syntax error here would stop the hub
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lti_config"]
    assert len(calls) == 1 and [ast.unparse(arg) for arg in calls[0].args[:1]] == ["c"]
    return ast.literal_eval(calls[0].args[1])


def apply_lti_config(hub_config: dict, lti, settings: dict):
    """``hub.config`` as traitlets config, then ``lti_config`` over it, in the chart's order."""
    from traitlets.config import Config

    from reciprocity.lms.authenticator import lti_config

    config = Config(copy.deepcopy(hub_config))
    lti_config(config, {**settings, "lti_config": lti})
    return config


def replaced_by_lti_config(hub_config: dict, final) -> list[str]:
    """Each option set in ``hub_config`` that ``lti_config`` then set to something else."""
    return [f"{section}.{name}" for section, options in hub_config.items() for name, value in options.items()
            if final[section][name] != value]


@pytest.fixture(scope="module")
def lti(values, tmp_path_factory):
    """values.yaml's lti.toml, checked by reciprocity.lms.config, with a real key where the Secret puts one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from reciprocity.lms.config import parse_config

    files = values["hub"]["extraFiles"]
    folder = tmp_path_factory.mktemp("etc-reciprocity")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / Path(files["lti-tool-key"]["mountPath"]).name).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    # LtiConfigError lists every problem of the file, each with its fix
    return parse_config(files["lti-toml"]["data"], folder / Path(files["lti-toml"]["mountPath"]).name)


@pytest.fixture(scope="module")
def hub_config(chart_defaults, values) -> dict:
    return helm_merge(chart_defaults, values)["hub"]["config"]


@pytest.fixture(scope="module")
def final_config(hub_config, lti, values):
    return apply_lti_config(hub_config, lti, lti_snippet_settings(values))


def test_every_option_the_hub_gets_exists(final_config):
    assert unknown_settings(final_config) == []


def test_a_misspelt_option_or_section_is_caught(values):
    wrong = copy.deepcopy(values["hub"]["config"])
    wrong["LTI13Authenticator"]["tool_nmae"] = wrong["LTI13Authenticator"].pop("tool_name")
    wrong["LTI13Authentiactor"] = {"issuer": "https://lms.example.edu"}
    assert unknown_settings(wrong) == [
        "LTI13Authenticator.tool_nmae",
        "section LTI13Authentiactor (a misspelling, or add its class to SECTION_CLASSES)",
    ]


def test_lti_config_replaces_nothing_values_sets(hub_config, final_config, lti, values):
    assert replaced_by_lti_config(hub_config, final_config) == []
    # an issuer typed here would be silently replaced by lti.toml's
    shadowed = copy.deepcopy(hub_config)
    shadowed["LTI13Authenticator"]["issuer"] = "https://lms.example.edu"
    final = apply_lti_config(shadowed, lti, lti_snippet_settings(values))
    assert replaced_by_lti_config(shadowed, final) == ["LTI13Authenticator.issuer"]


def test_the_hub_logs_in_with_lti13_configured_from_lti_toml(final_config, lti):
    from traitlets import TraitError

    assert final_config.JupyterHub.authenticator_class == LTI13
    authenticator_class = load_class(LTI13)
    authenticator = authenticator_class(config=final_config)  # a value of the wrong type raises TraitError
    assert (authenticator.issuer, authenticator.client_id) == (lti.issuer, {lti.client_id})
    assert (authenticator.authorize_url, authenticator.jwks_endpoint) == (lti.authorize_url, lti.jwks_url)
    assert (authenticator.username_key, authenticator.uri_scheme) == ("sub", "https")
    assert authenticator.allow_all and authenticator.manage_groups and authenticator.enable_auth_state
    assert callable(authenticator.post_auth_hook)
    assert sorted(lti.courses) == ["reciprocity-a", "reciprocity-b"]
    validator_class = load_class(SECTION_CLASSES["LTI13LaunchValidator"])
    assert validator_class(config=final_config).time_leeway == 30
    wrong = copy.deepcopy(final_config)
    wrong.LTI13Authenticator.uri_scheme = "htps"
    with pytest.raises(TraitError, match="uri_scheme"):
        authenticator_class(config=wrong)


def test_lti_files_and_state_are_mounted_where_lti_toml_expects(values):
    hub = values["hub"]
    lti_toml = Path(hub["extraFiles"]["lti-toml"]["mountPath"])
    assert lti_snippet_settings(values)["lti_config"] == str(lti_toml)
    tool = hub["extraFiles"]["lti-toml"]["data"]["tool"]
    assert lti_toml.parent / tool["private_key"] == Path(hub["extraFiles"]["lti-tool-key"]["mountPath"])
    # the launch records outlive the hub's pod and reach the grading side: a volume claim
    claims = {volume["name"] for volume in hub["extraVolumes"] if "persistentVolumeClaim" in volume}
    mounts = [Path(mount["mountPath"]) for mount in hub["extraVolumeMounts"] if mount["name"] in claims]
    assert any(Path(tool["state_dir"]).is_relative_to(mount) for mount in mounts)


def test_the_hub_image_installs_the_code_the_snippet_imports(values):
    tree = ast.parse(values["hub"]["extraConfig"]["20-lti"])
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported == ["reciprocity.lms.authenticator"]
    # hub.Dockerfile installs the package without -e: only the packages listed are in the image
    packaged = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert "reciprocity.lms" in packaged, "add 'reciprocity.lms' to [tool.setuptools] packages in pyproject.toml"


def test_the_hub_image_pins_what_requirements_pin():
    dockerfile = (Z2JH / "hub.Dockerfile").read_text()
    requirements = (ROOT / "requirements.txt").read_text()
    for name in ("jupyterhub-ltiauthenticator", "PyLTI1p3"):
        pinned = re.search(rf"\b{name}==(\S+)", dockerfile)
        required = re.search(rf"^{name}==(\S+)$", requirements, re.M)
        assert pinned and required and pinned.group(1) == required.group(1), name
        assert version(name) == pinned.group(1), f"the installed {name} is not the one the hub image gets"
