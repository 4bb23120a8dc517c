"""The privacy family: one module per attack or distance measure, each a metric plugin.

- :mod:`.distance`: exact copies, distance to closest record (DCR) and NNDR against the holdout;
- :mod:`.membership`: membership inference (distance attack, DOMIAS);
- :mod:`.attribute_inference`: inferring a sensitive column from the others;
- :mod:`.authenticity`: Alaa et al.'s authenticity.
"""
