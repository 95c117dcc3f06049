"""Story images made safe: photographs re-encoded with nothing but their pixels, refused when a face is
found; SVG drawings sanitised or refused, with reasons a case worker can act on."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shared.images import MAX_SIDE, ImageRefused, make_safe
from tests.photos import (
    GPS,
    SECRET,
    assert_no_metadata,
    jpeg_segments,
    jpeg_with_metadata,
    png_with_metadata,
    sample,
    webp_with_metadata,
)


@pytest.fixture(scope="module")
def coffee():
    return sample("coffee")


def test_the_test_photographs_really_carry_metadata(coffee):
    from PIL import ExifTags

    data = jpeg_with_metadata(coffee)
    with Image.open(io.BytesIO(data)) as img:
        gps = img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert tuple(float(v) for v in gps[ExifTags.GPS.GPSLatitude]) == GPS["lat"]
        assert {"icc_profile", "comment"} <= set(img.info)
    markers = {m for m, _ in jpeg_segments(data)}
    assert {0xE1, 0xE2, 0xED, 0xFE} <= markers  # EXIF and XMP, ICC, IPTC, comment
    with pytest.raises(AssertionError):
        assert_no_metadata(data)


@pytest.mark.parametrize(
    "make, name, content_type",
    [
        (jpeg_with_metadata, "photo.jpg", "image/jpeg"),
        (png_with_metadata, "photo.png", "image/png"),
        (webp_with_metadata, "photo.webp", "image/webp"),
    ],
)
def test_photographs_keep_nothing_but_the_picture(coffee, make, name, content_type):
    safe = make_safe(make(coffee), name)
    assert safe.content_type == content_type
    assert_no_metadata(safe.data)
    with Image.open(io.BytesIO(safe.data)) as img:
        assert img.size == coffee.size


def test_the_format_follows_the_file_name_whatever_came_in(coffee):
    safe = make_safe(png_with_metadata(coffee), "cover.jpg")
    assert safe.content_type == "image/jpeg" and safe.data[:2] == b"\xff\xd8"
    assert_no_metadata(safe.data)


def test_large_photographs_are_scaled_to_the_maximum(coffee):
    big = coffee.resize((coffee.width * 4, coffee.height * 4))  # 2400 x 1600
    safe = make_safe(jpeg_with_metadata(big), "big.jpg")
    assert max(safe.width, safe.height) == MAX_SIDE and safe.width == 1600 and safe.height == 1067


def test_the_picture_is_turned_upright_before_the_orientation_tag_goes(coffee):
    safe = make_safe(jpeg_with_metadata(coffee, orientation=6), "rotated.jpg")  # 6: rotate 90° clockwise
    assert (safe.width, safe.height) == (coffee.height, coffee.width)
    assert_no_metadata(safe.data)


def test_the_astronaut_is_refused_for_her_face():
    with pytest.raises(ImageRefused, match="a face was found"):
        make_safe(jpeg_with_metadata(sample("astronaut")), "astronaut.jpg")


def test_a_face_turned_sideways_by_exif_is_still_found():
    with pytest.raises(ImageRefused, match="face"):
        make_safe(jpeg_with_metadata(sample("astronaut").rotate(90, expand=True), orientation=6), "a.jpg")


@pytest.mark.parametrize("name, scale", [("coffee", 1), ("chelsea", 1), ("rocket", 1), ("coffee", 3)])
def test_photographs_without_people_pass(name, scale):
    image = sample(name)
    safe = make_safe(jpeg_with_metadata(image.resize((image.width * scale, image.height * scale))), f"{name}.jpg")
    assert safe.width and safe.content_type == "image/jpeg"


@pytest.mark.parametrize("scale", [0.5, 2])
def test_the_astronaut_is_refused_at_any_size(scale):
    image = sample("astronaut")
    with pytest.raises(ImageRefused, match="a face was found"):
        make_safe(png_with_metadata(image.resize((int(image.width * scale), int(image.height * scale)))), "a.png")


def test_a_face_in_profile_is_found():
    with pytest.raises(ImageRefused, match=r"a face was found \(profile\)"):  # the cameraman
        make_safe(jpeg_with_metadata(sample("camera")), "camera.jpg")


@pytest.mark.parametrize(
    "data, name, reason",
    [
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "x.gif", "not accepted"),
        (b"not an image at all", "x.jpg", "could not be read"),
        (
            (
                b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00"
                b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
            ),
            "x.png",
            "GIF image",
        ),
    ],
)
def test_other_files_are_refused_with_a_reason(data, name, reason):
    with pytest.raises(ImageRefused, match=reason):
        make_safe(data, name)


# ------------------------------------------------------------------ SVG
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">{}</svg>'


@pytest.mark.parametrize(
    "body, reason",
    [
        ("<script>alert(1)</script>", "a script"),
        ('<rect width="1" height="1" onclick="alert(1)"/>', "event handler"),
        ("<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>x</div></foreignObject>", "foreignObject"),
        ('<image href="https://example.org/face.jpg"/>', "image"),
        ('<use xlink:href="https://example.org/sprite.svg#a"/>', "outside resource"),
        ('<a href="https://example.org"><rect/></a>', "a link"),
        ('<rect style="fill:url(https://example.org/x.png)"/>', "CSS url"),
        ("<style>@import url(https://example.org/x.css);</style>", "active content"),
        ('<rect fill="url(&quot;http://example.org/p&quot;)"/>', "CSS url"),
        ('<set attributeName="href" to="javascript:alert(1)"/>', "animation"),
        ('<rect href="javascript:alert(1)"/>', "outside resource"),
    ],
)
def test_scripted_or_linked_drawings_are_refused(body, reason):
    with pytest.raises(ImageRefused, match=reason):
        make_safe(SVG.format(body).encode(), "drawing.svg")


def test_doctype_and_entities_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )
    with pytest.raises(ImageRefused, match="DOCTYPE"):
        make_safe(bomb, "bomb.svg")
    with pytest.raises(ImageRefused, match="not an SVG"):
        make_safe(b"<svg><rect/></svg>", "plain.svg")


def test_drawings_are_sanitised_and_their_text_returned():
    body = (
        "<!-- drawn by Noy at home --><metadata>camera GPS</metadata>"
        '<title>A boat at dawn</title><defs><linearGradient id="g"/></defs>'
        '<rect fill="url(#g)" inkscape:label="x" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"/>'
        '<use xlink:href="#g"/><text>Call 081-555-0142</text>'
    )
    safe = make_safe(SVG.format(body).encode(), "drawing.svg")
    out = safe.data.decode()
    assert safe.content_type == "image/svg+xml"
    assert "drawn by Noy" not in out and "metadata" not in out and "inkscape" not in out
    assert 'fill="url(#g)"' in out and 'xlink:href="#g"' in out
    assert safe.texts == ("A boat at dawn", "Call 081-555-0142")


def test_the_sample_drawings_pass():
    from pathlib import Path

    drawings = sorted((Path(__file__).resolve().parents[2] / "sample_data" / "images").glob("*/*.svg"))
    assert len(drawings) > 20
    for path in drawings:
        assert make_safe(path.read_bytes(), path.name).texts


def test_nothing_else_in_the_file_name_is_accepted():
    with pytest.raises(ImageRefused, match="not accepted"):
        make_safe(b"%PDF-1.4", "story.pdf")
    assert SECRET  # the marker the metadata checks look for
