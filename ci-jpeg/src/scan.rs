//! A baseline Huffman *scanner* (no coefficients kept, no IDCT) that finds where an MCU
//! row starts in a scan without restart markers, and the re-encoding that turns the rest
//! of the scan into a stand-alone JPEG's entropy-coded data.
//!
//! The scanner accepts only what libjpeg-turbo decodes without a warning and the same
//! way: canonical codes from the DHT segments, every code valid, no coefficient index past
//! 63, no marker and no end of data before the row it stops at. Anything else is an
//! [`ScanError`], and the caller decodes serially. It is linear in the bytes it reads:
//! every symbol consumes at least one bit.

use thiserror::Error;

/// Why the scanner or the re-encoder gave up (the caller then decodes serially).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A header the scanner does not model (missing or invalid table, odd sampling).
    #[error("headers: {0}")]
    Header(&'static str),
    /// A bit sequence that is no code of the table (libjpeg-turbo warns or guesses).
    #[error("invalid Huffman code")]
    BadCode,
    /// An AC run past coefficient 63 (libjpeg-turbo ignores it silently).
    #[error("coefficient index past 63")]
    Overflow,
    /// A marker or the end of the data before the row (libjpeg-turbo warns).
    #[error("marker or end of data inside the scanned rows")]
    Marker,
    /// Whole bytes after the last MCU (libjpeg-turbo may or may not report them,
    /// depending on how far it has read ahead).
    #[error("data after the last MCU")]
    Trailing,
    /// A coefficient or IDCT value outside the range where libjpeg-turbo's C and SIMD
    /// reduced IDCTs agree (never in a real photograph).
    #[error("coefficient outside the range the reduced IDCT is modelled on")]
    Range,
    /// The first MCU of the strip cannot be re-encoded with the file's tables.
    #[error("cannot re-encode the strip's first MCU: {0}")]
    Reencode(&'static str),
}

/// Bits of the lookahead tables.
const LOOK: u32 = 10;
/// Bits of the AC code-and-value table.
const FAST: u32 = 11;
/// Advance of an AC code-and-value entry for an end of block (past any `k + run + 1`).
const FAST_EOB: i32 = 100;
/// Advance of an AC code-and-value entry where no whole coefficient or end of block fits.
const FAST_NONE: i32 = 127;
/// AC table entry's advance meaning end of block.
const EOB: u32 = 100;

/// One Huffman table, for decoding and encoding.
#[derive(Clone)]
struct Table {
    /// For the next `LOOK` bits: 0 if no code of at most `LOOK` bits starts there; else
    /// for a DC table `len | category << 5`, for an AC table `(len + size) | advance << 5`
    /// (advance: run + 1, 16 for ZRL, `EOB`).
    lookup: Box<[u16; 1 << LOOK]>,
    /// For the next `LOOK` bits: 0 if no code of at most `LOOK` bits starts there; else
    /// `len | symbol << 5`.
    syms: Box<[u16; 1 << LOOK]>,
    /// AC only: for the next `FAST` bits, a code and its extra bits when both fit and
    /// code a coefficient: `len | (run + 1) << 5 | value << 16`; an end of block's code:
    /// `len | FAST_EOB << 5`; else `FAST_NONE << 5`. So `k + advance < 64` is the common
    /// case: a coefficient before 63.
    fast: Box<[i32; 1 << FAST]>,
    /// libjpeg's `maxcode` (−1: no code of that length), index 1..=16; 17 a sentinel.
    maxcode: [i32; 18],
    /// Index into `values` of the first code of each length, minus that code.
    valoffset: [i32; 17],
    values: Vec<u8>,
    /// Code and length of each symbol (length 0: no code).
    codes: [(u16, u8); 256],
}

impl Table {
    /// Builds the table from a DHT's counts and values, refusing what libjpeg-turbo's
    /// `jpeg_make_d_derived_tbl` refuses.
    fn new(counts: &[u8; 16], values: &[u8], dc: bool) -> Result<Table, ScanError> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 || total != values.len() {
            return Err(ScanError::Header("DHT counts"));
        }
        if dc && values.iter().any(|&v| v > 15) {
            return Err(ScanError::Header("DC symbol above 15"));
        }
        let mut t = Table {
            lookup: Box::new([0; 1 << LOOK]),
            syms: Box::new([0; 1 << LOOK]),
            fast: Box::new([0; 1 << FAST]),
            maxcode: [-1; 18],
            valoffset: [0; 17],
            values: values.to_vec(),
            codes: [(0, 0); 256],
        };
        t.maxcode[17] = i32::MAX;
        let (mut code, mut index) = (0u32, 0usize);
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            if n > 0 {
                t.valoffset[len as usize] = index as i32 - code as i32;
                // libjpeg refuses a table whose codes of a length run out of that
                // length's code space or end on all ones ("code >= (1 << si)").
                if code + n as u32 >= 1 << len {
                    return Err(ScanError::Header("Huffman code space overrun"));
                }
                for &sym in &values[index..index + n] {
                    // A later duplicate keeps the first code for encoding.
                    if t.codes[usize::from(sym)].1 == 0 {
                        t.codes[usize::from(sym)] = (code as u16, len as u8);
                    }
                    if len <= LOOK {
                        let entry = if dc {
                            len | u32::from(sym) << 5
                        } else {
                            let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
                            let advance = match (run, size) {
                                (15, 0) => 16,
                                (_, 0) => EOB,
                                _ => run + 1,
                            };
                            (len + size) | advance << 5
                        };
                        let shift = LOOK - len;
                        let first = (code << shift) as usize;
                        t.lookup[first..first + (1 << shift)].fill(entry as u16);
                        t.syms[first..first + (1 << shift)]
                            .fill((len | u32::from(sym) << 5) as u16);
                    }
                    code += 1;
                }
                index += n;
                t.maxcode[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        if !dc {
            // Code and extra bits within FAST bits: the coefficient at once.
            let mut fast = Box::new([FAST_NONE << 5; 1 << FAST]);
            for (p, slot) in fast.iter_mut().enumerate() {
                let Ok((len, sym)) = t.decode((p as u64) << (64 - FAST)) else {
                    continue;
                };
                let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
                if size == 0 {
                    if run == 0 {
                        *slot = len as i32 | FAST_EOB << 5;
                    }
                    continue;
                }
                if len + size > FAST {
                    continue;
                }
                let v = (p as u32 >> (FAST - len - size)) & ((1 << size) - 1);
                let v = extend(v as i32, size);
                *slot = (len + size) as i32 | ((run + 1) << 5) as i32 | v << 16;
            }
            t.fast = fast;
        }
        Ok(t)
    }

    /// libjpeg's slow decode of a code longer than `LOOK` bits in the 16 bits `peek`
    /// (left-aligned in the low 16): the code's length and symbol.
    #[inline(never)]
    fn decode_long(&self, peek16: u32) -> Result<(u32, u8), ScanError> {
        self.decode_canonical(peek16, LOOK + 1)
    }

    /// libjpeg's canonical decode (`jpeg_huff_decode`), trying code lengths from
    /// `first_len` up to 16 on the 16 bits `peek16`.
    fn decode_canonical(&self, peek16: u32, first_len: u32) -> Result<(u32, u8), ScanError> {
        for len in first_len..=16 {
            let code = (peek16 >> (16 - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let i = code + self.valoffset[len as usize];
                return usize::try_from(i)
                    .ok()
                    .and_then(|i| self.values.get(i))
                    .map(|&sym| (len, sym))
                    .ok_or(ScanError::BadCode);
            }
        }
        Err(ScanError::BadCode)
    }

    /// The code's length and symbol at the top of `bits` (left-aligned, at least 16
    /// valid bits or zeros).
    #[inline]
    fn decode(&self, bits: u64) -> Result<(u32, u8), ScanError> {
        // Codes of at most LOOK bits from the lookup (building the multi-symbol tables
        // decodes some 10^5 symbols).
        let e = self.syms[(bits >> (64 - LOOK)) as usize];
        if e != 0 {
            return Ok((u32::from(e & 31), (e >> 5) as u8));
        }
        self.decode_long((bits >> 48) as u32)
    }
}

/// What the scanner needs of the headers: per block of an MCU its component (in scan
/// order), and per scan component its tables.
pub(crate) struct ScanSpec {
    /// Scan component of each block of an MCU, in coding order.
    pub(crate) blocks: Vec<u8>,
    dc: Vec<Table>,
    ac: Vec<Table>,
    pub(crate) mcus_per_row: u64,
    pub(crate) mcu_rows: u64,
    fast: FastTables,
}

fn be16(b: &[u8], at: usize) -> Result<usize, ScanError> {
    match b.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(usize::from(u16::from_be_bytes([hi, lo]))),
        _ => Err(ScanError::Header("truncated")),
    }
}

impl ScanSpec {
    /// Reads the DHT, SOF and SOS segments of `jpeg` up to `scan_start` (the first
    /// entropy-coded byte; the segments were checked by `parse_layout`).
    pub(crate) fn parse(jpeg: &[u8], scan_start: usize) -> Result<ScanSpec, ScanError> {
        Self::parse_tables(jpeg, scan_start, true)
    }

    /// [`ScanSpec::parse`] for the 1/4 decode only: without the scanner's multi-symbol
    /// tables (32 KB each; [`ScanSpec::block`] then fails), which it does not use.
    pub(crate) fn parse_for_quarter(jpeg: &[u8], scan_start: usize) -> Result<ScanSpec, ScanError> {
        Self::parse_tables(jpeg, scan_start, false)
    }

    fn parse_tables(jpeg: &[u8], scan_start: usize, multi: bool) -> Result<ScanSpec, ScanError> {
        let bad = ScanError::Header;
        let mut dc_tables: [Option<Table>; 4] = Default::default();
        let mut ac_tables: [Option<Table>; 4] = Default::default();
        // (id, h, v) per frame component.
        let mut frame: Vec<(u8, u8, u8)> = Vec::new();
        let (mut width, mut height) = (0usize, 0usize);
        let mut pos = 2;
        while pos < scan_start {
            let marker = *jpeg.get(pos + 1).ok_or(bad("truncated"))?;
            let len = be16(jpeg, pos + 2)?;
            let seg = jpeg
                .get(pos + 4..pos + 2 + len)
                .ok_or(bad("truncated segment"))?;
            match marker {
                0xC4 => {
                    let mut s = seg;
                    while let Some((&class_id, rest)) = s.split_first() {
                        let counts: &[u8; 16] = rest
                            .get(..16)
                            .and_then(|c| c.try_into().ok())
                            .ok_or(bad("DHT"))?;
                        let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
                        let values = rest.get(16..16 + n).ok_or(bad("DHT"))?;
                        let (class, id) = (class_id >> 4, usize::from(class_id & 15));
                        if class > 1 || id > 3 {
                            return Err(bad("DHT table class or id"));
                        }
                        let t = Table::new(counts, values, class == 0)?;
                        if class == 0 {
                            dc_tables[id] = Some(t);
                        } else {
                            ac_tables[id] = Some(t);
                        }
                        s = &rest[16 + n..];
                    }
                }
                0xC0 | 0xC1 => {
                    height = be16(seg, 1)?;
                    width = be16(seg, 3)?;
                    let nf = usize::from(*seg.get(5).ok_or(bad("SOF"))?);
                    for c in seg.get(6..6 + 3 * nf).ok_or(bad("SOF"))?.chunks_exact(3) {
                        frame.push((c[0], c[1] >> 4, c[1] & 15));
                    }
                }
                0xDA => {
                    let ns = usize::from(*seg.first().ok_or(bad("SOS"))?);
                    let sel = seg.get(1..1 + 2 * ns).ok_or(bad("SOS"))?;
                    let max_h = frame.iter().map(|c| c.1).max().unwrap_or(1).max(1);
                    let max_v = frame.iter().map(|c| c.2).max().unwrap_or(1).max(1);
                    let mut blocks = Vec::new();
                    let (mut dc, mut ac) = (Vec::new(), Vec::new());
                    for (k, pair) in sel.chunks_exact(2).enumerate() {
                        let &(_, h, v) = frame
                            .iter()
                            .find(|c| c.0 == pair[0])
                            .ok_or(bad("SOS component not in SOF"))?;
                        let (h, v) = if ns == 1 { (1, 1) } else { (h, v) };
                        let table = |tables: &[Option<Table>; 4], id: u8| {
                            tables
                                .get(usize::from(id))
                                .and_then(|t| t.clone())
                                .ok_or(bad("scan uses an undefined Huffman table"))
                        };
                        dc.push(table(&dc_tables, pair[1] >> 4)?);
                        ac.push(table(&ac_tables, pair[1] & 15)?);
                        blocks.extend(std::iter::repeat_n(k as u8, usize::from(h * v)));
                    }
                    if blocks.is_empty() || blocks.len() > 10 {
                        return Err(bad("blocks per MCU"));
                    }
                    let (mw, mh) = if ns == 1 {
                        (8, 8)
                    } else {
                        (8 * usize::from(max_h), 8 * usize::from(max_v))
                    };
                    let fast = FastTables::new(&blocks, if multi { &ac } else { &[] });
                    return Ok(ScanSpec {
                        fast,
                        blocks,
                        dc,
                        ac,
                        mcus_per_row: width.div_ceil(mw) as u64,
                        mcu_rows: height.div_ceil(mh) as u64,
                    });
                }
                _ => {}
            }
            pos += 2 + len;
        }
        Err(bad("no SOS"))
    }
}

impl ScanSpec {
    /// Reads one block of scan component `c`; returns its DC difference.
    #[inline(always)]
    pub(crate) fn block(&self, r: &mut Reader<'_>, c: usize) -> Result<i32, ScanError> {
        match (self.dc.get(c), self.ac.get(c), self.fast.multi.get(c)) {
            (Some(dc), Some(ac), Some(multi)) => scan_block(r, dc, ac, multi),
            _ => Err(ScanError::Header("component")),
        }
    }
}

/// Zigzag index of each natural (row-major) coefficient position.
const ZIGZAG: [u8; 64] = [
    0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42, 3, 8, 12, 17, 25, 30, 41, 43, 9, 11,
    18, 24, 31, 40, 44, 53, 10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60, 21, 34,
    37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
];

/// libjpeg-turbo's `jpeg_idct_2x2` odd-part constants (`FIX(x)` at 13 bits) for the
/// coefficients 1, 3, 5, 7.
const ODD: [i64; 4] = [29692, -10426, 6967, -5906];

/// What `jpeg_idct_2x2` makes of a block's AC coefficients, the DC left out (it adds to
/// the first column's work values exactly, see [`quarter_samples`]): the first column's
/// work values less 4 × the dequantised DC, and each output row's odd part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct QuarterAc {
    pub(crate) a: [i32; 2],
    pub(crate) t: [i64; 2],
}

/// Largest magnitude of a dequantised coefficient or a work value for which
/// libjpeg-turbo's SSE2 `jsimd_idct_2x2` (16-bit products and work values, 32-bit sums)
/// computes what its C `jpeg_idct_2x2` (`int` and 64-bit) does; outside it the file goes
/// serial.
pub(crate) const QUARTER_LIMIT: i64 = 16383;

/// Zigzag indices of the coefficients `jpeg_idct_2x2` reads, by column (0, 1, 3, 5, 7)
/// then row (0, 1, 3, 5, 7).
const QUARTER_Z: [[usize; 5]; 5] = {
    let rows = [0usize, 1, 3, 5, 7];
    let mut t = [[0usize; 5]; 5];
    let mut ci = 0;
    while ci < 5 {
        let mut ri = 0;
        while ri < 5 {
            t[ci][ri] = ZIGZAG[rows[ri] * 8 + rows[ci]] as usize;
            ri += 1;
        }
        ci += 1;
    }
    t
};

/// One coefficient's share of the 1/4 IDCT (see [`QuarterWeights`]).
#[derive(Debug, Clone, Copy, Default)]
struct Weight {
    /// The quantiser times the coefficient's weight in its accumulator (0: not read).
    wq: i64,
    /// The largest |coefficient| whose dequantised value is within [`QUARTER_LIMIT`].
    lim: i32,
    /// Its accumulator (see [`QuarterWeights`]).
    slot: u32,
}

/// Accumulators of a block's AC part: 0 column 0's odd part, 1..=4 columns 1, 3, 5, 7's
/// row 0 (times 2^15), 5..=8 their odd parts; 15 takes the coefficients the IDCT does
/// not read (weight 0). A power of two: the slot is masked, not bounds-checked.
const SLOTS: usize = 16;

/// Per zigzag index of a component, what the 1/4 IDCT makes of the coefficient: the
/// decoder adds each coefficient straight into its column's accumulator, so the block's
/// coefficients are never stored.
#[derive(Debug, Clone)]
pub(crate) struct QuarterWeights {
    w: [Weight; 64],
    /// The largest size (extra bits) of a coefficient that is within range whatever
    /// its index: the group table takes no larger ones.
    safe_size: u32,
}

impl QuarterWeights {
    /// From the component's quantisers in zigzag order.
    pub(crate) fn new(q: &[i32; 64]) -> Self {
        let mut w = [Weight {
            wq: 0,
            lim: i32::MAX,
            slot: SLOTS as u32 - 1,
        }; 64];
        for (col, zs) in QUARTER_Z.iter().enumerate() {
            for (ri, &k) in zs.iter().enumerate() {
                if col == 0 && ri == 0 {
                    continue;
                }
                let q = i64::from(q[k]);
                w[k] = Weight {
                    wq: if ri == 0 { q << 15 } else { q * ODD[ri - 1] },
                    lim: if q > 0 {
                        (QUARTER_LIMIT / q) as i32
                    } else {
                        i32::MAX
                    },
                    slot: match (col, ri) {
                        (0, _) => 0,
                        (c, 0) => c as u32,
                        (c, _) => c as u32 + 4,
                    },
                };
            }
        }
        let least_lim = w.iter().map(|e| e.lim).min().unwrap_or(i32::MAX);
        // |v| < 2^size: within every index's limit when 2^size − 1 ≤ the least limit.
        let safe_size = (0..=15u32)
            .take_while(|&size| (1i64 << size) - 1 <= i64::from(least_lim))
            .last()
            .unwrap_or(0);
        QuarterWeights { w, safe_size }
    }
}

/// Bits of the 1/4 decode's group table (8 bytes an entry: 32 KB a component).
const GROUP: u32 = 12;
/// Flag of a group entry: the group ends with an end of block.
const G_EOB: u64 = 1 << 12;
/// A group entry where not even one symbol fits (advance 127, no flag).
const G_NONE: u64 = 127 << 5;

/// A component's tables for the 1/4 decode: its [`QuarterWeights`] and, for each
/// `GROUP`-bit pattern, the first up to two whole AC symbols (coefficients of at most
/// `safe_size` extra bits, or ZRLs) with their values, and an end of block if one
/// follows within the bits: `bits | advance << 5 | G_EOB | offset1 << 16 | offset2 << 20
/// | value1 << 32 | value2 << 48` (offsets from `k` of the coefficients, values as
/// 16-bit two's complement, 0 for a ZRL or no second symbol; advance as in
/// [`multi_table`], plus 64 with an end of block), or [`G_NONE`].
pub(crate) struct QuarterTables {
    w: QuarterWeights,
    groups: Box<[u64; 1 << GROUP]>,
}

impl QuarterTables {
    fn new(ac: &Table, q: &[i32; 64]) -> Self {
        let w = QuarterWeights::new(q);
        let groups = group_table(ac, w.safe_size);
        QuarterTables { w, groups }
    }
}

fn group_table(ac: &Table, safe_size: u32) -> Box<[u64; 1 << GROUP]> {
    let mut t = Box::new([G_NONE; 1 << GROUP]);
    for (p, slot) in t.iter_mut().enumerate() {
        let (mut used, mut advance, mut n, mut eob) = (0u32, 0u32, 0usize, false);
        let (mut offs, mut vals) = ([0u32; 2], [0i32; 2]);
        while used < GROUP {
            let Ok((code_len, sym)) = ac.decode((p as u64) << (64 - GROUP + used)) else {
                break;
            };
            let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
            let len = code_len + size;
            if used + len > GROUP {
                break;
            }
            if size == 0 && run != 15 {
                used += len;
                eob = true;
                break;
            }
            let step = if size == 0 { 16 } else { run + 1 };
            if n == 2 || size > safe_size || advance + step > 63 {
                break;
            }
            let bits = (p as u32 >> (GROUP - used - len)) & ((1 << size) - 1);
            offs[n] = advance + if size == 0 { 0 } else { run };
            vals[n] = extend(bits as i32, size);
            n += 1;
            used += len;
            advance += step;
        }
        if n > 0 || eob {
            *slot = u64::from(used)
                | u64::from(advance + if eob { 64 } else { 0 }) << 5
                | if eob { G_EOB } else { 0 }
                | u64::from(offs[0]) << 16
                | u64::from(offs[1]) << 20
                | u64::from(vals[0] as u16) << 32
                | u64::from(vals[1] as u16) << 48;
        }
    }
    t
}

/// A block's accumulators and range flag (negative: a dequantised coefficient past
/// [`QUARTER_LIMIT`]).
struct QuarterAcc {
    acc: [i64; SLOTS],
    flag: i32,
}

impl QuarterAcc {
    #[inline(always)]
    fn new() -> Self {
        QuarterAcc {
            acc: [0; SLOTS],
            flag: 0,
        }
    }

    /// Adds coefficient `v` at zigzag index `k` (< 64).
    #[inline(always)]
    fn add(&mut self, w: &QuarterWeights, k: usize, v: i32) {
        let e = w.w[k & 63];
        self.flag |= e.lim - v.abs();
        self.acc[e.slot as usize & (SLOTS - 1)] += i64::from(v) * e.wq;
    }

    /// Adds coefficient `v` at zigzag index `k` (< 64) known to be within range.
    #[inline(always)]
    fn add_safe(&mut self, w: &QuarterWeights, k: usize, v: i32) {
        let e = w.w[k & 63];
        self.acc[e.slot as usize & (SLOTS - 1)] += i64::from(v) * e.wq;
    }

    /// What `jpeg_idct_2x2` makes of the block's AC coefficients.
    #[inline(always)]
    fn finish(&self) -> Result<QuarterAc, ScanError> {
        let acc = &self.acc;
        let t0 = acc[0];
        let a = [((t0 + 4096) >> 13) as i32, ((-t0 + 4096) >> 13) as i32];
        let mut t = [0i64; 2];
        let mut big = self.flag < 0;
        for (k, c) in ODD.iter().enumerate() {
            let (tmp10, tmp0) = (acc[k + 1], acc[k + 5]);
            let ws0 = (tmp10 + tmp0 + 4096) >> 13;
            let ws1 = (tmp10 - tmp0 + 4096) >> 13;
            big |= beyond(ws0, QUARTER_LIMIT) | beyond(ws1, QUARTER_LIMIT);
            t[0] += ws0 * c;
            t[1] += ws1 * c;
        }
        if big {
            return Err(ScanError::Range);
        }
        Ok(QuarterAc { a, t })
    }
}

/// What `jpeg_idct_2x2` makes of the AC coefficients in `z` (zigzag order, the DC left
/// out; `q` the quantisers in the same order).
#[cfg(test)]
fn quarter_ac(z: &[i32; 64], q: &[i32; 64]) -> Result<QuarterAc, ScanError> {
    let w = QuarterWeights::new(q);
    let mut acc = QuarterAcc::new();
    for (k, &v) in z.iter().enumerate().skip(1) {
        acc.add(&w, k, v);
    }
    acc.finish()
}

/// `clamp(x + 128, 0, 255)` for `x` in −512..512 at index `x & 1023` (one load instead
/// of two comparisons).
static SAMPLE: [u8; 1024] = {
    let mut t = [0u8; 1024];
    let mut i = 0;
    while i < 1024 {
        let x = if i < 512 { i as i32 } else { i as i32 - 1024 };
        let v = x + 128;
        t[i] = if v < 0 {
            0
        } else if v > 255 {
            255
        } else {
            v as u8
        };
        i += 1;
    }
    t
};

/// Whether |`x`| > `limit` (≥ 0), in one comparison.
#[inline(always)]
fn beyond(x: i64, limit: i64) -> bool {
    x.wrapping_add(limit) as u64 > (2 * limit) as u64
}

/// The 2x2 samples of a block (row-major) from its AC part and absolute DC value
/// (libjpeg keeps it in a `short` block and multiplies by a `short` quantiser `q0`).
pub(crate) fn quarter_samples(ac: &QuarterAc, dc: i32, q0: i32) -> Result<[u8; 4], ScanError> {
    let d = i64::from(dc as i16) * i64::from(q0);
    let mut bad = beyond(d, QUARTER_LIMIT);
    let mut out = [0u8; 4];
    for row in 0..2 {
        let ws0 = 4 * d + i64::from(ac.a[row]);
        bad |= beyond(ws0, QUARTER_LIMIT);
        let tmp10 = (ws0 << 15) + (1 << 19);
        let x0 = (tmp10 + ac.t[row]) >> 20;
        let x1 = (tmp10 - ac.t[row]) >> 20;
        // libjpeg's range limit wraps past ±512, the SIMD code saturates.
        bad |= beyond(x0, 511) | beyond(x1, 511);
        out[row * 2] = SAMPLE[(x0 & 1023) as usize];
        out[row * 2 + 1] = SAMPLE[(x1 & 1023) as usize];
    }
    if bad {
        return Err(ScanError::Range);
    }
    Ok(out)
}

/// A block's DC difference (its code and extra bits), the reader refilled first: the
/// start of every block decode (inlined: it is the hot path of both decoders).
#[inline(always)]
fn dc_diff(r: &mut Reader<'_>, dc: &Table) -> Result<i32, ScanError> {
    if r.n < 32 {
        r.refill();
    }
    let e = u32::from(dc.lookup[(r.bits >> (64 - LOOK)) as usize]);
    let (len, s) = if e != 0 {
        (e & 31, e >> 5)
    } else {
        let (len, sym) = dc.decode_long((r.bits >> 48) as u32)?;
        (len, u32::from(sym))
    };
    r.consume(len)?;
    Ok(if s != 0 {
        let v = (r.bits >> (64 - s)) as i32;
        r.consume(s)?;
        extend(v, s)
    } else {
        0
    })
}

/// Reads one block, adding its AC coefficients into what the 1/4 IDCT needs of them;
/// returns the DC difference and that. The same codes and refusals as [`scan_block`].
#[inline(always)]
fn quarter_block(
    r: &mut Reader<'_>,
    dc: &Table,
    ac: &Table,
    qt: &QuarterTables,
) -> Result<(i32, QuarterAc), ScanError> {
    let w = &qt.w;
    let diff = dc_diff(r, dc)?;
    let mut acc = QuarterAcc::new();
    // The next coefficient's index.
    let mut k = 1usize;
    // `k` < 64 at the top: the paths that reach 64 break.
    loop {
        if r.n < 32 {
            r.refill();
        }
        // Up to two symbols at once (at most GROUP bits: see below).
        let g = qt.groups[(r.bits >> (64 - GROUP)) as usize];
        let t = k + (g >> 5 & 127) as usize;
        if t < 64 {
            take_group(r, &mut acc, w, k, g);
            k = t;
            continue;
        }
        // With an end of block: only if the block is not complete before it (`k` < 64
        // after the coefficients).
        if g & G_EOB != 0 && t < 128 {
            take_group(r, &mut acc, w, k, g);
            break;
        }
        let f = ac.fast[(r.bits >> (64 - FAST)) as usize];
        let t = k + (f >> 5 & 127) as usize;
        if t < 64 {
            // A coefficient before 63 within FAST bits: the reader holds 57 unless the
            // data ended (then its zeros; `n` below 0 is caught after the block).
            let len = (f & 31) as u32;
            r.bits <<= len;
            r.n -= len as i32;
            acc.add(w, t - 1, f >> 16);
            k = t;
            continue;
        }
        let advance = f >> 5 & 127;
        if advance != FAST_NONE {
            let len = (f & 31) as u32;
            r.bits <<= len;
            r.n -= len as i32;
            if advance == FAST_EOB {
                break;
            }
            if t > 64 {
                return Err(ScanError::Overflow);
            }
            // Coefficient 63: the block is complete.
            acc.add(w, 63, f >> 16);
            break;
        }
        let e = u32::from(ac.syms[(r.bits >> (64 - LOOK)) as usize]);
        let (len, sym) = if e != 0 {
            (e & 31, (e >> 5) as u8)
        } else {
            ac.decode_long((r.bits >> 48) as u32)?
        };
        r.consume(len)?;
        let (run, size) = (usize::from(sym >> 4), u32::from(sym & 15));
        if size == 0 {
            if run != 15 {
                break;
            }
            k += 16;
            if k > 64 {
                return Err(ScanError::Overflow);
            }
        } else {
            k += run;
            if k > 63 {
                return Err(ScanError::Overflow);
            }
            let v = (r.bits >> (64 - size)) as i32;
            r.consume(size)?;
            acc.add(w, k, extend(v, size));
            k += 1;
        }
        if k == 64 {
            break;
        }
    }
    if r.n < 0 {
        return Err(ScanError::Marker);
    }
    Ok((diff, acc.finish()?))
}

/// Consumes group entry `g` (see [`QuarterTables`]) at coefficient `k`: at most GROUP
/// bits, which the reader holds unless the data ended (then its zeros; `n` below 0 is
/// caught after the block).
#[inline(always)]
fn take_group(r: &mut Reader<'_>, acc: &mut QuarterAcc, w: &QuarterWeights, k: usize, g: u64) {
    let len = (g & 31) as u32;
    r.bits <<= len;
    r.n -= len as i32;
    acc.add_safe(w, k + (g >> 16 & 15) as usize, i32::from((g >> 32) as i16));
    acc.add_safe(w, k + (g >> 20 & 63) as usize, i32::from((g >> 48) as i16));
}

impl ScanSpec {
    /// Reads one block of scan component `c` keeping what the 1/4 IDCT needs (`qt`: the
    /// component's [`QuarterTables`]).
    #[inline(always)]
    pub(crate) fn quarter(
        &self,
        r: &mut Reader<'_>,
        c: usize,
        qt: &QuarterTables,
    ) -> Result<(i32, QuarterAc), ScanError> {
        match (self.dc.get(c), self.ac.get(c)) {
            (Some(dc), Some(ac)) => quarter_block(r, dc, ac, qt),
            _ => Err(ScanError::Header("component")),
        }
    }

    /// The 1/4 decode's tables of scan component `c` with quantisers `q` (zigzag order).
    pub(crate) fn quarter_tables(&self, c: usize, q: &[i32; 64]) -> Option<QuarterTables> {
        Some(QuarterTables::new(self.ac.get(c)?, q))
    }
}

/// Whether some byte of `w` is 0xFF.
#[inline]
fn has_ff(w: u64) -> bool {
    let x = !w;
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080 != 0
}

/// MSB-first bit reader over entropy-coded bytes that unstuffs `FF 00` and stops at any
/// marker or the end of the data (then supplies zeros, and `stopped` tells). `Copy`, and
/// its slow refill takes and returns it by value, so that the hot loop keeps it in
/// registers.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Unstuffed bytes loaded so far (bits consumed: `8 * ubytes - n`).
    ubytes: u64,
    /// Left-aligned; the bits below the top `n` are zero.
    bits: u64,
    /// Valid bits; below 0 only after the data stopped and more bits were consumed than
    /// it held (the hot loop checks that once a block).
    pub(crate) n: i32,
    pub(crate) stopped: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader {
            data,
            pos: 0,
            ubytes: 0,
            bits: 0,
            n: 0,
            stopped: false,
        }
    }

    /// Loads bytes until at least 57 bits are valid or the data stops.
    /// Bits consumed since the start (unstuffed).
    #[inline]
    pub(crate) fn consumed(&self) -> i64 {
        8 * self.ubytes as i64 - i64::from(self.n)
    }

    #[inline]
    pub(crate) fn refill(&mut self) {
        if !(0..=56).contains(&self.n) {
            return;
        }
        if let Some(w) = self.data.get(self.pos..self.pos + 8) {
            let w = u64::from_be_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            if !has_ff(w) {
                let n = self.n as u32;
                let take = (64 - n) / 8;
                self.bits |= (w >> (64 - 8 * take)) << (64 - n - 8 * take);
                self.n += 8 * take as i32;
                self.pos += take as usize;
                self.ubytes += u64::from(take);
                return;
            }
        }
        *self = self.refill_slow();
    }

    #[inline(never)]
    fn refill_slow(mut self) -> Self {
        while self.n <= 56 && !self.stopped {
            let Some(&b) = self.data.get(self.pos) else {
                self.stopped = true;
                break;
            };
            if b == 0xFF {
                if self.data.get(self.pos + 1) == Some(&0) {
                    self.pos += 2;
                } else {
                    self.stopped = true;
                    break;
                }
            } else {
                self.pos += 1;
            }
            self.bits |= u64::from(b) << (56 - self.n);
            self.n += 8;
            self.ubytes += 1;
        }
        self
    }

    #[inline]
    fn consume(&mut self, len: u32) -> Result<(), ScanError> {
        if len as i32 > self.n {
            return Err(ScanError::Marker);
        }
        self.bits <<= len;
        self.n -= len as i32;
        Ok(())
    }

    /// The raw offset of the byte holding the next unread bit, and that bit's index in
    /// it (0: the most significant).
    pub(crate) fn position(&self) -> (usize, u32) {
        // The `n` valid bits are the tail of whole bytes loaded last.
        let n = self.n.max(0) as u32;
        let mut back = n.div_ceil(8);
        let mut p = self.pos;
        while back > 0 {
            // A data byte FF is stored as FF 00.
            if p >= 2 && self.data[p - 1] == 0 && self.data[p - 2] == 0xFF {
                p -= 2;
            } else {
                p -= 1;
            }
            back -= 1;
        }
        (p, (8 - n % 8) % 8)
    }
}

