"""``lti.toml`` is checked, every problem reported at once with its fix; the roles map to the course's groups."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from reciprocity.lms import __main__ as cli
from reciprocity.lms.config import LtiConfigError, load_config, parse_config
from reciprocity.lms.roles import INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, course_role, hub_groups
from tests.support.common import ROOT

pytestmark = pytest.mark.lti

EXAMPLE = ROOT / "deploy" / "hub" / "lti.toml"


@pytest.fixture
def example(tool_key) -> dict:
    """The shipped example, with a key that exists."""
    data = tomllib.loads(EXAMPLE.read_text())
    data["tool"]["private_key"] = str(tool_key)
    return data


def problems(data: dict, tmp_path: Path) -> str:
    with pytest.raises(LtiConfigError) as err:
        parse_config(data, tmp_path / "lti.toml")
    return str(err.value)


def test_the_shipped_example_is_valid_once_its_key_exists(example, tmp_path):
    config = parse_config(example, tmp_path / "lti.toml")
    assert config.course_for_context("4dde05e8ca1973bcca9bffc13e1548820eee93a3").course == "reciprocity-a"
    assert config.course_for_context("unknown") is None
    assert config.courses["reciprocity-b"].deployment_ids == ("3:7db438071375c02373713c12c73869ff2f470b68",)
    assert config.client_ids() == {"10000000000042"}
    assert config.public_jwk()["kid"] and config.public_jwk()["alg"] == "RS256"


def test_the_shipped_example_says_its_key_is_missing():
    with pytest.raises(LtiConfigError, match=r"tool-key.pem does not exist; make one with "
                                             r"`python -m reciprocity.lms new-key"):
        load_config(EXAMPLE)


def test_every_problem_is_listed_with_its_fix(example, tmp_path):
    example["platform"]["issuer"] = "http://canvas.instructure.com"
    example["platform"]["jwks_uri"] = example["platform"].pop("jwks_url")
    del example["tool"]["username_key"]
    example["tool"]["verify_membership"] = "yes"
    example["courses"]["Reciprocity A"] = example["courses"].pop("reciprocity-a")
    example["courses"]["reciprocity-c"] = {"context_id": example["courses"]["reciprocity-b"]["context_id"]}
    text = problems(example, tmp_path)
    assert "has 7 problem(s)" in text
    for expected in (
        "[platform] issuer: 'http://canvas.instructure.com' is not an https:// URL",
        "[platform]: unknown key 'jwks_uri'; did you mean 'jwks_url'?",
        "[platform] jwks_url: missing; set it to the LMS's public keyset URL",
        '[tool] username_key: missing; set it to the launch claim that becomes the hub username: "email"',
        "[tool] verify_membership: must be true or false",
        "[courses.Reciprocity A]: 'Reciprocity A' is not a valid course id",
        "[courses.reciprocity-c] context_id: 'c0ffee0ca1973bcca9bffc13e1548820eee93a3b' is already the "
        "context of [courses.reciprocity-b]",
    ):
        assert expected in text


def test_plain_http_is_accepted_on_loopback_only(example, tmp_path):
    example["platform"]["token_url"] = "http://127.0.0.1:8080/token"
    assert parse_config(example, tmp_path / "lti.toml").token_url == "http://127.0.0.1:8080/token"
    example["platform"]["token_url"] = "http://lms.school.example/token"
    assert "(plain http is accepted only on 127.0.0.1 or localhost)" in problems(example, tmp_path)


def test_a_course_needs_a_deployment_that_may_launch_into_it(example, tmp_path):
    del example["platform"]["deployment_ids"]
    example["courses"]["reciprocity-a"]["deployment_ids"] = ["1:a"]
    text = problems(example, tmp_path)
    assert "has 1 problem(s)" in text
    assert "[courses.reciprocity-b]: no deployment may launch into it" in text


def test_the_key_must_be_an_rsa_private_key_of_2048_bits(example, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    for name, key in (("ec.pem", ec.generate_private_key(ec.SECP256R1())),
                      ("small.pem", rsa.generate_private_key(public_exponent=65537, key_size=1024))):
        (tmp_path / name).write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
        example["tool"]["private_key"] = name  # relative paths start at lti.toml's folder
        assert "must be an RSA key of at least 2048 bits" in problems(example, tmp_path)
    (tmp_path / "public.pem").write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    example["tool"]["private_key"] = "public.pem"
    assert "is not an unencrypted PEM private key" in problems(example, tmp_path)


def test_a_missing_table_is_one_problem(tmp_path):
    text = problems({"courses": {}}, tmp_path)
    assert text.count("\n  - ") == 3
    assert "[platform]: missing table" in text and "[tool]: missing table" in text
    assert "[courses]: no course" in text


def test_unreadable_files_say_what_to_do(tmp_path):
    with pytest.raises(LtiConfigError, match=r"does not exist; copy deploy/hub/lti\.toml"):
        load_config(tmp_path / "lti.toml")
    (tmp_path / "lti.toml").write_text("[platform\n")
    with pytest.raises(LtiConfigError, match="is not valid TOML"):
        load_config(tmp_path / "lti.toml")


def test_the_command_line_makes_a_key_prints_its_jwks_and_checks(tmp_path, capsys):
    key = tmp_path / "keys" / "tool.pem"
    assert cli.main(["new-key", str(key)]) == 0
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert cli.main(["new-key", str(key)]) == 2  # never overwrites a key
    assert "exists; remove it first" in capsys.readouterr().err
    (tmp_path / "lti.toml").write_text(EXAMPLE.read_text().replace(
        "/srv/reciprocity-hub/lti/tool-key.pem", str(key)))
    assert cli.main(["jwks", "--config", str(tmp_path / "lti.toml")]) == 0
    assert '"kty": "RSA"' in capsys.readouterr().out
    assert cli.main(["check", "--config", str(tmp_path / "lti.toml")]) == 0
    assert "2 course(s) linked: reciprocity-a <- 4dde05e8ca1973bcca9bffc13e1548820eee93a3" in capsys.readouterr().out


@pytest.mark.parametrize(("roles", "expected"), [
    ([LEARNER], "student"),
    ([INSTRUCTOR], "instructor"),
    ([INSTRUCTOR, TEACHING_ASSISTANT], "ta"),  # the sub-role comes with its principal role
    ([TEACHING_ASSISTANT], "ta"),
    (["Instructor"], "instructor"),  # simple names, which LTI 1.3 still allows for context roles
    (["Learner"], "student"),
    ([LEARNER, INSTRUCTOR], "instructor"),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"], "instructor"),
    # what someone is at the school says nothing about this course
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"], None),
    (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"], None),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"], None),
    ([], None),
])
def test_lti_roles_give_a_course_role(roles, expected):
    assert course_role(roles) == expected


def test_a_person_in_two_courses_has_both_courses_groups():
    assert hub_groups({"reciprocity-a": "ta", "reciprocity-b": "student"}) == [
        "formgrade-reciprocity-a", "nbgrader-reciprocity-a", "nbgrader-reciprocity-b", "students-reciprocity-b"]
    assert hub_groups({"reciprocity-a": "instructor"}) == [
        "formgrade-reciprocity-a", "instructors-reciprocity-a", "nbgrader-reciprocity-a"]


def test_the_hub_groups_are_those_jupyterhub_config_gives_roles_to():
    config = (ROOT / "deploy" / "hub" / "jupyterhub_config.py").read_text()
    for prefix in ("nbgrader", "formgrade", "instructors", "students"):
        assert f'groups[f"{prefix}-{{course}}"]' in config
