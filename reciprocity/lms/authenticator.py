"""The hub's LTI 1.3 login: ltiauthenticator's LTI13Authenticator, plus the checks and course groups it leaves to us.

What jupyterhub-ltiauthenticator 1.6.3 checks before our hook runs (its
``LTI13CallbackHandler``): the OIDC ``state`` against its cookie; the
id_token's signature against the platform's JWKS (PyJWT); ``aud``
(a configured client id), ``iss`` (the configured issuer), ``exp`` and
``iat`` (PyJWT; ``iat`` at most 600 s old); the presence of the required
claims, version 1.3.0 and the message type; ``azp`` when ``aud`` has
several values; and that the ``nonce`` is the hash of a value kept in an
encrypted cookie of the same browser. It refuses those launches with HTTP
400 (401 for a wrong audience) and PyJWT's message (e.g. "Signature
verification failed", "Signature has expired", "Invalid issuer").

What it does not check, and ``post_auth_hook`` does (refusing with HTTP 403
and a message that says what to do):

* that a nonce is used once: its nonce check passes again if the whole
  request, cookies included, is replayed; accepted nonces are recorded until
  their token expires (``launches.LaunchRecords``);
* the deployment: ltiauthenticator reads no ``deployment_id``; only the
  deployments in ``lti.toml`` are accepted, and only those a course lists may
  launch into it;
* the context: only LMS courses linked in ``lti.toml`` are accepted, each
  reached through its own registration (client id) when it has one;
* the roles: a launch whose context roles have no place in the course
  (``roles.course_role``) is refused;
* membership, when ``[tool] verify_membership`` is on: the person must be an
  active member of the course, with the same course role, on the LMS's own
  roster (Names and Role Provisioning Services).

About that last check. A launch signed with the platform's key is the
platform's word: the tool cannot tell from the token alone whether the LMS
meant it (a student of course A sent into course B by a link the LMS should
not have shown them, a misconfigured deep link, a compromised LMS account
that can sign). What the tool *can* check is whether the LMS's roster
service, asked separately with the tool's own credentials, lists that
person in that course with that role, and whether the launch came through a
deployment allowed for that course. Both are done here. A launch that the
platform signs *and* whose roster confirms it is indistinguishable from a
real one; that trust is the LTI model.

Accepted launches set the person's hub groups (``Authenticator.manage_groups``):
the groups of every course they have launched into (``roles.hub_groups``), so
someone in two LMS courses is in both. With ``verify_membership`` on, each
launch also asks the roster of every *other* course the person launched into
before (``recheck_memberships``): a course whose roster no longer lists them
as active is dropped from their groups and records, and a changed role is
taken up. Someone who never launches again keeps what their last launch gave
until their hub login ends. ``auth_state`` (with ``enable_auth_state``) keeps the
person's LTI ``sub`` and, per course, the context, role and the service URLs.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from .config import CourseLink, LtiConfig, load_config
from .launches import CourseServices, Launch, LaunchRecords
from .roles import CourseRole, course_role, hub_groups

__all__ = ["LaunchRefused", "check_launch", "check_membership", "recheck_memberships", "post_auth_hook",
           "lti_config",
           "AUTHENTICATOR_CLASS"]

AUTHENTICATOR_CLASS = "ltiauthenticator.lti13.auth.LTI13Authenticator"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"


class LaunchRefused(Exception):
    """A launch the hub does not accept; the message is shown to the person, and says what to do."""


def _audience(claims: Mapping[str, Any]) -> str:
    aud = claims.get("aud")
    if isinstance(aud, list):
        return str(claims.get("azp") or (aud[0] if len(aud) == 1 else ""))
    return str(aud or "")


def _course(config: LtiConfig, claims: Mapping[str, Any]) -> CourseLink:
    context = claims.get(LTI + "context")
    if not isinstance(context, Mapping) or not context.get("id"):
        raise LaunchRefused("This launch names no LMS course (no context claim). Open the tool from a "
                            "link inside the course in the LMS.")
    link = config.course_for_context(str(context["id"]))
    if link is None:
        title = context.get("title") or context.get("label") or "this course"
        raise LaunchRefused(
            f"The LMS course \"{title}\" (LTI context id {context['id']}) is not connected to a course on "
            f"this hub. Ask the hub's operator to link it in lti.toml: [courses.COURSE] context_id = "
            f"\"{context['id']}\".")
    return link


def check_launch(config: LtiConfig, claims: Mapping[str, Any], username: str, records: LaunchRecords,
                 now: float | None = None) -> Launch:
    """The accepted launch from a decoded, verified id_token; ``LaunchRefused`` saying why not.

    Checks issuer, audience, message type, expiry, the nonce's first use,
    the deployment, the course link and the roles (see the module docstring);
    writes nothing.
    """
    now = time.time() if now is None else now
    if claims.get("iss") != config.issuer:
        raise LaunchRefused(f"This launch comes from {claims.get('iss')!r}, not from the LMS this hub "
                            f"serves ({config.issuer}). Open the tool from your school's LMS.")
    client = _audience(claims)
    if client not in config.client_ids():
        raise LaunchRefused(f"This launch is addressed to client id {client!r}, which is not this hub's "
                            "registration in the LMS. Ask the hub's operator to check [platform] "
                            "client_id in lti.toml.")
    kind = claims.get(LTI + "message_type")
    if kind != RESOURCE_LINK_REQUEST:
        raise LaunchRefused(f"This hub opens course links only (LtiResourceLinkRequest), not {kind!r}. "
                            "Add the tool to the course as a link or an assignment.")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float) or exp <= now:
        raise LaunchRefused("This launch has expired. Go back to the LMS and open the link again.")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise LaunchRefused("This launch has no nonce. Go back to the LMS and open the link again.")
    if records.nonce_used(nonce):
        raise LaunchRefused("This launch was already used (its nonce has been seen): a launch works "
                            "once. Go back to the LMS and open the link again.")
    deployment = str(claims.get(LTI + "deployment_id") or "")
    if deployment not in config.all_deployment_ids():
        raise LaunchRefused(f"This launch comes through deployment {deployment!r}, which this hub does "
                            "not know. Ask the hub's operator to add it to lti.toml (deployment_ids), "
                            "or use the course's own link to the tool.")
    link = _course(config, claims)
    if deployment not in link.deployment_ids:
        raise LaunchRefused(f"Deployment {deployment!r} may not launch into {link.course} (lti.toml "
                            f"lists {', '.join(link.deployment_ids)} for it). Open the tool from the "
                            "course's own link in the LMS.")
    if client != link.client_id:
        raise LaunchRefused(f"Launches into {link.course} must come through its registration "
                            f"(client id {link.client_id}), not {client}. Open the tool from the "
                            "course's own link in the LMS.")
    roles = claims.get(LTI + "roles") or []
    role = course_role(roles if isinstance(roles, list) else [])
    if role is None:
        raise LaunchRefused(f"Your role in this LMS course ({', '.join(map(str, roles)) or 'none'}) has no "
                            f"place in {link.course} on the hub: it takes instructors, teaching "
                            "assistants and learners. Ask the course's instructor.")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise LaunchRefused("This launch does not say who you are (no sub claim). Ask the LMS's "
                            "administrator to send the user's id to the tool.")
    context = claims[LTI + "context"]
    ags = claims.get(AGS_CLAIM) if isinstance(claims.get(AGS_CLAIM), Mapping) else {}
    nrps = claims.get(NRPS_CLAIM) if isinstance(claims.get(NRPS_CLAIM), Mapping) else {}
    services = CourseServices(course=link.course, context_id=str(context["id"]),
                              context_title=str(context.get("title") or ""), deployment_id=deployment,
                              client_id=client, lineitems_url=ags.get("lineitems"),
                              ags_scopes=tuple(ags.get("scope") or ()),
                              nrps_url=nrps.get("context_memberships_url"))
    return Launch(username=username, sub=sub, role=role, services=services, nonce=nonce, expires=float(exp),
                  name=str(claims.get("name") or ""), given_name=str(claims.get("given_name") or ""),
                  family_name=str(claims.get("family_name") or ""), email=str(claims.get("email") or ""))


def check_membership(config: LtiConfig, launch: Launch, session=None) -> None:
    """``LaunchRefused`` unless the LMS's roster lists the launch's person, active, with the launch's role."""
    from .roster import RosterUnavailable, member_of

    course = launch.services.course
    if not launch.services.nrps_url:
        raise LaunchRefused(f"The hub checks each launch against the LMS's roster of {course}, but this "
                            "launch carries no roster service (Names and Role Provisioning). Ask the "
                            "LMS's administrator to enable it for the tool, or the hub's operator to "
                            "set verify_membership = false in lti.toml.")
    try:
        member = member_of(config, launch.services.client_id, launch.services.nrps_url, launch.sub, session)
    except RosterUnavailable as err:
        raise LaunchRefused(f"The hub could not check your place in {course} with the LMS ({err}). "
                            "Try the link again in a minute; if this persists, tell the hub's operator.") from err
    if member is None:
        raise LaunchRefused(f"The LMS's roster of {course} does not list you as an active member, so the "
                            "hub does not let this launch in. If you are in the course, ask its "
                            "instructor to check your enrolment in the LMS.")
    if member.role != launch.role:
        raise LaunchRefused(f"The LMS's roster of {course} gives you the role {member.role or 'none'}, but "
                            f"this launch claims {launch.role}. Open the tool from the LMS again; if "
                            "this persists, tell the course's instructor.")


