"""An LTI 1.3 platform (a stand-in LMS) on loopback, for the LTI tests, built on ``lti1p3platform``.

What it does, as an LMS would:

* real RSA keys, published as a JWKS (``/jwks``);
* third-party initiated login: ``launch_url(...)`` is an LMS link; opening it
  redirects to the tool's OIDC login URL with ``iss``, ``login_hint``,
  ``target_link_uri``, ``lti_message_hint``, ``client_id`` and
  ``lti_deployment_id`` (``lti1p3platform``'s ``OIDCLoginAbstract``);
* the OIDC authorization endpoint (``/auth``): it checks the tool's request
  (client id, registered redirect URI, response type, scope, login hint,
  message hint) and answers with a page whose form posts a signed id_token
  and the state to the tool (``LTIAdvantageMessageLaunchAbstract``): an
  ``LtiResourceLinkRequest`` with context, roles, deployment, resource link,
  custom ``username``, the Assignment and Grade Services claim (line items
  URL and scopes) and the Names and Role Provisioning Services claim;
* an OAuth2 token endpoint (``/token``): client credentials with a JWT
  client assertion signed by the tool, checked against the tool's registered
  public key (kid, signature, ``iss``/``sub`` = client id, ``aud`` = token
  URL, expiry, ``jti`` used once); tokens carry the granted scopes and the
  LMS courses the registration is deployed in, and nothing else;
* AGS line items and scores (``/courses/<context>/lineitems...``) that record
  every score, refuse a user who is not in the course, an older timestamp,
  and a token issued for another course;
* an NRPS memberships endpoint (``/courses/<context>/memberships``).

A registration (client id) is deployed in the courses added with its client
id: the tests give each course its own registration, as when each course
installs the tool itself (Moodle course tools, LTI dynamic registration), so
an access token is bound to one course. A registration shared by several
courses would get a token valid in all of them, as in a real LMS.

``Forgery`` makes the platform sign what a real one would not, for the
security tests: another key (with its own kid, or the platform's kid), an
expired token, another issuer, another deployment, other roles, a launch into
a course the person is not enrolled in.
"""
from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.constants import LTI_1P3_ACCESS_TOKEN_SCOPES
from lti1p3platform.exceptions import LineItemNotFoundException, LtiException, LtiServiceException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import ActivityProgress, GradeProgress, UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
ROLE_CLAIMS = {
    "instructor": [f"{MEMBERSHIP}#Instructor"],
    "ta": [f"{MEMBERSHIP}#Instructor", f"{MEMBERSHIP}/Instructor#TeachingAssistant"],
    "student": [f"{MEMBERSHIP}#Learner"],
}
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def new_rsa_key() -> tuple[str, str]:
    """A fresh 2048-bit RSA key: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return private, public


@dataclass
class Person:
    sub: str
    username: str
    given_name: str
    family_name: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        return f"{self.username}@school.example"


@dataclass
class LmsCourse:
    """A course in the LMS: its members, its line items and every score posted to them."""

    context_id: str
    title: str
    client_id: str
    deployment_id: str
    members: dict[str, str] = field(default_factory=dict)  # sub -> instructor / ta / student
    inactive: set[str] = field(default_factory=set)  # members withdrawn: on the roster as Inactive
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)  # line item URL -> line item
    results: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (line item, sub) -> score
    score_posts: list[dict[str, Any]] = field(default_factory=list)  # every accepted score, in order


@dataclass
class ToolRegistration:
    client_id: str
    login_url: str  # the tool's OIDC login initiation URL
    redirect_uri: str  # where the id_token is posted
    target_link_uri: str
    jwks: dict[str, Any]  # the tool's public keys, as pasted into the LMS's registration form


@dataclass(frozen=True)
class Forgery:
    """What to sign differently from an honest launch (the default is honest)."""

    sign_with: Literal["platform", "stranger", "stranger-with-platform-kid"] = "platform"
    issuer: str | None = None
    deployment_id: str | None = None
    roles: tuple[str, ...] | None = None
    expires_in: int = 300
    enrolled_only: bool = True  # False: launch into a course the person is not a member of


@dataclass
class PendingLaunch:
    sub: str
    context_id: str
    forgery: Forgery


class HttpRequest(Request):
    """lti1p3platform's request, built from what our HTTP handler parsed."""

    def build_metadata(self, request: Any) -> dict[str, Any]:
        return request


