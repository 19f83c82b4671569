"""Open a bundle, folder or .zip, and read its manifest; nothing is imported here.

A bundle comes from outside, so opening one is guarded: a zip is judged from its
own directory before a byte is unpacked (manifest first, then the number of
entries, the total unpacked size and the compression ratio against the
``[imports]`` limits; no absolute or ``..`` paths), and only the files the
manifest lists are unpacked, each stopped at the size the directory declared.
A folder bundle's manifest and feed files must lie inside the folder: a
symbolic link out of it is refused, so a bundle cannot make Crossline read
(or print) a file elsewhere on the machine. Messages name files and positions,
never a file's content.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from crossline.contract.manifest import MANIFEST_NAME, Manifest, parse_manifest
from crossline.errors import BundleError
from crossline.settings.imports import ImportsSettings

MAX_MANIFEST_BYTES = 1 << 20  # a manifest is a few kB; a larger one is not a manifest
RATIO_FLOOR_BYTES = 1 << 20  # below this many unpacked bytes a high ratio is harmless (a small file of blanks)
GB = 1 << 30


@dataclass
class OpenedBundle:
    root: Path
    manifest: Manifest
    manifest_text: str
    content_hash: str  # of the manifest and every feed file: the same bundle twice has the same hash
    label: str

    def feed_path(self, file: str) -> Path:
        return self.root / PurePosixPath(file)


def _hash_files(root: Path, manifest: Manifest, manifest_text: str) -> str:
    digest = hashlib.sha256(manifest_text.encode("utf-8"))
    for feed in manifest.feed:
        path = root / PurePosixPath(feed.file)
        digest.update(feed.file.encode())
        if path.is_file():
            with open(path, "rb") as fh:
                while chunk := fh.read(8 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def open_bundle(path: Path, scratch: Path, limits: ImportsSettings | None = None) -> OpenedBundle:
    """Read the manifest; a .zip is checked, then unpacked into ``scratch`` (inside the workspace's staging area)."""
    path = Path(path)
    limits = limits or ImportsSettings()
    if not path.exists():
        raise BundleError(str(path), "does not exist")
    if path.is_file() and path.suffix.lower() == ".zip":
        root, text = _unzip(path, scratch, limits)
        manifest = parse_manifest(text)
    elif path.is_dir():
        root = path
        text = _folder_manifest(root)
        manifest = parse_manifest(text)
        for feed in manifest.feed:
            _inside(root, feed.file, feed.file)
    else:
        raise BundleError(str(path), "is neither a bundle folder nor a .zip of one")
    return OpenedBundle(
        root=root, manifest=manifest, manifest_text=text,
        content_hash=_hash_files(root, manifest, text), label=manifest.bundle,
    )


def read_manifest(path: Path, limits: ImportsSettings | None = None) -> Manifest:
    """A bundle's manifest alone, read under the same guards as an import, with nothing unpacked."""
    path = Path(path)
    limits = limits or ImportsSettings()
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                infos = {i.filename: i for i in _check_zip(zf, limits, path.name) if not i.is_dir()}
                return parse_manifest(_zip_manifest(zf, infos, path)[0])
        except zipfile.BadZipFile as exc:
            raise BundleError(path.name, f"is not a readable zip file ({exc})") from exc
    if not path.is_dir():
        raise BundleError(str(path), "is neither a bundle folder nor a .zip of one")
    return parse_manifest(_folder_manifest(path))


def _folder_manifest(root: Path) -> str:
    manifest_path = _inside(root, MANIFEST_NAME, f"{root.name}/{MANIFEST_NAME}")
    if not manifest_path.is_file():
        raise BundleError(f"{root.name}/{MANIFEST_NAME}", "missing: a bundle needs manifest.toml at its root")
    if manifest_path.stat().st_size > MAX_MANIFEST_BYTES:
        raise BundleError(MANIFEST_NAME, f"is larger than {MAX_MANIFEST_BYTES >> 10} kB: not a manifest")
    try:
        return manifest_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(MANIFEST_NAME, f"cannot be read as UTF-8 text ({type(exc).__name__})") from exc


def _zip_manifest(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], path: Path) -> tuple[str, str]:
    """(manifest text, the prefix of the bundle's folder inside the zip: a zip of a folder holds the manifest one level down)."""
    prefix = ""
    if MANIFEST_NAME not in infos:
        tops = {PurePosixPath(n).parts[0] for n in infos}
        if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST_NAME}" in infos:
            prefix = next(iter(tops)) + "/"
    manifest_info = infos.get(prefix + MANIFEST_NAME)
    if manifest_info is None:
        raise BundleError(f"{path.name}/{MANIFEST_NAME}", "missing: a bundle needs manifest.toml at its root")
    if manifest_info.file_size > MAX_MANIFEST_BYTES:
        raise BundleError(MANIFEST_NAME, f"is larger than {MAX_MANIFEST_BYTES >> 10} kB: not a manifest")
    try:
        return zf.read(manifest_info).decode("utf-8-sig"), prefix
    except UnicodeDecodeError as exc:
        raise BundleError(MANIFEST_NAME, "cannot be read as UTF-8 text") from exc


