"""The shipped datasets: provenance, integrity checks and the published figures."""
from __future__ import annotations

import gzip
import json
import shutil

import pandas as pd
import pytest

from reciprocity import data
from reciprocity.data import DatasetError

GGL_PUBLISHED = {  # Gerber, Green & Larimer (2008), Table 2: turnout and N by arm
    "Control": (0.297, 191243),
    "Civic Duty": (0.315, 38218),
    "Hawthorne": (0.322, 38204),
    "Self": (0.345, 38218),
    "Neighbors": (0.378, 38201),
}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of the data folder that tests may damage."""
    target = tmp_path / "data"
    shutil.copytree(data.data_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setattr(data, "data_dir", lambda: target)
    data._package.cache_clear()
    data._load_checked.cache_clear()
    yield target
    data._package.cache_clear()
    data._load_checked.cache_clear()


def test_names_lists_all_seven_datasets():
    assert data.names() == ["ggl2008", "broockman2013", "thornton2008", "fox_guyer1978",
                            "kalist2004", "levin_isen1975", "franses_paap2001"]


@pytest.mark.parametrize("name", data.names())
def test_every_dataset_loads_and_has_full_provenance(name):
    frame = data.load(name)
    info = data.describe(name)
    assert len(frame) > 0
    assert list(frame.columns) == [f["name"] for f in info.fields]
    assert info.citation and info.licence and info.source and info.citation_key
    assert all(f.get("description") for f in info.fields)


def test_datapackage_records_sha256_and_size_of_every_file():
    package = json.loads((data.data_dir() / "datapackage.json").read_text())
    for res in package["resources"]:
        path = data.data_dir() / res["path"]
        assert res["hash"].startswith("sha256:")
        assert res["bytes"] == path.stat().st_size


def test_citation_keys_exist_in_bibliography():
    from tests.support.common import ROOT
    bib = (ROOT / "references.bib").read_text()
    for name in data.names():
        assert "{" + data.describe(name).citation_key + "," in bib


def test_ggl_turnout_and_arm_sizes_match_the_paper():
    ggl = data.load("ggl2008")
    assert len(ggl) == 344_084
    by_arm = ggl.groupby("treatment")["voted"].agg(["mean", "size"])
    for arm, (rate, n) in GGL_PUBLISHED.items():
        assert by_arm.loc[arm, "size"] == n
        assert round(by_arm.loc[arm, "mean"], 3) == rate


def test_simulators_calibrated_to_ggl_use_its_control_turnout():
    """Chapter 11's community model starts members at the GGL control turnout."""
    from reciprocity.book import parameter_defaults
    from reciprocity.simulate import simulate_community

    control = data.load("ggl2008").query("treatment == 'Control'")["voted"].mean()
    assert parameter_defaults(simulate_community)["base_rate"] == round(control, 3)


def test_thornton_incentive_raises_learning_result_from_339_to_789_percent():
    hiv = data.load("thornton2008").dropna(subset=["got", "any"])
    by_incentive = hiv.groupby("any")["got"].agg(["mean", "size"])
    assert by_incentive.loc[0.0, "size"] == 623
    assert by_incentive.loc[1.0, "size"] == 2211
    assert round(by_incentive.loc[0.0, "mean"], 3) == 0.339
    assert round(by_incentive.loc[1.0, "mean"], 3) == 0.789


@pytest.mark.parametrize("black, outside, rate, n", [
    (0, 0, 0.561, 2629), (0, 1, 0.287, 2600), (1, 0, 0.465, 185), (1, 1, 0.318, 179)])
def test_broockman_raw_reply_rates(black, outside, rate, n):
    emails = data.load("broockman2013")
    cell = emails[(emails.leg_black == black) & (emails.treat_out == outside)]["responded"]
    assert len(cell) == n
    assert round(cell.mean(), 3) == rate


def test_load_returns_independent_copies():
    first = data.load("fox_guyer1978")
    first.loc[0, "cooperation"] = -999
    assert data.load("fox_guyer1978").loc[0, "cooperation"] != -999


def test_unknown_name_lists_the_available_datasets():
    with pytest.raises(KeyError, match="available datasets: ggl2008, broockman2013"):
        data.load("ggl2009")


def test_load_rejects_altered_file(data_copy):
    path = data_copy / "levin_isen1975_mail_me.csv"
    path.write_text(path.read_text().replace("yes", "no", 1))
    with pytest.raises(DatasetError, match=r"levin_isen1975_mail_me\.csv has been altered"):
        data.load("levin_isen1975")


def test_load_reports_missing_file(data_copy):
    (data_copy / "kalist2004_friend_or_foe.csv").unlink()
    with pytest.raises(DatasetError, match=r"kalist2004_friend_or_foe\.csv.*missing"):
        data.load("kalist2004")


def _rehash(folder, name):
    """Record a deliberately edited file's hash, as a maintainer would."""
    import hashlib
    path_json = folder / "datapackage.json"
    package = json.loads(path_json.read_text())
    for res in package["resources"]:
        if res["name"] == name:
            res["hash"] = "sha256:" + hashlib.sha256((folder / res["path"]).read_bytes()).hexdigest()
    path_json.write_text(json.dumps(package))
    data._package.cache_clear()


def test_load_rejects_value_outside_enum_even_with_matching_hash(data_copy):
    path = data_copy / "fox_guyer1978_public_anonymous_pd.csv"
    path.write_text(path.read_text().replace("public", "secret", 1))
    _rehash(data_copy, "fox_guyer1978")
    with pytest.raises(DatasetError, match=r"field 'condition'.*\['secret'\]"):
        data.load("fox_guyer1978")


def test_load_rejects_out_of_range_value(data_copy):
    path = data_copy / "fox_guyer1978_public_anonymous_pd.csv"
    lines = path.read_text().splitlines()
    lines[1] = "121," + lines[1].split(",", 1)[1]
    path.write_text("\n".join(lines) + "\n")
    _rehash(data_copy, "fox_guyer1978")
    with pytest.raises(DatasetError, match="maximum of 120"):
        data.load("fox_guyer1978")


def test_load_rejects_missing_column(data_copy):
    path = data_copy / "levin_isen1975_mail_me.csv"
    frame = pd.read_csv(path).drop(columns=["gender"])
    frame.to_csv(path, index=False)
    _rehash(data_copy, "levin_isen1975")
    with pytest.raises(DatasetError, match=r"missing: \['gender'\]"):
        data.load("levin_isen1975")


def test_load_rejects_truncated_gzip(data_copy):
    path = data_copy / "ggl2008_social_pressure.csv.gz"
    path.write_bytes(path.read_bytes()[:5000])
    _rehash(data_copy, "ggl2008")
    with pytest.raises(DatasetError, match=r"ggl2008_social_pressure\.csv\.gz"):
        data.load("ggl2008")


def test_load_rejects_text_in_numeric_column(data_copy):
    path = data_copy / "kalist2004_friend_or_foe.csv"
    lines = path.read_text().splitlines()
    parts = lines[1].split(",")
    parts[2] = "twenty"
    lines[1] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n")
    _rehash(data_copy, "kalist2004")
    with pytest.raises(DatasetError, match="field 'age': expected type integer"):
        data.load("kalist2004")


def test_missing_datapackage_says_how_to_fix(data_copy):
    (data_copy / "datapackage.json").unlink()
    with pytest.raises(DatasetError, match="reinstall"):
        data.names()


def test_ggl_file_is_really_gzip():
    with gzip.open(data.data_dir() / "ggl2008_social_pressure.csv.gz", "rt") as handle:
        assert handle.readline().startswith("treatment,voted")
