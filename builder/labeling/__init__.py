"""Boilerplate labeling: rules as data, the rule labeler, a corpus signal, span removal,
gold annotations and evaluation.

>>> from builder.labeling import label, remove_spans
>>> text = "标题\\n点赞：12 浏览：345\\n正文第一句。"
>>> [(s.label, s.rule) for s in label(text)]
[('metadata', 'metadata.counter_line')]
>>> remove_spans(text, label(text))
'标题\\n正文第一句。'
"""

from builder.labeling.corpus_signal import RepeatedLineSignal
from builder.labeling.evaluate import EvaluationReport, evaluate_spans, format_report
from builder.labeling.gold import GoldDocument, GoldError, load_gold
from builder.labeling.labeler import label
from builder.labeling.removal import remove_spans
from builder.labeling.rules import Rule, RuleSet, load_rules

__all__ = [
    "EvaluationReport",
    "GoldDocument",
    "GoldError",
    "RepeatedLineSignal",
    "Rule",
    "RuleSet",
    "evaluate_spans",
    "format_report",
    "label",
    "load_gold",
    "load_rules",
    "remove_spans",
]
