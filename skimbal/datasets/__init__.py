"""Long-tailed datasets: the LDAM subsampling protocol and loaders."""

from ._base import get_data_home
from ._digits import load_digits_lt
from ._folders import (
    ImageListDataset,
    literature_transform,
    load_image_folders,
    load_imagenet_lt,
    load_inaturalist_lt,
    load_places_lt,
    load_split_files,
    read_split_file,
)
from ._long_tailed import long_tailed_counts, make_long_tailed
from ._torchvision import (
    load_cifar10_lt,
    load_cifar100_lt,
    load_fashion_mnist_lt,
    load_mnist_lt,
)

__all__ = [
    "ImageListDataset",
    "get_data_home",
    "load_cifar100_lt",
    "load_cifar10_lt",
    "load_digits_lt",
    "load_fashion_mnist_lt",
    "load_image_folders",
    "load_imagenet_lt",
    "load_inaturalist_lt",
    "load_mnist_lt",
    "load_places_lt",
    "load_split_files",
    "literature_transform",
    "read_split_file",
    "long_tailed_counts",
    "make_long_tailed",
]
