"""Test photographs (scikit-image's bundled samples) carrying every kind of metadata a camera or an
editor writes, and readers that list what a stored file carries (JPEG segments, PNG chunks, WebP
chunks). The metadata holds a marker string, so a test can also check that none of it survives."""

from __future__ import annotations

import io
import struct

SECRET = "Kyaikkami-GPS-marker"
GPS = {"lat": (16.0, 29.0, 12.5), "lon": (97.0, 37.0, 4.0)}


def sample(name: str):
    """A scikit-image sample as a Pillow RGB image: astronaut (one face), coffee, chelsea, rocket (none)."""
    import skimage.data
    from PIL import Image

    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def _exif(orientation: int = 1) -> bytes:
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "FictionalCam"
    exif[ExifTags.Base.Artist] = SECRET
    exif[ExifTags.Base.ImageDescription] = f"taken at {SECRET}"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS["lat"]
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS["lon"]
    return exif.tobytes()


def _icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _xmp() -> bytes:
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="{SECRET}"/>'
        f"</rdf:RDF></x:xmpmeta>"
    ).encode()


def _iptc() -> bytes:
    caption = SECRET.encode()
    record = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption  # IPTC 2:120, caption
    block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    return b"Photoshop 3.0\x00" + block


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_metadata(image, orientation: int = 1) -> bytes:
    """JPEG with EXIF (GPS, camera, artist, orientation), ICC, a comment, XMP and IPTC."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=_exif(orientation), icc_profile=_icc(), comment=f"{SECRET} comment")
    data = out.getvalue()
    extra = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + _xmp()) + _segment(0xED, _iptc())
    return data[:2] + extra + data[2:]


def png_with_metadata(image) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    info.add_itxt("XML:com.adobe.xmp", _xmp().decode())
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=_exif(), icc_profile=_icc())
    return out.getvalue()


def webp_with_metadata(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", exif=_exif(), xmp=_xmp(), icc_profile=_icc())
    return out.getvalue()


# ------------------------------------------------------------------ what a file carries
def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment up to the scan."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    out, i = [], 2
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        out.append((marker, data[i + 4 : i + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        i += 2 + length
    return out


def png_chunks(data: bytes) -> list[str]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    out, i = [], 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        out.append(kind.decode("latin-1"))
        i += 12 + length
    return out


def webp_chunks(data: bytes) -> list[str]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP"
    out, i = [], 12
    while i < len(data):
        kind, length = struct.unpack("<4sI", data[i : i + 8])
        out.append(kind.decode("latin-1"))
        i += 8 + length + (length & 1)
    return out


def assert_no_metadata(data: bytes) -> None:
    """Nothing but the picture: no EXIF, XMP, IPTC, ICC, comment or thumbnail, and no trace of SECRET."""
    from PIL import Image

    assert SECRET.encode() not in data and b"FictionalCam" not in data
    with Image.open(io.BytesIO(data)) as img:
        fmt = img.format
        assert not img.getexif(), "EXIF survived"
        assert not ({"exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp", "Comment"} & set(img.info)), (
            f"metadata survived: {sorted(img.info)}"
        )
        if fmt == "JPEG":
            assert not img.applist or [m for m, _ in img.applist] == ["APP0"], img.applist
    if fmt == "JPEG":
        segments = jpeg_segments(data)
        markers = {m for m, _ in segments}
        assert markers <= {0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA}, sorted(hex(m) for m in markers)
        for marker, payload in segments:
            if marker == 0xE0:  # JFIF header only, without a thumbnail (its last two bytes: 0x0)
                assert payload[:5] == b"JFIF\x00" and payload[12:14] == b"\x00\x00", payload
    elif fmt == "PNG":
        assert set(png_chunks(data)) <= {"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}, png_chunks(data)
    elif fmt == "WEBP":
        assert set(webp_chunks(data)) <= {"VP8 ", "VP8L", "VP8X", "ALPH"}, webp_chunks(data)
    else:
        raise AssertionError(f"unexpected format {fmt}")
