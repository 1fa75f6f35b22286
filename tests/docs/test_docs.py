"""The manual pages, the README and the code must not drift apart.

Run with Debian's python: /usr/bin/python3 -m pytest tests/docs
Needs mandoc (apt-get install mandoc); nothing else, no build.

What is checked:
  * mandoc -T lint finds nothing in man/*.[58] (warnings, errors and style
    notes alike; only "referenced manual not found" is let through, since it
    depends on which pages are installed, and our own cross references are
    checked against man/ instead);
  * the README's "Sections and keys" tables and duodhcpd.ini(5) list the same
    sections, the same keys in each section, and the same default per key;
  * those tables and the parser's key tables in src/conf/config.c know the same
    sections and keys, "ignored"/"silent" in the README match kv_unused and
    kv_silent, and defaults and "N to M" ranges match the code;
  * the options in duodhcpd(8) and duodhcpctl(8) are the ones their getopt
    strings and long option tables accept, and duodhcpctl(8) lists its real
    commands and lease states.

Each extractor is also run on a deliberately broken copy of its input (the
test_selftest_* functions), so a check that silently stopped seeing anything
would fail instead of passing.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAN = ROOT / "man"
PAGES = ["duodhcpd.8", "duodhcpd.ini.5", "duodhcpctl.8"]


def read(rel):
    return (ROOT / rel).read_text(encoding="utf-8")


# ---------------------------------------------------------------- mandoc lint

def lint_messages(path):
    """mandoc's complaints about one page, minus the environment-dependent."""
    if shutil.which("mandoc") is None:
        pytest.fail("mandoc is not installed (apt-get install mandoc)")
    r = subprocess.run(["mandoc", "-T", "lint", "-W", "style", str(path)],
                       capture_output=True, text=True)
    out = []
    for line in (r.stdout + r.stderr).splitlines():
        if "referenced manual not found" in line:
            continue        # depends on the pages installed on this machine
        if "outdated mandoc.db" in line:
            continue        # the system's whatis database, not our page
        if line.strip():
            out.append(line)
    if r.returncode > 1 and not out:    # 0: clean, 1: only notes let through
        out.append(f"mandoc exited {r.returncode}")
    return out


@pytest.mark.parametrize("page", PAGES)
def test_lint(page):
    assert lint_messages(MAN / page) == []


@pytest.mark.parametrize("page", PAGES)
def test_own_cross_references_exist(page):
    text = (MAN / page).read_text()
    for name, sec in re.findall(r"^\.Xr (duodhcp\S*) (\d)", text, re.M):
        assert (MAN / f"{name}.{sec}").is_file(), f"{page}: .Xr {name} {sec}: no such page"


def test_selftest_lint_catches_errors(tmp_path):
    bad = tmp_path / "bad.8"
    bad.write_text(".Dd December 3, 2026\n.Dt BAD 8\n.Os\n.Sh NAME\n.Nm bad\n"
                   ".Nd broken\n.Sh DESCRIPTION\n.Bl -tag -width Ds\n.It Fl x\n"
                   "text\n.Zz unknown macro\n")
    msgs = lint_messages(bad)
    assert any("Zz" in m for m in msgs), msgs
    assert any("Bl" in m for m in msgs), msgs   # list never closed


# ---------------------------------------------------------- README extractor

def section_id(title):
    """'[SUBNET:a.b.c.d/n] (ours)' -> 'SUBNET:a.b.c.d/n'."""
    m = re.search(r"\[([^\]]+)\]", title.replace("\\&", ""))
    return m.group(1) if m else None


def norm_default(s):
    if s is None:
        return None
    s = s.replace("`", "").replace("\\&", "").strip()
    s = re.sub(r"\s+", " ", s).rstrip(".").strip()
    return s or None


def split_row(line):
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip() for c in cells[1:-1]]


def readme_sections(md):
    """{section: [{'keys': [...], 'type', 'default', 'from'}]} from the
    tables under the '#### [Section]' headings of '### Sections and keys'."""
    m = re.search(r"^### Sections and keys\n(.*?)(?=^## |\Z)", md, re.M | re.S)
    assert m, "README: no '### Sections and keys'"
    out, sect, header = {}, None, None
    for line in m.group(1).splitlines():
        if line.startswith("#### "):
            sect = section_id(line[5:])
            assert sect, f"README: no [name] in heading {line!r}"
            out.setdefault(sect, [])
            header = None
        elif sect and line.startswith("|"):
            cells = split_row(line)
            if header is None:
                header = [c.lower() for c in cells]
            elif set("".join(cells)) <= set("-: "):
                continue        # the |---| line
            else:
                row = dict(zip(header, cells))
                keys = re.findall(r"`([^`]+)`", row["key"])
                out[sect].append({"keys": keys, "type": row.get("type", ""),
                                  "default": norm_default(row.get("default")),
                                  "from": row.get("from")})
    return out