/// State at the start of an MCU row: where its first bit is and the DC predictors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowStart {
    /// Raw offset (in the entropy-coded data) of the byte holding the first bit.
    pub(crate) byte: usize,
    /// Index of the first bit in that byte, 0 = most significant.
    pub(crate) bit: u32,
    /// DC predictor of each scan component.
    pub(crate) predictors: Vec<i32>,
}

/// Sign-extends `s` extra bits `v` (libjpeg's `HUFF_EXTEND`).
#[inline]
fn extend(v: i32, s: u32) -> i32 {
    if s == 0 {
        0
    } else if v < 1 << (s - 1) {
        v - (1 << s) + 1
    } else {
        v
    }
}

/// Bits of the multi-symbol AC table (2 bytes an entry: 32 KB a table).
const MULTI: u32 = 14;
/// Bits of the advance field of a multi-symbol entry.
const ADVANCE_SHIFT: u32 = 5;
/// Flag in a multi-symbol entry: the group ends with an end of block.
const GROUP_EOB: u16 = 1 << 12;
/// Flag: the group holds more than one symbol.
const GROUP_MANY: u16 = 1 << 13;
/// Advance of an entry where not even one symbol fits.
const NO_GROUP: u16 = 127 << ADVANCE_SHIFT;

/// For each `MULTI`-bit pattern, the run of whole AC symbols (code and extra bits) it
/// starts with, stopping after an end of block or before the advance reaches 64:
/// `bits | advance << 5 | flags`, the advance plus 64 if the group ends with an end of
/// block; [`NO_GROUP`] when not even one symbol fits. Then `k + advance < 64` is the
/// common case: no end of block, block not complete.
fn multi_table(ac: &Table) -> Box<[u16; 1 << MULTI]> {
    let mut t = Box::new([0u16; 1 << MULTI]);
    for (p, slot) in t.iter_mut().enumerate() {
        let (mut used, mut advance, mut count, mut eob) = (0u32, 0u32, 0u32, false);
        while used < MULTI {
            let rest = (p as u64) << (64 - MULTI + used);
            let Ok((code_len, sym)) = ac.decode(rest) else {
                break;
            };
            let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
            let len = code_len + size;
            if used + len > MULTI {
                break;
            }
            if size == 0 && run != 15 {
                used += len;
                count += 1;
                eob = true;
                break;
            }
            let step = if size == 0 { 16 } else { run + 1 };
            if advance + step > 63 {
                break;
            }
            used += len;
            count += 1;
            advance += step;
        }
        *slot = if count > 0 {
            (used | (advance + if eob { 64 } else { 0 }) << ADVANCE_SHIFT) as u16
                | if eob { GROUP_EOB } else { 0 }
                | if count > 1 { GROUP_MANY } else { 0 }
        } else {
            NO_GROUP
        };
    }
    t
}

