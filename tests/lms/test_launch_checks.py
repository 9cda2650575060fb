"""The launch hook's own checks on decoded claims, and ``lti_config``'s settings; no hub, no LMS."""
from __future__ import annotations

import logging
import time

import pytest
from traitlets.config import Config

from reciprocity.lms.authenticator import (
    AGS_CLAIM,
    LTI,
    NRPS_CLAIM,
    LaunchRefused,
    check_launch,
    check_membership,
    lti_config,
    recheck_memberships,
)
from reciprocity.lms.config import parse_config
from reciprocity.lms.launches import LaunchRecords
from reciprocity.lms.roles import LEARNER

pytestmark = pytest.mark.lti

ISSUER = "https://lms.school.example"


@pytest.fixture
def config(tool_key, tmp_path):
    return parse_config({
        "platform": {"issuer": ISSUER, "client_id": "tool-a", "authorize_url": f"{ISSUER}/auth",
                     "token_url": f"{ISSUER}/token", "jwks_url": f"{ISSUER}/jwks"},
        "tool": {"private_key": str(tool_key), "username_key": "email", "state_dir": "state"},
        "courses": {"reciprocity-a": {"context_id": "ctx-a", "deployment_ids": ["dep-a"]},
                    "reciprocity-b": {"context_id": "ctx-b", "client_id": "tool-b",
                                      "deployment_ids": ["dep-b"]}}}, tmp_path / "lti.toml")


def claims(**changes) -> dict:
    """A learner's launch into ctx-a, as ltiauthenticator hands it over (decoded and verified)."""
    now = int(time.time())
    base = {"iss": ISSUER, "aud": "tool-a", "sub": "sub-1", "nonce": "n-1", "iat": now, "exp": now + 300,
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": "dep-a", LTI + "roles": [LEARNER],
            LTI + "context": {"id": "ctx-a", "title": "Reciprocity A"},
            AGS_CLAIM: {"lineitems": f"{ISSUER}/ctx-a/lineitems", "scope": ["s"]},
            NRPS_CLAIM: {"context_memberships_url": f"{ISSUER}/ctx-a/members"}}
    return {**base, **changes}


def refusal(config, tmp_path, **changes) -> str:
    with pytest.raises(LaunchRefused) as refused:
        check_launch(config, claims(**changes), "ann", LaunchRecords(tmp_path / "launches.json"))
    return str(refused.value)


def test_an_honest_launch_names_the_course_role_and_services(config, tmp_path):
    launch = check_launch(config, claims(), "ann", LaunchRecords(tmp_path / "launches.json"))
    assert (launch.role, launch.services.course, launch.services.lineitems_url, launch.services.nrps_url) == (
        "student", "reciprocity-a", f"{ISSUER}/ctx-a/lineitems", f"{ISSUER}/ctx-a/members")


