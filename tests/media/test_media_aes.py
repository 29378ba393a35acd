"""Content keys and the key info file for ffmpeg's HLS muxer."""

from __future__ import annotations

import stat

import pytest

from cliffhanger.media.aes import (
    KEY_URI_PLACEHOLDER,
    key_info_file,
    key_info_text,
    new_content_key,
)


def test_content_keys_are_random_16_bytes() -> None:
    keys = {new_content_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(len(k) == 16 for k in keys)


def test_key_info_file_has_uri_key_path_and_iv_and_is_removed_after_use() -> None:
    key = new_content_key()
    with key_info_file(key) as info:
        uri, key_path, iv_hex = info.path.read_text().splitlines()
        assert uri == KEY_URI_PLACEHOLDER == "cliffhanger-key://episode"
        assert bytes.fromhex(iv_hex) == info.iv and len(info.iv) == 16
        key_file = info.path.parent / key_path
        assert key_file.read_bytes() == key
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(info.path.parent.stat().st_mode) == 0o700
    assert not info.path.parent.exists()


def test_each_key_info_gets_its_own_iv() -> None:
    key = new_content_key()
    with key_info_file(key) as first, key_info_file(key) as second:
        assert first.iv != second.iv


def test_key_info_rejects_wrong_sizes() -> None:
    with pytest.raises(ValueError, match="16 bytes"), key_info_file(b"short"):
        pass
    with pytest.raises(ValueError, match="IV"):
        key_info_text(KEY_URI_PLACEHOLDER, "/k", b"\x00" * 8)
