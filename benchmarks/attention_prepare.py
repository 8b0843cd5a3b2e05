"""Recurrent decoding with attention keys prepared once per sequence, against preparing them
at every step (how the decoder worked before).

    python -m benchmarks.attention_prepare           # S = T = 16 ... 128, 3 repeats; g2p 3 runs
    python -m benchmarks.attention_prepare --quick   # S = T = 16, 32; 2 repeats; g2p 1 run, 1,000 words

1. Training step of the recurrent decoder alone, per attention variant in
   configs/model/attention/, at source length S = target length T: teacher-forced forward over
   T steps, cross-entropy, backward (into the encoder states too) and an Adam step. The
   settings of the side-by-side comparison with a peer toolkit: batch 64, embedding 64, GRU
   hidden 128 with input feeding, encoder states of size 128, 54 target symbols, the variants'
   YAML settings. "before" is the same decoder with the same weights, preparing the keys
   again at every step (`benchmarks/attention_before.py`, with the old arithmetic of
   `general`); the two arms alternate, and the figure is the median.
2. One training epoch of `experiment=g2p` (location attention, two-layer encoder, batch 256,
   length-bucketed batches) on the first N training words of CMUdict, both arms from the same
   seed, alternating (the plain loop of benchmarks/bucketing.py).
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import argument_parser, markdown_table, median, write_results

BATCH, EMBEDDING, HIDDEN, VOCAB = 64, 64, 128, 54
BEFORE_DECODER = "benchmarks.attention_before.PreparedAtEveryStep"
G2P = ["experiment=g2p", "data.max_words=12000"]
G2P_BEFORE = [f"model.decoder._target_={BEFORE_DECODER}"]
ARMS = ("before", "after")


def main() -> None:
    args = argument_parser(__doc__).parse_args()
    lengths = [16, 32] if args.quick else [16, 32, 64, 128]
    repeats, g2p_runs, g2p_words = (2, 1, 1000) if args.quick else (3, 3, 3000)
    steps = {}
    for name in variant_names():
        for length in lengths:
            steps[name, length] = arm_times = time_decoder_steps(name, length, repeats)
            figures = "  ".join(f"{arm} {1000 * median(arm_times[arm]):7.1f} ms" for arm in ARMS)
            print(f"{name:<11} S=T={length:<4} {figures}", flush=True)
    g2p = {arm: [] for arm in ARMS}
    from benchmarks.bucketing import train_one_epoch

    for run in range(g2p_runs):
        for arm in ARMS:
            seconds, _ = train_one_epoch(G2P + (G2P_BEFORE if arm == "before" else []), g2p_words)
            g2p[arm].append(seconds)
            print(
                f"g2p epoch ({g2p_words} words) run {run + 1}/{g2p_runs} {arm:<6} {seconds:6.1f} s",
                flush=True,
            )
    report(steps, lengths, g2p, g2p_words, repeats, args.quick, args.output_dir)


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


def time_decoder_steps(name: str, length: int, repeats: int) -> dict[str, list[float]]:
    """Seconds per training step of each arm, `repeats` alternating measurements."""
    import torch
    import torch.nn.functional as F

    from plugboard.modules.encoders import EncoderOutput

    decoders = build_decoders(name)
    generator = torch.Generator().manual_seed(length)
    states = torch.randn(BATCH, length, HIDDEN, generator=generator, requires_grad=True)
    encoded = EncoderOutput(states, torch.randn(BATCH, HIDDEN, generator=generator))
    mask = torch.ones(BATCH, length, dtype=torch.bool)
    target = torch.randint(4, VOCAB, (BATCH, length), generator=generator)
    optimizers = {arm: torch.optim.Adam(decoder.parameters(), lr=1e-3) for arm, decoder in decoders.items()}

    def train_step(arm: str) -> torch.Tensor:
        optimizers[arm].zero_grad()
        states.grad = None
        logits = decoders[arm](target, encoded, mask)
        F.cross_entropy(logits.flatten(0, 1), target.flatten()).backward()
        optimizers[arm].step()
        return logits

    first = {arm: train_step(arm) for arm in ARMS}  # untimed; and the arms must agree
    torch.testing.assert_close(first["before"], first["after"], rtol=1e-4, atol=1e-4)
    seconds = {arm: [] for arm in ARMS}
    for _ in range(repeats):
        for arm in ARMS:
            started = time.perf_counter()
            train_step(arm)
            seconds[arm].append(time.perf_counter() - started)
    return seconds


def report(steps, lengths, g2p, g2p_words: int, repeats: int, quick: bool, output_dir: Path) -> None:
    ms = {key: {arm: 1000 * median(times[arm]) for arm in ARMS} for key, times in steps.items()}
    rows = []
    for name in variant_names():
        for length in lengths:
            before, after = ms[name, length]["before"], ms[name, length]["after"]
            dot = ms["dot", length]
            rows.append(
                [name, length, f"{before:.1f}", f"{after:.1f}", f"{before / after:.2f}x"]
                + [f"{before / dot['before']:.2f}", f"{after / dot['after']:.2f}"]
            )
    g2p_before, g2p_after = median(g2p["before"]), median(g2p["after"])
    headers = ["variant", "S = T", "before ms/step", "after ms/step", "speed-up"]
    headers += ["before / dot", "after / dot"]
    markdown = (
        "## Recurrent decoder training step: keys prepared at every step (before) or once (after)\n\n"
        f"Batch {BATCH}, GRU hidden {HIDDEN}, embedding {EMBEDDING}; median of {repeats} alternating "
        "steps per arm. Target: after / dot within 1.15 at S = T = 32.\n\n"
        + markdown_table(headers, rows)
        + f"\n\n## experiment=g2p: one training epoch on the first {g2p_words:,} CMUdict training words\n\n"
        f"Median of {len(g2p['after'])} alternating run(s) per arm.\n\n"
        + markdown_table(
            ["arm", "s/epoch", "speed-up"],
            [
                ["before", f"{g2p_before:.1f}", "1.00x"],
                ["after", f"{g2p_after:.1f}", f"{g2p_before / g2p_after:.2f}x"],
            ],
        )
    )
    data = {
        "quick": quick,
        "repeats": repeats,
        "decoder_step_seconds": {f"{name} S=T={length}": times for (name, length), times in steps.items()},
        "g2p_words": g2p_words,
        "g2p_epoch_seconds": g2p,
    }
    write_results(output_dir, "attention_prepare", markdown, data)


if __name__ == "__main__":
    main()