def readme_keys(md):
    """{section: {key: default}}."""
    return {s: {k: r["default"] for r in rows for k in r["keys"]}
            for s, rows in readme_sections(md).items()}


# ------------------------------------------------------ duodhcpd.ini(5) extractor

MACROS = {"Ar", "Cm", "Dq", "Dv", "Em", "Ev", "Fl", "Ic", "Li", "No", "Ns", "Op",
          "Pa", "Pq", "Ql", "Qq", "Sy", "Va", "Xc", "Xo"}
DELIMS = set(",.;:()[]|")


def it_words(line, macro):
    """The arguments of `macro` on an .It line, with 'Ns Ar x' glued on:
    '.It Cm ROUTER_ Ns Ar n , Cm DNS_ Ns Ar n' -> ['ROUTER_n', 'DNS_n'];
    '.It Fl c Ar file' (macro 'Fl') -> [('c', True)] when want_arg."""
    toks = line.replace("\\&", "").split()[1:]
    words, mode, i = [], None, 0
    while i < len(toks):
        t = toks[i]
        if t == "Ns" and i + 2 < len(toks) and toks[i + 1] == "Ar" and mode == macro and words:
            words[-1] += toks[i + 2]
            i += 3
            mode = "Ar"
            continue
        if t in MACROS:
            mode = t
        elif t in DELIMS:
            pass
        elif mode == macro:
            words.append(t)
        i += 1
    return words


def sh_region(mdoc, title):
    m = re.search(r"^\.Sh " + re.escape(title) + r"\n(.*?)(?=^\.Sh |\Z)", mdoc, re.M | re.S)
    assert m, f"no .Sh {title}"
    return m.group(1)


def tag_items(region):
    """(head line, body lines) per item of the outermost lists of region;
    consecutive heads without a body share the body that follows them."""
    items, depth, heads, body = [], 0, [], []

    def close():
        if heads:
            items.append((list(heads), list(body)))
        heads.clear()
        body.clear()

    for line in region.splitlines():
        if line.startswith(".Bl"):
            depth += 1
            if depth == 1:
                continue
        elif line.startswith(".El"):
            depth -= 1
            if depth == 0:
                close()
                continue
        if depth == 1 and line.startswith(".It"):
            if body:
                close()
            heads.append(line)
        elif depth >= 1 and heads:
            body.append(line)
    close()
    return items


def man_keys(mdoc):
    """{section: {key: default}} from the .Ss of '.Sh SECTIONS AND KEYS';
    a key's default is the text after 'Default:' in its item."""
    region = sh_region(mdoc, "SECTIONS AND KEYS")
    out = {}
    for part in re.split(r"^\.Ss ", region, flags=re.M)[1:]:
        title, _, rest = part.partition("\n")
        sect = section_id(title)
        assert sect, f"duodhcpd.ini.5: no [name] in .Ss {title!r}"
        keys = out.setdefault(sect, {})
        for heads, body in tag_items(rest):
            default = None
            for b in body:
                if b.startswith("Default:"):
                    default = norm_default(b[len("Default:"):])
            for h in heads:
                for k in it_words(h, "Cm"):
                    assert k not in keys, f"duodhcpd.ini.5: [{sect}] {k} twice"
                    keys[k] = default
    return out


def two_way(a, b, only_a, only_b, differ):
    """Problems between two {name: value} maps: names in one only, and
    names whose values differ (format strings taking the name, and for
    differ the two values)."""
    out = [only_a.format(k) for k in sorted(set(a) - set(b))]
    out += [only_b.format(k) for k in sorted(set(b) - set(a))]
    out += [differ.format(k, a[k], b[k]) for k in sorted(set(a) & set(b)) if a[k] != b[k]]
    return out