def _inside(root: Path, rel: str, shown: str) -> Path:
    """The path of ``rel`` in the bundle folder; refused when a symbolic link takes it outside the folder."""
    path = root / PurePosixPath(rel)
    real_root = root.resolve()
    if path.exists() or path.is_symlink():
        real = path.resolve()
        if real != real_root and real_root not in real.parents:
            raise BundleError(shown, "is a symbolic link to a place outside the bundle folder; copy the file into the bundle instead")
    return path


def _unsafe_name(name: str) -> str | None:
    """Why a zip entry's name may not be unpacked, or None."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "has an absolute path inside the zip"
    if ".." in PurePosixPath(posix).parts:
        return "has a path that climbs out of the bundle (..) inside the zip"
    if "\x00" in name:
        return "has a NUL byte in its name inside the zip"
    return None


def _check_zip(zf: zipfile.ZipFile, limits: ImportsSettings, shown: str) -> list[zipfile.ZipInfo]:
    """Judge the zip from its directory alone; nothing is unpacked until every check passes."""
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise BundleError(shown, f"holds {len(infos):,} entries, more than the {limits.max_entries:,} allowed ([imports] max_entries)")
    total = packed = 0
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise BundleError(repr(info.filename)[1:-1], why)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BundleError(info.filename, "is a symbolic link inside the zip; a bundle holds plain files")
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            raise BundleError(
                info.filename,
                f"would unpack {info.file_size / max(info.compress_size, 1):,.0f} times larger than it is packed, more than the "
                f"{limits.max_compression_ratio:g} allowed ([imports] max_compression_ratio): refused as a zip bomb",
            )
        total += info.file_size
        packed += info.compress_size
    if total > limits.max_unpacked_gb * GB:
        raise BundleError(
            shown, f"would unpack to {total / GB:,.1f} GB, more than the {limits.max_unpacked_gb:g} GB allowed ([imports] max_unpacked_gb)"
        )
    if total > RATIO_FLOOR_BYTES and total > limits.max_compression_ratio * max(packed, 1):
        raise BundleError(
            shown, f"would unpack {total / max(packed, 1):,.0f} times larger than it is packed, more than the "
            f"{limits.max_compression_ratio:g} allowed ([imports] max_compression_ratio): refused as a zip bomb",
        )
    return infos


def _unzip(path: Path, scratch: Path, limits: ImportsSettings) -> tuple[Path, str]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in _check_zip(zf, limits, path.name) if not i.is_dir()}
            text, prefix = _zip_manifest(zf, infos, path)
            manifest = parse_manifest(text)  # the manifest is judged before any feed is unpacked
            target = scratch / "bundle"
            target.mkdir(parents=True, exist_ok=True)
            for feed in manifest.feed:
                info = infos.get(prefix + feed.file)
                if info is None:
                    continue  # reported as "listed in the manifest but not in the bundle" when the feed is read
                dest = target / PurePosixPath(feed.file)
                dest.parent.mkdir(parents=True, exist_ok=True)
                _copy_bounded(zf, info, dest)
    except zipfile.BadZipFile as exc:
        raise BundleError(path.name, f"is not a readable zip file ({exc})") from exc
    return target, text


def _copy_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path) -> None:
    """Unpack one entry, stopping if it yields more than its directory entry declared (a lying zip)."""
    written = 0
    with zf.open(info) as src, open(dest, "wb") as out:
        while chunk := src.read(8 << 20):
            written += len(chunk)
            if written > info.file_size:
                raise BundleError(info.filename, "unpacks to more than the zip's directory declares: refused")
            out.write(chunk)
