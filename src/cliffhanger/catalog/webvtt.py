"""Checking WebVTT, converting SRT to WebVTT, and writing HLS subtitle playlists (pure functions).

The checker follows the WebVTT file structure (W3C WebVTT, section 4) closely enough to refuse
what players choke on: a missing `WEBVTT` signature, malformed or reversed cue timings, cues out
of order, cues past the end of the episode. Errors name the line so the studio can fix the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cliffhanger.kit.errors import Invalid

MAX_SUBTITLE_BYTES = 512 * 1024
MAX_CUES = 5000
MAX_CUE_CHARS = 1000
END_TOLERANCE_S = 0.5
"""A cue may end this much after the episode's measured duration (rounding in editors)."""

_TS = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TS = re.compile(rf"^{_TS}$")
_TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$")
_SRT_TS = re.compile(r"^(\d{1,3}):([0-5]?\d):([0-5]?\d)[,.](\d{1,3})$")
_SRT_TIMING = re.compile(r"^\s*(\S+)\s*-->\s*(\S+)(?:\s+.*)?$")
_SRT_ALLOWED_TAG = re.compile(r"</?(?:b|i|u)>", re.IGNORECASE)
_SRT_DROPPED_TAG = re.compile(r"</?font(?:\s[^>]*)?>", re.IGNORECASE)
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_ENTITY = re.compile(r"&(?:amp|lt|gt|lrm|rlm|nbsp|#\d{1,7}|#x[0-9A-Fa-f]{1,6});")


def _bad(line: int | None, message: str) -> Invalid:
    where = f"Line {line}: " if line else ""
    extra = {"line": line} if line else {}
    return Invalid(where + message, field="file", code="bad_subtitles", **extra)


@dataclass(frozen=True)
class Cue:
    line: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CheckedVtt:
    text: str
    """The WebVTT text as stored: UTF-8 without BOM, LF line ends, no X-TIMESTAMP-MAP."""
    cues: tuple[Cue, ...]