class PlatformConf(LTI1P3PlatformConfAbstract):
    """One registration's view of the platform, for one request (and one course, for service calls)."""

    def init_platform_config(self, **kwargs: Any) -> None:
        self.registration_of_request = kwargs["registration"]
        self.context_id = kwargs.get("context_id")
        self.get_registration()

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        return self.registration_of_request

    def validate_token(self, token: str, allowed_scopes: list[str] | None = None,
                       audience: str | None = None) -> bool:
        """lti1p3platform's checks (signature, issuer, expiry, scopes), then: is the token for this course?"""
        try:
            allowed = super().validate_token(token, allowed_scopes, audience)
            claims = jwt.decode(token, self.get_registration().get_platform_public_key(), algorithms=["RS256"])
        except (jwt.PyJWTError, LtiException) as err:
            raise LtiServiceException(f"invalid access token: {err}", 401) from err
        if not allowed:
            raise LtiServiceException(f"the access token lacks the scope for this service "
                                      f"({', '.join(allowed_scopes or [])})", 403)
        if self.context_id not in claims.get("contexts", []):
            raise LtiServiceException(
                f"the access token was issued to client {claims.get('sub')} for course(s) "
                f"{', '.join(claims.get('contexts', [])) or 'none'}; it gives no access to course "
                f"{self.context_id}", 403)
        return True


class ThirdPartyLogin(OIDCLoginAbstract):
    """The LMS link: a redirect to the tool's login URL (third-party initiated login)."""

    hint = ""

    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self.hint = kwargs["hint"]

    def get_lti_message_hint(self) -> str:
        return self.hint

    def get_redirect(self, url: str) -> str:
        return url


class SignedLaunch(LTIAdvantageMessageLaunchAbstract):
    """The platform's answer to the tool's authentication request: a form that posts a signed id_token."""

    def __init__(self, request: Request, conf: PlatformConf, platform: Platform, pending: PendingLaunch):
        super().__init__(request, conf)
        self.platform = platform
        self.pending = pending

    def prepare_launch(self, preflight_response: dict[str, Any]) -> None:
        platform, pending = self.platform, self.pending
        person = platform.people[pending.sub]
        course = platform.courses[pending.context_id]
        role = course.members.get(person.sub, "student")
        roles = list(pending.forgery.roles) if pending.forgery.roles is not None else ROLE_CLAIMS[role]
        self.set_user_data(person.sub, roles, full_name=person.name, email_address=person.email)
        self.set_extra_claims({"given_name": person.given_name, "family_name": person.family_name})
        self.set_resource_link_claim(f"link-{course.context_id}", title="Reciprocity labs")
        offering = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
        self.set_launch_context_claim(course.context_id, [offering], context_title=course.title,
                                      context_label=course.context_id.upper())
        self.set_custom_parameters_claim({"username": person.username})
        self.set_ags(platform.lineitems_url(course.context_id), allow_creating_lineitems=True)
        self.set_nrps(platform.memberships_url(course.context_id))
        self.set_id_token_expiration(pending.forgery.expires_in)

    def generate_launch_request(self) -> dict[str, str]:
        if self.pending.forgery.sign_with != "stranger-with-platform-kid":
            return super().generate_launch_request()
        # a token signed with another key but naming the platform's key: only the signature is wrong
        message, state = self.get_launch_data()
        now = int(time.time())
        message.update(iat=now, exp=now + self.pending.forgery.expires_in)
        token = jwt.encode(message, self.platform.stranger_private, algorithm="RS256",
                           headers={"kid": self.platform.kid})
        return {"state": state, "id_token": token}

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(str(v))}">'
                         for k, v in launch_data.items() if k != "launch_url")
        return (f'<!doctype html><html lang="en"><title>Launching</title><body onload="document.forms[0].submit()">'
                f'<form method="post" action="{html.escape(launch_data["launch_url"])}">{inputs}'
                '<noscript><button>Continue</button></noscript></form></body></html>')


