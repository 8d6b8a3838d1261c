//! A compiled twin of `builder/normalize/pipeline.py` (configurations with every step on).
//!
//! The Python normalizer is the reference. This module runs the same steps in the
//! same order on code points (`Vec<char>`, so every offset is a Python offset), builds
//! the same sparse alignment (ports of `apply_edits` and `Alignment.then`) and counts
//! the same edit families; `tests/test_native_normalizer.py` holds the two to identical
//! text, alignment and counts.
//!
//! What it does not do, it hands back: `normalize` returns `None` (and the caller
//! runs the Python pipeline) when OpenCC changes the length of a piece, when a repair
//! is still pending after the first round, or when edits would overlap. OpenCC is
//! called through its C API (`OpenccC`, or the Python binding when that is missing) and
//! ftfy through the Python step (only when its cheap check finds a candidate); neither
//! is reimplemented. One scan per text classifies every character for all the steps'
//! cheap checks (`Normalizer::scan`), so a step that cannot apply costs nothing. The data patterns
//! (pinyin syllables, URLs, bibliography lines, list numerals, the mojibake hint, the
//! artifact lexicon) and the character classes come from the Python side.

use crate::{compile, Pattern};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::AsPyPointer;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};

type Outcome<T> = Result<T, &'static str>;

/// OpenCC's C API, taken from the extension module the `opencc` package already loaded
/// (its shared object exports `opencc_open`, `opencc_convert_utf8`, ...). Calling it
/// directly skips four conversions between Python strings and UTF-8 per document; the
/// dictionaries, the configuration and the code are the ones the Python binding uses.
struct OpenccC {
    handle: *mut c_void,
    convert: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> *mut c_char,
    free: unsafe extern "C" fn(*mut c_char),
    close: unsafe extern "C" fn(*mut c_void) -> c_int,
}

// SAFETY: the handle is only used from `Normalizer::normalize`, which holds the GIL
// except while the Python callbacks run; OpenCC's converter is read-only once opened.
unsafe impl Send for OpenccC {}

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

impl OpenccC {
    /// `library`: the loaded module's file; `config`: the path of the configuration JSON.
    fn open(library: &str, config: &str) -> Option<OpenccC> {
        const RTLD_NOW: c_int = 2;
        const RTLD_NOLOAD: c_int = 4; // only a library that is already loaded
        let library = CString::new(library).ok()?;
        let config = CString::new(config).ok()?;
        unsafe {
            let lib = dlopen(library.as_ptr(), RTLD_NOW | RTLD_NOLOAD);
            if lib.is_null() {
                return None;
            }
            let sym = |name: &[u8]| {
                let p = dlsym(lib, name.as_ptr() as *const c_char);
                (!p.is_null()).then_some(p)
            };
            let open: unsafe extern "C" fn(*const c_char) -> *mut c_void = std::mem::transmute(sym(b"opencc_open\0")?);
            let convert = std::mem::transmute(sym(b"opencc_convert_utf8\0")?);
            let free = std::mem::transmute(sym(b"opencc_convert_utf8_free\0")?);
            let close = std::mem::transmute(sym(b"opencc_close\0")?);
            let handle = open(config.as_ptr());
            if handle.is_null() || handle as isize == -1 {
                return None;
            }
            Some(OpenccC { handle, convert, free, close })
        }
    }

    /// The conversion of `t`, or None when the library reports an error.
    fn convert(&self, t: &[char]) -> Option<Vec<char>> {
        let input = to_utf8(t);
        unsafe {
            let out = (self.convert)(self.handle, input.as_ptr() as *const c_char, input.len());
            if out.is_null() {
                return None;
            }
            let converted = CStr::from_ptr(out).to_str().ok().map(|s| s.chars().collect());
            (self.free)(out);
            converted
        }
    }
}

impl Drop for OpenccC {
    fn drop(&mut self) {
        unsafe {
            (self.close)(self.handle);
        }
    }
}

/// A set of characters given as the body of a Python regex class (`a-z` ranges allowed):
/// a bitmap of the Basic Multilingual Plane, and sorted ranges above it.
#[derive(Clone)]
pub(crate) struct CharSet {
    bmp: Vec<u64>,
    ranges: Vec<(char, char)>,
}

impl CharSet {
    fn from_class(body: &str) -> CharSet {
        let chars: Vec<char> = body.chars().collect();
        let mut pairs = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                pairs.push((chars[i], chars[i + 2]));
                i += 3;
            } else {
                pairs.push((chars[i], chars[i]));
                i += 1;
            }
        }
        CharSet::from_pairs(pairs)
    }

    pub(crate) fn from_chars(chars: &str) -> CharSet {
        CharSet::from_pairs(chars.chars().map(|c| (c, c)).collect())
    }

    fn union(&self, other: &CharSet) -> CharSet {
        let mut pairs = self.ranges.clone();
        pairs.extend(other.ranges.iter().copied());
        let mut set = CharSet::from_pairs(pairs);
        for (k, word) in set.bmp.iter_mut().enumerate() {
            *word = self.bmp[k] | other.bmp[k];
        }
        set
    }

    fn from_pairs(mut pairs: Vec<(char, char)>) -> CharSet {
        let mut set = CharSet { bmp: vec![0u64; 1024], ranges: Vec::new() };
        pairs.sort();
        for (lo, hi) in pairs {
            for code in (lo as u32)..=(hi as u32).min(0xFFFF) {
                set.bmp[(code >> 6) as usize] |= 1u64 << (code & 63);
            }
            if (hi as u32) < 0x10000 {
                continue;
            }
            let lo = lo.max('\u{10000}');
            match set.ranges.last_mut() {
                Some(last) if (lo as u32) <= (last.1 as u32) + 1 => {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                }
                _ => set.ranges.push((lo, hi)),
            }
        }
        set
    }

    #[inline]
    pub(crate) fn has(&self, c: char) -> bool {
        let code = c as u32;
        if code < 0x10000 {
            return self.bmp[(code >> 6) as usize] & (1u64 << (code & 63)) != 0;
        }
        let k = self.ranges.partition_point(|&(lo, _)| lo <= c);
        k > 0 && c <= self.ranges[k - 1].1
    }
}

// What a character can set off, one bit per cheap check (see `Normalizer::scan`).
const F_CONTROL: u16 = 1 << 0; // CR, a control character, C1, U+FEFF/FFFE/FFFF
const F_HINT0: u16 = 1 << 1; // can start a mojibake hint
const F_HINT1: u16 = 1 << 2; // can be its second character
const F_GBK_LEAD: u16 = 1 << 3;
const F_TONE: u16 = 1 << 4; // a tone-marked vowel (pinyin)
const F_CHANGING: u16 = 1 << 5; // OpenCC may change it
const F_ART_FIRST: u16 = 1 << 6; // starts an artifact word
const F_PUNCT: u16 = 1 << 7; // , ; : ! ? . ( ) "
const F_DIVERGENT: u16 = 1 << 8;
const F_KEYED: u16 = 1 << 9; // in some OpenCC dictionary key

/// The checks a text sets off: the OR of its characters' bits, and whether a hint's
/// first character is followed by a possible second one.
#[derive(Clone, Copy)]
struct Scan {
    flags: u16,
    hint_pair: bool,
}

impl Scan {
    fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

/// The families of `builder.normalize.families.EDIT_FAMILIES`, by index.
struct Families {
    names: Vec<String>,
    line_endings: usize,
    control_chars: usize,
    gbk_mojibake: usize,
    pinyin: usize,
    lost_char: usize,
    t2s: usize,
    punctuation: usize,
    quotes: usize,
    whitespace: usize,
    blank_lines: usize,
    letter_spacing: usize,
}

impl Families {
    fn new(names: Vec<String>) -> PyResult<Families> {
        let at = |name: &str| {
            names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| PyValueError::new_err(format!("edit family {name:?} is not in EDIT_FAMILIES")))
        };
        Ok(Families {
            line_endings: at("line_endings")?,
            control_chars: at("control_chars")?,
            gbk_mojibake: at("gbk_mojibake")?,
            pinyin: at("pinyin")?,
            lost_char: at("lost_char")?,
            t2s: at("t2s")?,
            punctuation: at("punctuation")?,
            quotes: at("quotes")?,
            whitespace: at("whitespace")?,
            blank_lines: at("blank_lines")?,
            letter_spacing: at("letter_spacing")?,
            names,
        })
    }
}

