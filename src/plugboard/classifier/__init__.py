"""The sequence classifier family: an encoder whose states are pooled by the attention slot
(a learned query), a classification head, its DataModules (Dyck words, labelled TSV text)."""

from plugboard.classifier.model import SequenceClassifier

__all__ = ["SequenceClassifier"]
