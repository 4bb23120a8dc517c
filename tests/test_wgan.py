"""The built-in ``wgan`` generator: real torch training on small tables (tiny settings, fast)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchkit import BenchkitError, Schema
from benchkit.errors import NotFittedError
from benchkit.testing import check_generator
from benchkit_wgan import WGANGenerator

TINY = WGANGenerator.test_params()


def mixed(n: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kind = rng.choice(["credit", "debit", "fee"], n, p=[0.5, 0.4, 0.1])
    df = pd.DataFrame(
        {
            "kind": kind,
            "amount": np.round(np.exp(rng.normal(np.where(kind == "credit", 7, 4), 1)), 2),
            "items": rng.poisson(2, n),
            "online": rng.choice([True, False], n),
            "when": pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
            "channel": rng.choice(["app", "web", None], n, p=[0.5, 0.3, 0.2]),
        }
    )
    df.loc[rng.random(n) < 0.15, "amount"] = np.nan
    df.loc[rng.random(n) < 0.05, "when"] = pd.NaT
    return df


@pytest.fixture(scope="module")
def fitted():
    df = mixed()
    schema = Schema.infer(df)
    return df, schema, WGANGenerator(**TINY, seed=3).fit(df, schema)


def test_fit_sample_mixed_table_with_missing_values_and_dates(fitted):
    df, schema, gen = fitted
    out = gen.sample(3000)
    assert list(out.columns) == list(df.columns) and len(out) == 3000
    assert schema.validate(out).ok, str(schema.validate(out))
    assert out["when"].dtype == df["when"].dtype and out["items"].dtype == df["items"].dtype
    assert out["when"].dropna().between(df["when"].min(), df["when"].max()).all()
    assert (out["when"].dropna().dt.normalize() == out["when"].dropna()).all()
    assert out["amount"].dropna().between(df["amount"].min(), df["amount"].max()).all()
    assert set(out["kind"]) <= set(df["kind"]) and set(out["online"]) <= {True, False}
    # missing values come back at about their real rates (explicit indicators + calibration)
    for col in ("amount", "when", "channel"):
        assert abs(out[col].isna().mean() - df[col].isna().mean()) < 0.05, col
    assert gen.epochs_done_ == TINY["epochs"] and len(gen.history_) == TINY["epochs"]
    assert {"loss_c", "loss_g", "gp", "loss_cond"} <= set(gen.history_[0])


def test_save_load_round_trip_gives_the_same_samples(fitted, tmp_path):
    df, schema, gen = fitted
    path = tmp_path / "wgan.pt"
    gen.save(path)
    loaded = WGANGenerator.load(path)
    a = gen.sample(500)
    b = loaded.sample(500)
    pd.testing.assert_frame_equal(a, b)
    # sample calls are numbered, so the next call differs but stays in step after loading
    pd.testing.assert_frame_equal(gen.sample(200), loaded.sample(200))
    assert not gen.sample(200).equals(gen.sample(200))


def test_deterministic_under_seed():
    df = mixed(400, seed=1)
    schema = Schema.infer(df)
    a = WGANGenerator(**TINY, seed=7).fit(df, schema).sample(300)
    b = WGANGenerator(**TINY, seed=7).fit(df, schema).sample(300)
    c = WGANGenerator(**TINY, seed=8).fit(df, schema).sample(300)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_calibration_switched_off_after_fitting_samples_the_trained_networks():
    """``calibrate=False`` set on a fitted model gives exactly what a ``calibrate=False`` fit of the
    same seed gives (training does not depend on calibration); switched back on, the corrections return."""
    df = mixed(400, seed=1)
    schema = Schema.infer(df)
    calibrated = WGANGenerator(**TINY, seed=7).fit(df, schema)
    plain = WGANGenerator(**dict(TINY, calibrate=False), seed=7).fit(df, schema)
    calibrated.calibrate = False
    off = calibrated.sample(300)
    pd.testing.assert_frame_equal(off, plain.sample(300))
    calibrated.calibrate = True
    on = calibrated.sample(300)
    reference = WGANGenerator(**TINY, seed=7).fit(df, schema)
    reference.sample(300)  # the same sample call number: the second
    pd.testing.assert_frame_equal(on, reference.sample(300))
    assert not on.equals(plain.sample(300))


@pytest.mark.parametrize("target", [None, "op", "kind"])
def test_rare_categories_come_out_at_their_real_rates(target):
    """Categories with >= 0.1% frequency appear in 100,000 rows within a factor of two of it, with or
    without a target (sampling then conditions on the target: the rare ones in it, or elsewhere)."""
    rng = np.random.default_rng(0)
    n = 20_000
    op = rng.choice(["cash", "card", "transfer", "cheque", "fee"], n, p=[0.6, 0.3, 0.094, 0.004, 0.002])
    region = rng.choice(["north", "south", "east", "island"], n, p=[0.5, 0.3, 0.1985, 0.0015])
    kind = np.where(op == "fee", "debit", rng.choice(["credit", "debit"], n))
    df = pd.DataFrame({"op": op, "region": region, "kind": kind,
                       "amount": np.exp(rng.normal(np.where(op == "transfer", 8, 4), 1))})
    params = dict(TINY, epochs=3, batch_size=500, generator_dims=(64, 64), critic_dims=(64,))
    gen = WGANGenerator(**params, seed=0).fit(df, Schema.infer(df, target=target))
    out = gen.sample(100_000)
    checked = 0
    for col in ("op", "region", "kind"):
        real = df[col].value_counts(normalize=True)
        syn = out[col].value_counts(normalize=True).reindex(real.index).fillna(0.0)
        for cat, freq in real[real >= 0.001].items():
            assert freq / 2 <= syn[cat] <= freq * 2, (col, cat, freq, syn[cat])
            checked += 1
    assert checked == 11  # every planted category, the rarest at 0.1-0.2%


def test_time_budget_stops_training_early():
    df = mixed(300)
    seen = []
    gen = WGANGenerator(**dict(TINY, epochs=10**6, max_seconds=1.0))
    gen.progress = seen.append  # an attribute the runner sets, as for every generator (benchkit.generator)
    gen.fit(df, Schema.infer(df))
    assert gen.stopped_early_ and 1 <= gen.epochs_done_ < 10**6
    assert len(seen) == gen.epochs_done_ and seen[-1]["epoch"] == gen.epochs_done_
    assert seen[0]["epochs"] == 10**6 and seen[0]["loss"] == seen[0]["loss_g"] and seen[0]["seconds"] > 0
    assert len(gen.sample(5)) == 5


def test_conformance_suite_passes():
    check_generator(WGANGenerator)


def test_registered_and_import_does_not_load_torch(plugin_manager):
    from benchkit import plugins

    reg = plugins.get_generator("wgan")
    assert reg.obj is WGANGenerator and "test_params" not in reg.info  # cheap settings come from the class
    code = "import sys, benchkit_wgan; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_bad_input_gives_clear_errors(tmp_path):
    df = mixed(100)
    schema = Schema.infer(df)
    with pytest.raises(NotFittedError):
        WGANGenerator(**TINY).sample(3)
    with pytest.raises(BenchkitError, match="batch_size"):
        WGANGenerator(**dict(TINY, batch_size=3, pac=5)).fit(df, schema)
    with pytest.raises(BenchkitError, match="device"):
        WGANGenerator(**dict(TINY, device="nonsense")).fit(df, schema)
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(BenchkitError, match="not a saved wgan model"):
        WGANGenerator.load(tmp_path / "junk.pt")
    with pytest.raises(BenchkitError, match="does not exist"):
        WGANGenerator.load(tmp_path / "missing.pt")


def test_span_layout_softmax_and_draws_match_per_column_softmax():
    import torch

    from benchkit_wgan.networks import SpanLayout

    sizes = [2, 5, 1, 3]
    layout = SpanLayout(sizes)
    torch.manual_seed(0)
    logits = torch.randn(4, sum(sizes)) * 3
    probs = torch.softmax(layout.pad(logits), dim=-1)
    start = 0
    for s, k in enumerate(sizes):
        expected = torch.softmax(logits[:, start : start + k], dim=1)
        torch.testing.assert_close(probs[:, s, :k], expected)
        assert (probs[:, s, k:] == 0).all()  # padding never gets mass
        start += k
    relaxed = layout.gumbel_softmax(logits, tau=0.2)
    assert relaxed.shape == logits.shape
    torch.testing.assert_close(relaxed[:, :2].sum(1), torch.ones(4))
    # hard draws (Gumbel-max) follow softmax(logits), so rare categories keep their rate
    row = logits[:1].expand(40_000, -1)
    codes = layout.sample_codes(row, torch.Generator().manual_seed(1))
    assert codes.shape == (40_000, 4) and (codes[:, 2] == 0).all()
    freq = torch.bincount(codes[:, 1], minlength=5).double() / 40_000
    torch.testing.assert_close(freq, probs[0, 1, :5].double(), atol=0.01, rtol=0)


def determined(n: int = 1200, seed: int = 0) -> pd.DataFrame:
    """A table whose target fully determines one feature (and shifts a number), plus noise columns."""
    rng = np.random.default_rng(seed)
    y = rng.choice(["yes", "no"], n, p=[0.3, 0.7])
    return pd.DataFrame({
        "colour": rng.choice(["red", "green", "blue", "grey"], n),
        "plan": np.where(y == "yes", "gold", rng.choice(["basic", "plus"], n)),
        "size": rng.normal(np.where(y == "yes", 2.0, -1.0), 1.0),
        "town": rng.choice(["a", "b", "c"], n),
        "y": y,
    })


def test_target_conditioning_learns_p_feature_given_target():
    """The target is the condition of half the training rows and of every sampled row: after a short
    fit, the synthetic p(plan | y) is the real one (plan = gold exactly when y = yes)."""
    df = determined()
    schema = Schema.infer(df, target="y")
    gen = WGANGenerator(**dict(TINY, epochs=30, batch_size=100, lr=1e-3), seed=0).fit(df, schema)
    assert gen.target_span_ is not None
    out = gen.sample(4000)
    gold = (out["plan"] == "gold").groupby(out["y"]).mean()
    assert gold["yes"] > 0.9 and gold["no"] < 0.1, gold.to_dict()
    assert abs((out["y"] == "yes").mean() - 0.3) < 0.03  # the target comes at its real rate
    assert out.groupby("y")["size"].mean().pipe(lambda m: m["yes"] - m["no"]) > 1.5
    assert {"loss_aux", "val_score"} <= set(gen.history_[-1])


def test_sampled_targets_are_drawn_from_the_auxiliary_classifier_at_their_real_rates():
    """With ``label_from_classifier`` (the default) each sampled row's target is drawn from the
    auxiliary classifier given the row's other columns, unshifted; rows are kept per drawn class
    (label-shift correction) so the targets keep their real rate; without it the target is the
    generator's condition."""
    import torch

    df = determined()
    schema = Schema.infer(df, target="y")
    params = dict(TINY, epochs=30, batch_size=100, lr=1e-3)
    gen = WGANGenerator(**params, seed=0).fit(df, schema)
    assert gen.label_clf_ is not None and gen.label_keep_ is not None
    assert gen.label_keep_.max() == 1.0 and 0 < gen.label_acceptance_ <= 1.0
    out = gen.sample(4000)
    assert len(out) == 4000 and abs((out["y"] == "yes").mean() - 0.3) < 0.03
    # the classifier's probability of "yes" for the sampled rows, recomputed from their encoding
    enc = gen.transformer_.transform(out)
    t = gen.target_span_
    yes = list(gen.transformer_.spans[t].categories).index("yes")
    with torch.no_grad():
        p_yes = torch.softmax(gen._label_logits(torch, np.nan_to_num(enc.numeric), enc.codes), dim=1)[:, yes].numpy()
    # kept rows of class c were drawn with probability p_c(x) and kept with keep_c, so among kept rows
    # P(yes | x) = p keep_yes / (p keep_yes + (1 - p) keep_no): in bins of p, the share of "yes" is that
    k_yes, k_no = gen.label_keep_[yes], gen.label_keep_[1 - yes]
    expected = p_yes * k_yes / (p_yes * k_yes + (1 - p_yes) * k_no)
    drawn_yes = out["y"].to_numpy() == "yes"
    bins = np.digitize(expected, [0.1, 0.5, 0.9])
    for b in np.unique(bins):
        sel = bins == b
        if sel.sum() >= 200:
            assert abs(drawn_yes[sel].mean() - expected[sel].mean()) < 0.06, (b, drawn_yes[sel].mean(), expected[sel].mean())
    # and they are what the real table says: gold plans are "yes"
    assert (out.loc[out["plan"] == "gold", "y"] == "yes").mean() > 0.9
    # the option acts at sampling and calibration only: the same training; switched off after fitting,
    # the uncalibrated samples are exactly those of a fit with the option off
    off = WGANGenerator(**params, label_from_classifier=False, seed=0).fit(df, schema)
    untimed = [[{k: v for k, v in h.items() if k != "seconds"} for h in g.history_] for g in (gen, off)]
    assert untimed[0] == untimed[1]
    assert off.label_keep_ is None  # nothing to correct: the targets are the conditions, at real rates
    gen.label_from_classifier = False
    gen.calibrate = off.calibrate = False
    gen.n_sample_calls_ = off.n_sample_calls_ = 0
    own = gen.sample(4000)
    pd.testing.assert_frame_equal(own, off.sample(4000))
    gen.label_from_classifier = True
    gen.n_sample_calls_ = 0
    relabelled = gen.sample(4000)
    assert not own["y"].equals(relabelled["y"])
    pd.testing.assert_frame_equal(own.drop(columns="y"), relabelled.drop(columns="y"))