def compare_keys(readme, man):
    """Problems between two {section: {key: default}} maps."""
    problems = []
    for s in sorted(set(readme) | set(man)):
        if s not in man:
            problems.append(f"[{s}]: in the README, not in duodhcpd.ini.5")
            continue
        if s not in readme:
            problems.append(f"[{s}]: in duodhcpd.ini.5, not in the README")
            continue
        problems += two_way(readme[s], man[s], f"[{s}] {{}}: in the README, not in duodhcpd.ini.5",
                            f"[{s}] {{}}: in duodhcpd.ini.5, not in the README",
                            f"[{s}] {{}}: default {{!r}} in the README, {{!r}} in duodhcpd.ini.5")
    return problems


def test_readme_tables_are_read():
    sections = readme_keys(read("README.md"))
    assert len(sections) >= 8, sections.keys()
    assert sum(len(v) for v in sections.values()) >= 70


def test_readme_and_ini5_agree():
    assert compare_keys(readme_keys(read("README.md")),
                        man_keys((MAN / "duodhcpd.ini.5").read_text())) == []


def test_selftest_readme_and_ini5():
    md, page = read("README.md"), (MAN / "duodhcpd.ini.5").read_text()
    # a key dropped from the README
    md2 = re.sub(r"^\| `OfferHold` .*\n", "", md, flags=re.M)
    assert "[DUODHCP] OfferHold: in duodhcpd.ini.5, not in the README" in \
        compare_keys(readme_keys(md2), man_keys(page))
    # a key added to the man page, as one more head of a shared item
    page2 = page.replace(".It Cm UseClientID\n", ".It Cm UseClientID\n.It Cm Bogus\n")
    assert "[Settings] Bogus: in duodhcpd.ini.5, not in the README" in \
        compare_keys(readme_keys(md), man_keys(page2))
    # a key of a grouped row, missing from the man page
    page3 = page.replace(".It Cm EnableTFTP , Cm Root , Cm WritePermission",
                         ".It Cm EnableTFTP , Cm Root")
    assert "[TFTP-Settings] WritePermission: in the README, not in duodhcpd.ini.5" in \
        compare_keys(readme_keys(md), man_keys(page3))
    # an indexed key in a grouped head
    page4 = page.replace("Cm WINS_ Ns Ar n , Cm DOMAINNAME", "Cm DOMAINNAME", 1)
    assert "[SUBNET:a.b.c.d/n] WINS_n: in the README, not in duodhcpd.ini.5" in \
        compare_keys(readme_keys(md), man_keys(page4))
    # a default changed in the README
    md5 = re.sub(r"^(\| `ProbeTimeoutMs` \|[^|]*\|)[^|]*\|", r"\1 999 |", md, flags=re.M)
    assert md5 != md
    assert any(p.startswith("[DUODHCP] ProbeTimeoutMs: default '999' in the README, ")
               for p in compare_keys(readme_keys(md5), man_keys(page)))
    # a section missing
    md6 = md.replace("#### [TFTP-Settings]", "#### [TFTP-Setting]")
    assert "[TFTP-Settings]: in duodhcpd.ini.5, not in the README" in \
        compare_keys(readme_keys(md6), man_keys(page))


# ------------------------------------------------------ src/conf/config.c extractor

def c_entries(body):
    """Top-level comma-separated entries of a C initializer body."""
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    out, depth, cur = [], 0, ""
    for ch in body:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return [e for e in out if e]


def c_int(expr):
    expr = expr.replace("UINT32_MAX", "4294967295")
    expr = re.sub(r"(\d+)[uUlL]+", r"\1", expr).strip()
    assert re.fullmatch(r"[\d\s()<+*-]+", expr), f"not a simple constant: {expr!r}"
    return eval(expr)   # digits and operators only, checked above


