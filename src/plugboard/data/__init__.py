"""Data parts shared by the model families: the token vocabulary and length-bucketed batches."""

from plugboard.data.bucketing import BucketBatchSampler
from plugboard.data.vocabulary import SPECIALS, Vocabulary

__all__ = ["SPECIALS", "BucketBatchSampler", "Vocabulary"]