def test_class_acceptance_by_hand():
    from benchkit_wgan.generator import class_acceptance

    # real 0.5 / 0.3 / 0.2, generated 0.25 / 0.3 / 0.45: ratios 2, 1, 4/9; the largest keeps every row
    keep = class_acceptance(np.array([0.5, 0.3, 0.2]), np.array([0.25, 0.3, 0.45]))
    np.testing.assert_allclose(keep, [1.0, 0.5, 2 / 9])
    kept = np.array([0.25, 0.3, 0.45]) * keep
    np.testing.assert_allclose(kept / kept.sum(), [0.5, 0.3, 0.2])  # the kept rows have the real rates
    # a class made 10x too rarely: the ratio is capped at max_oversampling, that class keeps every row
    np.testing.assert_allclose(class_acceptance(np.array([0.5, 0.5]), np.array([0.05, 0.95]), 4.0),
                               [1.0, (0.5 / 0.95) / 4.0])
    # a class the real table never has is never kept; nothing generated of a real class: capped
    np.testing.assert_allclose(class_acceptance(np.array([1.0, 0.0]), np.array([0.5, 0.5])), [1.0, 0.0])
    np.testing.assert_allclose(class_acceptance(np.array([0.5, 0.5]), np.array([0.0, 1.0]), 4.0), [1.0, 0.125])


