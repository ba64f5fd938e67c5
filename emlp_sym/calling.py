"""Call a model or plain function, passing ``training=`` only if it accepts it."""


def call_with_training(f, x, training: bool):
    """``f(x, training=training)``, or ``f(x)`` for functions without that keyword."""
    try:
        return f(x, training=training)
    except TypeError as e:
        if "training" not in str(e):
            raise
        return f(x)
