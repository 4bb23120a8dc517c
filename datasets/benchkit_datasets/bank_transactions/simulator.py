"""A vectorised simulator of Czech-bank (Berka, PKDD'99) style account transactions.

Every account opens with a small cash deposit and then lives month by month until 1998-12-31:
periodic transfers on a fixed day (pension and salary in, household/insurance/loan/standing orders
out), Poisson-many cash deposits and withdrawals whose amounts are per-account lognormal scales
(multimodal across accounts, heavy-tailed), interest credited and the statement fee charged on the
last day of the month, and sanction interest when a month ends below zero. Each month the planned
deposits are scaled by x and the withdrawals by 1/x so that the balance closes half the gap to an
account-specific level, and an account about to go overdrawn usually pays cash in on that day; this
is what keeps balances realistic. The only Python loop is over the 72 months; inside it everything is array work
on all accounts at once. Money is held in integer tenths of a crown so that
``balance_i = balance_{i-1} + signed amount_i`` holds exactly within an account.

Label mapping to the Berka codes (type / operation / k_symbol):
credit=PRIJEM, debit=VYDAJ, cash_withdrawal=VYBER; cash_credit=VKLAD, collection_from_bank=PREVOD Z UCTU,
cash_withdrawal=VYBER, remittance_to_bank=PREVOD NA UCET, card_withdrawal=VYBER KARTOU, none=(empty);
pension=DUCHOD, insurance=POJISTNE, household=SIPO, loan_payment=UVER, interest=UROK,
sanction=SANKC. UROK, statement=SLUZBY, none=(empty or blank).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchkit.pandas_compat import TEXT_DTYPE, as_text

START = np.datetime64("1993-01-01")
N_MONTHS = 72  # 1993-01 .. 1998-12
DEFAULT_ROWS = 1_000_000
DEFAULT_ACCOUNTS = 4_500
BANKS = np.array(["AB", "CD", "EF", "GH", "IJ", "KL", "MN", "OP", "QR", "ST", "UV", "WX", "YZ"])
# share of accounts opened in each year 1993..1997 (Berka account.asc)
OPEN_YEAR_WEIGHTS = np.array([1139, 439, 661, 1363, 898], dtype=float)

TYPES = np.array(["credit", "debit", "cash_withdrawal"])
OPERATIONS = np.array(
    ["cash_credit", "collection_from_bank", "cash_withdrawal", "remittance_to_bank", "card_withdrawal", "none"]
)
K_SYMBOLS = np.array(
    ["none", "pension", "insurance", "household", "loan_payment", "interest", "sanction", "statement"]
)
CLASSES = np.array(["affluent", "retired", "cash_heavy", "standard"])
TYPE_TO_BERKA = {"credit": "PRIJEM", "debit": "VYDAJ", "cash_withdrawal": "VYBER"}
OPERATION_TO_BERKA = {
    "cash_credit": "VKLAD",
    "collection_from_bank": "PREVOD Z UCTU",
    "cash_withdrawal": "VYBER",
    "remittance_to_bank": "PREVOD NA UCET",
    "card_withdrawal": "VYBER KARTOU",
    "none": None,
}
K_SYMBOL_TO_BERKA = {
    "pension": "DUCHOD",
    "insurance": "POJISTNE",
    "household": "SIPO",
    "loan_payment": "UVER",
    "interest": "UROK",
    "sanction": "SANKC. UROK",
    "statement": "SLUZBY",
    "none": None,
}

# event kinds: (type, operation, k_symbol, sign, has partner bank)
_EVENTS = {
    "open": (0, 0, 0, +1, False),
    "deposit": (0, 0, 0, +1, False),
    "pension": (0, 1, 1, +1, True),
    "salary": (0, 1, 0, +1, True),
    "household": (1, 3, 3, -1, True),
    "insurance": (1, 3, 2, -1, True),
    "loan": (1, 3, 4, -1, True),
    "order": (1, 3, 0, -1, True),
    "withdrawal": (1, 2, 0, -1, False),
    "cash_withdrawal": (2, 2, 0, -1, False),
    "card": (1, 4, 0, -1, False),
    "interest": (0, 5, 5, +1, False),
    "statement": (1, 2, 7, -1, False),
    "sanction": (1, 2, 6, -1, False),
}
_KIND = {k: i for i, k in enumerate(_EVENTS)}
_EV = np.array(list(_EVENTS.values()), dtype=object)
_EV_TYPE = np.array([e[0] for e in _EV], dtype=np.int8)
_EV_OP = np.array([e[1] for e in _EV], dtype=np.int8)
_EV_KS = np.array([e[2] for e in _EV], dtype=np.int8)
_EV_SIGN = np.array([e[3] for e in _EV], dtype=np.int64)
_EV_BANK = np.array([e[4] for e in _EV], dtype=bool)

# per account-month rates measured on the real prefix (1993-01..1994-10), see the card
RATE_DEPOSIT = 0.80
RATE_WITHDRAWAL = 1.30
SHARE_CASH_TYPE = 0.058  # withdrawals booked with type VYBER in Berka
RATE_CARD = 0.002
REVERSION = 0.5  # share of the gap to the target balance closed per month
INTEREST_RATE = 0.0042  # per month on the month-end balance
TOPUP_PROB = 0.97  # an account about to go overdrawn pays cash in first, most of the time


def _month_starts() -> np.ndarray:
    return np.array([np.datetime64(f"{1993 + m // 12}-{m % 12 + 1:02d}-01") for m in range(N_MONTHS + 1)])


def _lognormal(rng: np.random.Generator, median: float, sigma: float, size) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(size))


def _tenths(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=float) * 10).astype(np.int64)


def _round_hundreds(x: np.ndarray) -> np.ndarray:
    return np.maximum(1000, np.round(np.asarray(x) / 1000).astype(np.int64) * 1000)  # tenths -> 100 CZK


def simulate(
    n_rows: int | None = None,
    seed: int = 0,
    n_accounts: int | None = None,
) -> pd.DataFrame:
    """Simulate ``n_rows`` transactions (default 1,000,000) of ``n_accounts`` accounts (default scales with rows)."""
    n_rows = DEFAULT_ROWS if n_rows is None else int(n_rows)
    if n_rows < 1:
        raise ValueError("n_rows must be at least 1")
    if n_accounts is None:
        n_accounts = max(1, int(round(DEFAULT_ACCOUNTS * n_rows / DEFAULT_ROWS)))
    rng = np.random.default_rng(seed)
    months = _month_starts()
    mdays = (months[1:] - months[:-1]).astype(int)
    A = int(n_accounts)

    # ------------------------------------------------------------------ accounts
    year = rng.choice(5, size=A, p=OPEN_YEAR_WEIGHTS / OPEN_YEAR_WEIGHTS.sum())
    open_day_of_year = rng.integers(0, 365, size=A)
    open_date = np.array([np.datetime64(f"{1993 + y}-01-01") for y in range(5)])[year] + open_day_of_year
    open_m = np.searchsorted(months, open_date, side="right") - 1
    open_dom = (open_date - months[open_m]).astype(int) + 1
    active = N_MONTHS - open_m  # months including the opening one

    scale = _lognormal(rng, 1.0, 0.75, A)  # spending/income level
    target = _lognormal(rng, 36_000, 0.35, A) * scale**0.3
    dep_rate = rng.gamma(2.0, RATE_DEPOSIT / 2.0, A)
    wd_rate = rng.gamma(2.5, RATE_WITHDRAWAL / 2.5, A)
    has_pension = rng.random(A) < 0.19
    has_salary = (~has_pension) & (rng.random(A) < 0.26)
    has_household = rng.random(A) < 0.52
    has_insurance = rng.random(A) < 0.10
    has_order = rng.random(A) < 0.25
    has_card = rng.random(A) < 0.03
    has_statement = rng.random(A) < 0.72
    has_loan = rng.random(A) < 0.10
    dep_rate[has_pension | has_salary] *= 0.45
    pension_amt = np.clip(rng.normal(5500, 850, A), 2500, 9000)
    # salaries are bimodal: ordinary (~4k) and a high-earning minority (~30-45k)
    salary_amt = np.where(rng.random(A) < 0.8, _lognormal(rng, 4000, 0.35, A), _lognormal(rng, 30_000, 0.45, A))
    household_amt = _lognormal(rng, 3300, 0.65, A) * scale**0.3
    insurance_amt = _lognormal(rng, 600, 1.3, A)
    order_amt = _lognormal(rng, 1200, 1.0, A)
    loan_amt = _lognormal(rng, 3800, 0.45, A)
    loan_start = open_m + 1 + (rng.random(A) * np.maximum(active - 1, 1)).astype(int)
    loan_end = loan_start + rng.choice([12, 24, 36, 48, 60], size=A)
    fixed_day = rng.integers(5, 15, size=A)
    statement_fee = np.where(rng.random(A) < 0.92, 14.6, np.round(rng.uniform(15, 100, A), 1))
    home_bank = rng.integers(0, len(BANKS), size=(A, 1))  # partner bank per periodic flow kind
    bank_pref = (home_bank + rng.integers(0, len(BANKS), size=(A, 4))) % len(BANKS)

    # expected rows at base rates -> multiplier on the Poisson flows so the total lands near n_rows
    am_total = active.sum()
    periodic = (
        (active - 1) * (has_pension + has_salary + has_household + has_insurance + has_order + 1 + has_statement)
    ).sum() + (np.clip(np.minimum(loan_end, N_MONTHS) - loan_start, 0, None) * has_loan).sum()
    random_rows = ((dep_rate + wd_rate) * active).sum()
    mult = max(0.05, (1.03 * n_rows - periodic - A) / max(random_rows, 1.0))

    # --------------------------------------------------------- account-month grid
    am_acc = np.repeat(np.arange(A), active)
    am_m = open_m[am_acc] + (np.arange(am_total) - np.repeat(np.cumsum(active) - active, active))
    after_open = am_m > open_m[am_acc]

    kinds, accs, ms, days, amts = [], [], [], [], []

    def add(kind: str, mask_or_counts: np.ndarray, amount_fn, day_fn) -> None:
        counts = mask_or_counts.astype(np.int64)
        idx = np.repeat(np.arange(am_total), counts)
        if len(idx) == 0:
            return
        a, m = am_acc[idx], am_m[idx]
        kinds.append(np.full(len(idx), _KIND[kind], dtype=np.int8))
        accs.append(a)
        ms.append(m)
        days.append(day_fn(a, m))
        amts.append(_tenths(amount_fn(a, m, len(idx))))

    def random_day(a, m, skew: float = 1.0):
        lo = np.where(m == open_m[a], open_dom[a], 1)
        return lo + (rng.random(len(a)) ** skew * (mdays[m] - lo + 1)).astype(int)

    early_day = lambda a, m: random_day(a, m, 1.4)  # noqa: E731  (deposits come earlier in the month)

    fixed = lambda a, m: fixed_day[a]  # noqa: E731
    # opening deposit on the opening day
    add("open", am_m == open_m[am_acc], lambda a, m, n: rng.integers(2, 12, n) * 100.0, lambda a, m: open_dom[a])
    add("pension", after_open & has_pension[am_acc], lambda a, m, n: pension_amt[a], fixed)
    add("salary", after_open & has_salary[am_acc], lambda a, m, n: salary_amt[a] * rng.uniform(0.97, 1.03, n), fixed)
    add("household", after_open & has_household[am_acc], lambda a, m, n: household_amt[a], fixed)
    add("insurance", after_open & has_insurance[am_acc], lambda a, m, n: insurance_amt[a], fixed)
    add("order", after_open & has_order[am_acc], lambda a, m, n: order_amt[a], fixed)
    in_loan = has_loan[am_acc] & (am_m >= loan_start[am_acc]) & (am_m < loan_end[am_acc])
    add("loan", in_loan, lambda a, m, n: loan_amt[a], lambda a, m: np.full(len(a), 12))
    growth = 0.5 + 0.9 * am_m / (N_MONTHS - 1)  # activity rose over the years in Berka
    lam_dep = dep_rate[am_acc] * mult * growth * np.where(after_open, 1.0, 0.7)
    add(
        "deposit",
        rng.poisson(lam_dep),
        lambda a, m, n: np.where(
            rng.random(n) < 0.3,
            np.round(_lognormal(rng, 15_000, 0.55, n) * scale[a], -2),
            _lognormal(rng, 15_000, 0.55, n) * scale[a],
        ).clip(100, 75_000),
        early_day,
    )
    wd = rng.poisson(wd_rate[am_acc] * mult * growth * np.where(after_open, 1.0, 0.0))
    cash_type = rng.binomial(wd, SHARE_CASH_TYPE)
    add("withdrawal", wd - cash_type, lambda a, m, n: _lognormal(rng, 6500, 1.05, n) * scale[a], random_day)
    add("cash_withdrawal", cash_type, lambda a, m, n: rng.uniform(1000, 25_000, n), random_day)
    add(
        "card",
        rng.poisson(RATE_CARD / 0.03 * has_card[am_acc] * after_open),
        lambda a, m, n: rng.integers(5, 40, n) * 100.0,
        random_day,
    )

    kind = np.concatenate(kinds)
    acc = np.concatenate(accs)
    mon = np.concatenate(ms)
    day = np.concatenate(days).astype(np.int64)
    amt = np.concatenate(amts)
    amt = np.maximum(amt, 1)

    # --------------------------------------------- month loop: scale withdrawals, month-end rows
    order = np.lexsort((kind, day, acc, mon))  # booking order: within a day by kind
    kind, acc, mon, day, amt = kind[order], acc[order], mon[order], day[order], amt[order]
    bounds = np.searchsorted(mon, np.arange(N_MONTHS + 1))
    is_wd = kind == _KIND["withdrawal"]
    is_dep = kind == _KIND["deposit"]
    is_fixed = ~(is_wd | is_dep)
    sign = _EV_SIGN[kind]
    balance = np.zeros(A, dtype=np.int64)
    target_t = _tenths(target)
    fee_t = _tenths(statement_fee)
    end_kind, end_acc, end_mon, end_amt = [], [], [], []
    extra_kind, extra_acc, extra_mon, extra_day, extra_amt = [], [], [], [], []
    is_open = np.zeros(A, dtype=bool)
    for m in range(N_MONTHS):
        s = slice(bounds[m], bounds[m + 1])
        a_s, w_s, d_s, f_s = acc[s], is_wd[s], is_dep[s], is_fixed[s]
        seg = amt[s].copy()
        fixed_net = np.bincount(a_s[f_s], weights=(sign[s] * seg)[f_s], minlength=A)
        dep_p = np.bincount(a_s[d_s], weights=seg[d_s], minlength=A)
        wd_p = np.bincount(a_s[w_s], weights=seg[w_s], minlength=A)
        # discretionary net flow that closes REVERSION of the gap to the target balance:
        # deposits x factor, withdrawals / factor, factor from x*D - W/x = N
        want = REVERSION * (target_t - balance) - fixed_net
        x = np.ones(A)
        both = (dep_p > 0) & (wd_p > 0)
        x[both] = (want[both] + np.sqrt(want[both] ** 2 + 4 * dep_p[both] * wd_p[both])) / (2 * dep_p[both])
        only_d = (dep_p > 0) & (wd_p == 0)
        x[only_d] = np.maximum(want[only_d], 1.0) / dep_p[only_d]
        only_w = (dep_p == 0) & (wd_p > 0)
        x[only_w] = wd_p[only_w] / np.maximum(-want[only_w], 1.0)
        x = np.clip(x, 0.2, 5.0)
        dep_new = seg[d_s] * x[a_s[d_s]]
        seg[d_s] = np.where(rng.random(len(dep_new)) < 0.3, np.maximum(1000, np.round(dep_new, -3)), np.round(dep_new, -1))
        wd_new = seg[w_s] / x[a_s[w_s]]
        seg[w_s] = np.where(rng.random(len(wd_new)) < 0.7, _round_hundreds(wd_new), np.maximum(np.round(wd_new, -1), 100))
        amt[s] = seg
        # running balance inside the month (rows are in booking order per account); an account that
        # would go overdrawn usually pays cash in on the day it would happen (TOPUP_PROB)
        signed_s = sign[s] * seg
        first_row = np.r_[True, a_s[1:] != a_s[:-1]] if len(a_s) else np.zeros(0, bool)
        csum = np.cumsum(signed_s)
        group_start = np.maximum.accumulate(np.where(first_row, np.arange(len(a_s)), 0))
        running = balance[a_s] + csum - (csum[group_start] - signed_s[group_start])
        neg_rows = np.flatnonzero(running < 0)
        if len(neg_rows):
            low, pos_first = np.unique(a_s[neg_rows], return_index=True)
            first_neg = neg_rows[pos_first]
            keep_low = rng.random(len(low)) < TOPUP_PROB
            low, first_neg = low[keep_low], first_neg[keep_low]
            min_run = np.full(A, 0.0)
            np.minimum.at(min_run, a_s[neg_rows], running[neg_rows])
            top = np.round((-min_run[low] + REVERSION * target_t[low]) * rng.uniform(0.7, 1.2, len(low)), -3)
            top = np.maximum(top, 1000).astype(np.int64)
            extra_kind.append(np.full(len(low), _KIND["deposit"], dtype=np.int8))
            extra_acc.append(low)
            extra_mon.append(np.full(len(low), m))
            extra_day.append(day[s][first_neg])
            extra_amt.append(top)
            balance[low] += top
        balance = balance + np.bincount(a_s, weights=signed_s, minlength=A).astype(np.int64)
        is_open |= open_m == m
        live = is_open & (open_m < m)  # month-end bookings start in the month after opening
        pos = live & (balance > 0)
        interest = np.round(balance * INTEREST_RATE * rng.uniform(0.8, 1.2, A)).astype(np.int64)
        pos &= interest >= 1
        neg = live & (balance < 0)
        sanction = np.maximum(1, np.round(-balance * 0.004)).astype(np.int64)
        stmt = live & has_statement
        for k, mask, val in (("interest", pos, interest), ("statement", stmt, fee_t), ("sanction", neg, sanction)):
            ids = np.flatnonzero(mask)
            end_kind.append(np.full(len(ids), _KIND[k], dtype=np.int8))
            end_acc.append(ids)
            end_mon.append(np.full(len(ids), m))
            end_amt.append(val[ids])
        balance = balance + np.where(pos, interest, 0) - np.where(stmt, fee_t, 0) - np.where(neg, sanction, 0)

    em = np.concatenate(end_mon)
    kind = np.concatenate([kind, *end_kind, *extra_kind])
    acc = np.concatenate([acc, *end_acc, *extra_acc])
    mon = np.concatenate([mon, em, *extra_mon])
    day = np.concatenate([day, mdays[em], *extra_day]).astype(np.int64)
    amt = np.concatenate([amt, *end_amt, *extra_amt])

    # -------------------------------------------------- order, truncate, running balance
    order = np.lexsort((kind, day, acc, mon))  # within a day: kind order (credits before end-of-month)
    kind, acc, mon, day, amt = kind[order], acc[order], mon[order], day[order], amt[order]
    date = months[mon] + (day - 1)
    by_date = np.argsort(date, kind="stable")
    keep = by_date[: min(n_rows, len(by_date))]  # the earliest n_rows transactions overall
    keep = keep[np.lexsort((kind[keep], date[keep], acc[keep]))]  # per account, in date order
    kind, acc, date, amt = kind[keep], acc[keep], date[keep], amt[keep]
    signed = _EV_SIGN[kind] * amt
    csum = np.cumsum(signed)
    first = np.r_[True, acc[1:] != acc[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(acc)), 0))
    bal = csum - (csum[start] - signed[start])

    n = len(kind)
    bank = np.full(n, None, dtype=object)
    with_bank = _EV_BANK[kind]
    flow = np.select(
        [kind == _KIND["household"], kind == _KIND["insurance"], kind == _KIND["loan"]], [1, 2, 3], 0
    )
    bank[with_bank] = BANKS[bank_pref[acc[with_bank], flow[with_bank]]]

    df = pd.DataFrame(
        {
            "account_id": acc.astype(np.int64) + 1,
            "date": date.astype("datetime64[ns]"),
            "type": TYPES[_EV_TYPE[kind]],
            "operation": OPERATIONS[_EV_OP[kind]],
            "amount": amt / 10.0,
            "balance": bal / 10.0,
            "k_symbol": K_SYMBOLS[_EV_KS[kind]],
            "partner_bank": as_text(bank).array,
        }
    )
    df["customer_class"] = customer_class(df)
    df = df.iloc[np.argsort(date, kind="stable")].reset_index(drop=True)  # the Berka file is in date order
    return df


def customer_class(df: pd.DataFrame, *, pension: str = "pension", cash_operation: str = "cash_withdrawal",
                   plain_k_symbol: str | None = "none") -> pd.Series:
    """Per-account class from mean balance, mean amount and the monthly density of transaction categories.

    affluent: mean balance in the top 30 % of accounts and mean amount above the median account;
    retired: a pension credited in at least half of the account's months; cash_heavy: cash withdrawals
    per month in the top 25 %; standard: everyone else (rules apply in that order).

    The codes default to the simulator's; the Berka loader passes Berka's (``pension="DUCHOD"``,
    ``cash_operation="VYBER"``, ``plain_k_symbol=None``: a cash withdrawal has no k_symbol there).
    """
    g = df.groupby("account_id", sort=True)
    acc = df["account_id"].to_numpy()
    per = pd.DataFrame({"mean_balance": g["balance"].mean(), "mean_amount": g["amount"].mean()})
    ym = df["date"].dt.year.to_numpy() * 12 + df["date"].dt.month.to_numpy()
    first_m = pd.Series(ym).groupby(acc).min()
    last_m = pd.Series(ym).groupby(acc).max()
    n_months = (last_m - first_m + 1).reindex(per.index).to_numpy(dtype=float)
    is_pension = (df["k_symbol"] == pension).to_numpy()
    plain = df["k_symbol"].isna() if plain_k_symbol is None else df["k_symbol"] == plain_k_symbol
    is_cash = (df["operation"] == cash_operation).to_numpy() & plain.to_numpy()
    pension_m = pd.Series(is_pension).groupby(acc).sum().reindex(per.index).to_numpy()
    cash_m = pd.Series(is_cash).groupby(acc).sum().reindex(per.index).to_numpy()
    pension_density = pension_m / n_months
    cash_density = cash_m / n_months
    mb, ma = per["mean_balance"].to_numpy(), per["mean_amount"].to_numpy()
    affluent = (mb >= np.quantile(mb, 0.70)) & (ma >= np.median(ma))
    retired = pension_density >= 0.5
    cash_heavy = cash_density >= np.quantile(cash_density, 0.75)
    cls = np.select([affluent, retired, cash_heavy], CLASSES[:3], CLASSES[3])
    mapping = pd.Series(cls, index=per.index)
    return pd.Series(mapping.reindex(df["account_id"]).to_numpy(), index=df.index, dtype=TEXT_DTYPE)
