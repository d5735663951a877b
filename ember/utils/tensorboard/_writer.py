"""``SummaryWriter`` and ``FileWriter`` (mirror ``torch.utils.tensorboard.writer``)."""

import itertools
import os
import socket
import time
import warnings
from datetime import datetime

import tensorboardX
from tensorboardX import summary as _tbx
from tensorboardX.proto.event_pb2 import Event, SessionLog

from ember.utils.tensorboard import _summary
from ember.utils.tensorboard._convert import make_np

_file_ids = itertools.count()


class FileWriter(tensorboardX.FileWriter):
    """Writes ``Event`` and ``Summary`` protocol buffers to a new event file in ``log_dir``.

    The low-level writer behind :class:`SummaryWriter` (tensorboardX's, with PyTorch's argument names). Events are
    queued and written by a background thread.

    Args:
        log_dir: directory of the event file (created if missing).
        max_queue: number of pending events that forces a write to disk.
        flush_secs: seconds between automatic flushes.
        filename_suffix: suffix of the event file's name.

    Example::

        >>> fw = FileWriter("runs/raw")
        >>> fw.add_summary(summary_proto, global_step=0)
        >>> fw.close()
    """

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        # tensorboardX names the file events.out.tfevents.<seconds>.<host><suffix> and opens it with "wb": a second
        # writer on the same directory within the same second would overwrite the first. The process id and a
        # counter make the name unique, as TensorBoard's own writer does.
        unique = f".{os.getpid()}.{next(_file_ids)}{filename_suffix}"
        super().__init__(str(log_dir), max_queue, flush_secs, unique)


def _default_bins():
    """Bucket edges of TensorBoard's 'tensorflow' histogram: +-1e-12 growing by 10% up to 1e20, and 0."""
    edges, v = [], 1e-12
    while v < 1e20:  # (repeated multiplication, so that the edges are the same floats as PyTorch's)
        edges.append(v)
        v *= 1.1
    return [-e for e in reversed(edges)] + [0] + edges


