"""Loading a model file never runs code from it (issue 16, "Unsafe loads").

``wgan`` files hold tensors and plain data and load with ``torch.load(weights_only=True)``; SDV model
files are a checked JSON header and a pickle read by a restricted unpickler. Crafted files whose pickle
calls ``os.system``/``builtins.exec`` are refused with a clear error naming the file, and the marker
file they would write is never created. The SDV round trips need SDV (the peer venv); everything else
runs anywhere.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib.util
import io
import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest

from benchkit import BenchkitError, Schema
from benchkit_sdv import SDVCopulaGANGenerator, SDVCTGANGenerator, SDVGaussianCopulaGenerator, SDVTVAEGenerator
from benchkit_sdv import modelfile
from benchkit_sdv.unpickler import RestrictedUnpickler, UnsafePickleError, restricted_loads
from benchkit_wgan import WGANGenerator
from benchkit_wgan.state import check_plain
from benchkit_wgan.transformer import DataTransformer

needs_sdv = pytest.mark.skipif(importlib.util.find_spec("sdv") is None, reason="sdv is not installed (peer venv)")


def rich_table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Numeric, integer, datetime, text, boolean, id and mixed-type columns, with missing values."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "amount": np.round(rng.lognormal(3, 1, n), 2),
        "items": rng.poisson(3, n),
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        "kind": rng.choice(["credit", "debit", "fee"], n),
        "channel": rng.choice(["app", "web", None], n),
        "online": rng.choice([True, False], n),
        "account": np.arange(1000, 1000 + n),
        "mixed": pd.Series(rng.choice(np.array(["a", 1, 2.5, True, None], dtype=object), n), dtype=object),
        "level": pd.Categorical(rng.choice(["low", "mid", "high"], n), categories=["low", "mid", "high"], ordered=True),
    })
    df.loc[rng.random(n) < 0.1, "amount"] = np.nan
    df.loc[rng.random(n) < 0.05, "when"] = pd.NaT
    return df


def rich_schema(df: pd.DataFrame) -> Schema:
    return Schema.infer(df, overrides={"account": "id", "mixed": "categorical", "level": "categorical"})


class Marker:
    """Pickles as ``os.system("touch <path>")``: unpickling it creates the marker file."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


class ExecMarker(Marker):
    """Pickles as ``builtins.exec(...)`` writing the marker file."""

    def __reduce__(self):
        return builtins.exec, (f"open({self.path!r}, 'w').write('pwned')",)


