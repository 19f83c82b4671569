"""Open a bundle, folder or .zip, and read its manifest; nothing is imported here."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from crossline.contract.manifest import MANIFEST_NAME, Manifest, parse_manifest
from crossline.errors import BundleError


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


def open_bundle(path: Path, scratch: Path) -> OpenedBundle:
    """Read the manifest; a .zip is unpacked into ``scratch`` (inside the workspace's staging area)."""
    path = Path(path)
    if not path.exists():
        raise BundleError(str(path), "does not exist")
    if path.is_file() and path.suffix.lower() == ".zip":
        root = _unzip(path, scratch)
    elif path.is_dir():
        root = path
    else:
        raise BundleError(str(path), "is neither a bundle folder nor a .zip of one")
    manifest_path = root / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BundleError(f"{path.name}/{MANIFEST_NAME}", "missing: a bundle needs manifest.toml at its root")
    try:
        text = manifest_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(MANIFEST_NAME, f"cannot be read as UTF-8 text ({exc})") from exc
    manifest = parse_manifest(text)
    return OpenedBundle(
        root=root, manifest=manifest, manifest_text=text,
        content_hash=_hash_files(root, manifest, text), label=manifest.bundle,
    )


def _unzip(path: Path, scratch: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            for name in names:
                parts = PurePosixPath(name).parts
                if name.startswith("/") or ".." in parts:
                    raise BundleError(name, "has an unsafe path inside the zip")
            # A zip of a folder holds the manifest one level down.
            prefix = ""
            if MANIFEST_NAME not in names:
                tops = {PurePosixPath(n).parts[0] for n in names}
                if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST_NAME}" in names:
                    prefix = next(iter(tops)) + "/"
            target = scratch / "bundle"
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                if not name.startswith(prefix):
                    continue
                dest = target / PurePosixPath(name[len(prefix):])
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, 8 << 20)
    except zipfile.BadZipFile as exc:
        raise BundleError(path.name, f"is not a readable zip file ({exc})") from exc
    return target