def parser_sections(src):
    """{kind: {key_lower: info}} where kind is a README-style section name for
    the fixed sections ('settings', 'dns-settings' ...), or SK_GENERAL,
    SK_SUBNET, SK_HOST for the scope sections; info has fn, flags, field,
    range."""
    macro_def = {}
    for name, params, body in re.findall(r"^#define (K[A-Z]+)\(([^)]*)\)\s*(.*?)(?<!\\)$",
                                         src, re.M | re.S):
        fn = re.search(r"\.fn = (\w+)", body)
        macro_def[name] = {"fn": fn.group(1) if fn else None,
                           "flags": set(re.findall(r"\bK_[A-Z]+\b", body))}
    tables = {}
    for tname, body in re.findall(r"static const struct kdef (\w+)\[\] = \{(.*?)\n\};", src, re.S):
        keys = {}
        for e in c_entries(body):
            name = re.search(r'"([^"]+)"', e).group(1)
            m = re.match(r"(K[A-Z]+)\((.*)\)$", e, re.S)
            args = c_entries(m.group(2)) if m else []
            flags = set(re.findall(r"\bK_[A-Z]+\b", e))
            if "GSH" in re.findall(r"\b\w+\b", e):
                flags |= {"K_G", "K_S", "K_H"}
            if m:
                flags |= macro_def[m.group(1)]["flags"]
                fn = macro_def[m.group(1)]["fn"]
            else:
                fn = re.search(r"\.fn = (\w+)", e).group(1)
            field = re.search(r"offsetof\(\w+ \w+, (\w+)\)", e)
            field = field.group(1) if field else (args[2] if m and len(args) > 2 else None)
            rng = None
            if m and m.group(1) == "KUINT":
                rng = (c_int(args[3]), c_int(args[4]))
            lo, hi = re.search(r"\.min = ([^,}]+)", e), re.search(r"\.max = ([^,}]+)", e)
            if lo and hi:
                rng = (c_int(lo.group(1)), c_int(hi.group(1)))
            keys[name.lower()] = {"name": name, "fn": fn, "flags": flags,
                                  "field": field, "range": rng}
        tables[tname] = keys
    assert tables, "config.c: no kdef tables"

    # Which section runs which table: classify()'s names, do_fixed()'s cases.
    names = dict((k, n) for n, k in re.findall(r'\{ "([^"]+)", (SK_\w+) \}', src))
    runs = dict(re.findall(r"case (SK_\w+): run_table\(p, s, (\w+),", src))
    gen = re.search(r"case SK_GENERAL:.*?run_table\(p, s, (\w+),", src, re.S)
    sub = re.search(r"^static void do_subnet\(.*?run_table\(p, s, (\w+),", src, re.S | re.M)
    host = re.search(r"^static void do_host\(.*?run_table\(p, s, (\w+),", src, re.S | re.M)
    klass = re.search(r"^static void do_class\(.*?run_table\(p, s, (\w+),", src, re.S | re.M)
    bits = dict(re.findall(r"kind == (SK_\w+) \? (K_\w+)", src))
    assert gen and sub and host and klass and len(bits) == 4, \
        "config.c: section dispatch not found"
    out = {}
    for kind, table in runs.items():
        out[names[kind].lower()] = tables[table]
    for kind, table in (("SK_GENERAL", gen.group(1)), ("SK_SUBNET", sub.group(1)),
                        ("SK_HOST", host.group(1)), ("SK_CLASS", klass.group(1))):
        out[kind] = {k: v for k, v in tables[table].items() if bits[kind] in v["flags"]}
    used = set(runs.values()) | {gen.group(1), sub.group(1), host.group(1), klass.group(1)}
    assert used == set(tables), f"config.c: kdef tables not mapped: {set(tables) - used}"
    out["_names"] = {n.lower() for n in names.values()}
    return out


def parser_defaults(src):
    """{field: value} set by config.c's defaults(); other fields are zero.
    A field of a member struct (c->fo.port) is keyed by its own name, which
    is what the key tables' offsetof(struct cfg_failover, port) gives."""
    consts = {}
    for n, v in re.findall(r"^#define (DEF_\w+)\s+(.+)$", src, re.M):
        v = re.sub(r"/\*.*$", "", v).strip()     # a comment after the value
        consts[n] = v.strip('"') if v.startswith('"') else c_int(v)
    body = re.search(r"^static void defaults\(.*?\n\}", src, re.S | re.M).group(0)
    out = {}
    for field, c in re.findall(r"c->(?:\w+\.)?(\w+) = (DEF_\w+);", body):
        assert field not in out, f"config.c: two defaults for a field named {field}"
        out[field] = consts[c]
    for field, c in re.findall(r"snprintf\(c->(\w+), sizeof c->\w+, \"%s\", (DEF_\w+)\)", body):
        out[field] = consts[c]
    return out


def readme_kind(sect, fixed_names):
    if sect.lower().startswith("subnet:"):
        return "SK_SUBNET"
    if sect.lower().startswith("class:"):
        return "SK_CLASS"
    if re.fullmatch(r"[0-9A-Fa-f]{2}([-:]?[0-9A-Fa-f]{2}){5}", sect):
        return "SK_HOST"
    if sect.lower() == "general":
        return "SK_GENERAL"
    return sect.lower() if sect.lower() in fixed_names else None


