"""Greedy decoding in validation, compiled or not: what compiling `decoder.step` costs and saves.

    python -m benchmarks.compiled_greedy           # 5 rounds over the validation split
    python -m benchmarks.compiled_greedy --quick   # 2 rounds

The default job's model (`data=reverse`, dot attention) decodes its validation split (200
examples, batches of 64) greedily, as every validation epoch does, with `decoder.step` eager and
through `torch.compile(dynamic=True)` (source lengths differ between batches). Reported: the
seconds one validation pass spends decoding, eager and compiled once warm, and the seconds the
first compiled pass took (the compile included). Compiling pays when the compile's cost is won
back over the epochs a run validates.
"""

from __future__ import annotations

import time

from benchmarks.common import argument_parser, compose, markdown_table, median, write_results


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, help="timed validation passes per arm (default 5; --quick 2)")
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)

    import torch
    from hydra.utils import instantiate

    from plugboard.seq2seq.decoding import greedy_decode

    cfg = compose()
    torch.manual_seed(0)
    datamodule = instantiate(cfg.data)
    datamodule.setup("fit")
    model = instantiate(cfg.model, vocabulary=datamodule.vocabulary.tokens).eval()
    batches = list(datamodule.val_dataloader())
    eager_step = model.decoder.step

    def validation_pass() -> float:
        started = time.perf_counter()
        with torch.no_grad():
            for batch in batches:
                encoded = model.encode(batch)
                greedy_decode(
                    model.decoder, encoded, batch.source_mask, 1, 2, 0, 2 * batch.source.shape[1] + 10
                )
        return time.perf_counter() - started

    eager = [validation_pass() for _ in range(rounds)]
    model.decoder.step = torch.compile(eager_step, dynamic=True)
    first_compiled = validation_pass()
    compiled = [validation_pass() for _ in range(rounds)]
    compile_cost = first_compiled - median(compiled)
    saving = median(eager) - median(compiled)
    epochs_to_pay = compile_cost / saving if saving > 0 else float("inf")
    rows = [
        ["eager", f"{median(eager):.2f}", "-", "-"],
        ["compiled (warm)", f"{median(compiled):.2f}", f"{first_compiled:.1f}", f"{epochs_to_pay:.0f}"],
    ]
    table = markdown_table(
        [
            "decoder.step",
            "s per validation pass",
            "first pass, compile included (s)",
            "epochs to win it back",
        ],
        rows,
    )
    text = (
        "## Greedy decoding in validation, compiled or not\n\n"
        f"Default job (reverse, dot attention), {len(batches)} validation batches, "
        f"median of {rounds} passes.\n\n" + table
    )
    data = {"eager_s": eager, "compiled_s": compiled, "first_compiled_s": first_compiled}
    write_results(args.output_dir, "compiled_greedy", text, data)


if __name__ == "__main__":
    main()
