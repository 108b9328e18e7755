"""Seeded generator of realistic planner data sets (managers + accounts).

Every draw comes from one ``numpy.random.default_rng(seed)`` in a fixed order, so a seed fixes every byte
of the output. Everything is vectorised over accounts; loops run only over regions and languages.

Generative model
----------------
Geography. `REGIONS` is a table of Chinese sales regions, each a cluster of 3–4 real cities at most
180 km apart, with a size weight; the first ``n_regions`` rows are used (east, north, south, west first).
Default ``n_regions`` is ``round(n_managers / 3)`` clamped to [2, 12]. Active managers are apportioned to
regions in proportion to regional workload (at least one each). A region with s active managers uses
its first min(s, cities) cities, so every city with accounts has a resident manager. An account sits in
a city drawn by city weight, at a uniform bearing and a distance uniform on [0, 40] km from the centre
(so density falls off with distance). Active managers are apportioned to their region's cities by city
workload and live within 5 km of the centre.

Parent groups. About 15 % of accounts belong to groups of 2–5 accounts. A group is one *unit*; every
other account is a unit of its own. Region, language requirement, brand, new-account flag and current
manager are drawn per unit, so group members share them; 70 % of members also share the group's
industry. The member with the highest revenue is the group's parent (head office): its ``parent_id`` is
blank and every other member's ``parent_id`` is its ``account_id``, as `Account.parent_id` and the
loader expect.

Accounts. Industry from `INDUSTRIES` by weight. Language requirement: blank (any) 57 %, ``zh`` 30 %,
``en`` 10 %, ``ja`` 3 %. ``annual_revenue`` is Pareto with shape 1.2 and minimum 10 M CNY (so the top
10 % hold over half of revenue), rounded to 10 000 CNY. ``contract_value`` = revenue × lognormal share
(median 3 %, σ 0.5), rounded to 1 000 CNY. ``strategic_importance`` = round(1 + 4 × revenue percentile
+ N(0, 0.7)) clipped to 1–5. ``years_as_customer`` is exponential with mean 6, floored, capped at 25;
5 % of units are new accounts: 0 years and no current manager.

Managers. ``n_inactive = max(1, round(1 % of n_managers))`` managers have left (``active=false``);
they are added to regions drawn by workload. Seniority junior/senior/principal 40/40/20 %; everyone
speaks ``zh``, 50 % also ``en``, 8 % ``ja``; 1–3 industries by industry weight. Then, per region, among
*active* managers: juniors are promoted until senior-or-better managers' capacity covers the strategic
accounts' workload with 25 % slack; every language some account needs is spoken by someone, and every language a
strategic or key account needs by a senior or principal (learnt, if missing, by whoever lives nearest
those accounts). ``max_accounts`` is set for 20 % of managers, at twice the region's accounts per
active manager plus five.

Capacity. Tiers are estimated as `planner.tiering` does with the default `Policy` (weighted percentile
ranks of revenue, contract value and tenure plus (importance - 1) / 4; top 10 % strategic, next 25 %
key). An account's workload is ``visits_per_month × (hours_per_visit + travel) + admin_hours_per_month``
where travel is the round trip from the nearest active manager of its region who may serve it (language
and tier seniority) by the policy's travel formula, but at least 1.5 h. Base capacities, uniform on
110–150 h/month, are scaled per region so this workload is a uniformly drawn 72–78 % of the region's
active capacity, and rounded to whole hours; at most 744 h (a 31-day month round the clock, the most a
`Manager` may have), which only a handful of managers for very many accounts reach, and then their
region has less capacity than the ratio asks for. ``max_capacity_hours`` lowers that cap, e.g. to a
working month (`WORKING_MONTH_HOURS`, 173 h, which `planner generate --realistic` uses): a region that
would need more is then short of hours instead.

Current assignment. Each manager has a lognormal(0, 0.75) pull (a leaver's at least their region's
mean); each non-new unit goes to a manager of its region who speaks its language, with probability
proportional to pull, so a few managers hold far more accounts than others. A leaver who drew nothing
is given one unit they could serve.

Scarcity (keyword options of `generate`; their defaults give the model above, byte for byte, so seeds
keep their data sets). They draw nothing extra from the generator, so for the same ``n_regions`` a
seed's accounts (revenue, industry, language, groups) stay the same with or without them; places,
capacities and what follows from them change.

- ``demand_ratio``: each region's workload over its active capacity, a number (1.2: a fifth more work
  than hours; to within about 1 %, as capacities are whole hours) or a (low, high) pair drawn
  uniformly per region, in place of 72–78 %. Travel then counts exactly, without the 1.5 h floor, so
  the workload is the least number of hours any plan needs to serve every account in full (each
  account with its nearest eligible manager): a ratio above 1 proves no plan serves everyone, and at
  least 1 - 1 / ratio of those hours go unserved. Capacities are whatever makes the ratio true (up to
  the 744 h cap), so they leave the 110–150 h base: about 70 h at 1,000 accounts x 30 managers in
  compact regions, up to about 280 h where a few managers must cover many remote accounts.
- ``spread_km``: regions come from `WIDE_REGIONS` (8 regions of 3–4 real cities such as
  Wuhan–Zhengzhou–Hengyang, Chengdu–Kunming–Guiyang, Shenyang–Harbin–Dalian–Chifeng, and
  Xi'an–Lanzhou–Yinchuan–Urumqi; every two cities of a region are 330–870 km apart, Urumqi over
  1,600 km from the rest) keeping, biggest first, only cities at least ``spread_km`` from each city kept
  before them. At the policy's 60 km/h and road factor 1.3, a city 300 km away is a 13 h round trip.
  ``WIDE_SPREAD_KM`` = 300 keeps every city. Default ``n_regions`` is then clamped to 8.
- ``managers_in_big_cities``: active managers (and leavers) live only in the region's first one or two
  cities (``MAX_HOME_CITIES``, the biggest), apportioned by those cities' workload, while accounts are
  drawn over all the region's cities, so accounts outside the big cities are hours away from everyone.

The ``--realistic`` preset of ``planner generate`` turns on all three: ``demand_ratio`` drawn from
``REALISTIC_DEMAND_RATIO`` (1.05–1.30) per region, ``spread_km=300``, managers in the big cities.
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple

import numpy as np

from planner.geo import EARTH_RADIUS_KM, haversine_km
from planner.io.dataset_csv import write_dataset_csv
from planner.models import TIER_ORDER, Account, Dataset, Manager, Policy, Seniority

logger = logging.getLogger(__name__)


class City(NamedTuple):
    name: str
    lat: float
    lon: float
    weight: float


class Region(NamedTuple):
    name: str
    weight: float
    cities: tuple[City, ...]


REGIONS: tuple[Region, ...] = (
    Region("east", 1.6, (City("Shanghai", 31.2304, 121.4737, 4), City("Hangzhou", 30.2741, 120.1551, 2),
                         City("Suzhou", 31.2990, 120.5853, 2), City("Jiaxing", 30.7461, 120.7555, 1))),
    Region("north", 1.2, (City("Beijing", 39.9042, 116.4074, 4), City("Tianjin", 39.3434, 117.3616, 2),
                          City("Langfang", 39.5380, 116.6837, 1))),
    Region("south", 1.4, (City("Guangzhou", 23.1291, 113.2644, 3), City("Shenzhen", 22.5431, 114.0579, 3),
                          City("Dongguan", 23.0205, 113.7518, 1), City("Foshan", 23.0215, 113.1214, 1))),
    Region("west", 0.8, (City("Chengdu", 30.5728, 104.0668, 3), City("Deyang", 31.1270, 104.3979, 1),
                         City("Meishan", 30.0757, 103.8485, 1))),
    Region("central", 0.8, (City("Wuhan", 30.5928, 114.3055, 3), City("Xiaogan", 30.9246, 113.9166, 1),
                            City("Huangshi", 30.1999, 115.0389, 1))),
    Region("northeast", 0.6, (City("Shenyang", 41.8057, 123.4315, 3), City("Anshan", 41.1087, 122.9946, 1),
                              City("Fushun", 41.8807, 123.9572, 1))),
    Region("southeast", 0.6, (City("Xiamen", 24.4798, 118.0894, 2), City("Quanzhou", 24.8741, 118.6757, 2),
                              City("Zhangzhou", 24.5130, 117.6471, 1))),
    Region("shandong", 0.7, (City("Jinan", 36.6512, 117.1201, 3), City("Zibo", 36.8131, 118.0549, 1),
                             City("Tai'an", 36.2000, 117.0875, 1))),
    Region("henan", 0.5, (City("Zhengzhou", 34.7466, 113.6253, 3), City("Kaifeng", 34.7972, 114.3076, 1),
                          City("Xinxiang", 35.3030, 113.9268, 1))),
    Region("anhui", 0.5, (City("Hefei", 31.8206, 117.2272, 3), City("Lu'an", 31.7350, 116.5077, 1),
                          City("Huainan", 32.6255, 116.9998, 1))),
    Region("southwest", 0.4, (City("Kunming", 25.0389, 102.7183, 3), City("Qujing", 25.4900, 103.7962, 1),
                              City("Yuxi", 24.3505, 102.5430, 1))),
    Region("northwest", 0.4, (City("Xi'an", 34.3416, 108.9398, 3), City("Xianyang", 34.3296, 108.7093, 1),
                              City("Weinan", 34.4996, 109.5099, 1))),
)  # fmt: skip

# Wide regions (``spread_km``): every two cities of a region are 330–870 km apart, Urumqi 1,600 km and
# more from the rest of the northwest. Biggest city first, as in `REGIONS`.
WIDE_REGIONS: tuple[Region, ...] = (
    Region("east", 1.6, (City("Shanghai", 31.2304, 121.4737, 4), City("Hefei", 31.8206, 117.2272, 2),
                         City("Wenzhou", 27.9943, 120.6993, 1.5), City("Lianyungang", 34.5967, 119.2216, 1))),
    Region("north", 1.2, (City("Beijing", 39.9042, 116.4074, 4), City("Jinan", 36.6512, 117.1201, 2),
                          City("Taiyuan", 37.8706, 112.5489, 1.5), City("Hohhot", 40.8424, 111.7490, 1))),
    Region("south", 1.4, (City("Guangzhou", 23.1291, 113.2644, 4), City("Nanning", 22.8170, 108.3665, 1.5),
                          City("Shantou", 23.3541, 116.6819, 1.5), City("Haikou", 20.0440, 110.1999, 1))),
    Region("west", 0.8, (City("Chengdu", 30.5728, 104.0668, 3), City("Kunming", 25.0389, 102.7183, 2),
                         City("Guiyang", 26.6470, 106.6302, 1.5))),
    Region("central", 0.8, (City("Wuhan", 30.5928, 114.3055, 3), City("Zhengzhou", 34.7466, 113.6253, 2.5),
                            City("Hengyang", 26.8934, 112.5719, 1))),
    Region("northeast", 0.6, (City("Shenyang", 41.8057, 123.4315, 3), City("Harbin", 45.8038, 126.5350, 2.5),
                              City("Dalian", 38.9140, 121.6147, 2), City("Chifeng", 42.2586, 118.8889, 1))),
    Region("southeast", 0.6, (City("Fuzhou", 26.0745, 119.2965, 2.5), City("Nanchang", 28.6820, 115.8579, 2),
                              City("Ganzhou", 25.8292, 114.9336, 1))),
    Region("northwest", 0.4, (City("Xi'an", 34.3416, 108.9398, 3), City("Lanzhou", 36.0611, 103.8343, 1.5),
                              City("Yinchuan", 38.4872, 106.2309, 1), City("Urumqi", 43.8256, 87.6168, 0.5))),
)  # fmt: skip

# name -> (weight, label used in account names)
INDUSTRIES: dict[str, tuple[float, str]] = {
    "manufacturing": (0.25, "Precision Manufacturing"),
    "retail": (0.15, "Retail"),
    "finance": (0.10, "Financial Services"),
    "healthcare": (0.10, "Medical"),
    "logistics": (0.12, "Logistics"),
    "energy": (0.08, "Energy"),
    "telecom": (0.07, "Telecom"),
    "automotive": (0.13, "Auto Parts"),
}

# Index 0 is "no requirement"; every manager speaks codes 0 and 1.
LANGUAGES = ("", "zh", "en", "ja")
ACCOUNT_LANGUAGE_P = (0.57, 0.30, 0.10, 0.03)
MANAGER_EXTRA_LANGUAGE_P = {2: 0.50, 3: 0.08}
SENIORITIES = (Seniority.junior, Seniority.senior, Seniority.principal)
SENIORITY_P = (0.4, 0.4, 0.2)

GROUP_SHARE = 0.15
NEW_ACCOUNT_SHARE = 0.05
SCATTER_KM = 40.0
HOME_SCATTER_KM = 5.0
MIN_REVENUE_CNY = 10_000_000
REVENUE_PARETO_SHAPE = 1.2
FLAT_TRAVEL_HOURS_PER_VISIT = 1.5
TARGET_UTILISATION = (0.72, 0.78)
# The `--realistic` preset: over-subscribed regions, wide regions, managers in the big cities.
REALISTIC_DEMAND_RATIO = (1.05, 1.30)
WIDE_SPREAD_KM = 300.0
MAX_HOME_CITIES = 2  # with managers_in_big_cities
MAX_CAPACITY_HOURS = 744.0  # a 31-day month round the clock: the most Manager.capacity_hours may be
# A working month by the calendar's default week (5 days x 8 h x 52/12 weeks: 173.3 h): what
# `planner generate --realistic` gives a manager at most, so assignment and calendar agree.
WORKING_MONTH_HOURS = float(math.floor(Policy().calendar.hours_per_month))
KM_PER_DEGREE = 111.32

_SYLLABLES = ("Hua", "Xin", "Jin", "Long", "Tian", "Yu", "Hong", "Da", "Sheng", "Feng",
              "Kang", "Tai", "Heng", "Rui", "Bao", "Fu", "Ming", "Guang", "Cheng", "Xing")  # fmt: skip
_SURNAMES = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
             "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo")  # fmt: skip
_GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Qiang", "Lei", "Jun", "Yang", "Yong", "Yan", "Jie",
          "Tao", "Ming", "Chao", "Xia", "Ping", "Gang", "Hui", "Hao", "Yu", "Xin", "Lina", "Bo")  # fmt: skip


def default_n_regions(n_managers: int, max_regions: int = len(REGIONS)) -> int:
    # Leave room for one active manager per region plus a leaver.
    return max(1, min(max(2, round(n_managers / 3)), max_regions, n_managers - _n_inactive(n_managers)))


def region_table(spread_km: float | None = None) -> tuple[Region, ...]:
    """`REGIONS`, or with `spread_km` the `WIDE_REGIONS` keeping, biggest first, only cities at least
    `spread_km` from every city kept before them in their region."""
    if spread_km is None:
        return REGIONS
    if spread_km < 0:
        raise ValueError(f"spread_km must not be negative, got {spread_km}")
    table = []
    for reg in WIDE_REGIONS:
        kept: list[City] = []
        for c in reg.cities:
            if all(_city_km(c, k) >= spread_km for k in kept):
                kept.append(c)
        table.append(reg._replace(cities=tuple(kept)))
    return tuple(table)


def generate(
    n_accounts: int,
    n_managers: int,
    seed: int = 7,
    n_regions: int | None = None,
    *,
    demand_ratio: float | tuple[float, float] | None = None,
    spread_km: float | None = None,
    managers_in_big_cities: bool = False,
    max_capacity_hours: float = MAX_CAPACITY_HOURS,
) -> Dataset:
    """A realistic data set; identical for identical arguments. See the module docstring for the model.

    `demand_ratio` is each region's workload over its active capacity (a pair draws it per region,
    uniformly; None keeps 72–78 %), `spread_km` switches to `WIDE_REGIONS` with cities at least that far
    apart, `managers_in_big_cities` houses managers in their region's biggest cities only.
    `max_capacity_hours` caps each manager's monthly hours; `WORKING_MONTH_HOURS` (a 40-hour week,
    the calendar's month) makes a region that would need more short of hours, as a real team is,
    instead of giving its managers more hours than a month has."""
    if not 0 < max_capacity_hours <= MAX_CAPACITY_HOURS:
        raise ValueError(
            f"max_capacity_hours must be in (0, {MAX_CAPACITY_HOURS:.0f}], got {max_capacity_hours}"
        )
    n_inactive = _n_inactive(n_managers)
    table = region_table(spread_km)
    if n_regions is None:
        n_regions = default_n_regions(n_managers, len(table))
    if n_accounts < 1:
        raise ValueError(f"n_accounts must be at least 1, got {n_accounts}")
    if not 1 <= n_regions <= len(table):
        raise ValueError(f"n_regions must be between 1 and {len(table)}, got {n_regions}")
    demand = _demand_range(demand_ratio)
    if n_managers < n_regions + n_inactive:
        raise ValueError(
            f"n_managers={n_managers} is too few: need one active manager per region ({n_regions}) "
            f"plus {n_inactive} who has left"
        )
    rng = np.random.default_rng(seed)
    policy = Policy()
    regions = table[:n_regions]
    acc = _accounts(rng, n_accounts, regions)
    acc["tier"] = _estimate_tiers(acc, policy)
    visits, fixed_hours = _tier_hours(policy)
    acc["visits"] = visits[acc["tier"]]
    # Hours with a flat 1.5 h round trip per visit, before we know where managers live: enough to
    # decide how many managers each region and city gets. Capacity also looks at real distances.
    acc["rough_hours"] = fixed_hours[acc["tier"]] + acc["visits"] * FLAT_TRAVEL_HOURS_PER_VISIT
    rough = np.bincount(acc["region"], weights=acc["rough_hours"], minlength=n_regions)
    staff_per_region = _apportion(n_managers - n_inactive, rough, minimum=1)
    # With managers in the big cities only, accounts fill every city of the region regardless of staff.
    _locate_accounts(rng, acc, regions, None if managers_in_big_cities else staff_per_region)
    home_cities = _home_cities(regions, staff_per_region, managers_in_big_cities)
    # An asked-for demand ratio counts exact travel, so a ratio above 1 proves no plan serves everyone.
    travel_floor = FLAT_TRAVEL_HOURS_PER_VISIT if demand_ratio is None else 0.0
    mgr = _managers(
        rng, staff_per_region, n_inactive, regions, acc, policy, demand, travel_floor, home_cities,
        max_capacity_hours,
    )  # fmt: skip
    _assign_current(rng, acc, mgr)
    logger.debug("generated %d accounts, %d managers in %d regions", n_accounts, n_managers, n_regions)
    return _to_dataset(acc, mgr, regions, policy)


# A generated data set is written as the loader reads it: `managers.csv` and `accounts.csv`.
write_csv = write_dataset_csv


def _n_inactive(n_managers: int) -> int:
    return max(1, round(0.01 * n_managers))


def _demand_range(demand_ratio: float | tuple[float, float] | None) -> tuple[float, float]:
    """(low, high) of the per-region workload / capacity draw; low == high draws exactly that value
    from the same random stream, so every other draw stays as it would be with the default."""
    if demand_ratio is None:
        return TARGET_UTILISATION
    low, high = demand_ratio if isinstance(demand_ratio, tuple) else (demand_ratio, demand_ratio)
    if not 0 < low <= high:
        raise ValueError(f"demand_ratio must be positive (a pair: low <= high), got {demand_ratio}")
    return float(low), float(high)


def _home_cities(regions: tuple[Region, ...], staff: np.ndarray, big_cities_only: bool) -> np.ndarray:
    """Per region, how many of its first (biggest) cities managers live in."""
    limit = [len(reg.cities) for reg in regions]
    if big_cities_only:
        limit = [min(n, MAX_HOME_CITIES) for n in limit]
    return np.minimum(np.array(limit), staff)


def _city_km(a: City, b: City) -> float:
    """Great-circle km between two city centres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _accounts(rng: np.random.Generator, n: int, regions: tuple[Region, ...]) -> dict[str, np.ndarray]:
    """Everything about an account except where it is and who holds it."""
    # Units: groups first (sizes 2–5 until ~15 % of accounts are grouped), then singletons.
    sizes = rng.integers(2, 6, size=n)
    group_sizes = sizes[np.cumsum(sizes) <= round(GROUP_SHARE * n)]
    n_groups = len(group_sizes)
    n_units = n_groups + n - int(group_sizes.sum())
    unit_sizes = np.concatenate([group_sizes, np.ones(n_units - n_groups, dtype=int)])
    unit = np.repeat(np.arange(n_units), unit_sizes)[rng.permutation(n)]
    grouped = unit < n_groups

    industry_p = np.array([w for w, _ in INDUSTRIES.values()])
    region_p = np.array([r.weight for r in regions])
    unit_region = rng.choice(len(regions), size=n_units, p=region_p / region_p.sum())
    unit_language = rng.choice(len(LANGUAGES), size=n_units, p=ACCOUNT_LANGUAGE_P)
    unit_industry = rng.choice(len(INDUSTRIES), size=n_units, p=industry_p)
    unit_brand = rng.integers(len(_SYLLABLES), size=(n_units, 2))
    unit_new = rng.random(n_units) < NEW_ACCOUNT_SHARE

    own_industry = rng.choice(len(INDUSTRIES), size=n, p=industry_p)
    industry = np.where(grouped & (rng.random(n) < 0.3), own_industry, unit_industry[unit])
    revenue = np.round((rng.pareto(REVENUE_PARETO_SHAPE, n) + 1) * MIN_REVENUE_CNY, -4)
    contract = np.round(revenue * rng.lognormal(math.log(0.03), 0.5, n), -3)
    importance = np.clip(np.rint(1 + 4 * _percentile_rank(revenue) + rng.normal(0, 0.7, n)), 1, 5)
    years = np.minimum(np.floor(rng.exponential(6.0, n)), 25)
    years[unit_new[unit]] = 0
    return {
        "unit": unit, "grouped": grouped, "unit_region": unit_region, "unit_language": unit_language,
        "unit_new": unit_new, "region": unit_region[unit], "language": unit_language[unit],
        "industry": industry, "brand": unit_brand[unit], "revenue": revenue, "contract": contract,
        "importance": importance.astype(int), "years": years,
    }  # fmt: skip


