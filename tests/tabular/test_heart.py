"""The UCI heart-disease loader: the real files, their quirks, and malformed files."""

import shutil

import numpy as np
import pytest

from pinndd.errors import DataError
from pinndd.tabular import HEART_SITES, load_heart_disease, read_uci_file


def test_reads_four_sites_with_documented_sizes(heart_dir):
    sources = load_heart_disease(heart_dir)
    assert [s.name for s in sources] == list(HEART_SITES)
    assert [s.n_rows for s in sources] == [303, 294, 123, 200]
    # binary target num > 0, counted directly from the raw files
    for s in sources:
        raw = read_uci_file(heart_dir / f"processed.{s.name}.data")
        assert s.labels().sum() == (raw["num"] > 0).sum()


def test_zero_cholesterol_and_pressure_mean_not_recorded(heart_dir):
    sources = {s.name: s for s in load_heart_disease(heart_dir)}
    va = sources["va"].frame
    assert not (va["chol"] == 0).any() and not (va["trestbps"] == 0).any()
    assert va["chol"].isna().sum() == 49 + 7  # 49 zeros plus 7 written as '?'
    assert "chol" not in sources["switzerland"].features  # all 123 zeros -> not measured


def test_measured_features_follow_the_explicit_threshold(heart_dir):
    default = {s.name: s for s in load_heart_disease(heart_dir)}
    assert set(default["cleveland"].features) == set(read_uci_file(heart_dir / "processed.cleveland.data")
                                                     .columns[:-1])
    for site in ("hungarian", "va"):
        assert {"slope", "ca", "thal"}.isdisjoint(default[site].features)
        # a feature a site does not measure is not readable from it at all
        assert np.isnan(default[site].matrix(["thal"])).all()
    lenient = {s.name: s for s in load_heart_disease(heart_dir, min_observed=0.05)}
    assert "thal" in lenient["hungarian"].features  # recorded for ~10% of Hungarian patients
    assert "ca" not in lenient["hungarian"].features  # recorded for ~1%


def _copy(heart_dir, tmp_path):
    folder = tmp_path / "heart"
    shutil.copytree(heart_dir, folder, ignore=shutil.ignore_patterns("SOURCES.txt"))
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_wrong_number_of_fields_names_the_file_and_line(heart_dir, tmp_path):
    folder = _copy(heart_dir, tmp_path)
    path = folder / "processed.va.data"
    lines = path.read_text().splitlines()
    lines[4] = ",".join(lines[4].split(",")[:13])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"processed\.va\.data: line 5 has 13 fields"):
        load_heart_disease(folder)


def test_non_numeric_value_names_file_line_and_column(heart_dir, tmp_path):
    folder = _copy(heart_dir, tmp_path)
    path = folder / "processed.hungarian.data"
    lines = path.read_text().splitlines()
    fields = lines[2].split(",")
    fields[4] = "high"
    lines[2] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"processed\.hungarian\.data: line 3, column 'chol': 'high'"):
        load_heart_disease(folder)


def test_csv_with_header_is_not_the_uci_format(tmp_path):
    path = tmp_path / "processed.cleveland.data"
    path.write_text("age;sex;cp\n63;1;1\n")
    with pytest.raises(DataError, match=r"processed\.cleveland\.data: line 1 has 1 fields"):
        read_uci_file(path)


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(DataError, match="processed.cleveland.data: no such file"):
        load_heart_disease(tmp_path, sites=["cleveland"])
    (tmp_path / "processed.cleveland.data").write_text("\n")
    with pytest.raises(DataError, match="has no rows"):
        load_heart_disease(tmp_path, sites=["cleveland"])


def test_missing_target_is_refused_naming_file_row_and_column(tmp_path, shared):
    source = shared / "data" / "heart_disease" / "processed.cleveland.data"
    lines = source.read_text().splitlines()
    fields = lines[6].split(",")
    fields[-1] = "?"
    lines[6] = ",".join(fields)
    path = tmp_path / "processed.cleveland.data"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"processed\.cleveland\.data: line 7, column 'num': the target is missing"):
        load_heart_disease(tmp_path, sites=["cleveland"])
