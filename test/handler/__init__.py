"""Tests of the bundled Lambda handler (``lambda/shipment_processor``).

A package, so that pytest imports this folder's ``conftest.py`` as
``handler.conftest`` and leaves the top-level ``conftest`` module, which
other test folders import by name, alone.
"""