def _locate_accounts(
    rng: np.random.Generator,
    acc: dict[str, np.ndarray],
    regions: tuple[Region, ...],
    staff: np.ndarray | None,
) -> None:
    """City by weight among the region's first `staff` cities (each of those gets a resident
    manager; None: all its cities), then scattered up to 40 km from the city centre."""
    n = len(acc["region"])
    city_u = rng.random(n)
    city = np.empty(n, dtype=int)
    for r, reg in enumerate(regions):
        mask = acc["region"] == r
        n_cities = len(reg.cities) if staff is None else int(staff[r])
        city[mask] = _pick_city(reg, city_u[mask], n_cities)
    centre_lat = _city_table(regions, "lat")[acc["region"], city]
    centre_lon = _city_table(regions, "lon")[acc["region"], city]
    acc["city"] = city
    acc["lat"], acc["lon"] = _scatter(rng, centre_lat, centre_lon, SCATTER_KM * rng.random(n))


def _pick_city(region: Region, u: np.ndarray, n_cities: int) -> np.ndarray:
    """Map uniform draws to city indices by city weight, among the first `n_cities` cities."""
    cum = np.cumsum([c.weight for c in region.cities[: max(n_cities, 1)]])
    return np.minimum(np.searchsorted(cum / cum[-1], u, side="right"), len(cum) - 1)