@pytest.mark.parametrize(("changes", "message"), [
    ({LTI + "message_type": "LtiDeepLinkingRequest"}, "opens course links only"),
    ({LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"]},
     "has no place in reciprocity-a on the hub"),
    ({"aud": "tool-b", LTI + "deployment_id": "dep-a"}, "must come through its registration (client id tool-a)"),
    ({"aud": "someone-else"}, "not this hub's registration in the LMS"),
    ({"exp": int(time.time()) - 1}, "This launch has expired"),
    ({"nonce": ""}, "has no nonce"),
    ({"sub": ""}, "does not say who you are"),
    ({LTI + "context": None}, "names no LMS course"),
])
def test_launches_the_hook_refuses_say_why(config, tmp_path, changes, message):
    assert message in refusal(config, tmp_path, **changes)


def test_a_nonce_is_accepted_once_even_by_two_launches_at_the_same_time(config, tmp_path):
    records = LaunchRecords(tmp_path / "launches.json")
    first = check_launch(config, claims(), "ann", records)
    second = check_launch(config, claims(), "ann", records)  # both checked before either is recorded
    assert records.accept(first) == {"reciprocity-a": "student"}
    with pytest.raises(ValueError, match="nonce already used"):
        records.accept(second)
    assert "already used" in refusal(config, tmp_path)  # the same file: the nonce is known now


def test_expired_nonces_are_forgotten(config, tmp_path):
    records = LaunchRecords(tmp_path / "launches.json")
    records.accept(check_launch(config, claims(), "ann", records))  # its token expires in 300 s
    later = time.time() + 3600
    records.accept(check_launch(config, claims(nonce="n-2", exp=int(later) + 300), "ann", records), now=later)
    assert set(records.store.read()["nonces"]) == {"n-2"}


def test_membership_cannot_be_checked_without_the_roster_service(config, tmp_path):
    launch = check_launch(config, claims(**{NRPS_CLAIM: None}), "ann", LaunchRecords(tmp_path / "l.json"))
    with pytest.raises(LaunchRefused, match="carries no roster service"):
        check_membership(config, launch)


def test_a_course_whose_roster_cannot_be_asked_is_kept_with_a_warning(tool_key, tmp_path, caplog):
    down = "http://127.0.0.1:9"  # nothing listens: the LMS is down
    config = parse_config({
        "platform": {"issuer": ISSUER, "client_id": "tool-a", "authorize_url": f"{down}/auth",
                     "token_url": f"{down}/token", "jwks_url": f"{down}/jwks"},
        "tool": {"private_key": str(tool_key), "username_key": "email", "state_dir": "state"},
        "courses": {"reciprocity-a": {"context_id": "ctx-a", "deployment_ids": ["dep-a"]},
                    "reciprocity-b": {"context_id": "ctx-b", "deployment_ids": ["dep-a"]}}}, tmp_path / "lti.toml")
    records = LaunchRecords(tmp_path / "launches.json")
    to_b = check_launch(config, claims(**{LTI + "context": {"id": "ctx-b"}, "nonce": "n-b",
                                          NRPS_CLAIM: {"context_memberships_url": f"{down}/ctx-b/members"}}),
                        "ann", records)
    records.accept(to_b)
    to_a = check_launch(config, claims(), "ann", records)
    roles = records.accept(to_a)
    log = logging.getLogger("test-recheck")
    with caplog.at_level(logging.WARNING, logger="test-recheck"):
        assert recheck_memberships(config, records, to_a, roles, log) == {"reciprocity-a": "student",
                                                                          "reciprocity-b": "student"}
    assert "ann keeps reciprocity-b for now: the LMS did not give the course roster" in caplog.text
    assert records.memberships("ann") == {"reciprocity-a": "student", "reciprocity-b": "student"}


def test_lti_config_sets_documented_configurable_options_only(config):
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from ltiauthenticator.lti13.auth import LTI13Authenticator

    c = Config()
    lti_config(c, {"lti_config": config, "https": True, "enable_auth_state": True})
    classes = {"JupyterHub": JupyterHub, "Authenticator": Authenticator, "LTI13Authenticator": LTI13Authenticator}
    for section, values in c.items():
        traits = classes[section].class_traits(config=True)
        assert set(values) <= set(traits), f"{section}: {set(values) - set(traits)} are not options"
    assert c.LTI13Authenticator.client_id == {"tool-a", "tool-b"}
    assert (c.Authenticator.manage_groups, c.Authenticator.allow_all, c.Authenticator.enable_auth_state) == (
        True, True, True)
    merged = c.JupyterHub.tornado_settings.get_value({"xsrf_cookies": True})  # merged into the hub's own
    assert merged == {"xsrf_cookies": True, "cookie_options": {"SameSite": "None", "Secure": True}}
    plain = Config()
    lti_config(plain, {"lti_config": config})
    assert "tornado_settings" not in plain.JupyterHub and "uri_scheme" not in plain.LTI13Authenticator
