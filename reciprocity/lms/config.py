"""``lti.toml``: the LMS (an LTI 1.3 platform) this hub serves, the tool's key, and which LMS course is which course.

The file has three parts (``deploy/hub/lti.toml`` is a commented example)::

    [platform]                       # from the tool's registration in the LMS
    issuer = "https://canvas.instructure.com"
    client_id = "10000000000042"
    authorize_url = "https://sso.canvaslms.com/api/lti/authorize_redirect"
    token_url = "https://school.instructure.com/login/oauth2/token"
    jwks_url = "https://sso.canvaslms.com/api/lti/security/jwks"
    deployment_ids = ["3:7db438071375c02373713c12c73869ff2f470b68"]
    # token_audience = "..."         # only if the LMS wants another audience than token_url

    [tool]                           # this hub, as the LMS's tool
    private_key = "lti-tool-key.pem" # RSA private key (PEM); relative paths start at this file
    username_key = "email"           # the launch claim that names the hub user (ltiauthenticator's username_key)
    state_dir = "/srv/reciprocity-hub/lti"
    verify_membership = true         # ask the LMS's roster (NRPS) at each launch

    [courses.reciprocity-a]          # nbgrader course id
    context_id = "4dde05e8ca1973bcca9bffc13e1548820eee93a3"   # the LMS course's LTI context id
    # deployment_ids = ["..."]       # only these deployments may launch into it
    # client_id = "..."              # the course's own registration, if it has one
    # lineitems_url = "..."          # the AGS line items URL, if known before any launch

``load_config`` reads and checks it. Every problem is reported at once, each
saying which key is wrong and what to put there (``LtiConfigError``).
"""
from __future__ import annotations

import difflib
import ipaddress
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LtiConfigError", "CourseLink", "LtiConfig", "load_config", "parse_config", "tool_jwk",
           "public_key_pem"]

# the same rule as deploy/hub/run.py's roster: course ids become group and Unix group names
COURSE_NAME_CHARACTERS = set(string.ascii_lowercase + string.digits + "-")
COURSE_NAME_MAX = 24

PLATFORM_KEYS = {
    "issuer": "the issuer your LMS shows in its LTI 1.3 registration (Canvas: https://canvas.instructure.com)",
    "client_id": "the client id the LMS gave this tool (Canvas: the developer key's id)",
    "authorize_url": "the LMS's OIDC authorization endpoint (Canvas: .../api/lti/authorize_redirect; "
                     "Moodle: .../mod/lti/auth.php)",
    "token_url": "the LMS's OAuth2 access token URL (Canvas: .../login/oauth2/token; Moodle: .../mod/lti/token.php)",
    "jwks_url": "the LMS's public keyset URL (Canvas: .../api/lti/security/jwks; Moodle: .../mod/lti/certs.php)",
}
PLATFORM_OPTIONAL = {"deployment_ids", "token_audience"}
TOOL_KEYS = {"private_key", "username_key", "state_dir"}
TOOL_OPTIONAL = {"verify_membership"}
COURSE_KEYS = {"context_id"}
COURSE_OPTIONAL = {"deployment_ids", "client_id", "lineitems_url"}


class LtiConfigError(ValueError):
    """``lti.toml`` has a problem; the message lists each one with its fix."""


@dataclass(frozen=True)
class CourseLink:
    """One LMS course (an LTI context) linked to one nbgrader course on the hub."""

    course: str
    context_id: str
    deployment_ids: tuple[str, ...]  # deployments that may launch into this course
    client_id: str  # the registration its launches and service calls use
    lineitems_url: str | None = None


@dataclass(frozen=True)
class LtiConfig:
    """A checked ``lti.toml`` (see the module's docstring for each key)."""

    path: Path
    issuer: str
    client_id: str
    authorize_url: str
    token_url: str
    jwks_url: str
    token_audience: str | None
    deployment_ids: tuple[str, ...]
    private_key_path: Path
    username_key: str
    state_dir: Path
    verify_membership: bool
    courses: Mapping[str, CourseLink] = field(default_factory=dict)

    def course_for_context(self, context_id: str) -> CourseLink | None:
        """The course linked to an LMS context id, or None when the LMS course is not linked."""
        return next((link for link in self.courses.values() if link.context_id == context_id), None)

    def client_ids(self) -> set[str]:
        """Every client id a launch may be addressed to (the platform's and the courses' own)."""
        return {self.client_id, *(link.client_id for link in self.courses.values())}

    def all_deployment_ids(self) -> set[str]:
        """Every deployment id this hub accepts launches from."""
        return set(self.deployment_ids).union(*(link.deployment_ids for link in self.courses.values()))

    def private_key_pem(self) -> str:
        """The tool's private key, PEM text (it signs the tool's requests for AGS and NRPS tokens)."""
        return self.private_key_path.read_text(encoding="ascii")

    def public_jwk(self) -> dict[str, Any]:
        """The tool's public key as a JWK (with ``kid``, ``alg``, ``use``), for the LMS's registration form."""
        return tool_jwk(self.private_key_pem())

    @property
    def launches_path(self) -> Path:
        return self.state_dir / "launches.json"

    @property
    def ledger_path(self) -> Path:
        return self.state_dir / "grades-posted.json"