/// Replace `start..end` with `rep` (a port of `TextEdit`).
struct Edit {
    start: usize,
    end: usize,
    rep: Vec<char>,
    family: usize,
}

impl Edit {
    fn delete(start: usize, end: usize, family: usize) -> Edit {
        Edit { start, end, rep: Vec::new(), family }
    }
}

/// Breakpoints `(text_offsets, raw_offsets)` of one alignment.
type Breakpoints = (Vec<usize>, Vec<usize>);

/// Port of `builder.alignment.apply_edits`.
fn apply_edits(text: &[char], edits: &[Edit]) -> Outcome<(Vec<char>, Breakpoints)> {
    let n = text.len();
    let mut out: Vec<char> = Vec::with_capacity(n);
    let mut tos: Vec<usize> = vec![0];
    let mut ros: Vec<usize> = vec![0];
    let (mut npos, mut pos, mut carry) = (0usize, 0usize, false);
    for edit in edits {
        let (start, end) = (edit.start, edit.end);
        if start < pos || end < start || end > n {
            return Err("edits overlap or leave the text");
        }
        if start > pos {
            out.extend_from_slice(&text[pos..start]);
            if carry {
                tos.push(1);
                ros.push(pos + 1);
                carry = false;
            }
            npos += start - pos;
            pos = start;
        }
        let k = edit.rep.len();
        if k > 0 {
            out.extend_from_slice(&edit.rep);
            if k == end - start && !carry {
                npos += k;
                pos = end;
                continue;
            }
            if *tos.last().unwrap() != npos {
                tos.push(npos);
                ros.push(pos);
            }
            npos += k;
            pos = end;
            tos.push(npos);
            ros.push(pos);
            carry = false;
        } else if end > start {
            if npos == 0 {
                carry = true;
                pos = end;
                continue;
            }
            if *tos.last().unwrap() == npos {
                *ros.last_mut().unwrap() = end;
            } else {
                if *tos.last().unwrap() != npos - 1 {
                    tos.push(npos - 1);
                    ros.push(pos - 1);
                }
                tos.push(npos);
                ros.push(end);
            }
            pos = end;
        }
    }
    if pos < n {
        out.extend_from_slice(&text[pos..]);
        if carry {
            tos.push(1);
            ros.push(pos + 1);
        }
        npos += n - pos;
        pos = n;
    }
    if out.is_empty() {
        return Ok((out, (vec![0, 0], vec![0, n])));
    }
    if *tos.last().unwrap() != npos || *ros.last().unwrap() != pos {
        tos.push(npos);
        ros.push(pos);
    }
    Ok((out, (tos, ros)))
}

/// Port of `Alignment.then`: `first` maps mid→raw, `step` maps new→mid.
fn then(first: &Breakpoints, step: &Breakpoints) -> Outcome<Breakpoints> {
    let (pts, prs) = (&first.0, &first.1);
    let (sts, srs) = (&step.0, &step.1);
    if *srs.last().unwrap() != *pts.last().unwrap() {
        return Err("step does not start from this alignment's text");
    }
    if *sts.last().unwrap() == 0 {
        return Ok((vec![0, 0], vec![0, *prs.last().unwrap()]));
    }
    if pts.len() == 2 && pts[1] == prs[1] {
        return Ok(step.clone());
    }
    let last = pts.len() - 1;
    let mut out_t: Vec<usize> = vec![0];
    let mut out_r: Vec<usize> = vec![0];
    let mut i = 0usize;
    let mut j = 1usize;
    let raw_of = |m: usize, i: &mut usize| -> usize {
        if m >= pts[last] {
            return prs[last];
        }
        while pts[*i + 1] <= m {
            *i += 1;
        }
        let (t0, t1, r0) = (pts[*i], pts[*i + 1], prs[*i]);
        if m == t0 {
            return r0;
        }
        r0 + ((m - t0) * (prs[*i + 1] - r0)) / (t1 - t0)
    };
    fn add(out_t: &mut Vec<usize>, out_r: &mut Vec<usize>, t: usize, r: usize) {
        let nt = out_t.len();
        if t == out_t[nt - 1] {
            if r > out_r[nt - 1] {
                out_r[nt - 1] = r;
            }
            return;
        }
        if nt >= 2 {
            let (t0, r0, t1, r1) = (out_t[nt - 2], out_r[nt - 2], out_t[nt - 1], out_r[nt - 1]);
            if t1 - t0 == r1 - r0 && t as i64 - t1 as i64 == r as i64 - r1 as i64 {
                out_t[nt - 1] = t;
                out_r[nt - 1] = r;
                return;
            }
        }
        out_t.push(t);
        out_r.push(r);
    }
    for k in 0..sts.len() - 1 {
        let (p0, p1, m0, m1) = (sts[k], sts[k + 1], srs[k], srs[k + 1]);
        let r = raw_of(m0, &mut i);
        add(&mut out_t, &mut out_r, p0, r);
        if p1 - p0 == m1 - m0 && p1 > p0 {
            // bisect_right(pts, m0, j) and bisect_left(pts, m1, a)
            let a = j + pts[j..].partition_point(|&x| x <= m0);
            let b = a + pts[a..].partition_point(|&x| x < m1);
            if a < b {
                for q in a..b {
                    out_t.push(pts[q] + p0 - m0);
                    out_r.push(prs[q]);
                }
                j = b;
            }
        }
    }
    let r = raw_of(*srs.last().unwrap(), &mut i);
    add(&mut out_t, &mut out_r, *sts.last().unwrap(), r);
    if out_t.len() == 1 {
        out_t.push(out_t[0]);
        out_r.push(*prs.last().unwrap());
    }
    Ok((out_t, out_r))
}

/// One row of `conversion_artifacts.tsv` (see `builder.normalize.artifacts`).
#[derive(FromPyObject)]
struct ArtifactSpec {
    #[pyo3(item)]
    wrong: String,
    #[pyo3(item)]
    right: String,
    #[pyo3(item)]
    family: String,
    #[pyo3(item)]
    group: String,
    /// context bodies as written in the lexicon, without the `!`
    #[pyo3(item)]
    left: String,
    #[pyo3(item)]
    left_negated: bool,
    #[pyo3(item)]
    right_context: String,
    #[pyo3(item)]
    right_negated: bool,
    #[pyo3(item)]
    weight: f64,
}

struct Artifact {
    right: Vec<char>,
    family: usize,
    group: usize,
    left: Option<regex::Regex>,
    left_negated: bool,
    right_context: Option<regex::Regex>,
    right_negated: bool,
    weight: f64,
}

