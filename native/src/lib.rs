//! Compiled twins of the per-document core: the rule labeler (this file), the
//! normalizer (`normalize.rs`) and the corpus signal's line filter (`corpus_signal.rs`).
//! In each case the Python code is the reference and differential tests hold the twin
//! to its output; the package runs without this module, only slower.
//!
//! The labeler: the Python labeler is the reference: this crate runs the same passes in the
//! same order over the same rules (handed over by `builder.labeling.native`, which
//! also decides when this labeler may be used), and the differential tests in
//! `tests/test_native_labeler.py` hold the two to identical spans. Offsets are
//! code points, as in Python; regexes run per line on UTF-8 byte offsets that are
//! converted back to code points where a result leaves a line.
//!
//! Everything that Python and Rust define differently is passed in rather than
//! assumed: which characters are spaces (`str.isspace`), digits (`str.isdigit`),
//! and what ends a sentence. A regex error at run time (fancy-regex's backtrack
//! limit) is raised as `RuntimeError`, and the caller labels that document in Python.

use fancy_regex::{Expr, Regex as FancyRegex};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

mod corpus_signal;
mod normalize;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Line,
    Inline,
    Block,
    PageStart,
    SplitTitle,
}

/// One rule as `builder.labeling.native.rule_spec` describes it (a dict).
#[derive(FromPyObject)]
struct RuleSpec {
    #[pyo3(item)]
    scope: String,
    #[pyo3(item)]
    label: String,
    #[pyo3(item)]
    id: String,
    #[pyo3(item)]
    patterns: Vec<String>,
    #[pyo3(item)]
    exclude: Vec<String>,
    #[pyo3(item)]
    continue_patterns: Vec<String>,
    #[pyo3(item)]
    end_patterns: Vec<String>,
    #[pyo3(item)]
    ignore_case: bool,
    #[pyo3(item)]
    min_block_lines: i64,
    #[pyo3(item)]
    max_block_lines: i64,
    #[pyo3(item)]
    min_line_chars: i64,
    #[pyo3(item)]
    max_line_chars: i64,
    /// split_title: min_lines, max_lines, lookahead, min_matched, max_target_chars,
    /// max_unmatched; page_start: min_prev_chars, min_breaks (others: empty)
    #[pyo3(item)]
    int_params: Vec<i64>,
    /// split_title: min_coverage
    #[pyo3(item)]
    float_params: Vec<f64>,
    /// split_title: target_forbidden; page_start: terminal_chars
    #[pyo3(item)]
    str_param: String,
    /// `builder.labeling.rules.rule_gate`: a necessary condition for `patterns` to match
    #[pyo3(item)]
    gate_always: bool,
    #[pyo3(item)]
    gate_first: String,
    #[pyo3(item)]
    gate_digit: bool,
    #[pyo3(item)]
    gate_space: bool,
    #[pyo3(item)]
    gate_needed: String,
}

/// A hasher for `char` keys (the std SipHash is several times slower on them).
#[derive(Default)]
struct CharHasher(u64);

impl std::hash::Hasher for CharHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type CharMap<V> = HashMap<char, V, BuildHasherDefault<CharHasher>>;

/// Which rules may match a line, as one bit per rule (rule index = bit), from the
/// gates Python read off the patterns. More than 128 rules: every rule is tried.
#[derive(Default)]
struct Gates {
    always: u128,
    digit: u128,
    space: u128,
    head: CharMap<u128>,
    needed: CharMap<u128>,
}

impl Gates {
    fn of(specs: &[RuleSpec]) -> Gates {
        let mut g = Gates::default();
        for (k, spec) in specs.iter().enumerate() {
            if k >= 128 {
                return Gates { always: u128::MAX, ..Gates::default() };
            }
            let bit = 1u128 << k;
            if spec.gate_always {
                g.always |= bit;
                continue;
            }
            if spec.gate_digit {
                g.digit |= bit;
            }
            if spec.gate_space {
                g.space |= bit;
            }
            for c in spec.gate_first.chars() {
                *g.head.entry(c).or_insert(0) |= bit;
            }
            for c in spec.gate_needed.chars() {
                *g.needed.entry(c).or_insert(0) |= bit;
            }
        }
        g
    }

