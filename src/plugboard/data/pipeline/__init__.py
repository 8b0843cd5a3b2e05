"""Data pipelines: a source's examples through an ordered list of filters and transforms.

Each step is one small class in this package and one config in configs/data/pipeline/.
"""

from plugboard.data.pipeline.base import Filter, Step, Transform
from plugboard.data.pipeline.duplicates import DropDuplicates
from plugboard.data.pipeline.empty_target import DropEmptyTarget
from plugboard.data.pipeline.length import FilterLength
from plugboard.data.pipeline.lowercase import Lowercase
from plugboard.data.pipeline.map_characters import MapCharacters
from plugboard.data.pipeline.matching import KeepMatching
from plugboard.data.pipeline.normalize import Normalize
from plugboard.data.pipeline.pipeline import Pipeline
from plugboard.data.pipeline.strip import Strip
from plugboard.data.pipeline.tokenize import Tokenize

__all__ = [
    "DropDuplicates",
    "DropEmptyTarget",
    "Filter",
    "FilterLength",
    "KeepMatching",
    "Lowercase",
    "MapCharacters",
    "Normalize",
    "Pipeline",
    "Step",
    "Strip",
    "Tokenize",
    "Transform",
]