/// What `NativeNormalizer.new` is given (a dict built by `builder.normalize.native`).
#[derive(FromPyObject)]
struct NormalizerSpec {
    #[pyo3(item)]
    families: Vec<String>,
    #[pyo3(item)]
    han: String,
    #[pyo3(item)]
    cjk_open: String,
    #[pyo3(item)]
    cjk_close: String,
    #[pyo3(item)]
    cjk_punct: String,
    #[pyo3(item)]
    inline_space: String,
    /// every character for which Python's `str.isspace` holds
    #[pyo3(item)]
    python_spaces: String,
    #[pyo3(item)]
    mojibake_hint: String,
    /// what the first two characters of a hint match can be (empty when unknown): a cheap check first
    #[pyo3(item)]
    mojibake_hint_prefix: Vec<String>,
    /// characters that start a run of UTF-8 read as GBK (`gbk_mojibake` gate)
    #[pyo3(item)]
    gbk_lead: String,
    /// the characters a run may hold, with their two GBK bytes
    #[pyo3(item)]
    gbk_members: HashMap<String, (u8, u8)>,
    /// members whose GBK bytes do not decode back to them (a repair must round-trip)
    #[pyo3(item)]
    gbk_one_way: String,
    /// every character in GB2312 (a repair must be common Chinese)
    #[pyo3(item)]
    gb2312: String,
    #[pyo3(item)]
    max_gbk_run: usize,
    #[pyo3(item)]
    pinyin_syllable: String,
    /// the tone-marked vowels (`pinyin` gate)
    #[pyo3(item)]
    pinyin_gate: String,
    #[pyo3(item)]
    lost: String,
    #[pyo3(item)]
    url: String,
    #[pyo3(item)]
    reference_issue: String,
    #[pyo3(item)]
    reference_tag: String,
    /// per reference pattern: sets of characters, one of each in every match
    #[pyo3(item)]
    reference_needs: Vec<Vec<String>>,
    /// per reference pattern: run it without the regex crate's literal prefilter
    #[pyo3(item)]
    reference_unfiltered: Vec<bool>,
    #[pyo3(item)]
    list_numerals: String,
    /// most numerals in one list marker
    #[pyo3(item)]
    list_marker_max: usize,
    /// characters allowed before a list marker (`list_numeral`'s look-behind)
    #[pyo3(item)]
    list_marker_before: String,
    /// spaces skipped back from a list marker before looking for a Han character
    #[pyo3(item)]
    list_marker_spaces: String,
    #[pyo3(item)]
    full_width: HashMap<String, String>,
    #[pyo3(item)]
    artifacts: Vec<ArtifactSpec>,
    /// thresholds of the artifact groups, already multiplied by the evidence scale
    #[pyo3(item)]
    thresholds: HashMap<String, f64>,
    #[pyo3(item)]
    left_window: usize,
    /// characters the regex engines read differently (`engine_divergence.toml`)
    #[pyo3(item)]
    divergent: String,
    /// characters OpenCC can change, and characters in some key (`builder.normalize.opencc_dicts`), if known
    #[pyo3(item)]
    t2s_changing: Option<String>,
    #[pyo3(item)]
    t2s_keyed: Option<String>,
    /// the loaded OpenCC extension module's file and the configuration's JSON path,
    /// for its C API (None: call the Python binding)
    #[pyo3(item)]
    opencc_library: Option<String>,
    #[pyo3(item)]
    opencc_config_path: Option<String>,
}

#[pyclass(module = "zhwb_native")]
pub struct Normalizer {
    fam: Families,
    han: CharSet,
    open_close: CharSet, // CJK_OPEN + CJK_CLOSE
    left_of_mark: CharSet, // HAN + CJK_CLOSE
    cjk_punct: CharSet,
    inline_space: CharSet,
    py_space: CharSet,
    mojibake_hint: Pattern,
    mojibake_hint_prefix: Vec<CharSet>,
    gbk_lead: CharSet,
    gbk_encode: HashMap<char, (u8, u8)>,
    gbk_one_way: CharSet,
    gb2312: std::collections::HashSet<char>,
    max_gbk_run: usize,
    mojibake: PyObject,
    pinyin_lost: regex::Regex,
    pinyin_reading: regex::Regex,
    pinyin_gate: CharSet,
    lost: char,
    url: regex::Regex,
    references: Vec<regex::Regex>,
    reference_needs: Vec<Vec<CharSet>>,
    numerals: CharSet,
    marker_max: usize,
    marker_before: CharSet,
    marker_spaces: CharSet,
    full_width: [char; 128], // '\0': no full-width form
    artifact_words: Vec<Vec<char>>,       // longest first, then by text (the Python scan's order)
    artifact_rules: Vec<Vec<Artifact>>,   // the rows of each word, in file order
    artifact_first: CharSet,
    group_names: Vec<String>,
    thresholds: Vec<f64>,
    left_window: usize,
    divergent: CharSet,
    t2s: PyObject,
    t2s_changing: Option<CharSet>,
    t2s_keyed: Option<CharSet>,
    /// the `F_*` bits of every BMP character (characters above are classified one by one)
    classes: Vec<u16>,
    opencc_c: Option<OpenccC>,
}

/// Code-point offsets of regex matches, converted from byte offsets as they come (in order).
struct CharCursor<'t> {
    text: &'t str,
    byte: usize,
    chars: usize,
}

impl<'t> CharCursor<'t> {
    fn new(text: &'t str) -> Self {
        CharCursor { text, byte: 0, chars: 0 }
    }
    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// The text as UTF-8 (`String::from_iter` pushes one character at a time; this is
/// several times faster on long texts).
fn to_utf8(t: &[char]) -> String {
    let len: usize = t.iter().map(|c| c.len_utf8()).sum();
    let mut bytes: Vec<u8> = Vec::with_capacity(len);
    // SAFETY: exactly `len` bytes are written (the lengths summed above), each
    // character encoded as UTF-8 by hand, so the buffer is valid UTF-8
    unsafe {
        let mut p = bytes.as_mut_ptr();
        for &c in t {
            let u = c as u32;
            if u < 0x80 {
                *p = u as u8;
                p = p.add(1);
            } else if u < 0x800 {
                *p = (0xC0 | (u >> 6)) as u8;
                *p.add(1) = (0x80 | (u & 0x3F)) as u8;
                p = p.add(2);
            } else if u < 0x10000 {
                *p = (0xE0 | (u >> 12)) as u8;
                *p.add(1) = (0x80 | ((u >> 6) & 0x3F)) as u8;
                *p.add(2) = (0x80 | (u & 0x3F)) as u8;
                p = p.add(3);
            } else {
                *p = (0xF0 | (u >> 18)) as u8;
                *p.add(1) = (0x80 | ((u >> 12) & 0x3F)) as u8;
                *p.add(2) = (0x80 | ((u >> 6) & 0x3F)) as u8;
                *p.add(3) = (0x80 | (u & 0x3F)) as u8;
                p = p.add(4);
            }
        }
        bytes.set_len(len);
        String::from_utf8_unchecked(bytes)
    }
}

/// The text as UTF-8, with the byte offset of every code point (and of the end).
fn utf8_with_offsets(t: &[char]) -> (String, Vec<usize>) {
    let mut s = String::with_capacity(t.len() * 3);
    let mut offsets = Vec::with_capacity(t.len() + 1);
    for &c in t {
        offsets.push(s.len());
        s.push(c);
    }
    offsets.push(s.len());
    (s, offsets)
}

/// The code points of a Python `str`, copied as UCS-4 (no UTF-8 round trip); `None`
/// when it holds a lone surrogate, which a Rust `char` cannot be.
fn chars_of(text: &PyAny) -> PyResult<Option<Vec<char>>> {
    let ptr = text.as_ptr();
    unsafe {
        if pyo3::ffi::PyUnicode_Check(ptr) == 0 {
            return Err(pyo3::exceptions::PyTypeError::new_err("expected a str"));
        }
        let len = pyo3::ffi::PyUnicode_GetLength(ptr);
        if len < 0 {
            return Err(PyErr::fetch(text.py()));
        }
        let len = len as usize;
        let mut buf: Vec<u32> = Vec::with_capacity(len + 1);
        if pyo3::ffi::PyUnicode_AsUCS4(ptr, buf.as_mut_ptr(), (len + 1) as pyo3::ffi::Py_ssize_t, 1).is_null() {
            return Err(PyErr::fetch(text.py()));
        }
        buf.set_len(len);
        if buf.iter().any(|&u| (0xD800..0xE000).contains(&u)) {
            return Ok(None);
        }
        // every value is a scalar value now (CPython strings stay below 0x110000)
        let mut buf = std::mem::ManuallyDrop::new(buf);
        Ok(Some(Vec::from_raw_parts(buf.as_mut_ptr() as *mut char, buf.len(), buf.capacity())))
    }
}

/// A Python `str` made from code points (CPython picks the narrowest storage).
fn str_of(py: Python<'_>, t: &[char]) -> PyResult<PyObject> {
    unsafe {
        let ptr = pyo3::ffi::PyUnicode_FromKindAndData(
            pyo3::ffi::PyUnicode_4BYTE_KIND as std::os::raw::c_int,
            t.as_ptr() as *const std::os::raw::c_void,
            t.len() as pyo3::ffi::Py_ssize_t,
        );
        PyObject::from_owned_ptr_or_err(py, ptr)
    }
}

fn single_char(s: &str) -> PyResult<char> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(PyValueError::new_err(format!("expected one character, got {s:?}"))),
    }
}

