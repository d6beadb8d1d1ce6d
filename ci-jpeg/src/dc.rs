//! The 1/4- and 1/8-scale decode of files without restart markers, done by us and split
//! speculatively in two.
//!
//! At 1/8 libjpeg-turbo's IDCT (`jpeg_idct_1x1`) reads only the DC coefficient: a sample
//! is `range_limit[DESCALE(dc × q, 3) & 1023]`; at 1/4 `jpeg_idct_2x2` reads rows and
//! columns 0, 1, 3, 5, 7 (see `scan::quarter_samples`). 4:2:0 chroma too:
//! `tj3DecompressToYUV8` forces the luma's scaled IDCT on it. So the Huffman pass is most
//! of the decode. The first worker decodes from the scan's start and writes its samples;
//! the second starts in the middle of the data at a guessed block start (bit 0 of a byte,
//! first block of an MCU) and records where each of its blocks starts and their DC
//! *differences* (and AC parts). Huffman decoding resynchronises: once the first worker
//! meets a block start that the second also had, at the same bit and the same block of
//! the MCU, the two decoders are in the same state from there on (but for the DC
//! predictors, which the differences leave out) and the first stops. The second must end
//! with the data at the last MCU exactly; a code that is no code, a run past 63, a
//! marker, whole bytes after the last MCU, a value outside the range the IDCT is modelled
//! on, or no synchronisation in the window (then the first decodes the rest) send the
//! image elsewhere. With both parts the decode of the whole scan is checked as
//! `scan_to_end` checks it: every file accepted is one libjpeg-turbo decodes without a
//! warning.
//!
//! The planes are then written as `tj3DecompressToYUV8` writes them: it decodes each
//! iMCU row into a scratch buffer and copies the plane's width and rows out of it, so a
//! plane wider than the decoded blocks (the Y plane is padded to 2 at 4:2:0 and 4:2:2)
//! reads on into the buffer's next row (or the next component's), and rows under the
//! last decoded block row are the buffer's stale rows from the iMCU row before.

use std::sync::OnceLock;

use crate::scan::{quarter_samples, QuarterAc, QuarterTables, Reader, ScanError, ScanSpec};

/// Why the speculative path gave up (the caller then decodes otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DcError {
    /// Headers or geometry the path does not model.
    Unsupported(&'static str),
    /// The scan is not one libjpeg-turbo decodes without a warning (or we could not
    /// prove it is).
    Scan(ScanError),
}

impl From<ScanError> for DcError {
    fn from(e: ScanError) -> Self {
        DcError::Scan(e)
    }
}

/// One plane (frame component, in SOF order).
#[derive(Debug, Clone)]
struct Plane {
    h: usize,
    v: usize,
    /// The quantisers in zigzag order (≤ 32767: libjpeg-turbo's SIMD build keeps them
    /// in `short`s).
    q: [i32; 64],
    /// Blocks per row and block rows (libjpeg's `width_in_blocks`, `height_in_blocks`).
    wib: usize,
    hib: usize,
}

/// What the speculative path needs of the headers, at its scale.
pub(crate) struct DcGeom {
    /// Samples per block side: 1 at 1/8, 2 at 1/4.
    ds: usize,
    planes: Vec<Plane>,
    /// Per block of an MCU: plane, column and row within the MCU.
    blocks: Vec<(usize, usize, usize)>,
    /// Per block of an MCU: scan component (tables, predictor).
    comps: Vec<usize>,
    /// Per scan component: the 1/4 decode's tables (with its plane's quantisers); empty
    /// at 1/8.
    comp_w: Vec<QuarterTables>,
    mcus_per_row: usize,
    mcu_rows: usize,
    max_v: usize,
    /// Output rows at the scale.
    out_h: usize,
}

fn be16(b: &[u8], at: usize) -> Result<usize, DcError> {
    match b.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(usize::from(u16::from_be_bytes([hi, lo]))),
        _ => Err(DcError::Unsupported("truncated")),
    }
}

