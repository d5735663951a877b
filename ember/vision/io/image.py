"""Reading, writing, encoding and decoding images (torchvision.io's image part), through Pillow.

Encoded images are 1-D ``uint8`` tensors of the file's bytes; decoded images are ``uint8`` tensors ``[C, H, W]``
(``uint16`` for 16-bit grayscale PNGs). The codecs are Pillow's (libjpeg-turbo, libpng/zlib, libwebp), which is
what torchvision's compiled decoders wrap too. Files and Pillow live on the host, hence NumPy here, not ``xp``.
"""

import io as _pyio
import os
from enum import Enum

import numpy as np

from ember._tensor import Tensor, wrap
from ember.vision.transforms.functional import _pil_image

__all__ = [
    "ImageReadMode", "decode_avif", "decode_gif", "decode_heic", "decode_image", "decode_jpeg", "decode_png",
    "decode_webp", "encode_jpeg", "encode_png", "read_file", "read_image", "write_file", "write_jpeg", "write_png",
]


class ImageReadMode(Enum):
    """How a decoder lays out the channels of the image it returns.

    ``UNCHANGED`` keeps the file's own channels; ``GRAY`` (1), ``GRAY_ALPHA`` (2), ``RGB`` (3) and ``RGB_ALPHA``
    (4, alias ``RGBA``) convert to that many channels. The decoders also take the names as strings (any case).

    Example::

        >>> decode_image(data, mode=ImageReadMode.GRAY).shape[0]
        1
    """

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


def _pil():
    """PIL.Image, or a helpful ImportError (Pillow is an optional dependency)."""
    Image = _pil_image()
    if Image is None:
        raise ImportError("ember.vision.io needs pillow to encode and decode images: pip install pillow")
    return Image


def _mode(mode):
    return ImageReadMode[mode.upper()] if isinstance(mode, str) else mode


# ----------------------------------------------------------------------------- raw bytes
def read_file(path):
    """The bytes of a file as a 1-D ``uint8`` tensor.

    Args:
        path: the file's path.

    Returns:
        ``uint8`` tensor ``[num_bytes]``.

    Example::

        >>> data = read_file("cat.jpg")
        >>> data.dtype, data.dim()
        (ember.uint8, 1)
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise RuntimeError(f"[Errno {exc.errno}] {exc.strerror}: '{path}'") from None
    if not raw:
        raise RuntimeError("Expected a non empty file")
    return wrap(np.frombuffer(raw, np.uint8).copy())


def write_file(filename, data):
    """Write a 1-D ``uint8`` tensor's bytes to a file (overwriting it).

    Args:
        filename: the file's path.
        data: ``uint8`` tensor ``[num_bytes]``, e.g. from :func:`encode_png`.

    Example::

        >>> write_file("cat.png", encode_png(img))
    """
    if not isinstance(data, Tensor) or data._data.dtype != np.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if data.dim() != 1:
        raise RuntimeError("Input data should be a 1-dimensional tensor")
    with open(os.fspath(filename), "wb") as f:
        f.write(np.ascontiguousarray(data._data).tobytes())


def _encoded_bytes(data):
    """The bytes of an encoded image tensor, checked as torchvision's decoders check them."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Expected the encoded image as an ember.Tensor, got {type(data)}")
    if not data.is_contiguous():
        raise RuntimeError("Input tensor must be contiguous.")
    if data._data.dtype != np.uint8:
        raise RuntimeError(f"Input tensor must have uint8 data type, got {data.dtype}")
    if data.dim() != 1 or data.numel() == 0:
        raise RuntimeError(f"Input tensor must be 1-dimensional and non-empty, got {data.dim()} dims  and "
                           f"{data.numel()} numels.")
    return data._data.tobytes()


