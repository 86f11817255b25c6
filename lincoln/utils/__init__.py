"""Helpers: numpy utilities (``np_utils``) and finite-difference gradient checks (``gradcheck``)."""