/// `pattern`, and with `unfiltered` behind an empty group: the same matches, but the
/// regex crate then scans with its DFA alone instead of stopping at every candidate of
/// a literal prefilter (for a pattern that starts with a digit, every digit).
fn plain_maybe_unfiltered(pattern: &str, unfiltered: bool) -> PyResult<regex::Regex> {
    if unfiltered {
        plain(&format!("(?:)(?:{pattern})"))
    } else {
        plain(pattern)
    }
}

fn plain(pattern: &str) -> PyResult<regex::Regex> {
    regex::Regex::new(pattern).map_err(|e| PyValueError::new_err(format!("{pattern:?}: {e}")))
}

impl Normalizer {
    fn is_py_space(&self, c: char) -> bool {
        self.py_space.has(c)
    }

    fn all_space(&self, text: &[char]) -> bool {
        text.iter().all(|&c| self.is_py_space(c))
    }

    fn classify(&self, c: char) -> u16 {
        let mut f = 0;
        let u = c as u32;
        if c == '\r' || Self::is_control(c) || (0x80..=0x9f).contains(&u) {
            f |= F_CONTROL;
        }
        if let Some(set) = self.mojibake_hint_prefix.first() {
            if set.has(c) {
                f |= F_HINT0;
            }
        }
        if let Some(set) = self.mojibake_hint_prefix.get(1) {
            if set.has(c) {
                f |= F_HINT1;
            }
        }
        if self.gbk_lead.has(c) {
            f |= F_GBK_LEAD;
        }
        if self.pinyin_gate.has(c) {
            f |= F_TONE;
        }
        if self.t2s_changing.as_ref().map_or(false, |set| set.has(c)) {
            f |= F_CHANGING;
        }
        if self.artifact_first.has(c) {
            f |= F_ART_FIRST;
        }
        if matches!(c, ',' | ';' | ':' | '!' | '?' | '.' | '(' | ')' | '"') {
            f |= F_PUNCT;
        }
        if self.divergent.has(c) {
            f |= F_DIVERGENT;
        }
        if self.t2s_keyed.as_ref().map_or(false, |set| set.has(c)) {
            f |= F_KEYED;
        }
        f
    }

    #[inline]
    fn class_of(&self, c: char) -> u16 {
        let u = c as u32;
        if u < 0x10000 {
            self.classes[u as usize]
        } else {
            self.classify(c)
        }
    }

    fn class_table(&self) -> Vec<u16> {
        (0u32..0x10000).map(|u| char::from_u32(u).map_or(0, |c| self.classify(c))).collect()
    }

    /// One pass over the text for every cheap check of the pipeline (each a necessary
    /// condition for its step to find anything), so a step that cannot apply costs nothing.
    fn scan(&self, t: &[char]) -> Scan {
        let (mut flags, mut prev, mut pair) = (0u16, 0u16, false);
        for &c in t {
            let f = self.class_of(c);
            pair |= prev & F_HINT0 != 0 && f & F_HINT1 != 0;
            flags |= f;
            prev = f;
        }
        let hint_pair = match self.mojibake_hint_prefix.len() {
            0 => true, // nothing known: the regex decides
            1 => flags & F_HINT0 != 0,
            _ => pair,
        };
        Scan { flags, hint_pair }
    }

    // -- step 2: line ends and controls ----------------------------------------

    fn is_control(c: char) -> bool {
        matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
    }

    /// `first_pass`: a Latin-1 lead character followed by C1 controls is kept for ftfy.
    fn controls(&self, t: &[char], first_pass: bool) -> Vec<Edit> {
        let mut edits = Vec::new();
        let n = t.len();
        // the cheap check: every character this step looks at is below U+00A0 or at U+FEFF and above
        let Some(first) = t.iter().position(|&c| {
            let u = c as u32;
            !((0x20..0x7f).contains(&u) || c == '\n' || c == '\t' || (0xa0..0xfeff).contains(&u))
        }) else {
            return edits;
        };
        let mut i = first.saturating_sub(1); // a C1 run may follow a Latin-1 lead character
        while i < n {
            let c = t[i];
            if c == '\r' {
                let end = if i + 1 < n && t[i + 1] == '\n' { i + 2 } else { i + 1 };
                edits.push(Edit { start: i, end, rep: vec!['\n'], family: self.fam.line_endings });
                i = end;
                continue;
            }
            if first_pass && ('\u{c2}'..='\u{f4}').contains(&c) && i + 1 < n && Self::is_c1(t[i + 1]) {
                i += 1;
                while i < n && Self::is_c1(t[i]) {
                    i += 1;
                }
                continue;
            }
            if Self::is_control(c) || Self::is_c1(c) {
                edits.push(Edit::delete(i, i + 1, self.fam.control_chars));
            }
            i += 1;
        }
        edits
    }

    fn is_c1(c: char) -> bool {
        ('\u{80}'..='\u{9f}').contains(&c)
    }

    // -- step 3: mojibake -------------------------------------------------------------

    /// The ftfy step, in Python, when its cheap check finds a candidate.
    fn mojibake(&self, py: Python<'_>, t: &[char]) -> PyResult<Vec<Edit>> {
        // a match starts with one character of each prefix set, in order
        let k = self.mojibake_hint_prefix.len();
        if k > 0 && !t.windows(k).any(|w| w.iter().zip(&self.mojibake_hint_prefix).all(|(&c, set)| set.has(c))) {
            return Ok(Vec::new());
        }
        let s = to_utf8(t);
        let s = s.as_str();
        match self.mojibake_hint.is_match(s) {
            Ok(false) => return Ok(Vec::new()),
            Ok(true) => {}
            Err(e) => return Err(pyo3::exceptions::PyRuntimeError::new_err(e)),
        }
        let found: Vec<(usize, usize, String, String)> = self.mojibake.call1(py, (s,))?.extract(py)?;
        let mut edits = Vec::with_capacity(found.len());
        for (start, end, rep, family) in found {
            let family = self.fam.names.iter().position(|n| *n == family).ok_or_else(|| {
                PyValueError::new_err(format!("mojibake step returned an unknown family {family:?}"))
            })?;
            edits.push(Edit { start, end, rep: rep.chars().collect(), family });
        }
        Ok(edits)
    }

    /// Port of `gbk_mojibake.repair_segment`: the UTF-8 reading of the segment's GBK bytes.
    fn gbk_repair(&self, segment: &[char]) -> Option<Vec<char>> {
        let mut bytes = Vec::with_capacity(2 * segment.len());
        for c in segment {
            let (a, b) = self.gbk_encode.get(c)?;
            bytes.push(*a);
            bytes.push(*b);
        }
        let fixed = std::str::from_utf8(&bytes).ok()?;
        if fixed.is_empty() {
            return None;
        }
        // the bytes must read back as the same segment (a strict round trip)
        if segment.iter().any(|&c| self.gbk_one_way.has(c)) {
            return None;
        }
        let chars: Vec<char> = fixed.chars().collect();
        if chars.iter().all(|c| self.gb2312.contains(c)) {
            Some(chars)
        } else {
            None
        }
    }