impl DcGeom {
    /// Reads the DQT, SOF and SOS segments before `scan_start` (checked by the layout
    /// parser already).
    pub(crate) fn parse(
        jpeg: &[u8],
        scan_start: usize,
        spec: &ScanSpec,
        ds: usize,
    ) -> Result<Self, DcError> {
        let bad = DcError::Unsupported;
        // Each table slot's quantisers (zigzag order), as defined last before the scan.
        let mut quant: [Option<[i32; 64]>; 4] = [None; 4];
        // (id, h, v, tq)
        let mut frame: Vec<(u8, usize, usize, usize)> = Vec::new();
        let (mut width, mut height) = (0usize, 0usize);
        let mut pos = 2;
        while pos < scan_start {
            let marker = *jpeg.get(pos + 1).ok_or(bad("truncated"))?;
            let len = be16(jpeg, pos + 2)?;
            let seg = jpeg.get(pos + 4..pos + 2 + len).ok_or(bad("truncated"))?;
            match marker {
                0xDB => {
                    let mut s = seg;
                    while let Some((&pq_tq, rest)) = s.split_first() {
                        let (pq, tq) = (pq_tq >> 4, usize::from(pq_tq & 15));
                        let n = match pq {
                            0 => 64,
                            1 => 128,
                            _ => return Err(bad("DQT precision")),
                        };
                        let table = rest.get(..n).ok_or(bad("DQT"))?;
                        let mut q = [0i32; 64];
                        for (i, v) in q.iter_mut().enumerate() {
                            *v = if pq == 0 {
                                i32::from(table[i])
                            } else {
                                i32::from(u16::from_be_bytes([table[2 * i], table[2 * i + 1]]))
                            };
                        }
                        *quant.get_mut(tq).ok_or(bad("DQT slot"))? = Some(q);
                        s = &rest[n..];
                    }
                }
                0xC0 | 0xC1 => {
                    height = be16(seg, 1)?;
                    width = be16(seg, 3)?;
                    let nf = usize::from(*seg.get(5).ok_or(bad("SOF"))?);
                    for c in seg.get(6..6 + 3 * nf).ok_or(bad("SOF"))?.chunks_exact(3) {
                        frame.push((
                            c[0],
                            usize::from(c[1] >> 4),
                            usize::from(c[1] & 15),
                            usize::from(c[2]),
                        ));
                    }
                }
                0xDA => {
                    let ns = usize::from(*seg.first().ok_or(bad("SOS"))?);
                    let sel = seg.get(1..1 + 2 * ns).ok_or(bad("SOS"))?;
                    let scan_ids: Vec<u8> = sel.chunks_exact(2).map(|p| p[0]).collect();
                    return Self::build(width, height, &frame, &scan_ids, &quant, spec, ds);
                }
                _ => {}
            }
            pos += 2 + len;
        }
        Err(bad("no SOS"))
    }

