# The hub image of deploy/z2jh/values.yaml (hub.image): the chart's own hub image,
# of the same version as the chart, plus this repository's `reciprocity` package,
# whose reciprocity.lms the hub's 20-lti snippet imports. Build it from the
# repository root and push it where the cluster can pull it:
#
#   docker build -f deploy/z2jh/hub.Dockerfile -t REGISTRY/reciprocity-hub:TAG .
#   docker push REGISTRY/reciprocity-hub:TAG
#
# then set hub.image.name and hub.image.tag in values.yaml. Not built in CI (no
# container runtime there); tests/deploy/test_z2jh_values.py checks that the
# version below is the vendored chart's and that the pin matches requirements.txt.
FROM quay.io/jupyterhub/k8s-hub:4.4.0

USER root
# The chart's image already has jupyterhub-ltiauthenticator 1.6.3 (its
# images/hub/requirements.txt at 4.4.0), PyJWT, cryptography and requests;
# pinning the authenticator keeps the version the tests introspect whatever the
# base brings. PyLTI1p3 (with its jwcrypto) asks the LMS's roster service at each
# launch (lti.toml's verify_membership). The pins are requirements.txt's.
RUN pip install --no-cache-dir jupyterhub-ltiauthenticator==1.6.3 PyLTI1p3==2.0.0
# --no-deps: the hub needs only reciprocity.lms, not the course's scientific stack
# (numpy, pandas, scipy...), and the package imports its submodules on first use.
COPY pyproject.toml README.md /tmp/reciprocity/
COPY reciprocity /tmp/reciprocity/reciprocity
RUN pip install --no-cache-dir --no-deps /tmp/reciprocity && rm -rf /tmp/reciprocity
# back to the base image's user (uid 1000, the chart's runAsUser)
USER jovyan