    /// The rules that may match `line`: a superset (digits and spaces are tested
    /// generously: `is_numeric` covers `\d`, `is_whitespace` plus C0 separators `\s`).
    fn mask(&self, line: &str) -> u128 {
        let mut mask = self.always;
        let mut chars = line.chars();
        let first = match chars.next() {
            Some(c) => c,
            None => return mask,
        };
        if let Some(m) = self.head.get(&first) {
            mask |= m;
        }
        if first.is_numeric() {
            mask |= self.digit;
        }
        if first.is_whitespace() || ('\x1c'..='\x1f').contains(&first) {
            mask |= self.space;
        }
        if !self.needed.is_empty() {
            for c in line.chars() {
                if let Some(m) = self.needed.get(&c) {
                    mask |= m;
                }
            }
        }
        mask
    }
}

struct Rule {
    scope: Scope,
    label: String,
    id: String,
    patterns: Vec<Pattern>,
    exclude: Vec<Pattern>,
    continue_patterns: Vec<Pattern>,
    end_patterns: Vec<Pattern>,
    min_block_lines: i64,
    max_block_lines: i64,
    min_line_chars: i64,
    max_line_chars: i64,
    ints: Vec<i64>,
    floats: Vec<f64>,
    chars: HashSet<char>,
}

type Fallible<T> = Result<T, String>;

/// One compiled pattern. The regex crate runs what it can; a pattern with look-around
/// runs in fancy-regex's backtracking VM behind a *gate*: the same pattern with its
/// look-arounds removed, which matches wherever the full pattern does (an assertion only
/// ever rejects), so a line the gate rejects is rejected without the VM.
enum Pattern {
    Plain(regex::Regex),
    Fancy { gate: Option<regex::Regex>, full: FancyRegex },
}

/// `e` with every look-around replaced by the empty expression.
fn relax(e: Expr) -> Expr {
    match e {
        Expr::LookAround(..) => Expr::Empty,
        Expr::Concat(v) => Expr::Concat(v.into_iter().map(relax).collect()),
        Expr::Alt(v) => Expr::Alt(v.into_iter().map(relax).collect()),
        Expr::Group(b) => Expr::Group(Box::new(relax(*b))),
        Expr::Repeat { child, lo, hi, greedy } => Expr::Repeat { child: Box::new(relax(*child)), lo, hi, greedy },
        other => other,
    }
}

/// True when `Expr::to_str` can write `e` for the regex crate (it panics otherwise).
fn is_plain(e: &Expr) -> bool {
    match e {
        Expr::LookAround(..) | Expr::Backref(_) | Expr::NamedBackref(_) | Expr::AtomicGroup(_) => false,
        Expr::Concat(v) | Expr::Alt(v) => v.iter().all(is_plain),
        Expr::Group(b) => is_plain(b),
        Expr::Repeat { child, .. } => is_plain(child),
        _ => true,
    }
}

fn gate_of(source: &str) -> Option<regex::Regex> {
    let tree = Expr::parse_tree(source).ok()?;
    let relaxed = relax(tree.expr);
    if !is_plain(&relaxed) {
        return None;
    }
    let mut buf = String::new();
    relaxed.to_str(&mut buf, 0);
    regex::Regex::new(&buf).ok()
}

impl Pattern {
    fn is_match(&self, text: &str) -> Fallible<bool> {
        match self {
            Pattern::Plain(re) => Ok(re.is_match(text)),
            Pattern::Fancy { gate, full } => {
                if gate.as_ref().map_or(false, |g| !g.is_match(text)) {
                    return Ok(false);
                }
                full.is_match(text).map_err(|e| e.to_string())
            }
        }
    }