    fn build(
        width: usize,
        height: usize,
        frame: &[(u8, usize, usize, usize)],
        scan_ids: &[u8],
        quant: &[Option<[i32; 64]>; 4],
        spec: &ScanSpec,
        ds: usize,
    ) -> Result<Self, DcError> {
        let bad = DcError::Unsupported;
        if width == 0 || height == 0 {
            return Err(bad("empty frame"));
        }
        // Samplings `tj3DecompressToYUV8` writes as grey, 4:4:4, 4:2:2, 4:2:0 or 4:4:0:
        // the first component (h, v) ≤ 2, the others 1x1; grey 1x1.
        let ok = match frame {
            [(_, 1, 1, _)] => true,
            [(_, h, v, _), (_, 1, 1, _), (_, 1, 1, _)] => {
                (1..=2).contains(h) && (1..=2).contains(v)
            }
            _ => false,
        };
        if !ok || scan_ids.len() != frame.len() {
            return Err(bad("sampling"));
        }
        let (max_h, max_v) = (frame[0].1, frame[0].2);
        let mut planes = Vec::with_capacity(frame.len());
        for &(_, h, v, tq) in frame {
            let q = quant
                .get(tq)
                .copied()
                .flatten()
                .ok_or(bad("undefined quantisation table"))?;
            // libjpeg-turbo's SIMD build keeps quantisers in `short`s; above 32767 the
            // C and SIMD builds differ: not modelled.
            if q.iter().any(|&v| v > 0x7FFF) {
                return Err(bad("quantiser above 32767"));
            }
            planes.push(Plane {
                h,
                v,
                q,
                wib: (width * h).div_ceil(max_h * 8),
                hib: (height * v).div_ceil(max_v * 8),
            });
        }
        let mut blocks = Vec::new();
        let mut comps = Vec::new();
        let mut comp_w = Vec::new();
        for (k, id) in scan_ids.iter().enumerate() {
            let p = frame
                .iter()
                .position(|c| c.0 == *id)
                .ok_or(bad("scan component not in frame"))?;
            if ds == 2 {
                comp_w.push(
                    spec.quarter_tables(k, &planes[p].q)
                        .ok_or(bad("scan component without tables"))?,
                );
            }
            let (h, v) = if frame.len() == 1 {
                (1, 1)
            } else {
                (planes[p].h, planes[p].v)
            };
            for by in 0..v {
                for bx in 0..h {
                    blocks.push((p, bx, by));
                    comps.push(k);
                }
            }
        }
        if comps
            .iter()
            .map(|&k| k as u8)
            .ne(spec.blocks.iter().copied())
        {
            return Err(bad("MCU differs from the scanner's"));
        }
        let (mcus_per_row, mcu_rows) = if frame.len() == 1 {
            (planes[0].wib, planes[0].hib)
        } else {
            (width.div_ceil(8 * max_h), height.div_ceil(8 * max_v))
        };
        if (mcus_per_row as u64, mcu_rows as u64) != (spec.mcus_per_row, spec.mcu_rows) {
            return Err(bad("MCU grid differs from the scanner's"));
        }
        Ok(DcGeom {
            ds,
            planes,
            blocks,
            comps,
            comp_w,
            mcus_per_row,
            mcu_rows,
            max_v,
            out_h: (height * ds).div_ceil(8),
        })
    }

    fn total_blocks(&self) -> u64 {
        (self.mcus_per_row * self.mcu_rows * self.blocks.len()) as u64
    }
}

/// libjpeg-turbo's `IDCT_range_limit[x & RANGE_MASK]` for 8-bit samples.
fn range_limit(x: i32) -> u8 {
    let m = x & 1023;
    match m {
        0..128 => (m + 128) as u8,
        128..512 => 255,
        512..896 => 0,
        _ => (m - 896) as u8,
    }
}

/// `jpeg_idct_1x1` on an absolute DC value (libjpeg keeps it in an `int` predictor and
/// stores it in the block as a `short`).
#[inline]
fn sample(dc: i32, q: i32) -> u8 {
    let v = i32::from(dc as i16) * q;
    range_limit((v + 4) >> 3)
}

/// The first worker's view of the window where the second started: at each block start
/// its bit position, absolute block number and the DC predictors there.
struct ARecord {
    pos: i64,
    block: u64,
    preds: [i32; 4],
}

/// The decoded samples of each plane, (wib × ds) × (hib × ds), and where the next block
/// goes with the DC predictors so far.
struct Canvas {
    virt: Vec<Vec<u8>>,
    mx: usize,
    my: usize,
    i: usize,
    /// Blocks put so far (the next one's number).
    count: u64,
    preds: [i32; 4],
}

impl Canvas {
    fn new(geom: &DcGeom) -> Self {
        let ds = geom.ds;
        Canvas {
            virt: geom
                .planes
                .iter()
                .map(|p| vec![0u8; p.wib * p.hib * ds * ds])
                .collect(),
            mx: 0,
            my: 0,
            i: 0,
            count: 0,
            preds: [0; 4],
        }
    }