/// The per-block tables of the scanner.
struct FastTables {
    /// Per block of an MCU: its scan component.
    blocks: Vec<usize>,
    /// Per scan component: the AC table's multi-symbol lookup.
    multi: Vec<Box<[u16; 1 << MULTI]>>,
}

impl FastTables {
    fn new(blocks: &[u8], ac: &[Table]) -> FastTables {
        FastTables {
            blocks: blocks.iter().map(|&c| usize::from(c)).collect(),
            multi: ac.iter().map(multi_table).collect(),
        }
    }
}

/// Reads one block; returns the DC difference.
#[inline(always)]
fn scan_block(
    r: &mut Reader<'_>,
    dc: &Table,
    ac: &Table,
    multi: &[u16; 1 << MULTI],
) -> Result<i32, ScanError> {
    let diff = dc_diff(r, dc)?;
    let mut k = 1u32;
    loop {
        if r.n < 32 {
            r.refill();
        }
        let g = multi[(r.bits >> (64 - MULTI)) as usize];
        let t = k + u32::from(g >> ADVANCE_SHIFT & 127);
        let len = u32::from(g & 31);
        if t < 64 {
            // Whole symbols, no end of block, no coefficient past 63.
            r.bits <<= len;
            r.n -= len as i32;
            k = t;
            continue;
        }
        if r.n < 0 {
            return Err(ScanError::Marker);
        }
        if g & GROUP_EOB != 0 && t - 64 < 64 {
            r.consume(len)?;
            return Ok(diff);
        }
        if g & (GROUP_MANY | GROUP_EOB) == 0 && len != 0 {
            // One symbol reaching coefficient 63 or past.
            r.consume(len)?;
            if t == 64 {
                return Ok(diff);
            }
            return Err(ScanError::Overflow);
        }
        let e = u32::from(ac.lookup[(r.bits >> (64 - LOOK)) as usize]);
        let (len, advance) = if e != 0 {
            (e & 31, e >> 5)
        } else {
            ac_long(ac, r.bits)?
        };
        r.consume(len)?;
        k += advance;
        if k >= 64 {
            if k == 64 || advance == EOB {
                return Ok(diff);
            }
            return Err(ScanError::Overflow);
        }
    }
}