def parser_key(readme_key):
    """'IPPOOL_n' -> 'ippool_', 'OPTION_nn' -> 'option_', 'POOL_n.KEY' ->
    'pool_' (a prefix key: the parser reads the rest itself)."""
    return re.sub(r"_n+(\.KEY)?$", "_", readme_key).lower()


def size_value(s):
    """'64M' -> 67108864, '4G-1' -> 4294967295, '500' -> 500."""
    m = re.fullmatch(r"(\d+)([KMG]?)(-1)?", s.strip())
    if not m:
        return None
    v = int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]
    return v - 1 if m.group(3) else v


# The one key the README calls ignored that is not kv_unused: a client
# section's SUBNETMASK goes through kv_mask, which warns there.
IGNORED_ELSEWHERE = {("SK_HOST", "subnetmask")}
# Defaults that are worked out at run time, not set by the parser: the DNS
# domain falls back to option 15, then "lan" (server.c, zone_configure).
RUNTIME_DEFAULTS = {("dns-settings", "domain")}


def compare_parser(readme_rows, parser, defaults):
    problems = []
    fixed = parser["_names"]
    seen_kinds = set()
    for sect, rows in readme_rows.items():
        kind = readme_kind(sect, fixed)
        if kind is None or kind not in parser:
            problems.append(f"[{sect}]: a README section the parser does not have")
            continue
        seen_kinds.add(kind)
        table = parser[kind]
        listed = set()
        for row in rows:
            for key in row["keys"]:
                pk = parser_key(key)
                listed.add(pk)
                info = table.get(pk)
                if info is None:
                    problems.append(f"[{sect}] {key}: in the README, unknown to the parser")
                    continue
                frm = (row["from"] or "").lower()
                if "ignored" in frm and info["fn"] != "kv_unused" \
                        and (kind, pk) not in IGNORED_ELSEWHERE:
                    problems.append(f"[{sect}] {key}: README says ignored, parser uses {info['fn']}")
                if "silent" in frm and info["fn"] != "kv_silent":
                    problems.append(f"[{sect}] {key}: README says silent, parser uses {info['fn']}")
                if row["from"] is not None and info["fn"] == "kv_unused" and "ignored" not in frm:
                    problems.append(f"[{sect}] {key}: the parser ignores it, the README does not say so")
                if row["from"] is not None and info["fn"] == "kv_silent" and "silent" not in frm:
                    problems.append(f"[{sect}] {key}: the parser is silent on it, the README does not say so")
                # ranges: "1 to 60000", "64K to 4G-1"
                rm = re.search(r"(\d+[KMG]?(?:-1)?) to (\d+[KMG]?(?:-1)?)", row["type"])
                if rm and info["range"]:
                    got = (size_value(rm.group(1)), size_value(rm.group(2)))
                    if got != info["range"]:
                        problems.append(f"[{sect}] {key}: range {got} in the README, "
                                        f"{info['range']} in config.c")
                # defaults of the sections that are not inheriting ones
                d = row["default"]
                # a key the parser requires (K_REQUIRED) has no default
                if "K_REQUIRED" in info["flags"]:
                    if not (d or "").startswith("none"):
                        problems.append(f"[{sect}] {key}: required by the parser, but the "
                                        f"README gives the default {d!r}")
                    continue
                if (d or "").startswith("none (required"):
                    problems.append(f"[{sect}] {key}: the README says required, the parser "
                                    "does not (no K_REQUIRED)")
                # a class's keys are not config fields either: they fill
                # the class (its LEASETIME is not [GENERAL]'s default)
                if kind in ("SK_SUBNET", "SK_HOST", "SK_CLASS") or not info["field"] \
                        or (kind, pk) in RUNTIME_DEFAULTS:
                    continue
                if info["field"] in defaults:
                    want = defaults[info["field"]]
                    got = size_value(d) if isinstance(want, int) else d
                    if got != want:
                        problems.append(f"[{sect}] {key}: default {d!r} in the README, "
                                        f"{want!r} in config.c")
                elif info["fn"] in ("kv_bool", "kv_uint", "kv_size") and d != "0":
                    problems.append(f"[{sect}] {key}: default {d!r} in the README, 0 in config.c")
                elif info["fn"] == "kv_str" and not (d or "").startswith('""'):
                    problems.append(f"[{sect}] {key}: default {d!r} in the README, \"\" in config.c")
        for pk in sorted(set(table) - listed):
            problems.append(f"[{sect}] {table[pk]['name']}: known to the parser, not in the README")
    for kind in sorted(set(parser) - seen_kinds - {"_names"}):
        problems.append(f"{kind}: a parser section with no README table")
    return problems