def recheck_memberships(config: LtiConfig, records: LaunchRecords, launch: Launch,
                        memberships: Mapping[str, CourseRole], log) -> dict[str, CourseRole]:
    """The person's course roles after asking the roster of each course they launched into before.

    A course whose LMS roster no longer lists them as active is dropped (it
    leaves their hub groups with this launch); a role the roster changed is
    taken up. A course whose roster cannot be asked keeps its role, with a
    warning in the hub's log: an LMS that is down must not lock a class out.
    """
    from .roster import RosterUnavailable, member_of

    roles = dict(memberships)
    for course in sorted(set(memberships) - {launch.services.course}):
        services = records.services(course)
        if services is None or not services.nrps_url:
            log.warning("LTI: %s's place in %s not re-checked: no roster service recorded for it",
                        launch.username, course)
            continue
        try:
            member = member_of(config, services.client_id, services.nrps_url, launch.sub)
        except RosterUnavailable as err:
            log.warning("LTI: %s keeps %s for now: %s", launch.username, course, err)
            continue
        role = None if member is None else member.role
        if role == memberships[course]:
            continue
        if role is None:
            log.info("LTI: %s is no longer an active member of %s in the LMS: removed from its groups",
                     launch.username, course)
        else:
            log.info("LTI: %s's role in %s is now %s (the LMS's roster)", launch.username, course, role)
        roles = records.update_membership(launch.username, course, role)
    return roles


