"""Tests of the operator CLI and the ops modules (moto in-process)."""
