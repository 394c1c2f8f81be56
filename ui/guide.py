"""The user guide's screenshots as static files: published once by the server, fetched and kept by the browser.

`st.image` with a file path decodes the PNG and encodes it again as JPEG on every rerun (Streamlit's "auto" format
turns a picture without transparency into JPEG), eleven screenshots on 使用说明: about 0.3 s of the server's one
core per visit, the most of any page. The server (ui/server.py) copies them to static/guide/ at start instead
(Streamlit's static serving, /app/static/; the name is a hash of the content, so a browser never keeps a retaken
screenshot) and the page names the file. A process that published nothing (AppTest, a read-only install) shows the
file as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from etl.store import atomic_write

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guide" / "使用说明.md"
STATIC_GUIDE = ROOT / "static" / "guide"
URL = "/app/static/guide/"  # absolute: Streamlit's frontend serves /app/static/ under a proxy's path prefix too

_PUBLISHED: dict[Path, str] = {}  # screenshot → its URL, in a process that published them


def publish_images(folder: Path = STATIC_GUIDE, source: Path = GUIDE.parent) -> list[Path]:
    """Copy every image under the guide's folder to `folder`, named by content; returns the files written or found.

    Written aside and renamed (atomic_write), so several server processes starting at once never serve half a file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for image in sorted(source.rglob("*.png")):
        body = image.read_bytes()
        path = folder / f"{hashlib.sha256(body).hexdigest()[:16]}.png"
        if not path.exists() or path.stat().st_size != len(body):
            atomic_write(path, body)
        _PUBLISHED[image.resolve()] = URL + path.name
        written.append(path)
    return written


def image(path: Path) -> str:
    """What st.image should show for the screenshot at `path`: its published URL, else the file itself."""
    return _PUBLISHED.get(path.resolve(), str(path))
