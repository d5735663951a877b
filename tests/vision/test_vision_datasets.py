"""MNIST-family datasets (synthetic IDX files written here, the real subset), downloads (never real), ImageFolder."""

import gzip
import hashlib
import io
import os
import struct
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

import ember
from ember.utils.data import DataLoader, default_collate
from ember.vision import datasets, transforms as T
from ember.vision.datasets import mnist as mnist_mod

FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def idx_bytes(arr, type_code=0x08):
    arr = np.asarray(arr)
    head = bytes([0, 0, type_code, arr.ndim]) + b"".join(struct.pack(">i", d) for d in arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def synthetic(n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test).astype(np.uint8),
    }


def write_raw(root, arrays, name="MNIST", gz=False):
    raw = os.path.join(root, name, "raw")
    os.makedirs(raw, exist_ok=True)
    for base, arr in arrays.items():
        data = idx_bytes(arr)
        if gz:
            with gzip.open(os.path.join(raw, base + ".gz"), "wb") as f:
                f.write(data)
        else:
            with open(os.path.join(raw, base), "wb") as f:
                f.write(data)
    return raw


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_torchvision_layout(tmp_path, gz):
    arrays = synthetic()
    write_raw(tmp_path, arrays, gz=gz)
    train = datasets.MNIST(str(tmp_path), train=True)
    test = datasets.MNIST(tmp_path, train=False)
    assert len(train) == 12 and len(test) == 5
    assert train.data.dtype == ember.uint8 and tuple(train.data.shape) == (12, 28, 28)
    assert train.targets.dtype == ember.int64
    np.testing.assert_array_equal(train.data.numpy(), arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(test.targets.numpy(), arrays["t10k-labels-idx1-ubyte"])
    img, label = train[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(label) is int and label == int(arrays["train-labels-idx1-ubyte"][3])
    np.testing.assert_array_equal(np.asarray(img), arrays["train-images-idx3-ubyte"][3])
    assert train.classes[0] == "0 - zero" and train.class_to_idx["9 - nine"] == 9
    assert train.raw_folder == os.path.join(str(tmp_path), "MNIST", "raw")
    assert repr(test).splitlines()[:4] == ["Dataset MNIST", "    Number of datapoints: 5",
                                           f"    Root location: {tmp_path}", "    Split: Test"]


def test_mnist_transforms_and_no_pillow(tmp_path, monkeypatch):
    arrays = synthetic()
    write_raw(tmp_path, arrays)
    ds = datasets.MNIST(tmp_path, transform=T.ToTensor(), target_transform=lambda y: y + 100)
    x, y = ds[0]
    np.testing.assert_array_equal(x.numpy(), arrays["train-images-idx3-ubyte"][:1].astype(np.float32) / 255)
    assert y == int(arrays["train-labels-idx1-ubyte"][0]) + 100
    monkeypatch.setattr(mnist_mod, "_pil", lambda: None)  # as if pillow were not installed
    plain = datasets.MNIST(tmp_path)
    img, _ = plain[0]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    np.testing.assert_array_equal(img, arrays["train-images-idx3-ubyte"][0])
    np.testing.assert_array_equal(datasets.MNIST(tmp_path, transform=T.ToTensor())[0][0].numpy(), x.numpy())
    batch = next(iter(DataLoader(plain, batch_size=4)))
    assert batch[0].dtype == ember.uint8 and tuple(batch[0].shape) == (4, 28, 28)


def test_mnist_missing_raises_torchvisions_error(tmp_path):
    for cls in (datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST):
        with pytest.raises(RuntimeError, match="^Dataset not found. You can use download=True to download it$"):
            cls(tmp_path)


@pytest.mark.parametrize("case", ["magic", "type", "truncated-data", "truncated-header", "extra", "short",
                                  "bad-gzip", "count-mismatch", "images-ndim"])
def test_corrupt_idx_raises_error_naming_the_file(tmp_path, case):
    arrays = synthetic()
    raw = write_raw(tmp_path, arrays)
    target = os.path.join(raw, "train-images-idx3-ubyte")
    good = idx_bytes(arrays["train-images-idx3-ubyte"])
    if case == "magic":
        data = b"\x01" + good[1:]
    elif case == "type":
        data = good[:2] + b"\x42" + good[3:]
    elif case == "truncated-data":
        data = good[:-100]
    elif case == "truncated-header":
        data = good[:9]
    elif case == "extra":
        data = good + b"\x00"
    elif case == "short":
        data = b"\x00\x00"
    elif case == "bad-gzip":
        os.remove(target)
        target += ".gz"
        data = gzip.compress(good)[:200]
    elif case == "count-mismatch":
        target = os.path.join(raw, "train-labels-idx1-ubyte")
        data = idx_bytes(arrays["train-labels-idx1-ubyte"][:-1])
    else:
        data = idx_bytes(arrays["train-images-idx3-ubyte"].reshape(12, 784))
    with open(target, "wb") as f:
        f.write(data)
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(tmp_path)
    assert target in str(info.value)


# ----------------------------------------------------------------------------- downloads (never real)

class FakeWeb:
    """Serves bytes for URLs; anything else (or a URL listed in ``down``) fails like an unreachable host."""

    def __init__(self, files, down=()):
        self.files, self.down, self.requested = files, set(down), []

    def urlopen(self, request, timeout=None):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        self.requested.append(url)
        if url in self.down or url not in self.files:
            raise urllib.error.URLError(f"cannot reach {url}")
        return io.BytesIO(self.files[url])


def _gz_resources(arrays):
    blobs = {base + ".gz": gzip.compress(idx_bytes(arr)) for base, arr in arrays.items()}
    resources = [(f + ".gz", hashlib.md5(blobs[f + ".gz"]).hexdigest()) for f in FILES]
    return blobs, resources


def test_download_tries_mirrors_in_order_and_verifies(tmp_path, monkeypatch):
    arrays = synthetic()
    blobs, resources = _gz_resources(arrays)
    m1, m2 = datasets.MNIST.mirrors
    web = FakeWeb({m2 + name: data for name, data in blobs.items()})
    monkeypatch.setattr(urllib.request, "urlopen", web.urlopen)
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    ds = datasets.MNIST(tmp_path, train=True, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), arrays["train-images-idx3-ubyte"])
    # first mirror first (an https mirror once more over http, as torchvision's download_url does)
    assert web.requested[:3] == [m1 + FILES[0] + ".gz", m1.replace("https:", "http:") + FILES[0] + ".gz",
                                 m2 + FILES[0] + ".gz"]
    raw = os.path.join(tmp_path, "MNIST", "raw")
    assert sorted(os.listdir(raw)) == sorted(FILES + [f + ".gz" for f in FILES])  # no temporary files left
    n = len(web.requested)
    datasets.MNIST(tmp_path, train=False, download=True)
    assert len(web.requested) == n  # already there: nothing fetched


def test_download_bad_md5_leaves_nothing(tmp_path, monkeypatch):
    arrays = synthetic()
    blobs, resources = _gz_resources(arrays)
    resources[0] = (resources[0][0], "0" * 32)
    web = FakeWeb({m + name: data for m in datasets.MNIST.mirrors for name, data in blobs.items()})
    monkeypatch.setattr(urllib.request, "urlopen", web.urlopen)
    monkeypatch.setattr(datasets.MNIST, "resources", resources)
    with pytest.raises(RuntimeError, match=r"(?s)Error downloading train-images-idx3-ubyte.gz.*MD5 mismatch"):
        datasets.MNIST(tmp_path, download=True)
    raw = os.path.join(tmp_path, "MNIST", "raw")
    assert os.listdir(raw) == []


def test_download_all_mirrors_down(tmp_path, monkeypatch):
    web = FakeWeb({})
    monkeypatch.setattr(urllib.request, "urlopen", web.urlopen)
    with pytest.raises(RuntimeError) as info:
        datasets.FashionMNIST(tmp_path, download=True)
    msg = str(info.value)
    assert msg.startswith("Error downloading train-images-idx3-ubyte.gz")
    assert "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" in msg
    assert web.requested == ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"]
    assert os.listdir(os.path.join(tmp_path, "FashionMNIST", "raw")) == []


def test_download_interrupted_midway_leaves_no_partial_file(tmp_path, monkeypatch):
    class Broken(io.BytesIO):
        def read(self, *a):
            data = super().read(*a)
            if not data:
                raise ConnectionResetError("connection reset")
            return data

    monkeypatch.setattr(urllib.request, "urlopen", lambda req, timeout=None: Broken(b"x" * 1000))
    with pytest.raises(RuntimeError, match="connection reset"):
        datasets.KMNIST(tmp_path, download=True)
    assert os.listdir(os.path.join(tmp_path, "KMNIST", "raw")) == []


def test_family_metadata(tmp_path):
    arrays = synthetic()
    write_raw(tmp_path, arrays, name="FashionMNIST")
    write_raw(tmp_path, arrays, name="KMNIST", gz=True)
    f = datasets.FashionMNIST(tmp_path)
    k = datasets.KMNIST(tmp_path, train=False)
    assert f.classes[0] == "T-shirt/top" and f.classes[9] == "Ankle boot" and len(f) == 12
    assert k.classes == ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"] and len(k) == 5
    assert datasets.MNIST.mirrors == ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                                      "http://yann.lecun.com/exdb/mnist/"]
    assert datasets.MNIST.resources[0] == ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873")
    assert datasets.KMNIST.mirrors == ["http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]


# ----------------------------------------------------------------------------- MiniMNIST (the real subset)

def test_package_data_is_the_shared_subset(mnist_subset_dir):
    pkg = os.path.join(os.path.dirname(datasets.__file__), "..", "data")
    for f in FILES:
        with open(os.path.join(pkg, f + ".gz"), "rb") as a, open(os.path.join(mnist_subset_dir, f + ".gz"), "rb") as b:
            assert a.read() == b.read()
    assert os.path.isfile(os.path.join(pkg, "README.md"))


def test_mini_mnist(mnist_subset_dir):
    train, test = datasets.MiniMNIST(train=True), datasets.MiniMNIST(train=False)
    assert len(train) == 4000 and len(test) == 1000
    assert np.bincount(train.targets.numpy()).tolist() == [400] * 10
    assert np.bincount(test.targets.numpy()).tolist() == [100] * 10
    ref = mnist_mod.read_idx(os.path.join(mnist_subset_dir, "t10k-images-idx3-ubyte.gz"))
    np.testing.assert_array_equal(test.data.numpy(), ref)
    img, label = test[0]
    assert isinstance(img, Image.Image) and type(label) is int
    assert test.classes == datasets.MNIST.classes
    test.data._data[0, 0, 0] = 255  # each dataset owns its arrays
    assert datasets.MiniMNIST(train=False).data.numpy()[0, 0, 0] == ref[0, 0, 0]
    assert 0.12 < train.data.numpy().mean() / 255 < 0.14


PIPELINES = {
    "totensor-normalize": lambda: T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
    "pad-totensor-normalize": lambda: T.Compose([T.Pad(2), T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
    "totensor-pad-normalize": lambda: T.Compose([T.ToTensor(), T.Pad((1, 2, 3, 4), fill=0.5),
                                                 T.Normalize((0.1307,), (0.3081,))]),
    "centercrop-pil-to-tensor": lambda: T.Compose([T.CenterCrop(20), T.PILToTensor()]),
    "totensor-resize": lambda: T.Compose([T.ToTensor(), T.Resize((32, 32))]),
    "totensor": lambda: T.ToTensor(),
    "resize-pil": lambda: T.Compose([T.Resize((32, 32)), T.ToTensor(), T.Normalize((0.1307,), (0.3081,))]),
    "resize-bicubic-pil": lambda: T.Compose([T.Resize((40, 30), interpolation=T.InterpolationMode.BICUBIC),
                                             T.PILToTensor()]),
    "resize-shrink-pil": lambda: T.Compose([T.Resize(20), T.ToTensor()]),
}


@pytest.mark.parametrize("name", list(PIPELINES))
def test_batched_path_equals_per_sample_path(name):
    ds = datasets.MiniMNIST(train=False, transform=PIPELINES[name]())
    per_sample = lambda b: default_collate(b)  # noqa: E731 - a different collate_fn disables whole-batch loading
    g1, g2 = ember.Generator().manual_seed(0), ember.Generator().manual_seed(0)
    fast = list(DataLoader(ds, batch_size=100, shuffle=True, generator=g1))
    slow = list(DataLoader(ds, batch_size=100, shuffle=True, generator=g2, collate_fn=per_sample))
    assert len(fast) == len(slow) == 10
    for (a, b), (c, d) in zip(fast, slow):
        assert a.dtype == c.dtype and tuple(a.shape) == tuple(c.shape)
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        np.testing.assert_array_equal(b.numpy(), d.numpy())


def test_fast_path_is_used_for_batchable_pipelines(monkeypatch):
    calls = []

    class Logged(datasets.MiniMNIST):
        def __getitem__(self, i):
            calls.append(i)
            return super().__getitem__(i)

    # A subclass overriding __getitem__ is honoured (per-sample path) ...
    logged = Logged(train=False, transform=PIPELINES["pad-totensor-normalize"]())
    list(DataLoader(logged, batch_size=500))
    assert len(calls) == 1000
    # ... while the plain dataset never builds a per-sample image.
    ds = datasets.MiniMNIST(train=False, transform=PIPELINES["pad-totensor-normalize"]())

    def no_images():
        raise AssertionError("per-sample path used")
    monkeypatch.setattr(mnist_mod, "_pil", no_images)
    x, y = next(iter(DataLoader(ds, batch_size=500)))
    assert tuple(x.shape) == (500, 1, 32, 32) and tuple(y.shape) == (500,)
    monkeypatch.undo()
    assert isinstance(datasets.MiniMNIST(transform=PIPELINES["resize-pil"]())._ember_batch([0]), list)
    for t in (T.Compose([T.RandomRotation(10), T.ToTensor()]), T.Compose([T.ToTensor(), T.Lambda(lambda x: x)]),
              T.Compose([T.Resize((20, 20)), T.ToTensor()]), T.Pad(2)):
        assert datasets.MiniMNIST(train=False, transform=t)._ember_batch([0]) is NotImplemented


def test_mini_mnist_loader_matches_torch_side_by_side(torch):
    ds = datasets.MiniMNIST(train=False, transform=PIPELINES["pad-totensor-normalize"]())
    data, targets = torch.from_numpy(ds.data.numpy().copy()), torch.from_numpy(ds.targets.numpy().copy())

    class TorchMNIST(torch.utils.data.Dataset):
        def __len__(self):
            return len(data)

        def __getitem__(self, i):
            img = torch.nn.functional.pad(data[i], (2, 2, 2, 2))[None].to(torch.float32).div(255)
            return img.sub_(torch.tensor([0.1307])[:, None, None]).div_(torch.tensor([0.3081])[:, None, None]), \
                int(targets[i])

    for drop in (False, True):
        ours = list(DataLoader(ds, batch_size=64, drop_last=drop))
        theirs = list(torch.utils.data.DataLoader(TorchMNIST(), batch_size=64, drop_last=drop))
        assert len(ours) == len(theirs) == (15 if drop else 16)
        for (a, b), (c, d) in zip(ours, theirs):
            assert str(a.dtype).split(".")[-1] == str(c.dtype).split(".")[-1] == "float32"
            assert str(b.dtype).split(".")[-1] == str(d.dtype).split(".")[-1] == "int64"
            np.testing.assert_array_equal(a.numpy(), c.numpy())
            np.testing.assert_array_equal(b.numpy(), d.numpy())


def test_mini_mnist_with_workers_equals_main_process():
    ds = datasets.MiniMNIST(train=False, transform=PIPELINES["totensor-normalize"]())
    a = [x.numpy() for x, _ in DataLoader(ds, batch_size=250, shuffle=True, generator=ember.Generator().manual_seed(3),
                                         num_workers=2)]
    b = [x.numpy() for x, _ in DataLoader(ds, batch_size=250, shuffle=True, generator=ember.Generator().manual_seed(3))]
    assert len(a) == len(b) == 4 and all((x == y).all() for x, y in zip(a, b))


# ----------------------------------------------------------------------------- ImageFolder

def test_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for cls, names in {"cats": ["b.png", "a.jpg", "notes.txt"], "dogs": ["z.bmp"]}.items():
        os.makedirs(tmp_path / cls)
        for n in names:
            if n.endswith(".txt"):
                (tmp_path / cls / n).write_text("x")
            else:
                Image.fromarray(rng.integers(0, 256, (4, 6, 3), dtype=np.uint8)).save(tmp_path / cls / n)
    ds = datasets.ImageFolder(str(tmp_path), transform=T.ToTensor())
    assert ds.classes == ["cats", "dogs"] and ds.class_to_idx == {"cats": 0, "dogs": 1}
    assert [os.path.basename(p) for p, _ in ds.samples] == ["a.jpg", "b.png", "z.bmp"]
    assert ds.targets == [0, 0, 1] and ds.imgs == ds.samples and len(ds) == 3
    x, y = ds[1]
    assert tuple(x.shape) == (3, 4, 6) and y == 0
    raw = np.asarray(Image.open(tmp_path / "cats" / "b.png").convert("RGB"))
    np.testing.assert_array_equal(x.numpy(), raw.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    batch = next(iter(DataLoader(ds, batch_size=3)))
    assert tuple(batch[0].shape) == (3, 3, 4, 6)


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        datasets.ImageFolder(str(tmp_path))
    os.makedirs(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty. Supported extensions"):
        datasets.ImageFolder(str(tmp_path))
    assert len(datasets.ImageFolder(str(tmp_path), allow_empty=True)) == 0


def test_without_pillow_everything_works_on_arrays(monkeypatch):
    tf = lambda: T.Compose([T.Resize((32, 32)), T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])  # noqa: E731
    with_pil = next(iter(DataLoader(datasets.MiniMNIST(train=False, transform=tf()), batch_size=50)))[0].numpy()
    from ember.vision.transforms import functional as F
    monkeypatch.setattr(mnist_mod, "_pil", lambda: None)
    monkeypatch.setattr(F, "_pil_image", lambda: None)
    ds = datasets.MiniMNIST(train=False, transform=tf())
    img, _ = datasets.MiniMNIST(train=False)[0]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8
    fast = next(iter(DataLoader(ds, batch_size=50)))[0].numpy()
    slow = next(iter(DataLoader(ds, batch_size=50, collate_fn=lambda b: default_collate(b))))[0].numpy()
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast, with_pil)  # arrays resize exactly like PIL
    with pytest.raises(ImportError, match="pillow"):
        T.ToPILImage()(ember.zeros(1, 2, 2))
    rotated = T.RandomRotation(10)(img)
    assert isinstance(rotated, np.ndarray) and rotated.shape == (28, 28)
