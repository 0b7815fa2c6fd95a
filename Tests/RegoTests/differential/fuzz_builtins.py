#!/usr/bin/env python3
"""Differential fuzz fixture: every builtin of our registry called with hostile arguments, answered by real OPA.

Usage:  pip install --ignore-requires-python opa-golib-python-bindings
        python3 Tests/RegoTests/differential/fuzz_builtins.py                 # rewrites fuzz.jsonl (fixed seed)
        python3 Tests/RegoTests/differential/fuzz_builtins.py --seed 7 --per-builtin 60 --out /tmp/fuzz.jsonl

Builtin names and arities are read from Sources/Rego/Builtins/*.swift (`add("name", arity)`), so a builtin added
there is fuzzed without editing this file (it gets "any value" arguments until ARGS below says better).
Arguments reach the builtin through `input` (`x := f(input.a0, input.a1)`) so OPA's compile-time type checker
cannot reject a call before evaluation; set arguments are built from input arrays. Each case is one JSON line:
name, query, input, strict_error (OPA's bindings evaluate with strict builtin errors) and either want_result
(OPA's rows) or want_error_code (the code OPA reported). FuzzTests.swift replays the file without Python and
compares value-or-error; error texts are not compared.
"""
import argparse
import json
import os
import random
import re
import sys

sys.setrecursionlimit(20_000)  # deeply nested results (up to the 1000-level JSON cases) are decoded recursively

from opa_bindings import OpaEngine, OpaError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SEED = 20260413
PER_BUILTIN = 22

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)

# Builtins not fuzzed, with the reason.
SKIP = {
    "print": "variadic, returns nothing as a value",
    "uuid.rfc4122": "random output",
    "time.now_ns": "the clock; no arguments to be hostile with",
    "internal.member_2": "reached through `in`; fuzzed as such by the member cases below",
    "internal.member_3": "reached through `in`",
}

NUMBERS = [
    0, 1, -1, 2, 7, -7, 10, 16, 255, 2**31, -(2**31), 2**32, 2**53, 2**53 + 1, I64_MAX, I64_MIN, I64_MAX - 1, I64_MIN + 1,
    2**63, I64_MIN - 1, 2**64, 10**18, 10**19, 10**30, -(10**30), 10**60, 1.5, -1.5, 0.1, 0.5, -0.5, 2.5, 1e308, -1e308,
    1e-300, 5e-324, 9.2e18, 9.223372036854775e18, 1e19, 3.0, 1e15 + 0.5, 123456789012345678901234567890,
]
INTS = [n for n in NUMBERS if isinstance(n, int)]
LONG = "a" * 3000
STRINGS = [
    "", " ", "a", "abc", "ABC", "héllo", "e\u0301", "\U0001F642", "\u0000", "\t\n", "%", "%%", "$", "${-1}", "$1", "${name}",
    "\\", "NaN", "nan", "Inf", "-Inf", "+Infinity", "1e400", "-1e400", "1e-400", "0x1p3", "0x10", "1_000", " 1", "+1", ".5",
    "5.", "-", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1" * 40, "00012", "-0", LONG,
    "\u00df", "\u0130", "\u2028", "<>&", "a,b,,c", "a.b.c", "**", "[", "{", "(",
]
TIME_NS = [0, 1, -1, I64_MAX, I64_MIN, I64_MAX - 1, I64_MIN + 1, 2**63, I64_MIN - 1, 10**18, -(10**18), 9.2e18, 1.5, 1e300,
           1773687190000000000, 253402300799000000000]
ZONES = ["", "UTC", "Local", "Asia/Kolkata", "America/New_York", "Europe/Paris", "Pacific/Kiritimati", "Bogus/Zone", "../etc"]
NAMED_LAYOUTS = ["ANSIC", "UnixDate", "RubyDate", "RFC822", "RFC822Z", "RFC850", "RFC1123", "RFC1123Z", "RFC3339", "RFC3339Nano",
                 "Kitchen", "Stamp", "StampMilli", "StampMicro", "StampNano", "DateTime", "DateOnly", "TimeOnly"]
