"""The rule files: they load, compile, are documented and every rule is exercised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from builder.labeling.rules import SCOPES, Rule, RuleError, RuleSet, default_rule_dir, load_rule_files, load_rules
from builder.labels import LABEL_NAMES

CASE_DIR = Path(__file__).parent / "test-cases" / "labels"
RULE_FILES = sorted(default_rule_dir().glob("*.toml"))


def test_rules_load_and_are_cached():
    rules = load_rules()
    assert len(rules) >= 20
    assert load_rules() is rules


def test_ids_unique_labels_valid_scopes_known():
    rules = load_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    for r in rules:
        assert r.label in LABEL_NAMES
        assert r.scope in SCOPES
        assert r.id.startswith(r.label + ".")
        assert r.description and "\n" not in r.description
        assert all(isinstance(p, re.Pattern) for p in r.patterns)


def test_every_category_has_a_rule():
    labels = {r.label for r in load_rules()}
    assert labels == set(LABEL_NAMES)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_files_have_header_comment(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 20


def test_every_rule_is_exercised_by_a_case():
    used = set()
    for path in CASE_DIR.glob("*.json"):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            used.update(e[1] for e in case["expected"])
    missing = {r.id for r in load_rules()} - used
    assert not missing, f"rules without an expected-output case: {sorted(missing)}"


def test_every_category_is_exercised_by_a_case():
    used = set()
    for path in CASE_DIR.glob("*.json"):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            used.update(e[0] for e in case["expected"])
    assert used == set(LABEL_NAMES)


def test_no_unbounded_nested_quantifiers():
    # a group with a * or + inside, itself repeated by * or + : catastrophic backtracking risk
    nested = re.compile(r"\([^()]*[*+][^()]*\)[*+]")
    for r in load_rules():
        for p in (*r.patterns, *r.exclude, *r.continue_patterns, *r.end_patterns):
            assert not nested.search(p.pattern), (r.id, p.pattern)


def test_bad_rules_are_rejected(tmp_path):
    base = {"id": "advert.x", "label": "advert", "scope": "line", "patterns": ["x"], "description": "d"}
    Rule.from_dict(base)
    with pytest.raises(RuleError, match="label"):
        Rule.from_dict({**base, "label": "nav"})
    with pytest.raises(RuleError, match="does not compile"):
        Rule.from_dict({**base, "patterns": ["("]})
    with pytest.raises(RuleError, match="unknown keys"):
        Rule.from_dict({**base, "pattern": "x"})
    with pytest.raises(RuleError, match="scope"):
        Rule.from_dict({**base, "scope": "page"})
    with pytest.raises(RuleError, match="start with its label"):
        Rule.from_dict({**base, "id": "footer.x"})
    with pytest.raises(RuleError, match="duplicate"):
        RuleSet((Rule.from_dict(base), Rule.from_dict(base)))
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nid = 1 2\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_rule_files([bad])


def test_custom_rule_file(tmp_path):
    from builder.labeling import label

    f = tmp_path / "extra.toml"
    f.write_text(
        "# test rules\n[[rule]]\nid = \"advert.buy\"\nlabel = \"advert\"\nscope = \"line\"\n"
        "patterns = ['^买买买$']\ndescription = \"test\"\n",
        encoding="utf-8",
    )
    rules = load_rules(tmp_path)
    text = "正文。\n买买买"
    assert [(s.rule, text[s.start : s.end]) for s in label(text, rules)] == [("advert.buy", "\n买买买")]
