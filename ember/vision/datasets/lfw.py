"""``LFWPeople`` and ``LFWPairs``: Labeled Faces in the Wild (13,233 JPEG face photos of 5,749 people), as
identities (face recognition) or as same/different pairs (face verification)."""

import os

from ember.vision.datasets.folder import default_loader
from ember.vision.datasets.utils import check_integrity, verify_str_arg
from ember.vision.datasets.vision import VisionDataset

_NO_DOWNLOAD = ("LFW dataset is no longer available for automatic download."
                "Please download the dataset manually and place it in the specified directory."
                "A commonly used mirror is available at: https://www.kaggle.com/datasets/jessicali9530/lfw-dataset")


class _LFW(VisionDataset):
    """Shared parts of the LFW datasets: the ``root/lfw-py`` layout, argument checks, MD5 checks and paths.

    The folder holds the image archive (``lfw.tgz``, ``lfw-funneled.tgz`` or ``lfw-deepfunneled.tgz``, MD5-checked)
    unpacked next to it as ``<images dir>/<name>/<name>_<NNNN>.jpg``, and the view's list file
    (``<view><DevTrain|DevTest|>.txt``, MD5-checked), plus ``lfw-names.txt`` for the people view.
    """

    base_folder = "lfw-py"
    download_url_prefix = "http://vis-www.cs.umass.edu/lfw/"
    # image_set -> (images folder, archive name, archive MD5)
    file_dict = {
        "original": ("lfw", "lfw.tgz", "a17d05bd522c52d84eca14327a23d494"),
        "funneled": ("lfw_funneled", "lfw-funneled.tgz", "1b42dfed7d15c9b2dd63d5e5840c86ad"),
        "deepfunneled": ("lfw-deepfunneled", "lfw-deepfunneled.tgz", "68331da3eb755a505a502b5aacb3c201"),
    }
    checksums = {
        "pairs.txt": "9f1ba174e4e1c508ff7cdf10ac338a7d",
        "pairsDevTest.txt": "5132f7440eb68cf58910c8a45a2ac10b",
        "pairsDevTrain.txt": "4f27cbf15b2da4a85c1907eb4181ad21",
        "people.txt": "450f0863dd89e85e73936a6d71a3474b",
        "peopleDevTest.txt": "e4bf5be0a43b5dcd9dc5ccfcb8fb19c5",
        "peopleDevTrain.txt": "54eaac34beb6d042ed3a7d883e247a21",
        "lfw-names.txt": "a6d0a479bd074669f656265a6e693f6d",
    }
    annot_file = {"10fold": "", "train": "DevTrain", "test": "DevTest"}
    names = "lfw-names.txt"

    def __init__(self, root, split, image_set, view, transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(os.path.join(root, self.base_folder), transform=transform,
                         target_transform=target_transform)
        self.image_set = verify_str_arg(image_set.lower(), "image_set", self.file_dict.keys())
        images_dir, self.filename, self.md5 = self.file_dict[self.image_set]
        self.view = verify_str_arg(view.lower(), "view", ["people", "pairs"])
        self.split = verify_str_arg(split.lower(), "split", ["10fold", "train", "test"])
        self.labels_file = f"{self.view}{self.annot_file[self.split]}.txt"
        self.data = []
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        self.images_dir = os.path.join(self.root, images_dir)
        self.loader = loader

    def _check_integrity(self):
        files = [(self.filename, self.md5), (self.labels_file, self.checksums[self.labels_file])]
        if self.view == "people":
            files.append((self.names, self.checksums[self.names]))
        return all(check_integrity(os.path.join(self.root, name), md5) for name, md5 in files)

    def download(self):
        """Always raises ``ValueError``: the LFW files are no longer served; fetch them by hand into ``root``."""
        raise ValueError(_NO_DOWNLOAD)

    def _get_path(self, identity, no):
        return os.path.join(self.images_dir, identity, f"{identity}_{int(no):04d}.jpg")

    def _read_lines(self, name):
        with open(os.path.join(self.root, name)) as f:
            return f.readlines()

    def extra_repr(self):
        return f"Alignment: {self.image_set}\nSplit: {self.split}"

    def __len__(self):
        return len(self.data)


class LFWPeople(_LFW):
    """LFW for face recognition: every photo of the split's people, labelled by identity.

    Files live in ``root/lfw-py/``: the alignment's archive (``lfw.tgz``, ``lfw-funneled.tgz`` or
    ``lfw-deepfunneled.tgz``, MD5-checked) unpacked beside it as ``<folder>/<name>/<name>_<NNNN>.jpg``, and the
    MD5-checked lists. The people lists are ``people.txt`` (``10fold``:
    a fold count, then per fold a person count and ``<name>\\t<number of photos>`` lines), ``peopleDevTrain.txt``
    and ``peopleDevTest.txt`` (a person count, then the lines). Identities are numbered by their line in
    ``lfw-names.txt``. Automatic download is no longer possible: ``download=True`` raises ``ValueError``.

    Args:
        root: the folder holding ``lfw-py``.
        split: ``"10fold"``, ``"train"`` or ``"test"`` (case-insensitive).
        image_set: the alignment, ``"original"``, ``"funneled"`` or ``"deepfunneled"`` (case-insensitive).
        transform: applied to the image (a PIL RGB image from ``loader``).
        target_transform: applied to the int identity.
        download: not supported any more; leave it False.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = LFWPeople("data", split="test", image_set="deepfunneled")
        >>> img, identity = ds[0]
        >>> len(ds.class_to_idx)
        5749
    """

    def __init__(self, root, split="10fold", image_set="funneled", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, split, image_set, "people", transform, target_transform, download, loader)
        self.class_to_idx = self._get_classes()
        self.data, self.targets = self._get_people()

    def _get_people(self):
        lines = self._read_lines(self.labels_file)
        # ``10fold`` files start with the fold count; each fold (or the whole dev file) with its line count
        n_folds, start = (int(lines[0]), 1) if self.split == "10fold" else (1, 0)
        data, targets = [], []
        for _ in range(n_folds):
            n_lines = int(lines[start])
            for line in lines[start + 1:start + n_lines + 1]:
                identity, num_imgs = line.strip().split("\t")
                for num in range(1, int(num_imgs) + 1):
                    data.append(self._get_path(identity, num))
                    targets.append(self.class_to_idx[identity])
            start += n_lines + 1
        return data, targets

    def _get_classes(self):
        names = [line.strip().split()[0] for line in self._read_lines(self.names)]
        return {name: i for i, name in enumerate(names)}

    def __getitem__(self, index):
        """(image, target): the image from ``loader`` (a PIL RGB image by default) and the int identity."""
        img, target = self.loader(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return super().extra_repr() + f"\nClasses (identities): {len(self.class_to_idx)}"


class LFWPairs(_LFW):
    """LFW for face verification: pairs of photos, the target 1 for the same person and 0 for two people.

    Files live in ``root/lfw-py/``; the pair lists are ``pairs.txt`` (``10fold``: first line
    ``<folds>\\t<pairs per fold>``) and ``pairsDevTrain.txt``/``pairsDevTest.txt`` (first line ``<pairs>``). Each
    fold lists its matched pairs (``<name>\\t<n1>\\t<n2>``) then as many mismatched ones
    (``<name1>\\t<n1>\\t<name2>\\t<n2>``). ``pair_names`` holds the two identities of each pair. Automatic download
    is no longer possible: ``download=True`` raises ``ValueError``.

    Args:
        root: the folder holding ``lfw-py``.
        split: ``"10fold"``, ``"train"`` or ``"test"`` (case-insensitive).
        image_set: the alignment, ``"original"``, ``"funneled"`` or ``"deepfunneled"`` (case-insensitive).
        transform: applied to each of the two images (PIL RGB images from ``loader``).
        target_transform: applied to the int target.
        download: not supported any more; leave it False.
        loader: reads one image file (default: pillow, converted to RGB).

    Example::

        >>> ds = LFWPairs("data", split="train")
        >>> img1, img2, same = ds[0]
    """

    def __init__(self, root, split="10fold", image_set="funneled", transform=None, target_transform=None,
                 download=False, loader=default_loader):
        super().__init__(root, split, image_set, "pairs", transform, target_transform, download, loader)
        self.pair_names, self.data, self.targets = self._get_pairs(self.images_dir)

    def _get_pairs(self, images_dir):
        lines = self._read_lines(self.labels_file)
        if self.split == "10fold":
            n_folds, n_pairs = (int(v) for v in lines[0].split("\t"))
        else:
            n_folds, n_pairs = 1, int(lines[0])
        pair_names, data, targets = [], [], []
        start = 1
        for _ in range(n_folds):
            matched = [line.strip().split("\t") for line in lines[start:start + n_pairs]]
            unmatched = [line.strip().split("\t") for line in lines[start + n_pairs:start + 2 * n_pairs]]
            start += 2 * n_pairs
            for name, n1, n2 in ((p[0], p[1], p[2]) for p in matched):
                pair_names.append((name, name))
                data.append((self._get_path(name, n1), self._get_path(name, n2)))
                targets.append(1)
            for name1, n1, name2, n2 in ((p[0], p[1], p[2], p[3]) for p in unmatched):
                pair_names.append((name1, name2))
                data.append((self._get_path(name1, n1), self._get_path(name2, n2)))
                targets.append(0)
        return pair_names, data, targets

    def __getitem__(self, index):
        """(image1, image2, target): the two images from ``loader`` and 1 (same person) or 0."""
        path1, path2 = self.data[index]
        img1, img2, target = self.loader(path1), self.loader(path2), self.targets[index]
        if self.transform is not None:
            img1, img2 = self.transform(img1), self.transform(img2)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img1, img2, target
