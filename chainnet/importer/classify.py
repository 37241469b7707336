"""Rule-based placement of registry firms in a template's segments, and their roles.

Placement (each step recorded in ``basis``):

1. the industry code (GB/T 4754-2017) gives candidate segments: those whose ``codes`` contain
   the firm's class or group (``code:3251``);
2. product words (``主营产品``) found in the template's ``keywords`` (``products:铜箔``);
3. business-scope words (``经营范围``) the same way (``scope:漆包线``), used only when the products
   column names none;
4. words in the firm's name (``name:铜管``), only to choose among the code's candidates or when
   nothing else is known.

Products decide when they match; the code then only adds the segments the scope also names.
With scope words only, the code's candidates that the scope confirms win, else the code, else
the scope. An ambiguous code with products that name nothing of the chain places nothing.
Traders (section F, or 销售/贸易/商行 in the name) are not placed. A clause of the scope about trade (销售, 批发, 贸易, 进出口 ...) without a making word
(生产, 制造, 加工 ...) is ignored, and generic words never place a firm. A word followed directly
by another product word describes it (``锂电池隔膜``, ``空调用铜管``) and is not counted itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..template import Template
from .gbt4754 import section

#: Words that say what a firm does in general, never which product: they place nothing alone.
GENERIC = frozenset({
    "销售", "贸易", "批发", "零售", "进出口", "货物进出口", "技术进出口", "技术服务", "技术开发", "技术咨询",
    "技术转让", "技术推广", "技术交流", "生产", "制造", "加工", "经营", "代理", "服务", "材料", "新材料", "产品",
    "设备", "制品", "科技", "实业", "咨询", "投资", "sales", "trade", "trading", "wholesale", "retail",
    "import and export", "technical service", "manufacturing", "production", "materials", "products",
})
TRADE_WORDS = ("销售", "批发", "零售", "贸易", "进出口", "经销", "代理", "购销", "经营")
#: Name words of shops and traders (a 电线电缆销售有限公司 sells cables, it does not make them).
TRADE_NAME_WORDS = ("销售", "贸易", "商贸", "商行", "经营部", "批发", "经销", "进出口")
#: A product word followed by one of these names the waste it is recovered from (钕铁硼废料), and one
#: preceded by 废/废旧 likewise (废旧动力电池): the firm recycles, it does not make the product.
WASTE_AFTER = ("废料", "边角料", "油泥", "回收料", "废渣")
WASTE_BEFORE = ("废旧", "废")
MAKE_WORDS = ("生产", "制造", "加工", "冶炼", "开采", "采选", "研发", "研制", "回收", "提炼", "精炼", "轧制", "制备",
              "提纯", "合成", "组装", "production", "manufactur", "processing")
#: Name words of bodies that are services whatever else their name says (大学科技园 is a park, not a university).
SERVICE_FIRST = ("孵化", "众创空间", "科技园", "产业园", "园区管理", "incubator", "science park")
INSTITUTION_WORDS = ("大学", "学院", "学校", "研究院", "研究所", "研究中心", "实验室", "科学院", "设计院", "工程中心",
                     "university", "institute", "college", "academy", "laboratory", "research center",
                     "research centre")
SERVICE_WORDS = ("银行", "担保", "融资租赁", "租赁", "保险", "证券", "基金", "小额贷款", "信托", "资本管理", "投资管理",
                 "物流", "运输", "仓储", "供应链管理", "咨询", "检测", "检验", "认证", "商务服务", "会计师事务所",
                 "律师事务所", "知识产权", "人力资源", "协会", "商会", "联盟", "服务中心", "交易中心", "交易所",
                 "bank", "insurance", "logistics", "consulting", "leasing", "testing", "association")
#: Sections (and divisions) whose bodies are institutions or services by their industry code.
INSTITUTION_DIVISIONS = ("73", "83")   # M73 研究和试验发展, P83 教育
SERVICE_SECTIONS = ("G", "J", "K", "L", "M", "N", "I")   # transport, finance, real estate, leasing, tech services ...
TRADE_SECTIONS = ("F",)
_CLAUSE = re.compile(r"[；;。\n]+")


def _any_re(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)


_SERVICE_FIRST_RE, _INSTITUTION_RE, _SERVICE_RE = map(_any_re, (SERVICE_FIRST, INSTITUTION_WORDS, SERVICE_WORDS))
_TRADE_NAME_RE, _MAKE_RE, _TRADE_RE = _any_re(TRADE_NAME_WORDS), _any_re(MAKE_WORDS), _any_re(TRADE_WORDS)
_GAP = ("", "用", "专用")


@dataclass(frozen=True)
class Placement:
    """Where one firm goes and why."""

    segments: tuple[str, ...]
    basis: tuple[str, ...]
    confidence: float
    note: str = ""


class Matcher:
    """The template's codes and keywords compiled once; :meth:`place` decides one firm.

    >>> from chainnet.template import load_template
    >>> m = Matcher(load_template("copper"))
    >>> m.place(code="3251", products="锂电铜箔", scope="").segments
    ('foil',)
    >>> m.place(code=None, products="", scope="铜材销售；漆包线的生产、加工").basis
    ('scope:漆包线',)
    """

    def __init__(self, template: Template):
        self.template = template
        self._words: dict[str, list[str]] = {}
        self._codes: list[tuple[str, str]] = []
        for row in template.segments.itertuples(index=False):
            for w in row.keywords:
                if w.lower() not in GENERIC:
                    self._words.setdefault(w.lower(), [])
                    if row.id not in self._words[w.lower()]:
                        self._words[w.lower()].append(row.id)
            self._codes += [(c, row.id) for c in row.codes]
        ascii_words = [w for w in self._words if w.isascii()]
        parts = [_trie_regex([w for w in self._words if not w.isascii()])]
        if ascii_words:
            parts.append(rf"(?<![a-z0-9])(?:{_trie_regex(ascii_words)})(?![a-z0-9])")
        parts = [p for p in parts if p]
        self._re = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        self._cache: dict[str, dict[str, str]] = {}
        self._clauses: dict[str, tuple[tuple[str, str], ...]] = {}
        self._code_cache: dict[str, tuple[str, ...]] = {}
        self.order = {s: i for i, s in enumerate(template.segment_ids)}

    def candidates(self, code: str | None) -> tuple[str, ...]:
        """Segments whose codes contain ``code`` (a class inside a listed group counts too)."""
        if not code or len(code) < 3:
            return ()
        if code not in self._code_cache:
            segs = {s for c, s in self._codes if code.startswith(c) or c.startswith(code)}
            self._code_cache[code] = tuple(sorted(segs, key=self.order.__getitem__))
        return self._code_cache[code]

    def words(self, text: str) -> dict[str, str]:
        """Segment -> first product word of the template found in ``text`` (see the module rules)."""
        if not text or self._re is None:
            return {}
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        hit = {}
        for clause in _CLAUSE.split(text):
            found = self._clauses.get(clause)
            if found is None:
                found = self._clause_words(clause)
                if len(self._clauses) < 1_000_000:  # registries repeat the same clauses (货物进出口 ...)
                    self._clauses[clause] = found
            for seg, word in found:
                hit.setdefault(seg, word)
        if len(self._cache) < 2_000_000:
            self._cache[text] = hit
        return hit

    def _clause_words(self, clause: str) -> tuple[tuple[str, str], ...]:
        if _TRADE_RE.search(clause) and not _MAKE_RE.search(clause):
            return ()
        out = []
        found = list(self._re.finditer(clause))
        for i, m in enumerate(found):
            if i + 1 < len(found) and clause[m.end():found[i + 1].start()] in _GAP:
                continue  # a modifier of the next product word
            after = clause[m.end():m.end() + 3]
            if after.startswith(("用", "专用")) or after.startswith(WASTE_AFTER):
                continue  # 引线框架用铜带: made for the lead-frame maker; 磁材边角料: waste
            if clause[:m.start()].endswith(WASTE_BEFORE):
                continue
            out += [(seg, m.group(0)) for seg in self._words[m.group(0).lower()]]
        return tuple(out)

    def place(self, *, code: str | None, products: str, scope: str, name: str = "") -> Placement:
        """Segments for one firm from its industry code, products, business scope and name."""
        if section(code) in TRADE_SECTIONS or is_trade_name(name):
            return Placement((), (), 0.0, "trade")
        cand = self.candidates(code)
        prod = self.words(products)
        scp = self.words(scope) if not prod else {}
        nm: dict[str, str] = {}
        note = ""
        if prod:
            segs = set(prod) | (set(cand) & set(self.words(scope) if cand else ()))
            agree = bool(set(cand) & segs)
            conf = 0.95 if agree else (0.8 if not cand else 0.7)
            note = "" if agree or not cand else "code_disagrees"
        elif scp:
            both = set(cand) & set(scp)
            segs = both or set(cand) or set(scp)
            conf = 0.9 if both else (0.5 if cand else 0.6)
            note = "" if both or not cand else "code_over_scope"
        else:
            nm = self.words(name)
            pick = set(cand) & set(nm)
            if len(cand) == 1:
                segs, conf = set(cand), 0.9
            elif pick:
                segs, conf = pick, 0.8
            elif cand and products.strip():
                # the products name something, but nothing of this chain: the code cannot decide alone
                return Placement((), (), 0.0, "code_ambiguous")
            elif cand:
                segs, conf, note = set(cand), 0.5, "code_ambiguous"
            elif nm:
                segs, conf = set(nm), 0.5
            else:
                return Placement((), (), 0.0, "no_match")
        ordered = tuple(sorted(segs, key=self.order.__getitem__))
        basis: list[str] = []
        if code and set(cand) & segs:
            basis.append(f"code:{code}")
        scope_words = scp or (self.words(scope) if cand else {})
        for sid in ordered:
            if sid in prod:
                basis.append(f"products:{prod[sid]}")
            elif sid in scope_words and (sid in scp or sid in cand):
                basis.append(f"scope:{scope_words[sid]}")
            elif sid in nm:
                basis.append(f"name:{nm[sid]}")
        return Placement(ordered, tuple(dict.fromkeys(basis)), conf, note)


def is_trade_name(name: str) -> bool:
    """A shop or trader by its name (销售, 贸易, 商行, 经营部 ... and no making word).

    >>> is_trade_name("某某电线电缆销售有限公司"), is_trade_name("某某铜材制造有限公司")
    (True, False)
    """
    return _TRADE_NAME_RE.search(name) is not None and _MAKE_RE.search(name) is None


def _trie_regex(words: list[str]) -> str:
    """One regex matching any of ``words``, longest first, shaped as a trie.

    A plain alternation of a few hundred words makes ``re`` try every word at every position;
    the trie shares prefixes, so each position costs one character test (about 30x faster).

    >>> _trie_regex(["铜板", "铜板带", "铜箔"])
    '铜(?:板(?:带)?|箔)'
    """
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = "(?:" + "|".join(alts) + ")" if len(alts) > 1 or ends else alts[0]
        return body + ("?" if ends else "")

    return emit(trie)


def body_kind(name: str, code: str | None) -> tuple[str | None, str | None]:
    """``("institution"|"service"|None, basis)`` from the firm's name, then its industry section.

    >>> body_kind("某某大学", None), body_kind("某某大学科技园发展有限公司", None)
    (('institution', 'name'), ('service', 'name'))
    >>> body_kind("某某有限公司", "6621")
    ('service', 'code:6621')
    """
    sec = section(code)
    if _SERVICE_FIRST_RE.search(name):
        return "service", "name"
    if _INSTITUTION_RE.search(name):
        return "institution", "name"
    if sec not in ("B", "C", "D") and _SERVICE_RE.search(name):
        return "service", "name"
    if code and code[:2] in INSTITUTION_DIVISIONS:
        return "institution", f"code:{code}"
    if sec in SERVICE_SECTIONS:
        return "service", f"code:{code}"
    return None, None