# One example per layout; {Y} is a 4-digit year, {y} a 2-digit one.
LAYOUT_EXAMPLES = {
    "ANSIC": "Mon Jan  2 15:04:05 {Y}", "UnixDate": "Mon Jan  2 15:04:05 MST {Y}", "RubyDate": "Mon Jan 02 15:04:05 -0700 {Y}",
    "RFC822": "02 Jan {y} 15:04 MST", "RFC822Z": "02 Jan {y} 15:04 -0700", "RFC850": "Monday, 02-Jan-{y} 15:04:05 MST",
    "RFC1123": "Mon, 02 Jan {Y} 15:04:05 MST", "RFC1123Z": "Mon, 02 Jan {Y} 15:04:05 -0700", "RFC3339": "{Y}-01-02T15:04:05Z",
    "RFC3339Nano": "{Y}-01-02T15:04:05.999999999+07:00", "DateTime": "{Y}-01-02 15:04:05", "DateOnly": "{Y}-12-31",
    "2006-01-02": "{Y}-04-11", "02/01/2006 15:04": "11/04/{Y} 23:47", "2006-01-02T15:04:05.000Z07:00": "{Y}-09-21T00:12:43.145+01:00",
}
YEARS = ["0000", "0001", "1000", "1677", "1678", "1969", "1970", "2262", "2263", "9999"]
RFC3339 = [
    "2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z", "1677-09-21T00:12:43.145224192Z",
    "1677-09-21T00:12:43.145224191Z", "1677-09-21T00:12:43Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
    "2262-04-12T00:47:16.854775807+01:00", "1677-09-20T23:12:43.145224192-01:00", "2026-03-16T12:00:00+14:00",
    "2026-03-16T12:00:00-23:59", "2026-03-16T12:00:00+24:00", "2026-03-16t12:00:00z", "2026-02-30T00:00:00Z",
    "2026-03-16T24:00:00Z", "2026-03-16T12:00:60Z", "2026-03-16T12:00:00.1234567890123Z", "2026-03-16T12:00:00,5Z",
    "2026-03-16 12:00:00Z", "2026-3-16T12:00:00Z", "-0001-01-01T00:00:00Z", "+2026-03-16T12:00:00Z", "",
]
DURATIONS = [
    "0", "", "-0", "+0", "1h", "-1h", "+1h", "1h2m3.5s", "2562047h47m16.854775807s", "2562047h47m16.854775808s",
    "-2562047h47m16.854775808s", "-2562047h47m16.854775809s", "9223372036854775807ns", "9223372036854775808ns",
    "-9223372036854775808ns", "99999999999999999999h", "1.5h", ".5s", "5.s", ".s", "1", "1x", "1\u00b5s", "1\u03bcs", "1us",
    "1.00000000000000000000000001h", "1h1h", "0.0s", "1e3s", "2562048h", "106751d", "-.5m", "1.9999999999999999999999h",
]
CIDRS = ["10.0.0.0/8", "10.0.0.1", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "1.2.3/24",
         "::/0", "::1/128", "2001:db8::/32", "2001:db8::/129", "::ffff:10.0.0.1/120", "fe80::1%eth0/64", "256.0.0.0/8",
         "01.2.3.4/8", "10.0.0.0/+8", "10.0.0.0/9223372036854775808", "192.168.1.0/28", "1::2::3/64"]
REGEXES = ["", "a", "^a.*$", "(a)(b)?", "(?P<n>a+)", "[", "(", "a{1000}", "a{1001}", "(a*)*b", "\\", "\\pL", "[[:alpha:]]",
           "(?i)abc", "\\z", "\\C", "x*", "^$", ".", "(?m)^a$", "\\d+", "a|", "(?<n>a)"]