def getattr_chain(marker) -> bytes:
    """A hand-written pickle: ``getattr(__import__("os"), "system")("touch marker")``."""
    return (b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(Vtouch " + str(marker).encode()
            + b"\ntR.")


def evil_pickles(marker) -> dict[str, bytes]:
    return {"os.system": pickle.dumps({"x": Marker(marker)}, protocol=2),
            "builtins.exec": pickle.dumps({"x": ExecMarker(marker)}, protocol=5),
            "getattr chain": getattr_chain(marker)}


def test_the_crafted_pickles_do_run_code_when_unpickled_plainly(tmp_path):
    """The fixtures are real attacks: plain pickle.loads creates the marker (so the tests below mean something)."""
    for what, data in evil_pickles(tmp_path / "m").items():
        pickle.loads(data)
        assert (tmp_path / "m").exists(), what
        (tmp_path / "m").unlink()


# --------------------------------------------------------------------- wgan
@pytest.fixture(scope="module")
def wgan_fitted():
    df = rich_table()
    schema = rich_schema(df)
    return df, schema, WGANGenerator(**WGANGenerator.test_params(), seed=5).fit(df, schema)


def test_wgan_round_trip_of_a_rich_table_through_plain_data(wgan_fitted, tmp_path):
    import torch

    df, schema, gen = wgan_fitted
    path = tmp_path / "wgan.pt"
    gen.save(path)
    state = torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain data only
    assert state["format"] == "benchkit-wgan/2"
    loaded = WGANGenerator.load(path)
    a, b = gen.sample(600), loaded.sample(600)
    pd.testing.assert_frame_equal(a, b)
    assert set(a["kind"]) <= set(df["kind"]) and a["account"].min() >= 1000 + len(df)
    assert gen.training_summary() == loaded.training_summary() and gen.history_ == loaded.history_
    for s1, s2 in zip(gen.transformer_.spans, loaded.transformer_.spans, strict=True):
        pd.testing.assert_index_equal(s1.categories, s2.categories, exact=True)
        assert s1.dtype == s2.dtype and np.array_equal(s1.frequencies, s2.frequencies)
    for c1, c2 in zip(gen.transformer_.numeric, loaded.transformer_.numeric, strict=True):
        assert c1.dtype == c2.dtype and np.array_equal(c1.qmap.x, c2.qmap.x)


@pytest.mark.parametrize("values", [
    pd.Series(["a", None, "b", np.nan], dtype=object),
    pd.Series([1, 2, 2, 7]),
    pd.Series([0.5, np.nan, 2.0, 0.5]),
    pd.Series([True, False, None, True], dtype=object),
    pd.Series([1, None, 3, 3], dtype="Int64"),
    pd.Series(["x", "y", None, "x"], dtype="string"),
    pd.Series(pd.Categorical(["lo", "hi", None, "lo"], categories=["lo", "hi"], ordered=True)),
    pd.Series([pd.Timestamp("2021-03-04 05:06:07.000008"), pd.NaT, pd.Timestamp("1999-12-31"), pd.NaT]),
    pd.Series([pd.Timestamp("2021-03-04", tz="Europe/Paris"), None, pd.Timestamp("2021-03-05", tz="Europe/Paris"), None]),
    pd.Series(np.array([np.int64(3), "3", np.float32(1.5), pd.Timestamp("2020-01-01"), pd.NA, pd.NaT], dtype=object)),
])
def test_transformer_state_rebuilds_categories_and_dtypes_exactly(values):
    import torch

    df = pd.DataFrame({"c": values})
    schema = Schema.infer(df, overrides={"c": "categorical"})
    tr = DataTransformer(n_quantiles=10).fit(df, schema)
    state = tr.to_state()
    check_plain(state)
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    back = DataTransformer.from_state(torch.load(buf, weights_only=True))
    pd.testing.assert_index_equal(tr.spans[0].categories, back.spans[0].categories, exact=True)
    assert [type(v) for v in tr.spans[0].categories] == [type(v) for v in back.spans[0].categories]
    assert tr.spans[0].dtype == back.spans[0].dtype
    codes = np.arange(len(tr.spans[0].categories))[:, None]
    pd.testing.assert_frame_equal(tr.inverse_transform(np.zeros((len(codes), 0)), codes),
                                  back.inverse_transform(np.zeros((len(codes), 0)), codes))


def test_wgan_refuses_crafted_files_without_running_them(wgan_fitted, tmp_path):
    import torch

    marker = tmp_path / "marker"
    files = {}
    for what, data in evil_pickles(marker).items():  # bare pickles
        files[what] = tmp_path / f"{what}.pkl"
        files[what].write_bytes(data)
    # torch files (the container wgan writes) whose pickle calls os.system / exec
    torch.save({"format": "benchkit-wgan/2", "transformer": Marker(marker)}, tmp_path / "system.pt")
    torch.save({"format": "benchkit-wgan/2", "history": [ExecMarker(marker)]}, tmp_path / "exec.pt")
    files.update(system_pt=tmp_path / "system.pt", exec_pt=tmp_path / "exec.pt")
    for what, path in files.items():
        with pytest.raises(BenchkitError, match="wgan: .*" + str(path).replace(".", r"\.")) as err:
            WGANGenerator.load(path)
        assert not marker.exists(), what
        if path.suffix == ".pt":
            assert "refused to load" in str(err.value), str(err.value)


def test_wgan_old_format_files_are_refused_not_unpickled(wgan_fitted, tmp_path):
    import torch

    _, _, gen = wgan_fitted
    marker = tmp_path / "marker"
    old = {"format": "benchkit-wgan/1", "transformer": gen.transformer_, "hook": Marker(marker)}
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(BenchkitError, match=r"old\.pt was saved by an older benchkit with an unsafe format.*refit and save again"):
        WGANGenerator.load(tmp_path / "old.pt")
    assert not marker.exists()


def test_wgan_truncated_or_damaged_files_give_clear_errors(wgan_fitted, tmp_path):
    _, _, gen = wgan_fitted
    gen.save(tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(BenchkitError, match=r"cut\.pt is not a saved wgan model, or is truncated or damaged"):
        WGANGenerator.load(tmp_path / "cut.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(BenchkitError, match=r"empty\.pt is not a saved wgan model"):
        WGANGenerator.load(tmp_path / "empty.pt")
    import torch

    state = torch.load(tmp_path / "good.pt", weights_only=True)
    del state["transformer"]["spans"]
    torch.save(state, tmp_path / "partial.pt")
    with pytest.raises(BenchkitError, match=r"partial\.pt is a damaged wgan model file"):
        WGANGenerator.load(tmp_path / "partial.pt")


def test_wgan_save_refuses_state_that_is_not_plain_data():
    with pytest.raises(BenchkitError, match=r"cannot save the model state\['params'\]\['lr'\]: float64"):
        check_plain({"params": {"lr": np.float64(0.1)}}, "the model state")


# ---------------------------------------------------------------------- sdv
def sdv_file(path, payload: bytes, generator: str = "sdv_tvae") -> None:
    """A file in the SDV plugin's container format (valid header and checksum) around ``payload``."""
    head = {"format": modelfile.FORMAT, "generator": generator, "params": {}, "schema": {},
            "payload": {"pickle_protocol": 5, "bytes": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}}
    path.write_bytes(modelfile.MAGIC + json.dumps(head).encode() + b"\n" + payload)


def test_sdv_refuses_crafted_files_without_running_them(tmp_path):
    marker = tmp_path / "marker"
    for what, data in evil_pickles(marker).items():
        sdv_file(tmp_path / "evil.pkl", data)
        with pytest.raises(BenchkitError, match=r"refused to load .*evil\.pkl: refused global (builtins|posix)"):
            SDVTVAEGenerator.load(tmp_path / "evil.pkl")
        (tmp_path / "bare.pkl").write_bytes(data)  # no header at all: refused before any unpickling
        with pytest.raises(BenchkitError, match=r"bare\.pkl is not a saved SDV model .*nothing was unpickled"):
            SDVTVAEGenerator.load(tmp_path / "bare.pkl")
        assert not marker.exists(), what


def test_sdv_old_format_files_are_refused_not_unpickled(tmp_path):
    marker = tmp_path / "marker"
    (tmp_path / "old.pkl").write_bytes(pickle.dumps({"format": "benchkit-sdv/1", "synthesizer": Marker(marker)}))
    with pytest.raises(BenchkitError, match=r"old\.pkl was saved by an older benchkit with an unsafe format.*refit"):
        SDVCTGANGenerator.load(tmp_path / "old.pkl")
    assert not marker.exists()


@pytest.mark.parametrize("module, name", [
    ("os", "system"), ("posix", "system"), ("subprocess", "Popen"), ("builtins", "eval"), ("builtins", "getattr_"),
    ("builtins", "__import__"), ("numpy", "load"), ("pandas", "read_pickle"), ("torch", "load"),
    ("torch.serialization", "load"), ("pandas.io.pickle", "read_pickle"), ("numpy.lib._npyio_impl", "load"),
    ("sdv", "__builtins__"), ("pandas.core.frame", "DataFrame.to_pickle"), ("numpy", "ctypeslib"),
    ("copulas", "os"), ("pandas", "io"), ("torch.storage", "_load_from_bytes_"),
])
def test_restricted_unpickler_refuses_dangerous_globals(module, name):
    with pytest.raises(UnsafePickleError):
        RestrictedUnpickler(io.BytesIO(b"")).find_class(module, name)


def test_restricted_unpickler_stand_ins_are_narrow(tmp_path):
    import torch

    marker = tmp_path / "marker"

    class Storage:  # pickles as torch.storage._load_from_bytes(<a pickle calling os.system>)
        def __reduce__(self):
            return torch.storage._load_from_bytes, (pickle.dumps(Marker(marker)),)

    with pytest.raises(UnsafePickleError, match="tensor storage"):
        restricted_loads(pickle.dumps(Storage()))
    getattr_ = RestrictedUnpickler(io.BytesIO(b"")).find_class("builtins", "getattr")
    for obj, name in ((os, "system"), (torch, "load"), (pd.DataFrame(), "to_pickle"), (pd.DataFrame, "__init__")):
        with pytest.raises(UnsafePickleError):
            getattr_(obj, name)
    assert not marker.exists()
    assert restricted_loads(pickle.dumps(torch.arange(3.0))).tolist() == [0.0, 1.0, 2.0]


@needs_sdv
def test_sdv_truncated_or_damaged_files_give_clear_errors(tmp_path):
    gen = SDVGaussianCopulaGenerator().fit(rich_table(120), rich_schema(rich_table(120)))
    gen.save(tmp_path / "good.pkl")
    data = (tmp_path / "good.pkl").read_bytes()
    (tmp_path / "cut.pkl").write_bytes(data[:-100])
    with pytest.raises(BenchkitError, match=r"cut\.pkl is truncated or damaged"):
        SDVGaussianCopulaGenerator.load(tmp_path / "cut.pkl")
    (tmp_path / "flip.pkl").write_bytes(data[:-10] + bytes(10))
    with pytest.raises(BenchkitError, match=r"flip\.pkl is truncated or damaged"):
        SDVGaussianCopulaGenerator.load(tmp_path / "flip.pkl")
    (tmp_path / "head.pkl").write_bytes(data[: len(modelfile.MAGIC) + 20])
    with pytest.raises(BenchkitError, match=r"head\.pkl has a damaged header"):
        SDVGaussianCopulaGenerator.load(tmp_path / "head.pkl")


@needs_sdv
@pytest.mark.parametrize("cls", [SDVGaussianCopulaGenerator, SDVCTGANGenerator, SDVTVAEGenerator, SDVCopulaGANGenerator])
def test_sdv_round_trip_through_the_restricted_unpickler(cls, tmp_path):
    df = rich_table(200)
    gen = cls(**cls.test_params()).fit(df, rich_schema(df))
    gen.save(tmp_path / "m.pkl")
    with (tmp_path / "m.pkl").open("rb") as fh:
        fh.readline()
        head = json.loads(fh.readline())
    assert head["generator"] == cls.registered_name and head["versions"]["sdv"] and len(head["payload"]["sha256"]) == 64
    back = cls.load(tmp_path / "m.pkl")
    assert back.get_params() == gen.get_params() and back.training_summary() == gen.training_summary()
    pd.testing.assert_frame_equal(gen.sample(150), back.sample(150))
