"""Streaming multipart uploads: file parts go straight to a scratch file under a size limit.

Starlette's own form parsing would spool a whole upload before our code sees it; this reader
hashes and writes each chunk as it arrives and stops reading the moment the limit is passed, so a
large or hostile upload never sits in memory and never fills the disk beyond the limit.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from cliffhanger.kit.errors import Invalid, PayloadTooLarge

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 32


@dataclass
class UploadedFile:
    path: Path
    filename: str | None
    size: int
    sha256: str


@dataclass
class MultipartForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def discard(self) -> None:
        for f in self.files.values():
            f.path.unlink(missing_ok=True)


class _Collector:
    def __init__(self, scratch_dir: Path, max_file_bytes: int) -> None:
        self.scratch_dir = scratch_dir
        self.max_file_bytes = max_file_bytes
        self.form = MultipartForm()
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._filename: str | None = None
        self._buf = bytearray()
        self._out: IO[bytes] | None = None
        self._path: Path | None = None
        self._size = 0
        self._hash = hashlib.sha256()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: self._set_field(d[s:e]),
            "on_header_value": lambda d, s, e: self._set_value(d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def _set_field(self, data: bytes) -> None:
        self._header_name += data

    def _set_value(self, data: bytes) -> None:
        self._header_value += data

    def part_begin(self) -> None:
        self._headers = {}
        self._buf = bytearray()
        self._out = None
        self._path = None
        self._size = 0
        self._hash = hashlib.sha256()

    def header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = b""
        self._header_value = b""

    def headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = params.get(b"filename")
        self._filename = (
            raw_filename.decode("utf-8", "replace") if raw_filename is not None else None
        )
        if len(self.form.fields) + len(self.form.files) >= MAX_FIELDS:
            raise Invalid("Too many form fields.")
        if self._filename is not None:
            # The client's file name is kept only as metadata; the path is ours.
            self._path = self.scratch_dir / f"upload-{uuid.uuid4().hex}"
            self._out = self._path.open("xb")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._out is not None:
            self._size += len(chunk)
            if self._size > self.max_file_bytes:
                raise PayloadTooLarge(
                    f"The upload is larger than the limit of {self.max_file_bytes} bytes."
                )
            self._hash.update(chunk)
            self._out.write(chunk)
        else:
            self._buf += chunk
            if len(self._buf) > MAX_FIELD_BYTES:
                raise PayloadTooLarge(f"The form field {self._name!r} is too large.")

    def part_end(self) -> None:
        if self._out is not None and self._path is not None:
            self._out.close()
            self._out = None
            self.form.files[self._name] = UploadedFile(
                self._path, self._filename, self._size, self._hash.hexdigest()
            )
        else:
            self.form.fields[self._name] = self._buf.decode("utf-8", "replace")

    def abort(self) -> None:
        if self._out is not None:
            self._out.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self.form.discard()


async def read_multipart(request: Request, scratch_dir: Path, max_file_bytes: int) -> MultipartForm:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise Invalid("Send the upload as multipart/form-data.", code="not_multipart")
    declared = request.headers.get("content-length")
    if (
        declared
        and declared.isdigit()
        and int(declared) > max_file_bytes + MAX_FIELDS * MAX_FIELD_BYTES
    ):
        raise PayloadTooLarge(f"The upload is larger than the limit of {max_file_bytes} bytes.")
    scratch_dir.mkdir(parents=True, exist_ok=True)
    collector = _Collector(scratch_dir, max_file_bytes)
    parser = MultipartParser(params[b"boundary"], collector.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except BaseException as exc:
        collector.abort()
        if isinstance(exc, (Invalid, PayloadTooLarge)):
            raise
        if isinstance(exc, Exception):
            raise Invalid(
                f"The multipart body could not be read: {exc}", code="bad_multipart"
            ) from exc
        raise
    return collector.form
