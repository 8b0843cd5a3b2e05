"""Teacher forcing without input feeding, all target positions at once, against stepping.

    python -m benchmarks.parallel_teacher_forcing           # S = T = 32, 15 rounds
    python -m benchmarks.parallel_teacher_forcing --quick   # 3 rounds

A training step of the recurrent decoder alone (teacher-forced forward, cross-entropy, backward
into the encoder states too, an Adam step) at source length S = target length T = 32, batch 64,
embedding 64, GRU hidden 128, encoder states of 128, 54 target symbols, for `dot`, `general` and
`additive` attention:

- "parallel": `model.decoder.input_feeding=false`, the path the decoder takes by itself: one fused
  GRU call over the target, attention for all positions at once;
- "stepped": the same decoder and weights forced to step (`parallel_teacher_forcing = False`);
- "dot + input feeding": the default decoder of the matched comparison, which must step.

Each round times one step of every arm in turn, so a change in the machine's load hits all alike;
the figures are medians over the rounds.
"""

from __future__ import annotations

import time

from benchmarks.common import argument_parser, markdown_table, median, write_results

BATCH, EMBEDDING, HIDDEN, VOCAB, LENGTH = 64, 64, 128, 54, 32
VARIANTS = ("dot", "general", "additive")
REFERENCE = ("dot", "input feeding")


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, help="timed rounds (default 15; --quick 3)")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 15)
    seconds = time_steps(rounds)
    reference = median(seconds[REFERENCE])
    rows = []
    for variant in VARIANTS:
        parallel, stepped = median(seconds[variant, "parallel"]), median(seconds[variant, "stepped"])
        rows.append(
            [
                variant,
                f"{1000 * stepped:.1f}",
                f"{1000 * parallel:.1f}",
                f"{stepped / parallel:.2f}x",
                f"{reference / parallel:.2f}x",
            ]
        )
    table = markdown_table(
        [
            "attention",
            "stepped ms/step",
            "parallel ms/step",
            "speed-up over stepped",
            "speed-up over dot + input feeding",
        ],
        rows,
    )
    text = (
        "## Teacher forcing without input feeding: all positions at once against stepping\n\n"
        f"Training step of the recurrent decoder at S = T = {LENGTH}, batch {BATCH}; median of "
        f"{rounds} rounds. dot + input feeding (steps): {1000 * reference:.1f} ms/step.\n\n{table}"
    )
    data = {"rounds": rounds, "seconds": {" / ".join(key): values for key, values in seconds.items()}}
    write_results(args.output_dir, "parallel_teacher_forcing", text, data)


def build(variant: str, input_feeding: bool):
    import torch
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from plugboard.core.paths import CONFIG_DIR
    from plugboard.modules.decoders import RecurrentDecoder

    attention = instantiate(OmegaConf.load(CONFIG_DIR / "model" / "attention" / f"{variant}.yaml"))
    torch.manual_seed(0)
    return RecurrentDecoder(VOCAB, HIDDEN, attention, EMBEDDING, HIDDEN, input_feeding=input_feeding).train()


def time_steps(rounds: int) -> dict[tuple[str, str], list[float]]:
    import torch
    import torch.nn.functional as F

    from plugboard.modules.encoders import EncoderOutput

    generator = torch.Generator().manual_seed(LENGTH)
    states = torch.randn(BATCH, LENGTH, HIDDEN, generator=generator, requires_grad=True)
    encoded = EncoderOutput(states, torch.randn(BATCH, HIDDEN, generator=generator))
    mask = torch.ones(BATCH, LENGTH, dtype=torch.bool)
    target = torch.randint(4, VOCAB, (BATCH, LENGTH), generator=generator)
    decoders = {REFERENCE: build("dot", input_feeding=True)}
    for variant in VARIANTS:
        decoders[variant, "parallel"] = build(variant, input_feeding=False)
        decoders[variant, "stepped"] = build(variant, input_feeding=False)
        decoders[variant, "stepped"].parallel_teacher_forcing = False
    optimizers = {key: torch.optim.Adam(decoder.parameters(), lr=1e-3) for key, decoder in decoders.items()}

    def train_step(key: tuple[str, str]) -> torch.Tensor:
        optimizers[key].zero_grad()
        states.grad = None
        logits = decoders[key](target, encoded, mask)
        F.cross_entropy(logits.flatten(0, 1), target.flatten()).backward()
        optimizers[key].step()
        return logits

    for variant in VARIANTS:  # untimed first steps; the two paths must agree
        first = [train_step((variant, arm)) for arm in ("parallel", "stepped")]
        torch.testing.assert_close(first[0], first[1], rtol=1e-4, atol=1e-4)
    train_step(REFERENCE)
    seconds: dict[tuple[str, str], list[float]] = {key: [] for key in decoders}
    for _ in range(rounds):
        for key in decoders:
            started = time.perf_counter()
            train_step(key)
            seconds[key].append(time.perf_counter() - started)
    return seconds


if __name__ == "__main__":
    main()