    /// The first match starting at or after byte `pos` (look-behind sees before it, as in Python).
    fn find_from(&self, text: &str, pos: usize) -> Fallible<Option<(usize, usize)>> {
        match self {
            Pattern::Plain(re) => Ok(re.find_at(text, pos).map(|m| (m.start(), m.end()))),
            Pattern::Fancy { gate, full } => {
                if gate.as_ref().map_or(false, |g| g.shortest_match_at(text, pos).is_none()) {
                    return Ok(None);
                }
                let m = full.find_from_pos(text, pos).map_err(|e| e.to_string())?;
                Ok(m.map(|m| (m.start(), m.end())))
            }
        }
    }

    /// For an anchored pattern: the end of the match and the text of group 1, if any.
    fn match_end_and_group1<'t>(&self, text: &'t str) -> Fallible<Option<(usize, Option<&'t str>)>> {
        match self {
            // the DFA answers "no" quickly; captures need the slower NFA, so only on a match
            Pattern::Plain(re) if !re.is_match(text) => Ok(None),
            Pattern::Plain(re) => Ok(re.captures(text).map(|c| {
                (c.get(0).map_or(0, |m| m.end()), c.get(1).map(|g| g.as_str()))
            })),
            Pattern::Fancy { gate, full } => {
                if gate.as_ref().map_or(false, |g| !g.is_match(text)) {
                    return Ok(None);
                }
                let c = full.captures(text).map_err(|e| e.to_string())?;
                Ok(c.map(|c| (c.get(0).map_or(0, |m| m.end()), c.get(1).map(|g| g.as_str()))))
            }
        }
    }
}

fn compile(pattern: &str, ignore_case: bool, anchored: bool) -> Fallible<Pattern> {
    let mut source = String::new();
    if ignore_case {
        source.push_str("(?i)");
    }
    if anchored {
        source.push_str("^(?:");
        source.push_str(pattern);
        source.push(')');
    } else {
        source.push_str(pattern);
    }
    if let Ok(plain) = regex::Regex::new(&source) {
        return Ok(Pattern::Plain(plain));
    }
    let full = FancyRegex::new(&source).map_err(|e| format!("{pattern:?}: {e}"))?;
    Ok(Pattern::Fancy { gate: gate_of(&source), full })
}

fn compile_all(patterns: &[String], ignore_case: bool, anchored: bool) -> Fallible<Vec<Pattern>> {
    patterns.iter().map(|p| compile(p, ignore_case, anchored)).collect()
}

