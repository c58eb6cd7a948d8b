"""Every write of the assistance app, one transaction each, audited."""
from .applications import *  # noqa: F401,F403
from .payments import *  # noqa: F401,F403
from .reviews import *  # noqa: F401,F403
from .adjustments import *  # noqa: F401,F403
