"""The demo account tree: every level-1 account, their level-2 accounts, and N level-3 units."""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..reference import read_csv

# Rough weight of each province's international S&T activity (share of level-3 units).
PROVINCE_WEIGHT = {
    "110000": 8, "120000": 2.5, "130000": 4.5, "140000": 1.5, "150000": 1, "210000": 3, "220000": 1.5, "230000": 2,
    "310000": 7, "320000": 9, "330000": 6, "340000": 3, "350000": 2.5, "360000": 1.5, "370000": 5.5, "410000": 3,
    "420000": 4.5, "430000": 3, "440000": 9, "450000": 1.5, "460000": 0.6, "500000": 2, "510000": 4.5, "520000": 1,
    "530000": 1.5, "540000": 0.3, "610000": 3.5, "620000": 1, "630000": 0.4, "640000": 0.4, "650000": 1,
}  # fmt: skip
SEPARATELY_PLANNED = {
    "210200": ("大连市", ["中山区", "西岗区", "沙河口区", "甘井子区", "金州区"]),
    "370200": ("青岛市", ["市南区", "市北区", "黄岛区", "崂山区", "城阳区"]),
    "330200": ("宁波市", ["海曙区", "江北区", "北仑区", "鄞州区", "镇海区"]),
    "350200": ("厦门市", ["思明区", "湖里区", "集美区", "海沧区", "同安区"]),
    "440300": ("深圳市", ["福田区", "罗湖区", "南山区", "宝安区", "龙岗区"]),
}
MINISTRIES = [  # (short id, name, bureaus, unit types of their level-3 units)
    ("MOE", "教育部", ["直属高校（华北）", "直属高校（华东）", "直属高校（中南）", "直属高校（西部）"], ["university"]),
    ("CAS", "中国科学院", ["北京分院", "上海分院", "沈阳分院", "武汉分院", "成都分院", "西安分院"], ["research_institute"]),
    ("NHC", "国家卫生健康委员会", ["委属医院", "委属科研机构"], ["hospital", "research_institute"]),
    ("MARA", "农业农村部", ["中国农业科学院", "中国热带农业科学院", "中国水产科学研究院"], ["research_institute"]),
    ("MIIT", "工业和信息化部", ["部属高校", "部属研究院所"], ["university", "research_institute"]),
    ("MNR", "自然资源部", ["中国地质调查局", "国家海洋局直属单位"], ["research_institute"]),
    ("MEE", "生态环境部", ["部属科研单位"], ["research_institute"]),
    ("CMA", "中国气象局", ["直属科研单位"], ["research_institute"]),
    ("SASAC", "国务院国有资产监督管理委员会", ["中央企业（能源）", "中央企业（装备）", "中央企业（信息通信）"], ["enterprise"]),
    ("NFGA", "国家林业和草原局", ["中国林业科学研究院"], ["research_institute"]),
]  # fmt: skip
PROVINCE_UNIT_MIX = {
    "university": 14, "research_institute": 14, "hospital": 14, "enterprise": 41, "hitech_zone": 5,
    "association": 5, "other": 5, "gov_agency": 2,
}  # fmt: skip
XPCC_DIVISIONS = ["第一师", "第二师", "第三师", "第四师", "第五师", "第六师", "第七师", "第八师", "第九师",
                  "第十师", "第十一师", "第十二师", "第十三师", "第十四师"]  # fmt: skip

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass
class DemoAccount:
    """One row of the demo registry plus what the document generator needs to know about it."""

    account_id: str
    parent_account_id: str | None
    level: int
    name: str
    name_short: str
    admin_division_code: str
    unit_type: str
    funder_level: str | None = None
    reports_municipal_funds: bool = False
    tier: str = "typical"  # "leading" | "typical" (level-3 activity scale)
    uscc: str = ""
    supervising_dept: str = ""


