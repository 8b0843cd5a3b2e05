"""Length-bucketed training batches: every example once, little padding, random order, DDP-ready."""

from __future__ import annotations

import pytest
import torch
from lightning.fabric.utilities.data import _replace_dunder_methods
from lightning.pytorch.utilities.data import _update_dataloader
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, RandomSampler

from plugboard.data.bucketing import BucketBatchSampler
from plugboard.seq2seq.data import GeneratedDataModule
from plugboard.seq2seq.data.tasks import ReverseTask


def reverse_datamodule(bucket_by_length: bool) -> GeneratedDataModule:
    datamodule = GeneratedDataModule(
        ReverseTask(max_length=20),
        train_size=1000,
        val_size=50,
        test_size=50,
        batch_size=16,
        bucket_by_length=bucket_by_length,
    )
    datamodule.setup("fit")
    return datamodule


def padding_fill(loader: DataLoader) -> float:
    """The share of target slots in the loader's batches that hold a real token."""
    real = total = 0
    for batch in loader:
        real += int(batch.target_mask.sum())
        total += batch.target_mask.numel()
    return real / total


@pytest.mark.parametrize("drop_last", [False, True])
def test_every_index_once_per_epoch_in_full_batches(drop_last: bool):
    lengths = [(index * 7) % 13 for index in range(103)]
    sampler = BucketBatchSampler(RandomSampler(range(103)), 10, drop_last, lengths, pool_batches=3)
    batches = list(sampler)
    assert len(batches) == len(sampler) == (10 if drop_last else 11)
    indices = [index for batch in batches for index in batch]
    assert len(indices) == len(set(indices)) == (100 if drop_last else 103)
    assert sorted(len(batch) for batch in batches)[-10:] == [10] * 10


def test_batches_hold_examples_of_similar_length():
    torch.manual_seed(0)
    bucketed = padding_fill(reverse_datamodule(bucket_by_length=True).train_dataloader())
    torch.manual_seed(0)
    shuffled = padding_fill(reverse_datamodule(bucket_by_length=False).train_dataloader())
    # Lengths 1-20 (+<eos>): a random batch of 16 is about 60 % real tokens, a bucketed one nearly all.
    assert bucketed > 0.95
    assert shuffled < 0.75


def test_order_is_random_between_epochs_and_repeats_with_the_seed():
    sampler = BucketBatchSampler(RandomSampler(range(200)), 8, False, list(range(200)), pool_batches=5)
    torch.manual_seed(1)
    first, second = list(sampler), list(sampler)
    torch.manual_seed(1)
    assert list(sampler) == first
    assert first != second
    # Short and long batches are interleaved, not served shortest first.
    assert [max(batch) for batch in first] != sorted(max(batch) for batch in first)


def test_evaluation_loaders_keep_their_order():
    datamodule = reverse_datamodule(bucket_by_length=True)
    assert type(datamodule.val_dataloader().batch_sampler) is BatchSampler
    first_batch = next(iter(datamodule.val_dataloader()))
    assert torch.equal(
        first_batch.source[0, : len(datamodule.tensors["val"][0][0])], datamodule.tensors["val"][0][0]
    )


def test_lightning_gives_each_ddp_process_its_own_bucketed_shard():
    datamodule = reverse_datamodule(bucket_by_length=True)
    # Lightning builds loaders inside this context to record their arguments, then re-creates
    # them with a DistributedSampler (trainer/connectors/data_connector.py).
    with _replace_dunder_methods(DataLoader, "dataset"), _replace_dunder_methods(BatchSampler):
        loader = datamodule.train_dataloader()
    dataset = loader.dataset
    shards = []
    for rank in range(2):
        sampler = DistributedSampler(dataset, num_replicas=2, rank=rank, shuffle=True, seed=0)
        updated = _update_dataloader(loader, sampler)
        assert isinstance(updated.batch_sampler, BucketBatchSampler)
        assert updated.batch_sampler.sampler is sampler
        shards.append([index for batch in updated.batch_sampler for index in batch])
    assert not set(shards[0]) & set(shards[1])
    assert set(shards[0]) | set(shards[1]) == set(range(len(dataset)))
