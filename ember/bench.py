"""Side-by-side speed benchmark of ember and PyTorch: ``python -m ember.bench``.

Each workload is written once against the PyTorch API (``lib`` is ``torch`` or ``ember``) and run on both
libraries alternately in one process, with the same data, the same initial weights and the same number of
threads. It reports the median milliseconds per step and the ratio torch_time / ember_time (> 1 means
ember is faster) as a markdown table and as JSON. Run by hand; never as a timed unit test.

    python -m ember.bench                      # all workloads, all cores
    python -m ember.bench --threads 1 --only lenet_train,lstm_train --json bench.json
"""

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# ------------------------------------------------------------------------------------------- models


def make_lenet5(lib):
    nn, F = lib.nn, lib.nn.functional

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    return LeNet5()


def make_mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def make_mnist_cnn(lib, log_softmax=True):
    """The classic MNIST example network; ``log_softmax=False`` returns the logits (as
    ``ember.vision.models.MnistCNN`` does)."""
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1) if log_softmax else x

    return Net()


def make_lstm(lib):
    nn = lib.nn

    class RowLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(28, 128, num_layers=2, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1, :])

    return RowLSTM()


def copy_weights(src_torch, dst_ember, ember):
    """Give the ember model the torch model's initial weights."""
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in src_torch.state_dict().items()}
    dst_ember.load_state_dict(state)


# ------------------------------------------------------------------------------------------- workloads


def _train_step(lib, model, opt, x, y, loss_fn):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


def workload_train(make, shape, batch, optimizer, loss="ce"):
    def setup(lib, ember_lib, torch_lib, torch_model_holder, rng_data):
        x_np, y_np = rng_data
        model = make(lib)
        if lib is ember_lib:
            copy_weights(torch_model_holder[0], model, ember_lib)
        else:
            torch_model_holder[0] = model
        x = lib.from_numpy(x_np)
        y = lib.from_numpy(y_np)
        opt = optimizer(lib, model)
        F = lib.nn.functional
        loss_fn = F.cross_entropy if loss == "ce" else F.nll_loss
        model.train()
        return lambda: _train_step(lib, model, opt, x, y, loss_fn)

    def data(rng):
        return (rng.standard_normal((batch,) + shape).astype(np.float32),
                rng.integers(0, 10, batch).astype(np.int64))

    return setup, data


def workload_infer(make, shape, batch):
    def setup(lib, ember_lib, torch_lib, holder, rng_data):
        x_np, _ = rng_data
        model = make(lib)
        if lib is ember_lib:
            copy_weights(holder[0], model, ember_lib)
        else:
            holder[0] = model
        model.eval()
        x = lib.from_numpy(x_np)

        def step():
            with lib.no_grad():
                model(x)
        return step

    def data(rng):
        return rng.standard_normal((batch,) + shape).astype(np.float32), None

    return setup, data


def _minimnist_arrays():
    from ember.vision.datasets import MiniMNIST
    ds = MiniMNIST(train=True)
    return ds.data.numpy(), ds.targets.numpy()


def workload_dataloader():
    """One epoch of the 4,000 MiniMNIST training digits through DataLoader with a per-sample transform."""

    def setup(lib, ember_lib, torch_lib, holder, rng_data):
        images, labels = rng_data
        Dataset, DataLoader = lib.utils.data.Dataset, lib.utils.data.DataLoader

        class Digits(Dataset):
            def __len__(self):
                return len(images)

            def __getitem__(self, i):
                x = lib.from_numpy(images[i]).float().div(255.0).sub(0.1307).div(0.3081).unsqueeze(0)
                return x, int(labels[i])

        loader = DataLoader(Digits(), batch_size=64, shuffle=True)

        def epoch():
            for _x, _y in loader:
                pass
        return epoch

    return setup, lambda rng: _minimnist_arrays()


def workload_tensor_dataset():
    """One epoch of MiniMNIST as a TensorDataset (already-normalised tensors), batch 64, shuffled."""

    def setup(lib, ember_lib, torch_lib, holder, rng_data):
        images, labels = rng_data
        x = lib.from_numpy(((images.astype(np.float32) / 255.0 - 0.1307) / 0.3081)[:, None])
        y = lib.from_numpy(labels.astype(np.int64))
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=64, shuffle=True)

        def epoch():
            for _x, _y in loader:
                pass
        return epoch

    return setup, lambda rng: _minimnist_arrays()


def _sgd(lib, model):
    return lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def _adam(lib, model):
    return lib.optim.Adam(model.parameters(), lr=1e-3)


def _adadelta(lib, model):
    return lib.optim.Adadelta(model.parameters(), lr=1.0)