def post_auth_hook(config: LtiConfig, records: LaunchRecords | None = None
                   ) -> Callable[[Any, Any, dict], Awaitable[dict]]:
    """A function for ``Authenticator.post_auth_hook``: check the launch, record it, set groups and auth_state.

    It takes ``(authenticator, handler, auth_model)``, where ``auth_model`` is
    LTI13Authenticator's (``name``, and ``auth_state`` = the decoded
    id_token), and returns it with ``groups`` (every course the person has
    launched into) and ``auth_state`` (the LTI ``sub`` and each course's
    context, role and service URLs). A refused launch raises
    ``tornado.web.HTTPError(403)`` with the reason, before anything is
    written: no user, no group, no record.

    Example
    -------
    >>> c.Authenticator.post_auth_hook = post_auth_hook(load_config("lti.toml"))   # doctest: +SKIP
    """
    records = records or LaunchRecords(config.launches_path)

    async def lti_launch_hook(authenticator, handler, auth_model: dict) -> dict:
        from tornado.web import HTTPError

        claims = auth_model.get("auth_state") or {}
        username = auth_model["name"]
        try:
            launch = check_launch(config, claims, username, records)
            if config.verify_membership:
                await asyncio.to_thread(check_membership, config, launch)
            try:
                memberships = records.accept(launch)
            except ValueError:  # the same nonce, accepted meanwhile by a concurrent launch
                raise LaunchRefused("This launch was already used (its nonce has been seen): a launch "
                                    "works once. Go back to the LMS and open the link again.") from None
        except LaunchRefused as refusal:
            context = (claims.get(LTI + "context") or {}).get("id") if isinstance(claims, Mapping) else None
            authenticator.log.warning("LTI launch refused for %s (context %s): %s", username, context, refusal)
            raise HTTPError(403, "%s", str(refusal)) from None
        if config.verify_membership:
            memberships = await asyncio.to_thread(recheck_memberships, config, records, launch, memberships,
                                                  authenticator.log)
        person = records.person(username)
        auth_model["groups"] = hub_groups(memberships)
        auth_model["auth_state"] = {
            "lti_sub": launch.sub, "issuer": config.issuer,
            "courses": {course: {"role": role, **_services_state(records, course)}
                        for course, role in memberships.items()},
            "name": person.get("name", ""), "email": person.get("email", ""),
        }
        authenticator.log.info("LTI launch of %s into %s as %s", username, launch.services.course, launch.role)
        return auth_model

    return lti_launch_hook