    /// Continues at block number `block` with the predictors `preds`.
    fn seek(&mut self, geom: &DcGeom, block: u64, preds: [i32; 4]) {
        let nb = geom.blocks.len().max(1) as u64;
        let mcu = block / nb;
        let per_row = geom.mcus_per_row.max(1) as u64;
        self.i = (block % nb) as usize;
        self.mx = (mcu % per_row) as usize;
        self.my = (mcu / per_row) as usize;
        self.count = block;
        self.preds = preds;
    }

    /// Puts the next block: its DC difference and, at 1/4, its AC part.
    #[inline(always)]
    fn put(&mut self, geom: &DcGeom, d: i32, ac: &QuarterAc) -> Result<(), ScanError> {
        let (p, bx, by) = geom.blocks[self.i];
        let c = geom.comps[self.i];
        let pred = &mut self.preds[c & 3];
        *pred = pred.wrapping_add(d);
        let dc = *pred;
        let plane = &geom.planes[p];
        let (col, row) = if geom.planes.len() == 1 {
            (self.mx, self.my)
        } else {
            (self.mx * plane.h + bx, self.my * plane.v + by)
        };
        if col < plane.wib && row < plane.hib {
            let ds = geom.ds;
            let iw = plane.wib * ds;
            let v = &mut self.virt[p];
            if ds == 2 {
                let s = quarter_samples(ac, dc, plane.q[0])?;
                let at = 2 * row * iw + 2 * col;
                if let Some(top) = v.get_mut(at..at + 2) {
                    top.copy_from_slice(&s[..2]);
                }
                if let Some(bottom) = v.get_mut(at + iw..at + iw + 2) {
                    bottom.copy_from_slice(&s[2..]);
                }
            } else if let Some(x) = v.get_mut(row * iw + col) {
                *x = sample(dc, plane.q[0]);
            }
        }
        self.count += 1;
        self.i += 1;
        if self.i == geom.blocks.len() {
            self.i = 0;
            self.mx += 1;
            if self.mx == geom.mcus_per_row {
                self.mx = 0;
                self.my += 1;
            }
        }
        Ok(())
    }
}

/// The second worker's decoded blocks in coding order: DC differences and, at 1/4, what
/// the IDCT needs of the AC coefficients (the predictors are known only once it met the
/// first worker).
struct Blocks {
    diffs: Vec<i32>,
    acs: Vec<QuarterAc>,
}

impl Blocks {
    fn with_capacity(n: usize, geom: &DcGeom) -> Self {
        Blocks {
            diffs: Vec::with_capacity(n),
            acs: Vec::with_capacity(if geom.ds == 2 { n } else { 0 }),
        }
    }

    fn len(&self) -> usize {
        self.diffs.len()
    }

    fn clear(&mut self) {
        self.diffs.clear();
        self.acs.clear();
    }

    /// Reads the next block, of scan component `c`.
    #[inline(always)]
    fn read(
        &mut self,
        spec: &ScanSpec,
        geom: &DcGeom,
        r: &mut Reader<'_>,
        c: usize,
    ) -> Result<(), ScanError> {
        if geom.ds == 1 {
            self.diffs.push(spec.block(r, c)?);
        } else {
            let w = geom.comp_w.get(c).ok_or(ScanError::Header("component"))?;
            let (d, ac) = spec.quarter(r, c, w)?;
            self.diffs.push(d);
            self.acs.push(ac);
        }
        Ok(())
    }
}

/// The first worker: decodes from the scan's start, writing its samples as it goes (it
/// knows the DC predictors), recording block starts from bit `lo`
/// and stopping at the first block start at or past `hi`, at one the second worker also
/// had (once it has published them), or at the end.
struct First<'a> {
    r: Reader<'a>,
    /// Its samples, written as it decodes.
    canvas: Canvas,
    records: Vec<ARecord>,
    /// The block where it met the second worker, and that block's index in its records.
    met: Option<(u64, usize)>,
}

