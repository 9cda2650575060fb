"""A Jupyter Server extension for students' servers on the hub: their due dates, as JSON.

``GET <server>/reciprocity/due`` answers ``{"courses": [...]}``: for each
course the person is in, the answer of that course's grading service to
``api/due`` (``deploy/hub/grading_service.py``): the released labs with
this person's due date (their extension, if any), the class's date and the
late rule; or ``{"course", "problem"}`` saying why a course's dates are
missing. JupyterLab's ``reciprocity-hub`` extension (``deploy/hub/labextension``)
shows them above the Assignments list and above each lab's notebook.

The server asks with its own hub token (``JUPYTERHUB_API_TOKEN``), so each
grading service sees who asks and answers for that person only. Which
services to ask comes from ``RECIPROCITY_DUE_SOURCES``, a JSON object
``{course: service URL}`` that the hub's spawner sets for the person's
courses. ``deploy/hub/run.py`` enables the extension (``jpserver_extensions``).
"""
from __future__ import annotations

import json
import os

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.httpclient import AsyncHTTPClient

__all__ = ["SOURCES_ENV", "DueHandler"]

# {course: grading service URL}, set by the hub's spawner for the person's courses
SOURCES_ENV = "RECIPROCITY_DUE_SOURCES"
TIMEOUT = 10.0  # seconds per grading service


def _sources() -> dict[str, str]:
    try:
        sources = json.loads(os.environ.get(SOURCES_ENV, "{}"))
    except ValueError:
        return {}
    return {str(c): str(u) for c, u in sources.items()} if isinstance(sources, dict) else {}


async def _ask(client: AsyncHTTPClient, course: str, url: str, token: str) -> dict:
    response = await client.fetch(url_path_join(url, "api/due"), raise_error=False,
                                  headers={"Authorization": f"token {token}"},
                                  request_timeout=TIMEOUT)
    if response.code == 200:
        try:
            return json.loads(response.body)
        except ValueError:
            pass
    if response.code == 599:  # no answer at all
        return {"course": course, "problem": "the course's grading service did not answer; "
                                             "try again in a minute"}
    return {"course": course, "problem": f"the course's grading service refused ({response.code}); "
                                         "please tell your instructor"}


class DueHandler(APIHandler):
    """The signed-in person's due dates, from each of their courses' grading services."""

    @web.authenticated
    async def get(self):
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        client = AsyncHTTPClient()
        courses = [await _ask(client, course, url, token) for course, url in sorted(_sources().items())]
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"courses": courses}))


def _jupyter_server_extension_points():
    return [{"module": "reciprocity.grading.due_dates_extension"}]


def _load_jupyter_server_extension(serverapp) -> None:
    web_app = serverapp.web_app
    route = url_path_join(web_app.settings["base_url"], "reciprocity", "due")
    web_app.add_handlers(".*$", [(route, DueHandler)])
