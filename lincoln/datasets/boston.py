"""The Boston housing table used in chapters 2, 3 and 7 of the book.

scikit-learn no longer ships it (see :data:`DESCRIPTION`), so we read the copy of the same 506 x 13
table that mlxtend installs (``mlxtend.data.boston_housing_data``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

FEATURE_NAMES: tuple[str, ...] = (
    "CRIM",
    "ZN",
    "INDUS",
    "CHAS",
    "NOX",
    "RM",
    "AGE",
    "DIS",
    "RAD",
    "TAX",
    "PTRATIO",
    "B",
    "LSTAT",
)

DESCRIPTION = """\
Boston housing (506 census tracts of the Boston area, 1970 US census)

Origin: D. Harrison and D. L. Rubinfeld, "Hedonic housing prices and the demand for clean air",
Journal of Environmental Economics and Management 5 (1978), 81-102. They used it to estimate how
much people pay for cleaner air (the NOX column).

Target: MEDV, median value of owner-occupied homes in $1000s (capped at 50.0: 16 tracts carry
that value). Features: CRIM per-capita crime rate; ZN share of residential land zoned for lots
over 25,000 sq. ft.; INDUS share of non-retail business acres; CHAS 1 if the tract bounds the
Charles River; NOX nitric-oxide concentration (parts per 10 million); RM average rooms per
dwelling; AGE share of owner-occupied units built before 1940; DIS weighted distance to five
Boston employment centres; RAD accessibility index to radial highways; TAX property-tax rate per
$10,000; PTRATIO pupil-teacher ratio; B = 1000 (Bk - 0.63)^2 where Bk is the proportion of Black
residents of the town; LSTAT % of the population of lower status.

The B column encodes the authors' assumption that racial self-segregation affects house prices,
through a non-invertible transform of the proportion of Black residents. For this reason
scikit-learn deprecated load_boston in version 1.0 (2021) and removed it in version 1.2 (2022),
pointing users to other housing data (California housing, Ames housing).

We keep the table because the book uses it and its published figures were measured on it: here it
serves only to teach the mechanics of regression (forward pass, loss, gradients, training loop).
It is not a basis for conclusions about housing, neighbourhoods or people.
"""


class BostonHousing(NamedTuple):
    """The Boston housing table: ``data`` (506, 13), ``target`` (506,), names and a description."""

    data: NDArray[np.float64]
    target: NDArray[np.float64]
    feature_names: tuple[str, ...]
    description: str


def load_boston() -> BostonHousing:
    """Load the 506 x 13 Boston housing table (target: median home value in $1000s).

    Read from the copy mlxtend installs; every call returns fresh arrays, so modifying them is
    safe. Read ``load_boston().description`` before using it: it explains where the data come
    from, what the ``B`` column encodes and why scikit-learn removed the dataset.
    """
    try:
        from mlxtend.data import boston_housing_data
    except ImportError as error:
        raise ModuleNotFoundError(
            "load_boston() reads the Boston housing table that the mlxtend package installs, but "
            "mlxtend is not installed. Install it with `pip install mlxtend` (or "
            "`pip install -r requirements.txt`)."
        ) from error
    features, target = boston_housing_data()
    data = np.ascontiguousarray(features, dtype=np.float64)
    target = np.ascontiguousarray(target, dtype=np.float64)
    expected = (506, len(FEATURE_NAMES))
    if data.shape != expected or target.shape != (expected[0],) or not np.all(np.isfinite(data)):
        raise ValueError(
            f"mlxtend's Boston housing table should be a finite {expected} feature array and a "
            f"({expected[0]},) target; received features of shape {data.shape} and target of "
            f"shape {target.shape}. Reinstall mlxtend (`pip install --force-reinstall mlxtend`)."
        )
    return BostonHousing(data, target, FEATURE_NAMES, DESCRIPTION)