fn any_search(patterns: &[Pattern], line: &str) -> Fallible<bool> {
    for p in patterns {
        if p.is_match(line)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The per-line facts every pass needs, computed once per document.
struct Lines<'t> {
    lines: Vec<&'t str>,
    gates: Vec<u128>, // rules that may match each line (see `Gates`)
    chars: Vec<i64>,  // len(line) in code points
    starts: Vec<i64>, // code-point offset of each line in the text
}

#[pyclass(module = "zhwb_native")]
struct Labeler {
    rules: Vec<Rule>,
    line_level: Vec<usize>, // block, split_title, line: priority order
    line_rules: Vec<usize>,
    page_start: Vec<usize>,
    inline: Vec<usize>,
    spaces: HashSet<char>,
    digits: HashSet<char>,
    terminal: HashSet<char>,
    punct_or_space: HashSet<char>,
    page_marker_label: String,
    gates: Gates,
    divergent: normalize::CharSet,
}

impl Labeler {
    fn is_space(&self, c: char) -> bool {
        if c.is_ascii() {
            matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1f')
        } else {
            self.spaces.contains(&c)
        }
    }

    fn strip<'a>(&self, s: &'a str) -> &'a str {
        s.trim_matches(|c| self.is_space(c))
    }

    fn rstrip<'a>(&self, s: &'a str) -> &'a str {
        s.trim_end_matches(|c| self.is_space(c))
    }

    fn is_digit_str(&self, s: &str) -> bool {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || (!c.is_ascii() && self.digits.contains(&c)))
    }

    /// `_ends_open`: the line, stripped on the right, is not empty and does not end a sentence.
    fn ends_open(&self, line: &str, terminal: &HashSet<char>) -> bool {
        match self.rstrip(line).chars().last() {
            Some(c) => !terminal.contains(&c),
            None => false,
        }
    }

    fn fits(&self, r: &Rule, line: &str, chars: i64) -> Fallible<bool> {
        if chars < r.min_line_chars || chars > r.max_line_chars {
            return Ok(false);
        }
        Ok(!any_search(&r.exclude, line)?)
    }

    /// `Rule.matches_line` for rule `ri` on line `li`, behind the rule's gate.
    fn matches_line(&self, ri: usize, ls: &Lines, li: usize) -> Fallible<bool> {
        if ls.gates[li] >> ri & 1 == 0 {
            return Ok(false);
        }
        let (r, line, chars) = (&self.rules[ri], ls.lines[li], ls.chars[li]);
        if chars < r.min_line_chars || chars > r.max_line_chars || !any_search(&r.patterns, line)? {
            return Ok(false);
        }
        Ok(!any_search(&r.exclude, line)?)
    }

    fn try_block(&self, ri: usize, ls: &Lines, i: usize, claimed: &[Option<usize>]) -> Fallible<usize> {
        let r = &self.rules[ri];
        if !self.matches_line(ri, ls, i)? {
            return Ok(0);
        }
        let n = ls.lines.len();
        let mut j = i + 1;
        let mut closed = false;
        while j < n && ((j - i) as i64) < r.max_block_lines && claimed[j].is_none() {
            let (line, chars) = (ls.lines[j], ls.chars[j]);
            if !self.fits(r, line, chars)? {
                break;
            }
            if any_search(&r.end_patterns, line)? {
                j += 1;
                closed = true;
                break;
            }
            if any_search(&r.continue_patterns, line)? {
                let mut stopped = false;
                for &oi in &self.line_rules {
                    if self.rules[oi].label != r.label && self.matches_line(oi, ls, j)? {
                        stopped = true;
                        break;
                    }
                }
                if stopped {
                    break;
                }
                j += 1;
                continue;
            }
            break;
        }
        let size = j - i;
        if (size as i64) < r.min_block_lines && !closed {
            return Ok(0);
        }
        Ok(size)
    }

    fn try_split_title(&self, ri: usize, ls: &Lines, i: usize, claimed: &[Option<usize>]) -> Fallible<usize> {
        let r = &self.rules[ri];
        let (min_lines, max_lines, lookahead) = (r.ints[0], r.ints[1], r.ints[2]);
        let (min_matched, max_target_chars, max_unmatched) = (r.ints[3], r.ints[4], r.ints[5]);
        let min_coverage = r.floats[0];
        let n = ls.lines.len();
        let mut j = i;
        while j < n
            && ((j - i) as i64) < max_lines
            && claimed[j].is_none()
            && self.matches_line(ri, ls, j)?
        {
            j += 1;
        }
        if ((j - i) as i64) < min_lines {
            return Ok(0);
        }
        let words: Vec<&str> = ls.lines[i..j].iter().copied().filter(|t| !self.is_digit_str(t)).collect();
        if (words.len() as i64) < min_matched {
            return Ok(0);
        }
        let stop = (j as i64 + lookahead.max(0)).min(n as i64).max(j as i64) as usize;
        for t in j..stop {
            let target = self.strip(ls.lines[t]);
            let target_chars = target.chars().count() as i64;
            if target.is_empty() || target_chars > max_target_chars || target.chars().any(|c| r.chars.contains(&c)) {
                continue;
            }
            let mut pos = 0usize; // bytes: UTF-8 needles only match at character boundaries
            let mut matched: i64 = 0;
            let mut covered: i64 = 0;
            for w in &words {
                if let Some(k) = target[pos..].find(w) {
                    pos += k + w.len();
                    matched += 1;
                    covered += w.chars().count() as i64;
                }
            }
            if matched >= min_matched
                && (words.len() as i64) - matched <= max_unmatched
                && (covered as f64) >= min_coverage * (target_chars as f64)
            {
                return Ok(j - i);
            }
        }
        Ok(0)
    }

    /// `int(group)` as Python computes it: ASCII digits here, anything else by Python.
    fn parse_number(&self, py: Python<'_>, s: &str) -> PyResult<Option<i64>> {
        if !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(s.parse::<i64>().ok());
        }
        let int_type = py.get_type::<pyo3::types::PyLong>();
        match int_type.call1((s,)) {
            Ok(v) => Ok(Some(v.extract::<i64>()?)),
            Err(e) if e.is_instance_of::<PyValueError>(py) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `_page_starts`: (line, marker length in code points, breaking) of accepted markers.
    fn page_starts(
        &self,
        py: Python<'_>,
        ri: usize,
        ls: &Lines,
        claimed: &[Option<usize>],
    ) -> PyResult<Vec<(usize, i64, bool)>> {
        let r = &self.rules[ri];
        let (min_prev, min_breaks) = (r.ints[0], r.ints[1]);
        let mut accepted: Vec<(usize, i64, bool)> = Vec::new();
        let mut run: Vec<(usize, i64, i64, bool)> = Vec::new();
        fn close(run: &mut Vec<(usize, i64, i64, bool)>, accepted: &mut Vec<(usize, i64, bool)>, min_breaks: i64) {
            if run.len() >= 2 {
                let later: Vec<bool> = run[1..].iter().map(|x| x.3).collect();
                let breaks = later.iter().filter(|b| **b).count() as i64;
                if later.iter().all(|b| *b) && breaks >= min_breaks {
                    accepted.extend(run.iter().map(|&(i, _, ln, b)| (i, ln, b)));
                }
            }
            run.clear();
        }
        for (i, line) in ls.lines.iter().enumerate() {
            if claimed[i].is_some() || !self.fits(r, line, ls.chars[i]).map_err(PyRuntimeError::new_err)? {
                continue;
            }
            let mut found = None;
            for p in &r.patterns {
                if let Some(m) = p.match_end_and_group1(line).map_err(PyRuntimeError::new_err)? {
                    found = Some(m);
                    break;
                }
            }
            let (end, group1) = match found {
                Some(m) => m,
                None => continue,
            };
            let end_chars = line[..end].chars().count() as i64;
            if end_chars >= self.rstrip(line).chars().count() as i64 {
                continue;
            }
            let number = match group1 {
                Some(g) => match self.parse_number(py, g)? {
                    Some(v) => v,
                    None => continue,
                },
                None => continue,
            };
            let breaking = i > 0
                && claimed[i - 1].is_none()
                && ls.chars[i - 1] >= min_prev
                && self.ends_open(ls.lines[i - 1], &r.chars);
            if run.last().map_or(false, |last| number == last.1 + 1) {
                run.push((i, number, end_chars, breaking));
            } else {
                close(&mut run, &mut accepted, min_breaks);
                run.push((i, number, end_chars, breaking));
            }
        }
        close(&mut run, &mut accepted, min_breaks);
        Ok(accepted)
    }

    /// `_finalize`: whole-line claims to spans (start, end, rule).
    fn finalize(&self, ls: &Lines, claimed: &[Option<usize>]) -> Vec<(i64, i64, usize)> {
        let n = ls.lines.len();
        let mut spans = Vec::new();
        let mut tail = n;
        while tail > 0 && claimed[tail - 1].is_some() {
            tail -= 1;
        }
        for (i, c) in claimed.iter().enumerate() {
            let ri = match c {
                Some(ri) => *ri,
                None => continue,
            };
            let mut start = ls.starts[i];
            let mut end = ls.starts[i] + ls.chars[i];
            if self.rules[ri].label == self.page_marker_label
                && 0 < i
                && i < n - 1
                && claimed[i - 1].is_none()
                && claimed[i + 1].is_none()
                && self.ends_open(ls.lines[i - 1], &self.terminal)
                && !self.strip(ls.lines[i + 1]).is_empty()
            {
                spans.push((start - 1, end + 1, ri));
                continue;
            }
            if i >= tail && tail > 0 {
                start -= 1;
            } else if i < n - 1 {
                end += 1;
            }
            if end > start {
                spans.push((start, end, ri));
            }
        }
        spans
    }

    fn run(&self, py: Python<'_>, text: &str) -> PyResult<Vec<(i64, i64, usize)>> {
        let err = |e: String| PyRuntimeError::new_err(e);
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let lines: Vec<&str> = text.split('\n').collect();
        let n = lines.len();
        let chars: Vec<i64> = lines.iter().map(|l| l.chars().count() as i64).collect();
        let mut starts = Vec::with_capacity(n);
        let mut pos = 0i64;
        for c in &chars {
            starts.push(pos);
            pos += c + 1;
        }
        let gates = lines.iter().map(|l| self.gates.mask(l)).collect();
        let ls = Lines { lines, gates, chars, starts };
        let mut claimed: Vec<Option<usize>> = vec![None; n];

        // 1. line-level rules claim whole lines
        let mut i = 0;
        while i < n {
            if claimed[i].is_none() && !self.strip(ls.lines[i]).is_empty() {
                for &ri in &self.line_level {
                    let size = match self.rules[ri].scope {
                        Scope::Line => usize::from(self.matches_line(ri, &ls, i).map_err(err)?),
                        Scope::Block => self.try_block(ri, &ls, i, &claimed).map_err(err)?,
                        _ => self.try_split_title(ri, &ls, i, &claimed).map_err(err)?,
                    };
                    if size > 0 {
                        for slot in claimed.iter_mut().skip(i).take(size) {
                            *slot = Some(ri);
                        }
                        i += size - 1;
                        break;
                    }
                }
            }
            i += 1;
        }

        // 2. page numbers that open preview pages
        let mut markers: Vec<Option<(i64, i64, usize)>> = vec![None; n];
        for &ri in &self.page_start {
            for (li, length, breaking) in self.page_starts(py, ri, &ls, &claimed)? {
                if markers[li].is_some() {
                    continue;
                }
                let start = if breaking { ls.starts[li] - 1 } else { ls.starts[li] };
                markers[li] = Some((start, ls.starts[li] + length, ri));
            }
        }

        // 3. inline spam in lines no rule claimed
        let mut inline: Vec<(i64, i64, usize)> = Vec::new();
        if !self.inline.is_empty() {
            for li in 0..n {
                let line = ls.lines[li];
                if claimed[li].is_some() || line.is_empty() {
                    continue;
                }
                let floor_chars = markers[li].map_or(0, |m| m.1 - ls.starts[li]);
                let floor = byte_offset(line, floor_chars);
                let mut found: Vec<(usize, usize, usize)> = Vec::new(); // bytes
                for &ri in &self.inline {
                    let r = &self.rules[ri];
                    if ls.gates[li] >> ri & 1 == 0 || !self.fits(r, line, ls.chars[li]).map_err(err)? {
                        continue;
                    }
                    for p in &r.patterns {
                        let mut at = floor;
                        while at <= line.len() {
                            let (start, end) = match p.find_from(line, at).map_err(err)? {
                                Some(m) => m,
                                None => break,
                            };
                            if end == start {
                                // Python's finditer goes on differently after an empty match
                                return Err(err("an inline pattern matched the empty string".into()));
                            }
                            found.push((start, end, ri));
                            at = end;
                        }
                    }
                }
                if found.is_empty() {
                    continue;
                }
                found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1))); // stable, like Python's
                let mut kept: Vec<(usize, usize, usize)> = Vec::new();
                let mut last = floor;
                for &(s, e, r) in &found {
                    if s >= last {
                        kept.push((s, e, r));
                        last = e;
                    }
                }
                let mut leftover_ok = true;
                let mut p = 0;
                for &(s, e, _) in &kept {
                    if !line[p..s].chars().all(|c| self.punct_or_space.contains(&c)) {
                        leftover_ok = false;
                    }
                    p = e;
                }
                if !line[p..].chars().all(|c| self.punct_or_space.contains(&c)) {
                    leftover_ok = false;
                }
                let next_takes_lf = li + 1 < n && markers[li + 1].map_or(false, |m| m.0 < ls.starts[li + 1]);
                if markers[li].is_none() && !next_takes_lf && leftover_ok {
                    claimed[li] = Some(kept[0].2);
                    continue;
                }
                for &(s, e, r) in &kept {
                    let s_chars = ls.starts[li] + line[..s].chars().count() as i64;
                    let e_chars = s_chars + line[s..e].chars().count() as i64;
                    inline.push((s_chars, e_chars, r));
                }
            }
        }

        // 4. claims to spans, sorted as Python sorts Span objects, touching spans of a rule joined
        let mut spans = self.finalize(&ls, &claimed);
        spans.extend(markers.iter().flatten().copied());
        spans.extend(inline);
        spans.sort_by(|a, b| {
            (a.0, a.1, &self.rules[a.2].label, &self.rules[a.2].id).cmp(&(
                b.0,
                b.1,
                &self.rules[b.2].label,
                &self.rules[b.2].id,
            ))
        });
        let mut out: Vec<(i64, i64, usize)> = Vec::with_capacity(spans.len());
        for s in spans {
            if let Some(last) = out.last_mut() {
                if last.1 == s.0 && self.rules[last.2].id == self.rules[s.2].id && self.rules[last.2].label == self.rules[s.2].label {
                    last.1 = s.1;
                    continue;
                }
            }
            out.push(s);
        }
        Ok(out)
    }
}

