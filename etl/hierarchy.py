"""The account registry (accounts.csv) resolved once: checks, closure table, funding exclusions."""

from __future__ import annotations

import codecs
import csv
import functools
import gc
import hashlib
import marshal
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .config import SurveyConfig
from .dictionary import UNIT_TYPES

ROOT_ID = "CN"  # the virtual 全国 node above every level-1 account
ROOT_NAME = "全国"
REQUIRED_COLUMNS = ("account_id", "parent_account_id", "level", "name", "admin_division_code", "unit_type")
FUNDER_LEVELS = ("central", "provincial", "municipal")
HEBEI_DIRECT = {"130682", "130181", "133100"}  # 定州, 辛集, 雄安: children of 河北省 only


REGIONAL_FUNDERS = ("provincial", "municipal")  # a province's or city's department: its accounts lie in its region


class RegistryError(ValueError):
    """The registry file itself cannot be read (missing file or columns)."""


class Account(NamedTuple):
    """One row of the registry (a named tuple: cheaper to make than a frozen dataclass, 100,000 at a time)."""

    account_id: str
    parent_account_id: str | None
    level: int
    name: str
    admin_division_code: str
    unit_type: str
    name_short: str
    funder_level: str | None  # which public money this account hands out, if it is a funder
    reports_municipal_funds: bool


@dataclass
class Registry:
    """Resolved hierarchy: valid accounts, their ancestors, and what each must exclude from funding."""

    accounts: dict[str, Account]
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (account_id, rule, message_zh)
    broken: set[str] = field(default_factory=set)
    ancestors: dict[str, list[str]] = field(default_factory=dict)  # id → [self, parent, …, ROOT]
    fingerprint: str = ""
    # excl(u) once per account and survey settings: every document asks twice (rules, then flattening).
    _excluded: dict[tuple[str, frozenset[str]], frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def excluded_sources(self, account_id: str, cfg: SurveyConfig) -> frozenset[str]:
        """excl(u) of §14: the funding sources account `account_id` must leave out of its reportable total."""
        key = (account_id, cfg.municipal_exclusion_provinces)
        if (known := self._excluded.get(key)) is None:
            known = self._excluded[key] = self._excluded_sources(account_id, cfg)
        return known

    def _excluded_sources(self, account_id: str, cfg: SurveyConfig) -> frozenset[str]:
        acc = self.accounts[account_id]
        if acc.funder_level == "central":
            return frozenset()
        if acc.funder_level == "provincial":
            return frozenset({"central"})
        if acc.funder_level == "municipal":
            return frozenset({"central", "provincial"})
        excl = {"central", "provincial"}
        chain = [self.accounts[a] for a in self.ancestors[account_id][1:-1]]
        if any(a.level == 2 and a.reports_municipal_funds for a in chain):
            excl.add("municipal")
        if any(a.level == 1 and a.admin_division_code in cfg.municipal_exclusion_provinces for a in chain):
            excl.add("municipal")
        return frozenset(excl)

    def region(self, account_id: str | None) -> str | None:
        """The division-code prefix of the area account `account_id` stands for (13 for 河北省, 1301 for 石家庄市,
        the whole code for a county-level city), or None when it is not a regional account.

        Regional means a provincial or municipal funder (`funder_level`): a local government's department, whose
        accounts lie in its area. A ministry carries 110000, but its units are all over the country.
        """
        acc = self.accounts.get(account_id) if account_id else None
        if acc is None or acc.funder_level not in REGIONAL_FUNDERS:
            return None
        code = acc.admin_division_code
        if len(code) != 6 or not code.isdigit():
            return None
        return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code

    def closure(self) -> list[tuple[str, str, int]]:
        """(ancestor_id, descendant_id, depth) for every valid account, itself and 全国 included."""
        return [(anc, acc, depth) for acc, chain in self.ancestors.items() for depth, anc in enumerate(chain)]


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "y", "yes", "是"}