SEMVERS = ["1.0.0", "0.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0+build", "1.0", "v1.0.0", "01.0.0",
           "9223372036854775807.0.0", "9223372036854775808.0.0", "99999999999999999999.0.0", "1.0.0-01", "1.0.0-", ""]
UNITS = ["1", "1k", "1K", "1Ki", "1m", "1M", "1Mi", "1e3", "1E3k", ".5", "-.5Ki", "1.5.5", "10Ei", "1e400", "9223372036854775808E",
         "1 k", "\"1k\"", "k", "", "1kb", "1KiB", "1e-400", "-9223372036854775809"]
JSONS = ["{}", "[]", "null", "1", "1e400", "1.0e-9223372036854775808", "-0", "[" * 50 + "]" * 50, "[" * 1001 + "]" * 1001,
         "{\"a\":", "\"\\ud800\"", "123456789012345678901234567890", "1.5e-999999999999", "0.1e99999999999999999999"]
B64 = ["", "YQ==", "YQ", "Y", "!!!!", "YWJj", "YW Jj", "_-8=", "\u00e9\u00e9\u00e9\u00e9"]
HEX = ["", "00", "0", "zz", "\u0661\u0662", "ff", "FfFf", "abc"]
FORMATS = ["%v", "%d", "%s", "%x", "%X", "%o", "%b", "%f", "%.2f", "%e", "%g", "%q", "%t", "%%", "%", "%5d", "%-5d|", "%05d",
           "%+d", "%.1000f", "%99d", "%!", "%[1]d", "%*d", "%d %d %d"]
GLOBS = ["*", "**", "?", "a*b", "[a-z]", "[!a]", "{a,b}", "{a,", "\\", "a\\*", "*.example.com", "[", "[]"]


def nested(depth, kind):
    v = 1
    for i in range(depth):
        v = [v] if kind == "array" or (kind == "mixed" and i % 2) else {"k": v}
    return v


COLLECTIONS = [
    [], {}, [1, 2, 3], [3, 1, 2, 1], ["b", "a"], [1, "a", None, True, [1], {"a": 1}], {"a": 1, "b": {"c": 2}},
    {"a": [1, 2], "b": None}, nested(40, "array"), nested(40, "object"), nested(300, "mixed"), [I64_MAX, I64_MIN, 2**64, 1.5],
    list(range(200)), {"": 0, "k": [None]}, [[1, 2], [3], []], [{"a": 1}, {"a": 2, "b": 3}], [[]], [[[]]], ["a", ["b", ["c"]]],
]


def any_value(rng):
    pool = rng.choice([NUMBERS, STRINGS, COLLECTIONS, [None, True, False]])
    return rng.choice(pool)


def time_arg(rng):
    ns = rng.choice(TIME_NS)
    r = rng.random()
    if r < 0.5:
        return ns
    if r < 0.8:
        return [ns, rng.choice(ZONES)]
    if r < 0.95:
        return [ns, rng.choice(ZONES), rng.choice(NAMED_LAYOUTS + list(LAYOUT_EXAMPLES) + STRINGS[:6])]
    return rng.choice([[ns], [ns, 1], [ns, "UTC", "RFC3339", 4], []])


def layout_pair(rng):
    layout = rng.choice(list(LAYOUT_EXAMPLES))
    year = rng.choice(YEARS)
    value = LAYOUT_EXAMPLES[layout].replace("{Y}", year).replace("{y}", year[2:])
    return layout, value


def string_of(pool):
    return lambda rng: rng.choice(pool)


