//! Where a baseline JPEG's pieces are: the frame, the restart interval, the scan's
//! entropy-coded data and every RST marker in it.
//!
//! The parser accepts only what the parallel path can reproduce exactly and refuses the
//! rest with a [`LayoutError`] (the caller then decodes serially): one SOF0/SOF1 frame of
//! 8-bit samples with one or three components, a non-zero restart interval, one
//! interleaved scan whose RST markers come in order and number exactly one fewer than the
//! intervals, ended by EOI. It reads every byte at most twice and allocates one `usize`
//! per RST marker (at most a quarter of the input's length in markers).

use thiserror::Error;

/// Why a JPEG cannot go through the parallel path. Offsets are bytes from the start.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The data does not start with SOI (`FF D8`).
    #[error("not a JPEG: no SOI marker at byte 0")]
    NoSoi,
    /// The data ends inside a segment or before the scan's EOI.
    #[error("truncated at byte {at}: {what}")]
    Truncated {
        /// Where the data ended.
        at: usize,
        /// What was being read.
        what: &'static str,
    },
    /// Something else than `FF` where a marker was due between segments (libjpeg skips
    /// such bytes with a warning).
    #[error("byte {at}: {found:#04x} where a marker was due")]
    ExpectedMarker {
        /// Offset of the byte.
        at: usize,
        /// The byte found.
        found: u8,
    },
    /// A marker the parallel path does not handle.
    #[error("byte {at}: marker FF {marker:02X} not handled by the parallel path ({why})")]
    Unsupported {
        /// Offset of the marker's `FF`.
        at: usize,
        /// The marker code.
        marker: u8,
        /// What it means.
        why: &'static str,
    },
    /// A segment whose length or fields are out of range.
    #[error("byte {at}: malformed {what}")]
    Malformed {
        /// Offset of the segment's marker.
        at: usize,
        /// Which field.
        what: &'static str,
    },
    /// The scan has no restart interval (no DRI, or DRI 0).
    #[error("no restart interval: the scan is one entropy-coded segment")]
    NoRestartInterval,
    /// An RST marker out of sequence (RST0, RST1, … RST7, RST0, …).
    #[error("byte {at}: RST{found} where RST{expected} was due")]
    RestartOutOfOrder {
        /// Offset of the marker's `FF`.
        at: usize,
        /// The marker's number.
        found: u8,
        /// The number due.
        expected: u8,
    },
    /// More or fewer RST markers than the frame's intervals need.
    #[error("{found} RST markers where {intervals} restart intervals need one fewer")]
    RestartCount {
        /// RST markers found (counting stops one past the expected number).
        found: usize,
        /// Restart intervals in the frame.
        intervals: u64,
    },
}

/// The geometry and byte layout of an eligible JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Image width in pixels (SOF).
    pub width: u16,
    /// Image height in pixels (SOF).
    pub height: u16,
    /// Number of components: 1 (grey) or 3.
    pub components: u8,
    /// MCU width in pixels: 8 × the largest horizontal sampling factor (8 for grey).
    pub mcu_width: u16,
    /// MCU height in pixels: 8 × the largest vertical sampling factor (8 for grey).
    pub mcu_height: u16,
    /// Restart interval in MCUs (DRI), not 0 from [`parse_layout`].
    pub restart_interval: u16,
    /// Offset of the SOF segment's 2-byte height field.
    pub(crate) sof_height_at: usize,
    /// Offset just past the SOS segment: the first entropy-coded byte.
    pub(crate) scan_start: usize,
    /// Offset of the `FF` of the EOI marker that ends the scan.
    pub(crate) scan_end: usize,
    /// Offset of the `FF` of each RST marker, in order.
    pub(crate) restarts: Vec<usize>,
}

impl Layout {
    /// MCUs in one MCU row.
    pub fn mcus_per_row(&self) -> u64 {
        u64::from(self.width).div_ceil(u64::from(self.mcu_width))
    }

    /// MCU rows in the image.
    pub fn mcu_rows(&self) -> u64 {
        u64::from(self.height).div_ceil(u64::from(self.mcu_height))
    }

    /// Restart intervals in the scan (the last may be short).
    pub fn intervals(&self) -> u64 {
        intervals(self.mcus_per_row(), self.mcu_rows(), self.restart_interval)
    }

    /// Byte range of restart interval `i`'s entropy-coded data (without its RST marker);
    /// `None` past the last interval.
    pub(crate) fn interval_bytes(&self, i: usize) -> Option<(usize, usize)> {
        let start = match i {
            0 => self.scan_start,
            _ => self.restarts.get(i - 1)? + 2,
        };
        let end = match self.restarts.get(i) {
            Some(&at) => at,
            None if i == self.restarts.len() => self.scan_end,
            None => return None,
        };
        Some((start, end))
    }
}

