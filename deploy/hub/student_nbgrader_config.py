# nbgrader settings for every single-user server on the hub (students, TAs,
# instructors). deploy/hub/run.py installs this file as
# STATE/etc/student/nbgrader_config.py; the spawner points JUPYTER_CONFIG_PATH there.
from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 (provided by nbgrader)

c.Exchange.root = "$exchange"
# fetched labs go to ~/<course>/<lab>/, so two courses' labs never collide
c.Exchange.path_includes_course = True
# a person's courses are their hub groups nbgrader-<course> / formgrade-<course>
c.Authenticator.plugin_class = JupyterHubAuthPlugin
