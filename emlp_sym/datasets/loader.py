"""A torch-free minibatch iterator over datasets that hold ``X`` / ``Y`` arrays."""

from __future__ import annotations

import numpy as np

from emlp_sym.errors import ConfigError, DatasetError

__all__ = ["DataLoader"]


class DataLoader:
    """Iterate over ``(x, y)`` float32 minibatches of a dataset.

    Batches are gathered straight from ``dataset.X`` / ``dataset.Y`` (one fancy-index per
    batch); a dataset without those attributes is read item by item through
    ``dataset[i]`` once, at construction. Each ``iter()`` is one epoch; with ``shuffle=True``
    epoch ``e`` uses the permutation drawn from ``numpy.random.default_rng([seed, e])``, so
    epochs differ from one another but the whole sequence is reproducible from ``seed``.

    Args:
        dataset: the dataset (e.g. :class:`~emlp_sym.datasets.Inertia`).
        batch_size: examples per batch (a positive integer).
        shuffle: reshuffle every epoch (default True); otherwise dataset order.
        seed: seed of the shuffles.
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    >>> from emlp_sym.datasets import Inertia
    >>> loader = DataLoader(Inertia(N=10), batch_size=4)
    >>> len(loader), [x.shape for x, y in loader]  # the last batch is short
    (3, [(4, 20), (4, 20), (2, 20)])
    """

    def __init__(self, dataset, batch_size: int = 32, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        if batch_size <= 0:
            raise ConfigError(f"batch_size must be a positive integer, got {batch_size}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        if hasattr(dataset, "X") and hasattr(dataset, "Y"):
            X, Y = dataset.X, dataset.Y
        else:
            items = [dataset[i] for i in range(len(dataset))]
            X = np.stack([np.asarray(x) for x, _ in items]) if items else np.zeros((0, 0))
            Y = np.stack([np.asarray(y) for _, y in items]) if items else np.zeros((0, 0))
        self._X = np.asarray(X, dtype=np.float32)
        self._Y = np.asarray(Y, dtype=np.float32)
        if len(self._X) != len(self._Y):
            raise DatasetError(f"dataset has {len(self._X)} inputs but {len(self._Y)} targets")

    @property
    def num_examples(self) -> int:
        return len(self._X)

    def __len__(self) -> int:
        n, b = self.num_examples, self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self):
        n = self.num_examples
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(n)
        else:
            order = np.arange(n)
        self.epoch += 1
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self._X[idx], self._Y[idx]

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, batches={len(self)})")