# ----------------------------------------------------------------------------- decoding
def _kind(raw):
    if raw[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if raw[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if raw[:4] == b"GIF8":
        return "gif"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "webp"
    return None


def _open(raw, what):
    Image = _pil()
    try:
        img = Image.open(_pyio.BytesIO(raw))
        img.load()
    except Exception as exc:  # Pillow raises several types for corrupt data; torchvision raises RuntimeError
        raise RuntimeError(f"Could not decode the {what} data: {exc}") from None
    return img


def _chw(arr):
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def _has_alpha(img):
    return img.mode in ("LA", "RGBA", "PA", "La", "RGBa") or (img.mode in ("P", "L", "RGB")
                                                               and "transparency" in img.info)


def _convert(img, mode, allowed, what):
    """``img`` converted to what ``mode`` asks for, as a ``[C, H, W]`` tensor."""
    if mode not in allowed:
        raise RuntimeError(f"The provided mode is not supported for {what} files")
    if mode == ImageReadMode.UNCHANGED:
        if img.mode in ("P", "PA"):  # palettes expand to their colours (with alpha when there is transparency)
            img = img.convert("RGBA" if _has_alpha(img) else "RGB")
        elif img.mode in ("1", "CMYK", "YCbCr", "La", "RGBa", "RGBX"):
            img = img.convert({"1": "L", "La": "LA"}.get(img.mode, "RGB"))
        elif img.mode in ("L", "RGB") and "transparency" in img.info:
            img = img.convert("LA" if img.mode == "L" else "RGBA")
    else:
        target = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
                  ImageReadMode.RGB_ALPHA: "RGBA"}[mode]
        if img.mode != target:
            img = img.convert(target)
    return _chw(np.asarray(img))


def _orient(img, apply_exif_orientation):
    if not apply_exif_orientation:
        return img
    from PIL import ImageOps
    return ImageOps.exif_transpose(img)


_JPEG_MODES = (ImageReadMode.UNCHANGED, ImageReadMode.GRAY, ImageReadMode.RGB)
_ALL_MODES = tuple(ImageReadMode)
_RGB_MODES = (ImageReadMode.UNCHANGED, ImageReadMode.RGB, ImageReadMode.RGB_ALPHA)


def _decode_jpeg_one(data, mode, apply_exif_orientation):
    if not isinstance(data, Tensor) or data.device.type != "cpu":
        raise ValueError("Input tensor must be a CPU tensor")
    raw = _encoded_bytes(data)
    if _kind(raw) != "jpeg":
        raise RuntimeError(f"Not a JPEG file: starts with 0x{raw[0]:02x} 0x{raw[1] if len(raw) > 1 else 0:02x}")
    if mode not in _JPEG_MODES:
        raise RuntimeError("The provided mode is not supported for JPEG files")
    Image = _pil()
    img = Image.open(_pyio.BytesIO(raw))
    if mode == ImageReadMode.GRAY:
        img.draft("L", img.size)  # libjpeg converts to grayscale while decoding, as torchvision's decoder does
    try:
        img.load()
    except Exception as exc:
        raise RuntimeError(f"Could not decode the JPEG data: {exc}") from None
    return _convert(_orient(img, apply_exif_orientation), mode, _JPEG_MODES, "JPEG")


def decode_jpeg(input, mode=ImageReadMode.UNCHANGED, device="cpu", apply_exif_orientation=False):  # noqa: A002
    """Decode JPEG bytes into a ``uint8`` image tensor ``[C, H, W]`` (or a list of them).

    Args:
        input: 1-D ``uint8`` tensor of the JPEG bytes, or a list of such tensors.
        mode: an :class:`ImageReadMode` (``UNCHANGED``, ``GRAY`` or ``RGB``) or its name.
        device: where the result goes; ember decodes on the CPU only.
        apply_exif_orientation: rotate/flip as the EXIF orientation tag says.

    Returns:
        ``uint8`` tensor ``[C, H, W]``, or a list of them for a list input.

    Example::

        >>> decode_jpeg(encode_jpeg(ember.zeros(3, 8, 8, dtype=ember.uint8))).shape
        ember.Size([3, 8, 8])
    """
    mode = _mode(mode)
    device = str(device)
    if device.split(":")[0] != "cpu":
        raise RuntimeError(f"ember decodes JPEG images on the CPU only, got device={device!r}")
    if isinstance(input, list):
        if len(input) == 0:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        if not all(t.device.type == "cpu" for t in input):
            raise ValueError("Input list must contain tensors on CPU.")
        return [_decode_jpeg_one(t, mode, apply_exif_orientation) for t in input]
    return _decode_jpeg_one(input, mode, apply_exif_orientation)


def _decode_png_raw(raw, mode, apply_exif_orientation):
    if _kind(raw) != "png":
        raise RuntimeError("Content is not png")
    bit_depth, color_type = raw[24], raw[25]
    img = _orient(_open(raw, "PNG"), apply_exif_orientation)
    if bit_depth == 16:
        # Pillow keeps 16 bits for grayscale only (mode "I;16"/"I"); colour PNGs would silently lose 8 bits.
        if color_type != 0:
            raise NotImplementedError("ember decodes 16-bit PNGs only when they are grayscale without alpha")
        if mode not in (ImageReadMode.UNCHANGED, ImageReadMode.GRAY):
            raise NotImplementedError("ember decodes 16-bit grayscale PNGs only with mode UNCHANGED or GRAY")
        return _chw(np.asarray(img).astype(np.uint16))
    return _convert(img, mode, _ALL_MODES, "PNG")


def decode_png(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):  # noqa: A002
    """Decode PNG bytes into an image tensor ``[C, H, W]`` (``uint8``, ``uint16`` for 16-bit grayscale).

    Args:
        input: 1-D ``uint8`` tensor of the PNG bytes.
        mode: an :class:`ImageReadMode` or its name; palettes expand to RGB (RGBA with transparency).
        apply_exif_orientation: rotate/flip as the EXIF orientation tag says.

    Example::

        >>> decode_png(encode_png(ember.zeros(1, 4, 5, dtype=ember.uint8))).shape
        ember.Size([1, 4, 5])
    """
    return _decode_png_raw(_encoded_bytes(input), _mode(mode), apply_exif_orientation)


def decode_webp(input, mode=ImageReadMode.UNCHANGED):  # noqa: A002
    """Decode WebP bytes into a ``uint8`` image tensor ``[C, H, W]`` (3 channels, 4 with alpha).

    Args:
        input: 1-D ``uint8`` tensor of the WebP bytes.
        mode: ``UNCHANGED``, ``RGB`` or ``RGB_ALPHA`` (an :class:`ImageReadMode` or its name).

    Example::

        >>> decode_webp(read_file("cat.webp")).shape[0]
        3
    """
    mode = _mode(mode)
    raw = _encoded_bytes(input)
    if _kind(raw) != "webp":
        raise RuntimeError("Input is not a WebP image")
    return _decode_webp_raw(raw, mode)


def _decode_webp_raw(raw, mode):
    if mode not in _RGB_MODES:
        raise RuntimeError(f"Unsupported mode for WebP decoding: {mode}")
    img = _open(raw, "WebP")
    return _convert(img.convert("RGBA" if _has_alpha(img) else "RGB"), mode, _RGB_MODES, "WebP")


def _decode_gif_raw(raw):
    img = _open(raw, "GIF")
    frames = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        frames.append(np.asarray(img.convert("RGB")).transpose(2, 0, 1))
    out = np.stack(frames) if len(frames) > 1 else frames[0]
    return wrap(np.ascontiguousarray(out))


def decode_gif(input):  # noqa: A002
    """Decode GIF bytes into a ``uint8`` RGB tensor: ``[3, H, W]``, or ``[N, 3, H, W]`` for an animated GIF.

    Args:
        input: 1-D ``uint8`` tensor of the GIF bytes.

    Example::

        >>> decode_gif(read_file("anim.gif")).shape
        ember.Size([10, 3, 32, 32])
    """
    raw = _encoded_bytes(input)
    if _kind(raw) != "gif":
        raise RuntimeError("Input is not a GIF image")
    return _decode_gif_raw(raw)


def decode_avif(input, mode=ImageReadMode.UNCHANGED):  # noqa: A002
    """Decode AVIF bytes into a ``uint8`` image tensor ``[C, H, W]`` (needs a Pillow built with AVIF support).

    Args:
        input: 1-D ``uint8`` tensor of the AVIF bytes.
        mode: ``UNCHANGED``, ``RGB`` or ``RGB_ALPHA`` (an :class:`ImageReadMode` or its name).

    Example::

        >>> decode_avif(read_file("cat.avif")).shape[0]
        3
    """
    from PIL import features
    _pil()
    if not features.check("avif"):
        raise RuntimeError("decode_avif needs a Pillow built with AVIF support (pip install -U pillow)")
    if isinstance(input, Tensor) and input._data.dtype != np.uint8:
        raise RuntimeError(f"Input tensor must have uint8 data type, got {input.dtype}")
    mode = _mode(mode)
    if mode not in _RGB_MODES:
        raise RuntimeError(f"Unsupported mode for AVIF decoding: {mode}")
    img = _open(_encoded_bytes(input), "AVIF")
    return _convert(img.convert("RGBA" if _has_alpha(img) else "RGB"), mode, _RGB_MODES, "AVIF")


def decode_heic(input, mode=ImageReadMode.UNCHANGED):  # noqa: A002
    """HEIC decoding is not available in ember: Pillow has no HEIC codec of its own.

    Raises:
        RuntimeError: always (convert the images to PNG/JPEG/WebP first).
    """
    raise RuntimeError("ember cannot decode HEIC images: Pillow has no HEIC codec. Convert them to PNG, JPEG or "
                       "WebP first.")


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):  # noqa: A002
    """Decode a JPEG, PNG, GIF or WebP image (from bytes or a path) into an image tensor ``[C, H, W]``.

    Args:
        input: 1-D ``uint8`` tensor of the encoded bytes, or a path to the file.
        mode: an :class:`ImageReadMode` or its name, e.g. ``"RGB"``.
        apply_exif_orientation: rotate/flip JPEG and PNG images as their EXIF orientation tag says.

    Returns:
        ``uint8`` tensor ``[C, H, W]`` (``[N, 3, H, W]`` for animated GIFs, ``uint16`` for 16-bit PNGs).

    Example::

        >>> decode_image(encode_png(ember.zeros(3, 4, 5, dtype=ember.uint8)), mode="GRAY").shape
        ember.Size([1, 4, 5])
    """
    if not isinstance(input, Tensor):
        input = read_file(str(input))  # noqa: A001
    mode = _mode(mode)
    raw = _encoded_bytes(input)
    kind = _kind(raw)
    if kind == "jpeg":
        return _decode_jpeg_one(input, mode, apply_exif_orientation)
    if kind == "png":
        return _decode_png_raw(raw, mode, apply_exif_orientation)
    if kind == "gif":
        return _decode_gif_raw(raw)
    if kind == "webp":
        return _decode_webp_raw(raw, mode)
    raise RuntimeError("Unsupported image file. Only jpeg, png, webp and gif are currently supported. For avif "
                       "and heic format, please rely on `decode_avif` and `decode_heic` directly.")


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """Read and decode a JPEG, PNG, GIF or WebP file into an image tensor ``[C, H, W]``.

    Args:
        path: the file's path.
        mode: an :class:`ImageReadMode` or its name.
        apply_exif_orientation: rotate/flip as the EXIF orientation tag says.

    Example::

        >>> img = read_image("cat.jpg", mode=ImageReadMode.RGB)
        >>> img.dtype
        ember.uint8
    """
    return decode_image(read_file(path), mode, apply_exif_orientation)


