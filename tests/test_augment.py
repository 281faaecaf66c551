import torch

from skimbal import BatchAugmenter


def test_no_crop_no_flip_is_identity():
    x = torch.rand(5, 3, 8, 8)
    torch.testing.assert_close(BatchAugmenter(padding=0, flip=False)(x), x)


def test_flip_returns_each_image_or_its_mirror():
    torch.manual_seed(0)
    x = torch.rand(64, 2, 6, 6)
    out = BatchAugmenter(padding=0, flip=True)(x)
    same = (out == x).flatten(1).all(1)
    mirrored = (out == x.flip(3)).flatten(1).all(1)
    assert bool((same | mirrored).all())
    assert 10 < int(mirrored.sum()) < 54  # about half are flipped


def test_crop_is_a_window_of_the_zero_padded_image():
    torch.manual_seed(1)
    x = torch.rand(32, 3, 7, 7) + 1.0  # strictly positive, padding is 0
    p = 2
    out = BatchAugmenter(padding=p, flip=False)(x)
    padded = torch.nn.functional.pad(x, (p, p, p, p))
    shifts = set()
    for i in range(len(x)):
        matches = [
            (dy, dx)
            for dy in range(2 * p + 1)
            for dx in range(2 * p + 1)
            if torch.equal(out[i], padded[i, :, dy : dy + 7, dx : dx + 7])
        ]
        assert matches, f"image {i} is not a window of its padded version"
        shifts.add(matches[0])
    assert len(shifts) > 5  # offsets vary from image to image
