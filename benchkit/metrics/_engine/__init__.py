"""Private helpers shared by the metric plugins: column encodings, the mixed-type encoder, the
embedding, kernel densities, neighbour search and the train/holdout frames a metric compares.

Nothing here is public API: plugins outside benchkit must not import it.
"""
