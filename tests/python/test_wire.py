"""test_wire: the Python writer's constants (python/looptrace/wire.py) are lt/wire.h's, every
one of them both ways, and its structs have the header's layout: the two producers of the
format cannot drift apart."""
import os
import re
import unittest

from looptrace import wire

HEADER = os.path.join(os.environ["LT_SOURCE_DIR"], "runtime", "include", "lt", "wire.h")
C_TYPES = {"uint8_t": "B", "uint16_t": "H", "uint32_t": "I", "uint64_t": "Q", "int64_t": "q"}


def python_name(c):
    """LT_EV_MARK -> EV_MARK, LT_WIRE_CLOCK_REAL -> CLOCK_REAL."""
    return re.sub(r"^LT_(WIRE_)?", "", c)


def header():
    """({constant: value}, {struct: format}) of wire.h: its #defines, and every enum made
    from an X-macro list (XX(NAME, value, ...) entries, or XX(NAME, ...) numbered from 0)."""
    with open(HEADER) as f:
        text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S).replace("\\\n", " ")
    consts = {}
    lists = {}
    for line in text.splitlines():
        m = re.match(r"#define (LT_\w+)\(XX\)(.*)$", line)
        if m:
            lists[m.group(1)] = [[a.strip() for a in e.split(",")]
                                 for e in re.findall(r"XX\(([^)]*)\)", m.group(2))]
            continue
        m = re.match(r"#define (LT_\w+) (.+)$", line)
        if m and not m.group(1).startswith("LT__"):
            v = m.group(2).strip()
            unsigned = re.sub(r"(?<=[0-9a-fA-F])u\b", "", v)  # 1u << 20 -> 1 << 20
            consts[m.group(1)] = v[1:-1].encode() if v.startswith('"') else eval(unsigned)
    enums = re.findall(r"typedef enum \w+ \{\s*#define LT__\w+\(([^)]*)\) (LT_\w*?)##name"
                       r".*?(LT_WIRE_\w+_MAP)\(LT__\w+\)\s*#undef LT__\w+\s*(\w*)\s*\}",
                       text, flags=re.S)
    for params, prefix, name, count in enums:
        valued = "value" in params.split(", ")
        for n, entry in enumerate(lists[name]):
            consts[prefix + entry[0]] = int(entry[1], 0) if valued else n
        if count:
            consts[count] = len(lists[name])
    structs = {}
    for body, name in re.findall(r"typedef struct \w+ \{(.*?)\} (\w+);", text, flags=re.S):
        structs[name] = "<" + "".join(C_TYPES[t] for t in re.findall(r"(\w+_t) \w+;", body))
    return consts, structs


class WireTest(unittest.TestCase):
    def setUp(self):
        self.consts, self.structs = header()

    def test_every_constant_of_the_header_is_the_python_one(self):
        checked = 0
        for c, v in self.consts.items():
            if c == "LT_WIRE_H":  # the include guard
                continue
            with self.subTest(c):
                self.assertTrue(hasattr(wire, python_name(c)), f"wire.py lacks {c}")
                self.assertEqual(getattr(wire, python_name(c)), v, c)
                checked += 1
        self.assertGreater(checked, 60)  # the header really was read

    def test_every_python_constant_is_in_the_header(self):
        names = {python_name(c) for c in self.consts}
        for name in dir(wire):
            if name.isupper() and not isinstance(getattr(wire, name), (tuple,)) and \
                    name not in ("CHUNK", "EVENT", "RECORD"):
                with self.subTest(name):
                    self.assertTrue(name in names, f"wire.py has {name}, lt/wire.h does not")

    def test_structs_have_the_header_layout(self):
        self.assertEqual(wire.CHUNK.format, self.structs["lt_wire_chunk"])
        self.assertEqual(wire.EVENT.format, self.structs["lt_wire_event"])
        self.assertEqual((wire.CHUNK.size, wire.EVENT.size), (24, 16))
        for n, s in enumerate(wire.RECORD):
            self.assertEqual(s.size, 16 + 8 * n)
            self.assertTrue(s.format.startswith(self.structs["lt_wire_event"]))


if __name__ == "__main__":
    unittest.main()