#[inline(never)]
fn ac_long(ac: &Table, bits: u64) -> Result<(u32, u32), ScanError> {
    let (len, sym) = ac.decode_long((bits >> 48) as u32)?;
    let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
    let advance = match (run, size) {
        (15, 0) => 16,
        (_, 0) => EOB,
        _ => run + 1,
    };
    Ok((len + size, advance))
}

/// Scans `data` (the entropy-coded bytes from the scan's start) up to the start of MCU
/// row `row`.
pub(crate) fn scan_to_row(spec: &ScanSpec, data: &[u8], row: u64) -> Result<RowStart, ScanError> {
    let mut r = Reader::new(data);
    let mut predictors = vec![0i32; spec.dc.len()];
    scan_mcus(
        spec,
        &mut r,
        &mut predictors,
        row.saturating_mul(spec.mcus_per_row),
    )?;
    let (byte, bit) = r.position();
    Ok(RowStart {
        byte,
        bit,
        predictors,
    })
}

/// Scans from `start` (found by [`scan_to_row`] on the same `data`) to the end of the
/// image, and checks that the data ends there: the last MCU's last bit is in the last
/// byte before the end of `data`. Then libjpeg-turbo decodes the whole scan without a
/// warning, whatever its read-ahead (which differs between the serial decode and a strip,
/// and decides whether trailing bytes after the last MCU are reported).
pub(crate) fn scan_to_end(
    spec: &ScanSpec,
    data: &[u8],
    start: &RowStart,
    row: u64,
) -> Result<(), ScanError> {
    let rest = data.get(start.byte..).ok_or(ScanError::Marker)?;
    let mut r = Reader::new(rest);
    r.refill();
    r.consume(start.bit)?;
    let mut predictors = start.predictors.clone();
    let rows = spec.mcu_rows.saturating_sub(row);
    scan_mcus(
        spec,
        &mut r,
        &mut predictors,
        rows.saturating_mul(spec.mcus_per_row),
    )?;
    let (byte, bit) = r.position();
    // Past the byte holding the next bit (if partly used), only the end of the data.
    let next = match (bit, rest.get(byte)) {
        (0, _) => byte,
        (_, Some(0xFF)) => byte + 2,
        _ => byte + 1,
    };
    if next != rest.len() {
        return Err(ScanError::Trailing);
    }
    Ok(())
}