class CourseGrades(AssignmentsGradesService):
    """AGS for one course: line items, scores, results, kept in the course's ``LmsCourse``."""

    def __init__(self, request: Request, conf: PlatformConf, platform: Platform, course: LmsCourse):
        super().__init__(request, conf, platform.lineitems_url(course.context_id))
        self.platform = platform
        self.course = course

    def find_lineitems(self, page: int = 1, limit: int | None = None, line_item_id: str | None = None,
                       resource_link_id: str | None = None, resource_id: str | None = None,
                       tag: str | None = None, **ignored: Any) -> dict[str, Any]:
        wanted = {"resourceLinkId": resource_link_id, "resourceId": resource_id, "tag": tag}
        items = [item for item in self.course.lineitems.values()
                 if all(v is None or item.get(k) == v for k, v in wanted.items())]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id: str) -> dict[str, Any]:
        try:
            return self.course.lineitems[line_item_id]
        except KeyError:
            raise LineItemNotFoundException(line_item_id) from None

    def create_lineitem(self, creation_data: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(creation_data.get("scoreMaximum"), int | float) or creation_data["scoreMaximum"] <= 0:
            raise LtiServiceException("scoreMaximum must be a number above 0", 400)
        if not creation_data.get("label"):
            raise LtiServiceException("a line item needs a label", 400)
        with self.platform.lock:
            url = f"{self.platform.lineitems_url(self.course.context_id)}/{len(self.course.lineitems) + 1}"
            item = {**creation_data, "id": url}
            self.course.lineitems[url] = item
        return item

    def update_lineitem(self, update_data: dict[str, Any]) -> dict[str, Any]:
        item = self.find_lineitem(update_data["id"])
        item.update(update_data)
        return item

    def delete_lineitem(self, line_item_id: str) -> None:
        self.find_lineitem(line_item_id)
        del self.course.lineitems[line_item_id]

    def update_score(self, line_item_id: str, score: dict[str, Any]) -> UpdateScoreStatus:
        self.find_lineitem(line_item_id)
        user = score.get("userId")
        if user not in self.course.members:
            raise LtiServiceException(f"user {user!r} is not in course {self.course.context_id}", 422)
        if score.get("activityProgress") not in {p.value for p in ActivityProgress}:
            raise LtiServiceException(f"activityProgress {score.get('activityProgress')!r} is not valid", 400)
        if score.get("gradingProgress") not in {p.value for p in GradeProgress}:
            raise LtiServiceException(f"gradingProgress {score.get('gradingProgress')!r} is not valid", 400)
        for key in ("scoreGiven", "scoreMaximum"):
            if key in score and (not isinstance(score[key], int | float) or score[key] < 0):
                raise LtiServiceException(f"{key} must be a number of at least 0", 400)
        if "scoreGiven" in score and "scoreMaximum" not in score:
            raise LtiServiceException("scoreGiven needs scoreMaximum", 400)
        with self.platform.lock:
            last = self.course.results.get((line_item_id, user))
            if last is not None and score["timestamp"] <= last["timestamp"]:
                return UpdateScoreStatus.OLD_TIMESTAMP
            self.course.results[(line_item_id, user)] = dict(score)
            self.course.score_posts.append({"lineitem": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def get_results(self, line_item_id: str, page: int = 1, limit: int | None = None,
                    user_id: str | None = None, **ignored: Any) -> dict[str, Any]:
        self.find_lineitem(line_item_id)
        results = [{"userId": user, "resultScore": s.get("scoreGiven"), "resultMaximum": s.get("scoreMaximum"),
                    "scoreOf": item} for (item, user), s in self.course.results.items()
                   if item == line_item_id and user_id in (None, user)]
        return {"content": results, "has_next": False, "next": None}


class CourseRoster(NamesRoleProvisioningService):
    """NRPS for one course: its members, each with their LTI roles."""

    def __init__(self, request: Request, conf: PlatformConf, platform: Platform, course: LmsCourse):
        super().__init__(request, conf, platform.memberships_url(course.context_id))
        self.platform = platform
        self.course = course

    def get_member_data_page(self, page: int = 1, limit: int | None = None, role: str | None = None,
                             since: str | None = None, **ignored: Any) -> dict[str, Any]:
        members = []
        for sub, course_role in sorted(self.course.members.items()):
            person = self.platform.people[sub]
            status = "Inactive" if sub in self.course.inactive else "Active"
            members.append({"user_id": sub, "roles": ROLE_CLAIMS[course_role], "status": status,
                            "name": person.name, "given_name": person.given_name,
                            "family_name": person.family_name, "email": person.email})
        return {"content": members, "has_next": False, "next": None}

    def get_context_by_id(self) -> Context:
        return Context(id=self.course.context_id, label=self.course.context_id.upper(), title=self.course.title)

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        return resource_link_id == f"link-{context_id}"


class Platform:
    """The LMS, serving on 127.0.0.1 in a thread until ``close()``.

    Example
    -------
    >>> lms = Platform()
    >>> lms.register_tool("tool-a", login_url=..., redirect_uri=..., target_link_uri=..., jwks=...)  # doctest: +SKIP
    >>> lms.add_course("ctx-a", "Reciprocity A", client_id="tool-a", deployment_id="dep-a")  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.private_key, self.public_key = new_rsa_key()
        self.stranger_private, _ = new_rsa_key()
        self.kid = Registration.get_jwk(self.public_key)["kid"]
        self.people: dict[str, Person] = {}
        self.courses: dict[str, LmsCourse] = {}
        self.tools: dict[str, ToolRegistration] = {}
        self.pending: dict[str, PendingLaunch] = {}
        self.used_assertions: set[str] = set()
        self.tokens_issued: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    # --- addresses -----------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.url

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/jwks"

    @property
    def authorize_url(self) -> str:
        return f"{self.url}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.url}/courses/{context_id}/lineitems"

    def memberships_url(self, context_id: str) -> str:
        return f"{self.url}/courses/{context_id}/memberships"

    # --- set-up ------------------------------------------------------------------------
    def register_tool(self, client_id: str, *, login_url: str, redirect_uri: str, target_link_uri: str,
                      jwks: dict[str, Any]) -> ToolRegistration:
        tool = ToolRegistration(client_id, login_url, redirect_uri, target_link_uri, jwks)
        self.tools[client_id] = tool
        return tool

    def add_course(self, context_id: str, title: str, *, client_id: str, deployment_id: str) -> LmsCourse:
        course = LmsCourse(context_id, title, client_id, deployment_id)
        self.courses[context_id] = course
        return course

    def add_person(self, sub: str, username: str, given_name: str, family_name: str) -> Person:
        person = Person(sub, username, given_name, family_name)
        self.people[sub] = person
        return person

    def enrol(self, context_id: str, sub: str, role: Literal["instructor", "ta", "student"]) -> None:
        self.courses[context_id].members[sub] = role
        self.courses[context_id].inactive.discard(sub)

    def withdraw(self, context_id: str, sub: str) -> None:
        """The person leaves the course: the roster lists them as Inactive (as Canvas does a concluded
        enrolment)."""
        self.courses[context_id].inactive.add(sub)

    def launch_url(self, sub: str, context_id: str, forgery: Forgery | None = None) -> str:
        """The LMS link a person clicks in a course: open it to start the launch."""
        hint = secrets.token_urlsafe(16)
        self.pending[hint] = PendingLaunch(sub, context_id, forgery or Forgery())
        return f"{self.url}/launch/{hint}"

    def scores(self, context_id: str, resource_id: str) -> dict[str, dict[str, Any]]:
        """sub -> the latest score of the line item with ``resource_id`` in the course."""
        course = self.courses[context_id]
        items = [url for url, item in course.lineitems.items() if item.get("resourceId") == resource_id]
        return {user: score for (item, user), score in course.results.items() if item in items}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the endpoints' work ---------------------------------------------------------------
    def registration(self, tool: ToolRegistration, deployment_id: str, *, issuer: str | None = None,
                     private_key: str | None = None) -> Registration:
        """lti1p3platform's registration: the platform's keys and the tool's, as configured in an LMS."""
        return (Registration().set_iss(issuer or self.issuer).set_client_id(tool.client_id)
                .set_deployment_id(deployment_id).set_oidc_login_url(tool.login_url)
                .set_launch_url(tool.target_link_uri).set_platform_public_key(self.public_key)
                .set_platform_private_key(private_key or self.private_key).set_tool_key_set(tool.jwks))

    def start_launch(self, hint: str) -> tuple[int, str]:
        pending = self.pending.get(hint)
        if pending is None:
            return 404, "no such link"
        course = self.courses[pending.context_id]
        if pending.forgery.enrolled_only and pending.sub not in course.members:
            return 403, "you are not enrolled in this course"
        tool = self.tools[course.client_id]
        conf = PlatformConf(registration=self.registration(tool, self.deployment_of(pending)))
        login = ThirdPartyLogin(HttpRequest({}), conf)
        login.set_lti_message_hint(hint=hint)
        return 302, login.initiate_login(pending.sub)

    def deployment_of(self, pending: PendingLaunch) -> str:
        return pending.forgery.deployment_id or self.courses[pending.context_id].deployment_id

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """The OIDC authentication request from the tool: check it, answer with the signed launch's form."""
        pending = self.pending.get(query.get("lti_message_hint", ""))
        if pending is None:
            return 400, "unknown or used lti_message_hint"
        tool = self.tools.get(query.get("client_id", ""))
        if tool is None:
            return 400, f"unknown client_id {query.get('client_id')!r}"
        expected = {"response_type": "id_token", "scope": "openid", "response_mode": "form_post",
                    "prompt": "none", "redirect_uri": tool.redirect_uri, "login_hint": pending.sub}
        wrong = [k for k, v in expected.items() if query.get(k) != v]
        if wrong:
            return 400, f"invalid authentication request: {', '.join(wrong)}"
        forgery = pending.forgery
        key = self.stranger_private if forgery.sign_with == "stranger" else None
        conf = PlatformConf(registration=self.registration(tool, self.deployment_of(pending), issuer=forgery.issuer,
                                                           private_key=key))
        launch = SignedLaunch(HttpRequest({"get_data": query, "form_data": {}}), conf, self, pending)
        page = launch.lti_launch()
        del self.pending[query["lti_message_hint"]]  # a link's message hint works once
        return 200, page

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Client credentials with a signed JWT assertion -> an access token bound to the client's courses."""
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                CLIENT_ASSERTION_TYPE or not form.get("client_assertion"):
            return 400, {"error": "unsupported_grant_type"}
        try:
            unverified = jwt.decode(form["client_assertion"], options={"verify_signature": False})
        except jwt.PyJWTError:
            return 400, {"error": "invalid_request", "error_description": "the client assertion is not a JWT"}
        tool = self.tools.get(str(unverified.get("sub")))
        if tool is None:
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        contexts = sorted(c.context_id for c in self.courses.values() if c.client_id == tool.client_id)
        registration = self.registration(tool, "")
        conf = PlatformConf(registration=registration)
        try:
            claims = conf.tool_validate_and_decode(form["client_assertion"])  # the tool's key, by kid
        except (jwt.PyJWTError, LtiException) as err:
            return 401, {"error": "invalid_client", "error_description": f"client assertion refused: {err}"}
        audience = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        problems = [name for name, ok in (
            ("iss", claims.get("iss") == tool.client_id), ("aud", self.token_url in audience),
            ("exp", isinstance(claims.get("exp"), int)), ("jti", bool(claims.get("jti"))),
        ) if not ok]
        if problems:
            return 401, {"error": "invalid_client", "error_description": f"bad claims: {', '.join(problems)}"}
        with self.lock:
            if claims["jti"] in self.used_assertions:
                return 401, {"error": "invalid_client", "error_description": "client assertion replayed"}
            self.used_assertions.add(claims["jti"])
        scopes = [s for s in form.get("scope", "").split() if s in LTI_1P3_ACCESS_TOKEN_SCOPES]
        token = registration.platform_encode_and_sign(
            {"sub": tool.client_id, "iss": self.issuer, "scopes": " ".join(scopes), "contexts": contexts},
            expiration=3600)
        self.tokens_issued.append({"client_id": tool.client_id, "contexts": contexts, "scopes": scopes})
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 3600, "scope": " ".join(scopes)}

    def service(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                body: Any) -> tuple[int, Any, dict[str, str]]:
        """AGS and NRPS requests, through lti1p3platform's handlers (token and scope checks included)."""
        found = re.fullmatch(r"/courses/([^/]+)/(lineitems|memberships)(?:/(\d+))?(?:/(scores|results))?", path)
        if not found or found.group(1) not in self.courses:
            return 404, {"error": "not found"}, {}
        course = self.courses[found.group(1)]
        kind, item, sub = found.group(2), found.group(3), found.group(4)
        tool = self.tools[course.client_id]
        conf = PlatformConf(registration=self.registration(tool, course.deployment_id),
                            context_id=course.context_id)
        request = HttpRequest({"method": method, "form_data": {}, "get_data": query, "headers": headers,
                               "content_type": headers.get("content-type"), "path": path, "json": body})
        if kind == "memberships":
            roster = CourseRoster(request, conf, self, course)
            response = roster.handle_resp(roster.handle_get_members)
        else:
            grades = CourseGrades(request, conf, self, course)
            item_url = f"{self.lineitems_url(course.context_id)}/{item}" if item else None
            handler = {("GET", None, None): grades.handle_get_lineitems,
                       ("POST", None, None): grades.handle_create_lineitem,
                       ("GET", True, None): grades.handle_get_lineitem,
                       ("POST", True, "scores"): grades.handle_update_score,
                       ("GET", True, "results"): grades.handle_get_results}.get((method, bool(item) or None, sub))
            if handler is None:
                return 405, {"error": f"{method} is not allowed here"}, {}
            response = grades.handle_resp(handler, **({"line_item_id": item_url} if item_url else {}))
        if response.code >= 400:
            return response.code, {"error": response.message}, {}
        result = response.result
        if isinstance(result, dict) and "content" in result and "has_next" in result:
            result = result["content"]  # AGS containers are JSON arrays (paging goes in a Link header)
        return response.code, result if result is not None else {}, {"Content-Type": response.media_type}


def _handler_for(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests print what fails
            pass

        def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(code)
            kind = "text/html; charset=utf-8" if isinstance(body, str) else "application/json"
            for key, value in {"Content-Type": kind, **(headers or {})}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers["Authorization"] = self.headers.get("Authorization", "")
            try:
                if parts.path == "/jwks":
                    self._send(200, {"keys": Registration().set_platform_public_key(
                        platform.public_key).get_jwks()})
                elif parts.path.startswith("/launch/"):
                    code, target = platform.start_launch(parts.path.rsplit("/", 1)[1])
                    if code == 302:
                        self.send_response(302)
                        self.send_header("Location", target)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    else:
                        self._send(code, target)
                elif parts.path == "/auth":
                    self._send(*platform.authorize(query if method == "GET" else dict(parse_qsl(raw.decode()))))
                elif parts.path == "/token" and method == "POST":
                    self._send(*platform.issue_token(dict(parse_qsl(raw.decode()))))
                elif parts.path.startswith("/courses/"):
                    body = json.loads(raw) if raw else None
                    self._send(*platform.service(method, parts.path, query, headers, body))
                else:
                    self._send(404, {"error": "not found"})
            except Exception as err:  # a test platform: say what broke instead of hanging up
                self._send(500, {"error": f"{type(err).__name__}: {err}"})

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

    return Handler


# --- a person's browser, played by requests (tests/lms/test_hub_launch.py, tests/deploy/test_hub_lti.py) ---
@dataclass
class LaunchForm:
    """The LMS's auto-submitting form, as the browser received it, and the browser's cookies then."""

    action: str
    fields: dict[str, str]
    cookies: Any  # requests.cookies.RequestsCookieJar


def open_link(session, url: str) -> LaunchForm:
    """Click an LMS link in a ``requests.Session``: follow the redirects (LMS -> tool's login -> LMS) to the form."""
    page = session.get(url, timeout=30)
    assert page.status_code == 200, f"{page.status_code} at {page.url}: {page.text[:500]}"
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert action, f"no launch form at {page.url}: {page.text[:500]}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return LaunchForm(html.unescape(action.group(1)), {k: html.unescape(v) for k, v in fields.items()},
                      session.cookies.copy())


def shown(reply) -> str:
    """An HTML answer's text, as the person reads it (e.g. the hub's error page)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", reply.text)).split())