def fingerprint(path: Path) -> str:
    """The registry's content hash, by which a changed registry is recognised (without parsing it)."""
    if not path.exists():
        raise RegistryError(f"账号注册表不存在：{path}（account registry not found）")
    return _digest(path.read_bytes())


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def load(path: Path, cache: Path | None = None) -> Registry:
    """Read accounts.csv and resolve the hierarchy; bad rows are reported, never silently dropped.

    `cache`: a folder where the resolved registry is kept in a compact form (marshal), named by the file's content
    hash and this code's: a later run with the same registry reads it back instead of parsing (100,000 accounts:
    0.43 → 0.17 s of CPU, on each worker that checks documents too). It holds only what parsing the file gives.
    """
    if not path.exists():
        raise RegistryError(f"账号注册表不存在：{path}（account registry not found）")
    raw = path.read_bytes()
    kept = cache / f"registry-{_digest(raw)}-{_code_key()}.marshal" if cache is not None else None
    # 100,000 acyclic records: the collector would only walk them again and again as they are made (~40 % of it).
    enabled = gc.isenabled()
    gc.disable()
    try:
        reg = _read_kept(kept) if kept is not None else None
        if reg is None:
            reg = _parse(raw, path)
            if kept is not None:
                _keep(reg, kept)
        return reg
    finally:
        if enabled:
            gc.enable()


@functools.cache
def _code_key() -> str:
    """What a kept registry was made by: this module's source, the dictionary's unit types it maps to, and the Python
    (marshal's format) that wrote it."""
    return _digest(Path(__file__).read_bytes() + f"|{UNIT_TYPES!r}|{sys.version}|{marshal.version}".encode())[:8]