/// Byte offset of code point `chars` in `line` (its length when past the end).
fn byte_offset(line: &str, chars: i64) -> usize {
    if chars <= 0 {
        return 0;
    }
    line.char_indices().nth(chars as usize).map_or(line.len(), |(b, _)| b)
}

#[pymethods]
impl Labeler {
    /// `Labeler(rules, spaces, digits, terminal, punct_or_space, page_marker_label)`:
    /// rules in priority order, as dicts (see `builder.labeling.native`); the
    /// character sets as strings. Raises ValueError when a pattern does not compile.
    #[new]
    fn new(
        rules: Vec<RuleSpec>,
        spaces: &str,
        digits: &str,
        terminal: &str,
        punct_or_space: &str,
        page_marker_label: String,
    ) -> PyResult<Self> {
        let gates = Gates::of(&rules);
        let mut compiled = Vec::with_capacity(rules.len());
        for spec in rules {
            let scope = match spec.scope.as_str() {
                "line" => Scope::Line,
                "inline" => Scope::Inline,
                "block" => Scope::Block,
                "page_start" => Scope::PageStart,
                "split_title" => Scope::SplitTitle,
                other => return Err(PyValueError::new_err(format!("{}: unknown scope {other:?}", spec.id))),
            };
            let need_ints = match scope {
                Scope::SplitTitle => 6,
                Scope::PageStart => 2,
                _ => 0,
            };
            if spec.int_params.len() < need_ints || (scope == Scope::SplitTitle && spec.float_params.is_empty()) {
                return Err(PyValueError::new_err(format!("{}: missing parameters", spec.id)));
            }
            let build = || -> Fallible<Rule> {
                Ok(Rule {
                    scope,
                    patterns: compile_all(&spec.patterns, spec.ignore_case, scope == Scope::PageStart)?,
                    exclude: compile_all(&spec.exclude, spec.ignore_case, false)?,
                    continue_patterns: compile_all(&spec.continue_patterns, spec.ignore_case, false)?,
                    end_patterns: compile_all(&spec.end_patterns, spec.ignore_case, false)?,
                    label: spec.label.clone(),
                    id: spec.id.clone(),
                    min_block_lines: spec.min_block_lines,
                    max_block_lines: spec.max_block_lines,
                    min_line_chars: spec.min_line_chars,
                    max_line_chars: spec.max_line_chars,
                    ints: spec.int_params.clone(),
                    floats: spec.float_params.clone(),
                    chars: spec.str_param.chars().collect(),
                })
            };
            compiled.push(build().map_err(|e| PyValueError::new_err(format!("{}: {e}", spec.id)))?);
        }
        let by = |keep: &dyn Fn(Scope) -> bool| -> Vec<usize> {
            compiled.iter().enumerate().filter(|(_, r)| keep(r.scope)).map(|(i, _)| i).collect()
        };
        Ok(Labeler {
            line_level: by(&|s| matches!(s, Scope::Line | Scope::Block | Scope::SplitTitle)),
            line_rules: by(&|s| s == Scope::Line),
            page_start: by(&|s| s == Scope::PageStart),
            inline: by(&|s| s == Scope::Inline),
            rules: compiled,
            spaces: spaces.chars().collect(),
            digits: digits.chars().collect(),
            terminal: terminal.chars().collect(),
            punct_or_space: punct_or_space.chars().collect(),
            page_marker_label,
            gates,
            divergent: normalize::CharSet::from_chars(""),
        })
    }

