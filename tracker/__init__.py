"""policy-tracker: watch Chinese government policy pages and say what changed."""

__version__ = "0.1.0"