fn intervals(mcus_per_row: u64, mcu_rows: u64, restart_interval: u16) -> u64 {
    (mcus_per_row * mcu_rows).div_ceil(u64::from(restart_interval.max(1)))
}

struct Frame {
    width: u16,
    height: u16,
    components: u8,
    max_h: u8,
    max_v: u8,
    height_at: usize,
}

fn be16(bytes: &[u8], at: usize, what: &'static str) -> Result<u16, LayoutError> {
    match bytes.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(u16::from_be_bytes([hi, lo])),
        _ => Err(LayoutError::Truncated { at, what }),
    }
}

fn parse_frame(seg: &[u8], at: usize) -> Result<Frame, LayoutError> {
    let bad = |what| LayoutError::Malformed { at, what };
    // seg is the segment after its length: P, Y, X, Nf, then Nf × (C, H<<4|V, Tq).
    let &[precision, y_hi, y_lo, x_hi, x_lo, nf, ref comps @ ..] = seg else {
        return Err(bad("SOF: shorter than its fixed fields"));
    };
    if precision != 8 {
        return Err(LayoutError::Unsupported {
            at,
            marker: 0xC1,
            why: "12-bit samples",
        });
    }
    let (height, width) = (
        u16::from_be_bytes([y_hi, y_lo]),
        u16::from_be_bytes([x_hi, x_lo]),
    );
    if width == 0 {
        return Err(bad("SOF: width 0"));
    }
    if height == 0 {
        return Err(LayoutError::Unsupported {
            at,
            marker: 0xDC,
            why: "height 0: defined by a DNL marker after the scan",
        });
    }
    if nf != 1 && nf != 3 {
        return Err(LayoutError::Unsupported {
            at,
            marker: 0xC0,
            why: "neither 1 nor 3 components (CMYK/YCCK or unusual)",
        });
    }
    if comps.len() != 3 * usize::from(nf) {
        return Err(bad("SOF: length does not match its component count"));
    }
    let (mut max_h, mut max_v) = (1, 1);
    for c in comps.chunks_exact(3) {
        let (h, v) = (c[1] >> 4, c[1] & 0x0F);
        if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
            return Err(bad("SOF: sampling factor outside 1..=4"));
        }
        max_h = max_h.max(h);
        max_v = max_v.max(v);
    }
    if nf == 1 {
        // A single-component scan is not interleaved: its MCU is one 8x8 block whatever
        // the sampling factors say.
        (max_h, max_v) = (1, 1);
    }
    Ok(Frame {
        width,
        height,
        components: nf,
        max_h,
        max_v,
        // marker (2) + length (2) + precision (1)
        height_at: at + 5,
    })
}

fn check_scan_header(seg: &[u8], at: usize, components: u8) -> Result<(), LayoutError> {
    let bad = |what| LayoutError::Malformed { at, what };
    let Some((&ns, rest)) = seg.split_first() else {
        return Err(bad("SOS: empty"));
    };
    if ns != components {
        return Err(LayoutError::Unsupported {
            at,
            marker: 0xDA,
            why: "scan does not hold every component (non-interleaved scans)",
        });
    }
    let &[ss, se, ahl] = rest.get(2 * usize::from(ns)..).unwrap_or(&[]) else {
        return Err(bad("SOS: length does not match its component count"));
    };
    if (ss, se, ahl) != (0, 63, 0) {
        return Err(LayoutError::Unsupported {
            at,
            marker: 0xDA,
            why: "spectral selection or successive approximation (not baseline)",
        });
    }
    Ok(())
}

/// Parses the markers of `jpeg` up to its EOI; see the module documentation for what is
/// accepted. Linear in the input's length.
pub fn parse_layout(jpeg: &[u8]) -> Result<Layout, LayoutError> {
    parse(jpeg, false)
}

