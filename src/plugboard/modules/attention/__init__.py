"""The attention slot: one interface (`Attention`), one file per variant.

Choose a variant with `model/attention=<name>`; `configs/model/attention/<name>.yaml`
names the class here.
"""

from plugboard.modules.attention.additive import AdditiveAttention
from plugboard.modules.attention.base import Attention, Prepared, masked_softmax
from plugboard.modules.attention.dot import DotAttention
from plugboard.modules.attention.general import GeneralAttention
from plugboard.modules.attention.location import LocationAwareAttention
from plugboard.modules.attention.multihead import MultiHeadAttention
from plugboard.modules.attention.none import NoAttention
from plugboard.modules.attention.scaled_dot import ScaledDotProductAttention

__all__ = [
    "AdditiveAttention",
    "Attention",
    "DotAttention",
    "GeneralAttention",
    "LocationAwareAttention",
    "MultiHeadAttention",
    "NoAttention",
    "Prepared",
    "ScaledDotProductAttention",
    "masked_softmax",
]
