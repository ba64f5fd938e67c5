"""Passing ``training=`` only to callables that take it (emlp_sym.calling)."""

import functools

import numpy as np
import pytest

from emlp_sym.calling import accepts_training, call_with_training


class Layer:
    def __init__(self):
        self.calls = []

    def __call__(self, x, training=True):
        self.calls.append(training)
        return x + 1


class Broken:
    """Accepts ``training`` and raises a TypeError that mentions it."""

    calls = 0

    def __call__(self, x, training=True):
        Broken.calls += 1
        raise TypeError("training went wrong inside the layer")


def test_training_is_passed_by_signature():
    layer = Layer()
    assert call_with_training(layer, 1, training=False) == 2
    assert layer.calls == [False]
    assert call_with_training(lambda x: x * 2, 3, training=True) == 6
    assert call_with_training(lambda x, **kw: kw["training"], 0, training=True) is True
    assert call_with_training(functools.partial(lambda x, s: x * s, s=3), 2, True) == 6
    np.testing.assert_allclose(call_with_training(np.tanh, 0.0, training=False), 0.0)


def test_a_layer_that_raises_is_called_once():
    with pytest.raises(TypeError, match="inside the layer"):
        call_with_training(Broken(), 1, training=False)
    assert Broken.calls == 1


def test_answers_are_cached_per_class_and_function():
    assert accepts_training(Layer()) and accepts_training(Layer().__call__)
    assert not accepts_training(lambda x: x)

    def positional_only(x, training, /):
        return x

    assert not accepts_training(positional_only)


def test_wrappers_are_read_through_to_the_wrapped_signature():
    class Wrapper:
        """A generic forwarder exposing the wrapped callable's signature, as jit wrappers do."""

        def __init__(self, f):
            self.__wrapped__ = f

        def __call__(self, *args, **kwargs):
            return self.__wrapped__(*args, **kwargs)

    assert call_with_training(Wrapper(lambda x: x + 1), 1, training=False) == 2
    layer = Layer()
    assert call_with_training(Wrapper(layer), 1, training=False) == 2 and layer.calls == [False]
