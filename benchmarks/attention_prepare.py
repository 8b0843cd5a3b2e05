"""Recurrent decoding with attention keys prepared once per sequence, against preparing them
at every step (how the decoder worked before).

    python -m benchmarks.attention_prepare           # S = T = 16 ... 128, 7 rounds; g2p 5 rounds
    python -m benchmarks.attention_prepare --quick   # S = T = 16, 32, 2 rounds; g2p 1 round, 1,000 words

1. Training step of the recurrent decoder alone, per attention variant in
   configs/model/attention/, at source length S = target length T: teacher-forced forward over
   T steps, cross-entropy, backward (into the encoder states too) and an Adam step. The
   settings of the side-by-side comparison with a peer toolkit: batch 64, embedding 64, GRU
   hidden 128 with input feeding, encoder states of size 128, 54 target symbols, the variants'
   YAML settings. "before" is the decoder as it was, with the same weights: preparing the
   keys again at every step, with the old arithmetic of the variants that changed
   (`benchmarks/attention_before.py`). Each round times one step of every variant and arm in
   turn; the figure is the median over the rounds.
2. The activation alone: v^T tanh(x) over one step's [64, S, 128] tensor, forward and backward,
   through torch.tanh (what the variants use) and through the identity
   tanh(x) = 2 sigmoid(2x) - 1: which is cheaper depends on the CPU's vectorised kernels.
3. One training epoch of `experiment=g2p` (location attention, two-layer encoder, batch 256,
   length-bucketed batches) on the first 8,000 training words of CMUdict, before and after as
   above, and with `dot` and `none` attention for reference, all from the same seed, in turn
   (the plain loop of benchmarks/bucketing.py).
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import argument_parser, markdown_table, median, write_results

BATCH, EMBEDDING, HIDDEN, VOCAB = 64, 64, 128, 54
BEFORE_DECODER = "benchmarks.attention_before.PreparedAtEveryStep"
G2P = ["experiment=g2p", "data.max_words=12000"]
G2P_BEFORE = [
    f"model.decoder._target_={BEFORE_DECODER}",
    "model.attention._target_=benchmarks.attention_before.LocationBefore",
]
ARMS = ("before", "after")
# The same epoch with the cheapest attentions: how far any change to `location` could go.
G2P_REFERENCES = {"dot": ["model/attention=dot"], "none": ["model/attention=none"]}


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--lengths", type=int, nargs="+", help="S = T to measure (default 16 32 64 128)")
    parser.add_argument("--rounds", type=int, help="timed rounds per length (default 7; --quick 2)")
    parser.add_argument("--g2p-runs", type=int, help="epochs per arm (default 5; --quick 1; 0 skips)")
    args = parser.parse_args()
    lengths = args.lengths or ([16, 32] if args.quick else [16, 32, 64, 128])
    rounds = args.rounds or (2 if args.quick else 7)
    g2p_runs = (1 if args.quick else 5) if args.g2p_runs is None else args.g2p_runs
    g2p_words = 1000 if args.quick else 8000
    steps = {}
    for length in lengths:
        for (name, arm), times in time_decoder_steps(length, rounds).items():
            steps.setdefault((name, length), {})[arm] = times
        for name in variant_names():
            figures = "  ".join(f"{arm} {1000 * median(steps[name, length][arm]):7.1f} ms" for arm in ARMS)
            print(f"{name:<11} S=T={length:<4} {figures}", flush=True)
    activation = time_activations(lengths, rounds)
    g2p_arms = {"before": G2P_BEFORE, "after": [], **G2P_REFERENCES}
    g2p = {arm: [] for arm in g2p_arms}
    from benchmarks.bucketing import train_one_epoch

    for run in range(g2p_runs):
        for arm, overrides in g2p_arms.items():
            seconds, _ = train_one_epoch(G2P + overrides, g2p_words)
            g2p[arm].append(seconds)
            print(f"g2p epoch ({g2p_words} words) {run + 1}/{g2p_runs} {arm:<6} {seconds:6.1f} s", flush=True)
    report(steps, lengths, activation, g2p, g2p_words, rounds, args.quick, args.output_dir)


def variant_names() -> list[str]:
    from plugboard.core.paths import CONFIG_DIR

    return [path.stem for path in sorted((CONFIG_DIR / "model" / "attention").glob("*.yaml"))]


def build_decoders(name: str) -> dict[str, object]:
    """The decoder with this attention, and its "before" twin with the same weights."""
    import torch
    from hydra.utils import instantiate
    from omegaconf import OmegaConf

    from benchmarks.attention_before import OLD_FORMS, PreparedAtEveryStep
    from plugboard.core.paths import CONFIG_DIR
    from plugboard.modules.decoders import RecurrentDecoder

    config = OmegaConf.load(CONFIG_DIR / "model" / "attention" / f"{name}.yaml")
    attention = instantiate(config)
    old_attention = instantiate(OmegaConf.merge(config, {"_target_": OLD_FORMS.get(name, config._target_)}))
    sizes = {"vocab_size": VOCAB, "encoder_size": HIDDEN, "embedding_size": EMBEDDING, "hidden_size": HIDDEN}
    torch.manual_seed(0)
    after = RecurrentDecoder(attention=attention, **sizes)
    before = PreparedAtEveryStep(attention=old_attention, **sizes)
    before.load_state_dict(after.state_dict())
    return {"before": before.train(), "after": after.train()}


def time_decoder_steps(length: int, rounds: int) -> dict[tuple[str, str], list[float]]:
    """Seconds per training step of each (variant, arm): `rounds` rounds, each round one step
    of every variant and arm in turn, so a change in the machine's load hits all alike."""
    import torch
    import torch.nn.functional as F

    from plugboard.modules.encoders import EncoderOutput

    generator = torch.Generator().manual_seed(length)
    states = torch.randn(BATCH, length, HIDDEN, generator=generator, requires_grad=True)
    encoded = EncoderOutput(states, torch.randn(BATCH, HIDDEN, generator=generator))
    mask = torch.ones(BATCH, length, dtype=torch.bool)
    target = torch.randint(4, VOCAB, (BATCH, length), generator=generator)
    decoders = {
        (name, arm): decoder for name in variant_names() for arm, decoder in build_decoders(name).items()
    }
    optimizers = {key: torch.optim.Adam(decoder.parameters(), lr=1e-3) for key, decoder in decoders.items()}

    def train_step(key: tuple[str, str]) -> torch.Tensor:
        optimizers[key].zero_grad()
        states.grad = None
        logits = decoders[key](target, encoded, mask)
        F.cross_entropy(logits.flatten(0, 1), target.flatten()).backward()
        optimizers[key].step()
        return logits

    for name in variant_names():  # untimed first steps; the arms must agree
        first = [train_step((name, arm)) for arm in ARMS]
        torch.testing.assert_close(first[0], first[1], rtol=1e-4, atol=1e-4)
    seconds = {key: [] for key in decoders}
    for _ in range(rounds):
        for key in decoders:
            started = time.perf_counter()
            train_step(key)
            seconds[key].append(time.perf_counter() - started)
    return seconds


