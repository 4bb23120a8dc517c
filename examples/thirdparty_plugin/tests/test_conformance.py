"""The plugin author's own test: benchkit's conformance suite, one pytest case per check."""

from benchkit.testing import parametrize_with_checks

from benchkit_noisy_bootstrap import NoisyBootstrap


@parametrize_with_checks([NoisyBootstrap])
def test_conformance(generator, check):
    check(generator)
