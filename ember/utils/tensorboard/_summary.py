"""``Summary`` protocol buffers for :class:`~ember.utils.tensorboard.SummaryWriter`, as PyTorch writes them.

Built from tensorboardX's protos and helpers. Where tensorboardX's own summary functions differ from
``torch.utils.tensorboard`` (they rename tags with unusual characters, wrap out-of-range image values instead of
clipping them, need ``soundfile`` for audio and lack the new-style scalar, ``add_tensor`` and discrete hparam
domains) the summary is put together here.
"""

import io
import os
import warnings
import wave

import numpy as np
from google.protobuf import struct_pb2
from tensorboardX import summary as _tbx
from tensorboardX.proto.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.proto.tensor_pb2 import TensorProto
from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboardX.utils import _prepare_video, convert_to_HWC, make_grid

from ember import _dtype
from ember._tensor import Tensor
from ember.utils.tensorboard._convert import make_np, raw_np, to_python

# ----------------------------------------------------------------------------------------------- scalars


def scalar(name, value, new_style=False, double_precision=False):
    """A scalar summary: ``simple_value``, or (``new_style``) a float/double tensor for the ``scalars`` plugin."""
    a = make_np(value).squeeze()
    if a.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: {a.size} and "
                             f"{a.ndim} dimensions.")
    v = float(a)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=v)])
    proto = (TensorProto(double_val=[v], dtype="DT_DOUBLE") if double_precision
             else TensorProto(float_val=[v], dtype="DT_FLOAT"))
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=name, tensor=proto, metadata=meta)])


def histogram(name, values, bins, max_bins=None):
    """A histogram summary of ``values`` (``bins`` as for ``np.histogram``)."""
    if isinstance(bins, Tensor):
        bins = make_np(bins)
    hist = _tbx.make_histogram(make_np(values).astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


# numpy dtype name -> (DataType name, TensorProto field); the half types go in half_val as their float32 bits,
# as PyTorch stores them. (tensorboardX's TensorProto has no uint32_val, so uint8 goes to int_val.)
_TENSOR_FIELDS = {"float16": ("DT_HALF", "half_val"), "bfloat16": ("DT_BFLOAT16", "half_val"),
                  "float32": ("DT_FLOAT", "float_val"), "float64": ("DT_DOUBLE", "double_val"),
                  "int8": ("DT_INT8", "int_val"), "uint8": ("DT_UINT8", "int_val"), "int16": ("DT_INT16", "int_val"),
                  "int32": ("DT_INT32", "int_val"), "int64": ("DT_INT64", "int64_val"), "bool": ("DT_BOOL", "bool_val"),
                  "complex64": ("DT_COMPLEX64", "scomplex_val"), "complex128": ("DT_COMPLEX128", "dcomplex_val")}


def tensor_proto(tag, tensor):
    """A summary holding the whole ``tensor`` (TensorBoard's ``tensor`` plugin)."""
    a = raw_np(tensor)
    if a.size * a.dtype.itemsize >= 1 << 31:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    if a.dtype.name not in _TENSOR_FIELDS:
        dtype = tensor.dtype if isinstance(tensor, Tensor) else _dtype.from_np(a.dtype)
        raise ValueError(f"{tag} has unsupported tensor dtype {dtype}")
    dt, field = _TENSOR_FIELDS[a.dtype.name]
    flat = a.reshape(-1)
    if field == "half_val":
        values = flat.astype(np.float32).view(np.int32)
    elif a.dtype.kind == "c":
        values = np.stack([flat.real, flat.imag], axis=-1).reshape(-1)
    else:
        values = flat
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=n) for n in a.shape])
    proto = TensorProto(dtype=dt, tensor_shape=shape, **{field: values.tolist()})
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="tensor"))
    return Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=proto)])


# ----------------------------------------------------------------------------------------------- media