class SummaryWriter:
    """Writes TensorBoard event files: scalars, histograms, images, text, embeddings and more.

    Mirrors ``torch.utils.tensorboard.SummaryWriter``; the files are written by ``tensorboardX``. Every ``add_*``
    method takes ember tensors (including ones that require grad, and bfloat16 ones), NumPy arrays or Python
    numbers. View the result with ``tensorboard --logdir runs``.

    Args:
        log_dir: where to write; default ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``.
        comment: suffix of the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: when resuming a run that crashed after step ``T + X`` at step ``T``, events of step ``T`` and
            later already in ``log_dir`` are hidden by TensorBoard.
        max_queue: number of pending events that forces a write to disk.
        flush_secs: seconds between automatic flushes.
        filename_suffix: suffix of the event files' names.

    Example::

        >>> from ember.utils.tensorboard import SummaryWriter
        >>> writer = SummaryWriter(comment="_lr0.1")
        >>> for step in range(100):
        ...     writer.add_scalar("Loss/train", loss_at(step), step)
        >>> writer.close()
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = _default_bins()
        self._projector_entries = []  # projector_config.pbtxt lists this writer's embeddings

    def _get_file_writer(self):
        """The main :class:`FileWriter`, (re)opened on first use and after :meth:`close`."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:  # a restart marker: TensorBoard drops older events from this step on
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step,
                                                 session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        """The directory the event files go to (``log_dir`` as given)."""
        return self.log_dir

    def _add(self, summary, global_step=None, walltime=None):
        self._get_file_writer().add_summary(summary, global_step, walltime)

    # ------------------------------------------------------------------------------------------- scalars
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Log one number.

        Args:
            tag: the series' name, e.g. ``"Loss/train"`` (slashes group series).
            scalar_value: a Python number or a one-element tensor/array.
            global_step: the step (x axis).
            walltime: seconds since the epoch; default now.
            new_style: write a tensor summary for the ``scalars`` plugin (faster loading) instead of a
                ``simple_value``.
            double_precision: with ``new_style``, keep the value as float64.

        Example::

            >>> writer.add_scalar("loss", loss, step)   # loss may require grad
        """
        self._add(_summary.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision),
                  global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers in one chart; each key becomes a run ``<log_dir>/<main_tag>_<key>``.

        Args:
            main_tag: the chart's name.
            tag_scalar_dict: ``{key: number or one-element tensor}``.
            global_step: the step.
            walltime: seconds since the epoch; default now (shared by all keys).

        Example::

            >>> writer.add_scalars("loss", {"train": 0.3, "val": ember.tensor(0.4)}, step)
        """
        walltime = time.time() if walltime is None else walltime
        root = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            path = root + "/" + main_tag.replace("/", "_") + "_" + tag
            fw = self.all_writers.get(path)
            if fw is None:
                fw = self.all_writers[path] = FileWriter(path, self.max_queue, self.flush_secs, self.filename_suffix)
            fw.add_summary(_summary.scalar(main_tag, value), global_step, walltime)

    def add_tensor(self, tag, tensor, global_step=None, walltime=None):
        """Log a whole tensor (TensorBoard's ``tensor`` plugin).

        Example::

            >>> writer.add_tensor("weights", ember.arange(6.0).reshape(2, 3), step)
        """
        self._add(_summary.tensor_proto(tag, tensor), global_step, walltime)

    # ------------------------------------------------------------------------------------------- histograms
    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """Log a histogram of ``values`` (any shape, flattened).

        Args:
            bins: ``"tensorflow"`` (TensorBoard's fixed exponential buckets) or anything ``np.histogram`` takes
                (``"auto"``, ``"fd"``, a count, the edges).
            max_bins: merge neighbouring buckets down to at most this many.

        Example::

            >>> writer.add_histogram("fc1.weight", model.fc1.weight, epoch)
        """
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._add(_summary.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts,  # noqa: A002
                          global_step=None, walltime=None):
        """Log a histogram already counted: its statistics, the upper edge and the count of every bucket.

        Example::

            >>> writer.add_histogram_raw("h", min=0, max=3, num=6, sum=9, sum_squares=19,
            ...                          bucket_limits=[1, 2, 3], bucket_counts=[1, 2, 3], global_step=0)
        """
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        stats = [make_np(x).item() for x in (min, max, num, sum, sum_squares)]
        summary = _tbx.histogram_raw(tag, *stats, make_np(bucket_limits).reshape(-1).tolist(),
                                     make_np(bucket_counts).reshape(-1).tolist())
        self._add(summary, global_step, walltime)

    # ------------------------------------------------------------------------------------------- images
    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Log one image.

        Args:
            img_tensor: ``(3, H, W)`` by default; see ``dataformats``. Floats are taken as [0, 1] (scaled by 255
                and clipped), uint8 as 0..255.
            dataformats: the layout: ``"CHW"``, ``"HWC"`` or ``"HW"`` (one channel images become grey RGB).

        Example::

            >>> writer.add_image("input", images[0], step)
        """
        self._add(_summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Log a batch of images, tiled into one grid 8 images wide.

        Args:
            img_tensor: ``(N, 3, H, W)`` by default (``dataformats`` ``"NHWC"`` too; one channel becomes grey).

        Example::

            >>> writer.add_images("batch", images, step)
        """
        self._add(_summary.image(tag, img_tensor, dataformats=dataformats), global_step, walltime)

    def add_image_with_boxes(self, tag, img_tensor, box_tensor, global_step=None, walltime=None, rescale=1,
                             dataformats="CHW", labels=None):
        """Log an image with boxes drawn on it.

        Args:
            box_tensor: ``(N, 4)`` boxes as ``(xmin, ymin, xmax, ymax)`` in pixels.
            rescale: resize factor of the logged image.
            labels: one string per box (ignored when the counts differ).

        Example::

            >>> writer.add_image_with_boxes("det", img, ember.tensor([[10, 10, 40, 40]]), 0, labels=["cat"])
        """
        if labels is not None:
            if isinstance(labels, str):
                labels = [labels]
            if len(labels) != make_np(box_tensor).shape[0]:
                labels = None
        self._add(_summary.image(tag, img_tensor, rescale=rescale, dataformats=dataformats, boxes=box_tensor,
                                 labels=labels), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """Log a matplotlib figure (or a list of them, as a grid) as an image.

        Args:
            close: close the figure(s) afterwards.

        Example::

            >>> fig = plt.figure(); plt.plot([1, 2, 3])
            >>> writer.add_figure("curve", fig, step)
        """
        from tensorboardX.utils import figure_to_image

        fmt = "NCHW" if isinstance(figure, list) else "CHW"
        self.add_image(tag, figure_to_image(figure, close), global_step, walltime, dataformats=fmt)

    def add_video(self, tag, vid_tensor, global_step=None, fps=4, walltime=None):
        """Log a batch of videos as an animated GIF (needs ``moviepy``; without it nothing is drawn, as in PyTorch).

        Args:
            vid_tensor: ``(N, T, C, H, W)``; floats in [0, 1], or uint8.
            fps: frames per second.
        """
        self._add(_summary.video(tag, vid_tensor, fps), global_step, walltime)

    def add_audio(self, tag, snd_tensor, global_step=None, sample_rate=44100, walltime=None):
        """Log a mono sound clip.

        Args:
            snd_tensor: ``(1, L)`` or ``(L,)`` samples in [-1, 1].
            sample_rate: samples per second.

        Example::

            >>> writer.add_audio("tone", ember.sin(ember.arange(8000) * 0.1), 0, sample_rate=8000)
        """
        self._add(_summary.audio(tag, snd_tensor, sample_rate=sample_rate), global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Log text (Markdown) under ``<tag>/text_summary``.

        Example::

            >>> writer.add_text("notes", "lr **0.1**", 0)
        """
        self._add(_tbx.text(tag, text_string), global_step, walltime)

    # ------------------------------------------------------------------------------------------- graphs
    def add_onnx_graph(self, prototxt):
        """Log the graph of an ONNX model file (needs the ``onnx`` package)."""
        from tensorboardX.onnx_graph import load_onnx_graph

        self._get_file_writer().add_onnx_graph(load_onnx_graph(prototxt))

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Not available in ember: warns and writes nothing.

        PyTorch draws the graph by tracing the model with TorchScript; ember has no tracer. Tutorials call this
        once among other logging, so it warns instead of raising, and the rest of the run is still logged.
        ``print(model)`` shows the structure; ``add_onnx_graph`` draws a graph exported to ONNX elsewhere.
        """
        warnings.warn("SummaryWriter.add_graph does nothing in ember: it has no tracer to record the model's "
                      "graph with. The other add_* methods work; print(model) shows the model's structure.",
                      UserWarning, stacklevel=2)

    # ------------------------------------------------------------------------------------------- embeddings
    @staticmethod
    def _encode(rawstr):
        # a tag as one directory name: escape '%' first, then the path separators
        return rawstr.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        """Log points for TensorBoard's projector (PCA, t-SNE, UMAP views).

        The files go to ``<log_dir>/<global_step:05d>/<tag>/`` and an entry to ``<log_dir>/projector_config.pbtxt``.

        Args:
            mat: ``(N, D)`` one point per row.
            metadata: ``N`` labels, or ``N`` rows of columns named by ``metadata_header``.
            label_img: ``(N, C, H, W)`` thumbnails in [0, 1].
            global_step: the step (default 0).
            tag: the embedding's name.

        Example::

            >>> writer.add_embedding(features, metadata=labels.tolist(), label_img=images)
        """
        mat = make_np(mat)
        if global_step is None:
            global_step = 0
        subdir = f"{str(global_step).zfill(5)}/{self._encode(tag)}"
        save_path = os.path.join(self._get_file_writer().get_logdir(), subdir)
        if os.path.exists(save_path):
            if not os.path.isdir(save_path):
                raise NotADirectoryError(f"Path: `{save_path}` exists, but is a file. Cannot proceed.")
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        else:
            os.makedirs(save_path)
        if metadata is not None:
            if mat.shape[0] != len(metadata):
                raise AssertionError("#labels should equal with #data points")
            _summary.write_metadata_tsv(metadata, save_path, metadata_header=metadata_header)
        sprite_dim = None
        if label_img is not None:
            label_img = make_np(label_img)
            if mat.shape[0] != label_img.shape[0]:
                raise AssertionError("#images should equal with #data points")
            _summary.write_sprite(label_img, save_path)
            sprite_dim = (label_img.shape[3], label_img.shape[2])  # (width, height)
        if mat.ndim != 2:
            raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
        _summary.write_tensors_tsv(mat, save_path)
        # rewritten each time with all of this writer's embeddings so far, as PyTorch does
        self._projector_entries.append(_summary.projector_entry(subdir, global_step, tag, metadata is not None,
                                                                sprite_dim))
        with open(os.path.join(self._get_file_writer().get_logdir(), "projector_config.pbtxt"), "wb") as f:
            f.write("".join(self._projector_entries).encode())

    # ------------------------------------------------------------------------------------------- curves, meshes
    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        """Log a precision-recall curve.

        Args:
            labels: ground truth, 0/1 (or booleans).
            predictions: probabilities in [0, 1], same shape.
            num_thresholds: thresholds on the curve (at most 127).
            weights: optional weight of each example.

        Example::

            >>> writer.add_pr_curve("pr", ember.randint(0, 2, (100,)), ember.rand(100), 0)
        """
        weights = None if weights is None else make_np(weights)
        self._add(_tbx.pr_curve(tag, make_np(labels), make_np(predictions), num_thresholds, weights),
                  global_step, walltime)

    def add_pr_curve_raw(self, tag, true_positive_counts, false_positive_counts, true_negative_counts,
                         false_negative_counts, precision, recall, global_step=None, num_thresholds=127,
                         weights=None, walltime=None):
        """Log a precision-recall curve already computed: six arrays of ``num_thresholds`` values."""
        data = [make_np(x) for x in (true_positive_counts, false_positive_counts, true_negative_counts,
                                     false_negative_counts, precision, recall)]
        self._add(_tbx.pr_curve_raw(tag, *data, num_thresholds, weights), global_step, walltime)

    def add_custom_scalars_multilinechart(self, tags, category="default", title="untitled"):
        """Lay out one chart of several scalar tags in the Custom Scalars dashboard."""
        self._add(_tbx.custom_scalars({category: {title: ["Multiline", tags]}}))

    def add_custom_scalars_marginchart(self, tags, category="default", title="untitled"):
        """Lay out one margin chart (``[value, lower, upper]`` tags) in the Custom Scalars dashboard."""
        if len(tags) != 3:
            raise AssertionError(f"Expected 3 tags, got {len(tags)}.")
        self._add(_tbx.custom_scalars({category: {title: ["Margin", tags]}}))

    def add_custom_scalars(self, layout):
        """Lay out the Custom Scalars dashboard: ``{category: {title: ["Multiline" or "Margin", tags]}}``.

        Example::

            >>> writer.add_custom_scalars({"loss": {"both": ["Multiline", ["loss/train", "loss/val"]]}})
        """
        self._add(_tbx.custom_scalars(layout))

    def add_mesh(self, tag, vertices, colors=None, faces=None, config_dict=None, global_step=None, walltime=None):
        """Log 3-D meshes or point clouds.

        Args:
            vertices: ``(B, N, 3)`` coordinates.
            colors: ``(B, N, 3)`` uint8 RGB per vertex.
            faces: ``(B, F, 3)`` vertex indices of the triangles.
            config_dict: three.js settings (camera, lights, material).

        Example::

            >>> writer.add_mesh("cloud", vertices=ember.rand(1, 100, 3), global_step=0)
        """
        arrays = [None if x is None else make_np(x) for x in (vertices, colors, faces)]
        config = {} if config_dict is None else config_dict  # (tensorboardX would write "null", PyTorch "{}")
        self._add(_tbx.mesh(tag, *arrays, config), global_step, walltime)

    # ------------------------------------------------------------------------------------------- hparams
    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None, global_step=None):
        """Log one run's hyperparameters and final metrics for the HParams dashboard.

        They go to a new run in ``<log_dir>/<run_name>`` (default: the current time), with the metrics also
        logged as scalars there.

        Args:
            hparam_dict: ``{name: int, float, str, bool or one-element tensor}``.
            metric_dict: ``{tag: number or one-element tensor}``; use tags not otherwise logged.
            hparam_domain_discrete: ``{name: [all values it can take]}``.
            run_name: the run's sub-directory.
            global_step: the step of the metrics.

        Example::

            >>> writer.add_hparams({"lr": 0.1, "bsize": 32}, {"hparam/accuracy": 0.9, "hparam/loss": 0.3})
        """
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        exp, ssi, sei = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        if not run_name:
            run_name = str(time.time())
        with SummaryWriter(log_dir=os.path.join(self._get_file_writer().get_logdir(), run_name)) as w:
            for summary in (exp, ssi, sei):
                w.file_writer.add_summary(summary, global_step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    # ------------------------------------------------------------------------------------------- lifetime
    def flush(self):
        """Write everything pending to disk."""
        if self.all_writers is None:
            return
        for fw in self.all_writers.values():
            fw.flush()

    def close(self):
        """Flush and close the event files; a later ``add_*`` starts a new event file in the same ``log_dir``."""
        if self.all_writers is None:
            return
        for fw in self.all_writers.values():
            fw.flush()
            fw.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
