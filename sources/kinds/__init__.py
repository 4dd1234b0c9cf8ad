"""The source kinds, one module each; a module here declares its kind by subclassing `Source`.

Importing this package imports every module in it, so a new kind is one new file and
nothing else (`docs/adding-a-site.md`).
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
