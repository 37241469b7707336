"""chainnet: industrial clusters as networks of firms, audited against reference industry chains.

>>> import chainnet
>>> c = chainnet.load_dataset("demo_copper")
>>> c.summary()["templates"]
['copper']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._errors import ChainnetError, DatasetError, DataWarning, Problem, TemplateError, ValidationError
from .datasets import available as available_datasets
from .datasets import load as load_dataset
from .io import read_cluster, read_template, write_cluster
from .model import Cluster
from .template import Template, builtin_templates, load_template

try:
    __version__ = version("chainnet")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "ChainnetError", "Cluster", "DataWarning", "DatasetError", "Problem", "Template", "TemplateError",
    "ValidationError", "__version__", "available_datasets", "builtin_templates", "load_dataset", "load_template",
    "read_cluster", "read_template", "write_cluster",
]
