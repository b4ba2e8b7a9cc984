"""Agreement statistics: numeric code only (numpy; no database, UI or CLI imports).

Modules, each named for what it does:

* :mod:`qualcode.stats.counts` — reliability data (coders × units) to per-unit value counts;
  pairwise percent agreement.
* :mod:`qualcode.stats.alpha` — Krippendorff's alpha (nominal, ordinal, interval, ratio) from
  reliability data, value counts or a coincidence matrix.
* :mod:`qualcode.stats.presence` — all codes at once for presence/absence data: per-code
  nominal alpha, percent agreement, Fleiss' kappa and Gwet's AC1, pooled and mean rows.
* :mod:`qualcode.stats.kappa` — Cohen's kappa, Scott's pi, Fleiss' kappa (overall and per
  category), Brennan–Prediger/Randolph, Gwet's AC1, Conger's kappa, mean pairwise Cohen.
* :mod:`qualcode.stats.bootstrap` — percentile bootstrap intervals for alpha, resampling units
  or clusters of units, vectorised over codes.
* :mod:`qualcode.stats.unitizing` — Krippendorff's alpha-U for free spans (1995/2004) and the
  2016 u-alpha / |u-alpha.

Undefined coefficients (no pairable units, no variation) are returned as ``nan`` with a
reason; nothing here raises for data that merely cannot support a coefficient.
"""