WORKLOADS = {
    "lenet_train": ("LeNet-5 training step, batch 64 (SGD momentum)",
                    workload_train(make_lenet5, (1, 32, 32), 64, _sgd), 1.25),
    "lenet_infer": ("LeNet-5 inference, batch 1", workload_infer(make_lenet5, (1, 32, 32), 1), 3.0),
    "mlp_train": ("MLP 784-512-512-10 training step, batch 128 (Adam)",
                  workload_train(make_mlp, (1, 28, 28), 128, _adam), 0.95),
    "cnn_train": ("MNIST CNN (conv 32/64 3x3, fc 128) training step, batch 64 (Adadelta)",
                  workload_train(make_mnist_cnn, (1, 28, 28), 64, _adadelta, loss="nll"), 0.8),
    "lstm_train": ("2-layer LSTM(28->128) over 28 rows, training step, batch 64 (Adam)",
                   workload_train(make_lstm, (28, 28), 64, _adam), 1.0),
    "dataloader_epoch": ("MiniMNIST epoch through DataLoader, per-sample transform, batch 64",
                         workload_dataloader(), None),
    "tensordataset_epoch": ("MiniMNIST epoch through DataLoader over a TensorDataset, batch 64",
                            workload_tensor_dataset(), None),
}


def _time(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _warm(fn, min_steps, min_seconds):
    """Run ``fn`` at least ``min_steps`` times and ``min_seconds`` long; return the median step time."""
    times = _time(fn, min_steps)
    while sum(times) < min_seconds:
        times += _time(fn, min_steps)
    return statistics.median(times)


def run_workload(name, ember, torch, rounds, steps, warmup, round_seconds=0.1):
    """Median ms per step of one workload on both libraries, alternating rounds of ``steps`` steps.

    ``steps=None`` sizes the rounds from the warm-up so that each lasts about ``round_seconds`` (at least 10
    steps): sub-millisecond workloads then get hundreds of samples per round instead of a cache-cold few.
    """
    title, (setup, make_data), goal = WORKLOADS[name]
    rng = np.random.default_rng(0)
    data = make_data(rng)
    holder = [None]
    torch.manual_seed(0)
    t_step = setup(torch, ember, torch, holder, data)
    e_step = setup(ember, ember, torch, holder, data)
    per_step = max(_warm(t_step, warmup, 0.02), _warm(e_step, warmup, 0.02))
    if steps is None:
        steps = max(10, min(1000, int(round_seconds / max(per_step, 1e-9))))
    t_times, e_times = [], []
    for _ in range(rounds):  # alternate so drift (thermal, other load) hits both alike
        gc.collect()
        t_times += _time(t_step, steps)
        gc.collect()
        e_times += _time(e_step, steps)
    t_ms = statistics.median(t_times) * 1e3
    e_ms = statistics.median(e_times) * 1e3
    return {"workload": name, "description": title, "torch_ms": round(t_ms, 3), "ember_ms": round(e_ms, 3),
            "ratio": round(t_ms / e_ms, 3), "goal": goal, "rounds": rounds, "steps_per_round": steps}


_IMPORT_SNIPPET = "import time; t=time.perf_counter(); import {mod}; print(time.perf_counter()-t)"

_RSS_SNIPPET = r"""
import sys, numpy as np
lib = __import__(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from ember.bench import make_lenet5
lib.manual_seed(0)
model = make_lenet5(lib)
opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
rng = np.random.default_rng(0)
x = lib.from_numpy(rng.standard_normal((64, 1, 32, 32)).astype(np.float32))
y = lib.from_numpy(rng.integers(0, 10, 64).astype(np.int64))
for _ in range(30):
    opt.zero_grad(); loss = lib.nn.functional.cross_entropy(model(x), y); loss.backward(); opt.step()
for line in open('/proc/self/status'):
    if line.startswith('VmHWM'):
        print(int(line.split()[1]) / 1024)
"""


def _subprocess_value(args, env):
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure_import(env, repeats=5):
    """Median import time of fresh processes with bytecode cached, as after ``pip install`` (the goal's row), and
    ember's import with ``PYTHONDONTWRITEBYTECODE=1`` (a checkout without ``__pycache__`` compiles every import)."""
    with tempfile.TemporaryDirectory() as cache:
        cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = cache  # a private cache, so the checkout stays untouched
        # Python's default lookup: installed packages keep their bytecode, a checkout without __pycache__ compiles
        compiling = {k: v for k, v in env.items() if k != "PYTHONPYCACHEPREFIX"}
        compiling["PYTHONDONTWRITEBYTECODE"] = "1"

        def median_ms(mod, run_env):
            snippet = _IMPORT_SNIPPET.format(mod=mod)
            _subprocess_value(["-c", snippet], run_env)  # warm-up: fills the cache (if any) and the OS file cache
            return statistics.median(_subprocess_value(["-c", snippet], run_env) for _ in range(repeats)) * 1e3

        torch_ms = median_ms("torch", cached)
        ember_cached, ember_compiling = median_ms("ember", cached), median_ms("ember", compiling)
    return [{"workload": "import", "description": f"`import` time (median of {repeats} fresh processes, "
                                                  "bytecode cached)",
             "torch_ms": round(torch_ms, 1), "ember_ms": round(ember_cached, 1),
             "ratio": round(torch_ms / ember_cached, 3), "goal": "ember < 300 ms"},
            {"workload": "import_compiling", "description": "`import` time of ember with "
                                                            "`PYTHONDONTWRITEBYTECODE=1` (compiling a checkout)",
             "torch_ms": round(torch_ms, 1), "ember_ms": round(ember_compiling, 1),
             "ratio": round(torch_ms / ember_compiling, 3), "goal": ""}]


def measure_rss(env):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    res = {lib: _subprocess_value(["-c", _RSS_SNIPPET, lib, root], env) for lib in ("torch", "ember")}
    return {"workload": "peak_rss", "description": "peak RSS of 30 LeNet-5 training steps (MiB)",
            "torch_ms": round(res["torch"], 1), "ember_ms": round(res["ember"], 1),
            "ratio": round(res["torch"] / res["ember"], 3), "goal": "ember <= torch"}


def markdown(results, meta):
    lines = [f"ember {meta['ember']} vs PyTorch {meta['torch']} — {meta['cpu']}, {meta['threads']} thread(s), "
             f"Python {meta['python']}, NumPy {meta['numpy']}", "",
             "| workload | torch | ember | torch/ember | goal |", "|---|---:|---:|---:|---|"]
    for r in results:
        unit = "MiB" if r["workload"] == "peak_rss" else "ms"
        goal = r["goal"] if isinstance(r["goal"], str) else (f">= {r['goal']}" if r["goal"] else "")
        lines.append(f"| {r['description']} | {r['torch_ms']} {unit} | {r['ember_ms']} {unit} | "
                     f"{r['ratio']:.2f} | {goal} |")
    return "\n".join(lines)


def _cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None):
    listed = {**{n: w[0] for n, w in WORKLOADS.items()}, "import": "import time of both libraries (fresh processes)",
              "rss": "peak RSS of 30 LeNet-5 training steps"}
    width = max(map(len, listed))
    parser = argparse.ArgumentParser(
        prog="python -m ember.bench", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Side-by-side speed benchmark of ember and PyTorch. Each workload runs on both libraries\n"
                    "alternately, with the same data, initial weights and thread count; the result is the median\n"
                    "milliseconds per step and the ratio torch/ember (> 1: ember is faster), as a markdown table.",
        epilog="workloads (all by default; pick some with --only):\n"
               + "\n".join(f"  {n:<{width}}  {t}" for n, t in listed.items()))
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both libraries")
    parser.add_argument("--only", default="", metavar="NAMES",
                        help="comma-separated workload names, listed below (default: all)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per workload")
    parser.add_argument("--steps", type=int, default=None,
                        help="timed steps per round (default: enough for ~0.1 s per round, at least 10)")
    parser.add_argument("--json", default=None, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)

    # BLAS reads its thread count at load time: re-run ourselves with the variables set if needed.
    want = str(args.threads)
    if any(os.environ.get(v) != want for v in _THREAD_VARS):
        env = dict(os.environ, **{v: want for v in _THREAD_VARS})
        os.execve(sys.executable, [sys.executable, "-m", "ember.bench", *(argv if argv is not None else sys.argv[1:])],
                  env)

    try:
        import torch
    except ImportError:
        sys.exit("the benchmark compares against PyTorch: pip install torch==2.13.0")
    import ember
    torch.set_num_threads(args.threads)

    names = [n for n in args.only.split(",") if n] or [*WORKLOADS, "import", "rss"]
    results = []
    for name in names:
        first = len(results)
        if name == "import":
            results.extend(measure_import(os.environ.copy()))
        elif name == "rss":
            results.append(measure_rss(os.environ.copy()))
        elif name in WORKLOADS:
            slow = name.endswith("_epoch")
            results.append(run_workload(name, ember, torch, rounds=args.rounds if not slow else 3,
                                        steps=args.steps if not slow else 1, warmup=2 if not slow else 1))
        else:
            sys.exit(f"unknown workload {name!r}; choose from {', '.join([*WORKLOADS, 'import', 'rss'])}")
        for row in results[first:]:
            print(f"{row['workload']}: {row['torch_ms']} vs {row['ember_ms']} (ratio {row['ratio']})",
                  file=sys.stderr, flush=True)
    meta = {"ember": ember.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "cpu": _cpu_name(), "threads": args.threads}
    print(markdown(results, meta))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
