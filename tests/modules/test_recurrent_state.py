"""GRU and LSTM layers chosen by their class in the config, with the parameter names and the
configs (`cell: gru`) that checkpoints were written with still read."""

from __future__ import annotations

from pathlib import Path

import torch
from helpers import compose_config
from hydra.utils import instantiate
from omegaconf import OmegaConf
from torch import nn

from plugboard.core.checkpoints.rebuild import rebuild
from plugboard.core.handoff import METADATA_KEY, data_metadata, instantiate_with_metadata
from plugboard.modules.attention import DotAttention
from plugboard.modules.decoders import RecurrentDecoder
from plugboard.modules.encoders import RecurrentEncoder

KINDS = ("weight", "bias")
# The parameters of a 2-layer bidirectional LSTM encoder and a 2-layer LSTM decoder, as the
# releases that named the cell ("lstm") wrote them into checkpoints.
LSTM_ENCODER_PARAMETERS = {
    "embedding.weight",
    *(
        f"rnn.{kind}_{side}_l{layer}{direction}"
        for kind in ("weight", "bias")
        for side in ("ih", "hh")
        for layer in (0, 1)
        for direction in ("", "_reverse")
    ),
    "projection.weight",
    "projection.bias",
}
LSTM_DECODER_PARAMETERS = {
    "embedding.weight",
    *(f"cells.{layer}.{kind}_{side}" for layer in (0, 1) for kind in KINDS for side in ("ih", "hh")),
    *(f"{layer}.{kind}" for layer in ("init_projection", "combine") for kind in ("weight", "bias")),
    "output.weight",  # no output bias now; older checkpoints keep theirs (test_layout_before_the_options)
}
SMALL = [
    "data=copy",
    "data.task.max_length=5",
    "data.task.long_max_length=7",
    "data.train_size=32",
    "data.val_size=8",
    "data.test_size=8",
    "model.encoder.hidden_size=8",
    "model.encoder.embedding_size=4",
    "model.decoder.embedding_size=4",
]


def test_the_configs_build_the_layers_checkpoints_were_written_with(tmp_path: Path):
    cfg = compose_config(
        [*SMALL, "model/encoder=lstm", "model.encoder.num_layers=2", "model.decoder.num_layers=2"], tmp_path
    )
    cfg.model.decoder.cell._target_ = "torch.nn.LSTMCell"
    encoder = instantiate(cfg.model.encoder)(vocab_size=10)
    decoder = instantiate(cfg.model.decoder)(vocab_size=10, encoder_size=8, attention=DotAttention)
    assert isinstance(encoder.rnn, nn.LSTM) and all(isinstance(cell, nn.LSTMCell) for cell in decoder.cells)
    assert set(encoder.state_dict()) == LSTM_ENCODER_PARAMETERS
    assert set(decoder.state_dict()) == LSTM_DECODER_PARAMETERS
    gru = instantiate(compose_config(SMALL, tmp_path).model.encoder)(vocab_size=10)
    assert isinstance(gru.rnn, nn.GRU)


def test_a_cell_named_as_older_configs_did_builds_the_same_layers():
    for name, layer, cell in (("gru", nn.GRU, nn.GRUCell), ("lstm", nn.LSTM, nn.LSTMCell)):
        by_name, by_class = RecurrentEncoder(10, 4, 8, cell=name), RecurrentEncoder(10, 4, 8, cell=layer)
        assert type(by_name.rnn) is layer and by_name.state_dict().keys() == by_class.state_dict().keys()
        decoder = RecurrentDecoder(10, 8, DotAttention, 4, 8, num_layers=2, cell=name)
        assert all(type(each) is cell for each in decoder.cells)


def test_an_lstm_decoder_carries_its_memory_from_step_to_step():
    torch.manual_seed(0)
    decoder = RecurrentDecoder(10, 8, DotAttention, 4, 8, num_layers=2, cell=nn.LSTMCell).eval()
    mask = torch.ones(1, 3, dtype=torch.bool)
    encoded = RecurrentEncoder(10, 4, 8, cell=nn.LSTM).eval()(torch.tensor([[3, 4, 5]]), mask)
    state = decoder.init_state(encoded, mask)
    assert state["cell"].shape == state["hidden"].shape == (1, 2, 8) and not state["cell"].any()
    _, state, _ = decoder.step(torch.tensor([1]), state, encoded, mask, decoder.prepare(encoded, mask))
    assert state["cell"].shape == (1, 2, 8) and state["cell"].any()
    assert "cell" not in RecurrentDecoder(10, 8, DotAttention, 4, 8).init_state(encoded, mask)


def test_a_checkpoint_whose_config_names_its_cells_still_rebuilds(tmp_path: Path):
    cfg = compose_config([*SMALL, "model/encoder=lstm"], tmp_path)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    metadata = data_metadata(datamodule)
    model = instantiate_with_metadata(cfg.model, metadata)
    config = OmegaConf.to_container(cfg, resolve=True)
    config["model"]["encoder"]["cell"], config["model"]["decoder"]["cell"] = "lstm", "gru"  # as written then
    path = tmp_path / "named_cells.ckpt"
    torch.save({"state_dict": model.state_dict(), "config": config, METADATA_KEY: metadata}, path)

    rebuilt = rebuild(path).model
    assert isinstance(rebuilt.encoder.rnn, nn.LSTM) and isinstance(rebuilt.decoder.cells[0], nn.GRUCell)
    for name, tensor in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[name], tensor), name