    /// Port of `gbk_mojibake.find_edits`.
    fn gbk_mojibake(&self, t: &[char], family: usize) -> Vec<Edit> {
        let mut edits = Vec::new();
        let n = t.len();
        let mut i = 0;
        while i + 1 < n {
            if !(self.gbk_lead.has(t[i]) && self.gbk_encode.contains_key(&t[i + 1])) {
                i += 1;
                continue;
            }
            let mut end = i + 2;
            while end < n && self.gbk_encode.contains_key(&t[end]) {
                end += 1;
            }
            let segment = &t[i..end.min(i + self.max_gbk_run)];
            let mut length = segment.len() - segment.len() % 2;
            while length > 1 {
                if (2 * length) % 3 == 0 {
                    if let Some(fixed) = self.gbk_repair(&segment[..length]) {
                        edits.push(Edit { start: i, end: i + length, rep: fixed, family });
                        break;
                    }
                }
                length -= 2;
            }
            i = end;
        }
        edits
    }

    // -- step 5: pinyin readings ----------------------------------------------------

    /// Port of `pinyin.find_edits`. Its regex tries, at each position, a lost-character
    /// run (starts with `?` or U+FFFD), then a reading (starts with `(`, after a Han
    /// character); here each is an anchored regex tried only where it can start.
    fn pinyin(&self, t: &[char]) -> Vec<Edit> {
        let mut edits = Vec::new();
        let s = to_utf8(t);
        let s = s.as_str();
        let mut i = 0; // code points
        let mut b = 0; // bytes
        while i < t.len() {
            let c = t[i];
            let found = if c == '?' || c == self.lost {
                self.pinyin_lost.find(&s[b..]).map(|m| (m.end(), true))
            } else if c == '(' && i > 0 && self.han.has(t[i - 1]) {
                self.pinyin_reading.find(&s[b..]).map(|m| (m.end(), false))
            } else {
                None
            };
            match found {
                Some((len, lost)) => {
                    let n = s[b..b + len].chars().count();
                    edits.push(if lost {
                        Edit { start: i, end: i + n, rep: vec![self.lost], family: self.fam.lost_char }
                    } else {
                        Edit::delete(i, i + n, self.fam.pinyin)
                    });
                    i += n;
                    b += len;
                }
                None => {
                    i += 1;
                    b += c.len_utf8();
                }
            }
        }
        edits
    }

    // -- step 4: OpenCC, through Python ---------------------------------------------

    /// `Some(new text, changed characters)` for a same-length conversion, `None` when
    /// nothing changed; `Err` when a line changed length (the Python step diffs it).
    /// `as_str` gives the text as a Python `str` (the caller's, when nothing changed yet).
    ///
    /// With the character sets of the OpenCC configuration (`builder.normalize.opencc_dicts`),
    /// only the pieces between unkeyed characters that hold a changing character go to
    /// OpenCC, joined by line breaks: no match crosses an unkeyed character, so they
    /// convert as they would in place.
    fn t2s(
        &self,
        py: Python<'_>,
        t: &[char],
        as_str: impl FnOnce() -> PyResult<PyObject>,
    ) -> PyResult<Outcome<Option<(Vec<char>, usize)>>> {
        // without the dictionaries' character sets the whole text goes to OpenCC
        let whole = self.t2s_changing.is_none() || self.t2s_keyed.is_none();
        // else the pieces that may change: runs between characters no key holds (a line
        // break is one) that hold a character some entry changes
        let mut lines: Vec<(usize, usize)> = Vec::new();
        if !whole {
            let mut start = 0;
            let mut may_change = false;
            for k in 0..=t.len() {
                let f = if k == t.len() { 0 } else { self.class_of(t[k]) };
                if f & F_KEYED == 0 {
                    if may_change {
                        lines.push((start, k));
                    }
                    start = k + 1;
                    may_change = false;
                } else if f & F_CHANGING != 0 {
                    may_change = true;
                }
            }
            if lines.is_empty() {
                return Ok(Ok(None));
            }
        }
        if whole {
            let new = match self.opencc(py, t, as_str)? {
                Ok(new) => new,
                Err(why) => return Ok(Err(why)),
            };
            if new == t {
                return Ok(Ok(None));
            }
            if new.len() != t.len() {
                return Ok(Err("t2s changed the length"));
            }
            // every line kept its length exactly when the line breaks stay in place
            let mut changed = 0;
            for (a, b) in t.iter().zip(new.iter()) {
                if a != b {
                    if *a == '\n' || *b == '\n' {
                        return Ok(Err("t2s moved a line break"));
                    }
                    changed += 1;
                }
            }
            return Ok(Ok(Some((new, changed))));
        }
        let mut joined: Vec<char> = Vec::new();
        for (k, &(start, end)) in lines.iter().enumerate() {
            if k > 0 {
                joined.push('\n');
            }
            joined.extend_from_slice(&t[start..end]);
        }
        let new = match self.opencc(py, &joined, || str_of(py, &joined))? {
            Ok(new) => new,
            Err(why) => return Ok(Err(why)),
        };
        if new == joined {
            return Ok(Ok(None));
        }
        let pieces: Vec<&[char]> = new.split(|&c| c == '\n').collect();
        if pieces.len() != lines.len() {
            return Ok(Err("t2s moved a line break"));
        }
        let mut out = t.to_vec();
        let mut changed = 0;
        for (&(start, end), piece) in lines.iter().zip(pieces) {
            if piece.len() != end - start {
                return Ok(Err("t2s changed the length"));
            }
            for (k, &c) in piece.iter().enumerate() {
                if out[start + k] != c {
                    out[start + k] = c;
                    changed += 1;
                }
            }
        }
        Ok(Ok(Some((out, changed))))
    }

    /// OpenCC on `t`: through the C API when it was found, else the Python callable.
    fn opencc(&self, py: Python<'_>, t: &[char], as_str: impl FnOnce() -> PyResult<PyObject>) -> PyResult<Outcome<Vec<char>>> {
        // the C API takes NUL-terminated output: a text holding NUL goes through Python
        if let (Some(c), false) = (&self.opencc_c, t.contains(&'\0')) {
            return Ok(c.convert(t).ok_or("OpenCC reported an error"));
        }
        let converted = self.t2s.call1(py, (as_str()?,))?;
        Ok(chars_of(converted.as_ref(py))?.ok_or("t2s returned a lone surrogate"))
    }

    // -- step 6: conversion artifacts --------------------------------------------------

    /// Port of `artifacts.find_edits`. The Python scan is one regex alternation of the
    /// wrong words, longest first: at each position the first word (in that order) that
    /// matches wins, and the scan goes on after it. Here the words are tried only where
    /// their first character stands.
    fn artifacts(&self, t: &[char]) -> Vec<Edit> {
        let mut hits: Vec<(usize, usize, &Artifact)> = Vec::new();
        let mut evidence = vec![0.0f64; self.group_names.len()];
        let mut rest_utf8: Option<(String, Vec<usize>)> = None; // UTF-8 and byte offsets, when a right context needs them
        let n = t.len();
        let mut i = 0;
        while i < n {
            if !self.artifact_first.has(t[i]) {
                i += 1;
                continue;
            }
            let word = self.artifact_words.iter().position(|w| w[0] == t[i] && t[i..].starts_with(w));
            let Some(w) = word else {
                i += 1;
                continue;
            };
            let (start, end) = (i, i + self.artifact_words[w].len());
            for rule in &self.artifact_rules[w] {
                if self.artifact_holds(rule, t, &mut rest_utf8, start, end) {
                    hits.push((start, end, rule));
                    evidence[rule.group] += rule.weight;
                    break;
                }
            }
            i = end;
        }
        hits.into_iter()
            .filter(|(_, _, r)| evidence[r.group] >= self.thresholds[r.group])
            .map(|(start, end, r)| Edit { start, end, rep: r.right.clone(), family: r.family })
            .collect()
    }