def test_parser_tables_are_read():
    p = parser_sections(read("src/conf/config.c"))
    assert len(p["settings"]) >= 20 and len(p["SK_HOST"]) >= 12 and len(p["duodhcp"]) >= 12
    assert parser_defaults(read("src/conf/config.c"))["journal"].startswith("/")


def test_readme_and_parser_agree():
    src = read("src/conf/config.c")
    assert compare_parser(readme_sections(read("README.md")), parser_sections(src),
                          parser_defaults(src)) == []


def test_selftest_readme_and_parser():
    src, md = read("src/conf/config.c"), read("README.md")

    def problems(src=src, md=md):
        return compare_parser(readme_sections(md), parser_sections(src), parser_defaults(src))

    src2 = src.replace('\tKUINT("CommitDelayMs"', '\tKBOOL("NewKey", struct config, trace),\n'
                       '\tKUINT("CommitDelayMs"')
    assert "[DUODHCP] NewKey: known to the parser, not in the README" in problems(src=src2)
    src3 = src.replace('\tKUNUSED("ReadOnly", 0),\n', "")
    assert "[Settings] ReadOnly: in the README, unknown to the parser" in problems(src=src3)
    src4 = re.sub(r"^#define DEF_OFFER\s.*$", "#define DEF_OFFER\t12345u", src, flags=re.M)
    assert src4 != src
    assert any(p.startswith("[DUODHCP] OfferHold: default ") and p.endswith(" 12345 in config.c")
               for p in problems(src=src4))
    src5 = re.sub(r'(KUINT\("ProbeTimeoutMs",(?:[^,]*,){3})[^,]*,', r"\1 12345,", src)
    assert src5 != src
    assert any(p.startswith("[DUODHCP] ProbeTimeoutMs: range ") and p.endswith(", 12345) in config.c")
               for p in problems(src=src5))
    src6 = src.replace('KUNUSED("AllowDNSQuery", K_G | K_H)', 'KUNUSED("AllowDNSQuery", K_G)')
    assert src6 != src
    assert "[00-11-22-33-44-55] AllowDNSQuery: in the README, unknown to the parser" \
        in problems(src=src6)
    md7 = re.sub(r"^(\| `Trace` \|[^|]*\|)[^|]*\|", r"\1 7 |", md, flags=re.M)
    assert md7 != md
    assert "[Settings] Trace: default '7' in the README, 0 in config.c" in problems(md=md7)
    # a default of a member struct's field (c->fo.port), and required keys
    src9 = re.sub(r"^#define DEF_FO_MRD\s.*$", "#define DEF_FO_MRD\t12345u", src, flags=re.M)
    assert src9 != src
    assert any(p.startswith("[FAILOVER] MaxResponseDelay: default ") and
               p.endswith(" 12345 in config.c") for p in problems(src=src9))
    src10 = src.replace("mclt, 1, 31536000, K_REQUIRED | K_PRIMARY)", "mclt, 1, 31536000, K_PRIMARY)")
    assert src10 != src
    assert "[FAILOVER] MCLT: the README says required, the parser does not (no K_REQUIRED)" \
        in problems(src=src10)
    md11 = re.sub(r"^(\| `Name` \|[^|]*\|)[^|]*\|", r"\1 x |", md, flags=re.M)
    assert md11 != md
    assert "[FAILOVER] Name: required by the parser, but the README gives the default 'x'" \
        in problems(md=md11)
    md8 = md.replace("| dhcpsrv, silent |", "| dhcpsrv |")
    assert md8 != md
    assert "[00-11-22-33-44-55] Index: the parser is silent on it, the README does not say so" \
        in problems(md=md8)


# ------------------------------------------------------------ command lines