def uscc(rng: random.Random, region: str, kind: str) -> str:
    """A unified social credit code with a correct GB 32100 check character."""
    body = kind + region + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def _short(name: str) -> str:
    for suffix in ("自治州", "地区", "盟", "市", "区", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _dept_name(prov: dict) -> str:
    if prov["code"] in ("110000", "310000"):
        return f"{prov['name_zh']}科学技术委员会"
    if prov["code"] in ("120000", "500000"):
        return f"{prov['name_zh']}科学技术局"
    return f"{prov['name_zh']}科学技术厅"


class UnitNamer:
    """Plausible, unique Chinese unit names by type."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def __call__(self, city: str, unit_type: str) -> str:
        r = self.rng
        for _ in range(50):
            name = {
                "university": lambda: city + r.choice(["理工大学", "医科大学", "师范大学", "农业大学", "科技大学",
                                                       "工业大学", "职业技术学院", "学院", "大学", "工程学院"]),
                "research_institute": lambda: city + r.choice(["材料", "信息技术", "生物技术", "农业科学", "化工",
                                                               "机械", "环境科学", "能源", "海洋", "地质"])
                + r.choice(["研究所", "研究院", "科学研究院"]),
                "hospital": lambda: city + r.choice(["第一人民医院", "第二人民医院", "中心医院", "中医院",
                                                     "肿瘤医院", "儿童医院", "妇幼保健院", "医学院附属医院"]),
                "enterprise": lambda: city + r.choice("华瑞恒中新远宏泰鑫博创兴达科通安盛正天德") + r.choice(
                    "华瑞恒中新远宏泰鑫博创兴达科通安盛正天德") + r.choice(["科技", "电子", "生物医药", "新材料",
                    "装备制造", "化工", "能源", "汽车零部件", "软件", "医疗器械"]) + r.choice(["有限公司", "股份有限公司"]),
                "hitech_zone": lambda: city + r.choice(["高新技术产业开发区管理委员会", "经济技术开发区管理委员会",
                                                        "国际科技合作产业园", "科技园区管理委员会"]),
                "association": lambda: city + r.choice(["科学技术协会", "机械工程学会", "医学会", "化学化工学会",
                                                        "电子学会", "农学会"]),
                "other": lambda: city + r.choice(["科技馆", "技术转移中心", "生产力促进中心", "科技情报研究所",
                                                  "科技创新服务中心"]),
                "gov_agency": lambda: city + r.choice("东西南北新中") + r.choice(["城区", "港区", "开发区", "县"])
                + "科学技术局",
            }[unit_type]()  # fmt: skip
            if name not in self.used:
                self.used.add(name)
                return name
        name = f"{name}（{len(self.used)}）"
        self.used.add(name)
        return name


def build_tree(rng: random.Random, n_units: int) -> list[DemoAccount]:
    """Level-1 and level-2 accounts of the whole country, then `n_units` level-3 units under them."""
    provinces = [p for p in read_csv("provinces.csv") if p["code"] in PROVINCE_WEIGHT]
    regions = read_csv("level2_regions.csv")
    accounts: list[DemoAccount] = []
    parents: list[tuple[DemoAccount, float, list[str], str]] = []  # (level-2 account, weight, unit types, city)

    for p in provinces:
        l1 = DemoAccount(f"P{p['code'][:2]}", None, 1, _dept_name(p), p["name_zh"], p["code"], "gov_agency",
                         funder_level="provincial")  # fmt: skip
        accounts.append(l1)
        cities = [r for r in regions if r["province_code"] == p["code"]]
        shares = [3.0 if i == 0 else rng.uniform(0.4, 1.6) for i in range(len(cities))]  # the capital leads
        for city, share in zip(cities, shares, strict=True):
            bureau = "改革发展局" if city["code"] == "133100" else "科学技术局"
            l2 = DemoAccount(f"{l1.account_id}-{city['code']}", l1.account_id, 2, city["name_zh"] + bureau,
                             city["name_zh"], city["code"], "gov_agency", funder_level="municipal",
                             reports_municipal_funds=rng.random() < 0.4)  # fmt: skip
            accounts.append(l2)
            weight = PROVINCE_WEIGHT[p["code"]] * share / sum(shares)
            parents.append((l2, weight, list(PROVINCE_UNIT_MIX), _short(city["name_zh"])))
    xpcc = DemoAccount("XPCC", None, 1, "新疆生产建设兵团科学技术局", "新疆生产建设兵团", "660000", "gov_agency",
                       funder_level="provincial")  # fmt: skip
    accounts.append(xpcc)
    for i, div in enumerate(XPCC_DIVISIONS, 1):
        l2 = DemoAccount(f"XPCC-D{i:02d}", "XPCC", 2, f"兵团{div}科学技术局", f"兵团{div}", "660000", "gov_agency",
                         funder_level="municipal")  # fmt: skip
        accounts.append(l2)
        parents.append((l2, 0.5 / len(XPCC_DIVISIONS), list(PROVINCE_UNIT_MIX), "兵团" + div))
    for code, (city, districts) in SEPARATELY_PLANNED.items():
        l1 = DemoAccount(
            f"S{code[:4]}", None, 1, f"{city}科学技术局", city, code, "gov_agency", funder_level="provincial"
        )
        accounts.append(l1)
        for j, dist in enumerate(districts, 1):
            l2 = DemoAccount(f"{l1.account_id}-Q{j:02d}", l1.account_id, 2, f"{city}{dist}科技局", f"{city}{dist}",
                             code, "gov_agency", funder_level="municipal")  # fmt: skip
            accounts.append(l2)
            parents.append((l2, 1.2 / len(districts), list(PROVINCE_UNIT_MIX), _short(city)))
    for mid, name, bureaus, types in MINISTRIES:
        l1 = DemoAccount(f"M-{mid}", None, 1, name, name, "110000", "gov_agency", funder_level="central")
        accounts.append(l1)
        for j, bureau in enumerate(bureaus, 1):
            l2 = DemoAccount(f"{l1.account_id}-B{j:02d}", l1.account_id, 2, f"{name}{bureau}", bureau, "110000",
                             "research_institute" if mid == "CAS" else "other")  # fmt: skip
            accounts.append(l2)
            parents.append((l2, 1.4 / len(bureaus), types, ""))

    namer = UnitNamer(rng)
    capitals = [r for r in regions if r["code"][4:] == "00" and r["code"][2:4] == "01"]
    total_weight = sum(w for _, w, _, _ in parents)
    counts = [max(0, round(n_units * w / total_weight)) for _, w, _, _ in parents]
    counts[0] += n_units - sum(counts)  # rounding remainder goes to the first city
    for (l2, _, types, city), count in zip(parents, counts, strict=True):
        for k in range(1, count + 1):
            if types == list(PROVINCE_UNIT_MIX):
                unit_type = rng.choices(types, weights=list(PROVINCE_UNIT_MIX.values()))[0]
            else:
                unit_type = rng.choice(types)
            place = city or _short(rng.choice(capitals)["name_zh"])
            code = l2.admin_division_code if city else rng.choice(capitals)["code"]
            if l2.account_id.startswith("M-"):
                place = {"university": "国立", "research_institute": "国家", "hospital": "国家",
                         "enterprise": "中国"}.get(unit_type, "") + place  # fmt: skip
            leading = unit_type in ("university", "research_institute") and rng.random() < 0.08
            accounts.append(DemoAccount(
                f"{l2.account_id}-U{k:04d}", l2.account_id, 3, namer(place, unit_type), "", code, unit_type,
                tier="leading" if leading else "typical",
                uscc=uscc(rng, code, {"enterprise": "91", "association": "51"}.get(unit_type, "12")),
                supervising_dept="" if unit_type == "enterprise" else l2.name,
            ))  # fmt: skip
    for a in accounts:
        a.name_short = a.name_short or a.name
        if not a.uscc:
            a.uscc = uscc(rng, a.admin_division_code, "11")
    return accounts
