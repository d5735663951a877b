"""ember.vision.io against Pillow (torchvision's compiled decoders do not load here) and torchvision's Python API."""

import inspect
import io

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision import io as eio
from tests.vision._transform_checks import u8


def _bytes(t):
    return t.numpy().tobytes()


def _pil_bytes(arr, fmt, **kw):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy())


def test_api_matches_torchvision(torchvision):
    tio = torchvision.io
    assert [(m.name, m.value) for m in eio.ImageReadMode] == [(m.name, m.value) for m in tio.ImageReadMode]
    assert eio.ImageReadMode.RGBA is eio.ImageReadMode.RGB_ALPHA
    for name in ["read_file", "write_file", "decode_image", "decode_jpeg", "decode_png", "encode_jpeg", "encode_png",
                 "read_image", "write_jpeg", "write_png", "decode_webp", "decode_gif", "decode_avif", "decode_heic"]:
        ref = inspect.signature(getattr(tio, name)).parameters
        got = inspect.signature(getattr(eio, name)).parameters
        assert list(got) == list(ref), name
        for k in ref:
            d = ref[k].default
            d = d.name if hasattr(d, "name") else d
            g = got[k].default
            assert (g.name if hasattr(g, "name") else g) == d, (name, k)


@pytest.mark.parametrize("c", [1, 3])
def test_png_round_trip_and_modes(c):
    img = ember.from_numpy(u8((c, 7, 9)))
    data = eio.encode_png(img, compression_level=9)
    assert data.dtype == ember.uint8 and data.dim() == 1
    assert eio.decode_png(data).equal(img)
    assert eio.decode_image(data).equal(img)
    hwc = img.numpy()[0] if c == 1 else img.numpy().transpose(1, 2, 0)
    pil = Image.fromarray(hwc)
    for mode, pil_mode in [("GRAY", "L"), ("gray_alpha", "LA"), (eio.ImageReadMode.RGB, "RGB"), ("RGBA", "RGBA")]:
        out = eio.decode_png(data, mode=mode).numpy()
        ref = np.asarray(pil.convert(pil_mode))
        ref = ref[None] if ref.ndim == 2 else ref.transpose(2, 0, 1)
        np.testing.assert_array_equal(out, ref)


def test_png_palette_alpha_and_16_bit():
    pal = Image.fromarray(u8((5, 6)) % 4).convert("P")
    buf = io.BytesIO()
    pal.save(buf, format="PNG")
    data = ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy())
    np.testing.assert_array_equal(eio.decode_png(data).numpy(), np.asarray(pal.convert("RGB")).transpose(2, 0, 1))
    rgba = u8((5, 6, 4))
    np.testing.assert_array_equal(eio.decode_png(_pil_bytes(rgba, "PNG")).numpy(), rgba.transpose(2, 0, 1))
    g16 = (np.random.default_rng(0).integers(0, 65536, (4, 5))).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(g16).save(buf, format="PNG")
    out = eio.decode_png(ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy()))
    assert out.dtype == ember.uint16
    np.testing.assert_array_equal(out.numpy()[0], g16)


def test_jpeg_decode_matches_pil_and_batches():
    rgb = u8((16, 12, 3))
    data = _pil_bytes(rgb, "JPEG", quality=80)
    ref = Image.open(io.BytesIO(_bytes(data)))
    np.testing.assert_array_equal(eio.decode_jpeg(data).numpy(), np.asarray(ref).transpose(2, 0, 1))
    gray = Image.open(io.BytesIO(_bytes(data)))
    gray.draft("L", gray.size)  # libjpeg's own grayscale output, as torchvision's decoder gives
    np.testing.assert_array_equal(eio.decode_jpeg(data, mode="GRAY").numpy()[0], np.asarray(gray))
    yy, xx = np.mgrid[:16, :12]
    smooth = np.stack([yy * 8, xx * 10, (yy + xx) * 5]).astype(np.uint8)  # JPEG keeps smooth images well
    img = ember.from_numpy(smooth)
    enc = eio.encode_jpeg([img, img[:1]], quality=90)
    assert isinstance(enc, list) and len(enc) == 2
    dec = eio.decode_jpeg(enc)
    assert [tuple(d.shape) for d in dec] == [(3, 16, 12), (1, 16, 12)]
    assert np.abs(dec[0].numpy().astype(int) - smooth).mean() < 3
    assert np.abs(dec[1].numpy().astype(int) - smooth[:1]).mean() < 3
    assert eio.encode_jpeg(img, quality=1).numel() < eio.encode_jpeg(img, quality=100).numel()


