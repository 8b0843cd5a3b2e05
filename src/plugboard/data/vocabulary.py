"""A token <-> id mapping that is stored as plain data (a list of strings).

Stored in every checkpoint so that evaluation and prediction rebuild the exact
vocabulary the model was trained with, without pickling Python objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)


class Vocabulary:
    """Ids 0-3 are the specials `<pad> <bos> <eos> <unk>`; the rest follow in given order."""

    def __init__(self, tokens: Sequence[str]) -> None:
        tokens = list(tokens)
        if tuple(tokens[: len(SPECIALS)]) != SPECIALS:
            tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        if len(set(tokens)) != len(tokens):
            raise ValueError("Vocabulary tokens must be unique.")
        self.tokens = tokens
        self._ids = {token: index for index, token in enumerate(tokens)}

    @classmethod
    def from_sequences(cls, sequences: Iterable[Sequence[str]]) -> Vocabulary:
        """Builds a vocabulary from token sequences, sorted so it does not depend on order."""
        seen = {token for sequence in sequences for token in sequence}
        return cls(sorted(seen - set(SPECIALS), key=_natural_key))

    def extended(self, sequences: Iterable[Sequence[str]]) -> Vocabulary:
        """These tokens in their order, then those of `sequences` not among them (sorted): a
        trained model's ids stay valid, and new tokens get new ids after them."""
        new = {token for sequence in sequences for token in sequence} - set(self.tokens)
        return Vocabulary([*self.tokens, *sorted(new, key=_natural_key)])

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and other.tokens == self.tokens

    def encode(self, tokens: Sequence[str], add_eos: bool = False) -> list[int]:
        ids = [self._ids.get(token, self.unk_id) for token in tokens]
        return ids + [self.eos_id] if add_eos else ids

    def strip(self, ids: Iterable[int]) -> list[int]:
        """The content ids: up to the first `<eos>`, without `<pad>` or `<bos>`."""
        content = []
        for index in ids:
            index = int(index)
            if index == self.eos_id:
                break
            if index not in (self.pad_id, self.bos_id):
                content.append(index)
        return content

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Maps ids back to tokens, stopping at the first `<eos>` and dropping padding."""
        return [self.tokens[index] for index in self.strip(ids)]


def _natural_key(token: str) -> tuple[int, int | str]:
    """Sorts numeric tokens numerically ("2" before "10") and the rest alphabetically."""
    return (0, int(token)) if token.isdigit() else (1, token)
