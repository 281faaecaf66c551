"""Helpers shared by the benchmark scripts (not part of the package)."""

import os
import shutil
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CACHE = Path(__file__).resolve().parent / "_cache" / "data"
# the 22 of imbalanced-learn's benchmark sets that ship in ../shared/data
IMBLEARN_SETS = ("ecoli", "optical_digits", "satimage", "pen_digits", "abalone",
                 "sick_euthyroid", "spectrometer", "car_eval_34", "us_crime", "yeast_ml8",
                 "libras_move", "thyroid_sick", "arrhythmia", "solar_flare_m0", "oil",
                 "car_eval_4", "wine_quality", "letter_img", "yeast_me2", "ozone_level",
                 "mammography", "abalone_19")


def data_home():
    """A writable data home holding torchvision's MNIST / Fashion-MNIST files.

    ``SKIMBAL_DATA`` if set; otherwise the project's real copies in
    ``../shared/data`` are copied once into ``benchmarks/_cache/data`` (the
    image sets, which torchvision unpacks beside themselves) or linked there
    (imbalanced-learn's tabular sets, in ``fetch_datasets``' ``zenodo/`` layout).
    """
    if "SKIMBAL_DATA" in os.environ:
        return os.environ["SKIMBAL_DATA"]
    for name, folder in (("fashion-mnist", "FashionMNIST"), ("mnist", "MNIST")):
        source = SHARED_DATA / name / folder
        if source.exists() and not (CACHE / folder).exists():
            shutil.copytree(source, CACHE / folder)
    # imbalanced-learn's sets, read in place in fetch_datasets' layout (zenodo/)
    tabular = SHARED_DATA / "tabular" / "imblearn-zenodo"
    if tabular.exists() and not (CACHE / "zenodo").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "zenodo").symlink_to(tabular, target_is_directory=True)
    return str(CACHE)

