"""What text the service stores: no control characters and no lone surrogates.

NUL above all: PostgreSQL text cannot hold it. A lone surrogate ("\\ud800" in JSON) cannot be
encoded as UTF-8 by any database driver. Tab, line feed and carriage return stay allowed (notes).
"""

from __future__ import annotations

import re

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