def time_activations(lengths: list[int], rounds: int) -> dict[int, dict[str, list[float]]]:
    """Seconds for forward + backward of v^T tanh(x) over one decoder step's [B, S, hidden]
    tensor, through torch.tanh and through the sigmoid form, alternating."""
    import torch

    energy = torch.nn.Linear(HIDDEN, 1, bias=False)
    forms = {
        "torch.tanh": lambda x: energy(torch.tanh(x)).squeeze(-1),
        "sigmoid form": lambda x: sigmoid_form_energy(x, energy.weight.squeeze(0)),
    }
    seconds = {}
    for length in lengths:
        x = torch.randn(BATCH, 1, length, HIDDEN, requires_grad=True)
        seconds[length] = {form: [] for form in forms}
        for _ in range(rounds):
            for form, function in forms.items():
                started = time.perf_counter()
                for _ in range(20):
                    function(x).sum().backward()
                seconds[length][form].append((time.perf_counter() - started) / 20)
    return seconds


def sigmoid_form_energy(x, v):
    """v^T tanh(x) as 2 v^T sigmoid(2x) - sum(v), over one new tensor 2x."""
    return (2.0 * x).sigmoid_() @ (2.0 * v) - v.sum()


def paired(numerators: list[float], denominators: list[float]) -> float:
    """Median of the ratios of measurements taken side by side (in one round, or one pair)."""
    return median([n / d for n, d in zip(numerators, denominators, strict=True)])


def report(steps, lengths, activation, g2p, g2p_words, rounds: int, quick: bool, output_dir: Path) -> None:
    rows = []
    for name in variant_names():
        for length in lengths:
            times, dot = steps[name, length], steps["dot", length]
            rows.append(
                [name, length, *(f"{1000 * median(times[arm]):.0f}" for arm in ARMS)]
                + [f"{paired(times['before'], times['after']):.2f}x"]
                + [f"{paired(times[arm], dot[arm]):.2f}" for arm in ARMS]
            )
    headers = ["variant", "S = T", "before ms/step", "after ms/step", "speed-up"]
    markdown = (
        "## Recurrent decoder training step: keys prepared at every step (before) or once (after)\n\n"
        f"Batch {BATCH}, GRU hidden {HIDDEN}, embedding {EMBEDDING}. {rounds} rounds, each timing one "
        "step of every variant and arm in turn: times are medians, ratios medians of the rounds' "
        "ratios. Target: after / dot within 1.15 at S = T = 32.\n\n"
        + markdown_table([*headers, "before / dot", "after / dot"], rows)
    )
    activation_rows = [
        [length, *(f"{1e6 * median(times[form]):.0f}" for form in times)]
        + [f"{paired(times['torch.tanh'], times['sigmoid form']):.2f}x"]
        for length, times in activation.items()
    ]
    markdown += (
        "\n\n## v^T tanh(x) over one decoder step's [64, S, 128] tensor, forward + backward\n\n"
        "torch.tanh, which additive and location attention use, against 2 v^T sigmoid(2x) - sum(v); "
        "microseconds, medians of the rounds.\n\n"
        + markdown_table(["S", "torch.tanh us", "sigmoid form us", "sigmoid form speed-up"], activation_rows)
    )
    if g2p["after"]:
        before = g2p["before"]
        rows = [[arm, f"{median(times):.2f}", f"{paired(before, times):.2f}x"] for arm, times in g2p.items()]
        markdown += (
            f"\n\n## experiment=g2p: one training epoch on the first {g2p_words:,} CMUdict training words"
            f"\n\n{len(g2p['after'])} rounds, each one epoch of every arm in turn: median s/epoch and "
            "the median of the rounds' ratios to `before`. `before` and `after` are location "
            "attention as above; `dot` and `none` the same preset with the cheapest attentions, "
            "what location could at best come down to.\n\n"
            + markdown_table(["arm", "s/epoch", "speed-up over before"], rows)
        )
    data = {
        "quick": quick,
        "rounds": rounds,
        "decoder_step_seconds": {f"{name} S=T={length}": times for (name, length), times in steps.items()},
        "g2p_words": g2p_words,
        "g2p_epoch_seconds": g2p,
        "activation_seconds": {f"S={length}": times for length, times in activation.items()},
    }
    write_results(output_dir, "attention_prepare", markdown, data)


if __name__ == "__main__":
    main()
