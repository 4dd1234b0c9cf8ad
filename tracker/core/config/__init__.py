"""`tracker.toml` + environment → validated settings.

Invalid configuration fails at start with the file, the key path and what is wrong
(`tracker.toml: subscription[1].url: environment variable DINGTALK_WEBHOOK is not set`),
so the daemon never runs half-configured. Secrets are written as `${VAR}` and read from
the environment; an error about a value that came from `${VAR}` names the variable, never
the value. Commands that only read the database load with `require_env=False`: an unset
variable is then left as written and the source or subscription that uses it is marked
(`unset_env`), so an analyst needs none of the ops secrets. Numbers are bounded at load
(`delay = inf`, `warning_days = 9223372036854775807` would break much later). Kind- and
channel-specific options stay in `SourceConfig.options` / `SubscriptionConfig.options` and
are checked by the class that declared the kind or channel (`tracker.core.registry`),
keeping this module generic: it knows no kind, channel or event kind by name. The
application imports `sources` and `notifiers` (which declare theirs) before loading.
"""

from tracker.core.config.loading import load_settings, settings_from_dict
from tracker.core.config.settings import (
    DEFAULT_USER_AGENT,
    STATUSES,
    Settings,
    SourceConfig,
    SubscriptionConfig,
    TrackerSettings,
    WebSettings,
    mask_env_values,
)

__all__ = [
    "DEFAULT_USER_AGENT",
    "STATUSES",
    "Settings",
    "SourceConfig",
    "SubscriptionConfig",
    "TrackerSettings",
    "WebSettings",
    "load_settings",
    "mask_env_values",
    "settings_from_dict",
]
