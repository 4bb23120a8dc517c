"""From results to decisions: privacy gate, ties and significance, trade-off fronts, recommendation."""