impl<'a> First<'a> {
    fn new(data: &'a [u8], geom: &DcGeom) -> Self {
        First {
            r: Reader::new(data),
            canvas: Canvas::new(geom),
            records: Vec::new(),
            met: None,
        }
    }

    fn run(
        &mut self,
        spec: &ScanSpec,
        geom: &DcGeom,
        lo: i64,
        hi: i64,
        published: Option<&OnceLock<Vec<i64>>>,
    ) -> Result<(), ScanError> {
        // A local copy of the reader stays in registers in the loop.
        let mut r = self.r;
        let result = self.run_with(&mut r, spec, geom, lo, hi, published);
        self.r = r;
        result
    }

    #[inline(always)]
    fn run_with(
        &mut self,
        r: &mut Reader<'a>,
        spec: &ScanSpec,
        geom: &DcGeom,
        lo: i64,
        hi: i64,
        published: Option<&OnceLock<Vec<i64>>>,
    ) -> Result<(), ScanError> {
        let total = geom.total_blocks();
        let mut theirs: Option<&Vec<i64>> = None;
        let mut j = 0usize;
        while self.canvas.count < total {
            let idx = self.canvas.i;
            let pos = r.consumed();
            if pos >= lo {
                if pos >= hi {
                    return Ok(());
                }
                let block = self.canvas.count;
                self.records.push(ARecord {
                    pos,
                    block,
                    preds: self.canvas.preds,
                });
                if theirs.is_none() {
                    theirs = published.and_then(OnceLock::get);
                }
                if let Some(b) = theirs {
                    let key = pos << 4 | idx as i64;
                    while b.get(j).is_some_and(|&k| k < key) {
                        j += 1;
                    }
                    if b.get(j) == Some(&key) {
                        self.met = Some((block, j));
                        return Ok(());
                    }
                }
            }
            let c = geom.comps[idx];
            if geom.ds == 1 {
                let d = spec.block(r, c)?;
                self.canvas.put(geom, d, &QuarterAc::default())?;
            } else {
                let w = geom.comp_w.get(c).ok_or(ScanError::Header("component"))?;
                let (d, ac) = spec.quarter(r, c, w)?;
                self.canvas.put(geom, d, &ac)?;
            }
        }
        Ok(())
    }
}

/// Whether the reader is at the end of the data: no whole byte left, none consumed past
/// it (what `scan_to_end` checks after the last MCU).
fn at_end(r: &mut Reader<'_>) -> bool {
    r.refill();
    r.stopped && (0..8).contains(&r.n)
}

/// The second worker's decode from raw byte `p0` to the end of the data.
struct Second {
    /// Every block from its (last) start.
    blocks: Blocks,
    /// Block starts before bit `hi`: `pos << 4 | block of the MCU` (as guessed).
    records: Vec<i64>,
    /// Blocks decoded (from its start) at each block start in the data's last byte: where
    /// the scan may end (a block of a few bits may still follow).
    ends: Vec<usize>,
}