/// [`parse_layout`], but with `no_restarts` a scan without restart interval is accepted
/// too (its `restart_interval` is 0 and it has no RST markers).
pub(crate) fn parse(jpeg: &[u8], no_restarts: bool) -> Result<Layout, LayoutError> {
    if jpeg.get(..2) != Some(&[0xFF, 0xD8]) {
        return Err(LayoutError::NoSoi);
    }
    let mut pos = 2;
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0u16;
    let scan_start = loop {
        let at = pos;
        let (ff, marker) = match jpeg.get(at..at + 2) {
            Some(&[ff, marker]) => (ff, marker),
            _ => {
                return Err(LayoutError::Truncated {
                    at,
                    what: "marker before the scan",
                })
            }
        };
        if ff != 0xFF {
            return Err(LayoutError::ExpectedMarker { at, found: ff });
        }
        let unsupported = |why| Err(LayoutError::Unsupported { at, marker, why });
        match marker {
            0xFF => return unsupported("fill bytes between segments"),
            0xD8 | 0xD0..=0xD7 | 0x01 => return unsupported("stand-alone marker before the scan"),
            0xD9 => return unsupported("EOI before any scan"),
            _ => {}
        }
        let len = usize::from(be16(jpeg, at + 2, "segment length")?);
        if len < 2 {
            return Err(LayoutError::Malformed {
                at,
                what: "segment length below 2",
            });
        }
        let end = at + 2 + len;
        let Some(seg) = jpeg.get(at + 4..end) else {
            return Err(LayoutError::Truncated {
                at: jpeg.len(),
                what: "segment",
            });
        };
        match marker {
            0xC0 | 0xC1 => {
                if frame.is_some() {
                    return unsupported("second SOF");
                }
                frame = Some(parse_frame(seg, at)?);
            }
            0xC2 | 0xC6 | 0xCA | 0xCE => return unsupported("progressive"),
            0xC3 | 0xC7 | 0xCB | 0xCF => return unsupported("lossless"),
            0xC5 => return unsupported("hierarchical"),
            0xC9 | 0xCC | 0xCD => return unsupported("arithmetic coding"),
            0xDD => {
                let &[hi, lo] = seg else {
                    return Err(LayoutError::Malformed {
                        at,
                        what: "DRI: length is not 4",
                    });
                };
                restart_interval = u16::from_be_bytes([hi, lo]);
            }
            0xDA => {
                let Some(f) = &frame else {
                    return unsupported("SOS before SOF");
                };
                check_scan_header(seg, at, f.components)?;
                break end;
            }
            // DHT, DQT, APPn, COM: copied verbatim into every strip.
            0xC4 | 0xDB | 0xE0..=0xEF | 0xFE => {}
            _ => return unsupported("not a DHT, DQT, DRI, APPn or COM segment"),
        }
        pos = end;
    };
    let Some(frame) = frame else {
        return Err(LayoutError::Truncated {
            at: scan_start,
            what: "SOF",
        });
    };
    if restart_interval == 0 && !no_restarts {
        return Err(LayoutError::NoRestartInterval);
    }
    let mcu_width = 8 * u16::from(frame.max_h);
    let mcu_height = 8 * u16::from(frame.max_v);
    let mcus_per_row = u64::from(frame.width).div_ceil(u64::from(mcu_width));
    let mcu_rows = u64::from(frame.height).div_ceil(u64::from(mcu_height));
    let n_intervals = match restart_interval {
        0 => 1,
        ri => intervals(mcus_per_row, mcu_rows, ri),
    };
    let (restarts, scan_end) = find_restarts(jpeg, scan_start, n_intervals)?;
    Ok(Layout {
        width: frame.width,
        height: frame.height,
        components: frame.components,
        mcu_width,
        mcu_height,
        restart_interval,
        sof_height_at: frame.height_at,
        scan_start,
        scan_end,
        restarts,
    })
}