fn scan_mcus(
    spec: &ScanSpec,
    r: &mut Reader<'_>,
    predictors: &mut [i32],
    mcus: u64,
) -> Result<(), ScanError> {
    let fast = &spec.fast;
    for _ in 0..mcus {
        for &c in &fast.blocks {
            let (Some(dc), Some(ac), Some(multi), Some(p)) = (
                spec.dc.get(c),
                spec.ac.get(c),
                fast.multi.get(c),
                predictors.get_mut(c),
            ) else {
                return Err(ScanError::Header("component"));
            };
            *p = p.wrapping_add(scan_block(r, dc, ac, multi)?);
        }
    }
    Ok(())
}

/// Unstuffed bytes of at most this many are read for a strip's first MCU (an MCU of 10
/// blocks of 64 codes of 16 bits and 15 extra bits holds under 2.5 KB).
const FIRST_MCU_WINDOW: usize = 4096;

/// An exact bit reader over unstuffed bytes.
struct Bits<'a> {
    bytes: &'a [u8],
    /// Next bit, from bit 0 of byte 0.
    pos: usize,
}

impl Bits<'_> {
    /// The next `n` ≤ 16 bits, zeros past the end.
    fn peek(&self, n: u32) -> u32 {
        let mut v = 0u32;
        for i in 0..3 {
            let byte = self.bytes.get(self.pos / 8 + i).copied().unwrap_or(0);
            v = v << 8 | u32::from(byte);
        }
        // 24 bits from the byte holding `pos`.
        (v << (self.pos % 8) & 0x00FF_FFFF) >> (24 - n)
    }

    fn take(&mut self, n: u32) -> Result<u32, ScanError> {
        if self.pos + n as usize > self.bytes.len() * 8 {
            return Err(ScanError::Marker);
        }
        let v = if n == 0 { 0 } else { self.peek(n) };
        self.pos += n as usize;
        Ok(v)
    }

    fn symbol(&mut self, t: &Table) -> Result<u8, ScanError> {
        let (len, sym) = t.decode(u64::from(self.peek(16)) << 48)?;
        self.take(len)?;
        Ok(sym)
    }
}