/// Decodes from raw byte `start` (guessing a first block of an MCU there) to the end of
/// the data, restarting a byte further after a decoding error; `None` when an error
/// comes at or past bit `hi` (no usable start left in the window). Publishes its block
/// starts in the window once past it.
fn second(
    spec: &ScanSpec,
    geom: &DcGeom,
    data: &[u8],
    mut start: usize,
    hi: i64,
    capacity: usize,
    publish: &OnceLock<Vec<i64>>,
) -> Option<Second> {
    let nb = geom.comps.len();
    // Stuffed zero bytes before `start` (every FF in the scan is followed by 00).
    let mut stuffed = memchr::memchr_iter(0xFF, data.get(..start)?).count();
    let mut blocks = Blocks::with_capacity(capacity, geom);
    let mut records = Vec::new();
    let mut ends = Vec::new();
    'restart: loop {
        blocks.clear();
        records.clear();
        let base = 8 * (start - stuffed) as i64;
        let mut r = Reader::new(data.get(start..)?);
        loop {
            let pos = base + r.consumed();
            if r.n < 8 && at_end(&mut r) {
                ends.push(blocks.len());
            }
            let idx = blocks.len() % nb;
            if pos < hi {
                records.push(pos << 4 | idx as i64);
            } else if publish.get().is_none() {
                let _ = publish.set(records.clone());
            }
            match blocks.read(spec, geom, &mut r, geom.comps[idx]) {
                Ok(()) => {}
                Err(_) if !ends.is_empty() => {
                    // Past the data's end.
                    let _ = publish.set(records.clone());
                    return Some(Second {
                        blocks,
                        records,
                        ends,
                    });
                }
                Err(_) => {
                    if base + r.consumed() >= hi {
                        return None;
                    }
                    let (byte, _) = r.position();
                    let mut next = start + byte + 1;
                    if data.get(next - 1) == Some(&0xFF) {
                        next += 1;
                    }
                    stuffed += memchr::memchr_iter(0xFF, data.get(start..next)?).count();
                    start = next;
                    continue 'restart;
                }
            }
        }
    }
}

/// How the speculative decode went.
pub(crate) struct DcDone {
    /// Blocks the first worker decoded before the synchronisation point (all of them when
    /// it decoded the whole scan).
    pub(crate) first_blocks: u64,
}

/// Decodes the scan `data` (its entropy-coded bytes, up to the EOI) at 1/4 or 1/8 into the
/// packed planes `out` (sizes `y_size`, `uv_size`), the second worker starting at the
/// share `permille` of the data (0: balanced).
pub(crate) fn decode(
    spec: &ScanSpec,
    geom: &DcGeom,
    data: &[u8],
    permille: u16,
    y_size: (usize, usize),
    uv_size: (usize, usize),
    out: &mut [u8],
) -> Result<DcDone, DcError> {
    let total = geom.total_blocks();
    let len = data.len();
    // The window where the first worker looks for the second's block starts: Huffman
    // codes resynchronise within a few blocks on real data.
    let window = (len / 16).clamp(16, 1 << 20);
    let mut p0 = match permille {
        // Balanced: the first worker stops where they meet, at once on real data.
        0 => len / 2,
        p => len * usize::from(p.min(1000)) / 1000,
    };
    if p0 > 0 && data.get(p0 - 1) == Some(&0xFF) {
        p0 += 1;
    }
    let lo = 8 * (p0 - memchr::memchr_iter(0xFF, data.get(..p0).unwrap_or(&[])).count()) as i64;
    let hi = lo + 8 * window as i64;
    let half = usize::try_from(total / 2 + 64).unwrap_or(0);
    let mut first = First::new(data, geom);
    let published = OnceLock::new();
    let (a, b) = if p0 == 0 || p0 + window >= len {
        (first.run(spec, geom, i64::MAX, i64::MAX, None), None)
    } else {
        rayon::join(
            || first.run(spec, geom, lo, hi, Some(&published)),
            || second(spec, geom, data, p0, hi, half, &published),
        )
    };
    a?;
    // The first block start both workers share (same bit, same block of the MCU), if the
    // first did not meet it while running (then it stopped there).
    let nb = geom.comps.len() as u64;
    let met = first.met.map(|(block, j)| (block, j, first.canvas.preds));
    let sync = met.or_else(|| {
        let b = b.as_ref()?;
        let mut j = 0;
        for rec in &first.records {
            let key = rec.pos << 4 | (rec.block % nb) as i64;
            while b.records.get(j).is_some_and(|&k| k < key) {
                j += 1;
            }
            if b.records.get(j) == Some(&key) {
                return Some((rec.block, j, rec.preds));
            }
        }
        None
    });
    let first_blocks = match (sync, &b) {
        (Some((block, j, preds)), Some(b)) => {
            // The scan must end after the last MCU: one of the possible ends.
            let need = usize::try_from(total - block.min(total)).unwrap_or(usize::MAX);
            let end = j.saturating_add(need);
            if !b.ends.contains(&end) {
                return Err(DcError::Scan(ScanError::Trailing));
            }
            let diffs = b
                .blocks
                .diffs
                .get(j..end)
                .ok_or(DcError::Unsupported("second part"))?;
            // The rest of the samples, from the second worker's blocks.
            first.canvas.seek(geom, block, preds);
            if geom.ds == 2 {
                let acs = b
                    .blocks
                    .acs
                    .get(j..end)
                    .ok_or(DcError::Unsupported("second part"))?;
                for (&d, ac) in diffs.iter().zip(acs) {
                    first.canvas.put(geom, d, ac)?;
                }
            } else {
                for &d in diffs {
                    first.canvas.put(geom, d, &QuarterAc::default())?;
                }
            }
            block
        }
        _ => {
            // No synchronisation: the first worker decodes the rest itself.
            first.run(spec, geom, i64::MAX, i64::MAX, None)?;
            if !at_end(&mut first.r) {
                return Err(DcError::Scan(ScanError::Trailing));
            }
            first.canvas.count
        }
    };
    if first.canvas.count != total {
        return Err(DcError::Scan(ScanError::Trailing));
    }
    write_planes(geom, &first.canvas.virt, y_size, uv_size, out)?;
    Ok(DcDone { first_blocks })
}