def test_files_gif_webp(tmp_path):
    img = ember.from_numpy(u8((3, 6, 8)))
    eio.write_png(img, tmp_path / "a.png")
    assert eio.read_image(str(tmp_path / "a.png")).equal(img)
    assert eio.read_image(str(tmp_path / "a.png"), mode=eio.ImageReadMode.GRAY).shape == (1, 6, 8)
    eio.write_jpeg(img, str(tmp_path / "a.jpg"), quality=95)
    assert eio.decode_image(str(tmp_path / "a.jpg")).shape == (3, 6, 8)
    raw = eio.read_file(str(tmp_path / "a.png"))
    eio.write_file(str(tmp_path / "b.png"), raw)
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "a.png").read_bytes()
    frames = [Image.fromarray(u8((6, 8, 3), seed=s)).quantize() for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    gif = ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy())
    out = eio.decode_gif(gif)
    assert out.shape == (3, 3, 6, 8) and eio.decode_image(gif).shape == (3, 3, 6, 8)
    ref = Image.open(io.BytesIO(buf.getvalue()))
    for i in range(3):
        ref.seek(i)
        np.testing.assert_array_equal(out.numpy()[i], np.asarray(ref.convert("RGB")).transpose(2, 0, 1))
    webp = _pil_bytes(u8((6, 8, 4)), "WEBP", lossless=True, exact=True)
    np.testing.assert_array_equal(eio.decode_webp(webp).numpy(), u8((6, 8, 4)).transpose(2, 0, 1))
    assert eio.decode_image(webp, mode="RGB").shape == (3, 6, 8)


def test_errors(tmp_path):
    img = ember.from_numpy(u8((3, 4, 4)))
    for q in (0, 101):
        with pytest.raises(ValueError, match="Image quality should be a positive number between 1 and 100"):
            eio.encode_jpeg(img, quality=q)
    with pytest.raises(ValueError, match="encode_jpeg requires at least one input tensor when a list is passed"):
        eio.encode_jpeg([])
    with pytest.raises(RuntimeError, match="The number of channels should be 1 or 3, got: 4"):
        eio.encode_png(ember.from_numpy(u8((4, 4, 4))))
    with pytest.raises(RuntimeError, match="Input tensor dtype should be uint8"):
        eio.encode_jpeg(img.float())
    with pytest.raises(ValueError, match="Input list must contain at least one element"):
        eio.decode_jpeg([])
    with pytest.raises(ValueError, match="All elements of the input list must be tensors."):
        eio.decode_jpeg([eio.encode_jpeg(img), 3])
    with pytest.raises(RuntimeError, match="Unsupported image file"):
        eio.decode_image(ember.zeros(10, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="must be 1-dimensional and non-empty"):
        eio.decode_image(ember.zeros(0, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="must have uint8 data type"):
        eio.decode_png(ember.zeros(10))
    with pytest.raises(RuntimeError, match="not supported for JPEG"):
        eio.decode_jpeg(eio.encode_jpeg(img), mode="RGBA")
    with pytest.raises(RuntimeError, match="No such file"):
        eio.read_file(str(tmp_path / "missing.png"))
    with pytest.raises(KeyError):
        eio.decode_image(eio.encode_png(img), mode="nope")


def test_apply_exif_orientation():
    # orientation 6: the stored pixels must be turned 90 degrees clockwise to be shown upright
    arr = u8((4, 6))
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(arr).save(buf, format="PNG", exif=exif)
    data = ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy())
    np.testing.assert_array_equal(eio.decode_png(data).numpy()[0], arr)
    np.testing.assert_array_equal(eio.decode_png(data, apply_exif_orientation=True).numpy()[0], np.rot90(arr, -1))
    np.testing.assert_array_equal(eio.decode_image(data, apply_exif_orientation=True).numpy()[0], np.rot90(arr, -1))
    buf = io.BytesIO()
    Image.fromarray(np.repeat(np.repeat(arr, 8, 0), 8, 1)).save(buf, format="JPEG", quality=95, exif=exif)
    jpg = ember.from_numpy(np.frombuffer(buf.getvalue(), np.uint8).copy())
    assert eio.decode_jpeg(jpg).shape == (1, 32, 48)
    assert eio.decode_jpeg(jpg, apply_exif_orientation=True).shape == (1, 48, 32)
