"""Sub-commands of the ``briefwatch`` CLI, one module per feature; each exposes ``register(cli)``."""
