"""Images on disk: folder trees and the split files of ImageNet-LT and Places-LT.

The large-scale long-tailed benchmarks (Liu et al., "Large-Scale Long-Tailed
Recognition in an Open World", CVPR 2019) are distributed as images plus text
files of ``relative/path label`` lines, one file per split
(``ImageNet_LT_train.txt``, ``..._val.txt``, ``..._test.txt``). The loaders
here read them, and ``ImageFolder``-style trees, into torch Datasets that
``ImbalancedNetClassifier.fit`` takes with their labels, decoding each image
when it is read.

Transforms (``transform="literature"``): the ImageNet recipe of that
literature. Training: ``RandomResizedCrop(224)`` and a random horizontal
flip; test: ``Resize(256)`` and ``CenterCrop(224)``. The images come out as
``uint8`` tensors of shape ``(3, 224, 224)``, not normalised: the estimator
scales them to [0, 1] and standardises each channel by the training images'
own statistics, where the literature uses ImageNet's means and standard
deviations. Pass ``augment=False`` to the estimator, whose own augmentation
is for 32 x 32 images.
"""

import os

import numpy as np
import torch

from ..metrics import shot_groups
from ._base import get_data_home


def literature_transform(train, size=224):
    """The large-scale long-tailed literature's transform, to ``uint8`` tensors.

    Parameters
    ----------
    train : bool
        Training (random-resized crop and flip) or test (resize, centre crop).
    size : int, default=224
        The crop's side; the test resize is ``round(size * 256 / 224)``.

    Returns
    -------
    transform : callable
        PIL image to ``uint8`` tensor ``(3, size, size)``.

    See Also
    --------
    load_imagenet_lt : A loader that takes it as ``transform``.

    Examples
    --------
    >>> from PIL import Image
    >>> from skimbal.datasets import literature_transform
    >>> image = Image.new("RGB", (300, 200))
    >>> literature_transform(train=False, size=64)(image).shape
    torch.Size([3, 64, 64])
    """
    from torchvision import transforms

    if train:
        steps = [transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip()]
    else:
        steps = [transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size)]
    return transforms.Compose(steps + [transforms.PILToTensor()])


class ImageListDataset(torch.utils.data.Dataset):
    """Labelled images on disk, decoded (as RGB) and transformed when read.

    Parameters
    ----------
    samples : list of (str, int)
        Image paths and class indices.
    transform : callable, default=None
        Applied to each PIL image (None: the image as a ``uint8`` tensor).
    n_classes : int, default=None
        Number of classes (default: the largest label plus one).
    class_counts : array-like of shape (n_classes,), default=None
        The training counts the shot groups come from (default: this set's).

    Attributes
    ----------
    targets : ndarray of shape (n_samples,)
        The labels, the ``y`` to fit with.
    class_counts : ndarray of shape (n_classes,)
        Images per class in this set.
    groups : ndarray of shape (n_classes,)
        ``"many"`` (more than 100 training images), ``"medium"`` (20 to
        100) or ``"few"`` (fewer than 20), by the training counts.

    See Also
    --------
    load_split_files : Such Datasets from split files.
    load_image_folders : Such Datasets from folder trees.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from PIL import Image
    >>> from skimbal.datasets import ImageListDataset
    >>> root = tempfile.mkdtemp()
    >>> paths = [os.path.join(root, f"{i}.png") for i in range(3)]
    >>> for path in paths:
    ...     Image.new("RGB", (8, 6)).save(path)
    >>> dataset = ImageListDataset(list(zip(paths, [0, 0, 1])))
    >>> image, label = dataset[2]
    >>> tuple(image.shape), label, dataset.class_counts.tolist()
    ((3, 6, 8), 1, [2, 1])
    """

    def __init__(self, samples, transform=None, *, n_classes=None, class_counts=None):
        self.samples = list(samples)
        self.transform = transform
        self.targets = np.asarray([label for _, label in self.samples], dtype=np.int64)
        if n_classes is None:
            n_classes = int(self.targets.max()) + 1 if len(self.targets) else 0
        self.class_counts = np.bincount(self.targets, minlength=n_classes)
        self.groups = shot_groups(self.class_counts if class_counts is None else class_counts)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        from PIL import Image

        path, label = self.samples[i]
        with Image.open(path) as image:
            image = image.convert("RGB")
        if self.transform is None:
            from torchvision.transforms.functional import pil_to_tensor

            return pil_to_tensor(image), label
        return self.transform(image), label