# ----------------------------------------------------------------------------- encoding
def _image_array(image):
    """A ``uint8`` ``[C, H, W]`` tensor (C in 1, 3) as the ``[H, W(, C)]`` array Pillow takes."""
    if not isinstance(image, Tensor):
        raise TypeError(f"Expected an ember.Tensor image, got {type(image)}")
    if image.device.type != "cpu":
        raise RuntimeError("Input tensor should be on CPU")
    if image._data.dtype != np.uint8:
        raise RuntimeError("Input tensor dtype should be uint8")
    if image.dim() != 3:
        raise RuntimeError("Input data should be a 3-dimensional tensor")
    c = image.shape[0]
    if c not in (1, 3):
        raise RuntimeError(f"The number of channels should be 1 or 3, got: {c}")
    arr = image._data
    return np.ascontiguousarray(arr[0] if c == 1 else arr.transpose(1, 2, 0))


def _encode(image, fmt, **params):
    buf = _pyio.BytesIO()
    _pil().fromarray(_image_array(image)).save(buf, format=fmt, **params)
    return wrap(np.frombuffer(buf.getvalue(), np.uint8).copy())


def encode_jpeg(input, quality=75):  # noqa: A002
    """Encode ``uint8`` image tensor(s) ``[C, H, W]`` (C = 1 or 3) as JPEG bytes.

    Args:
        input: an image tensor or a list of them.
        quality: 1 (smallest) to 100 (best).

    Returns:
        1-D ``uint8`` tensor of the JPEG bytes, or a list of them for a list input.

    Example::

        >>> data = encode_jpeg(ember.zeros(3, 8, 8, dtype=ember.uint8), quality=90)
        >>> data.dtype, data.dim()
        (ember.uint8, 1)
    """
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [_encode(image, "JPEG", quality=int(quality)) for image in input]
    return _encode(input, "JPEG", quality=int(quality))


