"""The graphs a deployment needs, as modules with flat tensor inputs and outputs.

Free-running decoding is a Python loop that stops when every sequence has ended, so it is
not exported: the consumer runs the loop (see `runtime.greedy_decode`) around two graphs.

- `encoder`: source [B, S], source_mask [B, S] -> encoder_states [B, S, H], what the decoder
  prepares from them once per sequence (`prepared.<name>`: e.g. the attention's projected
  keys) and its initial state (`state.<name>`), so `prepare` and `init_state` need no graph
  of their own.
- `decoder_step`: tokens [B], encoder_states, source_mask, prepared.<name>..., state.<name>...
  -> logits [B, V], attention_weights [B, S], next_state.<name>...
- `teacher_forced`: source, source_mask, decoder_input [B, T] -> logits [B, T, V]; only for
  decoders that score all target positions at once (a step-by-step decoder's loop would be
  fixed to the length it was traced with).

Which axes are dynamic is found by running each graph eagerly at two sets of sizes: the
axes whose size changes are the dynamic ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from plugboard.modules.decoders.base import Decoder, DecoderState, PreparedSource
from plugboard.modules.encoders.base import Encoder, EncoderOutput


@dataclass(frozen=True)
class Sizes:
    """The sizes of one set of example inputs; each field is a dynamic axis of that name."""

    batch: int
    source_length: int
    decoded_length: int  # decoder steps already taken when `decoder_step` is called
    target_length: int


# Two sets whose every pair of sizes is distinct, so an axis's name follows from its sizes.
# None is 0 or 1: tracers treat those sizes as special.
EXPORT_SIZES = Sizes(batch=3, source_length=5, decoded_length=2, target_length=4)
PROBE_SIZES = Sizes(batch=4, source_length=7, decoded_length=3, target_length=6)


class EncoderGraph(nn.Module):
    def __init__(
        self, encoder: Encoder, decoder: Decoder, prepared_names: list[str], state_names: list[str]
    ) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.prepared_names, self.state_names = prepared_names, state_names

    def forward(self, source: torch.Tensor, source_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        encoded = self.encoder(source, source_mask)
        prepared = self.decoder.prepare(encoded, source_mask)
        state = self.decoder.init_state(encoded, source_mask)
        return (
            encoded.states,
            *(prepared[name] for name in self.prepared_names),
            *(state[name] for name in self.state_names),
        )


class DecoderStepGraph(nn.Module):
    def __init__(self, decoder: Decoder, prepared_names: list[str], state_names: list[str]) -> None:
        super().__init__()
        self.decoder, self.prepared_names, self.state_names = decoder, prepared_names, state_names

    def forward(
        self,
        tokens: torch.Tensor,
        encoder_states: torch.Tensor,
        source_mask: torch.Tensor,
        *prepared_then_state: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        # A step reads the encoder states only; the summary was used up by init_state.
        encoded = EncoderOutput(encoder_states, None)
        count = len(self.prepared_names)
        prepared = dict(zip(self.prepared_names, prepared_then_state[:count], strict=True))
        state = dict(zip(self.state_names, prepared_then_state[count:], strict=True))
        logits, next_state, weights = self.decoder.step(tokens, state, encoded, source_mask, prepared)
        return (logits, weights, *(next_state[name] for name in self.state_names))


class TeacherForcedGraph(nn.Module):
    def __init__(self, encoder: Encoder, decoder: Decoder) -> None:
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(
        self, source: torch.Tensor, source_mask: torch.Tensor, decoder_input: torch.Tensor
    ) -> tuple[torch.Tensor]:
        return (self.decoder(decoder_input, self.encoder(source, source_mask), source_mask),)


@dataclass
class Graph:
    """One graph to export: the module, its named inputs and outputs, and where they may vary."""

    name: str
    module: nn.Module
    input_names: list[str]
    output_names: list[str]
    example: tuple[torch.Tensor, ...] = ()  # traced with these
    probe: tuple[torch.Tensor, ...] = ()  # and run with these, to find the dynamic axes
    probe_outputs: tuple[torch.Tensor, ...] = ()  # what the model gives for `probe`
    dynamic_axes: dict[str, dict[int, str]] = field(default_factory=dict)
    shapes: dict[str, list[int | str]] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)


def scores_all_positions_at_once(decoder: Decoder) -> bool:
    """True when the decoder's forward is its own, not the base class's loop over `step`; a
    decoder that chooses per config says so in `parallel_teacher_forcing` (the recurrent one)."""
    chosen = getattr(decoder, "parallel_teacher_forcing", None)
    return chosen if chosen is not None else type(decoder).forward is not Decoder.forward


def deployment_graphs(encoder: Encoder, decoder: Decoder, vocab_size: int) -> list[Graph]:
    """The graphs to export for this encoder and decoder, each measured at two sets of sizes."""
    encoder, decoder = encoder.eval(), decoder.eval()
    with torch.no_grad():
        examples = [
            _example_inputs(encoder, decoder, vocab_size, sizes) for sizes in (EXPORT_SIZES, PROBE_SIZES)
        ]
    state_names = [name.removeprefix("state.") for name in examples[0] if name.startswith("state.")]
    prepared_names = [name.removeprefix("prepared.") for name in examples[0] if name.startswith("prepared.")]
    prepared_in = [f"prepared.{name}" for name in prepared_names]
    state_in = [f"state.{name}" for name in state_names]
    state_out = [f"next_state.{name}" for name in state_names]
    specs = [
        Graph(
            "encoder",
            EncoderGraph(encoder, decoder, prepared_names, state_names),
            ["source", "source_mask"],
            ["encoder_states", *prepared_in, *state_in],
        ),
        Graph(
            "decoder_step",
            DecoderStepGraph(decoder, prepared_names, state_names),
            ["tokens", "encoder_states", "source_mask", *prepared_in, *state_in],
            ["logits", "attention_weights", *state_out],
        ),
    ]
    if scores_all_positions_at_once(decoder):
        specs.append(
            Graph(
                "teacher_forced",
                TeacherForcedGraph(encoder, decoder),
                ["source", "source_mask", "decoder_input"],
                ["logits"],
            )
        )
    for graph in specs:
        graph.module.eval()
        graph.example, graph.probe = (
            tuple(inputs[name] for name in graph.input_names) for inputs in examples
        )
        _measure(graph)
    return specs


def _example_inputs(
    encoder: Encoder, decoder: Decoder, vocab_size: int, sizes: Sizes
) -> dict[str, torch.Tensor]:
    """Realistic inputs: the state is what `decoded_length` steps of the model leave behind."""
    generator = torch.Generator().manual_seed(sizes.batch)
    source = torch.randint(4, vocab_size, (sizes.batch, sizes.source_length), generator=generator)
    lengths = sizes.source_length - torch.arange(sizes.batch).remainder(sizes.source_length - 1)
    source_mask = torch.arange(sizes.source_length).unsqueeze(0) < lengths.unsqueeze(1)  # row 0 is full
    source = source.masked_fill(~source_mask, 0)
    encoded = encoder(source, source_mask)
    tokens = torch.randint(4, vocab_size, (sizes.batch, sizes.decoded_length + 1), generator=generator)
    prepared: PreparedSource = decoder.prepare(encoded, source_mask)
    state: DecoderState = decoder.init_state(encoded, source_mask)
    for step in range(sizes.decoded_length):
        _, state, _ = decoder.step(tokens[:, step], state, encoded, source_mask, prepared)
    decoder_input = torch.randint(4, vocab_size, (sizes.batch, sizes.target_length), generator=generator)
    examples = {"source": source, "source_mask": source_mask, "encoder_states": encoded.states}
    examples |= {"tokens": tokens[:, -1], "decoder_input": decoder_input}
    examples |= {f"prepared.{name}": value for name, value in prepared.items()}
    return examples | {f"state.{name}": value for name, value in state.items()}


AXIS_NAMES = {
    (getattr(EXPORT_SIZES, name), getattr(PROBE_SIZES, name)): name
    for name in ("batch", "source_length", "decoded_length", "target_length")
}


def _measure(graph: Graph) -> None:
    """Fills in shapes, dtypes and dynamic axes by running the graph at both sets of sizes."""
    with torch.no_grad():
        example_outputs, graph.probe_outputs = graph.module(*graph.example), graph.module(*graph.probe)
    names = [*graph.input_names, *graph.output_names]
    at_example, at_probe = [*graph.example, *example_outputs], [*graph.probe, *graph.probe_outputs]
    for name, example, probe in zip(names, at_example, at_probe, strict=True):
        shape: list[int | str] = list(example.shape)
        for axis, (size, other) in enumerate(zip(example.shape, probe.shape, strict=True)):
            if size != other:
                shape[axis] = AXIS_NAMES.get((size, other), f"{name}_axis_{axis}")
                graph.dynamic_axes.setdefault(name, {})[axis] = shape[axis]
        graph.shapes[name], graph.dtypes[name] = shape, str(example.dtype).removeprefix("torch.")