def read_split_file(path, root, *, n_classes=None):
    """The ``(image path, label)`` pairs of a split file of ``relative/path label`` lines.

    Parameters
    ----------
    path : str or path-like
        The split file.
    root : str or path-like
        The folder the relative paths start from.
    n_classes : int, default=None
        Labels must be below it (when given).

    Returns
    -------
    samples : list of (str, int)
        Each image's full path and its label.

    Raises
    ------
    ValueError
        For a malformed line or a label out of range, naming the file and line.
    FileNotFoundError
        For a missing split file or image, naming it.

    See Also
    --------
    load_split_files : A data set from its split files.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from PIL import Image
    >>> from skimbal.datasets import read_split_file
    >>> root = tempfile.mkdtemp()
    >>> for name in ("a.jpg", "b.jpg"):
    ...     Image.new("RGB", (8, 8)).save(os.path.join(root, name))
    >>> with open(os.path.join(root, "train.txt"), "w") as f:
    ...     _ = f.write("a.jpg 0\\nb.jpg 1\\n")
    >>> [(os.path.basename(path), label)
    ...  for path, label in read_split_file(os.path.join(root, "train.txt"), root)]
    [('a.jpg', 0), ('b.jpg', 1)]
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Split file {path!r} not found.")
    samples = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ValueError(
                    f"{path}, line {number}: expected 'relative/path label' (a path and "
                    f"an integer class), got {line.strip()!r}.")
            label = int(parts[1])
            if label < 0 or (n_classes is not None and label >= n_classes):
                raise ValueError(
                    f"{path}, line {number}: label {label} is out of range "
                    f"(0 to {'n_classes - 1' if n_classes is None else n_classes - 1}).")
            image = os.path.join(os.fspath(root), parts[0])
            if not os.path.exists(image):
                raise FileNotFoundError(f"{path}, line {number}: image {image!r} not found.")
            samples.append((image, label))
    if not samples:
        raise ValueError(f"Split file {path!r} lists no images.")
    return samples


def _transform(transform, train, size):
    if isinstance(transform, str):
        if transform != "literature":
            raise ValueError(f"transform must be 'literature', a callable or None; got "
                             f"{transform!r}.")
        return literature_transform(train, size)
    return transform


def load_split_files(root, train_file, test_file, *, val_file=None, transform="literature",
                     size=224, n_classes=None):
    """Training and test Datasets from split files (the ImageNet-LT convention).

    Parameters
    ----------
    root : str or path-like
        The folder the files' relative paths start from.
    train_file, test_file : str or path-like
        Split files of ``relative/path label`` lines (relative to ``root``
        unless absolute).
    val_file : str or path-like, default=None
        A third split (for choosing recipes); returned last when given.
    transform : "literature", callable or None, default="literature"
        ``"literature"``: :func:`literature_transform` (random for training,
        deterministic for the other splits); a callable is used for every
        split; None gives the decoded images as ``uint8`` tensors.
    size : int, default=224
        Crop size of the literature's transform.
    n_classes : int, default=None
        Labels must be below it; default: the training labels' largest plus
        one, and the other splits must stay within it.

    Returns
    -------
    train, y_train, test, y_test[, val, y_val]
        :class:`ImageListDataset` objects and their label arrays. Every
        split's ``groups`` are the shot groups of the training counts.

    See Also
    --------
    read_split_file : The format of a split file.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from PIL import Image
    >>> from skimbal.datasets import load_split_files
    >>> root = tempfile.mkdtemp()
    >>> for i in range(4):
    ...     Image.new("RGB", (8, 8)).save(os.path.join(root, f"{i}.jpg"))
    >>> with open(os.path.join(root, "train.txt"), "w") as f:
    ...     _ = f.write("0.jpg 0\\n1.jpg 0\\n2.jpg 1\\n")
    >>> with open(os.path.join(root, "test.txt"), "w") as f:
    ...     _ = f.write("3.jpg 1\\n")
    >>> train, y_train, test, y_test = load_split_files(root, "train.txt", "test.txt",
    ...                                                 transform=None)
    >>> y_train.tolist(), y_test.tolist(), train.groups.tolist()
    ([0, 0, 1], [1], ['few', 'few'])
    """
    def file(name):
        name = os.fspath(name)
        return name if os.path.isabs(name) else os.path.join(os.fspath(root), name)

    train_samples = read_split_file(file(train_file), root, n_classes=n_classes)
    if n_classes is None:
        n_classes = max(label for _, label in train_samples) + 1
    train = ImageListDataset(train_samples, _transform(transform, True, size),
                             n_classes=n_classes)
    out = [train, train.targets]
    for name in [test_file] + ([val_file] if val_file is not None else []):
        split = ImageListDataset(read_split_file(file(name), root, n_classes=n_classes),
                                 _transform(transform, False, size), n_classes=n_classes,
                                 class_counts=train.class_counts)
        out += [split, split.targets]
    return tuple(out)


def load_image_folders(root, *, train="train", test="test", transform="literature",
                       size=224):
    """Training and test Datasets from ``ImageFolder``-style trees.

    ``root/train/<class>/<image>`` and ``root/test/<class>/<image>``; the
    classes are the training folder's subfolders, sorted (as torchvision's
    ``ImageFolder``), and the test tree must have no other.

    Parameters
    ----------
    root : str or path-like
        The folder holding the two trees.
    train, test : str, default="train", "test"
        The two trees' folder names under ``root``.
    transform, size
        As in :func:`load_split_files`.

    Returns
    -------
    train, y_train, test, y_test
        :class:`ImageListDataset` objects (``classes`` holds the folder
        names) and their label arrays.

    See Also
    --------
    load_split_files : Datasets from split files instead.

    Examples
    --------
    >>> import os
    >>> import tempfile
    >>> from PIL import Image
    >>> from skimbal.datasets import load_image_folders
    >>> root = tempfile.mkdtemp()
    >>> for split, name, n in [("train", "cat", 3), ("train", "dog", 1), ("test", "dog", 2)]:
    ...     os.makedirs(os.path.join(root, split, name))
    ...     for i in range(n):
    ...         Image.new("RGB", (8, 8)).save(os.path.join(root, split, name, f"{i}.png"))
    >>> train, y_train, test, y_test = load_image_folders(root, transform=None)
    >>> train.classes, y_train.tolist(), y_test.tolist()
    (['cat', 'dog'], [0, 0, 0, 1], [1, 1])
    """
    from torchvision.datasets.folder import IMG_EXTENSIONS, make_dataset

    def classes_of(folder):
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"Image folder {folder!r} not found.")
        return sorted(entry.name for entry in os.scandir(folder) if entry.is_dir())

    train_dir, test_dir = os.path.join(root, train), os.path.join(root, test)
    classes = classes_of(train_dir)
    extra = sorted(set(classes_of(test_dir)) - set(classes))
    if extra:
        raise ValueError(f"{test_dir!r} has classes the training folder lacks: {extra}.")
    index = {name: i for i, name in enumerate(classes)}
    out = []
    counts = None
    for folder, is_train in ((train_dir, True), (test_dir, False)):
        present = {c: index[c] for c in classes_of(folder)}
        samples = make_dataset(folder, present, extensions=IMG_EXTENSIONS,
                               allow_empty=not is_train)
        split = ImageListDataset(samples, _transform(transform, is_train, size),
                                 n_classes=len(classes), class_counts=counts)
        split.classes = classes
        counts = split.class_counts if counts is None else counts
        out += [split, split.targets]
    return tuple(out)


_LIU = {
    "imagenet_lt": ("ImageNet_LT", "ImageNet_LT", 1000, "ImageNet (image-net.org, a login)"),
    "places_lt": ("Places_LT", "Places_LT", 365, "Places365 (places2.csail.mit.edu)"),
}


def _load_liu(name, data_home, download, transform, size):
    folder, prefix, n_classes, source = _LIU[name]
    root = os.path.join(get_data_home(data_home), folder)
    if download:
        raise ValueError(
            f"{folder} cannot be downloaded by skimbal: its images come from {source} and "
            f"its split files from Liu et al.'s release. Place the images and "
            f"{prefix}_train.txt, {prefix}_val.txt, {prefix}_test.txt under {root!r}.")
    return load_split_files(root, f"{prefix}_train.txt", f"{prefix}_test.txt",
                            val_file=f"{prefix}_val.txt", transform=transform, size=size,
                            n_classes=n_classes)


def load_imagenet_lt(*, data_home=None, download=False, transform="literature", size=224):
    """ImageNet-LT (Liu et al. 2019): 1,000 classes, 115.8k training images.

    Reads ``<data_home>/ImageNet_LT/`` holding the split files
    ``ImageNet_LT_{train,val,test}.txt`` and the images at the paths they list.

    Parameters
    ----------
    data_home : str, default=None
        See :func:`get_data_home`.
    download : bool, default=False
        ImageNet cannot be downloaded without a login: True raises, saying
        where to put the files.
    transform, size
        As in :func:`load_split_files`.

    Returns
    -------
    train, y_train, test, y_test, val, y_val
        :class:`ImageListDataset` objects and their label arrays.

    See Also
    --------
    load_places_lt : Places-LT, in the same layout.

    Examples
    --------
    With the split files and the images in place under ``data_home``:

    >>> from skimbal.datasets import load_imagenet_lt
    >>> train, y_train, test, y_test, val, y_val = load_imagenet_lt()  # doctest: +SKIP
    """
    return _load_liu("imagenet_lt", data_home, download, transform, size)


def load_places_lt(*, data_home=None, download=False, transform="literature", size=224):
    """Places-LT (Liu et al. 2019): 365 classes, 62.5k training images.

    Reads ``<data_home>/Places_LT/`` holding ``Places_LT_{train,val,test}.txt``
    and the images they list.

    Parameters
    ----------
    data_home, download, transform, size
        As in :func:`load_imagenet_lt`.

    Returns
    -------
    train, y_train, test, y_test, val, y_val
        :class:`ImageListDataset` objects and their label arrays.

    See Also
    --------
    load_imagenet_lt : ImageNet-LT, in the same layout.

    Examples
    --------
    With the split files and the images in place under ``data_home``:

    >>> from skimbal.datasets import load_places_lt
    >>> train, y_train, test, y_test, val, y_val = load_places_lt()  # doctest: +SKIP
    """
    return _load_liu("places_lt", data_home, download, transform, size)


def load_inaturalist_lt(*, data_home=None, download=False, transform="literature",
                        size=224):
    """The iNaturalist 2018 species: 8,142 classes, long-tailed as collected.

    The images through torchvision's ``INaturalist(version="2018")`` (under
    ``<data_home>/inaturalist/2018/<super-category>/<category id>/``;
    ``download=True`` fetches them, about 120 GB), split by the competition's
    own annotation files ``train2018.json`` and ``val2018.json`` (from the
    iNat 2018 competition's release, placed in ``<data_home>/inaturalist/``),
    whose validation split is the test set of the long-tailed literature.

    Parameters
    ----------
    data_home, download, transform, size
        As in :func:`load_imagenet_lt`.

    Returns
    -------
    train, y_train, test, y_test
        :class:`ImageListDataset` objects; labels are the category ids.

    See Also
    --------
    load_imagenet_lt : ImageNet-LT from its split files.

    Examples
    --------
    With torchvision's images and the competition's annotation files in place:

    >>> from skimbal.datasets import load_inaturalist_lt
    >>> train, y_train, test, y_test = load_inaturalist_lt()  # doctest: +SKIP
    """
    import json

    from torchvision.datasets import INaturalist

    root = os.path.join(get_data_home(data_home), "inaturalist")
    try:
        images = INaturalist(root, version="2018", download=download)
    except RuntimeError as exc:
        raise FileNotFoundError(
            f"iNaturalist 2018 images not found under {os.path.join(root, '2018')!r} "
            f"({exc}); pass download=True to fetch them.") from None
    n_classes = len(images.all_categories)
    out, counts = [], None
    for name, is_train in (("train2018.json", True), ("val2018.json", False)):
        path = os.path.join(root, name)
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"{path!r} not found: the competition's split files train2018.json and "
                f"val2018.json must sit in {root!r}.")
        with open(path) as f:
            split = json.load(f)
        labels = {a["image_id"]: int(a["category_id"]) for a in split["annotations"]}
        samples = []
        for image in split["images"]:
            # "train_val2018/<super>/<id>/<file>" -> torchvision's root/2018/...
            file = os.path.join(images.root, image["file_name"].split("/", 1)[1])
            if not os.path.exists(file):
                raise FileNotFoundError(f"{path}: image {file!r} not found.")
            label = labels[image["id"]]
            if not 0 <= label < n_classes:
                raise ValueError(f"{path}: image {image['id']} has category {label}, out of "
                                 f"range (0 to {n_classes - 1}).")
            samples.append((file, label))
        data = ImageListDataset(samples, _transform(transform, is_train, size),
                                n_classes=n_classes, class_counts=counts)
        counts = data.class_counts if counts is None else counts
        out += [data, data.targets]
    return tuple(out)
