"""One-off derivation of level2_regions.csv from cpca's adcodes.csv (see PROVENANCE.md).

Usage: python data/reference/derive_level2_regions.py PATH/TO/cpca/resources/adcodes.csv
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
MUNICIPALITIES = {"11", "12", "31", "50"}
SEPARATELY_PLANNED = {"210200", "370200", "330200", "350200", "440300"}
# cpca's table predates these changes (GB/T 2260 as of 2022): code → (new code, new name) or None if abolished.
CORRECTIONS = {
    "371200": None,  # 莱芜市, merged into 济南市 in 2019
    "500228": ("500155", "梁平区"),
    "500232": ("500156", "武隆区"),
    "542400": ("540600", "那曲市"),
}


def main(adcodes_csv: str) -> None:
    """Write one row per level-2 region: prefecture cities, and districts of municipalities."""
    out = []
    with open(adcodes_csv, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(HERE / "hebei_cities.csv", encoding="utf-8") as f:
        hebei = list(csv.DictReader(f))
    for row in rows:
        full, name = row["adcode"], row["name"]
        code, pp = full[:6], full[:2]
        if code in CORRECTIONS:
            if CORRECTIONS[code] is None:
                continue
            code, name = CORRECTIONS[code]
        if full[6:] != "000000" or pp in {"71", "81", "82", "13"}:
            continue
        if pp in MUNICIPALITIES:
            if code[4:] != "00":
                out.append((code, name, pp + "0000", "district", "市辖区/县"))
        elif code[4:] == "00" and code[2:4] not in {"00", "90"} and code not in SEPARATELY_PLANNED:
            out.append((code, name, pp + "0000", "prefecture", "地级行政区"))
    for h in hebei:
        kind = "prefecture" if h["unit_type"] == "prefecture_city" else h["unit_type"]
        out.append((h["code"], h["name_zh"], "130000", kind, h["unit_type_zh"]))
    with open(HERE / "level2_regions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name_zh", "province_code", "division_type", "division_type_zh"])
        w.writerows(sorted(out))


if __name__ == "__main__":
    main(sys.argv[1])