def decode(data: bytes) -> str:
    """UTF-8 text (BOM dropped, line ends normalised to LF); `Invalid` for anything else."""
    if len(data) == 0:
        raise _bad(None, "The subtitle file is empty.")
    if len(data) > MAX_SUBTITLE_BYTES:
        raise _bad(None, f"The subtitle file is larger than {MAX_SUBTITLE_BYTES // 1024} KB.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _bad(None, "The subtitle file is UTF-16; save it as UTF-8.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _bad(line, "the file is not valid UTF-8; save it as UTF-8.") from exc
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise _bad(None, "The subtitle file contains NUL characters.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _vtt_seconds(value: str) -> float | None:
    m = _VTT_TS.match(value)
    if not m:
        return None
    hours, minutes, seconds, millis = m.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def check_cues(cues: list[Cue], duration_s: float) -> None:
    if not cues:
        raise _bad(None, "The file has no cues.")
    if len(cues) > MAX_CUES:
        raise _bad(None, f"The file has more than {MAX_CUES} cues.")
    previous: Cue | None = None
    for cue in cues:
        if cue.end_s <= cue.start_s:
            raise _bad(cue.line, f"the cue ends ({_fmt(cue.end_s)}) before it starts "
                                 f"({_fmt(cue.start_s)}).")
        if previous is not None and cue.start_s < previous.start_s:
            raise _bad(cue.line, f"the cue starts at {_fmt(cue.start_s)}, before the previous cue "
                                 f"(line {previous.line}, {_fmt(previous.start_s)}); cues must be "
                                 "in time order.")
        if cue.end_s > duration_s + END_TOLERANCE_S:
            raise _bad(cue.line, f"the cue ends at {_fmt(cue.end_s)}, after the end of the episode "
                                 f"({_fmt(duration_s)}).")
        previous = cue


def check_webvtt(text: str, duration_s: float) -> CheckedVtt:
    """Check WebVTT text against an episode of `duration_s`; returns the text to store."""
    lines = text.split("\n")
    first = lines[0]
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise _bad(1, "a WebVTT file must start with the line WEBVTT.")
    kept = [first]
    i = 1
    # Header lines up to the first blank line; an HLS timestamp map is ours to write.
    while i < len(lines) and lines[i].strip():
        if "-->" in lines[i]:
            raise _bad(i + 1, "a blank line must separate the WEBVTT header from the first cue.")
        if not lines[i].startswith("X-TIMESTAMP-MAP"):
            kept.append(lines[i])
        i += 1
    cues: list[Cue] = []
    while i < len(lines):
        if not lines[i].strip():
            kept.append("")
            i += 1
            continue
        start = i
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        kept.extend(block)
        head = block[0]
        if head == "NOTE" or head.startswith(("NOTE ", "NOTE\t")):
            continue
        if head.strip() in ("STYLE", "REGION"):
            if cues:
                raise _bad(start + 1, f"{head.strip()} blocks must come before the first cue.")
            continue
        timing_at = 0 if "-->" in head else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise _bad(start + 1 + timing_at,
                       "expected a cue timing line like 00:00:01.000 --> 00:00:03.500.")
        line_no = start + 1 + timing_at
        m = _TIMING.match(block[timing_at].strip())
        begin = _vtt_seconds(m.group(1)) if m else None
        end = _vtt_seconds(m.group(2)) if m else None
        if m is None or begin is None or end is None:
            raise _bad(line_no, f"malformed cue timing {block[timing_at].strip()!r}; expected "
                                "HH:MM:SS.mmm --> HH:MM:SS.mmm.")
        body = block[timing_at + 1:]
        for offset, text_line in enumerate(body):
            if "-->" in text_line:
                raise _bad(line_no + 1 + offset, "cue text must not contain -->; is a blank line "
                                                 "missing between two cues?")
        if sum(len(t) for t in body) > MAX_CUE_CHARS:
            raise _bad(line_no, f"the cue text is longer than {MAX_CUE_CHARS} characters.")
        cues.append(Cue(line_no, begin, end))
    check_cues(cues, duration_s)
    stored = "\n".join(kept).rstrip("\n") + "\n"
    return CheckedVtt(stored, tuple(cues))


def _srt_seconds(value: str) -> float | None:
    m = _SRT_TS.match(value)
    if not m:
        return None
    hours, minutes, seconds, millis = m.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000


def _fmt(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _srt_text(line: str) -> str:
    """One SRT text line as WebVTT cue text: b/i/u kept, font tags and {\\an8} codes dropped,
    stray `<` and `&` escaped."""
    line = _ASS_OVERRIDE.sub("", _SRT_DROPPED_TAG.sub("", line))
    out: list[str] = []
    pos = 0
    while pos < len(line):
        tag = _SRT_ALLOWED_TAG.match(line, pos)
        if tag:
            out.append(tag.group(0).lower())
            pos = tag.end()
            continue
        entity = _ENTITY.match(line, pos)
        if entity:
            out.append(entity.group(0))
            pos = entity.end()
            continue
        ch = line[pos]
        out.append("&lt;" if ch == "<" else "&gt;" if ch == ">" else "&amp;" if ch == "&" else ch)
        pos += 1
    return "".join(out)


def srt_to_webvtt(text: str, duration_s: float) -> CheckedVtt:
    """Convert SubRip text to WebVTT, checking it on the way (errors name SRT lines)."""
    lines = text.split("\n")
    cues: list[Cue] = []
    blocks: list[tuple[float, float, list[str]]] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        start = i
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        timing_at = 1 if block[0].strip().isdigit() else 0
        line_no = start + 1 + timing_at
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise _bad(line_no, "expected an SRT timing line like 00:00:01,000 --> 00:00:03,500.")
        m = _SRT_TIMING.match(block[timing_at])
        begin = _srt_seconds(m.group(1)) if m else None
        end = _srt_seconds(m.group(2)) if m else None
        if m is None or begin is None or end is None:
            raise _bad(line_no, f"malformed SRT timing {block[timing_at].strip()!r}; expected "
                                "HH:MM:SS,mmm --> HH:MM:SS,mmm.")
        body = [_srt_text(t).replace("-->", "--&gt;") for t in block[timing_at + 1:]]
        body = [t for t in body if t.strip()]
        if sum(len(t) for t in body) > MAX_CUE_CHARS:
            raise _bad(line_no, f"the cue text is longer than {MAX_CUE_CHARS} characters.")
        cues.append(Cue(line_no, begin, end))
        blocks.append((begin, end, body))
    check_cues(cues, duration_s)
    parts = ["WEBVTT", ""]
    for begin, end, body in blocks:
        parts += [f"{_fmt(begin)} --> {_fmt(end)}", *body, ""]
    vtt = "\n".join(parts)
    checked = check_webvtt(vtt, duration_s)  # the converter's own output must pass the checker
    return CheckedVtt(checked.text, checked.cues)


def looks_like_webvtt(text: str) -> bool:
    return text.startswith("WEBVTT")


def convert_upload(data: bytes, filename: str | None, duration_s: float) -> tuple[CheckedVtt, str]:
    """Checked WebVTT from an uploaded WebVTT or SRT file, and the source format (`vtt`/`srt`)."""
    text = decode(data)
    name = (filename or "").lower()
    if looks_like_webvtt(text):
        return check_webvtt(text, duration_s), "vtt"
    if name.endswith(".vtt"):
        return check_webvtt(text, duration_s), "vtt"  # raises: the signature is missing
    if name.endswith(".srt") or "-->" in text:
        return srt_to_webvtt(text, duration_s), "srt"
    raise _bad(None, "The file is neither WebVTT (starting with WEBVTT) nor SRT.")


# ----- publishing ----------------------------------------------------------------------------


def segment_text(vtt: str, mpegts: int | None) -> str:
    """The WebVTT as an HLS segment: an X-TIMESTAMP-MAP header ties cue time 0 to the first
    media timestamp of the video segments (RFC 8216, 3.5), so cues line up in every player."""
    if mpegts is None:
        return vtt
    first, _, rest = vtt.partition("\n")
    return f"{first}\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n{rest}"


def subtitle_playlist(segment_uri: str, duration_s: float) -> str:
    """A one-segment VOD media playlist for a WebVTT file."""
    target = max(1, int(-(-duration_s // 1)))
    return "\n".join([
        "#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", f"#EXTINF:{duration_s:.3f},",
        segment_uri, "#EXT-X-ENDLIST",
    ]) + "\n"


@dataclass(frozen=True)
class Rendition:
    lang: str
    name: str
    uri: str


_SUBS_ATTR = re.compile(r',SUBTITLES="[^"]*"')
GROUP_ID = "subs"


def with_subtitles(master: str, renditions: list[Rendition], default_lang: str | None) -> str:
    """The master playlist with one SUBTITLES rendition per language and every variant pointing
    at the group. Idempotent: subtitle renditions already present are replaced."""
    lines = [
        line for line in master.splitlines()
        if not line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")
    ]
    media = [
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{GROUP_ID}",LANGUAGE="{r.lang}",NAME="{r.name}",'
        f'DEFAULT={"YES" if r.lang == default_lang else "NO"},AUTOSELECT=YES,URI="{r.uri}"'
        for r in renditions
    ]
    out: list[str] = []
    inserted = not media
    for line in lines:
        if line.startswith("#EXT-X-STREAM-INF:"):
            if not inserted:
                out.extend(media)
                inserted = True
            line = _SUBS_ATTR.sub("", line)
            if renditions:
                line += f',SUBTITLES="{GROUP_ID}"'
        out.append(line)
    return "\n".join(out) + "\n"