def test_label_shift_of_the_generated_rows_is_corrected_by_keeping_rows_per_class():
    """When the generator makes too many rows that look like one class, the classifier's targets come
    out too often; rows of that class are then kept with a smaller chance (the classifier's
    probabilities are not shifted), so the targets come at their real rate and each kept row keeps
    the target its features call for."""
    from benchkit_wgan.generator import class_acceptance

    df = determined()
    schema = Schema.infer(df, target="y")
    gen = WGANGenerator(**dict(TINY, epochs=30, batch_size=100, lr=1e-3), seed=0).fit(df, schema)
    # condition the sampled rows on "yes" 70% of the time instead of the real 30%: the rows then look
    # like "yes" rows far too often (label shift), and the classifier says so
    from benchkit_wgan.conditional import ConditionalSampler

    t = gen.target_span_
    classes = list(gen.transformer_.spans[t].categories)
    counts = [c.copy() for c in gen.counts_]
    counts[t] = np.where(np.array(classes) == "yes", 700, 300)
    gen.sampler_ = ConditionalSampler(None, [s.size for s in gen.transformer_.spans], gen.sampler_.device,
                                      counts=counts, target_span=t, target_share=gen.target_share)
    gen.label_keep_, gen.label_acceptance_ = None, 1.0
    uncorrected = gen.sample(4000)
    assert (uncorrected["y"] == "yes").mean() > 0.6
    generated = uncorrected["y"].value_counts(normalize=True).reindex(classes).to_numpy()
    real = df["y"].value_counts(normalize=True).reindex(classes).to_numpy()
    gen.label_keep_ = class_acceptance(real, generated)
    gen.label_acceptance_ = float(generated @ gen.label_keep_)
    corrected = gen.sample(4000)
    assert len(corrected) == 4000 and abs((corrected["y"] == "yes").mean() - 0.3) < 0.04
    # rows were left out, not relabelled: gold plans fall to about the real share and stay "yes"
    assert (corrected["plan"] == "gold").mean() < (uncorrected["plan"] == "gold").mean() - 0.25
    assert (corrected.loc[corrected["plan"] == "gold", "y"] == "yes").mean() > 0.9
    assert (corrected.loc[corrected["plan"] != "gold", "y"] == "no").mean() > 0.9


