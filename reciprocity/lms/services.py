"""The tool's clients for the LMS's services, built from pylti1p3's documented pieces.

pylti1p3 normally hands out its Assignment and Grade Services and Names and
Role Provisioning Services clients from a ``MessageLaunch`` inside a web
framework (Django, Flask). The hub's launches go through ltiauthenticator
instead, and grades are posted later, from the grading service, with no
launch at hand. So this module builds the same objects from pylti1p3's
documented tool configuration (``ToolConfDict``: one issuer, one entry per
registration, the tool's key pair set with ``set_private_key`` and
``set_public_key``), its ``ServiceConnector`` (which signs the client
assertion and fetches the OAuth2 access token) and the service classes,
given the URLs and scopes a launch recorded.

A connector caches its access tokens for its lifetime and never renews
them: make a new one for each batch of calls (tokens last an hour).
"""
from __future__ import annotations

from collections.abc import Sequence

import requests

from .config import LtiConfig, public_key_pem

__all__ = ["tool_conf", "connector", "grades_service", "roster_service", "AGS_SCOPES", "NRPS_SCOPE"]

AGS_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_SCOPES = (AGS_LINEITEM, AGS_LINEITEM_READONLY, AGS_RESULT_READONLY, AGS_SCORE)
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def tool_conf(config: LtiConfig):
    """pylti1p3's ``ToolConfDict`` for ``config``: the issuer with one entry per registration (client id)."""
    from pylti1p3.tool_config import ToolConfDict

    entries = []
    for client in sorted(config.client_ids()):
        deployments = sorted({d for link in config.courses.values() if link.client_id == client
                              for d in link.deployment_ids}
                             | (set(config.deployment_ids) if client == config.client_id else set()))
        entries.append({"default": client == config.client_id, "client_id": client,
                        "auth_login_url": config.authorize_url, "auth_token_url": config.token_url,
                        "auth_audience": config.token_audience, "key_set_url": config.jwks_url,
                        "key_set": None, "deployment_ids": deployments})
    conf = ToolConfDict({config.issuer: entries})
    private = config.private_key_pem()
    public = public_key_pem(private)
    for client in config.client_ids():
        conf.set_private_key(config.issuer, private, client_id=client)
        conf.set_public_key(config.issuer, public, client_id=client)  # gives the assertion its kid
    return conf


def connector(config: LtiConfig, client_id: str, session: requests.Session | None = None):
    """A pylti1p3 ``ServiceConnector`` for one registration: it gets access tokens and calls the services."""
    from pylti1p3.service_connector import ServiceConnector

    registration = tool_conf(config).find_registration_by_params(config.issuer, client_id)
    return ServiceConnector(registration, requests_session=session)


def grades_service(config: LtiConfig, client_id: str, lineitems_url: str, scopes: Sequence[str],
                   session: requests.Session | None = None):
    """pylti1p3's ``AssignmentsGradesService`` for a course's line items, with the scopes its launch granted."""
    from pylti1p3.assignments_grades import AssignmentsGradesService

    return AssignmentsGradesService(connector(config, client_id, session),
                                    {"scope": list(scopes), "lineitems": lineitems_url})


def roster_service(config: LtiConfig, client_id: str, memberships_url: str,
                   session: requests.Session | None = None):
    """pylti1p3's ``NamesRolesProvisioningService`` for a course's memberships URL."""
    from pylti1p3.names_roles import NamesRolesProvisioningService

    return NamesRolesProvisioningService(connector(config, client_id, session),
                                         {"context_memberships_url": memberships_url})
