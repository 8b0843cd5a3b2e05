"""The seq2seq family's products (raw-text predict, serve, export) say in one paragraph that a
model of another family is not theirs, instead of failing inside."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
from omegaconf import OmegaConf

from plugboard.core.checkpoints.rebuild import Rebuilt
from plugboard.core.errors import ConfigError
from plugboard.seq2seq.inference import require_seq2seq


class Mlp(L.LightningModule):
    pass


@pytest.mark.parametrize("product", ["predict.py with inputs and serve.py", "ONNX and TorchScript export"])
def test_a_model_of_another_family_is_refused_by_name(product: str):
    rebuilt = Rebuilt(Mlp(), L.LightningDataModule(), OmegaConf.create({}), {}, Path("mlp.ckpt"))
    with pytest.raises(ConfigError, match=r"mlp.ckpt holds a Mlp, not a seq2seq model") as error:
        require_seq2seq(rebuilt, product)
    assert product in str(error.value) and "eval.py" in str(error.value)