def test_best_checkpoint_under_a_time_budget_is_recorded():
    df = determined(600)
    gen = WGANGenerator(**dict(TINY, epochs=10**6, max_seconds=3.0, validate_every=1), seed=0)
    gen.fit(df, Schema.infer(df, target="y"))
    summary = gen.training_summary()
    assert summary["stopped_because"] == "time budget" and summary["epochs_done"] == gen.epochs_done_ >= 1
    assert 1 <= summary["best_epoch"] <= summary["epochs_done"]
    scores = [h["val_score"] for h in gen.history_ if "val_score" in h]
    assert len(scores) == summary["epochs_done"] and summary["best_score"] == max(scores)
    # the kept epoch scored the best (history keeps 4 decimals, so another epoch may show the same value)
    assert scores[summary["best_epoch"] - 1] == max(scores)
    assert summary["validation"]["kept"] == "best" and summary["validation"]["every"] == 1
    assert len(gen.sample(10)) == 10


def test_without_a_target_the_pair_fidelity_alone_picks_the_checkpoint():
    df = mixed(300)
    gen = WGANGenerator(**dict(TINY, validate_every=1), seed=0).fit(df, Schema.infer(df))
    summary = gen.training_summary()
    assert gen.target_span_ is None and summary["validation"]["metric"].startswith("pair fidelity")
    validated = [h for h in gen.history_ if "val_score" in h]
    assert len(validated) == summary["epochs_done"]
    assert all("val_tstr" not in h and h["val_score"] == h["val_pairs"] for h in validated)
    assert summary["best_score"] == max(h["val_score"] for h in validated)
    off = WGANGenerator(**dict(TINY, keep_best=False), seed=0).fit(df, Schema.infer(df))
    assert off.training_summary()["validation"] is None and off.training_summary()["best_epoch"] is None