def encode_png(input, compression_level=6):  # noqa: A002
    """Encode a ``uint8`` image tensor ``[C, H, W]`` (C = 1 or 3) as PNG bytes.

    Args:
        input: the image tensor.
        compression_level: zlib level, 0 (none) to 9 (smallest).

    Returns:
        1-D ``uint8`` tensor of the PNG bytes.

    Example::

        >>> decode_png(encode_png(img)).equal(img)
        True
    """
    if compression_level < 0 or compression_level > 9:
        raise RuntimeError("Compression level should be between 0 and 9")
    return _encode(input, "PNG", compress_level=int(compression_level))


def write_jpeg(input, filename, quality=75):  # noqa: A002
    """Encode a ``uint8`` image tensor ``[C, H, W]`` as JPEG and write it to ``filename``.

    Example::

        >>> write_jpeg(ember.zeros(3, 8, 8, dtype=ember.uint8), "black.jpg", quality=95)
    """
    write_file(filename, encode_jpeg(input, quality))


def write_png(input, filename, compression_level=6):  # noqa: A002
    """Encode a ``uint8`` image tensor ``[C, H, W]`` as PNG and write it to ``filename``.

    Example::

        >>> write_png(ember.zeros(1, 8, 8, dtype=ember.uint8), "black.png")
    """
    write_file(filename, encode_png(input, compression_level))