def _city_table(regions: tuple[Region, ...], field: str) -> np.ndarray:
    """(region, city) array of a City field, NaN-padded to the longest city list."""
    table = np.full((len(regions), max(len(r.cities) for r in regions)), np.nan)
    for i, reg in enumerate(regions):
        table[i, : len(reg.cities)] = [getattr(c, field) for c in reg.cities]
    return table


def _scatter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, km: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    bearing = rng.uniform(0, 2 * np.pi, len(lat))
    dlat = km * np.cos(bearing) / KM_PER_DEGREE
    dlon = km * np.sin(bearing) / (KM_PER_DEGREE * np.cos(np.radians(lat)))
    return np.round(lat + dlat, 5), np.round(lon + dlon, 5)


def _percentile_rank(x: np.ndarray) -> np.ndarray:
    """Rank in [0, 1], ties sharing their average rank (so equal values score equally)."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.cumsum(counts) - counts
    average_rank = start + (counts - 1) / 2
    return average_rank[inverse] / max(len(x) - 1, 1)


def _estimate_tiers(acc: dict[str, np.ndarray], policy: Policy) -> np.ndarray:
    """Tier index per account (0 strategic, 1 key, 2 standard), as the default policy would tier them."""
    c = policy.tiering
    score = (
        c.annual_revenue * _percentile_rank(acc["revenue"])
        + c.contract_value * _percentile_rank(acc["contract"])
        + c.years_as_customer * _percentile_rank(acc["years"])
        + c.strategic_importance * (acc["importance"] - 1) / 4
    )
    n = len(score)
    order = np.argsort(-score, kind="stable")
    tier = np.full(n, 2)
    n_strategic = math.ceil(c.strategic_share * n - 1e-9)
    tier[order[:n_strategic]] = 0
    tier[order[n_strategic : n_strategic + math.ceil(c.key_share * n - 1e-9)]] = 1
    return tier


def _tier_hours(policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Visits per month and hours per month excluding travel, per tier index."""
    rules = [policy.tiers[t] for t in TIER_ORDER]
    visits = np.array([r.visits_per_month for r in rules])
    fixed = np.array([r.visits_per_month * r.hours_per_visit + r.admin_hours_per_month for r in rules])
    return visits, fixed


