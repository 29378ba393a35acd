"""WebVTT checking and SRT conversion (pure functions, no database)."""

from __future__ import annotations

import pytest

from cliffhanger.catalog import webvtt
from cliffhanger.kit.errors import Invalid

GOOD = """WEBVTT - episode 1
Kind: captions

STYLE
::cue { color: yellow }

NOTE written by the studio

intro
00:00:01.000 --> 00:00:03.500 line:90%
Where were you <i>last night</i>?

00:04.000 --> 00:00:06.000
I can explain.
"""


def test_good_webvtt_is_kept_and_counted():
    checked = webvtt.check_webvtt(GOOD, duration_s=10.0)
    assert [(c.start_s, c.end_s) for c in checked.cues] == [(1.0, 3.5), (4.0, 6.0)]
    assert checked.text.startswith("WEBVTT - episode 1\nKind: captions\n")
    assert "Where were you <i>last night</i>?" in checked.text


def test_an_uploaded_timestamp_map_is_dropped_and_ours_added():
    text = ("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n"
            "00:01.000 --> 00:02.000\nHi\n")
    stored = webvtt.check_webvtt(text, 5).text
    assert "X-TIMESTAMP-MAP" not in stored
    segment = webvtt.segment_text(stored, 130080)
    assert segment.splitlines()[:2] == [
        "WEBVTT", "X-TIMESTAMP-MAP=MPEGTS:130080,LOCAL:00:00:00.000"]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("WEBVT\n\n00:01.000 --> 00:02.000\nx\n", 1, "must start with the line WEBVTT"),
    ("WEBVTT\n00:01.000 --> 00:02.000\nx\n", 2, "blank line must separate"),
    ("WEBVTT\n\n00:03.000 --> 00:02.000\nx\n", 3, "ends (00:00:02.000) before it starts"),
    ("WEBVTT\n\n00:03.000 --> 00:04.000\nx\n\n00:01.000 --> 00:02.000\ny\n", 6, "time order"),
    ("WEBVTT\n\n00:01.000 --> 00:12.000\nx\n", 3, "after the end of the episode"),
    ("WEBVTT\n\n00:01,000 --> 00:02,000\nx\n", 3, "malformed cue timing"),
    ("WEBVTT\n\n1:2:3.4 --> 00:02.000\nx\n", 3, "malformed cue timing"),
    ("WEBVTT\n\nid\nno timing here\n", 4, "expected a cue timing line"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n00:02.000 --> 00:03.000\ny\n", 5, "-->"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue {}\n", 6, "before the first cue"),
    ("WEBVTT\n\nNOTE nothing else\n", None, "no cues"),
])
def test_bad_webvtt_names_the_line(text, line, words):
    with pytest.raises(Invalid) as caught:
        webvtt.check_webvtt(text, duration_s=10.0)
    err = caught.value
    assert words in err.detail
    assert err.code == "bad_subtitles"
    assert err.extra.get("line") == line


def test_srt_is_converted_to_webvtt():
    srt = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n"
        "<i>Hello</i> & <font color=\"#ff0\">welcome</font>\r\n"
        "\r\n2\r\n00:00:03,250 --> 00:00:05,000 X1:10 X2:20 Y1:5 Y2:6\r\n{\\an8}Top line\r\n"
        "second <line> -> ok\r\n\r\n\r\n3\r\n0:00:06,5 --> 0:00:07,75\r\nlast\r\n"
    )
    vtt, fmt = webvtt.convert_upload(srt.encode("utf-8"), "ep1.srt", duration_s=10.0)
    assert fmt == "srt"
    assert vtt.text == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.500\n<i>Hello</i> &amp; welcome\n\n"
        "00:00:03.250 --> 00:00:05.000\nTop line\nsecond &lt;line&gt; -&gt; ok\n\n"
        "00:00:06.500 --> 00:00:07.750\nlast\n"
    )
    assert len(vtt.cues) == 3


@pytest.mark.parametrize(("srt", "line", "words"), [
    ("1\n00:00:01,000 -> 00:00:02,000\nx\n", 2, "expected an SRT timing line"),
    ("1\n00:00:01 --> 00:00:02,000\nx\n", 2, "malformed SRT timing"),
    ("1\n00:00:05,000 --> 00:00:02,000\nx\n", 2, "before it starts"),
    ("1\n00:00:05,000 --> 00:00:06,000\nx\n\n2\n00:00:01,000 --> 00:00:02,000\ny\n", 6,
     "time order"),
    ("1\n00:00:01,000 --> 00:00:30,000\nx\n", 2, "after the end of the episode"),
])
def test_bad_srt_names_the_srt_line(srt, line, words):
    with pytest.raises(Invalid) as caught:
        webvtt.convert_upload(srt.encode(), "x.srt", duration_s=10.0)
    assert words in caught.value.detail and caught.value.extra.get("line") == line


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"", "x.vtt", "empty"),
    (b"\xff\xfeW\x00E\x00", "x.vtt", "UTF-16"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\ncaf\xe9\n".encode("latin-1"), "x.vtt", "UTF-8"),
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\n\x00\n", "x.vtt", "NUL"),
    (b"x" * (webvtt.MAX_SUBTITLE_BYTES + 1), "x.vtt", "larger than"),
    (b"just some text", "notes.txt", "neither WebVTT"),
    (b"1\n00:00:01,000 --> 00:00:02,000\nx\n", "x.vtt", "must start with the line WEBVTT"),
])
def test_unreadable_files(data, name, words):
    with pytest.raises(Invalid) as caught:
        webvtt.convert_upload(data, name, duration_s=10.0)
    assert words in caught.value.detail


def test_master_playlist_gets_subtitle_renditions_idempotently():
    master = (
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=720x1280,CODECS="avc1.64001f,mp4a.40.2"\n'
        "720p/index.m3u8\n"
        '#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=360x640,CODECS="avc1.64001e,mp4a.40.2"\n'
        "360p/index.m3u8\n"
    )
    renditions = [webvtt.Rendition("en", "English", "subs/en-1.m3u8"),
                  webvtt.Rendition("pt-BR", "Português (Brasil)", "subs/pt-BR-2.m3u8")]
    once = webvtt.with_subtitles(master, renditions, "pt-BR")
    assert webvtt.with_subtitles(once, renditions, "pt-BR") == once
    import m3u8

    parsed = m3u8.loads(once)
    subs = [m for m in parsed.media if m.type == "SUBTITLES"]
    assert [(m.language, m.name, m.default, m.autoselect, m.uri, m.group_id) for m in subs] == [
        ("en", "English", "NO", "YES", "subs/en-1.m3u8", "subs"),
        ("pt-BR", "Português (Brasil)", "YES", "YES", "subs/pt-BR-2.m3u8", "subs"),
    ]
    assert [p.stream_info.subtitles for p in parsed.playlists] == ["subs", "subs"]
    assert [p.uri for p in parsed.playlists] == ["720p/index.m3u8", "360p/index.m3u8"]
    none = webvtt.with_subtitles(once, [], None)
    assert "SUBTITLES" not in none and m3u8.loads(none).playlists[0].uri == "720p/index.m3u8"