    fn artifact_holds(
        &self,
        rule: &Artifact,
        t: &[char],
        utf8: &mut Option<(String, Vec<usize>)>,
        start: usize,
        end: usize,
    ) -> bool {
        if let Some(left) = &rule.left {
            let window: String = t[start.saturating_sub(self.left_window)..start].iter().collect();
            if left.is_match(&window) == rule.left_negated {
                return false;
            }
        }
        if let Some(right) = &rule.right_context {
            let (s, offsets) = utf8.get_or_insert_with(|| utf8_with_offsets(t));
            if right.is_match(&s[offsets[end]..]) == rule.right_negated {
                return false;
            }
        }
        true
    }

    // -- step 7: punctuation ------------------------------------------------------------

    fn protected_ranges(&self, t: &[char]) -> (Vec<usize>, Vec<usize>) {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut utf8: Option<String> = None;
        for (reference, needs) in self.references.iter().zip(&self.reference_needs) {
            if !needs.iter().all(|set| t.iter().any(|&c| set.has(c))) {
                continue; // a character every match holds is missing
            }
            let s = utf8.get_or_insert_with(|| to_utf8(t)).as_str();
            let mut cursor = CharCursor::new(s);
            for m in reference.find_iter(s) {
                let (ms, me) = (cursor.at(m.start()), cursor.at(m.end()));
                let start = t[..ms].iter().rposition(|&c| c == '\n').map_or(0, |k| k + 1);
                let end = t[me..].iter().position(|&c| c == '\n').map_or(t.len(), |k| me + k);
                ranges.push((start, end));
            }
        }
        // the Python step's gate: "://" in text or "www." in text
        let url_gate = (0..t.len()).any(|k| match t[k] {
            ':' => t[k + 1..].starts_with(&['/', '/']),
            'w' => t[k + 1..].starts_with(&['w', 'w', '.']),
            _ => false,
        });
        if url_gate {
            let s = utf8.get_or_insert_with(|| to_utf8(t)).as_str();
            let mut cursor = CharCursor::new(s);
            for m in self.url.find_iter(s) {
                ranges.push((cursor.at(m.start()), cursor.at(m.end())));
            }
        }
        ranges.sort();
        let (mut starts, mut ends): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
        for (start, end) in ranges {
            if !starts.is_empty() && start <= *ends.last().unwrap() {
                let last = ends.last_mut().unwrap();
                *last = (*last).max(end);
            } else {
                starts.push(start);
                ends.push(end);
            }
        }
        (starts, ends)
    }

    fn inside(starts: &[usize], ends: &[usize], pos: usize) -> bool {
        let k = starts.partition_point(|&x| x <= pos);
        k > 0 && pos < ends[k - 1]
    }

    fn chinese_side(&self, c: char) -> bool {
        self.han.has(c) || self.cjk_punct.has(c)
    }

    fn chinese_before(&self, t: &[char], pos: usize) -> bool {
        if pos == 0 || t[pos - 1] == '\n' || self.chinese_side(t[pos - 1]) {
            return true;
        }
        if self.is_py_space(t[pos - 1]) {
            let line_start = t[..pos].iter().rposition(|&c| c == '\n').map_or(0, |k| k + 1);
            return self.all_space(&t[line_start..pos]);
        }
        false
    }

    fn chinese_after(&self, t: &[char], pos: usize) -> bool {
        if pos >= t.len() || t[pos] == '\n' || self.chinese_side(t[pos]) {
            return true;
        }
        if self.is_py_space(t[pos]) {
            let line_end = t[pos..].iter().position(|&c| c == '\n').map_or(t.len(), |k| pos + k);
            return self.all_space(&t[pos..line_end]);
        }
        false
    }

    /// Length of the run after `pos` of characters not in `stop`, at most `max`;
    /// then whether `close` follows (the regexes `\([^()\n]{0,80}\)` and `"[^"“”\n]{1,200}"`).
    fn paired(t: &[char], pos: usize, stop: &[char], max: usize, min: usize, close: char) -> Option<usize> {
        let mut k = 0;
        while k < max && pos + 1 + k < t.len() && !stop.contains(&t[pos + 1 + k]) {
            k += 1;
        }
        if k >= min && pos + 1 + k < t.len() && t[pos + 1 + k] == close {
            Some(pos + 1 + k)
        } else {
            None
        }
    }

    fn pair_changes(&self, t: &[char], starts: &[usize], ends: &[usize]) -> Vec<(usize, char, usize)> {
        let mut changes = Vec::new();
        let mut closes: HashMap<usize, bool> = HashMap::new();
        let n = t.len();
        for pos in 0..n {
            let c = t[pos];
            if c != '(' && c != ')' && c != '"' {
                continue;
            }
            if !starts.is_empty() && Self::inside(starts, ends, pos) {
                continue;
            }
            if let Some(convert) = closes.remove(&pos) {
                if convert {
                    if c == '"' {
                        changes.push((pos, '”', self.fam.quotes));
                    } else {
                        changes.push((pos, '）', self.fam.punctuation));
                    }
                }
                continue;
            }
            if c == '(' {
                if let Some(close) = Self::paired(t, pos, &['(', ')', '\n'], 80, 0, ')') {
                    let convert = t[pos + 1..close].iter().any(|&x| self.han.has(x))
                        && (self.chinese_before(t, pos) || self.chinese_after(t, close + 1));
                    closes.insert(close, convert);
                    if convert {
                        changes.push((pos, '（', self.fam.punctuation));
                    }
                    continue;
                }
            }
            if c != '"' {
                if 0 < pos && pos + 1 < n && self.han.has(t[pos - 1]) && self.han.has(t[pos + 1]) {
                    changes.push((pos, self.full_width[c as usize], self.fam.punctuation));
                }
            } else if let Some(close) = Self::paired(t, pos, &['"', '“', '”', '\n'], 200, 1, '"') {
                let convert = t[pos + 1..close].iter().any(|&x| self.han.has(x));
                closes.insert(close, convert);
                if convert {
                    changes.push((pos, '“', self.fam.quotes));
                }
            }
        }
        changes
    }

    /// `_MARKS` at `p`, in the stretch `[a, slice_end)` that `re.subn` sees.
    fn is_mark(&self, t: &[char], p: usize, a: usize, slice_end: usize) -> bool {
        let c = t[p];
        let is_dot = c == '.';
        if !(is_dot || matches!(c, ',' | ';' | ':' | '!' | '?')) {
            return false;
        }
        if p == a || !self.left_of_mark.has(t[p - 1]) {
            return false;
        }
        if is_dot && p + 1 < slice_end && t[p + 1] == '.' {
            return false;
        }
        let mut q = p + 1;
        while q < slice_end && self.inline_space.has(t[q]) {
            q += 1;
        }
        if q >= slice_end || t[q] == '\n' {
            return true;
        }
        let d = t[q];
        self.han.has(d)
            || self.open_close.has(d)
            || (d == '"' && q + 1 < slice_end && self.han.has(t[q + 1]))
    }

    /// Port of `punctuation._is_list_marker` with the `list_numeral` pattern's parts.
    fn is_list_marker(&self, t: &[char], dot: usize) -> bool {
        let mut start = dot;
        while start > 0 && self.numerals.has(t[start - 1]) {
            start -= 1;
        }
        let count = dot - start;
        if count < 1 || count > self.marker_max {
            return false;
        }
        if start > 0 && !self.marker_before.has(t[start - 1]) {
            return false;
        }
        let mut k = start;
        while k > 0 && self.marker_spaces.has(t[k - 1]) {
            k -= 1;
        }
        !(k < start && k > 0 && self.han.has(t[k - 1]))
    }