    /// Spans of `text` as `(start, end, rule index)`, sorted and joined as the Python labeler
    /// returns them; `None` when the text holds a character the regex engines read differently.
    fn label(&self, py: Python<'_>, text: &str) -> PyResult<Option<Vec<(i64, i64, usize)>>> {
        if text.chars().any(|c| self.divergent.has(c)) {
            return Ok(None);
        }
        self.run(py, text).map(Some)
    }

    /// Tell the labeler which characters the regex engines read differently
    /// (`engine_divergence.toml`); `label` returns `None` on a text holding one.
    fn set_divergent(&mut self, chars: &str) {
        self.divergent = normalize::CharSet::from_chars(chars);
    }

    /// Number of rules (a check that the Python side and this side agree on the list).
    fn __len__(&self) -> usize {
        self.rules.len()
    }
}

/// `find_all(pattern, text, ignore_case)`: the non-empty matches of one pattern as this
/// crate compiles it, as code-point offsets `(start, end)`. For the tests that compare
/// this engine with Python's `re` on every character.
#[pyfunction]
fn find_all(pattern: &str, text: &str, ignore_case: bool) -> PyResult<Vec<(usize, usize)>> {
    let re = compile(pattern, ignore_case, false).map_err(PyValueError::new_err)?;
    let mut out = Vec::new();
    let mut at = 0;
    let mut chars_before = 0; // code points in text[..at]
    while at <= text.len() {
        let (s, e) = match re.find_from(text, at).map_err(PyRuntimeError::new_err)? {
            Some(m) => m,
            None => break,
        };
        if s == e {
            return Err(PyValueError::new_err("find_all: the pattern matched the empty string"));
        }
        let start = chars_before + text[at..s].chars().count();
        let end = start + text[s..e].chars().count();
        out.push((start, end));
        chars_before = end;
        at = e;
    }
    Ok(out)
}

#[pymodule]
fn zhwb_native(_py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_class::<Labeler>()?;
    m.add_class::<normalize::Normalizer>()?;
    m.add_class::<corpus_signal::LineFilter>()?;
    m.add_function(wrap_pyfunction!(corpus_signal::line_hash64, m)?)?;
    m.add_function(wrap_pyfunction!(find_all, m)?)?;
    Ok(())
}