def c_options(src):
    """({letter: takes_arg}, {long: takes_arg}) from getopt_long's string and
    the struct option table of a C file."""
    m = re.search(r'getopt_long\(argc, argv, "([^"]*)"', src)
    assert m, "no getopt_long call"
    short, s = {}, m.group(1)
    for i, ch in enumerate(s):
        if ch != ":":
            short[ch] = i + 1 < len(s) and s[i + 1] == ":"
    long_ = {n: a != "no" for n, a in re.findall(r'\{ "([\w-]+)", (\w+)_argument', src)}
    return short, long_


def man_options(mdoc):
    """The same from the .It lines of .Sh OPTIONS."""
    short, long_ = {}, {}
    for heads, _ in tag_items(sh_region(mdoc, "OPTIONS")):
        for h in heads:
            toks = h.replace("\\-", "-").split()[1:]
            for i, t in enumerate(toks):
                if i == 0 or toks[i - 1] != "Fl":
                    continue
                arg = i + 2 < len(toks) and toks[i + 1] == "Ar"
                if t.startswith("-"):
                    long_[t[1:]] = arg
                else:
                    short[t] = arg
    return short, long_


def synopsis_flags(mdoc):
    region = sh_region(mdoc, "SYNOPSIS").replace("\\-", "-")
    flags = set()
    for line in region.splitlines():
        toks = line.lstrip(".").split()
        for i, t in enumerate(toks):
            if t == "Fl" and i + 1 < len(toks):
                flags.add(toks[i + 1])
            elif i > 0 and toks[i - 1] == "|" and t.startswith("-"):
                flags.add(t)    # '.Fl h | \-help'
    return {f[1:] if f.startswith("-") else f for f in flags}


def compare_options(src, mdoc, page):
    problems = []
    cs, cl = c_options(src)
    ms, ml = man_options(mdoc)
    for what, c, m, dash in (("option", cs, ms, "-"), ("long option", cl, ml, "--")):
        problems += two_way(c, m, f"{page}: {what} {dash}{{}} accepted but not documented",
                            f"{page}: {what} {dash}{{}} documented but not accepted",
                            f"{page}: {dash}{{}} takes an argument: code {{}}, page {{}}")
    syn = synopsis_flags(mdoc)
    for o in sorted((set(cs) | set(cl)) - syn):
        problems.append(f"{page}: {o} not in the SYNOPSIS")
    return problems


@pytest.mark.parametrize("page,src", [("duodhcpd.8", "src/daemon/main.c"),
                                      ("duodhcpctl.8", "src/ctl/ctl.c")])
def test_options_agree(page, src):
    assert compare_options(read(src), (MAN / page).read_text(), page) == []


def test_selftest_options():
    src, page = read("src/daemon/main.c"), (MAN / "duodhcpd.8").read_text()
    assert c_options(src)[0]["c"] is True and c_options(src)[1]["salvage"] is False
    src2 = re.sub(r'(getopt_long\(argc, argv, "[^"]*)"', r'\1x"', src)
    assert src2 != src
    assert "duodhcpd.8: option -x accepted but not documented" in \
        compare_options(src2, page, "duodhcpd.8")
    page3 = re.sub(r"^\.It Fl L\n", ".It Fl L Ar file\n", page, flags=re.M)
    assert page3 != page
    assert "duodhcpd.8: -L takes an argument: code False, page True" in \
        compare_options(src, page3, "duodhcpd.8")
    src4 = src.replace('{ "salvage", no_argument', '{ "rescue", no_argument')
    got = compare_options(src4, page, "duodhcpd.8")
    assert "duodhcpd.8: long option --rescue accepted but not documented" in got
    assert "duodhcpd.8: long option --salvage documented but not accepted" in got


def test_ctl_commands_and_states():
    ctl = read("src/ctl/ctl.c") + read("src/ctl/import_leases.c")
    page = (MAN / "duodhcpctl.8").read_text()
    cmds = set(re.findall(r'strcmp\(cmd, "([\w-]+)"\)', ctl))
    assert len(cmds) >= 3, cmds
    documented = {w for heads, _ in tag_items(sh_region(page, "COMMANDS"))
                  for h in heads for w in it_words(h, "Cm")[:1]}
    assert documented == cmds
    states = set(re.findall(r'\[LEASE_\w+\] = "(\w+)"', read("src/core/lease_state.c")))
    assert len(states) >= 5
    leases_body = next(b for heads, b in tag_items(sh_region(page, "COMMANDS"))
                       if "leases" in heads[0])
    listed = set(re.findall(r"^\.Cm (\w+)", "\n".join(leases_body), re.M))
    assert listed == states