def test_pair_fidelity_by_hand():
    from benchkit_wgan.generator import pair_fidelity

    real = np.array([[0, 0], [0, 1], [1, 1], [1, 1]])
    # real joint: (0,0) 1/4, (0,1) 1/4, (1,1) 1/2; synthetic: (0,0) 1/2, (1,1) 1/2 -> TVD 1/4
    assert pair_fidelity(real, np.array([[0, 0], [0, 0], [1, 1], [1, 1]])) == pytest.approx(0.75)
    assert pair_fidelity(real, real[::-1]) == 1.0
    # three columns: three pairs averaged; the third column is constant in both, so only (0,1) differs
    r3, s3 = np.c_[real, np.zeros(4, int)], np.c_[[[0, 0], [0, 0], [1, 1], [1, 1]], np.zeros(4, int)]
    # pair (0,2): marginal of column 0 equal -> 1; pair (1,2): real col1 has 1/4 zeros, synthetic 1/2 -> 0.75
    assert pair_fidelity(r3, s3) == pytest.approx((0.75 + 1.0 + 0.75) / 3)
    assert pair_fidelity(np.array([[0], [1]]), np.array([[1], [1]])) == pytest.approx(0.5)
    # with correlations for the first two columns their pair is scored 1 - |0.8 - 0.2| / 2 = 0.7
    corr = (np.array([[1.0, 0.8], [0.8, 1.0]]), np.array([[1.0, 0.2], [0.2, 1.0]]))
    assert pair_fidelity(r3, s3, corr) == pytest.approx((0.7 + 1.0 + 0.75) / 3)


def test_rank_correlation_is_spearman_with_constant_columns_at_zero():
    from scipy.stats import spearmanr

    from benchkit_wgan.generator import rank_correlation

    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(size=50), rng.integers(0, 3, 50), np.ones(50)]
    x[:, 1] += x[:, 0] > 0
    got = rank_correlation(x)
    assert got[0, 1] == pytest.approx(spearmanr(x[:, 0], x[:, 1]).statistic)
    assert got[0, 2] == 0.0 and got[1, 2] == 0.0


def test_deterministic_under_seed_with_a_target_and_after_loading(tmp_path):
    df = determined(500, seed=2)
    schema = Schema.infer(df, target="y")
    params = dict(TINY, epochs=4, validate_every=1)
    a = WGANGenerator(**params, seed=7).fit(df, schema)
    b = WGANGenerator(**params, seed=7).fit(df, schema)
    assert a.training_summary()["best_epoch"] == b.training_summary()["best_epoch"]
    a.save(tmp_path / "m.pt")
    loaded = WGANGenerator.load(tmp_path / "m.pt")
    assert loaded.target_span_ == a.target_span_
    first = a.sample(300)
    pd.testing.assert_frame_equal(first, b.sample(300))
    pd.testing.assert_frame_equal(first, loaded.sample(300))


