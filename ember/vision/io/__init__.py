"""Image input/output (torchvision.io's image part): read, write, encode and decode JPEG/PNG/GIF/WebP.

Needs Pillow (``pip install pillow``). Video IO is not provided.

Example::

    >>> from ember.vision.io import decode_image, encode_png
    >>> img = ember.zeros(3, 4, 5, dtype=ember.uint8)
    >>> decode_image(encode_png(img)).shape
    ember.Size([3, 4, 5])
"""

from ember.vision.io.image import (
    ImageReadMode, decode_avif, decode_gif, decode_heic, decode_image, decode_jpeg, decode_png, decode_webp,
    encode_jpeg, encode_png, read_file, read_image, write_file, write_jpeg, write_png,
)

__all__ = [
    "ImageReadMode", "decode_avif", "decode_gif", "decode_heic", "decode_image", "decode_jpeg", "decode_png",
    "decode_webp", "encode_jpeg", "encode_png", "read_file", "read_image", "write_file", "write_jpeg", "write_png",
]
