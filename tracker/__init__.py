"""policy-tracker: watch Chinese government policy pages and say what changed.

The layers, bottom up (`docs/architecture.md`): `tracker.core` (pure values and rules);
`sources`, `storage`, `notifiers` (the edges, each depending only on the core);
`tracker.pipeline` (the wiring); `tracker.daemon`, `tracker.cli` and the demo on top.
Each package declares its public names in its `__all__`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