/// MSB-first bit writer into unstuffed bytes.
struct Writer {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Writer {
    fn put(&mut self, v: u32, len: u32) {
        if len == 0 {
            return;
        }
        self.acc = self.acc << len | u64::from(v) & ((1u64 << len) - 1);
        self.n += len;
        while self.n >= 8 {
            self.out.push((self.acc >> (self.n - 8)) as u8);
            self.n -= 8;
        }
        self.acc &= (1 << self.n) - 1;
    }

    fn copy(&mut self, from: &Bits<'_>, start: usize, end: usize) {
        let mut src = Bits {
            bytes: from.bytes,
            pos: start,
        };
        while src.pos < end {
            let n = (end - src.pos).min(16) as u32;
            let v = src.peek(n);
            src.pos += n as usize;
            self.put(v, n);
        }
    }
}

/// Where each block of the first MCU lies, in bits of the unstuffed window.
struct BlockBits {
    dc_start: usize,
    dc_end: usize,
    diff: i32,
    end: usize,
}

/// The category of a DC value and its extra bits (JPEG's DC coding).
fn dc_category(v: i32) -> (u32, u32) {
    let category = 32 - v.unsigned_abs().leading_zeros();
    let bits = if v < 0 { v.wrapping_sub(1) } else { v } as u32;
    (category, bits & ((1u64 << category) - 1) as u32)
}

/// Sequences of run-0 AC symbols ending with an end of block whose coded lengths cover
/// every residue mod 8, if the table allows: the padding of the first block.
fn pads(ac: &Table) -> [Option<(u32, Vec<u8>)>; 8] {
    let mut best: [Option<(u32, Vec<u8>)>; 8] = Default::default();
    let (_, eob_len) = ac.codes[0];
    if eob_len == 0 {
        return best;
    }
    let symbols: Vec<(u8, u32)> = (1..=15u8)
        .filter_map(|s| {
            let (_, len) = ac.codes[usize::from(s)];
            (len != 0).then_some((s, u32::from(len) + u32::from(s)))
        })
        .collect();
    // Breadth first over up to 4 coefficients.
    let mut frontier: Vec<(u32, Vec<u8>)> = vec![(u32::from(eob_len), Vec::new())];
    for _ in 0..=4 {
        let mut next = Vec::new();
        for (len, seq) in frontier {
            let slot = &mut best[(len % 8) as usize];
            if slot.is_none() {
                *slot = Some((len, seq.clone()));
            }
            for &(s, l) in &symbols {
                let mut longer = seq.clone();
                longer.push(s);
                next.push((len + l, longer));
            }
        }
        frontier = next;
        if best.iter().all(Option::is_some) {
            break;
        }
    }
    best
}

/// The entropy-coded data of a strip starting at MCU row `start` (found by
/// [`scan_to_row`]), as a stand-alone scan: its first MCU re-encoded so that each
/// component's first DC difference is against predictor 0, and its first block's AC
/// coefficients replaced by a padding that makes the rest of the data keep its bit
/// alignment: the bytes after the first MCU are copied as they are. The first block's
/// pixels change, so the caller must throw away the strip's first MCU row. `data` is the
/// rest of the file from the scan's first byte; the result ends as `data` does (EOI and
/// whatever follows it).
pub(crate) fn reencode_from(
    spec: &ScanSpec,
    data: &[u8],
    start: &RowStart,
) -> Result<Vec<u8>, ScanError> {
    let fail = ScanError::Reencode;
    // Unstuffed window, and the raw offset just past each of its bytes.
    let raw = data.get(start.byte..).ok_or(fail("start past the data"))?;
    let mut window = Vec::with_capacity(FIRST_MCU_WINDOW);
    let mut raw_end = Vec::with_capacity(FIRST_MCU_WINDOW);
    let mut i = 0;
    while window.len() < FIRST_MCU_WINDOW {
        let Some(&b) = raw.get(i) else { break };
        if b == 0xFF {
            if raw.get(i + 1) != Some(&0) {
                break;
            }
            i += 2;
        } else {
            i += 1;
        }
        window.push(b);
        raw_end.push(i);
    }
    let mut bits = Bits {
        bytes: &window,
        pos: start.bit as usize,
    };
    let mut blocks = Vec::with_capacity(spec.blocks.len());
    for &c in &spec.blocks {
        let c = usize::from(c);
        let (dc, ac) = (&spec.dc[c], &spec.ac[c]);
        let dc_start = bits.pos;
        let s = u32::from(bits.symbol(dc)?);
        let diff = extend(bits.take(s)? as i32, s);
        let dc_end = bits.pos;
        let mut k = 1u32;
        while k < 64 {
            let sym = bits.symbol(ac)?;
            let (run, size) = (u32::from(sym >> 4), u32::from(sym & 15));
            if size == 0 {
                if run != 15 {
                    break;
                }
                k += 16;
            } else {
                k += run;
                if k > 63 {
                    return Err(ScanError::Overflow);
                }
                bits.take(size)?;
                k += 1;
            }
        }
        if k > 64 {
            return Err(ScanError::Overflow);
        }
        blocks.push(BlockBits {
            dc_start,
            dc_end,
            diff,
            end: bits.pos,
        });
    }
    let q = bits.pos;
    // New DC codes of each component's first block; lengths of everything but the pad.
    let mut seen = [false; 4];
    let mut plan = Vec::with_capacity(blocks.len());
    let mut fixed = 0usize;
    for (index, (&c, b)) in spec.blocks.iter().zip(&blocks).enumerate() {
        let c = usize::from(c);
        let first = !std::mem::replace(seen.get_mut(c).ok_or(fail("component"))?, true);
        let dc_code = if first {
            let value = start
                .predictors
                .get(c)
                .ok_or(fail("component"))?
                .wrapping_add(b.diff);
            let (category, extra) = dc_category(value);
            if category > 15 {
                return Err(fail("DC value out of range"));
            }
            let (code, len) = spec.dc[c]
                .codes
                .get(category as usize)
                .copied()
                .ok_or(fail("DC category above 15"))?;
            if len == 0 {
                return Err(fail("no DC code for the category"));
            }
            fixed += usize::from(len) + category as usize;
            Some((u32::from(code), u32::from(len), extra, category))
        } else {
            fixed += b.dc_end - b.dc_start;
            None
        };
        if index > 0 {
            fixed += b.end - b.dc_end;
        }
        plan.push(dc_code);
    }
    let c0 = usize::from(spec.blocks[0]);
    let need = (q as i64 - fixed as i64).rem_euclid(8);
    let pad = pads(&spec.ac[c0])
        .into_iter()
        .nth(need as usize)
        .flatten()
        .ok_or(fail("no AC padding of the needed length"))?;
    let mut w = Writer {
        out: Vec::with_capacity(64),
        acc: 0,
        n: 0,
    };
    for (index, (b, dc_code)) in blocks.iter().zip(&plan).enumerate() {
        match *dc_code {
            Some((code, len, extra, category)) => {
                w.put(code, len);
                w.put(extra, category);
            }
            None => w.copy(&bits, b.dc_start, b.dc_end),
        }
        if index == 0 {
            let ac = &spec.ac[c0];
            for &s in &pad.1 {
                let (code, len) = ac.codes[usize::from(s)];
                w.put(u32::from(code), u32::from(len));
                w.put(0, u32::from(s));
            }
            let (code, len) = ac.codes[0];
            w.put(u32::from(code), u32::from(len));
        } else {
            w.copy(&bits, b.dc_end, b.end);
        }
    }
    if w.n as usize != q % 8 {
        return Err(fail("padding arithmetic"));
    }
    let tail_start = if w.n != 0 {
        let byte = window.get(q / 8).ok_or(fail("window"))?;
        let merged = (w.acc << (8 - w.n)) as u8 | (byte & (0xFF >> w.n));
        w.out.push(merged);
        raw_end[q / 8]
    } else if q / 8 == 0 {
        0
    } else {
        raw_end[q / 8 - 1]
    };
    let tail = raw.get(tail_start..).ok_or(fail("tail"))?;
    let mut out = Vec::with_capacity(w.out.len() * 2 + tail.len());
    for &b in &w.out {
        out.push(b);
        if b == 0xFF {
            out.push(0);
        }
    }
    out.extend_from_slice(tail);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard luminance DC table (JPEG Annex K.3).
    fn std_dc() -> Table {
        let counts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        Table::new(&counts, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], true).unwrap()
    }

