//! A compiled twin of `RepeatedLineSignal.candidate_hashes` (builder/labeling/corpus_signal.py).
//!
//! Pass 1 hashes, per document, the lines the corpus signal could ever label. The
//! Python method is the reference; `tests/test_native_corpus_signal.py` holds this one
//! to the same hashes. The hash is BLAKE2b with an 8-byte digest (RFC 7693), read as a
//! big-endian integer, exactly as `hashlib.blake2b(..., digest_size=8)` and
//! `int.from_bytes(..., "big")` give it.

use crate::normalize::CharSet;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

const IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

const SIGMA: [[usize; 16]; 12] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
];

#[inline(always)]
fn mix(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

fn compress(h: &mut [u64; 8], block: &[u8; 128], counter: u128, last: bool) {
    let mut m = [0u64; 16];
    for (i, word) in m.iter_mut().enumerate() {
        *word = u64::from_le_bytes(block[8 * i..8 * i + 8].try_into().unwrap());
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= counter as u64;
    v[13] ^= (counter >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    for s in &SIGMA {
        mix(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        mix(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        mix(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        mix(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        mix(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        mix(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        mix(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        mix(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// BLAKE2b-64 of `data` (no key), as `int.from_bytes(digest, "big")`.
pub(crate) fn blake2b64(data: &[u8]) -> u64 {
    let mut h = IV;
    h[0] ^= 0x0101_0000 ^ 8; // digest length 8, no key
    let mut block = [0u8; 128];
    let mut done = 0usize;
    // every block but the last is compressed as it comes; the last one is flagged
    while data.len() - done > 128 {
        block.copy_from_slice(&data[done..done + 128]);
        done += 128;
        compress(&mut h, &block, done as u128, false);
    }
    let rest = &data[done..];
    block = [0u8; 128];
    block[..rest.len()].copy_from_slice(rest);
    compress(&mut h, &block, data.len() as u128, true);
    u64::from_be_bytes(h[0].to_le_bytes())
}

/// `line_hash64(text)`: BLAKE2b-64 of the UTF-8 of `text`, as `corpus_signal` computes it
/// (without stripping). For the tests against `hashlib`.
#[pyfunction]
pub fn line_hash64(text: &str) -> u64 {
    blake2b64(text.as_bytes())
}

/// The line filter of `RepeatedLineSignal.candidate_hashes`, compiled.
#[pyclass(module = "zhwb_native")]
pub struct LineFilter {
    max_line_chars: usize,
    heading: regex::Regex,
    terminal: CharSet,
    colons: CharSet,
    spaces: CharSet,
    divergent: CharSet,
}

#[pymethods]
impl LineFilter {
    /// `LineFilter(max_line_chars, heading, terminal, colons, spaces, divergent)`: the
    /// content-line regex (Python syntax both engines read alike), the characters that end
    /// a sentence or introduce what follows, every character for which `str.isspace`
    /// holds, and the characters the regex engines read differently.
    #[new]
    fn new(
        max_line_chars: usize,
        heading: &str,
        terminal: &str,
        colons: &str,
        spaces: &str,
        divergent: &str,
    ) -> PyResult<Self> {
        Ok(LineFilter {
            max_line_chars,
            heading: regex::Regex::new(heading).map_err(|e| PyValueError::new_err(e.to_string()))?,
            terminal: CharSet::from_chars(terminal),
            colons: CharSet::from_chars(colons),
            spaces: CharSet::from_chars(spaces),
            divergent: CharSet::from_chars(divergent),
        })
    }

    /// `line_hash` of every line of `text` (split on LF; 0 for a line that strips to nothing).
    fn line_hashes(&self, text: &str) -> Vec<u64> {
        text.split('\n')
            .map(|line| {
                let stripped = line.trim_matches(|c: char| self.spaces.has(c));
                if stripped.is_empty() {
                    0
                } else {
                    blake2b64(stripped.as_bytes())
                }
            })
            .collect()
    }

    /// The sorted, distinct hashes of the lines of `text` the signal could label, given
    /// the document's spans as `(start, end)` code-point offsets; `None` when the text
    /// holds a character the regex engines read differently.
    fn candidate_hashes(&self, text: &str, spans: Vec<(usize, usize)>) -> Option<Vec<u64>> {
        if text.chars().any(|c| self.divergent.has(c)) {
            return None;
        }
        let n = text.chars().count();
        let mut covered = vec![false; n + 1];
        for (start, end) in spans {
            for slot in covered.iter_mut().take(end.min(n)).skip(start) {
                *slot = true;
            }
        }
        let mut out: Vec<u64> = Vec::new();
        let mut pos = 0usize; // code points
        for line in text.split('\n') {
            let chars = line.chars().count();
            let end = pos + chars;
            let stripped = line.trim_matches(|c: char| self.spaces.has(c));
            if !stripped.is_empty() && !covered[pos] && !covered[pos.max(end.saturating_sub(1))] {
                let last = stripped.chars().next_back().unwrap();
                if stripped.chars().count() <= self.max_line_chars
                    && !self.terminal.has(last)
                    && !self.colons.has(last)
                    && !self.heading.is_match(stripped)
                {
                    out.push(blake2b64(stripped.as_bytes()));
                }
            }
            pos = end + 1;
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }
}