GEN = {
    "N": lambda rng: rng.choice(NUMBERS),
    "I": lambda rng: rng.choice(INTS),
    "SMALLI": lambda rng: rng.choice([0, 1, -1, 2, 3, 5, 10, 100, 1000, -5, I64_MAX, I64_MIN, 1.5]),
    # Bounds whose ranges OPA can build (it has no size limit: numbers.range(0, 2^63-1) would exhaust memory).
    "RANGE": lambda rng: rng.choice([(a, b) for a in [0, 5, -5, I64_MAX, I64_MIN, I64_MAX - 3, I64_MIN + 3] for b in [a, a + 2, a - 2, a + 7]
                                     if I64_MIN <= b <= I64_MAX] + [(0, 1.5), (1.5, 3), (2**63, 2**63 + 2), (I64_MIN - 1, I64_MIN)]),
    "STEP": lambda rng: rng.choice([1, 2, 3, 5, 0, -1, 1.5, I64_MAX, 2**63, 2**70]),
    # cidr_expand: OPA expands any prefix (a /8 is 16M strings); ours refuses more than 2^16 addresses.
    "SMALLCIDR": string_of(["10.0.0.0/30", "10.0.0.1", "255.255.255.255/32", "255.255.255.254/31", "::/126", "::1/128", "10.0.0.0/33",
                            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127", "1.2.3/24", "", "10.0.0.0/24", "2001:db8::/120"]),
    "S": lambda rng: rng.choice(STRINGS),
    "T": time_arg,
    "RFC": lambda rng: rng.choice(RFC3339 + [y + r[4:] for r in RFC3339[:3] for y in [rng.choice(YEARS)]]),
    "DUR": lambda rng: rng.choice(DURATIONS),
    "CIDR": string_of(CIDRS),
    "RE": string_of(REGEXES),
    "SEMVER": string_of(SEMVERS),
    "UNITS": string_of(UNITS),
    "JSON": string_of(JSONS),
    "B64": string_of(B64),
    "HEX": string_of(HEX),
    "FMT": string_of(FORMATS),
    "GLOB": string_of(GLOBS),
    "TZ": string_of(ZONES),
    "A": lambda rng: rng.choice([c for c in COLLECTIONS if isinstance(c, list)]),
    "NUMS": lambda rng: rng.choice([[], [1, 2, 3], [I64_MAX, 1], [I64_MIN, -1], [1.5, 2.5], [10**30, 10**30], [1e308, 1e308],
                                    [I64_MAX, I64_MAX, I64_MAX], [0.1, 0.2], [-1e308, 1e308], [2**62, 4], ["a", 1]]),
    "STRS": lambda rng: rng.choice([[], ["a", "b"], ["", ""], [LONG, "x"], ["a", 1], ["\U0001F642", "e\u0301"]]),
    "O": lambda rng: rng.choice([c for c in COLLECTIONS if isinstance(c, dict)] + [{"a": "b", "c": ["d", "e"]}, {"x": 1}]),
    "SET": lambda rng: rng.choice([[], [1, 2], ["a", "b"], [[1], [2, 3]], [I64_MAX, I64_MIN], [{"a": 1}]]),
    "SETS": lambda rng: rng.choice([[], [[1, 2], [2, 3]], [[]], [[1], ["a"]], [1, 2]]),
    "X": any_value,
}
# Argument kinds per builtin; a `SET`/`SETS` argument is passed as a set built from an input array.
ARGS = {
    "count": "X", "sum": "NUMS", "product": "NUMS", "max": "A", "min": "A", "sort": "A", "to_number": "S",
    "plus": "N N", "minus": "N N", "mul": "N N", "div": "N N", "rem": "N N", "abs": "N", "round": "N", "ceil": "N", "floor": "N",
    "equal": "X X", "neq": "X X", "lt": "X X", "lte": "X X", "gt": "X X", "gte": "X X", "and": "SET SET", "or": "SET SET",
    "numbers.range": "RANGE", "numbers.range_step": "RANGE STEP",
    "object.get": "O X X", "object.keys": "O", "object.remove": "O A", "object.filter": "O A", "object.union": "O O",
    "object.union_n": "A", "object.subset": "X X", "array.concat": "A A", "array.reverse": "A", "array.slice": "A I I",
    "array.flatten": "A", "union": "SETS", "intersection": "SETS", "json.marshal": "X", "json.marshal_with_options": "X O",
    "json.unmarshal": "JSON", "json.is_valid": "JSON", "base64.decode": "B64", "base64.is_valid": "B64", "base64url.decode": "B64",
    "hex.decode": "HEX", "urlquery.encode_object": "O", "crypto.hmac.equal": "S S", "semver.is_valid": "SEMVER",
    "semver.compare": "SEMVER SEMVER", "net.cidr_contains": "CIDR CIDR", "net.cidr_intersects": "CIDR CIDR",
    "net.cidr_is_valid": "CIDR", "net.cidr_expand": "SMALLCIDR", "net.cidr_contains_matches": "CIDR CIDR", "net.cidr_merge": "STRS",
    "regex.match": "RE S", "regex.is_valid": "RE", "regex.find_n": "RE S SMALLI", "regex.find_all_string_submatch_n": "RE S SMALLI",
    "regex.split": "RE S", "regex.replace": "S RE S", "regex.template_match": "S S S S", "regex.globs_match": "RE RE",
    "glob.match": "GLOB X S", "glob.quote_meta": "S", "concat": "S STRS", "strings.replace_n": "O S",
    "strings.any_prefix_match": "X X", "strings.any_suffix_match": "X X", "substring": "S I I", "format_int": "N SMALLI",
    "sprintf": "FMT A", "time.parse_rfc3339_ns": "RFC", "time.parse_ns": "LAYOUT", "time.parse_duration_ns": "DUR",
    "time.clock": "T", "time.date": "T", "time.weekday": "T", "time.add_date": "T I I I", "time.diff": "T T", "time.format": "T",
    "units.parse": "UNITS", "units.parse_bytes": "UNITS", "walk": "WALK",
}


def registry():
    """(name, arity) of every builtin registered in Sources/Rego/Builtins."""
    out = {}
    src_dir = os.path.join(ROOT, "Sources", "Rego", "Builtins")
    for file in sorted(os.listdir(src_dir)):
        text = open(os.path.join(src_dir, file), encoding="utf-8").read()
        for name, arity in re.findall(r'add\("([^"]+)", (-?\d+)\)', text):
            if "\\(" in name:
                # crypto.hmac.\(name) over a literal list of algorithms.
                for algo in re.findall(r'\("(\w+)", (?:Digest\.Algorithm)?\.\w+\)', text):
                    out[name.replace("\\(name)", algo)] = int(arity)
            else:
                out[name] = int(arity)
    return out


def kinds_for(name, arity):
    spec = ARGS.get(name)
    if spec in ("LAYOUT", "WALK"):
        return [spec]
    if spec and spec.startswith("RANGE"):
        return spec.split()
    if spec is None:
        spec = " ".join(["S"] * arity) if name.split(".")[0] in {"crypto", "base64", "base64url", "hex", "urlquery", "strings", "yaml",
                                                                  "glob", "regex", "trim", "upper", "lower"} else None
    if spec is None:
        spec = " ".join(["S"] * arity) if name in {"contains", "startswith", "endswith", "lower", "upper", "split", "replace", "trim",
                                                     "trim_left", "trim_right", "trim_prefix", "trim_suffix", "trim_space", "indexof",
                                                     "indexof_n", "trace"} else " ".join(["X"] * arity)
    kinds = spec.split()
    assert len(kinds) == arity or kinds[0] == "RANGE", (name, spec, arity)
    return kinds


def make_case(name, kinds, rng):
    args = {}
    terms = []
    if kinds == ["LAYOUT"]:
        if rng.random() < 0.8:
            layout, value = layout_pair(rng)
        else:
            layout, value = rng.choice(NAMED_LAYOUTS + STRINGS[:8]), rng.choice(RFC3339 + STRINGS[:8])
        args = {"a0": layout, "a1": value}
        terms = ["input.a0", "input.a1"]
    elif kinds[0] == "RANGE":
        lo, hi = GEN["RANGE"](rng)
        args = {"a0": lo, "a1": hi}
        terms = ["input.a0", "input.a1"]
        if len(kinds) == 2:
            args["a2"] = GEN["STEP"](rng)
            terms.append("input.a2")
    elif kinds == ["WALK"]:
        args = {"a0": rng.choice(COLLECTIONS)}
        return args, "x := count([p | walk(input.a0, [p, _])])"
    else:
        for i, kind in enumerate(kinds):
            # Mostly the right kind, sometimes anything: type errors must be errors, not traps.
            k = kind if rng.random() < 0.85 else "X"
            args[f"a{i}"] = GEN[k](rng)
            if kind in ("SET", "SETS") and k == kind:
                inner = "{e | some e in input.a%d}" % i
                if kind == "SETS":
                    inner = "{s | some e in input.a%d; s := {y | some y in e}}" % i
                terms.append(inner)
            else:
                terms.append(f"input.a{i}")
    return args, f"x := {name}({', '.join(terms)})"


def member_cases(rng, n):
    out = []
    for _ in range(n):
        args = {"a0": any_value(rng), "a1": rng.choice(COLLECTIONS + [None, "abc", 1])}
        out.append(("in", args, "x := input.a0 in input.a1"))
    return out


def depth(v):
    """Nesting depth; 10_000 for a number beyond float64 (OPA keeps 1e400 from json.unmarshal, our engine
    refuses such literals, and the Swift fixture reader cannot load them)."""
    if isinstance(v, list):
        return 1 + max((depth(x) for x in v), default=0)
    if isinstance(v, dict):
        return 1 + max((depth(x) for x in v.values()), default=0)
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return 10_000
    return 0


def evaluate(engine, query, inp):
    """OPA's rows or error code; None when there is nothing to compare."""
    try:
        rows = engine.eval_query(query, inp)
        # The Swift fixture reader stops at 1000 levels of JSON; a deeper result cannot be replayed.
        return {"want_result": rows} if depth(rows) < 900 else None
    except RecursionError:
        return None
    except OpaError as e:
        if e.code == "internal":
            # OPA computed a value its bindings could not serialise (to_number("+1") yields the number literal
            # "+1", which is not JSON): no value to compare.
            return None
        text = str(e)
        m = re.search(r"(eval_\w+_error|rego_\w+_error)", text)
        return {"want_error_code": m.group(1) if m else e.code}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--per-builtin", type=int, default=PER_BUILTIN)
    parser.add_argument("--out", default=os.path.join(HERE, "fuzz.jsonl"))
    parser.add_argument("--category", default="fuzz", help="fuzz-random for runs that are not the committed fixture")
    opts = parser.parse_args()
    rng = random.Random(opts.seed)
    engine = OpaEngine()
    builtins = registry()
    cases = []
    seen = set()
    for name in sorted(builtins):
        if name in SKIP:
            continue
        kinds = kinds_for(name, builtins[name])
        for _ in range(opts.per_builtin):
            args, query = make_case(name, kinds, rng)
            key = json.dumps([query, args], sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            cases.append((name, args, query))
    for name, args, query in member_cases(rng, opts.per_builtin):
        key = json.dumps([query, args], sort_keys=True)
        if key not in seen:
            seen.add(key)
            cases.append((name, args, query))
    with open(opts.out, "w") as f:
        for i, (name, args, query) in enumerate(cases):
            case = evaluate(engine, query, args)
            if case is None:
                continue
            if case.get("want_error_code", "").startswith("rego_") or case.get("want_error_code") == "prepare_error":
                continue  # rejected before evaluation (e.g. a type OPA infers from the query itself): nothing to compare
            if len(json.dumps(case)) > 20_000:
                continue  # keep the committed fixture small; long outputs add nothing over the short ones
            case.update({"name": f"{name} #{i}", "category": opts.category, "modules": [], "query": query, "input": args,
                         "strict_error": True})
            f.write(json.dumps(case, sort_keys=True, ensure_ascii=False) + "\n")
    engine.close()
    print(f"wrote {opts.out} ({len(cases)} generated)", file=sys.stderr)


if __name__ == "__main__":
    main()