/// The pieces of [`decode`] for the benchmark, each on this thread: `part` 0 the first
/// worker (which writes its samples) up to the balanced start of the second; 1 the
/// second from there to the end; 2 the whole decode on one thread (no second worker) and
/// the planes; 3 the same without the planes; 4 the second worker and the samples of its
/// blocks. Returns blocks decoded, but for 2 and 4 the ns the planes or the samples took.
pub(crate) fn part_for_bench(
    spec: &ScanSpec,
    geom: &DcGeom,
    data: &[u8],
    part: u8,
    y_size: (usize, usize),
    uv_size: (usize, usize),
    out: &mut [u8],
) -> Result<u64, DcError> {
    let len = data.len();
    let window = (len / 16).clamp(16, 1 << 20);
    let mut p0 = len / 2;
    if p0 > 0 && data.get(p0 - 1) == Some(&0xFF) {
        p0 += 1;
    }
    let lo = 8 * (p0 - memchr::memchr_iter(0xFF, data.get(..p0).unwrap_or(&[])).count()) as i64;
    let mut first = First::new(data, geom);
    match part {
        0 => {
            first.run(spec, geom, lo, lo, None)?;
            Ok(first.canvas.count)
        }
        1 | 4 => {
            let published = OnceLock::new();
            let half = usize::try_from(geom.total_blocks() / 2 + 64).unwrap_or(0);
            let b = second(
                spec,
                geom,
                data,
                p0,
                lo + 8 * window as i64,
                half,
                &published,
            )
            .ok_or(DcError::Scan(ScanError::BadCode))?;
            if part == 4 {
                // The samples of its blocks, as after a meeting at its first block: the
                // time this takes, in ns.
                let mut canvas = Canvas::new(geom);
                let none = QuarterAc::default();
                let t = std::time::Instant::now();
                for (n, &d) in b.blocks.diffs.iter().enumerate() {
                    canvas.put(geom, d, b.blocks.acs.get(n).unwrap_or(&none))?;
                }
                return Ok(t.elapsed().as_nanos() as u64);
            }
            Ok(b.blocks.len() as u64)
        }
        _ => {
            first.run(spec, geom, i64::MAX, i64::MAX, None)?;
            if part == 2 {
                // The planes copied out: the time this takes, in ns.
                let t = std::time::Instant::now();
                write_planes(geom, &first.canvas.virt, y_size, uv_size, out)?;
                return Ok(t.elapsed().as_nanos() as u64);
            }
            Ok(first.canvas.count)
        }
    }
}

