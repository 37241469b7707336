"""chainnet: industrial clusters as networks of firms, audited against reference industry chains.

>>> import chainnet
>>> c = chainnet.load_dataset("demo_copper")
>>> c.summary()["templates"]
['copper']
>>> round(chainnet.audit(c).completeness["index"], 3)
0.519

Figures live in :mod:`chainnet.viz` (imported on demand, it loads matplotlib).
"""

from __future__ import annotations

from ._errors import ChainnetError, DatasetError, DataWarning, Problem, TemplateError, ValidationError
from ._version import __version__
from .analysis._result import AnalysisResult
from .analysis.centrality import LeaderResult, leaders
from .analysis.compare import Comparison, compare, distances, most_similar
from .analysis.completeness import Audit, audit, completeness
from .analysis.concentration import Concentration
from .analysis.lifecycle import Lifecycle
from .analysis.position import PositionResult, position, upstreamness, upstreamness_io
from .analysis.profile import Profile, profile
from .analysis.resilience import ResilienceResult, WhatIf, resilience, single_points_of_failure, whatif
from .analysis.specialisation import Specialisation
from .analysis.structure import StructureResult, structure
from .analysis.timeline import Diff, Timeline, diff, timeline, timeline_result
from .analysis.worldclass import WorldClass
from .datasets import available as available_datasets
from .datasets import load as load_dataset
from .generate import GeneratedCluster, generate
from .importer import ImportResult, import_firms
from .io import read_cluster, read_template, write_cluster
from .model import Cluster
from .report import analyze
from .template import Template, builtin_templates, load_template

__all__ = [
    "AnalysisResult", "Audit", "ChainnetError", "Cluster", "Comparison", "Concentration", "DataWarning",
    "DatasetError", "Diff", "GeneratedCluster", "ImportResult", "LeaderResult", "Lifecycle", "PositionResult", "Problem",
    "Profile", "ResilienceResult", "Specialisation", "StructureResult", "Template", "TemplateError", "Timeline",
    "ValidationError", "WhatIf", "WorldClass", "__version__", "analyze", "audit", "available_datasets",
    "builtin_templates", "compare", "completeness", "diff", "distances", "generate", "import_firms", "leaders", "load_dataset",
    "load_template", "most_similar", "position", "profile", "read_cluster", "read_template", "resilience",
    "single_points_of_failure", "structure", "timeline", "timeline_result", "upstreamness", "upstreamness_io",
    "whatif", "write_cluster",
]
