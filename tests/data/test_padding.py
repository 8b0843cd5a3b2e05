"""pad_or_cut: decoded rows brought to the target's length, whichever side is longer."""

from __future__ import annotations

import torch

from plugboard.data.padding import pad_or_cut


def test_short_rows_are_filled_with_padding_and_long_rows_cut():
    ids = torch.tensor([[5, 6, 2], [7, 2, 0]])
    assert pad_or_cut(ids, 5, pad_id=0).tolist() == [[5, 6, 2, 0, 0], [7, 2, 0, 0, 0]]
    assert pad_or_cut(ids, 2, pad_id=0).tolist() == [[5, 6], [7, 2]]
    assert torch.equal(pad_or_cut(ids, 3, pad_id=0), ids)