def _travel_hours_per_visit(
    lat: np.ndarray, lon: np.ndarray, home_lat: np.ndarray, home_lon: np.ndarray, policy: Policy
) -> np.ndarray:
    """(accounts, managers) round-trip hours per visit, with the policy's travel formula."""
    lat1, lon1 = np.radians(lat)[:, None], np.radians(lon)[:, None]
    lat2, lon2 = np.radians(home_lat)[None, :], np.radians(home_lon)[None, :]
    km = haversine_km(lat1, lon1, lat2, lon2)
    return 2 * policy.travel.hours(km)


def _apportion(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integer counts summing to `total`, at least `minimum` each, as close to proportional as possible."""
    counts = np.full(len(weights), minimum)
    target = total * weights / weights.sum() if weights.sum() > 0 else np.ones(len(weights))
    for _ in range(total - counts.sum()):
        counts[np.argmax(target - counts)] += 1
    return counts


def _managers(
    rng: np.random.Generator,
    staff_per_region: np.ndarray,
    n_inactive: int,
    regions: tuple[Region, ...],
    acc: dict[str, np.ndarray],
    policy: Policy,
    demand: tuple[float, float],
    travel_floor_hours: float,
    home_cities: np.ndarray,
    max_capacity_hours: float,
) -> dict[str, np.ndarray]:
    k = len(regions)
    m = int(staff_per_region.sum()) + n_inactive
    rough = np.bincount(acc["region"], weights=acc["rough_hours"], minlength=k)
    leaver_region = rng.choice(k, size=n_inactive, p=rough / rough.sum())
    region = rng.permutation(np.concatenate([np.repeat(np.arange(k), staff_per_region), leaver_region]))
    # Leavers are the first manager of each drawn region in id order that is not already a leaver.
    active = np.ones(m, dtype=bool)
    for r in leaver_region:
        active[np.flatnonzero((region == r) & active)[0]] = False

    seniority = rng.choice(3, size=m, p=SENIORITY_P)
    speaks = np.zeros((m, len(LANGUAGES)), dtype=bool)
    speaks[:, :2] = True
    for code, p in MANAGER_EXTRA_LANGUAGE_P.items():
        speaks[:, code] = rng.random(m) < p
    # 1–3 industries by weight, without replacement: top-k of Gumbel-perturbed log weights.
    industry_w = np.log([w for w, _ in INDUSTRIES.values()])
    industries = np.argsort(-(industry_w + rng.gumbel(size=(m, len(INDUSTRIES)))), axis=1)[:, :3]
    n_industries = rng.integers(1, 4, size=m)
    base_hours = rng.uniform(110, 150, size=m)
    pull = rng.lognormal(0.0, 0.75, size=m)
    utilisation = rng.uniform(*demand, size=k)
    max_accounts_set = rng.random(m) < 0.2
    home_lat, home_lon = _homes(rng, region, active, regions, acc, home_cities)

    min_rank = np.array([policy.tiers[t].min_seniority.rank for t in TIER_ORDER])[acc["tier"]]
    capacity = np.zeros(m)
    max_accounts = np.full(m, -1)
    for r in range(k):
        members = region == r
        staff = np.flatnonzero(members & active)
        in_region = acc["region"] == r
        # A leaver left a typical book behind, not a stray account or two.
        pull[members & ~active] = np.maximum(pull[members & ~active], pull[staff].mean())
        # Strategic accounts need a senior; promote juniors until seniors' share of capacity covers
        # the strategic hours with 25 % slack (capacity is workload / utilisation, set below).
        rough_r = acc["rough_hours"][in_region]
        strategic_share = rough_r[acc["tier"][in_region] == 0].sum() / max(rough_r.sum(), 1e-9)
        need = min(1.0, 1.25 * utilisation[r] * strategic_share)
        for i in rng.permutation(staff):
            is_senior = seniority[staff] > 0
            if is_senior.any() and base_hours[staff][is_senior].sum() >= need * base_hours[staff].sum():
                break
            seniority[i] = max(seniority[i], 1)
        seniors = staff[seniority[staff] > 0]
        for code in range(2, len(LANGUAGES)):
            # A missing language is learnt by whoever lives nearest the accounts that need it.
            needed = in_region & (acc["language"] == code)
            if needed.any() and not speaks[staff, code].any():
                speaks[_nearest(staff, needed, acc, home_lat, home_lon, policy), code] = True
            needed &= acc["tier"] <= 1
            if needed.any() and not speaks[seniors, code].any():
                speaks[_nearest(seniors, needed, acc, home_lat, home_lon, policy), code] = True
        # Travel per visit: the round trip from the nearest manager who may serve the account (a
        # ja-speaking senior may live in another city), but at least the floor (1.5 h by default).
        travel = _travel_hours_per_visit(
            acc["lat"][in_region], acc["lon"][in_region], home_lat[staff], home_lon[staff], policy
        )
        language = acc["language"][in_region]
        eligible = (seniority[staff][None, :] >= min_rank[in_region][:, None]) & speaks[staff][:, language].T
        nearest = np.where(eligible, travel, np.inf).min(axis=1)
        travel_per_visit = np.maximum(nearest, travel_floor_hours)
        hours = rough_r + acc["visits"][in_region] * (travel_per_visit - FLAT_TRAVEL_HOURS_PER_VISIT)
        scale = hours.sum() / utilisation[r] / base_hours[staff].sum()
        capacity[members] = np.rint(base_hours[members] * scale) if hours.sum() > 0 else base_hours[members]
        capacity[members] = np.minimum(capacity[members], max_capacity_hours)
        max_accounts[members] = math.ceil(2 * in_region.sum() / len(staff)) + 5

    # Distinct names while the name pool lasts, so a demo never shows two "Wang Wei"s.
    pool = len(_SURNAMES) * len(_GIVEN)
    names = np.divmod(rng.choice(pool, size=m, replace=m > pool), len(_GIVEN))
    return {
        "region": region, "active": active, "seniority": seniority, "speaks": speaks,
        "industries": industries, "n_industries": n_industries, "capacity": capacity,
        "max_accounts": np.where(max_accounts_set, max_accounts, -1), "pull": pull,
        "home_lat": home_lat, "home_lon": home_lon, "surname": names[0], "given": names[1],
    }  # fmt: skip


def _nearest(
    candidates: np.ndarray,
    accounts: np.ndarray,
    acc: dict[str, np.ndarray],
    home_lat: np.ndarray,
    home_lon: np.ndarray,
    policy: Policy,
) -> int:
    """The candidate manager with the least total travel to the given accounts (a boolean mask)."""
    travel = _travel_hours_per_visit(
        acc["lat"][accounts], acc["lon"][accounts], home_lat[candidates], home_lon[candidates], policy
    )
    return int(candidates[travel.sum(axis=0).argmin()])


def _homes(
    rng: np.random.Generator,
    region: np.ndarray,
    active: np.ndarray,
    regions: tuple[Region, ...],
    acc: dict[str, np.ndarray],
    home_cities: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Active managers live in their region's first `home_cities` cities in proportion to each city's
    workload (each of those cities gets at least one), so most visits stay local unless accounts lie in
    cities without managers; a leaver lived in one of those cities drawn by weight."""
    m = len(region)
    city = np.empty(m, dtype=int)
    leaver_u = rng.random(m)
    for r, reg in enumerate(regions):
        staff = np.flatnonzero((region == r) & active)
        in_region = acc["region"] == r
        used = int(home_cities[r])
        city_hours = np.bincount(acc["city"][in_region], acc["rough_hours"][in_region], used)[:used]
        city[staff] = np.repeat(np.arange(used), _apportion(len(staff), city_hours, minimum=1))
        leavers = np.flatnonzero((region == r) & ~active)
        city[leavers] = _pick_city(reg, leaver_u[leavers], used)
    centre_lat = _city_table(regions, "lat")[region, city]
    centre_lon = _city_table(regions, "lon")[region, city]
    return _scatter(rng, centre_lat, centre_lon, HOME_SCATTER_KM * rng.random(m))


def _assign_current(rng: np.random.Generator, acc: dict[str, np.ndarray], mgr: dict[str, np.ndarray]) -> None:
    """Skewed current assignment per unit, so group members share a manager; -1 means none yet."""
    unit_region, unit_language, unit_new = acc["unit_region"], acc["unit_language"], acc["unit_new"]
    unit_manager = np.full(len(unit_region), -1)
    for r in np.unique(unit_region):
        for code in range(len(LANGUAGES)):
            units = np.flatnonzero((unit_region == r) & (unit_language == code) & ~unit_new)
            if len(units) == 0:
                continue
            eligible = np.flatnonzero((mgr["region"] == r) & mgr["speaks"][:, code])
            p = mgr["pull"][eligible] / mgr["pull"][eligible].sum()
            unit_manager[units] = rng.choice(eligible, size=len(units), p=p)
    # A leaver must still hold accounts, or there is no forced move to plan.
    for leaver in np.flatnonzero(~mgr["active"]):
        if (unit_manager == leaver).any():
            continue
        servable = (unit_region == mgr["region"][leaver]) & mgr["speaks"][leaver, unit_language] & ~unit_new
        if servable.any():
            unit_manager[rng.choice(np.flatnonzero(servable))] = leaver
    acc["manager"] = unit_manager[acc["unit"]]


def _to_dataset(
    acc: dict[str, np.ndarray], mgr: dict[str, np.ndarray], regions: tuple[Region, ...], policy: Policy
) -> Dataset:
    m, n = len(mgr["region"]), len(acc["region"])
    manager_ids = [f"M{i + 1:0{max(3, len(str(m)))}d}" for i in range(m)]
    account_ids = [f"A{i + 1:0{max(4, len(str(n)))}d}" for i in range(n)]
    industry_names = list(INDUSTRIES)
    industry_labels = [label for _, label in INDUSTRIES.values()]

    # A group's parent is its highest-revenue member: sort by unit, then revenue descending.
    by_unit = np.lexsort((-acc["revenue"], acc["unit"]))
    first = np.unique(acc["unit"][by_unit], return_index=True)[1]
    parent = by_unit[first][acc["unit"]]
    parent_ids = [
        "" if p == i or not g else account_ids[p]
        for i, (p, g) in enumerate(zip(parent.tolist(), acc["grouped"].tolist(), strict=True))
    ]

    managers = [
        Manager(
            manager_id=manager_ids[i],
            name=f"{_SURNAMES[s]} {_GIVEN[g]}",
            seniority=SENIORITIES[sen],
            industries=frozenset(industry_names[j] for j in inds[:k]),
            languages=frozenset(LANGUAGES[c] for c in range(1, len(LANGUAGES)) if spk[c]),
            region=regions[r].name,
            home_lat=lat,
            home_lon=lon,
            capacity_hours=cap,
            max_accounts=None if cap_n < 0 else cap_n,
            active=act,
        )
        for i, (s, g, sen, inds, k, spk, r, lat, lon, cap, cap_n, act) in enumerate(
            zip(*_columns(mgr, _MANAGER_FIELDS), strict=True)
        )
    ]
    accounts = [
        Account(
            account_id=account_ids[i],
            name=f"{regions[r].cities[c].name} {_SYLLABLES[b1]}{_SYLLABLES[b2].lower()} "
            f"{industry_labels[ind]} Co., Ltd.",
            industry=industry_names[ind],
            language=LANGUAGES[lang],
            region=regions[r].name,
            lat=lat,
            lon=lon,
            annual_revenue=rev,
            contract_value=con,
            years_as_customer=yrs,
            strategic_importance=imp,
            parent_id=parent_ids[i],
            current_manager_id=manager_ids[cm] if cm >= 0 else "",
        )
        for i, ((b1, b2), ind, lang, r, c, lat, lon, rev, con, yrs, imp, cm) in enumerate(
            zip(*_columns(acc, _ACCOUNT_FIELDS), strict=True)
        )
    ]
    return Dataset(managers=tuple(managers), accounts=tuple(accounts), policy=policy)


_MANAGER_FIELDS = ("surname", "given", "seniority", "industries", "n_industries", "speaks", "region",
                   "home_lat", "home_lon", "capacity", "max_accounts", "active")  # fmt: skip
_ACCOUNT_FIELDS = ("brand", "industry", "language", "region", "city", "lat", "lon", "revenue",
                   "contract", "years", "importance", "manager")  # fmt: skip


def _columns(arrays: dict[str, np.ndarray], fields: tuple[str, ...]) -> list[list]:
    # Python scalars, not numpy ones, so pydantic sees plain ints and floats.
    return [arrays[f].tolist() for f in fields]