def test_sampled_targets_come_from_the_classifier_state_of_lowest_held_out_loss(tmp_path):
    """``classifier_holdout`` of the real rows stay out of the auxiliary classifier's loss; their
    cross-entropy is recorded after each epoch, and the classifier state of the lowest one is the one
    that draws the sampled targets (and is saved)."""
    import torch

    df = determined(2000)
    schema = Schema.infer(df, target="y")
    params = dict(TINY, epochs=8, batch_size=100, lr=1e-3)
    gen = WGANGenerator(**params, seed=0).fit(df, schema)
    stop = gen.training_summary()["label_classifier"]
    losses = [h["clf_held_out_loss"] for h in gen.history_]
    assert stop["held_out_rows"] == 200 and len(losses) == 8
    assert stop["held_out_loss"] == min(losses) and losses[stop["best_epoch"] - 1] == min(losses)
    # the held-out rows, drawn again from the fit's seed, weigh 0 in the classifier's loss
    cpu = torch.device("cpu")
    rows, weight = gen._classifier_holdout(torch, cpu, len(df))
    assert len(rows) == 200 and float(weight.sum()) == len(df) - 200 and (weight[rows] == 0).all()
    # the kept classifier is that epoch's: its cross-entropy on those rows is the recorded minimum
    enc = gen.transformer_.transform(df)
    keep, _, _ = gen._classifier_columns(torch, cpu, gen.layout_)
    x = torch.as_tensor(enc.matrix(gen.transformer_.spans))[rows][:, keep]
    y = torch.as_tensor(enc.codes[:, gen.target_span_])[rows]
    with torch.no_grad():
        held_out_loss = float(torch.nn.functional.cross_entropy(gen.label_clf_(x), y))
    assert held_out_loss == pytest.approx(stop["held_out_loss"], abs=1e-4)
    # deterministic under the seed, and saved with that state
    again = WGANGenerator(**params, seed=0).fit(df, schema)
    gen.save(tmp_path / "m.pt")
    loaded = WGANGenerator.load(tmp_path / "m.pt")
    first = gen.sample(500)
    pd.testing.assert_frame_equal(first, again.sample(500))
    pd.testing.assert_frame_equal(first, loaded.sample(500))
    assert loaded.training_summary()["label_classifier"] == stop
    # 0 switches it off (every row trains the classifier, the last state draws); so do too few rows
    off = WGANGenerator(**dict(params, epochs=2), classifier_holdout=0.0, seed=0).fit(df, schema)
    small = WGANGenerator(**dict(params, epochs=2), seed=0).fit(determined(900), schema)
    for g in (off, small):
        assert g.training_summary()["label_classifier"] is None and "clf_held_out_loss" not in g.history_[-1]


def test_target_share_and_validate_every_are_checked():
    df = determined(200)
    schema = Schema.infer(df, target="y")
    with pytest.raises(BenchkitError, match="target_share"):
        WGANGenerator(**dict(TINY, target_share=1.5)).fit(df, schema)
    with pytest.raises(BenchkitError, match="validate_every"):
        WGANGenerator(**dict(TINY, validate_every=0)).fit(df, schema)
    for bad in (1.0, -0.1, True, "0.1"):
        with pytest.raises(BenchkitError, match="classifier_holdout"):
            WGANGenerator(**dict(TINY, classifier_holdout=bad)).fit(df, schema)


def test_batch_size_by_table_size():
    """``batch_size=None``: about 50 generator steps per epoch, 250 to 1,000 rows, a multiple of pac."""
    from benchkit_wgan.generator import auto_batch_size

    assert auto_batch_size(300, 10) == 250 and auto_batch_size(25_000, 10) == 500
    assert auto_batch_size(27_561, 10) == 550 and auto_batch_size(40_211, 10) == 800
    assert auto_batch_size(88_845, 10) == auto_batch_size(10**6, 10) == 1000
    assert auto_batch_size(25_000, 7) == 497 and auto_batch_size(100, 300) == 300
    df = mixed(600)
    gen = WGANGenerator(**dict(TINY, batch_size=None, epochs=1), seed=0).fit(df, Schema.infer(df))
    assert gen.training_summary()["batch_size"] == 250 and gen.get_params()["batch_size"] is None
    with pytest.raises(BenchkitError, match="batch_size must be None"):
        WGANGenerator(**dict(TINY, batch_size=2)).fit(df, Schema.infer(df))
