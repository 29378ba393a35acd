"""AES-128 content keys for HLS and the key info file ffmpeg's HLS muxer reads.

Contract with the playback service: every encrypted playlist carries ``KEY_URI_PLACEHOLDER`` as
its key URI. Playlists are served through a rewriting endpoint that replaces it per viewer with
``/api/v1/keys/{episode_id}?token=...``; segments stay static, cacheable files. The key itself
lives in the database, never next to the segments.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cliffhanger.media.constants import CONTENT_KEY_BYTES, KEY_URI_PLACEHOLDER

__all__ = [
    "KEY_URI_PLACEHOLDER",
    "KeyInfo",
    "key_info_file",
    "key_info_text",
    "new_content_key",
    "new_iv",
]


def new_content_key() -> bytes:
    """A fresh random AES-128 key (16 bytes from the OS CSPRNG), one per episode."""
    return secrets.token_bytes(CONTENT_KEY_BYTES)


def new_iv() -> bytes:
    """A random 16-byte initialisation vector.

    Written explicitly into the playlist rather than left to the HLS default (the media sequence
    number), so two episodes never share key stream prefixes even if a key were ever reused.
    """
    return secrets.token_bytes(16)


def key_info_text(key_uri: str, key_path: str | os.PathLike[str], iv: bytes) -> str:
    """The three lines ffmpeg's ``-hls_key_info_file`` expects: key URI, key file path, IV hex."""
    if len(iv) != 16:
        raise ValueError("the IV must be 16 bytes")
    return f"{key_uri}\n{os.fspath(key_path)}\n{iv.hex()}\n"


@dataclass(frozen=True)
class KeyInfo:
    """A key info file on disk, ready for ``-hls_key_info_file``."""

    path: Path
    iv: bytes


@contextmanager
def key_info_file(key: bytes, *, iv: bytes | None = None) -> Iterator[KeyInfo]:
    """Write the key and its key info file to a private temporary folder, removed on exit.

    The folder is created by ``mkdtemp`` (mode 0700) outside any output folder, so the key never
    sits among files that get published.
    """
    if len(key) != CONTENT_KEY_BYTES:
        raise ValueError(f"an AES-128 key is {CONTENT_KEY_BYTES} bytes, got {len(key)}")
    chosen_iv = iv if iv is not None else new_iv()
    with tempfile.TemporaryDirectory(prefix="cliffhanger-key-") as folder:
        key_path = Path(folder) / "content.key"
        info_path = Path(folder) / "key_info.txt"
        key_path.write_bytes(key)
        key_path.chmod(0o600)
        info_path.write_text(key_info_text(KEY_URI_PLACEHOLDER, key_path, chosen_iv))
        yield KeyInfo(path=info_path, iv=chosen_iv)