def _read_kept(kept: Path) -> Registry | None:
    """A registry kept by `_keep`, or None when there is none (or it cannot be read: it is only a shortcut)."""
    try:
        accounts, problems, broken, ancestors, fingerprint = marshal.loads(kept.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    make = Account._make
    return Registry({a[0]: make(a) for a in accounts}, problems, set(broken), ancestors, fingerprint)


def _keep(reg: Registry, kept: Path) -> None:
    """Write the registry's compact form (replacing the registries kept for other files or code).

    Readers see the whole file or none (written aside, then renamed); one that cannot be read is parsed again.
    """
    data = marshal.dumps(([tuple(a) for a in reg.accounts.values()], reg.problems, list(reg.broken), reg.ancestors,
                          reg.fingerprint))  # fmt: skip
    kept.parent.mkdir(parents=True, exist_ok=True)
    tmp = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(kept)
    for other in kept.parent.glob("registry-*.marshal"):
        if other != kept:
            other.unlink(missing_ok=True)


def _decode(raw: bytes, path: Path) -> str:
    """The registry's text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030.

    Excel on a Chinese Windows saves "CSV" in GBK, which GB18030 contains; UTF-8 is tried first, since GBK text is
    almost never valid UTF-8 while the reverse mis-reads silently.
    """
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encodings = ("utf-16",) if utf16 else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RegistryError(
        f"账号注册表 {path.name} 的编码无法识别：应为 UTF-8（可带 BOM）或 GB18030/GBK，请用 Excel “另存为 CSV UTF-8”后重试"
        f"（registry {path} is neither UTF-8 nor GB18030）"
    )


def _parse(raw: bytes, path: Path) -> Registry:
    # csv.reader and column positions, not DictReader: a worker parses the registry before checking anything, so
    # its parse is part of every run's wait. With the collector off and parents' chains reused: 0.8–1.1 → 0.45–0.5 s
    # for the national registry.
    reader = csv.reader(_decode(raw, path).splitlines())
    header = next(reader, [])
    rows = [r for r in reader if r]
    missing = [c for c in REQUIRED_COLUMNS if rows and c not in header]
    if missing or not rows:
        raise RegistryError(f"账号注册表缺少列：{', '.join(missing) or '（空文件）'}（missing columns）")
    at = {name: i for i, name in enumerate(header)}  # the last of two same-named columns, as DictReader
    width = len(header)
    i_id, i_parent, i_level, i_name, i_division, i_type = (at[c] for c in REQUIRED_COLUMNS)
    i_short, i_funder, i_municipal = (
        at.get(c, width) for c in ("name_short", "funder_level", "reports_municipal_funds")
    )
    reg = Registry(accounts={}, fingerprint=_digest(raw))
    for r in rows:
        r += [""] * (width + 1 - len(r))  # a short row reads as empty cells; position `width` is an absent column
        acc_id = r[i_id].strip()
        try:
            level = int(r[i_level])
        except ValueError:
            level = 0
        if level not in (1, 2, 3):  # a level-4 account under a unit would pass the walk's level steps
            reg.problems.append((acc_id, "A-08", f"账号级别“{r[i_level]}”不是 1、2、3"))
            reg.broken.add(acc_id)
        if acc_id in reg.accounts or acc_id == ROOT_ID or not acc_id:
            reg.problems.append((acc_id, "A-08", "账号ID为空或重复"))
            reg.broken.add(acc_id)
            continue
        funder = r[i_funder].strip() or None
        name, unit_type = r[i_name].strip(), r[i_type].strip()
        reg.accounts[acc_id] = Account(
            account_id=acc_id,
            parent_account_id=r[i_parent].strip() or None,
            level=level,
            name=name,
            admin_division_code=r[i_division].strip(),
            unit_type=unit_type if unit_type in UNIT_TYPES else "other",
            name_short=r[i_short].strip() or name,
            funder_level=funder if funder in FUNDER_LEVELS else None,
            reports_municipal_funds=_bool(r[i_municipal]),
        )
    _resolve(reg)
    return reg


def _resolve(reg: Registry) -> None:
    """Walk each account up to 全国; flag orphans, cycles, wrong levels and A-07 breaches."""
    for acc_id, acc in reg.accounts.items():
        chain, cur, problem = [acc_id], acc, None
        parent_chain = reg.ancestors.get(acc.parent_account_id)
        if parent_chain is not None and reg.accounts[acc.parent_account_id].level == acc.level - 1:
            # A parent already resolved: its walk checked the rest of the chain, which now ends at its level-1 account.
            chain, cur = [acc_id, *parent_chain[:-1]], reg.accounts[parent_chain[-2]]
        while cur.parent_account_id is not None:
            parent = reg.accounts.get(cur.parent_account_id)
            if parent is None:
                problem = ("A-08", f"上级账号 {cur.parent_account_id} 不在注册表中（孤立账号）")
                break
            if parent.account_id in chain:
                problem = ("A-08", "上级关系成环")
                break
            if parent.level != cur.level - 1:
                problem = ("A-08", f"级别 {cur.level} 与上级 {parent.account_id} 的级别 {parent.level} 不衔接")
                break
            chain.append(parent.account_id)
            cur = parent
        else:
            if cur.level != 1:
                problem = ("A-08", f"没有上级账号的账号必须是一级账号（现为 {cur.level} 级）")
        hebei_direct = acc.level == 2 and acc.admin_division_code in HEBEI_DIRECT
        if problem is None and hebei_direct and reg.accounts[chain[1]].admin_division_code != "130000":
            problem = ("A-07", "定州、辛集、雄安新区须直属河北省")
        if problem or acc_id in reg.broken:
            if problem:
                reg.problems.append((acc_id, *problem))
            reg.broken.add(acc_id)
            continue
        reg.ancestors[acc_id] = [*chain, ROOT_ID]
    # Descendants of a broken account cannot roll up either.
    for acc_id in list(reg.ancestors) if reg.broken else ():
        if any(a in reg.broken for a in reg.ancestors[acc_id]):
            del reg.ancestors[acc_id]
            reg.broken.add(acc_id)
            reg.problems.append((acc_id, "A-08", "上级链中有无效账号，无法汇总"))
