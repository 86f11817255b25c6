"""Chapter 2: Boston housing with scikit-learn's linear regression, beside the book's figures.

The chapter's from-scratch models are taught (and measured) in its notebook; this module reruns
the reference fit and provides the data preparation that chapter 3's reproduction shares: the
book's 70/30 split (``random_state=80718``), standardised with the training rows' statistics only.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from lincoln.datasets import load_boston
from lincoln.utils.np_utils import to_2d
from reproduce.common import Row, Stopwatch

SPLIT_SEED = 80718  # the book's random_state for the train/test split


def boston_split() -> tuple[ndarray, ndarray, ndarray, ndarray]:
    """``X_train, X_test, y_train, y_test``: the book's split, scaled on the training rows.

    Targets are ``(n, 1)`` columns. Unlike the book, the scaler never sees the test rows.
    """
    boston = load_boston()
    X_train, X_test, y_train, y_test = train_test_split(
        boston.data, boston.target, test_size=0.3, random_state=SPLIT_SEED
    )
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), to_2d(y_train), to_2d(y_test)


def mae_rmse(preds: ndarray, actuals: ndarray) -> tuple[float, float]:
    """Mean absolute error and root mean squared error."""
    errors = np.asarray(preds).reshape(-1) - np.asarray(actuals).reshape(-1)
    return float(np.mean(np.abs(errors))), float(np.sqrt(np.mean(errors * errors)))


def rows(full_mnist: bool) -> list[Row]:
    watch = Stopwatch()
    with watch.running():
        X_train, X_test, y_train, y_test = boston_split()
        preds = LinearRegression().fit(X_train, y_train).predict(X_test)
        mae, rmse = mae_rmse(preds, y_test)
    return [
        Row(
            "02",
            "Boston, scikit-learn linear regression: test MAE / RMSE",
            "3.57 / 5.05",
            f"{mae:.2f} / {rmse:.2f}",
            watch.seconds,
        )
    ]