    /// The standard luminance AC table.
    fn std_ac() -> Table {
        let counts = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
        let values = [
            0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51,
            0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1,
            0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18,
            0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
            0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57,
            0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
            0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92,
            0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
            0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
            0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
            0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2,
            0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
        ];
        Table::new(&counts, &values, false).unwrap()
    }

    #[test]
    fn canonical_codes_match_annex_k() {
        let (dc, ac) = (std_dc(), std_ac());
        // Category 0: 00; 1: 010; 11: 111111110.
        assert_eq!(dc.codes[0], (0b00, 2));
        assert_eq!(dc.codes[1], (0b010, 3));
        assert_eq!(dc.codes[11], (0b1_1111_1110, 9));
        // EOB 1010, (0,1) 00, ZRL 11111111001, (15,10) sixteen bits 1111111111111110.
        assert_eq!(ac.codes[0x00], (0b1010, 4));
        assert_eq!(ac.codes[0x01], (0b00, 2));
        assert_eq!(ac.codes[0xf0], (0b111_1111_1001, 11));
        assert_eq!(ac.codes[0xfa], (0xFFFE, 16));
        // Lookups: "1010" is an EOB; "00" + 1 extra bit is one coefficient.
        assert_eq!(u32::from(ac.lookup[0b1010 << (LOOK - 4)]), 4 | EOB << 5);
        assert_eq!(u32::from(ac.lookup[0]), 3 | 1 << 5);
        // A 16-bit code through the long path; all ones is no code.
        assert_eq!(ac.decode_long(0xFFFE), Ok((16, 0xfa)));
        assert_eq!(ac.decode_long(0xFFFF), Err(ScanError::BadCode));
        assert_eq!(ac.decode(0xFFFE << 48), Ok((16, 0xfa)));
        assert_eq!(dc.decode(0b010 << 61), Ok((3, 1)));
        // Too many codes of one length overrun the code space.
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Table::new(&counts, &[0, 1, 2], true).is_err());
        // DC symbols above 15 are refused, as libjpeg-turbo does.
        counts[0] = 1;
        assert!(Table::new(&counts, &[16], true).is_err());
    }

    #[test]
    fn multi_symbol_groups() {
        let ac = std_ac();
        let m = multi_table(&ac);
        let at = |bits: u32, len: u32| m[(bits << (MULTI - len)) as usize];
        // 000 000 000 000 00: four (0,1) coefficients, 12 bits (two left over).
        assert_eq!(at(0, 14), 12 | 4 << ADVANCE_SHIFT | GROUP_MANY);
        // 000 1010: one coefficient and an end of block, 7 bits.
        assert_eq!(
            at(0b000_1010, 7),
            7 | (1 + 64) << ADVANCE_SHIFT | GROUP_EOB | GROUP_MANY
        );
        // ZRL (11 bits) then 000: the ZRL and one coefficient, 14 bits.
        assert_eq!(
            at(0b11_1111_1100_1000, 14),
            14 | 17 << ADVANCE_SHIFT | GROUP_MANY
        );
        // (0,3) 100 + 3 bits, (0,2) 01 + 2 bits, (0,1) 00 + 1 bit: 13 bits.
        assert_eq!(at(0b10_0000_0100, 10), 13 | 3 << ADVANCE_SHIFT | GROUP_MANY);
        // (0,3), (0,2), then (0,3) does not fit: 10 bits.
        assert_eq!(
            at(0b10_0000_0100_1000, 14),
            10 | 2 << ADVANCE_SHIFT | GROUP_MANY
        );
        // A 16-bit code does not fit.
        assert_eq!(at(0x3FFF, 14), NO_GROUP);
        // Groups stop before the advance passes 63: sixteen (0,1) would be 48 bits;
        // with k near 63 the scanner takes the single-symbol path instead.
        for &g in m.iter().filter(|&&g| g != NO_GROUP) {
            let advance = g >> ADVANCE_SHIFT & 127;
            let eob = g & GROUP_EOB != 0;
            assert_eq!(advance >= 64, eob, "{g:#x}");
            assert!(g & 31 <= MULTI as u16);
        }
    }

    #[test]
    fn quarter_groups() {
        let ac = std_ac();
        let field = |g: u64| {
            (
                g & 31,
                g >> 5 & 127,
                g & G_EOB != 0,
                g >> 16 & 15,
                g >> 20 & 63,
                (g >> 32) as i16,
                (g >> 48) as i16,
            )
        };
        let qt = QuarterTables::new(&ac, &[1; 64]);
        // (0,2) 01 + 00 = −3, then (3,1) 111010 + 1 = 1 at offset 1 + 3: 11 bits.
        assert_eq!(
            field(qt.groups[0b0100_1110_1010]),
            (11, 5, false, 0, 4, -3, 1)
        );
        // (0,1) 00 + 0 = −1, then an end of block 1010: 7 bits.
        assert_eq!(
            field(qt.groups[0b0001_0100_1101]),
            (7, 65, true, 0, 0, -1, 0)
        );
        // A ZRL does not fit in 12 bits with a coefficient; alone it takes 11.
        assert_eq!(field(qt.groups[0b1111_1111_0010]).0, 11);
        assert_eq!(field(qt.groups[0b1111_1111_0010]).1, 16);
        // A 16-bit code: no group.
        assert_eq!(qt.groups[0xFFF], G_NONE);
        // (0,4) 1011 + 4 bits: grouped with quantisers of 1; not when a quantiser the
        // IDCT reads is 2048 (16383 / 2048 = 7: only sizes up to 3 are safe).
        assert_eq!(field(qt.groups[0b1011_0000_1111]).0, 8);
        let mut q = [1; 64];
        q[QUARTER_Z[4][4]] = 2048;
        let qt = QuarterTables::new(&ac, &q);
        assert_eq!(qt.w.safe_size, 3);
        assert_eq!(qt.groups[0b1011_0000_1111], G_NONE);
    }

    /// A block whose last coefficient is 63 ends there, even when the next block's bits
    /// look like an end of block (a group must not take them).
    #[test]
    fn quarter_block_ends_at_coefficient_63() {
        let (dc, ac) = (std_dc(), std_ac());
        let mut w = Writer {
            out: Vec::new(),
            acc: 0,
            n: 0,
        };
        let put = |w: &mut Writer, t: &Table, sym: u8, extra: u32| {
            let (code, len) = t.codes[usize::from(sym)];
            w.put(u32::from(code), u32::from(len));
            w.put(extra, u32::from(sym & 15));
        };
        // DC difference 0; ZRL × 3 (to 49); (0,1) = 1 at 49..=61; (1,1) = 1 at 63.
        put(&mut w, &dc, 0, 0);
        for _ in 0..3 {
            put(&mut w, &ac, 0xf0, 0);
        }
        for _ in 0..13 {
            put(&mut w, &ac, 0x01, 1);
        }
        put(&mut w, &ac, 0x11, 1);
        let end = 8 * w.out.len() as i64 + i64::from(w.n);
        // The next block: DC category 4 (101), then anything.
        put(&mut w, &dc, 4, 0);
        w.put(0, 32);
        let mut data = Vec::new();
        for &b in &w.out {
            data.push(b);
            if b == 0xFF {
                data.push(0);
            }
        }
        let mut z = [0i32; 64];
        z[49..=61].fill(1);
        z[63] = 1;
        for q in [[1; 64], [3; 64]] {
            let qt = QuarterTables::new(&ac, &q);
            let mut r = Reader::new(&data);
            let (diff, got) = quarter_block(&mut r, &dc, &ac, &qt).unwrap();
            assert_eq!((diff, r.consumed()), (0, end));
            assert_eq!(Ok(got), quarter_ac(&z, &q));
            assert_ne!(got, QuarterAc::default());
        }
    }

    #[test]
    fn quarter_idct_matches_libjpeg_arithmetic() {
        let q = [2i32; 64];
        let mut z = [0i32; 64];
        // DC only: (4 × dc × q) << 15 descaled by 20 bits: dc × q / 8, rounded, + 128.
        assert_eq!(quarter_ac(&z, &q), Ok(QuarterAc::default()));
        assert_eq!(quarter_samples(&QuarterAc::default(), 20, 2), Ok([133; 4]));
        // Coefficient (0, 1) = 10 (zigzag 1): column 1's row 0, dequantised 20; pass 1
        // gives 20 × 4 = 80 in both rows of column 1; pass 2 adds ±80 × 29692 to each
        // row's DC term: ±2 after descaling by 20 bits (80 × 29692 / 2^20 = 2.27).
        z[1] = 10;
        let ac = quarter_ac(&z, &q).unwrap();
        assert_eq!(
            ac,
            QuarterAc {
                a: [0, 0],
                t: [80 * 29692, 80 * 29692]
            }
        );
        assert_eq!(quarter_samples(&ac, 0, 2), Ok([130, 126, 130, 126]));
        // Coefficient (1, 0) = 10 (zigzag 2): column 0's odd part, 20 × 29692 = 593840;
        // DESCALE by 13: ±72 (72.49) in the first column's work values.
        z[1] = 0;
        z[2] = 10;
        let ac = quarter_ac(&z, &q).unwrap();
        assert_eq!(ac.a, [72, -72]);
        // Coefficients the IDCT does not read (zigzag 3 is (2, 0)) change nothing.
        z[3] = -500;
        assert_eq!(quarter_ac(&z, &q).unwrap(), ac);
        // Coefficient (7, 0) (zigzag 35) dequantised: 8191 × 2 = 16382 is within range
        // (its work value 16382 × -5906 / 2^13 too), 8192 × 2 = 16384 is not.
        z[35] = -8191;
        assert_eq!(quarter_ac(&z, &q).map(|ac| ac.a), Ok([11883, -11883]));
        z[35] = -8192;
        assert_eq!(quarter_ac(&z, &q), Err(ScanError::Range));
        z[35] = 0;
        // Outside the range where libjpeg-turbo's C and SSE2 code agree: refused.
        z[1] = 9000;
        assert_eq!(quarter_ac(&z, &q), Err(ScanError::Range));
        assert_eq!(
            quarter_samples(&QuarterAc::default(), 5000, 4),
            Err(ScanError::Range)
        );
        // A sample past ±512 (libjpeg wraps, SIMD saturates): refused.
        let odd = QuarterAc {
            a: [0, 0],
            t: [600 << 20, 0],
        };
        assert_eq!(quarter_samples(&odd, 0, 1), Err(ScanError::Range));
        assert_eq!(
            quarter_samples(&QuarterAc::default(), 1000, 1),
            Ok([253; 4])
        );
    }

    #[test]
    fn dc_categories_and_extension() {
        for v in [-2047, -1024, -1023, -3, -1, 0, 1, 2, 255, 2047] {
            let (category, bits) = dc_category(v);
            assert_eq!(extend(bits as i32, category), v, "{v}");
        }
        assert_eq!(dc_category(-3), (2, 0b00));
        assert_eq!(dc_category(5), (3, 0b101));
        assert_eq!(dc_category(0), (0, 0));
    }

    #[test]
    fn padding_covers_every_residue_with_standard_tables() {
        let p = pads(&std_ac());
        for (residue, pad) in p.iter().enumerate() {
            let (len, seq) = pad.as_ref().expect("a padding");
            assert_eq!(*len as usize % 8, residue);
            let coded: u32 = seq
                .iter()
                .map(|&s| u32::from(std_ac().codes[usize::from(s)].1) + u32::from(s))
                .sum::<u32>()
                + 4;
            assert_eq!(coded, *len);
        }
        // Only an end of block (EOB), then (0,1) 3 bits: EOB alone is 4 bits.
        assert_eq!(p[4], Some((4, vec![])));
    }

    #[test]
    fn reader_unstuffs_stops_at_markers_and_reports_positions() {
        // 12 FF 00 34 | FF D9: bytes 12 FF 34 then a marker.
        let data = [0x12, 0xFF, 0x00, 0x34, 0x56, 0xFF, 0xD9];
        let mut r = Reader::new(&data);
        r.refill();
        assert_eq!(r.n, 32);
        assert_eq!(r.bits >> 32, 0x12FF_3456);
        assert!(r.stopped);
        r.consume(12).unwrap();
        // Bit 12 is in the data byte FF (raw offset 1), bit 4 of it.
        assert_eq!(r.position(), (1, 4));
        r.consume(12).unwrap();
        assert_eq!(r.position(), (4, 0));
        assert_eq!(r.consume(9), Err(ScanError::Marker));
        // Eight bytes without FF load at once.
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        let mut r = Reader::new(&data);
        r.refill();
        assert_eq!((r.n, r.pos), (64, 8));
        r.consume(60).unwrap();
        assert_eq!(r.position(), (7, 4));
    }
}
