"""Images on disk: split files and folder trees, read from fake roots of JPEG files."""

import numpy as np
import pytest
import torch
from PIL import Image

from skimbal import ImbalancedNetClassifier
from skimbal.datasets import (
    load_image_folders,
    load_imagenet_lt,
    load_inaturalist_lt,
    load_places_lt,
    load_split_files,
    read_split_file,
)

# images per class in the training split: many (> 100), medium (20-100), few (< 20)
_COUNTS = [101, 20, 3]


def _jpeg(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((40, 30, 3), value, dtype=np.uint8)).save(path, "JPEG")


@pytest.fixture(scope="module")
def imagenet_root(tmp_path_factory):
    """A fake ImageNet_LT folder: JPEG files and the three split files."""
    home = tmp_path_factory.mktemp("data")
    root = home / "ImageNet_LT"
    lines = {"train": [], "val": [], "test": []}
    for c, n in enumerate(_COUNTS):
        for split, count in (("train", n), ("val", 2), ("test", 3)):
            for i in range(count):
                relative = f"{split}/n{c:08d}/img_{i}.JPEG"
                _jpeg(root / relative, 40 * c + i % 7)
                lines[split].append(f"{relative} {c}")
    for split, rows in lines.items():
        (root / f"ImageNet_LT_{split}.txt").write_text("\n".join(rows) + "\n")
    return home


def test_the_split_files_give_classes_counts_and_groups(imagenet_root):
    train, y, test, y_test, val, y_val = load_imagenet_lt(data_home=str(imagenet_root))
    assert np.bincount(y).tolist() == _COUNTS and len(y) == len(train)
    assert train.class_counts[:3].tolist() == _COUNTS and len(train.class_counts) == 1000
    assert train.groups[:3].tolist() == ["many", "medium", "few"]
    assert test.groups[:3].tolist() == ["many", "medium", "few"]  # by the training counts
    assert np.bincount(y_test).tolist() == [3, 3, 3] and len(y_val) == 6
    x, label = test[4]  # the literature's test transform: uint8 (3, 224, 224)
    assert x.dtype == torch.uint8 and x.shape == (3, 224, 224) and label == 1
    x, _ = train[0]
    assert x.shape == (3, 224, 224)


def test_split_file_errors_name_the_file_and_line(tmp_path):
    _jpeg(tmp_path / "a.jpg", 0)
    bad = tmp_path / "bad.txt"
    bad.write_text("a.jpg 0\na.jpg\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 2: expected 'relative/path label'"):
        read_split_file(bad, tmp_path)
    bad.write_text("a.jpg 0\na.jpg 7\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 2: label 7 is out of range \(0 to 4\)"):
        read_split_file(bad, tmp_path, n_classes=5)
    bad.write_text("a.jpg 0\nmissing.jpg 1\n")
    with pytest.raises(FileNotFoundError, match=r"bad.txt, line 2: image .*missing.jpg"):
        read_split_file(bad, tmp_path)
    with pytest.raises(FileNotFoundError, match="Split file .*nope.txt"):
        load_split_files(tmp_path, "nope.txt", "bad.txt")
    with pytest.raises(ValueError, match="cannot be downloaded by skimbal"):
        load_places_lt(data_home=str(tmp_path), download=True)


def test_image_folders(tmp_path):
    for split, n in (("train", [5, 2]), ("test", [2, 2])):
        for c, count in zip(("cat", "dog"), n):
            for i in range(count):
                _jpeg(tmp_path / split / c / f"{i}.jpg", 10 * i)
    train, y, test, y_test = load_image_folders(tmp_path, transform=None)
    assert train.classes == ["cat", "dog"] and np.bincount(y).tolist() == [5, 2]
    assert test[0][0].shape == (3, 40, 30)  # no transform: the decoded image
    _jpeg(tmp_path / "test" / "emu" / "0.jpg", 0)
    with pytest.raises(ValueError, match=r"classes the training folder lacks: \['emu'\]"):
        load_image_folders(tmp_path)


def test_a_network_trains_on_the_split_files(imagenet_root):
    from torchvision import transforms

    small = transforms.Compose([transforms.Resize((16, 16)), transforms.PILToTensor()])
    root = imagenet_root / "ImageNet_LT"
    train, y, test, y_test = load_split_files(root, "ImageNet_LT_train.txt",
                                              "ImageNet_LT_test.txt", transform=small)
    clf = ImbalancedNetClassifier(module="resnet8", max_epochs=1, batch_size=32,
                                  augment=False, random_state=0).fit(train, y)
    assert clf.predict(test).shape == (9,) and set(clf.classes_) == {0, 1, 2}


def test_inaturalist_2018_with_its_split_files(tmp_path):
    import json

    root = tmp_path / "inaturalist"
    layout = {"Animalia": [0, 2], "Plantae": [1]}  # category ids by super-category
    train_counts = {0: 25, 1: 4, 2: 101}
    images, annotations, val_images, val_annotations = [], [], [], []
    for sup, ids in layout.items():
        for c in ids:
            for i in range(train_counts[c] + 2):
                name = f"{sup}/{c}/{i}.jpg"
                _jpeg(root / "2018" / name, i % 9)
                target = (images, annotations) if i < train_counts[c] else \
                    (val_images, val_annotations)
                image_id = len(images) + len(val_images)
                target[0].append({"id": image_id, "file_name": f"train_val2018/{name}"})
                target[1].append({"image_id": image_id, "category_id": c})
    for name, imgs, anns in (("train2018.json", images, annotations),
                             ("val2018.json", val_images, val_annotations)):
        (root / name).write_text(json.dumps({"images": imgs, "annotations": anns}))
    train, y, test, y_test = load_inaturalist_lt(data_home=str(tmp_path), size=32)
    assert np.bincount(y).tolist() == [25, 4, 101]
    assert train.groups.tolist() == ["medium", "few", "many"]
    assert np.bincount(y_test).tolist() == [2, 2, 2]
    assert test[0][0].shape == (3, 32, 32)
    (root / "2018" / "Plantae" / "1" / "0.jpg").unlink()
    with pytest.raises(FileNotFoundError, match=r"train2018.json: image .*Plantae/1/0.jpg"):
        load_inaturalist_lt(data_home=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="iNaturalist 2018 images not found"):
        load_inaturalist_lt(data_home=str(tmp_path / "empty"))