/// Finds the RST markers of the scan starting at `start` and the EOI ending it. Inside
/// entropy-coded data every `FF` is followed by `00` (a stuffed byte) or is a marker.
fn find_restarts(
    jpeg: &[u8],
    start: usize,
    n_intervals: u64,
) -> Result<(Vec<usize>, usize), LayoutError> {
    let expected = usize::try_from(n_intervals.saturating_sub(1)).unwrap_or(usize::MAX);
    let mut restarts = Vec::new();
    let mut pos = start;
    loop {
        let Some(ff) = jpeg.get(pos..).and_then(|rest| memchr::memchr(0xFF, rest)) else {
            return Err(LayoutError::Truncated {
                at: jpeg.len(),
                what: "no EOI after the scan",
            });
        };
        let at = pos + ff;
        let Some(&code) = jpeg.get(at + 1) else {
            return Err(LayoutError::Truncated {
                at: jpeg.len(),
                what: "FF at the end of the scan",
            });
        };
        match code {
            0x00 => {}
            0xD0..=0xD7 => {
                let due = (restarts.len() % 8) as u8;
                if code - 0xD0 != due {
                    return Err(LayoutError::RestartOutOfOrder {
                        at,
                        found: code - 0xD0,
                        expected: due,
                    });
                }
                if restarts.len() == expected {
                    return Err(LayoutError::RestartCount {
                        found: expected + 1,
                        intervals: n_intervals,
                    });
                }
                restarts.push(at);
            }
            0xD9 => {
                if restarts.len() != expected {
                    return Err(LayoutError::RestartCount {
                        found: restarts.len(),
                        intervals: n_intervals,
                    });
                }
                return Ok((restarts, at));
            }
            0xFF => {
                return Err(LayoutError::Unsupported {
                    at,
                    marker: 0xFF,
                    why: "fill bytes in the scan",
                })
            }
            _ => {
                return Err(LayoutError::Unsupported {
                    at,
                    marker: code,
                    why: "marker inside or after the scan other than RSTn and EOI",
                })
            }
        }
        pos = at + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal grey 16x16 JPEG skeleton with DRI `ri` and the given scan bytes (the
    /// entropy data is not valid; the parser does not decode it).
    fn skeleton(ri: u16, scan: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend([0xFF, 0xDB, 0x00, 0x43, 0x00]);
        j.extend([1u8; 64]);
        j.extend([0xFF, 0xC0, 0x00, 0x0B, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        j.extend([0xFF, 0xDD, 0x00, 0x04]);
        j.extend(ri.to_be_bytes());
        j.extend([0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0]);
        j.extend(scan);
        j
    }

    #[test]
    fn finds_restarts_in_order() {
        // 16x16 grey: 2x2 MCUs; interval 1: 4 intervals, 3 RSTs.
        let scan = [
            0x12, 0xFF, 0x00, 0xFF, 0xD0, 0x34, 0xFF, 0xD1, 0x56, 0xFF, 0xD2, 0x78, 0xFF, 0xD9,
        ];
        let j = skeleton(1, &scan);
        let l = parse_layout(&j).unwrap();
        let s = j.len() - scan.len();
        assert_eq!((l.width, l.height, l.components), (16, 16, 1));
        assert_eq!(
            (l.mcu_width, l.mcu_height, l.mcus_per_row(), l.mcu_rows()),
            (8, 8, 2, 2)
        );
        assert_eq!(l.intervals(), 4);
        assert_eq!(l.restarts, vec![s + 3, s + 6, s + 9]);
        assert_eq!(l.scan_end, s + 12);
        assert_eq!(l.interval_bytes(0), Some((s, s + 3)));
        assert_eq!(l.interval_bytes(3), Some((s + 11, s + 12)));
        assert_eq!(l.interval_bytes(4), None);
        assert_eq!(&j[l.sof_height_at..l.sof_height_at + 2], &[0, 16]);
    }

    #[test]
    fn refuses_what_it_cannot_split() {
        let ok = [
            0x12, 0xFF, 0xD0, 0x34, 0xFF, 0xD1, 0x56, 0xFF, 0xD2, 0x78, 0xFF, 0xD9,
        ];
        assert!(parse_layout(&skeleton(1, &ok)).is_ok());
        let s = skeleton(1, &[]).len();
        let cases: Vec<(Vec<u8>, LayoutError)> = vec![
            (skeleton(0, &ok), LayoutError::NoRestartInterval),
            (
                skeleton(1, &[0x12, 0xFF, 0xD1, 0xFF, 0xD9]),
                LayoutError::RestartOutOfOrder {
                    at: s + 1,
                    found: 1,
                    expected: 0,
                },
            ),
            (
                skeleton(1, &[0x12, 0xFF, 0xD0, 0xFF, 0xD9]),
                LayoutError::RestartCount {
                    found: 1,
                    intervals: 4,
                },
            ),
            (
                skeleton(2, &ok),
                LayoutError::RestartCount {
                    found: 2,
                    intervals: 2,
                },
            ),
            (
                skeleton(1, &ok[..7]),
                LayoutError::Truncated {
                    at: s + 7,
                    what: "no EOI after the scan",
                },
            ),
            (
                skeleton(1, &[0x12, 0xFF, 0xC4, 0xFF, 0xD9]),
                LayoutError::Unsupported {
                    at: s + 1,
                    marker: 0xC4,
                    why: "marker inside or after the scan other than RSTn and EOI",
                },
            ),
            (b"GIF89a".to_vec(), LayoutError::NoSoi),
        ];
        for (jpeg, want) in cases {
            assert_eq!(parse_layout(&jpeg), Err(want));
        }
        // Progressive SOF2.
        let mut p = skeleton(1, &ok);
        let sof = p.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        p[sof + 1] = 0xC2;
        assert!(matches!(
            parse_layout(&p),
            Err(LayoutError::Unsupported {
                marker: 0xC2,
                why: "progressive",
                ..
            })
        ));
        // Every truncation of the headers is an error, never a panic.
        let j = skeleton(1, &ok);
        for n in 0..j.len() - 1 {
            assert!(parse_layout(&j[..n]).is_err(), "prefix of {n} bytes");
        }
    }
}