/// Writes the planes from the planes' decoded samples `virt`, as `tj3DecompressToYUV8`
/// copies them out of its scratch rows.
fn write_planes(
    geom: &DcGeom,
    virt: &[Vec<u8>],
    y_size: (usize, usize),
    uv_size: (usize, usize),
    out: &mut [u8],
) -> Result<(), DcError> {
    let bad = DcError::Unsupported;
    let ds = geom.ds;
    // The scratch buffer of an iMCU row: each plane's v × ds rows of wib × ds samples,
    // in turn.
    let th: Vec<usize> = geom.planes.iter().map(|p| p.v * ds).collect();
    let iws: Vec<usize> = geom.planes.iter().map(|p| p.wib * ds).collect();
    let ihs: Vec<usize> = geom.planes.iter().map(|p| p.hib * ds).collect();
    let mut bases = Vec::with_capacity(th.len());
    let mut total = 0usize;
    for (&iw, &t) in iws.iter().zip(&th) {
        bases.push(total);
        total += iw * t;
    }
    // Scratch byte `o` in iMCU row `r`: the decoded sample, or the stale one of the row
    // before when that block row is past the plane's last.
    let scratch = |o: usize, r: usize| -> Option<u8> {
        let k = bases.iter().rposition(|&b| b <= o)?;
        let (iw, ih) = (iws[k], ihs[k]);
        if o >= total || iw == 0 {
            return None;
        }
        let (jj, cc) = ((o - bases[k]) / iw, (o - bases[k]) % iw);
        let row = r * th[k] + jj;
        let row = if row < ih {
            row
        } else {
            Some(r.checked_sub(1)? * th[k] + jj).filter(|&b| b < ih)?
        };
        virt[k].get(row * iw + cc).copied()
    };
    let sizes: Vec<(usize, usize)> = (0..geom.planes.len())
        .map(|i| if i == 0 { y_size } else { uv_size })
        .collect();
    let n_imcu = geom.out_h.div_ceil(geom.max_v * ds);
    let mut offset = 0usize;
    for (i, &(pw, ph)) in sizes.iter().enumerate() {
        let plane_out = out
            .get_mut(offset..offset + pw * ph)
            .ok_or(bad("output size"))?;
        offset += pw * ph;
        let (iw, ih, t) = (iws[i], ihs[i], th[i]);
        for r in 0..n_imcu {
            let crow = r * t;
            for j in 0..t.min(ph.saturating_sub(crow)) {
                let dest = plane_out
                    .get_mut((crow + j) * pw..(crow + j + 1) * pw)
                    .ok_or(bad("output rows"))?;
                let main = pw.min(iw);
                let o = bases[i] + j * iw;
                let row = r * t + j;
                if row < ih {
                    let src = &virt[i][row * iw..row * iw + main];
                    dest[..main].copy_from_slice(src);
                } else {
                    for (col, d) in dest[..main].iter_mut().enumerate() {
                        *d = scratch(o + col, r).ok_or(bad("stale row of no row"))?;
                    }
                }
                for (col, d) in dest.iter_mut().enumerate().skip(main) {
                    *d = scratch(o + col, r).ok_or(bad("read past the scratch buffer"))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_limit_is_libjpegs_table() {
        assert_eq!(range_limit(0), 128);
        assert_eq!(range_limit(-128), 0);
        assert_eq!(range_limit(127), 255);
        assert_eq!(range_limit(-129), 0);
        assert_eq!(range_limit(511), 255);
        assert_eq!(range_limit(512), 0);
        // Wraps past ±512 as the table does.
        assert_eq!(range_limit(1024), 128);
        assert_eq!(range_limit(-513), 255);
        // dc 8 × q 16 = 128 → 16 → 144.
        assert_eq!(sample(8, 16), 144);
        // (−3 × 1 + 4) >> 3 = 0; (−5 + 4) >> 3 = −1.
        assert_eq!(sample(-3, 1), 128);
        assert_eq!(sample(-5, 1), 127);
        // A DC past 16 bits is truncated as libjpeg's `short` block does.
        assert_eq!(sample(65536 + 8, 16), 144);
    }
}