def _services_state(records: LaunchRecords, course: str) -> dict[str, Any]:
    services = records.services(course)
    if services is None:
        return {}
    return {"context_id": services.context_id, "deployment_id": services.deployment_id,
            "client_id": services.client_id, "lineitems_url": services.lineitems_url,
            "ags_scopes": list(services.ags_scopes), "nrps_url": services.nrps_url}


def lti_config(c, settings: Mapping[str, Any]) -> LtiConfig:
    """Configure a JupyterHub config object ``c`` for LTI 1.3 logins; return the checked ``lti.toml``.

    ``settings``:

    * ``lti_config`` (required): the path of ``lti.toml`` (or a loaded ``LtiConfig``);
    * ``https`` (default False): the hub is reached over https; then cookies
      are ``SameSite=None; Secure``, which the LMS's cross-site form POST needs
      in a real browser, and ltiauthenticator's URLs use https;
    * ``enable_auth_state`` (default False): keep ``auth_state`` (needs
      ``JUPYTERHUB_CRYPT_KEY`` in the hub's environment).

    Sets, all documented JupyterHub and ltiauthenticator options:
    ``JupyterHub.authenticator_class``, ``LTI13Authenticator.issuer``,
    ``client_id``, ``authorize_url``, ``jwks_endpoint``, ``username_key``
    (and ``uri_scheme``), ``Authenticator.allow_all`` (who may enter is
    decided by the hook: linked courses only), ``manage_groups``,
    ``post_auth_hook``, ``enable_auth_state``. With ``manage_groups`` the hub
    refuses ``c.JupyterHub.load_groups`` and the groups API: the roles in
    ``load_roles`` still name the course groups (they are created on start).

    Example
    -------
    >>> config = lti_config(c, {"lti_config": "/srv/reciprocity-hub/lti.toml", "https": True})  # doctest: +SKIP
    """
    source = settings["lti_config"]
    config = source if isinstance(source, LtiConfig) else load_config(Path(source))
    c.JupyterHub.authenticator_class = AUTHENTICATOR_CLASS
    c.LTI13Authenticator.issuer = config.issuer
    c.LTI13Authenticator.client_id = set(config.client_ids())
    c.LTI13Authenticator.authorize_url = config.authorize_url
    c.LTI13Authenticator.jwks_endpoint = config.jwks_url
    c.LTI13Authenticator.username_key = config.username_key
    if settings.get("https"):
        c.LTI13Authenticator.uri_scheme = "https"
        tornado_settings = c.JupyterHub.tornado_settings  # a dict, or traitlets' lazy value that merges
        cookies = dict(tornado_settings.get("cookie_options", {})) if isinstance(tornado_settings, dict) else {}
        cookies.update(SameSite="None", Secure=True)
        tornado_settings.update({"cookie_options": cookies})
    c.Authenticator.allow_all = True
    c.Authenticator.manage_groups = True
    c.Authenticator.post_auth_hook = post_auth_hook(config)
    c.Authenticator.enable_auth_state = bool(settings.get("enable_auth_state", False))
    return config
