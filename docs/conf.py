"""Sphinx configuration of skimbal's documentation.

Build (from the repository root)::

    pip install -c constraints.txt -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import warnings

import skimbal

project = "skimbal"
author = "The skimbal developers"
copyright = "2026, The skimbal developers"
release = skimbal.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/README.rst", "**.ipynb_checkpoints"]

# --- API reference ----------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# the checks every public docstring must pass (numpydoc's codes): the build
# fails on a public name without a description, an undocumented parameter,
# a missing Returns section or a missing example
numpydoc_validation_checks = {"GL02", "GL03", "PR01", "PR02", "PR03", "PR07", "PR08",
                              "RT01", "SS01", "SS02", "SS03", "SS06", "YD01"}
numpydoc_validation_exclude = {
    r"\.__init__$",
    r"\.__call__$",
    r"\.__repr__$",
    # methods scikit-learn's base classes and mixins document for us
    r"\.(get_params|set_params|set_output|score|fit_transform|get_metadata_routing"
    r"|set_fit_request|set_score_request|set_predict_request|set_transform_request"
    r"|set_predict_proba_request|set_partial_fit_request)$",
    # constants: documented by the comment autodoc reads beside them (numpydoc
    # would validate the docstring of their type, tuple or dict)
    r"\.DEVIATION_COLUMNS$",
    r"\.LOADER_DEFAULTS$",
}

# --- Markdown pages (MyST) --------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# --- Gallery: examples run at build time ------------------------------------
os.environ.setdefault("MPLBACKEND", "Agg")
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "within_subsection_order": "FileNameSortKey",
}
warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")

# --- HTML -------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skimbal {release}"
html_theme_options = {
    "github_url": "https://github.com/skimbal/skimbal",
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []


def _skip_metadata_requests(app, what, name, obj, skip, options):
    # scikit-learn generates set_{method}_request on every estimator that takes
    # sample weights or other metadata; its own docs describe metadata routing
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