    fn punctuation(&self, t: &mut [char]) -> (usize, usize) {
        let (starts, ends) = self.protected_ranges(t);
        let (mut punct, mut quotes) = (0, 0);
        if t.iter().any(|&c| c == '(' || c == ')' || c == '"') {
            for (pos, c, family) in self.pair_changes(t, &starts, &ends) {
                t[pos] = c;
                if family == self.fam.quotes {
                    quotes += 1;
                } else {
                    punct += 1;
                }
            }
        }
        let n = t.len();
        let mut bounds: Vec<(usize, usize)> = starts.iter().copied().zip(ends.iter().copied()).collect();
        bounds.push((n, n));
        let mut a = 0;
        let mut new: Vec<(usize, char)> = Vec::new();
        for (start, end) in bounds {
            if start > a {
                let slice_end = (start + 1).min(n);
                for p in a..start {
                    if self.is_mark(t, p, a, slice_end) {
                        let c = t[p];
                        if c == '.' && p > 0 && self.numerals.has(t[p - 1]) && self.is_list_marker(t, p) {
                            continue;
                        }
                        new.push((p, self.full_width[c as usize]));
                    }
                }
            }
            a = end;
        }
        punct += new.len();
        for (p, c) in new {
            t[p] = c;
        }
        (punct, quotes)
    }

    // -- step 8: whitespace --------------------------------------------------------------

    fn trim_edits(&self, t: &[char], start: usize, end: usize, edits: &mut Vec<Edit>) {
        let gap = &t[start..end];
        let first_nl = gap.iter().position(|&c| c == '\n');
        let (first_nl, last_nl) = match first_nl {
            None => {
                edits.push(Edit::delete(start, end, self.fam.whitespace));
                return;
            }
            Some(f) => (f, gap.iter().rposition(|&c| c == '\n').unwrap()),
        };
        let at_start = start == 0;
        let at_end = end == t.len();
        if first_nl > 0 {
            edits.push(Edit::delete(start, start + first_nl, self.fam.whitespace));
        }
        if at_start || at_end {
            edits.push(Edit::delete(start + first_nl, start + last_nl + 1, self.fam.blank_lines));
        } else if last_nl > first_nl {
            edits.push(Edit::delete(start + first_nl + 1, start + last_nl + 1, self.fam.blank_lines));
        }
        if last_nl + 1 < gap.len() {
            edits.push(Edit::delete(start + last_nl + 1, end, self.fam.whitespace));
        }
    }

    fn whitespace_layout(&self, t: &[char]) -> Vec<Edit> {
        let mut edits = Vec::new();
        let n = t.len();
        let mut gap_start = 0;
        let mut pos = 0;
        loop {
            let line_end = t[pos..].iter().position(|&c| c == '\n').map_or(n, |k| pos + k);
            let line = &t[pos..line_end];
            if let Some(lead) = line.iter().position(|&c| !self.is_py_space(c)) {
                let trail = line.iter().rposition(|&c| !self.is_py_space(c)).unwrap();
                let content_start = pos + lead;
                if content_start > gap_start {
                    self.trim_edits(t, gap_start, content_start, &mut edits);
                }
                gap_start = pos + trail + 1;
            }
            if line_end >= n {
                break;
            }
            pos = line_end + 1;
        }
        if gap_start < n {
            self.trim_edits(t, gap_start, n, &mut edits);
        }
        // _INNER: a run of 2+ inline spaces, or one that is not ' '
        let mut inner = Vec::new();
        let mut i = 0;
        while i < n {
            if !self.inline_space.has(t[i]) {
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < n && self.inline_space.has(t[j]) {
                j += 1;
            }
            let end = if j - i >= 2 {
                j
            } else if t[i] != ' ' {
                i + 1
            } else {
                i += 1;
                continue;
            };
            if i > 0 && end < n && t[i - 1] != '\n' && t[end] != '\n' {
                inner.push(Edit { start: i, end, rep: vec![' '], family: self.fam.whitespace });
            }
            i = end;
        }
        if !inner.is_empty() {
            edits.extend(inner);
            edits.sort_by_key(|e| e.start); // stable, as Python's sort
        }
        edits
    }

    fn whitespace_spacing(&self, t: &[char]) -> Vec<Edit> {
        let mut edits = Vec::new();
        let n = t.len();
        let h = |k: usize| self.han.has(t[k]);
        let p = |k: usize| self.cjk_punct.has(t[k]);
        for pos in 1..n.saturating_sub(1) {
            if t[pos] != ' ' {
                continue;
            }
            let letter = h(pos - 1) && (pos == 1 || !h(pos - 2)) && h(pos + 1) && !(pos + 2 < n && h(pos + 2));
            let closing = pos >= 3
                && h(pos - 3)
                && t[pos - 2] == ' '
                && h(pos - 1)
                && (pos == 3 || !h(pos - 4))
                && matches!(t[pos + 1], ']' | '】' | '）');
            let punct = ((h(pos - 1) || p(pos - 1)) && p(pos + 1)) || (p(pos - 1) && (h(pos + 1) || p(pos + 1)));
            if letter || closing || punct {
                let family = if p(pos - 1) || p(pos + 1) { self.fam.whitespace } else { self.fam.letter_spacing };
                edits.push(Edit::delete(pos, pos + 1, family));
            }
        }
        edits
    }

    // -- the pipeline ----------------------------------------------------------------------

    fn run(&self, py: Python<'_>, raw_obj: &PyAny) -> PyResult<Outcome<(Vec<char>, Breakpoints, Vec<u64>)>> {
        let raw = match chars_of(raw_obj)? {
            Some(chars) => chars,
            None => return Ok(Err("a lone surrogate")),
        };
        let mut scan = self.scan(&raw);
        if scan.has(F_DIVERGENT) {
            return Ok(Err("engines disagree on a character of the text"));
        }
        let raw_len = raw.len();
        let mut counts = vec![0u64; self.fam.names.len()];
        let mut steps: Vec<Breakpoints> = Vec::new();
        let mut text = raw;
        macro_rules! edit_step {
            ($edits:expr) => {{
                let edits: Vec<Edit> = $edits;
                if !edits.is_empty() {
                    let (new, step) = match apply_edits(&text, &edits) {
                        Ok(x) => x,
                        Err(why) => return Ok(Err(why)),
                    };
                    for e in &edits {
                        counts[e.family] += 1;
                    }
                    text = new;
                    steps.push(step);
                    true
                } else {
                    false
                }
            }};
        }
        // each step runs only when the last scan says it may apply; a step that changed
        // the text makes the next check scan again
        let mut changed = false;
        if scan.has(F_CONTROL) && edit_step!(self.controls(&text, true)) {
            changed = true;
            scan = self.scan(&text);
        }
        // ftfy can turn Latin-1 mojibake into GBK mojibake, which the next step repairs
        // in the same round: scan again after it
        if scan.hint_pair && edit_step!(self.mojibake(py, &text)?) {
            changed = true;
            scan = self.scan(&text);
        }
        if scan.has(F_GBK_LEAD) && edit_step!(self.gbk_mojibake(&text, self.fam.gbk_mojibake)) {
            changed = true;
            scan = self.scan(&text);
        }
        if scan.has(F_CONTROL) && edit_step!(self.controls(&text, false)) {
            changed = true;
            scan = self.scan(&text);
        }
        if scan.has(F_TONE) && edit_step!(self.pinyin(&text)) {
            changed = true;
            scan = self.scan(&text);
        }
        let unchanged = !changed;
        let as_str = || if unchanged { Ok(raw_obj.into_py(py)) } else { str_of(py, &text) };
        // without the dictionaries' character sets every text goes to OpenCC
        if self.t2s_changing.is_none() || self.t2s_keyed.is_none() || scan.has(F_CHANGING) {
            match self.t2s(py, &text, as_str)? {
                Err(why) => return Ok(Err(why)),
                Ok(None) => {}
                Ok(Some((new, n))) => {
                    text = new;
                    counts[self.fam.t2s] += n as u64;
                    changed = true;
                    scan = self.scan(&text);
                }
            }
        }
        if scan.has(F_ART_FIRST) && edit_step!(self.artifacts(&text)) {
            changed = true;
            scan = self.scan(&text);
        }
        let (punct, quotes) = if scan.has(F_PUNCT) { self.punctuation(&mut text) } else { (0, 0) };
        counts[self.fam.punctuation] += punct as u64;
        counts[self.fam.quotes] += quotes as u64;
        changed |= punct + quotes > 0;
        changed |= edit_step!(self.whitespace_layout(&text));
        changed |= edit_step!(self.whitespace_spacing(&text));
        // a late step completed a mojibake sequence: the pipeline runs another round, in Python
        if changed {
            let last = self.scan(&text);
            if (last.has(F_GBK_LEAD) && !self.gbk_mojibake(&text, self.fam.gbk_mojibake).is_empty())
                || (last.hint_pair && !self.mojibake(py, &text)?.is_empty())
            {
                return Ok(Err("a repair is pending after the first round"));
            }
        }
        let alignment = match steps.split_first() {
            None => (vec![0, raw_len], vec![0, raw_len]),
            Some((first, rest)) => {
                let mut result = first.clone();
                for step in rest {
                    result = match then(&result, step) {
                        Ok(r) => r,
                        Err(why) => return Ok(Err(why)),
                    };
                }
                result
            }
        };
        Ok(Ok((text, alignment, counts)))
    }
}

#[pymethods]
impl Normalizer {
    /// True when OpenCC is called through its C API (see `OpenccC`), False when through Python.
    #[getter]
    fn opencc_c_api(&self) -> bool {
        self.opencc_c.is_some()
    }

