"""Bundles cannot exhaust the disk or reach outside themselves, and errors never print a file's content.

A zip is judged from its directory before anything is unpacked; a folder
bundle's symbolic links may not leave the folder.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest

from crossline.errors import BundleError
from crossline.ingest.bundle import open_bundle
from crossline.ingest.messages import describe
from crossline.settings.imports import ImportsSettings
from crossline.workspace import Workspace
from helpers import import_as_hub, snapshot, write_bundle

SECRET = "hunter2-do-not-print"
PERSONS = "record_id,given_name,family_name\nP1,Ann,Lee\n"


def _manifest_bundle(root: Path) -> Path:
    return write_bundle(root, {"p.csv": ("persons", "gp", PERSONS)})


def _zip(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def _good_entries(tmp_path: Path) -> dict[str, bytes]:
    b = _manifest_bundle(tmp_path / "src")
    return {"manifest.toml": (b / "manifest.toml").read_bytes(), "p.csv": (b / "p.csv").read_bytes()}


def _refused(archive: Path, scratch: Path, limits: ImportsSettings | None = None) -> BundleError:
    with pytest.raises(BundleError) as info:
        open_bundle(archive, scratch, limits)
    assert not (scratch / "bundle").exists() or not any((scratch / "bundle").rglob("*.*")), "nothing may be unpacked"
    return info.value


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    entries = _good_entries(tmp_path)
    entries["p.csv"] = entries["p.csv"] + b"P2,Ann,Lee" + b" " * (8 << 20) + b"\n"  # 8 MB of blanks packs to a few kB
    error = _refused(_zip(tmp_path / "bomb.zip", entries), tmp_path / "scratch")
    assert "zip bomb" in error.problem and "max_compression_ratio" in error.problem and error.file == "p.csv"


def test_total_size_and_entry_count_limits(tmp_path: Path) -> None:
    entries = _good_entries(tmp_path)
    archive = _zip(tmp_path / "ok.zip", entries, zipfile.ZIP_STORED)
    assert _refused(archive, tmp_path / "s1", ImportsSettings(max_unpacked_gb=1e-7)).problem.endswith("([imports] max_unpacked_gb)")
    crowded = _zip(tmp_path / "many.zip", {**entries, **{f"extra/{i}.txt": b"x" for i in range(5)}})
    assert "[imports] max_entries" in _refused(crowded, tmp_path / "s2", ImportsSettings(max_entries=4)).problem
    opened = open_bundle(archive, tmp_path / "s3", ImportsSettings())
    assert (opened.root / "p.csv").read_bytes() == entries["p.csv"]


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/evil.csv", "a/../../evil.csv", "..\\evil.csv", "C:/evil.csv"])
def test_unsafe_entry_names_are_refused(tmp_path: Path, name: str) -> None:
    entries = {**_good_entries(tmp_path), name: b"x"}
    error = _refused(_zip(tmp_path / "bad.zip", entries), tmp_path / "scratch" / "deep")
    assert "inside the zip" in error.problem
    assert not (tmp_path / "evil.csv").exists() and not (tmp_path / "scratch" / "evil.csv").exists()


def test_the_manifest_is_judged_before_any_feed_is_unpacked(tmp_path: Path) -> None:
    entries = _good_entries(tmp_path)
    entries["manifest.toml"] = b"contract_version = 1\nbundle = \n"
    error = _refused(_zip(tmp_path / "m.zip", entries), tmp_path / "scratch")
    assert error.file == "manifest.toml"


def test_a_zip_bomb_import_through_the_workspace_settings(workspace: Workspace, tmp_path: Path) -> None:
    toml = workspace.path / "crossline.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[imports]\nmax_entries = 2\n", encoding="utf-8")
    from crossline.workspace import open_workspace

    ws = open_workspace(workspace.path)
    try:
        before = snapshot(ws)
        with pytest.raises(BundleError, match="max_entries"):
            import_as_hub(ws, _zip(tmp_path / "three.zip", {**_good_entries(tmp_path), "notes.txt": b"n"}))
        # the grant to the test hub is audited (audit tables, and workspace_meta's audit facts); nothing else may change
        def unaudited(snap: dict[str, object]) -> dict[str, object]:
            return {k: v for k, v in snap.items() if "agenc" not in k and "audit" not in k and k != "table:workspace_meta"}

        assert unaudited(snapshot(ws)) == unaudited(before)
        assert not any(ws.staging.rglob("*.csv"))
    finally:
        ws.close()


def test_a_feed_linked_outside_the_folder_is_refused_without_printing_it(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text(f"record_id,given_name,family_name\nP1,{SECRET},x\n", encoding="utf-8")
    bundle = _manifest_bundle(tmp_path / "b")
    (bundle / "p.csv").unlink()
    os.symlink(secret, bundle / "p.csv")
    with pytest.raises(BundleError) as info:
        open_bundle(bundle, tmp_path / "scratch")
    assert "symbolic link" in info.value.problem and SECRET not in str(info.value)


def test_a_manifest_or_folder_linked_outside_is_refused_and_inside_links_work(tmp_path: Path) -> None:
    outside = _manifest_bundle(tmp_path / "outside")
    linked = tmp_path / "linked"
    linked.mkdir()
    os.symlink(outside / "manifest.toml", linked / "manifest.toml")
    with pytest.raises(BundleError, match="symbolic link"):
        open_bundle(linked, tmp_path / "s1")
    inside = _manifest_bundle(tmp_path / "inside")
    (inside / "data").mkdir()
    (inside / "p.csv").rename(inside / "data" / "real.csv")
    os.symlink(inside / "data" / "real.csv", inside / "p.csv")
    assert open_bundle(inside, tmp_path / "s2").manifest.feed[0].file == "p.csv"


def test_messages_name_files_and_positions_never_content(workspace: Workspace, tmp_path: Path) -> None:
    not_a_header = write_bundle(tmp_path / "h", {"p.csv": ("persons", "gp", f"password={SECRET};user=root\nmore\n")})
    with pytest.raises(BundleError) as info:
        import_as_hub(workspace, not_a_header)
    assert SECRET not in str(info.value) and "p.csv" in str(info.value)
    arrow = pa.ArrowInvalid(f"CSV parse error: Row #5: Expected 3 columns, got 4: a,{SECRET},c,d")
    assert describe(arrow) == "CSV parse error: Row #5: Expected 3 columns, got 4"
    assert SECRET not in describe(ValueError(f"bad value '{SECRET}' at line 3"))
