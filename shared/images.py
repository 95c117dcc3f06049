"""Story images made safe to publish (used by `ops import`, and by the staff upload when it exists).

Photographs (JPEG, PNG, WebP) are decoded and drawn again from their pixels alone, then encoded
afresh with Pillow: no EXIF (GPS position, camera, time, orientation), XMP, IPTC, comments, ICC
profile or embedded thumbnail survives, whatever the file carried. They are turned upright first (as
the EXIF orientation said), scaled to at most `MAX_SIDE` pixels on the long side, and refused when
OpenCV's bundled detectors (opencv-python-headless 4.x Haar cascades: frontal and profile, both
ways) find a face.

SVG drawings are parsed and written again with only what a drawing needs: no script, event
handler, `foreignObject`, embedded or linked image, link, animation, external reference (`href`
other than `#id`), CSS `url()` to anything but `#id` or `@import`, DOCTYPE or entity. Comments,
metadata and editors' private attributes are dropped. The text a drawing shows (title, desc, text)
is returned so that the privacy gate can read it.

Refusals raise `ImageRefused` with a reason a case worker can act on.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_SIDE = 1600  # pixels, the long side of a published photograph
DETECT_SIDE = 1024  # faces are looked for on a copy this size (faces under ~2% of the side are missed)
MAX_INPUT_BYTES = 30 * 1024 * 1024
MAX_INPUT_PIXELS = 80_000_000
JPEG_QUALITY = 85

PHOTO_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "SVG": "image/svg+xml"}


class ImageRefused(ValueError):
    """An image that may not be published, and why."""


@dataclass(frozen=True)
class SafeImage:
    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None
    texts: tuple[str, ...] = field(default=())  # what an SVG shows as text: for the privacy gate


def make_safe(data: bytes, filename: str) -> SafeImage:
    """The publishable version of an image file, in the format its name says (JPEG, PNG, WebP, SVG)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if len(data) > MAX_INPUT_BYTES:
        raise ImageRefused(f"the file is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
    if ext == "svg":
        return sanitise_svg(data)
    if ext in PHOTO_FORMATS:
        return safe_photo(data, PHOTO_FORMATS[ext])
    raise ImageRefused(f"'.{ext}' files are not accepted: use JPEG, PNG or WebP photographs, or SVG drawings")


# ------------------------------------------------------------------ photographs
def safe_photo(data: bytes, out_format: str = "JPEG") -> SafeImage:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.format not in ("JPEG", "PNG", "WEBP"):
                raise ImageRefused(f"it is a {source.format} image: use JPEG, PNG or WebP")
            if source.width * source.height > MAX_INPUT_PIXELS:
                raise ImageRefused(f"it has more than {MAX_INPUT_PIXELS // 1_000_000} million pixels")
            source.seek(0)  # the first frame of an animation only
            upright = ImageOps.exif_transpose(source)  # as the camera meant it, before the orientation tag goes
            has_alpha = "A" in upright.getbands() or "transparency" in upright.info
            pixels = upright.convert("RGBA" if has_alpha and out_format != "JPEG" else "RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageRefused):
            raise
        raise ImageRefused("it could not be read as a JPEG, PNG or WebP image") from None
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    face = find_face(pixels)
    if face:
        raise ImageRefused(
            f"a face was found ({face}): publish no photograph of a person's face; use a drawing, or a photograph without people"
        )
    # A new image made of the pixels alone: nothing of the file's metadata is carried into it.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if out_format == "JPEG":
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif out_format == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=JPEG_QUALITY, method=4)
    return SafeImage(out.getvalue(), CONTENT_TYPES[out_format], clean.width, clean.height)


@lru_cache(maxsize=1)
def _detectors():
    import cv2

    base = cv2.data.haarcascades  # type: ignore[attr-defined]  # the 4.x wheels ship the cascades
    frontal = cv2.CascadeClassifier(base + "haarcascade_frontalface_alt2.xml")
    profile = cv2.CascadeClassifier(base + "haarcascade_profileface.xml")
    if frontal.empty() or profile.empty():
        raise RuntimeError("OpenCV's face cascades are missing (opencv-python-headless 4.x ships them; 5.x does not)")
    return frontal, profile


def find_face(image) -> str | None:
    """Which detector found a face in a Pillow image ("frontal", "profile"), or None: frontal, then in
    profile facing either way."""
    import cv2  # noqa: F401  (loads the detectors' library)
    import numpy as np

    copy = image.convert("L")
    copy.thumbnail((DETECT_SIDE, DETECT_SIDE))
    gray = np.asarray(copy)
    frontal, profile = _detectors()
    # A candidate must be found at 8 neighbouring positions and scales: true faces in scikit-image's
    # samples gather 27-39, the textures that fool the cascades (coffee, coins) at most 6-9.
    options = {"scaleFactor": 1.1, "minNeighbors": 8, "minSize": (20, 20)}
    if len(frontal.detectMultiScale(gray, **options)):
        return "frontal"
    if len(profile.detectMultiScale(gray, **options)) or len(profile.detectMultiScale(np.ascontiguousarray(gray[:, ::-1]), **options)):
        return "profile"
    return None


# ------------------------------------------------------------------ SVG drawings
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ALLOWED_ELEMENTS = {
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "pattern",
    "symbol",
    "use",
    "marker",
    "filter",
    "feGaussianBlur",
    "feOffset",
    "feBlend",
    "feColorMatrix",
    "feMerge",
    "feMergeNode",
    "feFlood",
    "feComposite",
    "style",
}
DROPPED_ELEMENTS = {"metadata"}
REFUSED_ELEMENTS = {
    "script": "a script",
    "foreignObject": "a foreignObject (embedded HTML)",
    "image": "an embedded or linked image",
    "a": "a link",
    "iframe": "an embedded page",
    "embed": "embedded content",
    "object": "embedded content",
    "animate": "an animation",
    "set": "an animation",
    "animateTransform": "an animation",
    "animateMotion": "an animation",
    "feImage": "an embedded or linked image",
    "audio": "sound",
    "video": "video",
    "handler": "a script",
    "listener": "a script",
}
TEXT_ELEMENTS = {"title", "desc", "text", "tspan", "textPath"}
_URL = re.compile(r"(?i)url\s*\(\s*(['\"]?)\s*(?P<target>[^'\")\s]*)")
_ACTIVE = re.compile(r"(?i)javascript:|vbscript:|data:|expression\s*\(|@import|behavior\s*:|-moz-binding")


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _check_value(where: str, value: str) -> None:
    if _ACTIVE.search(value):
        raise ImageRefused(f"the drawing carries active content ({where}): remove scripts and external references")
    for m in _URL.finditer(value):
        if not m["target"].startswith("#"):
            raise ImageRefused(f"the drawing refers to an outside resource with CSS url() ({where})")


def sanitise_svg(data: bytes) -> SafeImage:
    import xml.etree.ElementTree as ET  # for writing the cleaned tree back

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring as parse_safely

    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ImageRefused("the drawing declares a DOCTYPE or entities: save it as plain SVG")
    try:
        root = parse_safely(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ImageRefused("the drawing declares a DOCTYPE or entities: save it as plain SVG") from None
    except ET.ParseError:
        raise ImageRefused("the drawing is not well-formed SVG") from None
    ns, name = _local(root.tag)
    if ns != SVG_NS or name != "svg":
        raise ImageRefused("the file is not an SVG drawing (its root element must be <svg> in the SVG namespace)")
    texts: list[str] = []

    def clean(element) -> None:
        for child in list(element):
            if not isinstance(child.tag, str):  # comments and processing instructions
                element.remove(child)
                continue
            ns, name = _local(child.tag)
            if name in REFUSED_ELEMENTS:
                raise ImageRefused(f"the drawing contains {REFUSED_ELEMENTS[name]} (<{name}>): remove it")
            if ns != SVG_NS or name in DROPPED_ELEMENTS:
                element.remove(child)  # editors' private elements (Inkscape, Sodipodi), metadata
                continue
            if name not in ALLOWED_ELEMENTS:
                raise ImageRefused(f"the drawing contains <{name}>, which is not accepted in a story image")
            clean(child)
        ns, name = _local(element.tag)
        for attr, value in list(element.attrib.items()):
            attr_ns, attr_name = _local(attr)
            if attr_name.lower().startswith("on"):
                raise ImageRefused(f"the drawing has an event handler ({attr_name} on <{name}>): remove it")
            if attr_name == "href":
                if not value.strip().startswith("#"):
                    raise ImageRefused(f"the drawing links to an outside resource (href on <{name}>): remove it")
            elif attr_ns not in ("", XML_NS):
                del element.attrib[attr]  # editors' private attributes
                continue
            _check_value(f"{attr_name} on <{name}>", value)
        if name == "style":
            _check_value("<style>", element.text or "")
        if name in TEXT_ELEMENTS:
            texts.append(" ".join("".join(element.itertext()).split()))

    clean(root)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    out = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return SafeImage(out, CONTENT_TYPES["SVG"], texts=tuple(t for t in texts if t))