    /// `Normalizer(spec, t2s, mojibake)`: `spec` as built by `builder.normalize.native`,
    /// `t2s` the OpenCC conversion (str → str), `mojibake` the ftfy step (str → list of
    /// `(start, end, replacement, family)`). Raises ValueError on a bad spec.
    #[new]
    fn new(spec: NormalizerSpec, t2s: PyObject, mojibake: PyObject) -> PyResult<Self> {
        let fam = Families::new(spec.families)?;
        let mut group_names: Vec<String> = spec.thresholds.keys().cloned().collect();
        group_names.sort();
        let thresholds = group_names.iter().map(|g| spec.thresholds[g]).collect();
        let mut artifacts_by_word: HashMap<String, Vec<Artifact>> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        for a in spec.artifacts {
            let family = fam
                .names
                .iter()
                .position(|n| *n == a.family)
                .ok_or_else(|| PyValueError::new_err(format!("unknown family {:?}", a.family)))?;
            let group = group_names
                .iter()
                .position(|g| *g == a.group)
                .ok_or_else(|| PyValueError::new_err(format!("unknown artifact group {:?}", a.group)))?;
            let left = if a.left.is_empty() { None } else { Some(plain(&format!("(?m:(?:{}))\\z", a.left))?) };
            let right_context = if a.right_context.is_empty() {
                None
            } else {
                Some(plain(&format!("\\A(?m:(?:{}))", a.right_context))?)
            };
            if !words.contains(&a.wrong) {
                words.push(a.wrong.clone());
            }
            artifacts_by_word.entry(a.wrong).or_default().push(Artifact {
                right: a.right.chars().collect(),
                family,
                group,
                left,
                left_negated: a.left_negated,
                right_context,
                right_negated: a.right_negated,
                weight: a.weight,
            });
        }
        // longest first, then by text: the order of the Python scan regex
        words.sort_by(|x, y| y.chars().count().cmp(&x.chars().count()).then_with(|| x.cmp(y)));
        let artifact_first = CharSet::from_chars(&words.iter().filter_map(|w| w.chars().next()).collect::<String>());
        let artifact_rules: Vec<Vec<Artifact>> =
            words.iter().map(|w| artifacts_by_word.remove(w).unwrap_or_default()).collect();
        let artifact_words: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).collect();
        let syllable = &spec.pinyin_syllable;
        let damaged = format!(r"\(?(?:{syllable})\)");
        let pinyin_lost = format!(r"^[?\x{{fffd}}]{damaged}(?:[?\x{{fffd}}]?{damaged})*");
        let pinyin_reading = format!(r"^\((?:{syllable})\)(?:\((?:{syllable})\))*");
        let mut full_width = ['\0'; 128];
        for (k, v) in &spec.full_width {
            let k = single_char(k)?;
            if !k.is_ascii() {
                return Err(PyValueError::new_err(format!("full-width table: {k:?} is not ASCII")));
            }
            full_width[k as usize] = single_char(v)?;
        }
        let mut gbk_encode = HashMap::new();
        for (k, v) in &spec.gbk_members {
            gbk_encode.insert(single_char(k)?, *v);
        }
        let han = CharSet::from_class(&spec.han);
        let left_of_mark = han.union(&CharSet::from_chars(&spec.cjk_close));
        let mut normalizer = Normalizer {
            han,
            open_close: CharSet::from_chars(&format!("{}{}", spec.cjk_open, spec.cjk_close)),
            left_of_mark,
            cjk_punct: CharSet::from_chars(&spec.cjk_punct),
            inline_space: CharSet::from_class(&spec.inline_space),
            py_space: CharSet::from_chars(&spec.python_spaces),
            mojibake_hint: compile(&spec.mojibake_hint, false, false).map_err(PyValueError::new_err)?,
            mojibake_hint_prefix: spec.mojibake_hint_prefix.iter().map(|chars| CharSet::from_chars(chars)).collect(),
            gbk_lead: CharSet::from_chars(&spec.gbk_lead),
            gbk_one_way: CharSet::from_chars(&spec.gbk_one_way),
            gbk_encode,
            gb2312: spec.gb2312.chars().collect(),
            max_gbk_run: spec.max_gbk_run,
            mojibake,
            pinyin_lost: plain(&pinyin_lost)?,
            pinyin_reading: plain(&pinyin_reading)?,
            pinyin_gate: CharSet::from_chars(&spec.pinyin_gate),
            lost: single_char(&spec.lost)?,
            url: plain(&spec.url)?,
            references: vec![
                plain_maybe_unfiltered(&spec.reference_issue, spec.reference_unfiltered[0])?,
                plain_maybe_unfiltered(&spec.reference_tag, spec.reference_unfiltered[1])?,
            ],
            reference_needs: spec
                .reference_needs
                .iter()
                .map(|sets| sets.iter().map(|chars| CharSet::from_chars(chars)).collect())
                .collect(),
            numerals: CharSet::from_chars(&spec.list_numerals),
            marker_max: spec.list_marker_max,
            marker_before: CharSet::from_chars(&spec.list_marker_before),
            marker_spaces: CharSet::from_chars(&spec.list_marker_spaces),
            full_width,
            artifact_words,
            artifact_rules,
            artifact_first,
            group_names,
            thresholds,
            left_window: spec.left_window,
            divergent: CharSet::from_chars(&spec.divergent),
            t2s,
            t2s_changing: spec.t2s_changing.map(|chars| CharSet::from_chars(&chars)),
            t2s_keyed: spec.t2s_keyed.map(|chars| CharSet::from_chars(&chars)),
            opencc_c: match (&spec.opencc_library, &spec.opencc_config_path) {
                (Some(lib), Some(config)) => OpenccC::open(lib, config),
                _ => None,
            },
            fam,
            classes: Vec::new(),
        };
        normalizer.classes = normalizer.class_table();
        Ok(normalizer)
    }

    /// `(text, text_offsets, raw_offsets, counts)` for `raw`, with `counts` as
    /// `(family, n)` pairs for the non-zero families; `(None, why)` when the Python
    /// pipeline must normalize this text.
    #[allow(clippy::type_complexity)]
    fn normalize(
        &self,
        py: Python<'_>,
        raw: &PyAny,
    ) -> PyResult<(Option<(PyObject, Vec<usize>, Vec<usize>, Vec<(String, u64)>)>, &'static str)> {
        match self.run(py, raw)? {
            Err(why) => Ok((None, why)),
            Ok((text, (tos, ros), counts)) => {
                let named = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &n)| n > 0)
                    .map(|(k, &n)| (self.fam.names[k].clone(), n))
                    .collect();
                Ok((Some((str_of(py, &text)?, tos, ros, named)), "ok"))
            }
        }
    }
}
