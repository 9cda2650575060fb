"""``python -m reciprocity.lms``: check ``lti.toml``, make the tool's key, print its public key, post grades.

    python -m reciprocity.lms new-key /srv/reciprocity-hub/lti-tool-key.pem
    python -m reciprocity.lms jwks --config deploy/hub/lti.toml     # paste into the LMS's registration
    python -m reciprocity.lms check --config deploy/hub/lti.toml
    python -m reciprocity.lms post-grades --config lti.toml --course reciprocity-a --lab outreach --db URL
    python -m reciprocity.lms roster --config lti.toml --course reciprocity-a [--db URL]

Exit status 0 on success, 2 when the configuration, the LMS or the gradebook
has a problem (the message says which and what to do).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def new_key(path: Path) -> None:
    """A new 2048-bit RSA private key at ``path`` (PEM, readable by its owner only); never overwrites."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def main(argv: list[str] | None = None) -> int:
    from reciprocity.grading.gradebook import GradebookUnavailable

    from .config import LtiConfigError, load_config
    from .grades import GradePassbackError, post_lab_grades
    from .roster import RosterUnavailable, enrol_from_lms, lms_roster

    parser = argparse.ArgumentParser(prog="python -m reciprocity.lms", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("new-key", help="make the tool's RSA private key (refuses to overwrite one)")
    p.add_argument("path", type=Path)
    for name, text in (("check", "check lti.toml and say what is wrong"),
                       ("jwks", "print the tool's public key set (JWKS) for the LMS's registration"),
                       ("post-grades", "post a lab's scores from the gradebook to the LMS"),
                       ("roster", "print the LMS roster of a course; with --db, enrol its students")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--config", default="deploy/hub/lti.toml", help="lti.toml (default: %(default)s)")
        if name in ("post-grades", "roster"):
            p.add_argument("--course", required=True, help="nbgrader course id, as in lti.toml")
            p.add_argument("--db", required=name == "post-grades", help="the course's gradebook URL")
        if name == "post-grades":
            p.add_argument("--lab", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "new-key":
            if args.path.exists():
                raise LtiConfigError(f"{args.path} exists; remove it first if you mean to replace the key "
                                     "(and register the new public key in the LMS)")
            new_key(args.path)
            print(f"wrote {args.path}; now name it in lti.toml ([tool] private_key) and register "
                  "`python -m reciprocity.lms jwks` in the LMS")
            return 0
        config = load_config(args.config)
        if args.command == "check":
            print(f"{config.path}: {len(config.courses)} course(s) linked: "
                  + ", ".join(f"{c.course} <- {c.context_id}" for c in config.courses.values()))
        elif args.command == "jwks":
            print(json.dumps({"keys": [config.public_jwk()]}, indent=1))
        elif args.command == "post-grades":
            print(post_lab_grades(config, args.course, args.lab, args.db).describe())
        elif args.db:
            count, unmatched = enrol_from_lms(config, args.course, args.db)
            print(f"{count} student(s) in the gradebook; not matched: "
                  + (", ".join(m.name or m.lti_user_id for m in unmatched) or "none"))
        else:
            people, names, unmatched = lms_roster(config, args.course)
            print(json.dumps({"people": people, "names": names,
                              "unmatched": [m.name or m.lti_user_id for m in unmatched]}, indent=1))
    except (LtiConfigError, GradePassbackError, RosterUnavailable, GradebookUnavailable) as err:
        print(f"reciprocity.lms: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