def _to_uint8(a):
    """Pixel values as uint8: uint8 as is, anything else taken as [0, 1] and scaled by 255, clipped to 0..255."""
    scale = 1 if a.dtype == np.uint8 else 255
    return (a.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def image(tag, tensor, rescale=1, dataformats="NCHW", boxes=None, labels=None):
    """An image summary (a batch is tiled into a grid, 8 images a row); ``boxes`` (N, 4) are drawn in red."""
    hwc = _to_uint8(convert_to_HWC(make_np(tensor), dataformats))
    rois = None if boxes is None else make_np(boxes)
    img = _tbx.make_image(hwc, rescale=rescale, rois=rois, labels=labels)
    return Summary(value=[Summary.Value(tag=tag, image=img)])


def video(tag, tensor, fps=4):
    """An animated GIF summary of a (N, T, C, H, W) video batch (needs ``moviepy``, as in PyTorch)."""
    frames = _to_uint8(_prepare_video(make_np(tensor)))  # (T, H', W', C), the batch tiled in a grid
    return Summary(value=[Summary.Value(tag=tag, image=_tbx.make_video(frames, fps))])


def audio(tag, tensor, sample_rate=44100):
    """A mono 16-bit WAV summary of samples in [-1, 1] (louder ones are clipped, with a warning)."""
    a = make_np(tensor).astype(np.float32).squeeze()  # (float32: float16 * 32767 would overflow)
    if a.size and np.abs(a).max() > 1:
        warnings.warn("audio amplitude out of range, auto clipped.", stacklevel=3)
        a = a.clip(-1, 1)
    if a.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    pcm = (a * np.iinfo(np.int16).max).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    snd = Summary.Audio(sample_rate=sample_rate, num_channels=1, length_frames=a.shape[-1],
                        encoded_audio_string=buf.getvalue(), content_type="audio/wav")
    return Summary(value=[Summary.Value(tag=tag, audio=snd)])


# ----------------------------------------------------------------------------------------------- hparams

_HPARAMS = "hparams"  # the hparams plugin's name and its three tags (TensorBoard's hparams metadata)
_EXPERIMENT_TAG, _START_TAG, _END_TAG = ("_hparams_/experiment", "_hparams_/session_start_info",
                                         "_hparams_/session_end_info")


def _hparams_summary(tag, **content):
    data = HParamsPluginData(version=0, **content).SerializeToString()
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=_HPARAMS, content=data))
    return Summary(value=[Summary.Value(tag=tag, metadata=meta)])


def hparams(hparam_dict, metric_dict, hparam_domain_discrete=None):
    """The experiment, session-start and session-end summaries of the hparams plugin."""
    for name, d in (("hparam_dict", hparam_dict), ("metric_dict", metric_dict)):
        if not isinstance(d, dict):
            raise TypeError(f"parameter: {name} should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, choices in domains.items():
        if (k not in hparam_dict or not isinstance(choices, list)
                or not all(isinstance(c, type(hparam_dict[k])) for c in choices)):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as "
                            f"hparam_dict[{k}].")
    start = SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, (int, float)):  # bool included, as a number (PyTorch tests int before bool)
            field, kind = "number_value", "DATA_TYPE_FLOAT64"
        elif isinstance(v, str):
            field, kind = "string_value", "DATA_TYPE_STRING"
        elif isinstance(v, (Tensor, np.ndarray, np.generic)) or hasattr(v, "detach"):
            v, field, kind = float(to_python(v)), "number_value", "DATA_TYPE_FLOAT64"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        setattr(start.hparams[k], field, v)
        domain = None
        if k in domains:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: c}) for c in domains[k]])
        infos.append(HParamInfo(name=k, type=DataType.Value(kind), domain_discrete=domain))
    experiment = Experiment(hparam_infos=infos, metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (_hparams_summary(_EXPERIMENT_TAG, experiment=experiment),
            _hparams_summary(_START_TAG, session_start_info=start),
            _hparams_summary(_END_TAG, session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))))


# ----------------------------------------------------------------------------------------------- embeddings


def write_metadata_tsv(metadata, path, metadata_header=None):
    """``metadata.tsv``: one label per line, or a header line and tab-separated columns."""
    if metadata_header:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        lines = ["\t".join(str(e) for e in row) for row in [metadata_header, *metadata]]
    else:
        lines = [str(x) for x in metadata]
    with open(os.path.join(path, "metadata.tsv"), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode())


def write_tensors_tsv(mat, path):
    """``tensors.tsv``: one data point per line, tab-separated."""
    with open(os.path.join(path, "tensors.tsv"), "wb") as f:
        f.write("".join("\t".join(map(str, row)) + "\n" for row in mat.tolist()).encode())


def write_sprite(label_img, path):
    """``sprite.png``: the (N, C, H, W) images in [0, 1] tiled ceil(sqrt(N)) to a row on a square canvas."""
    from PIL import Image

    imgs = make_np(label_img)
    grid = make_grid(imgs, ncols=int(np.ceil(len(imgs) ** 0.5))).transpose(1, 2, 0)  # HWC
    square = np.zeros((grid.shape[1], grid.shape[1], 3))
    square[:grid.shape[0]] = grid
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(os.path.join(path, "sprite.png"), format="PNG")


def projector_entry(subdir, global_step, tag, has_metadata, sprite_dim):
    """One ``embeddings`` entry of ``projector_config.pbtxt`` (protobuf text format, fields in number order)."""
    lines = ["embeddings {", f'  tensor_name: "{tag}:{str(global_step).zfill(5)}"']
    if has_metadata:
        lines.append(f'  metadata_path: "{subdir}/metadata.tsv"')
    if sprite_dim is not None:
        lines += ["  sprite {", f'    image_path: "{subdir}/sprite.png"',
                  *(f"    single_image_dim: {d}" for d in sprite_dim), "  }"]
    lines += [f'  tensor_path: "{subdir}/tensors.tsv"', "}"]
    return "\n".join(lines) + "\n"