def public_key_pem(private_key_pem: str) -> str:
    """The public half of a PEM private key, as PEM (SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def tool_jwk(private_key_pem: str) -> dict[str, Any]:
    """The public JWK of an RSA private key, its ``kid`` the RFC 7638 thumbprint (the kid pylti1p3 signs with)."""
    from pylti1p3.registration import Registration  # its documented helper for a tool's JWKS

    return dict(Registration.get_jwk(public_key_pem(private_key_pem)))


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _url(value: Any, where: str, what: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing; set it to {what}")
        return ""
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.netloc:
        return value
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return value  # a platform on this machine (the tests' emulated LMS)
    problems.append(f"{where}: {value!r} is not an https:// URL; set it to {what} "
                    "(plain http is accepted only on 127.0.0.1 or localhost)")
    return value


def _text(value: Any, where: str, what: str, problems: list[str]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # Canvas client ids are numbers; TOML may hold them unquoted
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing; set it to {what}")
        return ""
    return value.strip()


def _ids(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip() for v in value):
        problems.append(f'{where}: must be a list of deployment ids, e.g. ["1:abc"]; the LMS shows '
                        "each deployment's id where the tool is installed")
        return ()
    return tuple(str(v).strip() for v in value)


def _unknown(table: Mapping[str, Any], known: set[str], where: str, problems: list[str]) -> None:
    for key in sorted(set(table) - known):
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; the keys are {', '.join(sorted(known))}"
        problems.append(f"{where}: unknown key {key!r}{hint}")


def _table(data: Mapping[str, Any], name: str, problems: list[str]) -> Mapping[str, Any]:
    table = data.get(name)
    if table is None:
        problems.append(f"[{name}]: missing table; see deploy/hub/lti.toml for an example")
        return {}
    if not isinstance(table, Mapping):
        problems.append(f"[{name}]: must be a table ([{name}] followed by key = value lines)")
        return {}
    return table


def _private_key(value: Any, base: Path, problems: list[str]) -> Path:
    if not isinstance(value, str) or not value.strip():
        problems.append("[tool] private_key: missing; set it to the path of the tool's RSA private key "
                        "(PEM); make one with `python -m reciprocity.lms new-key PATH`")
        return Path()
    path = (base / value).resolve()
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        problems.append(f"[tool] private_key: {path} does not exist; make one with "
                        f"`python -m reciprocity.lms new-key {path}`, then register its public key "
                        "(`python -m reciprocity.lms jwks`) in the LMS")
        return path
    except PermissionError:
        problems.append(f"[tool] private_key: {path} cannot be read by this account; run the hub as "
                        "the account that owns it, or give that account read access (and no one else)")
        return path
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(text, password=None)
    except (ValueError, TypeError) as err:
        problems.append(f"[tool] private_key: {path} is not an unencrypted PEM private key ({err}); "
                        "make one with `python -m reciprocity.lms new-key PATH`")
        return path
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        problems.append(f"[tool] private_key: {path} must be an RSA key of at least 2048 bits (LTI 1.3 "
                        "signs with RS256); make one with `python -m reciprocity.lms new-key PATH`")
    return path


def _course(name: Any, raw: Any, platform_client: str, problems: list[str]) -> CourseLink | None:
    where = f"[courses.{name}]"
    if (not isinstance(name, str) or not name or set(name) - COURSE_NAME_CHARACTERS
            or not name[0].isalpha() or len(name) > COURSE_NAME_MAX):
        problems.append(f"{where}: {name!r} is not a valid course id (lowercase letters, digits and '-', "
                        f"starting with a letter, at most {COURSE_NAME_MAX} characters); use the "
                        "nbgrader course id of deploy/hub/roster.toml")
        return None
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a table with context_id = \"...\"")
        return None
    _unknown(raw, COURSE_KEYS | COURSE_OPTIONAL, where, problems)
    context = _text(raw.get("context_id"), f"{where} context_id",
                    "the LMS course's LTI context id (Canvas: the course's lti_context_id from "
                    "/api/v1/courses/ID?include[]=lti_context_id; it is also in the hub's log after a "
                    "refused launch)", problems)
    client = raw.get("client_id", platform_client)
    client = _text(client, f"{where} client_id", "the client id of this course's registration", problems)
    lineitems = raw.get("lineitems_url")
    if lineitems is not None:
        lineitems = _url(lineitems, f"{where} lineitems_url", "the course's AGS line items URL", problems)
    return CourseLink(course=name, context_id=context,
                      deployment_ids=_ids(raw.get("deployment_ids"), f"{where} deployment_ids", problems),
                      client_id=client, lineitems_url=lineitems)


def parse_config(data: Mapping[str, Any], path: str | Path) -> LtiConfig:
    """Check ``data`` (``lti.toml`` as read by ``tomllib``) and return it typed; ``LtiConfigError`` lists every problem.

    Relative paths in it start at ``path``'s folder.
    """
    path = Path(path).resolve()
    base = path.parent
    problems: list[str] = []
    _unknown(data, {"platform", "tool", "courses"}, "lti.toml", problems)
    platform = _table(data, "platform", problems)
    tool = _table(data, "tool", problems)
    _unknown(platform, set(PLATFORM_KEYS) | PLATFORM_OPTIONAL, "[platform]", problems)
    _unknown(tool, TOOL_KEYS | TOOL_OPTIONAL, "[tool]", problems)

    issuer = client_id = ""
    urls = {key: "" for key in ("authorize_url", "token_url", "jwks_url")}
    audience, deployments = None, ()
    if platform:  # a missing table is one problem, not one per key
        issuer = _url(platform.get("issuer"), "[platform] issuer", PLATFORM_KEYS["issuer"], problems)
        client_id = _text(platform.get("client_id"), "[platform] client_id", PLATFORM_KEYS["client_id"],
                          problems)
        urls = {key: _url(platform.get(key), f"[platform] {key}", PLATFORM_KEYS[key], problems)
                for key in urls}
        audience = platform.get("token_audience")
        if audience is not None:
            audience = _text(audience, "[platform] token_audience", "the audience the LMS wants in the "
                             "tool's token requests, or remove the key (token_url is used)", problems)
        deployments = _ids(platform.get("deployment_ids"), "[platform] deployment_ids", problems)

    key_path, username_key, state, verify = Path(), "", Path(), True
    if tool:
        key_path = _private_key(tool.get("private_key"), base, problems)
        username_key = _text(tool.get("username_key"), "[tool] username_key",
                             'the launch claim that becomes the hub username: "email", "sub", '
                             '"preferred_username" or "custom_NAME" for a custom field the LMS sends',
                             problems)
        state_dir = tool.get("state_dir")
        if not isinstance(state_dir, str) or not state_dir.strip():
            problems.append("[tool] state_dir: missing; set it to a folder only the hub's account can "
                            "read (launches, used nonces and posted grades are kept there), e.g. "
                            "/srv/reciprocity-hub/lti")
        else:
            state = (base / state_dir).resolve()
        verify = tool.get("verify_membership", True)
        if not isinstance(verify, bool):
            problems.append("[tool] verify_membership: must be true or false (true: each launch is "
                            "checked against the LMS's course roster)")
            verify = True

    courses: dict[str, CourseLink] = {}
    raw_courses = data.get("courses", {})
    if not isinstance(raw_courses, Mapping) or not raw_courses:
        problems.append("[courses]: no course; add one table per LMS course, [courses.NBGRADER_COURSE] "
                        'with context_id = "..."')
        raw_courses = {}
    for name, raw in raw_courses.items():
        link = _course(name, raw, client_id, problems)
        if link is None:
            continue
        if not link.deployment_ids and not deployments:
            problems.append(f"[courses.{name}]: no deployment may launch into it; list the LMS's "
                            "deployment ids in [platform] deployment_ids (or in this course's "
                            "deployment_ids)")
        courses[name] = link if link.deployment_ids else CourseLink(
            link.course, link.context_id, deployments, link.client_id, link.lineitems_url)
    seen: dict[str, str] = {}
    for link in courses.values():
        if link.context_id and link.context_id in seen:
            problems.append(f"[courses.{link.course}] context_id: {link.context_id!r} is already the "
                            f"context of [courses.{seen[link.context_id]}]; one LMS course maps to one "
                            "course")
        seen.setdefault(link.context_id, link.course)

    if problems:
        raise LtiConfigError(f"{path} has {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))
    return LtiConfig(path=path, issuer=issuer, client_id=client_id, token_audience=audience,
                     deployment_ids=deployments, private_key_path=key_path, username_key=username_key,
                     state_dir=state, verify_membership=verify, courses=courses, **urls)


def load_config(path: str | Path) -> LtiConfig:
    """Read and check ``lti.toml``; ``LtiConfigError`` says what is wrong and what to do.

    Example
    -------
    >>> config = load_config("deploy/hub/lti.toml")            # doctest: +SKIP
    >>> config.course_for_context("4dde05e8ca19").course       # doctest: +SKIP
    'reciprocity-a'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LtiConfigError(f"{path.resolve()} does not exist; copy deploy/hub/lti.toml and fill in "
                             "the values from the LMS's tool registration") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LtiConfigError(f"{path.resolve()} is not valid TOML: {err}") from None
    return parse_config(data, path)
